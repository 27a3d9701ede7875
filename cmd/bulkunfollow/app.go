package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/rs/zerolog"
	"golang.org/x/term"
)

// Exit codes: a contract with scripts and schedulers (docs/exit-codes.md).
const (
	exitOK       = 0  // finished: nothing pending, no failures
	exitPerson   = 1  // needs a person: auth, account, storage
	exitUsage    = 2  // bad command line
	exitFailures = 3  // finished, some targets failed
	exitDeclined = 4  // the person said no at the confirmation prompt: nothing sent
	exitBadInput = 65 // bad input file (EX_DATAERR)
	exitTempFail = 75 // stopped early with work remaining: run again (EX_TEMPFAIL)
)

// cli is the command-line program as its commands see it: the standard
// streams, the environment, whether a person is at the terminal, and the
// signals. Every command is a function or method of it; tests build their
// own, main uses the process's.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// interactive reports whether a person is at the terminal (stdin and
	// stderr are terminals). Prompts and progress bars depend on it.
	interactive bool
	// notify, when set, replaces signal.Notify for SIGINT/SIGTERM (tests).
	notify func(chan<- os.Signal)
	// signalled, when set, is called each time trapSignals has acted on a
	// signal: after cancelling the context (the first) and after abort
	// returned (the second). Tests wait for it to order a signal before
	// what the command does next.
	signalled func()
	// onFlagSet, when set, sees every flag set a command makes (tests that
	// check --help against the flags really defined).
	onFlagSet func(*flagSet)
	// events, when set, is where everything the command says on stderr
	// goes, as one JSON object per line: JSON logs were chosen (see
	// useLogFormat), so no human text line may reach stderr.
	events *zerolog.Logger
	// hints are the context flags every command a hint names repeats
	// (hints.go); parse records them.
	hints hintFlags
}

// command is one subcommand. run returns nil on success or an error that
// exitCode maps to a process exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands lists every subcommand in the order help shows them.
func commands() []command {
	return []command{
		{"demo", "run the whole job against a built-in simulator (no account needed)", runDemo},
		{"auth", "log in to X, show or remove stored credentials", runAuth},
		{"following", "write who you follow to a review sheet to mark unfollow or keep", runFollowing},
		{"review", "decide account by account in the terminal: unfollow or keep", runReview},
		{"import", "load ids or @handles from files into the queue", runImport},
		{"run", "unfollow the queued targets, paced to X's rate limits", runRun},
		{"status", "show queue counts, bound account and the last run", runStatus},
		{"export", "write every target with its state and outcome (CSV or JSON Lines)", runExport},
		{"retry", "move failed targets back to pending", runRetry},
		{"simulate", "serve the X API simulator on loopback", runSimulate},
		{"version", "print version and build information", runVersion},
	}
}

// Run is the testable entry point: it runs one command line and returns the
// process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &cli{
		stdin:       stdin,
		stdout:      stdout,
		stderr:      stderr,
		getenv:      os.Getenv,
		interactive: isTerminal(stdin) && isTerminal(stderr),
	}
	return e.main(ctx, args)
}

func (c *cli) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	c.useEnvLogFormat()
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return c.main(ctx, []string{args[1], "--help"})
		}
		c.usage(c.stdout)
		return exitOK
	case "--version", "-version":
		name = "version"
	}
	for _, cmd := range commands() {
		if cmd.name == name {
			out := &checkedWriter{w: c.stdout}
			c.stdout = out
			err := cmd.run(ctx, c, args[1:])
			if err == nil && out.err != nil {
				// Data that did not reach standard output (a full disk, a
				// closed pipe) is a failure, not a success.
				err = withExit(exitPerson, fmt.Errorf("write standard output: %w", out.err), "")
			}
			return c.report(err)
		}
	}
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	return c.report(usageErrorf("unknown command %q", name).withHint(suggest(name, names, "bulkunfollow %s"), "bulkunfollow help"))
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintf(w, "bulkunfollow unfollows a reviewed list of X accounts, paced and resumable.\n\n")
	fmt.Fprintf(w, "Usage:\n  bulkunfollow <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nFirst look:  bulkunfollow demo\n")
	fmt.Fprintf(w, "Typical use: bulkunfollow auth login --client-id YOUR_CLIENT_ID\n             bulkunfollow import list.csv\n             bulkunfollow run\n")
	fmt.Fprintf(w, "Details:     bulkunfollow <command> --help\n")
}

// checkedWriter remembers the first error of the writes through it.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// report prints err for a person and maps it to an exit code.
func (c *cli) report(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelpShown) {
		return exitOK
	}
	x := exitOf(err)
	if x != nil && x.err == nil {
		return x.code // the command has said everything
	}
	if c.events != nil {
		c.errorEvent(err, x)
		return exitCode(err)
	}
	fmt.Fprintf(c.stderr, "Error: %v\n", err)
	for _, h := range x.triesOrNil() {
		if h != "" {
			fmt.Fprintf(c.stderr, "Try:   %s\n", c.hints.inHint(h))
		}
	}
	if h := x.hintOrEmpty(); h != "" {
		fmt.Fprintf(c.stderr, "Hint:  %s\n", c.hints.inHint(h))
	}
	return exitCode(err)
}

// exitCode maps an error to its process exit code: the code of the
// outermost *exitError, else exitPerson.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if x := exitOf(err); x != nil {
		return x.code
	}
	return exitPerson
}

// exitError is the one error type that ends a command with an exit code:
// err is printed as "Error:" (nil: the command already told the person
// everything, nothing more is printed), then one "Try:" line per command
// to type and a "Hint:" line. The constructors say which: usageErrorf
// (exit 2, with withHint), withExit, quietExit.
type exitError struct {
	code  int
	err   error
	tries []string // commands to type
	hint  string   // what to do, in words
}

func (x *exitError) Error() string {
	if x.err == nil {
		return fmt.Sprintf("exit %d", x.code)
	}
	return x.err.Error()
}

func (x *exitError) Unwrap() error { return x.err }

// exitOf returns the outermost *exitError in err's chain (nil: none).
func exitOf(err error) *exitError {
	var x *exitError
	if errors.As(err, &x) {
		return x
	}
	return nil
}

// triesOrNil and hintOrEmpty are the first commands to try and the first
// hint found from x inward (an outer error may wrap one that knows).
func (x *exitError) triesOrNil() []string {
	for ; x != nil; x = exitOf(x.err) {
		if len(x.tries) > 0 {
			return x.tries
		}
	}
	return nil
}

func (x *exitError) hintOrEmpty() string {
	for ; x != nil; x = exitOf(x.err) {
		if x.hint != "" {
			return x.hint
		}
	}
	return ""
}

// usageErrorf is a bad command line: exit 2; withHint adds what to type.
func usageErrorf(format string, a ...any) *exitError {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// withHint adds commands to try.
func (x *exitError) withHint(tries ...string) *exitError {
	x.tries = append(x.tries, tries...)
	return x
}

// withExit wraps err so that it exits with code, printing hint after it.
func withExit(code int, err error, hint string) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err, hint: hint}
}

// quietExit ends a command with code after it has already told the person
// everything (for example, an import that listed its bad lines).
func quietExit(code int) error { return &exitError{code: code} }

var errHelpShown = errors.New("help shown")

// suggest returns the closest of candidates to s, formatted with format, or
// "" when nothing is close.
func suggest(s string, candidates []string, format string) string {
	best, bestD := "", 3
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		d := levenshtein(strings.ToLower(s), strings.ToLower(c))
		if d < bestD || (strings.HasPrefix(c, s) && len(s) >= 2 && best == "") {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(format, best)
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
