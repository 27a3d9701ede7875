package main

import (
	"strings"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
)

// hintFlags are the flags of the command being run that every command it
// tells the person to type ("Next:", "Try:", "Hint:") repeats: a hint that
// named another queue, API or credential store than the one in use would
// fail when followed. parse records them from the flags a command defines;
// the demo sets its own.
type hintFlags struct {
	queue      string // "" or the default: not repeated
	apiBaseURL string // "" or the default: not repeated
	configDir  string
	account    string
	// scratch: the queue is deleted when the command ends (the demo's
	// temporary one): no hint names a command on it.
	scratch bool
}

// contextFlags are, per command a hint can name, the context flags it
// takes, in the order a hint writes them. An account chosen by --account
// is repeated only to run: to auth status and logout it would turn "show
// what is stored" into "fail on the account that is not there".
var contextFlags = map[string][]string{
	"run":         {"queue", "api-base-url", "config-dir", "account"},
	"import":      {"queue"},
	"status":      {"queue"},
	"export":      {"queue"},
	"retry":       {"queue"},
	"auth login":  {"api-base-url", "config-dir"},
	"auth status": {"config-dir"},
	"auth logout": {"config-dir"},
}

// hintFlagsOf reads the context flags fs defines (after parse).
func hintFlagsOf(fs *flagSet) hintFlags {
	get := func(name string) string {
		if f := fs.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	// A base URL is repeated as checked, never as typed: one that does not
	// pass may hold a password or a token (user info, a query).
	base, err := apiclient.CheckBaseURL(get("api-base-url"))
	if err != nil {
		base = ""
	}
	return hintFlags{queue: get("queue"), apiBaseURL: base, configDir: get("config-dir"), account: get("account")}
}

// value is flag name's value to repeat, "" when it is the default.
func (h hintFlags) value(name string) string {
	switch name {
	case "queue":
		if h.queue != defaultQueuePath() {
			return h.queue
		}
	case "api-base-url":
		if h.apiBaseURL != defaultAPIBaseURL {
			return h.apiBaseURL
		}
	case "config-dir":
		return h.configDir
	case "account":
		return h.account
	}
	return ""
}

// command is the command line to type: "bulkunfollow SUB", the context
// flags SUB takes, then args (words already quoted as needed). It is ""
// for a command on a scratch queue, which will be gone.
func (h hintFlags) command(sub string, args ...string) string {
	if h.scratch && h.value("queue") != "" && hasContextFlag(sub, "queue") {
		return ""
	}
	rest := strings.Join(args, " ")
	line := "bulkunfollow " + sub + h.flagsFor(sub, rest)
	if rest != "" {
		line += " " + rest
	}
	return line
}

func hasContextFlag(sub, name string) bool {
	for _, n := range contextFlags[sub] {
		if n == name {
			return true
		}
	}
	return false
}

// flagsFor is " --NAME VALUE" for each context flag of sub with a value
// to repeat that rest does not give already.
func (h hintFlags) flagsFor(sub, rest string) string {
	var b strings.Builder
	for _, name := range contextFlags[sub] {
		v := h.value(name)
		if v == "" || givesFlag(rest, name) {
			continue
		}
		b.WriteString(" --" + name + " " + shellQuote(v))
	}
	return b.String()
}

// givesFlag reports whether the words of s set flag --name.
func givesFlag(s, name string) bool {
	for _, w := range strings.Fields(s) {
		w = strings.TrimLeft(w, "-")
		if w == name || strings.HasPrefix(w, name+"=") {
			return true
		}
	}
	return false
}

// inHint adds the context flags to every command a hint names. Hints are
// written without context, in this package and in the ones whose advice
// it prints (auth.Hint, apiclient.Error.Hint, the worker's): a command is
// "bulkunfollow" followed by a command name ("auth" and its subcommand),
// and the flags go right after the name unless the words that follow, up
// to the next command, already give them.
func (h hintFlags) inHint(text string) string {
	const word = "bulkunfollow "
	var b strings.Builder
	for {
		i := strings.Index(text, word)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:i+len(word)])
		text = text[i+len(word):]
		sub := commandAt(text)
		if sub == "" {
			continue
		}
		rest := text[len(sub):]
		if j := strings.Index(rest, word); j >= 0 {
			rest = rest[:j]
		}
		b.WriteString(sub + h.flagsFor(sub, rest))
		text = text[len(sub):]
	}
}

// commandAt is the command of contextFlags that s starts with, as whole
// words, or "".
func commandAt(s string) string {
	best := ""
	for sub := range contextFlags {
		if strings.HasPrefix(s, sub) && len(sub) > len(best) {
			if after := s[len(sub):]; after == "" || !isWordByte(after[0]) {
				best = sub
			}
		}
	}
	return best
}

func isWordByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
