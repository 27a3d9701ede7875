package worker

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// fakeClient is a Client whose methods a test sets; an unset one fails
// the test when called.
type fakeClient struct {
	t         *testing.T
	me        func() (User, error)
	usersBy   func(names []string) ([]User, []UnknownUser, error)
	usersIDs  func(ids []string) ([]User, []UnknownUser, error)
	following func(userID, token string) (Page, error)
	profiles  func(userID, token string, max int, lastPost bool) (ProfilePage, error)
}

func (c *fakeClient) Unfollow(context.Context, string, string) (Reply, error) {
	c.t.Fatal("unexpected unfollow")
	return Reply{}, nil
}

func (c *fakeClient) Me(context.Context) (User, error) {
	if c.me == nil {
		c.t.Fatal("unexpected users/me")
	}
	return c.me()
}

func (c *fakeClient) UsersByUsernames(_ context.Context, names []string) ([]User, []UnknownUser, error) {
	if c.usersBy == nil {
		c.t.Fatal("unexpected users/by")
	}
	return c.usersBy(names)
}

func (c *fakeClient) UsersByIDs(_ context.Context, ids []string) ([]User, []UnknownUser, error) {
	if c.usersIDs == nil {
		c.t.Fatal("unexpected users by ids")
	}
	return c.usersIDs(ids)
}

func (c *fakeClient) Following(_ context.Context, userID, token string, _ int) (Page, error) {
	if c.following == nil {
		c.t.Fatal("unexpected following")
	}
	return c.following(userID, token)
}

func (c *fakeClient) FollowingProfiles(_ context.Context, userID, token string, max int, lastPost bool) (ProfilePage, error) {
	if c.profiles == nil {
		c.t.Fatal("unexpected following with profiles")
	}
	return c.profiles(userID, token, max, lastPost)
}

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// TestReaderWaitsOnceForAWindow: after a 429 the read waits what the
// limiter says (a short pause for a hidden limit) and is sent again; the
// 429 is not counted twice against the window (which would have made it
// wait for the whole window).
func TestReaderWaitsOnceForAWindow(t *testing.T) {
	clk := testkit.NewClock(testStart)
	calls := 0
	api := &fakeClient{t: t, me: func() (User, error) {
		calls++
		if calls == 1 {
			now := clk.Now()
			obs := ratelimit.Observation{Present: true, Limit: 75, Remaining: 1, Reset: now.Add(14 * time.Minute), Received: now}
			return User{}, &Failure{Kind: Window, Status: http.StatusTooManyRequests, Obs: &obs}
		}
		return User{ID: "1", Username: "me"}, nil
	}}
	r := reader{api: api, clock: clk, log: zerolog.Nop(), attempts: 3, windows: NewReadWindows(clk.Now)}
	u, err := r.me(t.Context())
	if err != nil || u.ID != "1" || calls != 2 {
		t.Fatalf("me = %+v, %v after %d calls; want the account after 2", u, err, calls)
	}
	if waited := clk.Now().Sub(testStart); waited > 2*time.Minute {
		t.Errorf("waited %v after a 429 with requests left in the window; want a short pause", waited)
	}
}

// TestReaderRetriesTransientOnly: a transient failure is tried again up to
// the attempts; a refusal is returned at once.
func TestReaderRetriesTransientOnly(t *testing.T) {
	for _, tc := range []struct {
		kind      Kind
		wantCalls int
	}{{Transient, 3}, {Unauthorized, 1}, {Permanent, 1}} {
		clk := testkit.NewClock(testStart)
		calls := 0
		api := &fakeClient{t: t, me: func() (User, error) {
			calls++
			return User{}, &Failure{Kind: tc.kind, Status: 503}
		}}
		r := reader{api: api, clock: clk, log: zerolog.Nop(), attempts: 3}
		if _, err := r.me(t.Context()); KindOf(err) != tc.kind || calls != tc.wantCalls {
			t.Errorf("%v: err %v after %d calls, want %d calls", tc.kind, err, calls, tc.wantCalls)
		}
	}
}

// TestWalkFollowing: every page in order until one without a next token;
// a token handed back twice stops the walk with ErrPaginationLoop instead
// of reading forever.
func TestWalkFollowing(t *testing.T) {
	pagesOf := func(pages map[string]Page, tokens *[]string) *fakeClient {
		return &fakeClient{t: t, following: func(_, token string) (Page, error) {
			*tokens = append(*tokens, token)
			return pages[token], nil
		}}
	}
	var tokens []string
	api := pagesOf(map[string]Page{
		"":   {Users: []User{{ID: "11"}, {ID: "12"}}, NextToken: "T1"},
		"T1": {Users: []User{{ID: "13"}}, NextToken: "T2"},
		"T2": {Users: []User{{ID: "14"}}},
	}, &tokens)
	var ids []string
	err := reader{api: api}.walkFollowing(t.Context(), "1", spend.OwnedRead, func(p Page) {
		for _, u := range p.Users {
			ids = append(ids, u.ID)
		}
	})
	if err != nil || len(ids) != 4 || ids[0] != "11" || ids[3] != "14" || len(tokens) != 3 {
		t.Errorf("ids %v tokens %q err %v", ids, tokens, err)
	}

	tokens = nil
	loop := pagesOf(map[string]Page{
		"":  {Users: []User{{ID: "11"}}, NextToken: "A"},
		"A": {Users: []User{{ID: "12"}}, NextToken: "A"},
	}, &tokens)
	err = reader{api: loop}.walkFollowing(t.Context(), "1", spend.OwnedRead, func(Page) {})
	if !errors.Is(err, ErrPaginationLoop) || len(tokens) != 2 {
		t.Errorf("loop: err %v after tokens %q", err, tokens)
	}
}

// TestKindOf: the kind of a Failure anywhere in the chain; a context's
// error is Canceled; anything unclassified is Permanent (not retried).
func TestKindOf(t *testing.T) {
	wrapped := errors.Join(errors.New("context"), &Failure{Kind: Quota})
	for err, want := range map[error]Kind{
		&Failure{Kind: Window}:   Window,
		wrapped:                  Quota,
		context.Canceled:         Canceled,
		context.DeadlineExceeded: Canceled,
		errors.New("disk full"):  Permanent,
	} {
		if got := KindOf(err); got != want {
			t.Errorf("KindOf(%v) = %v, want %v", err, got, want)
		}
	}
}
