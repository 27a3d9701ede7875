package worker_test

import (
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// TestBackoff: full jitter under an exponential ceiling that stops at the
// limit, whatever the attempt.
func TestBackoff(t *testing.T) {
	base, limit := 2*time.Second, time.Minute
	for _, tt := range []struct {
		attempt int
		want    time.Duration // the ceiling, drawn by maxRand
	}{{1, 2 * time.Second}, {2, 4 * time.Second}, {5, 32 * time.Second}, {6, time.Minute}, {40, time.Minute}, {0, time.Minute}} {
		if got := worker.Backoff(tt.attempt, base, limit, maxRand{}); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
	for range 100 {
		if d := worker.Backoff(3, base, limit, nil); d < 0 || d > 8*time.Second {
			t.Fatalf("Backoff(3) with the global source = %v, want within [0, 8s]", d)
		}
	}
}

// TestStopsForDaily: only a 24-hour limit longer than DailyWaitMax stops,
// and not when the run was told to wait.
func TestStopsForDaily(t *testing.T) {
	long := worker.DailyWaitMax + time.Second
	for _, tt := range []struct {
		d    time.Duration
		why  ratelimit.Reason
		wait bool
		want bool
	}{
		{long, ratelimit.ReasonDailyCap, false, true},
		{long, ratelimit.ReasonServerDaily, false, true},
		{long, ratelimit.ReasonDailyCap, true, false},
		{worker.DailyWaitMax, ratelimit.ReasonDailyCap, false, false},
		{long, ratelimit.ReasonWindow, false, false},
	} {
		if got := worker.StopsForDaily(tt.d, tt.why, tt.wait); got != tt.want {
			t.Errorf("StopsForDaily(%v, %s, %v) = %v, want %v", tt.d, tt.why, tt.wait, got, tt.want)
		}
	}
}
