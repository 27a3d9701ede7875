package ratelimit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/ratelimit/ratelimittest"
)

// TestResetOnAnotherClockThanDate: a server whose Date header is far off
// (2100, 1990) while its reset is on the real clock. The reset converted
// with the Date offset lands decades away; the limiter must read the reset
// on the local clock instead, and after a 429 with remaining 0 hold at
// least until the real reset, not for the margin only.
func TestResetOnAnotherClockThanDate(t *testing.T) {
	reset := t0.Add(5 * time.Minute).Truncate(time.Second) // the real window end, local clock
	margin := ratelimit.DefaultMargin
	for _, tt := range []struct {
		name string
		date time.Time
	}{
		{"Date in 2100", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"Date in 1990", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"Date 10 min ahead", t0.Add(10 * time.Minute).Truncate(time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var warns []ratelimit.Warning
			l := newLimiter(t, ratelimit.Config{OnWarning: func(w ratelimit.Warning) { warns = append(warns, w) }})
			now := t0
			obs := func(remaining int, rejected bool) {
				l.Take(now)
				l.Observe(now, ratelimit.Observation{Present: true, Limit: 50, Remaining: remaining, Reset: reset,
					Date: tt.date.Add(now.Sub(t0)).Truncate(time.Second), Sent: now, Received: now, Rejected: rejected})
			}
			// A 429 with remaining 0: nothing before the real reset.
			obs(0, true)
			d, why := l.Delay(now)
			if now.Add(d).Before(reset.Add(margin)) || d > 15*time.Minute+2*time.Second+margin {
				t.Fatalf("after a 429 with remaining 0: Delay %s (%s) until %s, want from %s (the real reset + margin) to at most a window",
					d, why, now.Add(d), reset.Add(margin))
			}
			// Retrying at once, for as long as the window lasts, would be
			// the 429 storm: the limiter must not allow it.
			for range 100 {
				now = now.Add(time.Second)
				if now.After(reset) {
					break
				}
				if d, why := l.Delay(now); d == 0 {
					t.Fatalf("%s before the real reset: may send (%s)", reset.Sub(now), why)
				}
			}
			if n := countWarnings(warns, "clock"); n > 1 {
				t.Errorf("%d clock warnings, want at most 1: %v", n, warns)
			}
		})
	}
}

// TestResetReadOnLocalClockWhenConversionImplausible: before any 429, a
// spent window whose converted reset is decades off is read on the local
// clock: the next request waits for the real reset, exactly, instead of
// going at once (2100) or waiting a clamped 15 minutes (1990).
func TestResetReadOnLocalClockWhenConversionImplausible(t *testing.T) {
	reset := t0.Add(5 * time.Minute).Truncate(time.Second)
	for _, date := range []time.Time{time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)} {
		l := newLimiter(t, ratelimit.Config{})
		l.Take(t0)
		l.Observe(t0, ratelimit.Observation{Present: true, Limit: 50, Remaining: 0, Reset: reset, Date: date, Sent: t0, Received: t0})
		d, why := l.Delay(t0)
		if want := reset.Add(ratelimit.DefaultMargin); why != ratelimit.ReasonWindow || !t0.Add(d).Equal(want) {
			t.Errorf("Date %d: Delay %s (%s) until %s, want until %s (window)", date.Year(), d, why, t0.Add(d), want)
		}
	}
}

// TestNoUsableReset: a spent window whose reset lies in the past on
// either clock, 429 or not, waits one full window (the limiter's), never
// retries at once.
func TestNoUsableReset(t *testing.T) {
	for _, rejected := range []bool{false, true} {
		l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 5, Per: time.Minute}})
		l.Take(t0)
		l.Observe(t0, ratelimit.Observation{Present: true, Limit: 5, Remaining: 0, Reset: t0.Add(-time.Hour), Received: t0, Rejected: rejected})
		d, why := l.Delay(t0)
		if want := time.Minute + ratelimit.DefaultMargin; d != want || why != ratelimit.ReasonWindow {
			t.Errorf("rejected=%v: Delay %s (%s), want %s (window)", rejected, d, why, want)
		}
	}
}

// TestClockWarningOnce: a Date header that does not move (or jumps
// around) changes the estimated offset with every response; the warning
// about it comes once, not with every response.
func TestClockWarningOnce(t *testing.T) {
	var warns []ratelimit.Warning
	l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 1000, Per: time.Minute}, OnWarning: func(w ratelimit.Warning) { warns = append(warns, w) }})
	frozen := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	var returned int
	for i := range 300 {
		l.Take(now)
		reset := now.Add(time.Minute).Truncate(time.Second)
		got := l.Observe(now, ratelimit.Observation{Present: true, Limit: 1000, Remaining: 999 - i%1000, Reset: reset, Date: frozen, Sent: now, Received: now})
		returned += len(got)
		now = now.Add(time.Second)
	}
	if n := countWarnings(warns, "clock"); n != 1 {
		t.Errorf("%d clock warnings over 300 responses, want 1: %v", n, first(warns, 5))
	}
	if len(warns) > 2 || returned != len(warns) {
		t.Errorf("%d warnings (%d returned), want at most 2: %v", len(warns), returned, first(warns, 5))
	}
}

func countWarnings(ws []ratelimit.Warning, sub string) int {
	n := 0
	for _, w := range ws {
		if strings.Contains(w.Msg, sub) {
			n++
		}
	}
	return n
}

func first(ws []ratelimit.Warning, n int) []ratelimit.Warning { return ws[:min(n, len(ws))] }

// TestLateEndBeyondSlack: a server whose windows end 3 s after the second
// they announce. Each 429 right after a reset raises the margin and is
// tried again after it, even once the reset lies more than 2 s back: a
// late end is not a reset "in the past on either clock", worth a full
// window.
func TestLateEndBeyondSlack(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 10, Per: 10 * time.Second}})
	srv := &ratelimittest.Server{Limit: 10, Window: 10 * time.Second, LateEnd: 3 * time.Second}
	now := t0
	for accepted := 0; accepted < 100; {
		if d, _ := l.Delay(now); d > 0 {
			now = now.Add(d)
			continue
		}
		l.Take(now)
		ok, o := srv.Do(now, now.Add(time.Millisecond), now.Add(2*time.Millisecond))
		now = now.Add(2 * time.Millisecond)
		l.Observe(now, o)
		if ok {
			accepted++
		}
	}
	// 10 windows of 13 s; the margin grows 250ms → 4s in 4 429s, each
	// retried within the margin, not a window later.
	if m := l.Status(now).Margin; m != ratelimit.MaxMargin || srv.Rejected != 4 || srv.MaxInWindow > 10 {
		t.Fatalf("margin %s after %d rejections", m, srv.Rejected)
	}
	if took, max := now.Sub(t0), 10*(13*time.Second+2*time.Second); took > max {
		t.Fatalf("100 requests took %s, want at most %s", took, max)
	}
}
