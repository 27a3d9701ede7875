package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/review"
	"github.com/bulkunfollow/bulkunfollow/sheet"
)

// reviewSheet writes a sheet of n accounts (user00, user01, ...) with
// sheet.Write, as following does, and returns its path.
func reviewSheet(t *testing.T, n int) string {
	t.Helper()
	now := time.Now().UTC()
	rows := make([]sheet.Row, n)
	for i := range rows {
		rows[i] = sheet.Row{
			ID: fmt.Sprint(1700000000000000000 + int64(i)*7), Username: fmt.Sprintf("user%02d", i), Name: fmt.Sprintf("Account %02d", i),
			Followers: 1000 + i, Following: 321, Posts: 45678, Listed: 2,
			CreatedAt: now.AddDate(-7, 0, -3), LastPostAt: now.Add(-time.Duration(400+i) * 24 * time.Hour),
			Protected: i%5 == 0, VerifiedType: "blue", FollowsYou: sheet.TristateOf(i%2 == 0),
			Description: fmt.Sprintf("Account %02d writes about terminals, Go and bread; posts less than once a year now, mostly links to old threads.", i),
		}
	}
	path := filepath.Join(t.TempDir(), "sheet.csv")
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return sheet.Write(w, sheet.CSV, rows, now) }); err != nil {
		t.Fatal(err)
	}
	return path
}

// readSheetFile reads the sheet at path.
func readSheetFile(t *testing.T, path string) *sheet.File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sheet.Read(bytes.NewReader(b), path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// reviewPane starts "bulkunfollow review SHEET ARGS" in a cols×rows pane.
func reviewPane(t *testing.T, cols, rows int, env, path string, args ...string) *tmuxPane {
	t.Helper()
	cmd := fmt.Sprintf("cd %s && env %s %s review %s", filepath.Dir(path), env, builtBinary(t), filepath.Base(path))
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	return newTmuxPaneSized(t, cols, rows, cmd)
}

// screen is what the pane shows now, wrapped lines joined (-J).
func (p *tmuxPane) screen() string { return p.tmux("capture-pane", "-p", "-J", "-t", "t") }

// waitScreen waits until the pane shows every one of wants.
func (p *tmuxPane) waitScreen(wants ...string) string {
	p.t.Helper()
	return p.waitFor(strings.Join(wants, " and "), p.screen, func(s string) bool {
		for _, w := range wants {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// press types one key (-l: literally).
func (p *tmuxPane) press(k string) { p.tmux("send-keys", "-t", "t", "-l", k) }

// cardProblems says what the screen lacks of account i's whole card and
// the status line, and which lines are wider than cols (a wrapped line,
// joined by -J, would be).
func cardProblems(screen string, i, cols int, status string) []string {
	var problems []string
	flat := strings.Join(strings.Fields(screen), " ") // the bio wraps at spaces
	for _, want := range []string{
		fmt.Sprintf("Account %02d @user%02d", i, i), fmt.Sprintf("https://x.com/user%02d", i),
		fmt.Sprintf("Account %02d writes about terminals, Go and bread; posts less than once a year now, mostly links to old threads.", i),
		fmt.Sprintf("Followers %s · Following 321 · Posts 45,678", groupInt(1000+i)), "Account age 7 years (since ",
		fmt.Sprintf("Last post %d days ago (", 400+i), "Protected ", "· Verified blue · Follows you ", "Decision ",
		status, "u unfollow • k keep",
	} {
		if !strings.Contains(flat, want) {
			problems = append(problems, fmt.Sprintf("no %q", want))
		}
	}
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	for n, line := range lines {
		if w := utf8.RuneCountInString(line); w > cols {
			problems = append(problems, fmt.Sprintf("line %d is %d columns (it wrapped): %q", n+1, w, line))
		}
	}
	return problems
}

// waitCard waits until the pane shows account i's whole card and the
// status line with no line wrapped, or fails saying what is missing.
func (p *tmuxPane) waitCard(i, cols int, status string) {
	p.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := p.screen()
		problems := cardProblems(s, i, cols, status)
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%d columns: the card of @user%02d is not whole:\n%s\nthe pane shows:\n%s", cols, i, strings.Join(problems, "\n"), s)
		}
		time.Sleep(20 * time.Millisecond) // polling the pane, not waiting for behaviour
	}
}

func groupInt(n int) string { return strings.TrimSpace(fmt.Sprintf("%d,%03d", n/1000, n%1000)) }

// wantDecisions checks the sheet's first decisions and their decided_at.
func wantDecisions(t *testing.T, f *sheet.File, want ...string) {
	t.Helper()
	for i, d := range want {
		if got := f.Rows[i].Decision; got != d {
			t.Errorf("row %d (@%s): decision %q, want %q", i, f.Rows[i].Username, got, d)
		}
		if at := f.DecidedAt(i); (d != "") != !at.IsZero() || !at.IsZero() && time.Since(at) > time.Hour {
			t.Errorf("row %d (@%s, %q): decided_at %v", i, f.Rows[i].Username, d, at)
		}
	}
	for i := len(want); i < len(f.Rows); i++ {
		if f.Rows[i].Decision != "" {
			t.Errorf("row %d (@%s) is marked %s", i, f.Rows[i].Username, f.Rows[i].Decision)
		}
	}
}

// lockPID is the pid the sheet's lock file names.
func lockPID(t *testing.T, path string) int {
	t.Helper()
	var h struct {
		PID int `json:"pid"`
	}
	b, err := os.ReadFile(review.LockPath(path))
	if err != nil || json.Unmarshal(b, &h) != nil || h.PID == 0 {
		t.Fatalf("lock file: %q, %v", b, err)
	}
	return h.PID
}

// TestReviewInTheTerminal (issue 14): the real binary in real terminals.
// u k u s u, q: the sheet holds unfollow/keep/unfollow/(empty)/unfollow
// with decided_at; a second review refuses, naming the first; reopened,
// the skipped account comes first; b then k changes a decision; a kill -9
// right after a key keeps it, and the next review takes the dead one's
// lock over; at 80×24 and 60×20 (and after a resize) the whole card and
// the status line show and no line wraps.
func TestReviewInTheTerminal(t *testing.T) {
	path := reviewSheet(t, 50)
	env := "-u NO_COLOR TERM=xterm-256color"

	// 80×24: u k u s u, each key's account replaced by the next.
	p := reviewPane(t, 80, 24, env, path)
	p.waitCard(0, 80, "1 / 50 · 0 unfollow · 0 keep · 50 undecided")
	for n, k := range []string{"u", "k", "u", "s", "u"} {
		p.press(k)
		p.waitScreen(fmt.Sprintf("@user%02d", n+1), fmt.Sprintf("%d / 50 ·", n+2))
	}
	p.waitCard(5, 80, "6 / 50 · 3 unfollow · 1 keep · 46 undecided")

	// A second review of the sheet refuses, naming the first.
	second := exec.Command(builtBinary(t), "review", path)
	out, err := second.CombinedOutput()
	want := fmt.Sprintf("Error: %s is open in another bulkunfollow review (pid %d, since ", path, lockPID(t, path))
	if code := second.ProcessState.ExitCode(); code != exitTempFail || !strings.HasPrefix(string(out), want) {
		t.Errorf("second review: exit %d (%v), want %d and %q:\n%s", code, err, exitTempFail, want, out)
	}

	p.press("q")
	if s := p.waitFor("exit", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-") }); !strings.Contains(s, "DEMO-EXIT-0") ||
		!strings.Contains(s, "sheet.csv: 3 unfollow, 1 keep, 46 undecided.") {
		t.Fatalf("review did not end well:\n%s", s)
	}
	wantDecisions(t, readSheetFile(t, path), "unfollow", "keep", "unfollow", "", "unfollow")
	if _, err := os.Stat(review.LockPath(path)); !os.IsNotExist(err) {
		t.Errorf("lock file left after q: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("sheet mode %v, %v; want its own 0644", fi.Mode(), err)
	}

	// Reopened at 60×20: the skipped account first. u, then b and k
	// change that decision; kill -9 once the next account shows.
	p = reviewPane(t, 60, 20, env, path)
	p.waitCard(3, 60, "1 / 46 · 3 unfollow · 1 keep · 46 undecided")
	p.press("u")
	p.waitScreen("@user05", "2 / 46 ·")
	p.press("b")
	p.waitScreen("@user03", "1 / 46 ·", "Decision unfollow")
	p.press("k")
	p.waitScreen("@user05", "2 / 46 · 3 unfollow · 2 keep · 45 undecided")
	if err := syscall.Kill(lockPID(t, path), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.waitFor("exit", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-137") })
	// The key before the kill is in the file: it was saved before the
	// next account showed.
	wantDecisions(t, readSheetFile(t, path), "unfollow", "keep", "unfollow", "keep", "unfollow")
	if left, _ := filepath.Glob(atomicfile.Leftovers(path)); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// The killed review's lock is stale: the next one takes it over.
	// --only all resumes at the first undecided account; a resize to
	// 60×20 follows; b and k change the decision before it.
	p = reviewPane(t, 80, 24, env, path, "--only", "all")
	p.waitCard(5, 80, "6 / 50 · 3 unfollow · 2 keep · 45 undecided")
	p.tmux("resize-window", "-t", "t", "-x", "60", "-y", "20")
	p.waitCard(5, 60, "6 / 50 · 3 unfollow · 2 keep · 45 undecided")
	p.press("b")
	p.waitScreen("@user04", "5 / 50 ·", "Decision unfollow")
	p.press("k")
	p.waitScreen("@user05", "6 / 50 · 2 unfollow · 3 keep · 45 undecided")
	p.press("q")
	p.waitFor("exit", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-0") })
	wantDecisions(t, readSheetFile(t, path), "unfollow", "keep", "unfollow", "keep", "keep")
}

// TestReviewNoColorInTheTerminal: NO_COLOR=1, --no-color and TERM=dumb
// leave the review without an SGR sequence; without them it has colour
// (so the check can fail).
func TestReviewNoColorInTheTerminal(t *testing.T) {
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for _, tc := range []struct {
		name, env string
		args      []string
		color     bool
	}{
		// (Without CI: the terminal library takes CI=true to mean no
		// terminal, hence no colour.)
		{"colour", "-u NO_COLOR -u CI TERM=xterm-256color", nil, true},
		{"NO_COLOR", "NO_COLOR=1 TERM=xterm-256color", nil, false},
		{"--no-color", "-u NO_COLOR TERM=xterm-256color", []string{"--no-color"}, false},
		{"TERM=dumb", "-u NO_COLOR TERM=dumb", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := reviewSheet(t, 3)
			p := reviewPane(t, 80, 24, tc.env, path, tc.args...)
			p.waitScreen("@user00", "1 / 3 ·")
			p.press("u") // a decision, in colour when there is colour
			p.waitScreen("@user01", "2 / 3 ·")
			p.press("b")
			p.waitScreen("@user00", "Decision unfollow")
			escaped := p.tmux("capture-pane", "-p", "-e", "-t", "t")
			if got := sgr.FindString(escaped); (got != "") != tc.color {
				t.Errorf("SGR sequence %q on the screen, want colour %v:\n%q", got, tc.color, escaped)
			}
			p.press("q")
			p.waitFor("exit", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-0") })
		})
	}
}

// TestReviewLeavesOtherProgramsChanges: a sheet reviewed through a
// symbolic link is saved in the file it points to (the link stays); a
// change another program makes while the review is open is not saved
// over (the key says so, the review exits 1 naming it); a read-only
// sheet is refused before the screen opens.
func TestReviewLeavesOtherProgramsChanges(t *testing.T) {
	path := reviewSheet(t, 5)
	link := filepath.Join(filepath.Dir(path), "link.csv")
	if err := os.Symlink(filepath.Base(path), link); err != nil {
		t.Fatal(err)
	}
	p := reviewPane(t, 80, 24, "-u NO_COLOR TERM=xterm-256color", link)
	p.waitScreen("@user00", "1 / 5 ·")
	p.press("u")
	p.waitScreen("@user01", "2 / 5 ·")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	wantDecisions(t, readSheetFile(t, path), "unfollow")

	// A spreadsheet saves the sheet meanwhile.
	theirs := []byte("id,username,decision\n1700000000000000000,user00,keep\n")
	if err := os.WriteFile(path, theirs, 0o644); err != nil {
		t.Fatal(err)
	}
	p.press("k")
	p.waitScreen("Not saved, so not marked keep", "changed by another program")
	p.press("q")
	if s := p.waitFor("exit", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-") }); !strings.Contains(s, "DEMO-EXIT-1") {
		t.Errorf("review after another program's change:\n%s", s)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, theirs) {
		t.Errorf("the other program's change was saved over:\n%s", got)
	}

	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "", "review", link)
	if code != exitPerson || !strings.Contains(stderr, "is read-only") || !strings.Contains(stderr, "chmod u+w") {
		t.Errorf("read-only sheet: exit %d\n%s", code, stderr)
	}
}
