package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/review"
)

// Without a terminal, review refuses (exit 2) and points to the
// spreadsheet route; bad sheets, flags and a sheet in review are told
// apart by their exit codes; nothing is changed.
func TestReviewRefuses(t *testing.T) {
	path := reviewSheet(t, 3)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("id,description,decision\n1,\"two\nlines\",unfollow\n2,x,later\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no terminal", []string{"review", path}, exitUsage, []string{
			"Error: review shows one account at a time and needs a terminal (standard input and output); nothing was changed",
			"Try:   bulkunfollow import " + path + "   # after writing unfollow or keep in its decision column, in a spreadsheet"}},
		{"bad line", []string{"review", bad}, exitBadInput, []string{`Error: ` + bad + `:4: decision "later": want unfollow, keep, or nothing (undecided)`}},
		{"missing", []string{"review", filepath.Join(t.TempDir(), "none.csv")}, exitPerson, []string{"no such file", "bulkunfollow following -o "}},
		{"no file", []string{"review"}, exitUsage, []string{"want one sheet file, got 0 arguments"}},
		{"two files", []string{"review", path, path}, exitUsage, []string{"got 2 arguments"}},
		{"only", []string{"review", path, "--only", "later"}, exitUsage, []string{`--only "later": want undecided, all, unfollow or keep`}},
		{"sort", []string{"review", path, "--sort", "age"}, exitUsage, []string{`--sort "age": want one of the columns`}},
	} {
		code, _, stderr := runCLI(t, nil, "", tc.args...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, code, tc.code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.name, w, stderr)
			}
		}
		if _, err := os.Stat(review.LockPath(path)); !os.IsNotExist(err) {
			t.Errorf("%s: lock file left: %v", tc.name, err)
		}
	}
	// A sheet another review holds: exit 75, naming it.
	since := time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)
	l, err := review.Acquire(path, since)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "", "review", path)
	if want := path + " is open in another bulkunfollow review (pid "; code != exitTempFail || !strings.Contains(stderr, want) || !strings.Contains(stderr, since.Local().Format("2006-01-02 15:04:05")) {
		t.Errorf("locked: exit %d\n%s", code, stderr)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Errorf("the sheet changed: %v", err)
	}
}
