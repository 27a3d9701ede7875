package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// envPrefix is the prefix of every flag's environment variable: flag
// --daily-cap is also BULKUNFOLLOW_DAILY_CAP.
const envPrefix = "BULKUNFOLLOW_"

// envName returns the environment variable that backs flag name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// flagSet is a subcommand's flags with the house conventions: every flag
// has an environment variable, --help shows a description, every flag with
// its variable and default, and examples; a misspelt flag gets a suggestion.
type flagSet struct {
	*flag.FlagSet
	e           *cli
	name        string // "import", "auth login"
	args        string // positional part of the usage line, e.g. "FILE..."
	description string
	examples    []string
	noEnv       map[string]bool
	envNames    map[string]string // flag -> its variable, where not envName(flag)
	aliases     map[string]string // short name -> long name ("o" -> "output")
	positional  []string
	given       map[string]bool // flags set on the command line or by their variable
}

func (c *cli) newFlagSet(name, args, description string, examples ...string) *flagSet {
	fs := &flagSet{
		FlagSet:     flag.NewFlagSet(name, flag.ContinueOnError),
		e:           c,
		name:        name,
		args:        args,
		description: description,
		examples:    examples,
		noEnv:       map[string]bool{},
		envNames:    map[string]string{},
		aliases:     map[string]string{},
	}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if c.onFlagSet != nil {
		c.onFlagSet(fs)
	}
	return fs
}

// queueFlag adds the --queue flag every queue command shares.
func (fs *flagSet) queueFlag() *string {
	return fs.String("queue", defaultQueuePath(), "queue file (bbolt)")
}

// defaultQueuePath is bulkunfollow.db in the current directory: a queue
// belongs with the list it was made from, and cron jobs set --queue or
// BULKUNFOLLOW_QUEUE explicitly.
func defaultQueuePath() string { return "bulkunfollow.db" }

// withoutEnv marks flags that must not be read from the environment.
func (fs *flagSet) withoutEnv(names ...string) {
	for _, n := range names {
		fs.noEnv[n] = true
	}
}

// envAs gives flag name the variable env instead of BULKUNFOLLOW_<NAME>:
// for a flag whose plain variable would mean something else to another
// command (import's and export's --format) or collide with a credential
// variable (simulate's --oauth1-token vs BULKUNFOLLOW_OAUTH1_TOKEN).
func (fs *flagSet) envAs(name, env string) {
	fs.envNames[name] = env
}

// envOf returns the variable that backs flag name.
func (fs *flagSet) envOf(name string) string {
	if v, ok := fs.envNames[name]; ok {
		return v
	}
	return envName(name)
}

// alias makes -short another name of the already defined --long: same
// value, no environment variable of its own, one line in --help.
func (fs *flagSet) alias(short, long string) {
	f := fs.Lookup(long)
	if f == nil {
		panic("alias of undefined flag --" + long)
	}
	fs.Var(f.Value, short, "short for --"+long)
	fs.noEnv[short] = true
	fs.aliases[short] = long
}

// parse parses args, then fills every flag not given on the command line
// from its environment variable. It returns errHelpShown after printing
// help, or a usage error (exit 2).
func (fs *flagSet) parse(args []string) error {
	// Allow flags after positional arguments ("import list.csv --dry-run"),
	// as people type them; "--" ends flags.
	var positional []string
	rest := args
	for len(rest) > 0 {
		if err := fs.FlagSet.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printHelp(fs.e.stdout)
				return errHelpShown
			}
			return fs.usageError(err)
		}
		left := fs.FlagSet.Args()
		if consumed := len(rest) - len(left); consumed > 0 && rest[consumed-1] == "--" {
			positional = append(positional, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		positional = append(positional, left[0])
		rest = left[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		if long, ok := fs.aliases[f.Name]; ok {
			set[long] = true
		}
	})
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || fs.noEnv[f.Name] || envErr != nil {
			return
		}
		v, ok := fs.lookupEnv(fs.envOf(f.Name))
		if !ok {
			return
		}
		if isBool(f) {
			// Environment files say yes/no and on/off as often as true/false.
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "yes", "y", "on":
				v = "true"
			case "no", "n", "off":
				v = "false"
			}
		}
		if err := f.Value.Set(v); err != nil {
			envErr = usageErrorf("%s=%q: %s", fs.envOf(f.Name), v, fs.wantValue(f.Name)).withHint(fmt.Sprintf("bulkunfollow %s --help", fs.name))
			return
		}
		set[f.Name] = true
	})
	if envErr != nil {
		return envErr
	}
	fs.positional = positional
	fs.given = set
	fs.e.hints = hintFlagsOf(fs)
	return nil
}

// given reports whether flag name was set, on the command line or through
// its environment variable (after parse).
func (fs *flagSet) isGiven(name string) bool { return fs.given[name] }

func (fs *flagSet) lookupEnv(name string) (string, bool) {
	if fs.e.getenv != nil {
		v := fs.e.getenv(name)
		return v, v != ""
	}
	return os.LookupEnv(name)
}

func (fs *flagSet) usageError(err error) error {
	msg := err.Error()
	help := fmt.Sprintf("bulkunfollow %s --help", fs.name)
	// The flag package names flags with one dash; people (and our help)
	// use two. Say the same thing in the words of --help.
	if bad, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		bad = strings.TrimLeft(bad, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest(bad, names, "%s"); s != "" {
			return usageErrorf("%s: unknown flag %s (did you mean %s?)", fs.name, fs.dashed(bad), fs.dashed(s)).withHint(help)
		}
		return usageErrorf("%s: unknown flag %s", fs.name, fs.dashed(bad)).withHint(help)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return usageErrorf("%s: %s needs a value", fs.name, fs.dashed(name)).withHint(help)
	}
	var value, name string
	if n, _ := fmt.Sscanf(msg, "invalid value %q for flag %s", &value, &name); n == 2 {
		return usageErrorf("%s: %s %q: %s", fs.name, fs.dashed(name), value, fs.wantValue(name)).withHint(help)
	}
	if n, _ := fmt.Sscanf(msg, "invalid boolean value %q for %s", &value, &name); n == 2 {
		return usageErrorf("%s: %s=%s: want true or false (or just %s)", fs.name, fs.dashed(name), value, fs.dashed(name)).withHint(help)
	}
	return usageErrorf("%s: %s", fs.name, msg).withHint(help)
}

// dashed writes a flag name from a flag package message ("-queue:") the
// way --help shows it: --queue, or -o for a short alias.
func (fs *flagSet) dashed(name string) string {
	name = strings.TrimSuffix(strings.TrimLeft(name, "-"), ":")
	if _, ok := fs.aliases[name]; ok || len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// wantValue says what kind of value flag name takes, for error messages.
func (fs *flagSet) wantValue(name string) string {
	f := fs.Lookup(strings.TrimSuffix(strings.TrimLeft(name, "-"), ":"))
	if f == nil {
		return "invalid value"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "invalid value"
	}
	switch g.Get().(type) {
	case time.Duration:
		return "want a duration such as 90s, 50m or 1h30m"
	case bool:
		return "want true or false"
	case int, int64, uint, uint64:
		return "want a whole number"
	case float64:
		return "want a number"
	}
	return "invalid value"
}

// printHelp writes the command's help: usage, description, flags (with
// environment variables and defaults) and examples.
func (fs *flagSet) printHelp(w io.Writer) {
	usage := "bulkunfollow " + fs.name
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		usage += " [flags]"
	}
	if fs.args != "" {
		usage += " " + fs.args
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", usage, strings.TrimSpace(fs.description))
	if hasFlags {
		fmt.Fprintf(w, "\nFlags:\n")
		shortOf := map[string]string{}
		for short, long := range fs.aliases {
			shortOf[long] = short
		}
		fs.VisitAll(func(f *flag.Flag) {
			if _, ok := fs.aliases[f.Name]; ok {
				return // shown with its long name
			}
			kind, usage := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if short, ok := shortOf[f.Name]; ok {
				line = "  -" + short + ", --" + f.Name
			}
			if kind != "" {
				line += " " + kind
			}
			fmt.Fprintf(w, "%s\n%s", line, wrapText(usage, "      ", helpWidth))
			var extra []string
			if !fs.noEnv[f.Name] {
				extra = append(extra, "env "+fs.envOf(f.Name))
			} else {
				extra = append(extra, "no environment variable: command line only")
			}
			if f.DefValue != "" && f.DefValue != "false" {
				extra = append(extra, "default "+f.DefValue)
			}
			if len(extra) > 0 {
				fmt.Fprint(w, wrapText("("+strings.Join(extra, ", ")+")", "      ", helpWidth))
			}
		})
	}
	if len(fs.examples) > 0 {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, ex := range fs.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
}

// helpWidth is the width --help is written for: an 80-column terminal.
const helpWidth = 80

// wrapText breaks s into lines of at most width columns (a longer word
// stands alone), each starting with indent and ending in a newline.
func wrapText(s, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(s) {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}

// hintCommandRE is a command a message tells the person to type:
// "bulkunfollow" and what follows, up to a comma, semicolon, bracket, '&'
// or '#' (where the prose around it starts again).
var hintCommandRE = regexp.MustCompile(`bulkunfollow [a-z][^,;()&#\n]*[^,;()&#\n .]`)

// fitText is wrapText for a message on stderr: each of text's lines
// wrapped at 80 columns, the first under label (written before it), the
// others under as many spaces, and no command it names broken across two
// lines, so that it still works when copied (a command longer than a line
// gets a line of its own).
func fitText(label, text string) string {
	const glue = "\x1f" // not a space: holds a command's words together
	indent := strings.Repeat(" ", len(label))
	var b strings.Builder
	lines := strings.Split(text, "\n")
	if len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the text's own last line break
	}
	for i, line := range lines {
		if i > 0 && strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		line = hintCommandRE.ReplaceAllStringFunc(line, func(cmd string) string {
			return strings.ReplaceAll(cmd, " ", glue)
		})
		body := strings.ReplaceAll(wrapText(line, indent, helpWidth), glue, " ")
		if i == 0 {
			body = label + strings.TrimPrefix(body, indent)
		}
		b.WriteString(body)
	}
	return b.String()
}

// Args returns the positional arguments, wherever they appeared.
func (fs *flagSet) Args() []string { return fs.positional }

// absPath is filepath.Abs that keeps the input when it cannot resolve.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// defaultAPIBaseURL is the real X API. Tests, "simulate" and "demo" point
// --api-base-url at the simulator instead.
const defaultAPIBaseURL = "https://api.x.com"

// apiBaseURLFlag adds --api-base-url, shared by every command that talks to X.
func (fs *flagSet) apiBaseURLFlag() *string {
	return fs.String("api-base-url", defaultAPIBaseURL, "X API base URL (point it at \"bulkunfollow simulate\" to rehearse)")
}

// accountFlag adds --account, which picks a stored credential.
func (fs *flagSet) accountFlag() *string {
	return fs.String("account", "", "stored account to use, by @username or id (default: the only one stored)")
}

// isBool reports whether f is a boolean flag.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
