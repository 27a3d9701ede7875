package main

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
)

// runCLI runs one command line with the given environment and returns the
// exit code, stdout and stderr.
func runCLI(t *testing.T, environ map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &cli{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errOut,
		getenv: func(k string) string { return environ[k] },
	}
	code := e.main(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestUnknownCommandSuggests(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "", "improt", "x.csv")
	if code != exitUsage {
		t.Fatalf("exit = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, `unknown command "improt"`) || !strings.Contains(stderr, "bulkunfollow import") {
		t.Errorf("stderr = %q, want the error and a suggestion of import", stderr)
	}
}

func TestNoArgsPrintsUsage(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "")
	if code != exitUsage || !strings.Contains(stderr, "Commands:") {
		t.Errorf("exit = %d, stderr = %q", code, stderr)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "", "help")
	if code != exitOK {
		t.Fatalf("exit = %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(stdout, "  "+c.name+" ") {
			t.Errorf("help does not list %q:\n%s", c.name, stdout)
		}
	}
}

func TestFlagSetEnvAndHelp(t *testing.T) {
	var out bytes.Buffer
	newFS := func(environ map[string]string) (*flagSet, *int, *string, *bool) {
		e := &cli{stdout: &out, stderr: &out, getenv: func(k string) string { return environ[k] }}
		fs := e.newFlagSet("demo-cmd", "FILE...", "A test command.", "bulkunfollow demo-cmd a.csv", "bulkunfollow demo-cmd --max 3 a.csv")
		n := fs.Int("max", 10, "most targets")
		s := fs.String("daily-cap", "400", "cap")
		b := fs.Bool("yes", false, "do not ask")
		return fs, n, s, b
	}

	t.Run("env fills unset flags, command line wins", func(t *testing.T) {
		fs, n, s, b := newFS(map[string]string{"BULKUNFOLLOW_MAX": "7", "BULKUNFOLLOW_DAILY_CAP": "0", "BULKUNFOLLOW_YES": "true"})
		if err := fs.parse([]string{"a.csv", "--max", "3", "b.csv"}); err != nil {
			t.Fatal(err)
		}
		if *n != 3 || *s != "0" || !*b {
			t.Errorf("max=%d daily-cap=%q yes=%v, want 3, 0, true", *n, *s, *b)
		}
		if got := strings.Join(fs.Args(), " "); got != "a.csv b.csv" {
			t.Errorf("args = %q, want flags and files in any order", got)
		}
	})
	t.Run("double dash ends flags", func(t *testing.T) {
		fs, _, _, _ := newFS(nil)
		if err := fs.parse([]string{"--", "--max", "x"}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fs.Args(), " "); got != "--max x" {
			t.Errorf("args = %q", got)
		}
	})
	t.Run("bad env value is a usage error naming the variable and the kind of value", func(t *testing.T) {
		fs, _, _, _ := newFS(map[string]string{"BULKUNFOLLOW_MAX": "lots"})
		err := fs.parse(nil)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "BULKUNFOLLOW_MAX") || !strings.Contains(err.Error(), "want a whole number") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("yes and no in boolean variables", func(t *testing.T) {
		for v, want := range map[string]bool{"yes": true, "ON": true, "1": true, "no": false, "off": false, "false": false} {
			fs, _, _, b := newFS(map[string]string{"BULKUNFOLLOW_YES": v})
			if err := fs.parse(nil); err != nil || *b != want {
				t.Errorf("BULKUNFOLLOW_YES=%s: %v, err %v; want %v", v, *b, err, want)
			}
		}
	})
	t.Run("misspelt flag gets a suggestion", func(t *testing.T) {
		fs, _, _, _ := newFS(nil)
		err := fs.parse([]string{"--daily-cpa", "3"})
		u, ok := err.(*exitError)
		if !ok || u.code != exitUsage || !strings.Contains(u.Error()+" "+strings.Join(u.tries, " "), "did you mean --daily-cap?") {
			t.Errorf("err = %#v, want a usage error suggesting --daily-cap", err)
		}
	})
	t.Run("help shows flags, env vars, defaults and examples", func(t *testing.T) {
		out.Reset()
		fs, _, _, _ := newFS(nil)
		if err := fs.parse([]string{"--help"}); err != errHelpShown {
			t.Fatalf("err = %v, want errHelpShown", err)
		}
		for _, want := range []string{"Usage: bulkunfollow demo-cmd [flags] FILE...", "A test command.",
			"--max int", "env BULKUNFOLLOW_MAX", "default 10", "--daily-cap", "BULKUNFOLLOW_DAILY_CAP",
			"Examples:", "bulkunfollow demo-cmd --max 3 a.csv"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("help lacks %q:\n%s", want, out.String())
			}
		}
	})
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "", "version")
	if code != exitOK || !strings.HasPrefix(stdout, "bulkunfollow ") || !strings.Contains(stdout, "go: go1.") {
		t.Errorf("exit = %d, stdout = %q", code, stdout)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"import", "export", "status", "retry", "run"}
	for in, want := range map[string]string{"improt": "import", "stauts": "status", "rn": "run", "zzzzzzz": ""} {
		got := suggest(in, names, "%s")
		if got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// failingWriter fails every write, like a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutWriteErrorFails: data that cannot reach standard output (a
// full disk, a closed pipe) fails the command instead of exiting 0.
func TestStdoutWriteErrorFails(t *testing.T) {
	environ, path := queueEnv(t)
	seedQueue(t, path)
	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"version"}} {
		var errOut bytes.Buffer
		e := &cli{stdin: strings.NewReader(""), stdout: failingWriter{}, stderr: &errOut, getenv: func(k string) string { return environ[k] }}
		if code := e.main(t.Context(), args); code != exitPerson || !strings.Contains(errOut.String(), "no space left") {
			t.Errorf("%v to a full disk: exit %d, stderr %q; want %d", args, code, errOut.String(), exitPerson)
		}
	}
}
