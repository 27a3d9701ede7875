package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulkunfollow/bulkunfollow/auth"
)

// cmdHelp is what one command's --help says, next to the flags the command
// really defines.
type cmdHelp struct {
	name        string // "import", "auth login"
	text        string
	description string
	flags       map[string]helpFlag // by long name, as --help lists them
	defined     map[string]bool     // names in the command's flag set (aliases included)
	examples    []string
	subcommands []string          // for a group such as "auth"
	wantEnv     map[string]string // flag → the variable its flag set says it reads ("" none)
}

type helpFlag struct {
	short, usage, env string
}

// helpOf runs "bulkunfollow NAME... --help" and parses the output.
func helpOf(t *testing.T, name string) cmdHelp {
	t.Helper()
	var out, errOut bytes.Buffer
	var sets []*flagSet
	e := &cli{
		stdin:     strings.NewReader(""),
		stdout:    &out,
		stderr:    &errOut,
		getenv:    func(string) string { return "" },
		onFlagSet: func(fs *flagSet) { sets = append(sets, fs) },
	}
	args := append(strings.Fields(name), "--help")
	if code := e.main(context.Background(), args); code != exitOK {
		t.Fatalf("bulkunfollow %s --help: exit %d, stderr %q", name, code, errOut.String())
	}
	h := cmdHelp{name: name, text: out.String(), flags: map[string]helpFlag{}, defined: map[string]bool{}}
	h.wantEnv = map[string]string{}
	for _, fs := range sets {
		fs.VisitAll(func(f *flag.Flag) {
			h.defined[f.Name] = true
			if !fs.noEnv[f.Name] {
				h.wantEnv[f.Name] = fs.envOf(f.Name)
			}
		})
	}

	flagLine := regexp.MustCompile(`^  (?:-([a-zA-Z0-9]), )?--([a-z0-9][a-z0-9-]*)(?: \S+)?$`)
	envLine := regexp.MustCompile(`\(env (BULKUNFOLLOW_[A-Z0-9_]+)`)
	section := "usage"
	var desc []string
	var cur string
	sc := bufio.NewScanner(strings.NewReader(h.text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Usage: "):
			section = "description"
			continue
		case line == "Flags:", line == "Examples:", line == "Commands:":
			section = strings.TrimSuffix(line, ":")
			continue
		case section != "description" && line != "" && !strings.HasPrefix(line, " "):
			// Any other unindented line starts free text (auth's "Credentials, ...").
			section = "text"
		}
		switch section {
		case "description":
			desc = append(desc, line)
		case "Flags":
			if m := flagLine.FindStringSubmatch(line); m != nil {
				cur = m[2]
				h.flags[cur] = helpFlag{short: m[1]}
				continue
			}
			f := h.flags[cur]
			if m := envLine.FindStringSubmatch(line); m != nil {
				f.env = m[1]
			} else if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "(") {
				f.usage += s
			}
			h.flags[cur] = f
		case "Examples":
			if s := strings.TrimSpace(line); s != "" {
				h.examples = append(h.examples, s)
			}
		case "Commands":
			if f := strings.Fields(line); len(f) > 1 {
				h.subcommands = append(h.subcommands, f[0])
			}
		}
	}
	h.description = strings.TrimSpace(strings.Join(desc, "\n"))
	return h
}

// allHelp returns the help of every command and subcommand, by name.
func allHelp(t *testing.T) map[string]cmdHelp {
	t.Helper()
	all := map[string]cmdHelp{}
	for _, c := range commands() {
		h := helpOf(t, c.name)
		all[c.name] = h
		for _, sub := range h.subcommands {
			all[c.name+" "+sub] = helpOf(t, c.name+" "+sub)
		}
	}
	return all
}

// TestHelpFitsEightyColumns: every line of every --help (and of the
// top-level usage) fits an 80-column terminal.
func TestHelpFitsEightyColumns(t *testing.T) {
	all := allHelp(t)
	_, top, _ := runCLI(t, nil, "", "help")
	all[""] = cmdHelp{text: top}
	for name, h := range all {
		for _, line := range strings.Split(h.text, "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("bulkunfollow %s --help: a line of %d columns:\n%s", name, n, line)
			}
		}
	}
}

func TestEveryCommandHelp(t *testing.T) {
	all := allHelp(t)
	if len(all["auth"].subcommands) == 0 {
		t.Fatalf("auth --help lists no subcommands:\n%s", all["auth"].text)
	}
	for name, h := range all {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			if len(h.description) < 20 {
				t.Errorf("description is missing or too short: %q", h.description)
			}
			if len(h.examples) < 2 {
				t.Errorf("%d examples, want at least 2:\n%s", len(h.examples), h.text)
			}
			for _, ex := range h.examples {
				if !strings.Contains(ex, "bulkunfollow "+name) {
					t.Errorf("example %q does not run bulkunfollow %s", ex, name)
				}
			}
			if len(h.subcommands) > 0 {
				return // a group: its subcommands have the flags
			}
			for long, f := range h.flags {
				if !h.defined[long] {
					t.Errorf("--help lists --%s, which the command does not define", long)
				}
				if f.usage == "" {
					t.Errorf("--%s has no description", long)
				}
				want := h.wantEnv[long]
				if f.env != want {
					t.Errorf("--%s: env %q in --help, want %q", long, f.env, want)
				}
				if want == "" && !withoutEnvOnPurpose[name+" --"+long] {
					t.Errorf("--%s has no environment variable: every flag needs one (or an entry in withoutEnvOnPurpose saying why not)", long)
				}
				if want != "" && !strings.HasPrefix(want, envPrefix) {
					t.Errorf("--%s: variable %s does not start with %s", long, want, envPrefix)
				}
				if f.short != "" && !h.defined[f.short] {
					t.Errorf("--help shows -%s for --%s, which is not defined", f.short, long)
				}
			}
			for d := range h.defined {
				if _, ok := h.flags[d]; ok {
					continue
				}
				shown := false
				for _, f := range h.flags {
					shown = shown || f.short == d
				}
				if !shown {
					t.Errorf("flag --%s is defined but --help does not list it", d)
				}
			}
		})
	}
}

// withoutEnvOnPurpose lists the flags that deliberately have no
// environment variable.
var withoutEnvOnPurpose = map[string]bool{
	"auth logout --all": true, // a stray BULKUNFOLLOW_ALL must never log out every account
	"following --force": true, // a stray BULKUNFOLLOW_FORCE must never replace a marked sheet
}

// docCommand is one "bulkunfollow ..." command line quoted in the docs.
type docCommand struct {
	where string // FILE:LINE
	words []string
}

// docFiles are the markdown files whose commands must exist.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"../../README.md"}
	md, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("../../docs/*/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, md...)
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found only %v: run the test from cmd/bulkunfollow", files)
	}
	return files
}

// codeChunks returns the code of a markdown file: each line of a fenced
// block (backslash continuations joined) and each inline `span`, with the
// line it starts on.
func codeChunks(t *testing.T, path string) []docCommand {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(path, "../../")
	var chunks []docCommand
	inFence := false
	pending, pendingLine := "", 0
	span := regexp.MustCompile("`([^`]+)`")
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			if pending == "" {
				pendingLine = i + 1
			}
			if s, ok := strings.CutSuffix(trimmed, `\`); ok {
				pending += s + " "
				continue
			}
			chunks = append(chunks, docCommand{where: name + ":" + strconv.Itoa(pendingLine), words: strings.Fields(pending + line)})
			pending = ""
			continue
		}
		for _, m := range span.FindAllStringSubmatch(line, -1) {
			// Tables escape pipes inside spans.
			chunks = append(chunks, docCommand{where: name + ":" + strconv.Itoa(i+1), words: strings.Fields(strings.ReplaceAll(m[1], `\|`, "|"))})
		}
	}
	return chunks
}

var (
	binaryWord  = regexp.MustCompile(`^bulkunfollow(_v[0-9A-Za-z._-]+)?(\.exe)?$`)
	commandWord = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// commandStart reports whether word i of w is where a shell command
// starts: the first word, or after a separator, sudo, env assignments...
// It keeps "kubectl -n bulkunfollow run" and prose ("bulkunfollow needs a
// person") out.
func commandStart(w []string, i int) bool {
	if i == 0 {
		return true
	}
	prev := w[i-1]
	switch prev {
	case "|", "||", "&&", ";", "&", "$", "sudo", "exec", "time", "nohup", "setsid", "then", "do", "!":
		return true
	}
	if i >= 3 && w[i-3] == "sudo" && w[i-2] == "-u" { // sudo -u USER bulkunfollow ...
		return true
	}
	return strings.HasSuffix(prev, ";") || strings.HasSuffix(prev, "$(") || envAssignment.MatchString(prev)
}

var envAssignment = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`)

// invocations finds "bulkunfollow CMD [SUB] ARGS..." in a chunk of code and
// returns each with its words up to the end of the shell command. A quoted
// mention ("bulkunfollow status" works ...) counts when it names a command
// of known.
func invocations(c docCommand, known map[string]bool) []docCommand {
	var found []docCommand
	w := c.words
	for i := 0; i < len(w)-1; i++ {
		bin := strings.TrimLeft(w[i], `"'(`)
		quoted := bin != w[i]
		if !binaryWord.MatchString(filepath.Base(bin)) || (bin != filepath.Base(bin) && !strings.HasPrefix(bin, "dist/")) {
			continue
		}
		next := strings.Trim(w[i+1], `"'`)
		if next == "bulkunfollow" || !commandWord.MatchString(strings.SplitN(next, "|", 2)[0]) {
			continue // "bulkunfollow <command>", "bulkunfollow --help"
		}
		if quoted && !known[strings.SplitN(next, "|", 2)[0]] || !quoted && !commandStart(w, i) {
			continue
		}
		var words []string
	collect:
		for _, word := range w[i+1:] {
			switch {
			case word == "|" || word == "||" || word == "&&" || word == ";" || word == "&" || word == "--" || word == "\\":
				break collect
			case strings.HasPrefix(word, "#"), strings.HasPrefix(word, ">"), strings.HasPrefix(word, "<"), strings.HasPrefix(word, "2>"):
				break collect
			}
			// A closing quote ends a quoted command: "bulkunfollow status" works.
			end := (strings.HasSuffix(word, `"`) || strings.HasSuffix(word, "'")) && !strings.Contains(word, "=")
			word = strings.Trim(word, `[]"'`+"`")
			if before, _, ok := strings.Cut(word, "|"); ok {
				word, end = before, true
			}
			if s, ok := strings.CutSuffix(word, ";"); ok {
				word, end = s, true
			}
			if s, ok := strings.CutSuffix(word, ")"); ok && !strings.Contains(s, "(") {
				word, end = s, true
			}
			if word != "" {
				words = append(words, word)
			}
			if end {
				break
			}
		}
		found = append(found, docCommand{where: c.where, words: words})
	}
	return found
}

func TestDocsUseRealCommandsAndFlags(t *testing.T) {
	all := allHelp(t)
	anyFlag := map[string]bool{}
	knownEnv := map[string]bool{
		auth.EnvAccessToken: true, auth.EnvClientSecret: true,
		auth.EnvOAuth1ConsumerKey: true, auth.EnvOAuth1ConsumerSecret: true,
		auth.EnvOAuth1Token: true, auth.EnvOAuth1TokenSecret: true,
	}
	for _, h := range all {
		for long, f := range h.flags {
			anyFlag[long] = true
			if f.short != "" {
				anyFlag[f.short] = true
			}
			if f.env != "" {
				knownEnv[f.env] = true
			}
		}
	}
	// The examples of every --help are documentation too.
	var chunks []docCommand
	for name, h := range all {
		for _, ex := range h.examples {
			chunks = append(chunks, docCommand{where: "bulkunfollow " + name + " --help", words: strings.Fields(ex)})
		}
	}
	for _, f := range docFiles(t) {
		chunks = append(chunks, codeChunks(t, f)...)
	}

	known := map[string]bool{"help": true}
	for _, c := range commands() {
		known[c.name] = true
	}
	checked := 0
	envRef := regexp.MustCompile(`BULKUNFOLLOW_[A-Z0-9_]+`)
	for _, c := range chunks {
		for _, ref := range envRef.FindAllString(strings.Join(c.words, " "), -1) {
			if strings.HasSuffix(ref, "_") { // a prefix such as BULKUNFOLLOW_OAUTH1_*
				ok := false
				for k := range knownEnv {
					ok = ok || strings.HasPrefix(k, ref)
				}
				if !ok {
					t.Errorf("%s: no environment variable starts with %s", c.where, ref)
				}
				continue
			}
			if !knownEnv[ref] {
				t.Errorf("%s: %s is not an environment variable bulkunfollow reads", c.where, ref)
			}
		}
		// A span that is just a flag (`--daily-cap`, `--rate 50/15m`) must be one.
		if len(c.words) > 0 && len(c.words) <= 2 && strings.HasPrefix(c.words[0], "--") && len(c.words[0]) > 2 {
			name, _, _ := strings.Cut(strings.TrimLeft(c.words[0], "-"), "=")
			name = strings.TrimRight(name, ",.")
			if prefix, ok := strings.CutSuffix(name, "*"); ok { // `--oauth1-*`
				for f := range anyFlag {
					if strings.HasPrefix(f, prefix) {
						name = f
						break
					}
				}
			}
			if !anyFlag[name] && name != "help" && name != "version" {
				t.Errorf("%s: `%s` is not a flag of any command", c.where, strings.Join(c.words, " "))
			}
		}
		for _, inv := range invocations(c, known) {
			checked++
			checkInvocation(t, all, inv)
		}
	}
	if checked < 50 {
		t.Errorf("checked only %d command lines in the docs: is the parser still finding them?", checked)
	}
}

// checkInvocation checks the command, subcommand and flags of one quoted
// command line.
func checkInvocation(t *testing.T, all map[string]cmdHelp, inv docCommand) {
	t.Helper()
	if len(inv.words) == 0 {
		return
	}
	line := "bulkunfollow " + strings.Join(inv.words, " ")
	name := inv.words[0]
	if name == "help" {
		return
	}
	h, ok := all[name]
	if !ok {
		t.Errorf("%s: %q: no command %q", inv.where, line, name)
		return
	}
	rest := inv.words[1:]
	if len(h.subcommands) > 0 && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		sub := name + " " + rest[0]
		if h, ok = all[sub]; !ok {
			t.Errorf("%s: %q: no command %q (have %v)", inv.where, line, sub, sortedKeys(all))
			return
		}
		name, rest = sub, rest[1:]
	}
	for _, w := range rest {
		if !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		flagName, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if flagName == "help" || flagName == "h" {
			continue
		}
		if !h.defined[flagName] {
			t.Errorf("%s: %q: bulkunfollow %s has no flag %s", inv.where, line, name, w)
		}
	}
}

func sortedKeys(m map[string]cmdHelp) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestInvocationsParser(t *testing.T) {
	tests := []struct {
		line string
		want []string // each invocation's words, joined by spaces
	}{
		{"bulkunfollow run --yes --deadline 50m", []string{"run --yes --deadline 50m"}},
		{"sudo -u bulkunfollow bulkunfollow import --queue q.db list.csv", []string{"import --queue q.db list.csv"}},
		{"bulkunfollow status --json | jq .pending", []string{"status --json"}},
		{"bulkunfollow retry && bulkunfollow run   # again", []string{"retry", "run"}},
		{"journalctl -u bulkunfollow -o cat | tail", nil},
		{"bulkunfollow <command> --help", nil},
		{"bulkunfollow export [--state S] [--format csv|jsonl] [-o FILE]", []string{"export --state S --format csv"}},
		{"bulkunfollow auth login|status|logout", []string{"auth login"}},
		{"set +a; bulkunfollow run --yes >>/var/log/run.log 2>&1; rc=$?", []string{"run --yes"}},
		{"dist/bulkunfollow_v1.2.0_linux_amd64 version", []string{"version"}},
		{"go install github.com/bulkunfollow/bulkunfollow/cmd/bulkunfollow@latest", nil},
		{"install -m 0755 bulkunfollow_v1.2.0_linux_amd64 /usr/local/bin/bulkunfollow", nil},
		{`then run this again; "bulkunfollow status" works meanwhile`, []string{"status"}},
		{`summary: "bulkunfollow on {{ $labels.instance }}"`, nil},
		{"description: bulkunfollow paces itself", nil},
		{"kubectl -n bulkunfollow run load --rm -i", nil},
		{"BULKUNFOLLOW_DAILY_CAP=200 bulkunfollow run --yes", []string{"run --yes"}},
		{"$ bulkunfollow version", []string{"version"}},
	}
	known := map[string]bool{"run": true, "status": true, "version": true}
	for _, tt := range tests {
		var got []string
		for _, inv := range invocations(docCommand{words: strings.Fields(tt.line)}, known) {
			got = append(got, strings.Join(inv.words, " "))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("invocations(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestArchitectureImports checks the package map in docs/architecture.md
// against the real imports: every package of the module is in the table,
// and its "imports (ours)" cell lists exactly the module packages it imports.
func TestArchitectureImports(t *testing.T) {
	const module = "github.com/bulkunfollow/bulkunfollow/"
	data, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-z0-9/]+)` \\|[^|]*\\|([^|]*)\\|")
	name := regexp.MustCompile("`([a-z0-9/]+)`")
	documented := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var ours []string
		for _, n := range name.FindAllStringSubmatch(m[2], -1) {
			ours = append(ours, n[1])
		}
		sort.Strings(ours)
		documented[m[1]] = ours
	}
	if len(documented) < 5 {
		t.Fatalf("found %d rows in the package map of docs/architecture.md", len(documented))
	}

	root := "../.."
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if base := d.Name(); path != root && (strings.HasPrefix(base, ".") || base == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.Default.ImportDir(path, 0)
		if err != nil {
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		var ours []string
		for _, imp := range pkg.Imports {
			if p, ok := strings.CutPrefix(imp, module); ok {
				ours = append(ours, p)
			}
		}
		sort.Strings(ours)
		want, ok := documented[rel]
		if !ok {
			t.Errorf("package %s is missing from the package map in docs/architecture.md", rel)
			return nil
		}
		if strings.Join(ours, " ") != strings.Join(want, " ") {
			t.Errorf("%s imports %v, docs/architecture.md says %v", rel, ours, want)
		}
		delete(documented, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range documented {
		t.Errorf("docs/architecture.md lists %s, which is not a package of the module", p)
	}
}
