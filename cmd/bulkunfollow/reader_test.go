package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
)

// meOnce429 answers users/me with one 429 of a hidden short limit
// (remaining above 0), then with the account.
type meOnce429 struct {
	lookupAPI
	now   func() time.Time
	calls int
}

func (m *meOnce429) Me(context.Context) (apiclient.User, error) {
	m.calls++
	if m.calls == 1 {
		now := m.now()
		return apiclient.User{}, &apiclient.Error{Op: "me", Endpoint: apiclient.EndpointMe, Status: http.StatusTooManyRequests,
			Header: http.Header{},
			Rate: apiclient.RateInfo{Limit: 75, Remaining: 1, Reset: now.Add(14 * time.Minute), Present: true,
				HasLimit: true, HasRemaining: true, HasReset: true, Received: now}}
	}
	return apiclient.User{ID: "1", Username: "me"}, nil
}

// TestReaderWaitsOnceForAWindow: after a 429 the read waits what the
// limiter says (a short pause for a hidden limit) and is sent again; the
// 429 is not counted twice against the window (which would have made it
// wait for the whole window).
func TestReaderWaitsOnceForAWindow(t *testing.T) {
	clk := newSimClock()
	api := &meOnce429{now: clk.Now}
	r := reader{api: api, clock: clk, log: zerolog.Nop(), attempts: 3, windows: newReadWindows(clk.Now)}
	start := clk.Now()
	u, err := r.me(t.Context())
	if err != nil || u.ID != "1" || api.calls != 2 {
		t.Fatalf("me = %+v, %v after %d calls; want the account after 2", u, err, api.calls)
	}
	if waited := clk.Now().Sub(start); waited > 2*time.Minute {
		t.Errorf("waited %v after a 429 with requests left in the window; want a short pause", waited)
	}
}
