package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// runTerminal runs "bulkunfollow run ARGS" as on a person's terminal with
// console logs (the progress bar draws into stderr), env added to the
// world's environment.
func (x *e2e) runTerminal(t *testing.T, stderr *testkit.SyncBuffer, env map[string]string, args ...string) int {
	t.Helper()
	var out bytes.Buffer
	e := &cli{
		stdin: strings.NewReader(""), stdout: &out, stderr: stderr, interactive: true,
		getenv: func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			if k == "BULKUNFOLLOW_LOG_FORMAT" {
				return "console"
			}
			return x.environ[k]
		},
	}
	x.signals.install(e)
	o, err := parseRunFlags(e, args)
	if err == nil {
		o.clock = x.clock
		err = e.runJob(context.Background(), o)
	}
	return e.report(err)
}

// lastRedraw is the progress line as the terminal shows it last in s.
func lastRedraw(s string) string {
	if i := strings.LastIndex(s, "\r\033[K"); i >= 0 {
		s = s[i+len("\r\033[K"):]
	}
	return s
}

// TestFirstSignalSaysWhatHappens (issue 11): a first Ctrl-C while a
// request is in flight says at once, on its own line above the bar, that
// the run stops after it and that a second Ctrl-C aborts it, and the bar
// shows "stopping…" instead of its countdowns.
func TestFirstSignalSaysWhatHappens(t *testing.T) {
	const n, at = 20, 5
	var x *e2e
	stderr := &testkit.SyncBuffer{}
	var mid string
	wrap := onDelete(func(int) {
		x.signals.send(os.Interrupt) // returns once the run has acted on it
		mid = stderr.String()
	}, at)
	x = newE2E(t, xapisim.Config{}, n, n, wrap)
	code := x.runTerminal(t, stderr, nil, "--yes")
	out := stderr.String()
	if code != exitTempFail || !strings.Contains(out, "Interrupted") {
		t.Fatalf("exit %d, want %d\n%q", code, exitTempFail, out)
	}
	const msg = "stopping after the request in flight; Ctrl-C again aborts it"
	i := strings.Index(mid, msg)
	if i < 0 {
		t.Fatalf("while the request was in flight, stderr did not say %q:\n%q", msg, mid)
	}
	// The message starts on a cleared line and ends its own; the bar is
	// drawn again after it, stopping.
	if !strings.HasSuffix(mid[:i], "\r\033[K") && !strings.Contains(mid[strings.LastIndex(mid[:i], "\r\033[K"):i], "WRN") {
		t.Errorf("the message does not start on a cleared line: %q", mid)
	}
	bar := lastRedraw(mid)
	if !strings.Contains(bar, "stopping…") || strings.Contains(bar, "reset in") || strings.Contains(bar, "ETA") {
		t.Errorf("the bar after the signal is %q, want stopping… and no countdown", bar)
	}
	if strings.Count(out, msg) != 1 {
		t.Errorf("the message shows %d times, want once", strings.Count(out, msg))
	}
	if st := x.sim.Stats(); st.UnfollowCalls != at {
		t.Errorf("%d DELETEs after the signal at the %dth, want %d", st.UnfollowCalls, at, at)
	}
}

// TestNoAnimationWithoutATerminal (issue 11): without a terminal, or on
// TERM=dumb, progress has no \r and no escape sequence at all; on a
// terminal the bar redraws (so the check can fail).
func TestNoAnimationWithoutATerminal(t *testing.T) {
	for _, tc := range []struct {
		name        string
		interactive bool
		env         map[string]string
		animated    bool
	}{
		{"terminal", true, nil, true},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, false},
		{"no terminal", false, nil, false},
		{"no terminal, console logs", false, map[string]string{"BULKUNFOLLOW_LOG_FORMAT": "console"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newE2E(t, xapisim.Config{UnfollowLimit: 5, Window: time.Minute}, 12, 12, nil)
			stderr := &testkit.SyncBuffer{}
			var code int
			if tc.interactive {
				code = x.runTerminal(t, stderr, tc.env, "--yes")
			} else {
				var out bytes.Buffer
				e := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: stderr, getenv: func(k string) string {
					if v, ok := tc.env[k]; ok {
						return v
					}
					return x.environ[k]
				}}
				o, err := parseRunFlags(e, []string{"--yes"})
				if err == nil {
					o.clock = x.clock
					err = e.runJob(context.Background(), o)
				}
				code = e.report(err)
			}
			out := stderr.String()
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, out)
			}
			animated := strings.ContainsAny(out, "\r\x1b")
			if animated != tc.animated {
				t.Errorf("\\r or ESC on stderr: %v, want %v:\n%q", animated, tc.animated, out)
			}
		})
	}
}

// TestPlanBarAndSummaryAgree (issue 11): the plan's figures are the run's.
// "--max 40" with requests that take 300 ms plans the 12 s they take, not
// "about 0s"; the bar counts the 40 of this run (not the queue's skipped
// targets); a deadline before a spent window reopens plans none in this
// run, says when, and asks nothing.
func TestPlanBarAndSummaryAgree(t *testing.T) {
	t.Run("max", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{Latency: 300 * time.Millisecond}, 120, 100, nil)
		stderr := &testkit.SyncBuffer{}
		start := x.clock.Now()
		code := x.runTerminal(t, stderr, nil, "--yes", "--max", "40")
		out := stderr.String()
		took := x.clock.Now().Sub(start)
		if code != exitTempFail || !strings.Contains(flat(out), "Plan: unfollow up to 120 accounts: the following list, read once you confirm, skips those you do not follow; 40 in this run (--max)") {
			t.Fatalf("exit %d\n%q", code, out)
		}
		// The plan is made after the reads (sign-in, following list): it
		// counts the requests from there, 40 × 300 ms.
		if !strings.Contains(out, "Finish:   about 12s") {
			t.Errorf("the plan's finish for 40 requests of 300 ms (the run took %v):\n%s", took, out)
		}
		if !strings.Contains(out, "40/40 done") || strings.Contains(out, "/120 ") || strings.Contains(out, "/100 done") {
			t.Errorf("the bar does not count this run's 40:\n%q", out)
		}
	})
	t.Run("deadline before the window reopens", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{}, 100, 100, nil)
		if code, out := x.run(t, "--yes", "--max", "50"); code != exitTempFail { // spends X's window of 50
			t.Fatalf("first run: exit %d\n%s", code, out)
		}
		x.clock.Advance(time.Minute)
		// (An answer is there if the run wrongly asks.)
		code, out := x.runAt(t, strings.NewReader("n\n"), "--deadline", "1m", "--log-format", "text")
		if code != exitTempFail || !strings.Contains(flat(out), "Plan: unfollow 50 accounts; none in this run (--deadline): the next can go at ") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		if strings.Contains(out, "[y/N]") || strings.Contains(out, "Finish:") {
			t.Errorf("the plan asks to unfollow, or promises a finish, with none to send:\n%s", out)
		}
		if st := x.sim.Stats(); st.UnfollowCalls != 50 {
			t.Errorf("%d DELETEs, want the first run's 50", st.UnfollowCalls)
		}
	})
}

// TestETACountsWaits (issue 11): the ETA stayed at 0s during a backoff
// (left fit in the window, so "now"). It starts after what the run waits
// for, and counts a round trip per request and the windows after this one.
func TestETACountsWaits(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	window := ratelimitStatus(now, 40, 50, now.Add(10*time.Minute))
	d := &runDisplay{toSend: 10, per: 15 * time.Minute, roundTrip: 500 * time.Millisecond}
	for _, tc := range []struct {
		name     string
		ev       worker.Event
		finished int
		want     time.Duration
	}{
		{"backoff", worker.Event{Kind: worker.EventWait, At: now, Why: ratelimit.ReasonBackoff, Until: now.Add(30 * time.Second), Limiter: window}, 7, 30*time.Second + 1500*time.Millisecond},
		{"in the window", worker.Event{Kind: worker.EventResult, At: now, Limiter: window}, 0, 5 * time.Second},
		{"request in flight", worker.Event{Kind: worker.EventSend, At: now, Limiter: window}, 9, 500 * time.Millisecond},
		{"windows after this one", worker.Event{Kind: worker.EventResult, At: now, Limiter: ratelimitStatus(now, 2, 5, now.Add(time.Minute))}, 0,
			time.Minute + 15*time.Minute + 3*500*time.Millisecond},
	} {
		if got := d.eta(tc.ev, tc.finished).Sub(now); got != tc.want {
			t.Errorf("%s: ETA in %v, want %v", tc.name, got, tc.want)
		}
	}
}

func ratelimitStatus(now time.Time, remaining, limit int, reset time.Time) ratelimit.Status {
	return ratelimit.Status{Remaining: remaining, Limit: limit, Reset: reset, Until: now}
}

// flat is s with every run of white space one space: a plan line wrapped
// at 80 columns reads as one.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestPlanFitsEightyColumns: every line of the plan fits an 80-column
// terminal, the long labels ("Prefilter:", "Duplicates:") and long counts
// included, and reads as before once unwrapped.
func TestPlanFitsEightyColumns(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	pl := worker.Plan{
		Account:  worker.User{ID: "1790000000000000001", Username: "sim_user"},
		Queue:    "/home/someone/bulkunfollow/unfollow.db",
		Counts:   queue.Counts{Total: 123456, Pending: 123456},
		Resolved: 10, HandlesLeft: 1, Duplicates: 2, Confirmed: 3, Kept: 4, OwnAccount: 1,
		Following: 123456, NotFollowing: 20000,
		Prefilter: "off: reading your following list (123,456 accounts, $123.46) would cost more than the $0.00 it is expected to save (a sample of 10 targets showed 0 of 10 ids not followed)",
		Send:      100000, Sendable: 400, StopBy: worker.StopDailyCap,
		Finish: now.Add(24 * time.Hour), Rate: ratelimit.Rate{N: 50, Per: 15 * time.Minute},
		Status: ratelimit.Status{DailyCap: 400, DailyUsed: 0}, Now: now,
	}
	var b strings.Builder
	printPlan(&b, pl)
	out := b.String()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > helpWidth {
			t.Errorf("plan line of %d columns:\n%s\n(the plan:\n%s)", n, line, out)
		}
	}
	for _, want := range []string{
		"Queue: /home/someone/bulkunfollow/unfollow.db — 123456 targets: 123456 pending, 0 done, 0 skipped, 0 failed",
		"Duplicates: 2 @handles name accounts already in the queue (skipped)",
		"Prefilter: off: reading your following list (123,456 accounts, $123.46) would cost more than the $0.00",
		"Saved: 20000 requests: targets you do not follow (your following list has 123456 accounts)",
		"(and those of the 1 @handle still to resolve)",
	} {
		if !strings.Contains(flat(out), want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

// TestFitText: a message is wrapped at 80 columns under its label, and a
// command it names stays whole on one line, to be copied.
func TestFitText(t *testing.T) {
	cmd := "bulkunfollow export --queue /home/someone/bulkunfollow/unfollow.db --state failed"
	text := "Finished with failures: 99 done, 22 skipped, 1 failed, 0 pending of 122; $1.00 spent in this run, $1.56 by the job. See them: " + cmd
	got := fitText("Hint:  ", text)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if !strings.HasPrefix(got, "Hint:  Finished") || flat(got) != "Hint: "+flat(text) {
		t.Errorf("fitText changed the words:\n%s", got)
	}
	found := false
	for i, line := range lines {
		if i > 0 && !strings.HasPrefix(line, "       ") {
			t.Errorf("line %d not under the label:\n%s", i+1, got)
		}
		if utf8.RuneCountInString(line) > helpWidth && !strings.Contains(line, cmd) {
			t.Errorf("line %d wider than %d columns:\n%s", i+1, helpWidth, got)
		}
		found = found || strings.Contains(line, cmd)
	}
	if !found {
		t.Errorf("the command is broken across lines:\n%s", got)
	}
	if got := fitText("", "Next: bulkunfollow import sheet.csv.\nthen bulkunfollow run"); got != "Next: bulkunfollow import sheet.csv.\nthen bulkunfollow run\n" {
		t.Errorf("short lines: %q", got)
	}
}
