package ratelimit_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/ratelimit/ratelimittest"
)

// t0 is a fixed local instant with a sub-second part, so whole-second
// rounding is exercised.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 300_000_000, time.UTC)

func newLimiter(t *testing.T, cfg ratelimit.Config) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want ratelimit.Rate
		err  string
	}{
		{"50/15m", ratelimit.Rate{N: 50, Per: 15 * time.Minute}, ""},
		{"50/10s", ratelimit.Rate{N: 50, Per: 10 * time.Second}, ""},
		{" 5 / 1h30m ", ratelimit.Rate{N: 5, Per: 90 * time.Minute}, ""},
		{"300/h", ratelimit.Rate{N: 300, Per: time.Hour}, ""},
		{"1/m", ratelimit.Rate{N: 1, Per: time.Minute}, ""},
		{"50", ratelimit.Rate{}, "want N/DURATION"},
		{"0/15m", ratelimit.Rate{}, "positive integer"},
		{"-1/15m", ratelimit.Rate{}, "positive integer"},
		{"x/15m", ratelimit.Rate{}, "positive integer"},
		{"50/0s", ratelimit.Rate{}, "must be positive"},
		{"50/fortnight", ratelimit.Rate{}, "unknown unit"},
		{"50/", ratelimit.Rate{}, "invalid duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ratelimit.ParseRate(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseRate(%q) error = %v, want it to contain %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			back, err := ratelimit.ParseRate(got.String())
			if err != nil || back != got {
				t.Fatalf("round trip of %q via %q = %v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []ratelimit.Config{
		{Rate: ratelimit.Rate{N: 0, Per: time.Minute}},
		{Rate: ratelimit.Rate{N: 5, Per: -time.Minute}},
		{DailyCap: -1},
		{Margin: -time.Second},
	} {
		if _, err := ratelimit.New(cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
}

func TestBucketBeforeAnyResponse(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{}) // 50/15m, burst 50
	for i := range 50 {
		if d, why := l.Delay(t0); d != 0 {
			t.Fatalf("request %d: Delay = %s (%s), want 0", i+1, d, why)
		}
		l.Take(t0)
	}
	// The 51st needs one token: 15m/50 = 18s. The window model (50 per
	// 15 min, anchored at the first request) says the same window is
	// spent until t0+15m, so that is the longer wait.
	d, why := l.Delay(t0)
	if why != ratelimit.ReasonWindow || d != 15*time.Minute+ratelimit.DefaultMargin {
		t.Fatalf("Delay after 50 = %s (%s), want 15m0.25s (window)", d, why)
	}
}

func TestBucketPaceSlowerThanServer(t *testing.T) {
	// --rate 10/15m against a server allowing 50: the bucket governs.
	l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 10, Per: 15 * time.Minute}})
	now := t0
	for range 10 {
		l.Take(now)
		l.Observe(now, ratelimit.Observation{Present: true, Limit: 50, Remaining: 40, Reset: now.Add(15 * time.Minute).Truncate(time.Second), Received: now})
	}
	d, why := l.Delay(now)
	if why != ratelimit.ReasonBucket || d != 90*time.Second {
		t.Fatalf("Delay = %s (%s), want 1m30s (bucket)", d, why)
	}
}

func TestServerRemainingIsAuthoritative(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{})
	reset := t0.Add(10 * time.Minute).Truncate(time.Second)
	l.Take(t0)
	l.Observe(t0, ratelimit.Observation{Present: true, Limit: 50, Remaining: 3, Reset: reset, Received: t0})
	for i := range 3 {
		if d, why := l.Delay(t0); d != 0 {
			t.Fatalf("request %d of the 3 left: Delay = %s (%s)", i+1, d, why)
		}
		l.Take(t0)
	}
	d, why := l.Delay(t0)
	if want := reset.Add(ratelimit.DefaultMargin).Sub(t0); why != ratelimit.ReasonWindow || d != want {
		t.Fatalf("Delay with server remaining spent = %s (%s), want %s (window); the bucket still has %v tokens",
			d, why, want, l.Status(t0).Tokens)
	}
	// After the reset (+margin) a fresh window opens with the server's limit.
	after := reset.Add(ratelimit.DefaultMargin)
	if d, why := l.Delay(after); d != 0 {
		t.Fatalf("Delay at reset+margin = %s (%s), want 0", d, why)
	}
	st := l.Status(after)
	if st.Remaining != 50 || !st.Reset.IsZero() {
		t.Fatalf("Status after reset: remaining %d reset %v, want 50 and no running window", st.Remaining, st.Reset)
	}
}

func TestServerLimitLowerThanConfigured(t *testing.T) {
	// The server says 5 per window while we are configured for 50.
	l := newLimiter(t, ratelimit.Config{})
	now := t0
	srv := &ratelimittest.Server{Limit: 5, Window: 15 * time.Minute}
	sentAt := []time.Time{}
	for len(sentAt) < 12 {
		if d, _ := l.Delay(now); d > 0 {
			now = now.Add(d)
			continue
		}
		l.Take(now)
		ok, o := srv.Do(now, now, now)
		l.Observe(now, o)
		if !ok {
			t.Fatalf("request %d rejected", len(sentAt)+1)
		}
		sentAt = append(sentAt, now)
	}
	if srv.MaxInWindow != 5 || srv.Rejected != 0 {
		t.Fatalf("server saw max %d per window, %d rejections; want 5, 0", srv.MaxInWindow, srv.Rejected)
	}
	// Status shows the server's limit, not ours.
	if st := l.Status(now); st.ServerLimit != 5 || st.Limit != 5 {
		t.Fatalf("Status limit %d server %d, want 5", st.Limit, st.ServerLimit)
	}
}

func TestAdoptServerLimit(t *testing.T) {
	for _, adopt := range []bool{false, true} {
		l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 5, Per: time.Minute}, AdoptServerLimit: adopt})
		l.Take(t0)
		l.Observe(t0, ratelimit.Observation{Present: true, Limit: 20, Remaining: 19, Reset: t0.Add(time.Minute).Truncate(time.Second), Received: t0})
		sent := 1
		for {
			if d, _ := l.Delay(t0); d > 0 {
				break
			}
			l.Take(t0)
			sent++
		}
		want := 5
		if adopt {
			want = 20
		}
		if sent != want {
			t.Errorf("adopt=%v: %d requests at once, want %d", adopt, sent, want)
		}
	}
}

func TestSkewCorrection(t *testing.T) {
	tests := []struct {
		name string
		skew time.Duration
	}{
		{"in sync", 0},
		{"server ahead 37.4s", 37400 * time.Millisecond},
		{"server behind 2.6s", -2600 * time.Millisecond},
		{"server behind 0.4s", -400 * time.Millisecond},
		{"server ahead 1h", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []ratelimit.Warning
			l := newLimiter(t, ratelimit.Config{OnWarning: func(w ratelimit.Warning) { warns = append(warns, w) }})
			srv := &ratelimittest.Server{Limit: 50, Window: 15 * time.Minute, Skew: tt.skew}
			rng := rand.New(rand.NewPCG(1, 2))
			now := t0
			var firstAfter []time.Duration // how long after the true window end each new window's first request went
			for n := 0; n < 200; {
				if d, _ := l.Delay(now); d > 0 {
					now = now.Add(d)
					continue
				}
				prevEnd := srv.End()
				l.Take(now)
				lat := time.Duration(50+rng.IntN(250)) * time.Millisecond
				ok, o := srv.Do(now, now.Add(lat/2), now.Add(lat))
				if ok && !prevEnd.IsZero() && srv.End() != prevEnd {
					firstAfter = append(firstAfter, now.Add(lat/2).Add(tt.skew).Sub(prevEnd))
				}
				now = now.Add(lat)
				l.Observe(now, o)
				if ok {
					n++
				}
			}
			if srv.Rejected != 0 {
				t.Fatalf("%d requests rejected", srv.Rejected)
			}
			for i, d := range firstAfter {
				// Never early; late by at most the margin, the estimate's
				// slack (latency and one-second Date rounding) and half a
				// latency to reach the server.
				if d < 0 || d > ratelimit.DefaultMargin+1300*time.Millisecond {
					t.Errorf("window %d: first request %s after the real reset", i+2, d)
				}
			}
			off := l.Status(now).Offset
			if diff := tt.skew - off; diff < 0 || diff > time.Second {
				t.Errorf("estimated offset %s for skew %s: must be <= skew and within 1s", off, tt.skew)
			}
			if big := tt.skew >= 2*time.Second || tt.skew <= -2*time.Second; big != (len(warns) > 0) {
				t.Errorf("skew %s: warnings %v", tt.skew, warns)
			}
			t.Logf("skew %s: offset %s; first requests after real reset: %v", tt.skew, off, firstAfter)
		})
	}
}

func TestClamp(t *testing.T) {
	var warns []ratelimit.Warning
	l := newLimiter(t, ratelimit.Config{OnWarning: func(w ratelimit.Warning) { warns = append(warns, w) }})
	l.Take(t0)
	got := l.Observe(t0, ratelimit.Observation{Present: true, Limit: 50, Remaining: 0, Reset: t0.Add(2 * time.Hour), Received: t0})
	if len(got) != 1 || len(warns) != 1 || !strings.Contains(got[0].Msg, "clamped") {
		t.Fatalf("warnings = %v (callback %v), want one clamp warning", got, warns)
	}
	d, why := l.Delay(t0)
	if max := 15*time.Minute + 2*time.Second + ratelimit.DefaultMargin; why != ratelimit.ReasonWindow || d != max {
		t.Fatalf("Delay = %s (%s), want about 15m (window)", d, why)
	}
	// A reset in the past never yields a negative wait; with the window
	// spent it is no usable reset at all: one full window.
	l.Take(t0)
	l.Observe(t0, ratelimit.Observation{Present: true, Limit: 50, Remaining: 0, Reset: t0.Add(-time.Hour), Received: t0})
	if d, _ := l.Delay(t0); d != 15*time.Minute+ratelimit.DefaultMargin {
		t.Fatalf("Delay with reset in the past = %s, want a full window", d)
	}
	l.Take(t0)
	l.Observe(t0, ratelimit.Observation{Present: true, Limit: 50, Remaining: 3, Reset: t0.Add(-time.Hour), Received: t0})
	if d, _ := l.Delay(t0); d != 0 {
		t.Fatalf("Delay with reset in the past, window not spent = %s, want 0", d)
	}
	// A restored state from a clock that jumped back is clamped at use.
	st := l.State()
	st.Hold, st.HoldReason = t0.Add(5*time.Hour), ratelimit.ReasonSnooze
	if err := l.Restore(st); err != nil {
		t.Fatal(err)
	}
	warns = nil
	maxWait := 15*time.Minute + 2*time.Second + ratelimit.DefaultMargin
	if d, why := l.Delay(t0); why != ratelimit.ReasonSnooze || d != maxWait || len(warns) != 1 {
		t.Fatalf("Delay with a 5h hold = %s (%s), warnings %v; want %s and one warning", d, why, warns, maxWait)
	}
	if d, _ := l.Delay(t0); d != maxWait || len(warns) != 1 {
		t.Fatalf("clamp not kept: second Delay = %s, warnings %v", d, warns)
	}
}

func TestDailyCap(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 100, Per: time.Second}, DailyCap: 3})
	times := []time.Time{t0, t0.Add(time.Hour), t0.Add(2 * time.Hour)}
	for _, at := range times {
		if d, why := l.Delay(at); d != 0 {
			t.Fatalf("Delay at %s = %s (%s)", at, d, why)
		}
		l.Take(at)
	}
	now := t0.Add(3 * time.Hour)
	d, why := l.Delay(now)
	// The first request (t0, counted from its next whole second) leaves the
	// rolling day at t0+24h rounded up.
	wantFree := t0.Truncate(time.Second).Add(time.Second + 24*time.Hour)
	if why != ratelimit.ReasonDailyCap || !now.Add(d).Equal(wantFree) || !why.Daily() {
		t.Fatalf("Delay = %s (%s) -> %s, want until %s (daily-cap)", d, why, now.Add(d), wantFree)
	}
	st := l.Status(now)
	if st.DailyUsed != 3 || st.DailyCap != 3 || !st.DailyFree.Equal(wantFree) {
		t.Fatalf("Status daily %d/%d free %s", st.DailyUsed, st.DailyCap, st.DailyFree)
	}
	if d, _ := l.Delay(wantFree); d != 0 {
		t.Fatalf("Delay when the first request left the day = %s", d)
	}
	if st := l.Status(wantFree); st.DailyUsed != 2 {
		t.Fatalf("daily used after 24h = %d, want 2", st.DailyUsed)
	}
	// 0 disables the cap.
	off := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 1000, Per: time.Second}})
	for range 1000 {
		off.Take(t0)
	}
	if d, why := off.Delay(t0.Add(time.Second)); why == ratelimit.ReasonDailyCap {
		t.Fatalf("cap 0 still caps: %s", d)
	}
}

func TestServerDailyHeaders(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{})
	dayReset := t0.Add(7 * time.Hour).Truncate(time.Second)
	l.Take(t0)
	l.Observe(t0, ratelimit.Observation{
		Present: true, Limit: 50, Remaining: 49, Reset: t0.Add(15 * time.Minute).Truncate(time.Second), Received: t0,
		UserDay: ratelimit.Day{Present: true, Limit: 2, Remaining: 1, Reset: dayReset},
	})
	if d, _ := l.Delay(t0); d != 0 {
		t.Fatalf("one left today, Delay = %s", d)
	}
	l.Take(t0) // the last one of the day: remaining goes to 0 without a response
	d, why := l.Delay(t0)
	if why != ratelimit.ReasonServerDaily || !t0.Add(d).Equal(dayReset.Add(ratelimit.DefaultMargin)) {
		t.Fatalf("Delay = %s (%s), want until the 24h reset + margin (server-daily)", d, why)
	}
}

func TestRejected(t *testing.T) {
	reset := t0.Add(5 * time.Minute).Truncate(time.Second)
	tests := []struct {
		name  string
		obs   ratelimit.Observation
		until time.Time
		why   ratelimit.Reason
	}{
		{"no headers: fallback", ratelimit.Observation{Rejected: true}, t0.Add(ratelimit.SnoozeFallback), ratelimit.ReasonSnooze},
		{"retry-after", ratelimit.Observation{Rejected: true, RetryAfter: 90 * time.Second}, t0.Add(90 * time.Second), ratelimit.ReasonSnooze},
		{"window spent", ratelimit.Observation{Rejected: true, Present: true, Limit: 50, Remaining: 0, Reset: reset}, reset.Add(ratelimit.DefaultMargin), ratelimit.ReasonWindow},
		{"hidden limit", ratelimit.Observation{Rejected: true, Present: true, Limit: 50, Remaining: 20, Reset: reset}, t0.Add(30 * time.Second), ratelimit.ReasonSnooze},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(t, ratelimit.Config{})
			l.Take(t0)
			tt.obs.Received = t0
			l.Observe(t0, tt.obs)
			d, why := l.Delay(t0)
			if why != tt.why || !t0.Add(d).Equal(tt.until) {
				t.Fatalf("Delay = %s (%s) until %s; want until %s (%s)", d, why, t0.Add(d), tt.until, tt.why)
			}
		})
	}
	// Repeated hidden-limit 429s back off further each time; a normal
	// response resets the count.
	l := newLimiter(t, ratelimit.Config{})
	now := t0
	var waits []time.Duration
	for range 3 {
		l.Take(now)
		l.Observe(now, ratelimit.Observation{Rejected: true, Present: true, Limit: 50, Remaining: 20, Reset: now.Add(10 * time.Minute), Received: now})
		d, _ := l.Delay(now)
		waits = append(waits, d)
		now = now.Add(d)
	}
	if waits[0] != 30*time.Second || waits[1] != time.Minute || waits[2] != 2*time.Minute {
		t.Fatalf("hidden-limit backoff %v, want 30s 1m 2m", waits)
	}
}

func TestSnoozeAndBackoff(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{})
	l.Backoff(t0.Add(3 * time.Second))
	if d, why := l.Delay(t0); d != 3*time.Second || why != ratelimit.ReasonBackoff {
		t.Fatalf("Delay = %s (%s), want 3s backoff", d, why)
	}
	l.Snooze(t0.Add(time.Minute))
	l.Backoff(t0.Add(2 * time.Second)) // an earlier hold does not shorten a later one
	if d, why := l.Delay(t0); d != time.Minute || why != ratelimit.ReasonSnooze {
		t.Fatalf("Delay = %s (%s), want 1m snooze", d, why)
	}
	if d, _ := l.Delay(t0.Add(time.Minute)); d != 0 {
		t.Fatalf("Delay after the snooze = %s", d)
	}
}

func TestMarginGrowsAfter429AtReset(t *testing.T) {
	// A server that ends windows 600ms after the second it announces: the
	// first 429 after a reset doubles the margin, until none happen.
	l := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 10, Per: 10 * time.Second}})
	srv := &ratelimittest.Server{Limit: 10, Window: 10 * time.Second, LateEnd: 600 * time.Millisecond}
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
	m := l.Status(now).Margin
	if m != time.Second || srv.Rejected != 2 || srv.MaxInWindow > 10 {
		t.Fatalf("margin %s after %d rejections (max %d per window); want 1s after 2", m, srv.Rejected, srv.MaxInWindow)
	}
	// The learned margin survives a restart.
	l2 := newLimiter(t, ratelimit.Config{Rate: ratelimit.Rate{N: 10, Per: 10 * time.Second}})
	if err := l2.Restore(l.State()); err != nil {
		t.Fatal(err)
	}
	if m := l2.Status(now).Margin; m != time.Second {
		t.Fatalf("restored margin %s", m)
	}
}

func TestStateRoundTrip(t *testing.T) {
	cfg := ratelimit.Config{DailyCap: 400}
	l := newLimiter(t, cfg)
	srv := &ratelimittest.Server{Limit: 50, Window: 15 * time.Minute, DayLimit: 1000}
	now := t0
	for range 30 {
		l.Take(now)
		_, o := srv.Do(now, now, now)
		l.Observe(now, o)
		now = now.Add(100 * time.Millisecond)
	}
	l.Backoff(now.Add(2 * time.Second))
	data, err := json.Marshal(l.State())
	if err != nil {
		t.Fatal(err)
	}
	var st ratelimit.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	r := newLimiter(t, cfg)
	if err := r.Restore(st); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{0, time.Second, 3 * time.Second, 10 * time.Minute, 20 * time.Minute} {
		at := now.Add(at)
		a, b := l.Status(at), r.Status(at)
		if diff := a.Tokens - b.Tokens; diff > 1e-6 || diff < -1e-6 {
			t.Errorf("at %s: tokens %v, restored %v", at, a.Tokens, b.Tokens)
		}
		a.Tokens, b.Tokens = 0, 0
		if a != b {
			t.Errorf("at %s:\n original %+v\n restored %+v", at, a, b)
		}
	}
	st.Version = 99
	if err := r.Restore(st); err == nil {
		t.Error("Restore accepted version 99")
	}
	t.Logf("state JSON after 30 requests: %d bytes: %s", len(data), data)
}

// TestRestartMidWindow: a process that spent the window and stopped must
// not burst into it after a restart, and one restarted after the reset
// must not wait.
func TestRestartMidWindow(t *testing.T) {
	cfg := ratelimit.Config{Rate: ratelimit.Rate{N: 50, Per: 10 * time.Second}}
	srv := &ratelimittest.Server{Limit: 50, Window: 10 * time.Second}
	l := newLimiter(t, cfg)
	now := t0
	for range 50 {
		l.Take(now)
		_, o := srv.Do(now, now, now)
		l.Observe(now, o)
		now = now.Add(10 * time.Millisecond)
	}
	saved := l.State()

	restarted := newLimiter(t, cfg)
	if err := restarted.Restore(saved); err != nil {
		t.Fatal(err)
	}
	d, why := restarted.Delay(now)
	if why != ratelimit.ReasonWindow || now.Add(d).Before(srv.End()) {
		t.Fatalf("restarted mid-window: Delay = %s (%s), until %s before the window end %s", d, why, now.Add(d), srv.End())
	}
	fresh := newLimiter(t, cfg)
	if d, _ := fresh.Delay(now); d != 0 {
		t.Fatalf("control: a limiter without state would not wait (Delay %s)", d)
	}

	later := srv.End().Add(ratelimit.DefaultMargin)
	again := newLimiter(t, cfg)
	if err := again.Restore(saved); err != nil {
		t.Fatal(err)
	}
	if d, why := again.Delay(later); d != 0 {
		t.Fatalf("restarted after the reset: Delay = %s (%s), want 0", d, why)
	}
	// and it can spend the whole new window at once: the bucket refilled.
	for i := range 50 {
		if d, why := again.Delay(later); d != 0 {
			t.Fatalf("request %d after restart: Delay %s (%s)", i+1, d, why)
		}
		again.Take(later)
		ok, o := srv.Do(later, later, later)
		if !ok {
			t.Fatalf("request %d after restart rejected", i+1)
		}
		again.Observe(later, o)
	}
}

func TestBucketTokensRestored(t *testing.T) {
	// Without server windows, the bucket state alone must survive: 7.5
	// tokens left, then 2.5 s later (5 per second) exactly 20.
	cfg := ratelimit.Config{Rate: ratelimit.Rate{N: 50, Per: 10 * time.Second}}
	l := newLimiter(t, cfg)
	for range 42 {
		l.Take(t0)
	}
	l.Take(t0.Add(100 * time.Millisecond)) // 8 + 0.5 - 1 = 7.5
	st := l.State()
	if st.Tokens != 7.5 {
		t.Fatalf("saved tokens %v, want 7.5", st.Tokens)
	}
	r := newLimiter(t, cfg)
	if err := r.Restore(st); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(100*time.Millisecond + 2500*time.Millisecond)
	if got := r.Status(at).Tokens; got < 19.999 || got > 20.001 {
		t.Fatalf("restored tokens at +2.5s = %v, want 20", got)
	}
}

func TestClone(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{})
	l.Take(t0)
	c := l.Clone()
	for range 49 {
		c.Take(t0)
	}
	if d, _ := l.Delay(t0); d != 0 {
		t.Fatalf("taking from the clone changed the original: Delay %s", d)
	}
	if d, _ := c.Delay(t0); d == 0 {
		t.Fatal("clone did not keep the original's take")
	}
}
