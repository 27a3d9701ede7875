package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// TestFlagValueMessages: a bad value is named alone, with its value, in
// the tool's words (not Go's), and with something to try.
func TestFlagValueMessages(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    []string
		notWant []string
	}{
		{[]string{"run", "--max", "-1"}, []string{"--max -1: want 0 or more"}, []string{"--daily-cap", "--jitter", "--request-timeout"}},
		{[]string{"run", "--daily-cap", "-5"}, []string{"--daily-cap -5: want 0 or more"}, []string{"--max "}},
		{[]string{"run", "--max-attempts", "0"}, []string{"--max-attempts 0: want 1 or more"}, []string{"--max "}},
		{[]string{"run", "--request-timeout", "0s"}, []string{"--request-timeout 0s: want a positive duration"}, []string{"--max "}},
		{[]string{"run", "--rate", "50/15"}, []string{`--rate "50/15": want COUNT/DURATION`, "50/15m", "Try:   bulkunfollow run --rate 50/15m"}, []string{"time:", "missing unit"}},
		{[]string{"export", "--state", "bogus"}, []string{`--state "bogus": want all, pending, done, skipped or failed`}, nil},
	} {
		code, _, stderr := runCLI(t, nil, "", tc.args...)
		stderr = eventsAsText(stderr)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, exitUsage, stderr)
		}
		if !strings.Contains(stderr, "\nTry:   ") && !strings.Contains(stderr, "\nHint:  ") {
			t.Errorf("%v: no Try: or Hint: line:\n%s", tc.args, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(stderr, w) {
				t.Errorf("%v: stderr names %q:\n%s", tc.args, w, stderr)
			}
		}
	}
}

// TestMissingKeepListHasAHint: a --keep file that is not there is exit 65
// with a hint, before any request.
func TestMissingKeepListHasAHint(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 3, 3, nil)
	code, out := x.run(t, "--yes", "--keep", filepath.Join(t.TempDir(), "nokeep.txt"))
	if code != exitBadInput || !strings.Contains(eventsAsText(out), "Hint:  --keep names a file of accounts never to unfollow") {
		t.Fatalf("exit %d, want %d with a hint\n%s", code, exitBadInput, out)
	}
	if st := x.sim.Stats(); len(st.Calls) != 0 {
		t.Errorf("requests before the keep-list was checked: %v", st.Calls)
	}
}

// TestPromptCountsInTheSingular: one target is "1 account", not "1
// accounts" (the status test covers "1 unfollow request").
func TestPromptCountsInTheSingular(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 1, 1, nil)
	_, out := x.runAt(t, strings.NewReader("n\n"))
	if !strings.Contains(out, "Unfollow up to 1 account as @") {
		t.Errorf("the prompt does not say \"Unfollow 1 account\":\n%s", out)
	}
}
