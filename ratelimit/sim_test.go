package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// observation is the limiter's view of a response's rate headers, as the
// command fills it.
func observation(r apiclient.RateInfo, rejected bool) ratelimit.Observation {
	o := ratelimit.Observation{Present: r.Present, Limit: r.Limit, Remaining: r.Remaining, Reset: r.Reset,
		Received: r.Received, RetryAfter: r.RetryAfter, Rejected: rejected}
	if r.HasDate {
		o.Date = r.Date
	}
	return o
}

// TestSimulatorDateFarOff is the issue's run: 20 targets against the
// simulator (5 unfollows per 15-minute window) whose Date header is far
// off (2100, 1990) while its windows run on the real clock. The limiter,
// fed through the real API client over HTTP, in simulated time, must cost
// at most one 429 per window crossed (it was 116 of 136 DELETEs), finish
// within the windows the limit needs, and warn about the clock once.
func TestSimulatorDateFarOff(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 300_000_000, time.UTC)
	for _, tt := range []struct {
		name   string
		offset time.Duration
	}{
		{"Date in 2100", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start)},
		{"Date in 1990", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start)},
		{"Date 10 min ahead", 10 * time.Minute},
		{"Date in sync", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Simulated time shared by the simulator, the client and the
			// limiter: the test moves it, nothing sleeps.
			clock := testkit.NewClock(start)
			sim := xapisim.New(xapisim.Config{Now: clock.Now, UnfollowLimit: 5, DateOffset: tt.offset})
			users := xapisim.SampleUsers(20)
			sim.SeedFollowing(xapisim.DefaultUserID, users)
			ts := httptest.NewServer(sim)
			defer ts.Close()
			c := apiclient.New(&http.Client{Transport: bearer{sim.IssueToken(xapisim.DefaultUserID)}}, ts.URL, "", apiclient.WithClock(clock.Now))
			var warns []ratelimit.Warning
			lim := newLimiter(t, ratelimit.Config{OnWarning: func(w ratelimit.Warning) { warns = append(warns, w) }})

			for _, u := range users {
				for attempt := 1; ; attempt++ {
					if attempt > 50 {
						t.Fatalf("%s: still refused after 50 attempts; stats %+v", u.ID, sim.Stats())
					}
					if d, _ := lim.Delay(clock.Now()); d > 0 {
						clock.Advance(d)
					}
					lim.Take(clock.Now())
					res, err := c.Unfollow(context.Background(), xapisim.DefaultUserID, u.ID)
					if err == nil {
						lim.Observe(clock.Now(), observation(res.Rate, false))
						break
					}
					var ae *apiclient.Error
					if !errors.As(err, &ae) || apiclient.Classify(err) != apiclient.ClassWindowLimited {
						t.Fatalf("unfollow %s: %v", u.ID, err)
					}
					lim.Observe(clock.Now(), observation(ae.Rate, true))
				}
			}
			st := sim.Stats()
			crossed := st.WindowResets // 20 at 5 per window: 3 resets
			took := clock.Now().Sub(start)
			t.Logf("%s: %d DELETEs, %d 429s, %d windows crossed, %s; warnings %v", tt.name, st.UnfollowCalls, st.RateLimited, crossed, took.Round(time.Second), warns)
			if st.Unfollowed != 20 || st.FollowingCount != 0 {
				t.Fatalf("stats %+v", st)
			}
			if crossed != 3 || st.RateLimited > crossed || st.UnfollowCalls != 20+st.RateLimited {
				t.Errorf("%d 429s of %d DELETEs over %d windows crossed: want at most one per window crossed", st.RateLimited, st.UnfollowCalls, crossed)
			}
			// 3 resets of 15 minutes, each waited for to the second (plus
			// the margin and whole-second rounding), no full extra window.
			if max := 3 * (15*time.Minute + 2*time.Second); took > max {
				t.Errorf("took %s, want at most %s", took, max)
			}
			if n := countWarnings(warns, "clock"); (tt.offset != 0) != (n == 1) || n > 1 {
				t.Errorf("%d clock warnings: %v", n, warns)
			}
		})
	}
}
