package testkit

import (
	"context"
	"sync"
	"time"
)

// Clock is simulated time shared by the code under test (Now, Sleep) and
// the test (Advance, Set): nothing really waits, so hours of pacing take
// microseconds. It satisfies worker.Clock, and its methods fit xapisim's
// Config.Now and Config.Sleep, apiclient.WithClock, queue.Options.Now and
// auth's clocks. The zero Clock starts at the zero time; it is safe for
// concurrent use.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// NewClock returns a clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. A d <= 0 does nothing (use Set to
// go back), as a real clock never runs backward.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set puts the clock at t, earlier or later.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Sleep is a wait that takes no real time: it returns ctx's error if ctx
// has ended, and otherwise advances the clock by d (when d > 0) and adds d
// to Slept.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept += d
	c.mu.Unlock()
	return nil
}

// Slept is the total of the waits Sleep has advanced the clock by (Advance
// and Set do not count).
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
