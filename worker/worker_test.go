package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/ratelimit/ratelimittest"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

const source = "999"

// TestOutcomes runs one scripted target (then a plain one behind it) per
// outcome the worker knows, on a real queue.
func TestOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		steps    []string
		state    queue.State
		reason   string // substring of the target's reason
		calls    int
		attempts int
		stop     worker.StopReason
		hint     string // substring of the AccountError hint
		lastErr  int    // status of the target's last error kept; 0: none
	}{
		{"done", []string{"ok"}, queue.Done, "unfollowed", 1, 1, worker.StopFinished, "", 0},
		{"not found: failed, no retry", []string{"404"}, queue.Failed, "not found", 1, 1, worker.StopFinished, "", 200},
		{"429 window: snooze, no attempt", []string{"429", "429", "ok"}, queue.Done, "unfollowed", 3, 1, worker.StopFinished, "", 0},
		{"429 without headers: snooze", []string{"429-bare", "ok"}, queue.Done, "unfollowed", 2, 1, worker.StopFinished, "", 0},
		{"503 twice then ok", []string{"503", "503", "ok"}, queue.Done, "unfollowed", 3, 3, worker.StopFinished, "", 0},
		{"connection reset then ok", []string{"reset", "ok"}, queue.Done, "unfollowed", 2, 2, worker.StopFinished, "", 0},
		{"200 cut off mid-body then ok", []string{"cut", "ok"}, queue.Done, "unfollowed", 2, 2, worker.StopFinished, "", 0},
		{"200 cut off forever: failed, outcome unknown", []string{"cut"}, queue.Failed, queue.ReasonOutcomeUnknown, 5, 5, worker.StopFinished, "", 200},
		{"404 naming the target: failed, no retry", []string{"404-target"}, queue.Failed, "not found", 1, 1, worker.StopFinished, "", 404},
		{"unclassified error retried", []string{"plain", "ok"}, queue.Done, "unfollowed", 2, 2, worker.StopFinished, "", 0},
		{"503 forever: failed after max", []string{"503"}, queue.Failed, "gave up after 5 attempts", 5, 5, worker.StopFinished, "", 503},
		{"still following once", []string{"following", "ok"}, queue.Done, "unfollowed", 2, 2, worker.StopFinished, "", 0},
		{"still following forever", []string{"following"}, queue.Failed, "still following", 5, 5, worker.StopFinished, "", 0},
		{"403 about the target", []string{"403-target"}, queue.Failed, "refused: Forbidden", 1, 1, worker.StopFinished, "", 403},
		{"permanent: failed, no retry", []string{"409"}, queue.Failed, "refused: Conflict", 1, 1, worker.StopFinished, "", 409},
		{"401 after refresh: stop", []string{"401"}, queue.Pending, "", 1, 0, worker.StopAccountError, "auth login", 0},
		{"404 not naming the target: stop", []string{"404-generic"}, queue.Pending, "", 1, 0, worker.StopAccountError, "--api-base-url", 0},
		{"request that cannot be sent: stop", []string{"unsendable"}, queue.Pending, "", 1, 0, worker.StopAccountError, "credentials", 0},
		{"403 suspended: stop", []string{"403-suspended"}, queue.Pending, "", 1, 0, worker.StopAccountError, "suspended", 0},
		{"400 invalid request: stop", []string{"400"}, queue.Pending, "", 1, 0, worker.StopAccountError, "auth status", 0},
		{"usage cap: stop", []string{"usage-cap"}, queue.Pending, "", 1, 0, worker.StopQuotaExhausted, "usage cap", 0},
		{"credits: stop", []string{"credits"}, queue.Pending, "", 1, 0, worker.StopQuotaExhausted, "credits", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			q, _ := openQueue(t, clock, []string{"1001", "1002"})
			api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1001": tt.steps})}
			lim := newLimiter(t, ratelimit.Config{DailyCap: ratelimit.DefaultDailyCap})
			w := newWorker(t, q, api, lim, worker.Options{Source: source, Clock: clock, Rand: rand.New(rand.NewPCG(1, 1))})
			sum, err := w.Run(context.Background())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := targets(t, q)["1001"]
			if got.State != tt.state || !strings.Contains(got.Reason, tt.reason) || got.Attempts != tt.attempts {
				t.Errorf("target: %s %q attempts %d; want %s %q attempts %d", got.State, got.Reason, got.Attempts, tt.state, tt.reason, tt.attempts)
			}
			if n := api.callsFor("1001"); n != tt.calls {
				t.Errorf("calls = %d, want %d", n, tt.calls)
			}
			if sum.Stop != tt.stop {
				t.Errorf("stop = %s, want %s (err %v)", sum.Stop, tt.stop, sum.Err)
			}
			if tt.lastErr != 0 && (got.Last == nil || got.Last.Status != tt.lastErr) {
				t.Errorf("last error %+v, want status %d", got.Last, tt.lastErr)
			}
			c := counts(t, q)
			if tt.hint != "" {
				var ae *worker.AccountError
				if !errors.As(sum.Err, &ae) || !strings.Contains(ae.Hint, tt.hint) {
					t.Fatalf("Summary.Err = %v, want *AccountError with a hint about %q", sum.Err, tt.hint)
				}
				if ae.Failure.Detail == "" && ae.Failure.Title == "" && ae.Failure.Err == nil {
					t.Errorf("account error lost the server's words: %+v", ae.Failure)
				}
				// Account-level: nothing marked failed, everything pending,
				// the next target never sent.
				if c.Failed != 0 || c.Pending != 2 || api.callsFor("1002") != 0 || sum.Pending != 2 {
					t.Errorf("after account stop: counts %+v, calls to next %d, summary pending %d", c, api.callsFor("1002"), sum.Pending)
				}
				return
			}
			if sum.Err != nil {
				t.Errorf("Summary.Err = %v", sum.Err)
			}
			if targets(t, q)["1002"].State != queue.Done || c.Pending != 0 {
				t.Errorf("the next target was not drained: %+v", c)
			}
			if sum.Sent != tt.calls+1 || sum.Done+sum.Failed != 2 {
				t.Errorf("summary %+v", sum)
			}
		})
	}
}

// TestPermanentStreakStops: three targets in a row refused with permanent
// errors are not a coincidence: the third stops the run and stays pending.
func TestPermanentStreakStops(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, ids(6))
	steps := map[string][]string{"1001": {"409"}, "1002": {"409"}, "1003": {"ok"}, "1004": {"409"}, "1005": {"409"}, "1006": {"409"}}
	api := &fakeAPI{clock: clock, fn: script(clock, steps)}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock})
	sum, err := w.Run(context.Background())
	var ae *worker.AccountError
	if err != nil || sum.Stop != worker.StopAccountError || !errors.As(sum.Err, &ae) || !strings.Contains(ae.Hint, "retry") {
		t.Fatalf("Run = %+v, %v", sum, err)
	}
	got := targets(t, q)
	// 1001, 1002 failed; 1003 done resets the streak; 1004, 1005 failed;
	// 1006 is the third in a row: pending.
	if sum.Failed != 4 || sum.Done != 1 || got["1006"].State != queue.Pending || got["1005"].State != queue.Failed {
		t.Fatalf("summary %+v; 1005 %s, 1006 %s", sum, got["1005"].State, got["1006"].State)
	}
	// The hint says what the streak did: two of it were marked failed.
	if !strings.Contains(ae.Hint, "3 targets in a row") || !strings.Contains(ae.Hint, "the 2 before this one were marked failed") {
		t.Errorf("hint %q does not count the streak's failed targets", ae.Hint)
	}
}

// TestCutBodyStaysPendingOutcomeUnknown: X applied the unfollow, but its
// 200 was cut off mid-body and the run then stopped. The target stays
// pending with its attempt counted and the outcome-unknown reason, so a
// later run does not take "not in the following list" to mean it was
// never followed. An answer read whole (a 503) does not say that.
func TestCutBodyStaysPendingOutcomeUnknown(t *testing.T) {
	for _, tt := range []struct {
		step   string
		reason string
	}{
		{"cut", queue.ReasonOutcomeUnknown},
		{"reset", queue.ReasonOutcomeUnknown},
		{"plain", queue.ReasonOutcomeUnknown}, // unclassified: nothing says it did not reach X
		{"503", ""},
	} {
		t.Run(tt.step, func(t *testing.T) {
			clock := newClock()
			q, _ := openQueue(t, clock, []string{"1001", "1002"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			api := &fakeAPI{clock: clock, fn: func(_ context.Context, target string, n int) (worker.Reply, error) {
				cancel() // the run stops after this answer is recorded
				return answer(clock, target, tt.step)
			}}
			w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Source: source, Clock: clock})
			sum, err := w.Run(ctx)
			if err != nil || sum.Stop != worker.StopCanceled {
				t.Fatalf("Run = %+v, %v", sum, err)
			}
			got := targets(t, q)["1001"]
			if got.State != queue.Pending || got.Attempts != 1 || got.Reason != tt.reason {
				t.Errorf("target: %s %q attempts %d; want pending %q attempts 1", got.State, got.Reason, got.Attempts, tt.reason)
			}
			if sum.Done != 0 || sum.Failed != 0 || sum.Retried != 1 || api.callsFor("1002") != 0 {
				t.Errorf("summary %+v, calls to the next %d", sum, api.callsFor("1002"))
			}
		})
	}
}

// TestCountsOnlyWrittenResults: when the queue cannot write a result (disk
// full), the summary and the "run stopped" log line count only the
// results that were written.
func TestCountsOnlyWrittenResults(t *testing.T) {
	for _, tt := range []struct {
		step   string
		failAt int // the Record call that fails
		done   int
	}{
		{"ok", 3, 2},
		{"ok", 1, 0},
		{"409", 1, 0},
		{"404", 1, 0},
		{"cut", 1, 0},
		{"following", 1, 0},
		{"429", 1, 0},
	} {
		t.Run(fmt.Sprintf("%s/record %d fails", tt.step, tt.failAt), func(t *testing.T) {
			clock := newClock()
			q := newMemQueue(ids(5))
			q.failRecord = func(n int) error {
				if n == tt.failAt {
					return fmt.Errorf("write queue: %w", syscall.ENOSPC)
				}
				return nil
			}
			steps := map[string][]string{}
			for i, id := range ids(5) {
				if i == tt.failAt-1 {
					steps[id] = []string{tt.step}
				}
			}
			api := &fakeAPI{clock: clock, fn: script(clock, steps)}
			var logs bytes.Buffer
			w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Source: source, Clock: clock, Log: zerolog.New(&logs)})
			sum, err := w.Run(context.Background())
			if !errors.Is(err, syscall.ENOSPC) || sum.Stop != worker.StopError {
				t.Fatalf("Run = %+v, %v; want StopError with ENOSPC", sum, err)
			}
			c := counts(t, q)
			if sum.Done != c.Done || sum.Done != tt.done || sum.Failed != c.Failed || sum.Failed != 0 || sum.Retried != 0 || sum.RateLimited != 0 || sum.Skipped != 0 {
				t.Errorf("summary %+v; queue %+v: want %d done and nothing else counted", sum, c, tt.done)
			}
			line := struct {
				Done, Failed int
				Stop         string
			}{-1, -1, ""}
			for l := range strings.Lines(logs.String()) {
				if strings.Contains(l, `"run stopped"`) {
					if err := json.Unmarshal([]byte(l), &line); err != nil {
						t.Fatal(err)
					}
				}
			}
			if line.Done != c.Done || line.Failed != c.Failed || line.Stop != string(worker.StopError) {
				t.Errorf("run stopped log line %+v; queue %+v\n%s", line, c, logs.String())
			}
		})
	}
}

// TestSnoozeWaitsForReset: a window 429 waits until the announced reset
// (+ margin) and does not spend an attempt; without headers it waits the
// 15-minute fallback.
func TestSnoozeWaitsForReset(t *testing.T) {
	for _, tt := range []struct {
		step string
		min  time.Duration
	}{
		{"429", 10*time.Minute - time.Second}, // answer() announces reset 10 min ahead
		{"429-bare", ratelimit.SnoozeFallback},
	} {
		t.Run(tt.step, func(t *testing.T) {
			clock := newClock()
			q := newMemQueue([]string{"1001"})
			api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1001": {tt.step, "ok"}})}
			var waits []worker.Event
			w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, OnEvent: func(e worker.Event) {
				if e.Kind == worker.EventWait {
					waits = append(waits, e)
				}
			}})
			sum, err := w.Run(context.Background())
			if err != nil || sum.Stop != worker.StopFinished || sum.RateLimited != 1 {
				t.Fatalf("Run = %+v, %v", sum, err)
			}
			if gap := api.calls[1].At.Sub(api.calls[0].At); gap < tt.min || gap > tt.min+2*time.Second {
				t.Fatalf("retry %s after the 429, want about %s", gap, tt.min)
			}
			if len(waits) != 1 || (waits[0].Why != ratelimit.ReasonWindow && waits[0].Why != ratelimit.ReasonSnooze) {
				t.Fatalf("wait events %+v", waits)
			}
			if a := q.targets[0].Attempts; a != 1 {
				t.Fatalf("attempts = %d, want 1 (the 429 does not count)", a)
			}
		})
	}
}

// maxRand always draws the top of the range; zeroRand the bottom.
type maxRand struct{}

func (maxRand) Int64N(n int64) int64 { return n - 1 }

type zeroRand struct{}

func (zeroRand) Int64N(int64) int64 { return 0 }

func TestBackoffBounds(t *testing.T) {
	base, cap := 2*time.Second, 10*time.Second
	run := func(r worker.Rand) []time.Duration {
		clock := newClock()
		q := newMemQueue([]string{"1001"})
		api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1001": {"503"}})}
		var waits []time.Duration
		w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{
			Clock: clock, Rand: r, MaxAttempts: 6, BackoffBase: base, BackoffCap: cap,
			OnEvent: func(e worker.Event) {
				if e.Kind == worker.EventWait {
					if e.Why != ratelimit.ReasonBackoff {
						t.Errorf("wait for %s, want backoff", e.Why)
					}
					waits = append(waits, e.Wait)
				}
			},
		})
		sum, err := w.Run(context.Background())
		if err != nil || sum.Failed != 1 || api.callsFor("1001") != 6 {
			t.Fatalf("Run = %+v, %v; calls %d", sum, err, api.callsFor("1001"))
		}
		return waits
	}
	// Ceilings: 2s 4s 8s 10s 10s (capped); full jitter draws in [0, ceiling].
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, cap, cap}
	got := run(maxRand{})
	if len(got) != len(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("backoff %d at the top of the range = %s, want %s", i+1, got[i], want[i])
		}
	}
	if got := run(zeroRand{}); len(got) != 0 {
		t.Errorf("backoffs at the bottom of the range waited %v, want no waits", got)
	}
	// A real source stays within the ceilings.
	for seed := range uint64(20) {
		for i, d := range run(rand.New(rand.NewPCG(seed, 7))) {
			if d < 0 || d > want[i] {
				t.Fatalf("seed %d: backoff %d = %s, outside [0, %s]", seed, i+1, d, want[i])
			}
		}
	}
}

func TestDeadline(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(60))
	api := &xAPI{clock: clock, srv: &ratelimittest.Server{Limit: 50, Window: 15 * time.Minute}}
	deadline := t0.Add(10 * time.Minute)
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, Deadline: deadline})
	sum, err := w.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 50 go at once; the 51st needs the window to reset at 15 min: that
	// wait would pass the deadline, so it is not started.
	if sum.Stop != worker.StopDeadline || sum.Sent != 50 || sum.Pending != 10 {
		t.Fatalf("summary %+v", sum)
	}
	if now := clock.Now(); !now.Before(deadline) || clock.Slept() != 0 {
		t.Fatalf("clock at %s (slept %s): the worker waited towards the deadline", now, clock.Slept())
	}
}

func TestDeadlineDuringJitter(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(5))
	api := &fakeAPI{clock: clock, fn: script(clock, nil)}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{
		Clock: clock, Jitter: time.Minute, Rand: maxRand{}, Deadline: t0.Add(150 * time.Second),
	})
	sum, err := w.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Each request waits just under a minute of jitter: two fit before
	// 150 s, the third wait would end after it.
	if sum.Stop != worker.StopDeadline || sum.Sent != 2 || clock.Now().After(t0.Add(150*time.Second)) {
		t.Fatalf("summary %+v at %s", sum, clock.Now())
	}
}

func TestMax(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, ids(10))
	// The second target needs a retry: Max counts targets, not requests.
	api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1002": {"503", "ok"}})}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, Max: 3, Rand: zeroRand{}})
	sum, err := w.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stop != worker.StopMaxReached || sum.Done != 3 || sum.Sent != 4 || sum.Pending != 7 {
		t.Fatalf("summary %+v", sum)
	}
}

// TestCancelWritesInFlight: the signal arrives while a request is in
// flight. The request is not cancelled; its result is written; no other
// target is taken.
func TestCancelWritesInFlight(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, ids(5))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &fakeAPI{clock: clock}
	api.fn = func(reqCtx context.Context, target string, _ int) (worker.Reply, error) {
		if target == "1002" {
			cancel() // first SIGINT
			if reqCtx.Err() != nil {
				t.Errorf("the in-flight request was cancelled: %v", reqCtx.Err())
			}
		}
		return answer(clock, target, "ok")
	}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock})
	sum, err := w.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := targets(t, q)
	if sum.Stop != worker.StopCanceled || got["1002"].State != queue.Done || sum.Done != 2 || sum.Pending != 3 || api.callsFor("1003") != 0 {
		t.Fatalf("summary %+v; 1002 is %s", sum, got["1002"].State)
	}
	// The limiter state saved with the last result counts both requests.
	b, _ := q.LimiterState()
	if st := decodeState(t, b); st.Window == nil || st.Window.Remaining != 40 || len(st.Daily) == 0 {
		t.Fatalf("saved limiter state %+v", st)
	}
}

// TestAbort: a second signal cancels the in-flight request; its result is
// unknown and nothing is recorded for it.
func TestAbort(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, ids(3))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	abort := make(chan struct{})
	api := &fakeAPI{clock: clock}
	api.fn = func(reqCtx context.Context, target string, _ int) (worker.Reply, error) {
		cancel()
		close(abort)
		<-reqCtx.Done()
		return worker.Reply{}, &worker.Failure{Kind: worker.Canceled, Err: reqCtx.Err()}
	}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, Abort: abort})
	sum, err := w.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tg := targets(t, q)["1001"]
	// Pending, no attempt counted, and marked: the aborted request may have
	// reached X.
	if sum.Stop != worker.StopCanceled || tg.State != queue.Pending || tg.Attempts != 0 || !tg.MayHaveTakenEffect {
		t.Fatalf("summary %+v, target %+v", sum, tg)
	}
}

func TestCancelDuringWait(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(3))
	api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1001": {"503", "ok"}})}
	ctx, cancel := context.WithCancel(context.Background())
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, Rand: maxRand{}, OnEvent: func(e worker.Event) {
		if e.Kind == worker.EventWait {
			cancel()
		}
	}})
	sum, err := w.Run(ctx)
	if err != nil || sum.Stop != worker.StopCanceled || sum.Sent != 1 || q.targets[0].Attempts != 1 {
		t.Fatalf("Run = %+v, %v", sum, err)
	}
}

func TestDailyCapStops(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(10))
	api := &fakeAPI{clock: clock, fn: script(clock, nil)}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{DailyCap: 4}), worker.Options{Clock: clock})
	sum, err := w.Run(context.Background())
	if err != nil || sum.Stop != worker.StopDailyCap || sum.Done != 4 || sum.Pending != 6 || clock.Slept() != 0 {
		t.Fatalf("Run = %+v, %v (slept %s)", sum, err, clock.Slept())
	}
	// WaitDaily waits the day out instead.
	clock2 := newClock()
	q2 := newMemQueue(ids(10))
	api2 := &fakeAPI{clock: clock2, fn: script(clock2, nil)}
	w2 := newWorker(t, q2, api2, newLimiter(t, ratelimit.Config{DailyCap: 4}), worker.Options{Clock: clock2, WaitDaily: true})
	sum, err = w2.Run(context.Background())
	if err != nil || sum.Stop != worker.StopFinished || sum.Done != 10 || clock2.Slept() < 48*time.Hour {
		t.Fatalf("WaitDaily: Run = %+v, %v (slept %s)", sum, err, clock2.Slept())
	}
}

// A rolling cap whose next slot frees within DailyWaitMax is waited for,
// not a reason to stop the run.
func TestDailyCapShortWaitIsWaited(t *testing.T) {
	clock := newClock()
	lim := newLimiter(t, ratelimit.Config{DailyCap: 4})
	// Four requests 23 h 50 m ago: the first slot frees in 10 minutes.
	for i := range 4 {
		lim.Take(clock.Now().Add(-24*time.Hour + 10*time.Minute + time.Duration(i)*time.Second))
	}
	q := newMemQueue(ids(2))
	api := &fakeAPI{clock: clock, fn: script(clock, nil)}
	w := newWorker(t, q, api, lim, worker.Options{Clock: clock})
	sum, err := w.Run(context.Background())
	if err != nil || sum.Stop != worker.StopFinished || sum.Done != 2 || clock.Slept() < 10*time.Minute || clock.Slept() > worker.DailyWaitMax {
		t.Fatalf("Run = %+v, %v (slept %s), want both sent after a wait of about 10 minutes", sum, err, clock.Slept())
	}
}

// An outage (every request fails transiently) fails at most one target:
// when the next one is about to fail the same way with no success since,
// the run stops (exit 75 upstream) and the target stays pending.
func TestOutageStopsInsteadOfFailingEverything(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(5))
	api := &fakeAPI{clock: clock}
	api.fn = func(_ context.Context, target string, n int) (worker.Reply, error) {
		return worker.Reply{}, &worker.Failure{Kind: worker.Transient, Err: errors.New("connection refused")}
	}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, MaxAttempts: 3})
	sum, err := w.Run(context.Background())
	if err != nil || sum.Stop != worker.StopUnavailable || sum.Err == nil {
		t.Fatalf("Run = %+v, %v; want StopUnavailable with an error", sum, err)
	}
	c := counts(t, q)
	if c.Failed != 1 || c.Pending != 4 {
		t.Errorf("counts %+v: want the first target failed and the rest pending", c)
	}
	if got := len(api.calls); got != 3+3 {
		t.Errorf("%d requests, want 3 for the failed target and 3 for the one that stopped the run", got)
	}
}

func TestSkipsOwnAccount(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, []string{"1001", source, "1003"})
	api := &fakeAPI{clock: clock, fn: script(clock, nil)}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Source: source, Clock: clock})
	sum, err := w.Run(context.Background())
	if err != nil || sum.Skipped != 1 || sum.Done != 2 || api.callsFor(source) != 0 {
		t.Fatalf("Run = %+v, %v", sum, err)
	}
	if tg := targets(t, q)[source]; tg.State != queue.Skipped || tg.Reason != "own account" {
		t.Fatalf("own account: %+v", tg)
	}
}

// TestLimiterSavedBeforeSend: while a request is in flight, the queue
// already holds a limiter state that counts it (a crash then does not
// re-spend it).
func TestLimiterSavedBeforeSend(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(3))
	api := &fakeAPI{clock: clock}
	api.fn = func(_ context.Context, target string, n int) (worker.Reply, error) {
		b, _ := q.LimiterState()
		st := decodeState(t, b)
		var used int64
		for _, d := range st.Daily {
			used += d[1]
		}
		if want := int64(len(api.calls)); used != want {
			t.Errorf("during call %d the saved state counts %d requests", want, used)
		}
		return answer(clock, target, "ok")
	}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{DailyCap: 400}), worker.Options{Clock: clock})
	if _, err := w.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The target being sent is saved before its request goes out, so a run
// after a crash knows which request may have taken effect unrecorded.
func TestSendingSavedBeforeSend(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(3))
	api := &fakeAPI{clock: clock}
	var seen []string
	api.fn = func(_ context.Context, target string, n int) (worker.Reply, error) {
		seen = append(seen, strconv.FormatUint(q.Sending(), 10))
		return answer(clock, target, "ok")
	}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock})
	if _, err := w.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, ","); got != "1,2,3" {
		t.Errorf("saved target during each request = %q, want 1,2,3", got)
	}
	// Once its answer is recorded, no request is "sent, outcome unknown".
	if n := q.Sending(); n != 0 {
		t.Errorf("after the run the target being sent is still %d", n)
	}
}

func TestUnresolvedHandleIsAnError(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, []string{"@jack"})
	api := &fakeAPI{clock: clock, fn: script(clock, nil)}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock})
	sum, err := w.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "resolve handles") || sum.Stop != worker.StopError || len(api.calls) != 0 {
		t.Fatalf("Run = %+v, %v", sum, err)
	}
}

func TestNewValidates(t *testing.T) {
	lim := newLimiter(t, ratelimit.Config{})
	q := newMemQueue(nil)
	if _, err := worker.New(q, nil, lim, worker.Options{}); err == nil {
		t.Error("New without API")
	}
	if _, err := worker.New(q, &fakeAPI{}, lim, worker.Options{Max: -1}); err == nil {
		t.Error("New with Max -1")
	}
}

func TestFailureError(t *testing.T) {
	f := &worker.Failure{Kind: worker.Quota, Status: 429, Type: "https://api.twitter.com/2/problems/usage-capped", Title: "UsageCapExceeded", Detail: "Usage cap exceeded: Monthly product cap"}
	if got, want := f.Error(), "unfollow: 429 quota (usage-capped): Usage cap exceeded: Monthly product cap"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	inner := errors.New("dial tcp: connection refused")
	f = &worker.Failure{Err: inner}
	if !errors.Is(f, inner) || f.Error() != "unfollow: transient: dial tcp: connection refused" {
		t.Errorf("Error() = %q, Is = %v", f.Error(), errors.Is(f, inner))
	}
	ae := &worker.AccountError{Failure: f, Hint: "x"}
	if !errors.Is(ae, inner) {
		t.Error("AccountError does not unwrap to the cause")
	}
}

// The outage streak counts only targets X never answered: any answer in
// between (here not-found) shows X is up and resets it.
func TestOutageStreakResetByAnyAnswer(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(4))
	api := &fakeAPI{clock: clock}
	api.fn = func(_ context.Context, target string, n int) (worker.Reply, error) {
		switch target {
		case q.targets[0].ID, q.targets[2].ID:
			return worker.Reply{}, &worker.Failure{Kind: worker.Transient, Status: 503, Title: "Service Unavailable"}
		case q.targets[1].ID:
			return answer(clock, target, "404")
		}
		return answer(clock, target, "ok")
	}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, MaxAttempts: 2})
	sum, err := w.Run(context.Background())
	if err != nil || sum.Stop != worker.StopFinished {
		t.Fatalf("Run = %+v, %v; want finished: a not-found answer between two given-up targets is no outage", sum, err)
	}
	if c := counts(t, q); c.Failed != 3 || c.Done != 1 {
		t.Errorf("counts %+v, want 3 failed (two 503s, one not found), 1 done", c)
	}
}

// The outage streak survives a restart: during an outage that spans runs,
// each run stops before failing another target.
func TestOutageStreakAcrossRuns(t *testing.T) {
	clock := newClock()
	q := newMemQueue(ids(5))
	api := &fakeAPI{clock: clock}
	api.fn = func(context.Context, string, int) (worker.Reply, error) {
		// As the API client says of a request that got no answer.
		return worker.Reply{}, &worker.Failure{Kind: worker.Transient, Err: errors.New("connection refused"), MayHaveTakenEffect: true}
	}
	for run := 1; run <= 3; run++ {
		w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Clock: clock, MaxAttempts: 3})
		sum, err := w.Run(context.Background())
		if err != nil || sum.Stop != worker.StopUnavailable {
			t.Fatalf("run %d: %+v, %v; want StopUnavailable", run, sum, err)
		}
		if c := counts(t, q); c.Failed != 1 {
			t.Fatalf("after run %d: %d failed, want still 1", run, c.Failed)
		}
	}
	// No answer at all: the request may have taken effect.
	if got := q.targets[1].Reason; got != queue.ReasonOutcomeUnknown {
		t.Errorf("reason of a target whose requests got no answer = %q, want %q", got, queue.ReasonOutcomeUnknown)
	}
}

// TestUnreadableSavedStateIsReported: a saved limiter state that cannot
// be read is ignored (the run goes on) and said in a warning.
func TestUnreadableSavedStateIsReported(t *testing.T) {
	for name, raw := range map[string]string{"not JSON": "{garbage", "wrong version": `{"v":999}`} {
		t.Run(name, func(t *testing.T) {
			clock := newClock()
			q := newMemQueue(ids(2))
			if err := q.SetLimiterState([]byte(raw)); err != nil {
				t.Fatal(err)
			}
			api := &fakeAPI{clock: clock, fn: script(clock, nil)}
			var logs bytes.Buffer
			w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Source: source, Clock: clock, Log: zerolog.New(&logs)})
			sum, err := w.Run(context.Background())
			if err != nil || sum.Stop != worker.StopFinished || sum.Done != 2 {
				t.Fatalf("Run = %+v, %v; want both done", sum, err)
			}
			if !strings.Contains(logs.String(), "ignoring saved rate-limit state") {
				t.Errorf("no warning about the unreadable state:\n%s", logs.String())
			}
		})
	}
}

// TestMarkFollowsTheAnswers: the mark written before each request stays
// when an answer leaves the outcome uncertain (or X says it still
// follows), and goes when the answer was read whole and says the request
// did nothing and nothing before it was uncertain, so a target X refused
// is never later taken for unfollowed. A crash between the two (here: the
// abort) keeps it.
func TestMarkFollowsTheAnswers(t *testing.T) {
	for _, tt := range []struct {
		steps []string
		want  bool
	}{
		{[]string{"404"}, false},         // failed: not found, read whole
		{[]string{"503", "404"}, false},  // X's 503 and a 404: never uncertain
		{[]string{"cut", "404"}, true},   // the cut answer may have unfollowed it
		{[]string{"reset", "503"}, true}, // no answer, then a 503: still uncertain
		{[]string{"ok"}, true},           // done: X unfollowed it
		{[]string{"following", "404"}, true},
	} {
		t.Run(strings.Join(tt.steps, ","), func(t *testing.T) {
			clock := newClock()
			q, _ := openQueue(t, clock, ids(1))
			api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1001": tt.steps})}
			w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{}), worker.Options{Source: source, Clock: clock, MaxAttempts: 5})
			if _, err := w.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tg := targets(t, q)["1001"]; tg.MayHaveTakenEffect != tt.want {
				t.Errorf("after %v: %s %q, marked %v; want marked %v", tt.steps, tg.State, tg.Reason, tg.MayHaveTakenEffect, tt.want)
			}
		})
	}
}
