package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// tmuxPane is a detached tmux session on its own server, one pane of a
// given size running a shell command.
type tmuxPane struct {
	t      *testing.T
	socket string
}

// newTmuxPane starts cmd (a sh -c command line) in a cols×24 pane. The
// test is skipped only when tmux is not installed.
func newTmuxPane(t *testing.T, cols int, cmd string) *tmuxPane {
	t.Helper()
	return newTmuxPaneSized(t, cols, 24, cmd)
}

// newTmuxPaneSized starts cmd in a cols×rows pane.
func newTmuxPaneSized(t *testing.T, cols, rows int, cmd string) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	p := &tmuxPane{t: t, socket: fmt.Sprintf("bu-%d-%d", cols, time.Now().UnixNano())}
	// The shell waits after the command so the pane (and its scrollback)
	// stays until the test has read it.
	p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows),
		"sh", "-c", cmd+"; echo DEMO-EXIT-$?; exec sleep 3600")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	return p
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// scrollback is the pane's whole history and screen, wrapped lines joined
// (-J): a line that wrapped comes back longer than the pane.
func (p *tmuxPane) scrollback() string {
	return p.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "t")
}

// waitFor polls the pane until ok accepts what capture returns (or fails
// the test after a generous deadline: a hung command).
func (p *tmuxPane) waitFor(what string, capture func() string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := capture()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("tmux pane: no %s; it shows:\n%s", what, s)
		}
		time.Sleep(20 * time.Millisecond) // polling the pane, not waiting for behaviour
	}
}

// waitProgressLine waits until the pane shows a line holding marker that
// done accepts, and fails the test if such a line is wider than the pane
// (-J joins a line the pane wrapped).
func (p *tmuxPane) waitProgressLine(cols int, marker string, done func(line string) bool) {
	p.t.Helper()
	joined := func() string { return p.tmux("capture-pane", "-p", "-J", "-t", "t") }
	p.waitFor("progress line", joined, func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			if !strings.Contains(line, marker) {
				continue
			}
			if n := utf8.RuneCountInString(line); n > cols {
				p.t.Fatalf("progress line of %d columns in a %d-column pane: %q", n, cols, line)
			}
			return done(line)
		}
		return false
	})
}

// barLine matches what only the progress line prints.
var barLine = regexp.MustCompile(`\d+/\d+ done|· (window|reset in|ETA|waiting|stopping)`)

// TestProgressBarFitsTheTerminal (issue 11): "bulkunfollow demo" in real
// terminals of 120, 80, 60 and 40 columns. The progress line never wraps
// and leaves nothing behind in the scrollback; at 120 columns it shows
// done/total, window, reset, the waiting reason and the ETA.
func TestProgressBarFitsTheTerminal(t *testing.T) {
	bin := builtBinary(t)
	for _, cols := range []int{120, 80, 60, 40} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			t.Parallel()
			// Short windows: a few waits in a few seconds.
			p := newTmuxPane(t, cols, "env -u NO_COLOR TERM=xterm-256color "+bin+" demo --window 2s --limit 30")
			// Mid-run: the progress line fits; at 120 columns every field
			// shows (the wait for a window comes a few times).
			p.waitProgressLine(cols, "/99 done", func(line string) bool {
				return cols < 120 || strings.Contains(line, "· window ") && strings.Contains(line, "· reset in ") &&
					strings.Contains(line, "· waiting: window") && strings.Contains(line, "· ETA ")
			})
			out := p.waitFor("end of the demo", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-") })
			if !strings.Contains(out, "DEMO-EXIT-0") {
				t.Fatalf("demo failed:\n%s", out)
			}
			// The scrollback, as the pane's rows and with wrapped lines
			// joined: no row wider than the pane, and no progress line (or a
			// piece of one) left behind.
			rows := p.tmux("capture-pane", "-p", "-S", "-", "-E", "-", "-t", "t")
			for i, line := range strings.Split(rows, "\n") {
				if n := utf8.RuneCountInString(line); n > cols {
					t.Errorf("row %d is %d columns in a %d-column pane: %q", i+1, n, cols, line)
				}
			}
			for _, text := range []string{rows, out} {
				for i, line := range strings.Split(text, "\n") {
					if barLine.MatchString(line) {
						t.Errorf("line %d is a progress line left behind: %q", i+1, line)
					}
				}
			}
			if t.Failed() {
				t.Logf("scrollback:\n%s", out)
			}
		})
	}
}

// TestNoColorInTheTerminal (issue 11): with NO_COLOR=1, --no-color or
// TERM=dumb no SGR sequence reaches a real terminal; without them, the
// console logs are coloured (so the check can fail).
func TestNoColorInTheTerminal(t *testing.T) {
	bin := builtBinary(t)
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
	demo := " " + bin + " demo --window 1s --limit 1000"
	for _, tc := range []struct {
		name, cmd string
		color     bool
	}{
		{"colour", "env -u NO_COLOR TERM=xterm-256color" + demo, true},
		{"NO_COLOR", "env NO_COLOR=1 TERM=xterm-256color" + demo, false},
		{"--no-color", "env -u NO_COLOR TERM=xterm-256color" + demo + " --no-color", false},
		{"TERM=dumb", "env -u NO_COLOR TERM=dumb" + demo, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newTmuxPane(t, 120, tc.cmd)
			// -e: the cells' colours as SGR sequences.
			escaped := func() string { return p.tmux("capture-pane", "-p", "-e", "-S", "-", "-E", "-", "-t", "t") }
			out := p.waitFor("end of the demo", escaped, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-") })
			if !strings.Contains(out, "DEMO-EXIT-0") {
				t.Fatalf("demo failed:\n%s", out)
			}
			if got := sgr.FindString(out); (got != "") != tc.color {
				t.Errorf("SGR sequence %q in the terminal, want colour %v:\n%q", got, tc.color, out)
			}
		})
	}
}

// TestExportHTMLNotToTheTerminal: a web page is not written onto a
// terminal; the hint names the file to write instead.
func TestExportHTMLNotToTheTerminal(t *testing.T) {
	bin := builtBinary(t)
	q := filepath.Join(t.TempDir(), "q.db")
	p := newTmuxPane(t, 80, bin+" export --format html --queue "+q)
	out := p.waitFor("end", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-") })
	if !strings.Contains(out, "DEMO-EXIT-2") || !strings.Contains(out, "give it a file") || !strings.Contains(out, "-o follow-again.html") {
		t.Errorf("export --format html on a terminal:\n%s", out)
	}
}
