package ratelimit_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
)

// TestStateJSON: the saved state round-trips through its JSON (RestoreJSON
// for a running limiter, FromJSON for a display); empty is no state;
// garbage and foreign versions are errors.
func TestStateJSON(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, err := ratelimit.New(ratelimit.Config{Rate: ratelimit.Rate{N: 5, Per: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		a.Take(now)
	}
	raw, err := json.Marshal(a.State())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ratelimit.New(ratelimit.Config{Rate: ratelimit.Rate{N: 5, Per: time.Minute}})
	if err := b.RestoreJSON(raw); err != nil {
		t.Fatal(err)
	}
	if da, _ := a.Delay(now); da <= 0 {
		t.Fatalf("the spent bucket does not wait (%v)", da)
	}
	da, _ := a.Delay(now)
	if db, _ := b.Delay(now); db != da {
		t.Errorf("restored limiter waits %v, the original %v", db, da)
	}
	c, err := ratelimit.FromJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if dc, _ := c.Delay(now); dc != da {
		t.Errorf("FromJSON limiter waits %v, the original %v", dc, da)
	}
	if err := b.RestoreJSON(nil); err != nil {
		t.Errorf("RestoreJSON(empty) = %v, want nil", err)
	}
	for _, bad := range []string{"{garbage", `{"v":999}`} {
		if err := b.RestoreJSON([]byte(bad)); err == nil {
			t.Errorf("RestoreJSON(%s) = nil, want an error", bad)
		}
		if _, err := ratelimit.FromJSON([]byte(bad)); err == nil {
			t.Errorf("FromJSON(%s) = nil error", bad)
		}
	}
}
