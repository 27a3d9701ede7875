package testkit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC)
	c := testkit.NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %s, want %s", got, start)
	}
	c.Advance(time.Minute)
	c.Advance(0)
	c.Advance(-time.Hour) // never backward
	if got, want := c.Now(), start.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance: Now = %s, want %s", got, want)
	}
	if err := c.Sleep(context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.Sleep(context.Background(), -time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), start.Add(time.Minute+2*time.Second); !got.Equal(want) || c.Slept() != 2*time.Second {
		t.Fatalf("after Sleep: Now = %s (want %s), Slept = %s (want 2s)", got, want, c.Slept())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended context = %v, want context.Canceled", err)
	}
	if got, want := c.Now(), start.Add(time.Minute+2*time.Second); !got.Equal(want) || c.Slept() != 2*time.Second {
		t.Fatalf("a canceled Sleep moved the clock: Now = %s, Slept = %s", got, c.Slept())
	}
	c.Set(start.Add(-time.Hour))
	if got, want := c.Now(), start.Add(-time.Hour); !got.Equal(want) {
		t.Fatalf("after Set: Now = %s, want %s", got, want)
	}
	var zero testkit.Clock
	if !zero.Now().IsZero() {
		t.Fatalf("zero Clock reads %s", zero.Now())
	}
}

func TestClockConcurrent(t *testing.T) {
	c := testkit.NewClock(time.Time{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				c.Sleep(context.Background(), time.Second)
				c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now().Sub(time.Time{}); got != 1600*time.Second || c.Slept() != 800*time.Second {
		t.Fatalf("clock moved %s (slept %s), want 1600s (800s)", got, c.Slept())
	}
}

func TestSyncBuffer(t *testing.T) {
	var b testkit.SyncBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				fmt.Fprintf(&b, "%d\n", i)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Fatalf("%d lines, want 800", n)
	}
}
