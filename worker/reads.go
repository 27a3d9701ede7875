package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// reader makes preparation's read requests (who am I, handles, the
// following list). Each read waits for X's window of its endpoint like an
// unfollow does (one limiter per endpoint, fed by every response's
// headers): a window 429 holds that endpoint until its reset and the read
// is sent again, without counting a try. A read that fails transiently
// (5xx, a dropped connection, a timeout) is tried again with exponential
// backoff and full jitter: reads are safe to repeat, and one 503 should
// not end a run that has not started. Waits are on the run's clock; a wait
// that would pass the deadline ends the read with ErrWindowPastDeadline or
// its last error instead.
type reader struct {
	api      Client
	clock    Clock
	log      zerolog.Logger
	attempts int          // tries per request; < 1 means 1
	windows  *ReadWindows // nil: no window waits (a 429 is returned)
	deadline time.Time    // zero: none
	led      *ledger      // nil: spend is not counted
}

// readBackoffBase and readBackoffCap bound the wait between tries.
const (
	readBackoffBase = 2 * time.Second
	readBackoffCap  = time.Minute
)

// do calls fn until it succeeds, fails for a reason other than a transient
// one or a window, or has been tried r.attempts times; it returns fn's last
// error.
func (r reader) do(ctx context.Context, ep Endpoint, what string, fn func() error) error {
	for attempt := 1; ; {
		if err := r.waitWindow(ctx, ep, what); err != nil {
			return err
		}
		err := fn()
		if err == nil {
			return nil
		}
		switch KindOf(err) {
		case Window:
			if r.windows == nil {
				return err
			}
			r.windows.rejected(ep, err, r.clock.Now())
			continue // waited for at the top; a window is no failure of the request: no try counted
		case Transient:
			if attempt >= r.attempts {
				return err
			}
		default:
			return err
		}
		d := Backoff(attempt, readBackoffBase, readBackoffCap, nil)
		if !r.deadline.IsZero() && r.clock.Now().Add(d).After(r.deadline) {
			return err // no time left to try again before the deadline
		}
		r.log.Warn().Err(err).Str("request", what).Int("attempt", attempt).Float64("wait_s", d.Seconds()).Msg("request failed; trying again")
		if err := r.clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		attempt++
	}
}

// ErrWindowPastDeadline ends a read whose window would reopen only after
// the run's deadline.
var ErrWindowPastDeadline = errors.New("that is after the --deadline")

// waitWindow waits until ep's window lets a request go.
func (r reader) waitWindow(ctx context.Context, ep Endpoint, what string) error {
	if r.windows == nil {
		return nil
	}
	lim := r.windows.get(ep)
	now := r.clock.Now()
	d, _ := lim.Delay(now)
	if d > 0 {
		if !r.deadline.IsZero() && now.Add(d).After(r.deadline) {
			return fmt.Errorf("%s: X's %s window is spent until %s: %w", what, ep, now.Add(d).Format(time.TimeOnly), ErrWindowPastDeadline)
		}
		r.log.Info().Str("request", what).Str("endpoint", string(ep)).Float64("wait_s", d.Seconds()).
			Time("until", now.Add(d)).Msg("waiting for X's window of this endpoint")
		if err := r.clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		now = r.clock.Now()
	}
	lim.Take(now)
	return nil
}

// me asks who is signed in.
func (r reader) me(ctx context.Context) (User, error) {
	if err := r.led.afford(r.led.readBound(spend.UserRead, 1, r.led.account()...), "signing in (users/me)"); err != nil {
		return User{}, err
	}
	var u User
	err := r.do(ctx, EndpointMe, "users/me", func() (err error) {
		u, err = r.api.Me(ctx)
		return err
	})
	if err != nil {
		return u, err
	}
	return u, r.led.charge(spend.UserRead, []string{u.ID})
}

// usersBy resolves any number of usernames, one request per
// MaxUsernamesPerRequest, each waiting for the window (one request per
// call of do, so that a window wait never repeats a request that was
// answered).
func (r reader) usersBy(ctx context.Context, names []string) ([]User, []UnknownUser, error) {
	var users []User
	var nf []UnknownUser
	for len(names) > 0 {
		n := min(len(names), MaxUsernamesPerRequest)
		var u []User
		var f []UnknownUser
		if err := r.led.afford(r.led.readBound(spend.UserRead, n), fmt.Sprintf("looking up %s", plural(n, "@handle"))); err != nil {
			return nil, nil, err
		}
		err := r.do(ctx, EndpointUsersBy, "users/by", func() (err error) {
			u, f, err = r.api.UsersByUsernames(ctx, names[:n])
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		if err := r.led.charge(spend.UserRead, userIDs(u)); err != nil {
			return nil, nil, err
		}
		users, nf, names = append(users, u...), append(nf, f...), names[n:]
	}
	return users, nf, nil
}

// usersByIDs looks up any number of ids, MaxIDsPerRequest per request.
func (r reader) usersByIDs(ctx context.Context, ids []string) ([]User, []UnknownUser, error) {
	var users []User
	var nf []UnknownUser
	for len(ids) > 0 {
		n := min(len(ids), MaxIDsPerRequest)
		var u []User
		var f []UnknownUser
		if err := r.led.afford(r.led.readBound(spend.UserRead, n, ids[:n]...), fmt.Sprintf("looking up %s", plural(n, "account"))); err != nil {
			return nil, nil, err
		}
		err := r.do(ctx, EndpointUsers, "users", func() (err error) {
			u, f, err = r.api.UsersByIDs(ctx, ids[:n])
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		if err := r.led.charge(spend.UserRead, userIDs(u)); err != nil {
			return nil, nil, err
		}
		users, nf, ids = append(users, u...), append(nf, f...), ids[n:]
	}
	return users, nf, nil
}

// userIDs are the ids of users: what a read that returned them is billed for.
func userIDs(users []User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}

// walkFollowing calls fn with every page of userID's following list,
// trying each page again when it fails transiently; its users are billed
// as kind.
func (r reader) walkFollowing(ctx context.Context, userID string, kind spend.Kind, fn func(Page)) error {
	return r.walkPages(ctx, userID, kind, func(token string, size int) (listPage, error) {
		pg, err := r.api.Following(ctx, userID, token, size)
		if err != nil {
			return listPage{}, err
		}
		fn(pg)
		return listPage{users: userIDs(pg.Users), next: pg.NextToken}, nil
	})
}

// walkProfiles is walkFollowing with profiles (FollowingProfiles); the
// posts X returns with a page are billed as post reads.
func (r reader) walkProfiles(ctx context.Context, userID string, kind spend.Kind, lastPost bool, fn func(ProfilePage)) error {
	return r.walkPages(ctx, userID, kind, func(token string, size int) (listPage, error) {
		pg, err := r.api.FollowingProfiles(ctx, userID, token, size, lastPost)
		if err != nil {
			return listPage{}, err
		}
		ids := make([]string, len(pg.Profiles))
		for i, p := range pg.Profiles {
			ids[i] = p.ID
		}
		fn(pg)
		return listPage{users: ids, posts: pg.Posts, next: pg.NextToken}, nil
	})
}

// listPage is what walkPages needs of a page: the users and posts it is
// billed for, and the next page's token.
type listPage struct {
	users, posts []string
	next         string
}

// walkPages reads userID's following list page by page with fetch (one
// request for at most size users after token; it hands the page on only
// when it succeeds), each page waiting for the window and tried again
// when it fails transiently, and bills every page as it is answered.
func (r reader) walkPages(ctx context.Context, userID string, kind spend.Kind, fetch func(token string, size int) (listPage, error)) error {
	seen := map[string]bool{}
	token := ""
	for {
		var pg listPage
		// A page holds at most the users asked for: what it could cost. With
		// a budget, no more are asked for than it can pay.
		size := r.led.affordable(kind, FollowingPageSize)
		if size < 1 {
			return r.led.afford(r.led.readBound(kind, 1), "the next page of the following list")
		}
		err := r.do(ctx, EndpointFollowing, "following", func() (err error) {
			pg, err = fetch(token, size)
			return err
		})
		if err != nil {
			return err
		}
		if err := r.led.charge(kind, pg.users); err != nil {
			return err
		}
		if err := r.led.charge(spend.PostRead, pg.posts); err != nil {
			return err
		}
		if pg.next == "" {
			return nil
		}
		if seen[pg.next] {
			return fmt.Errorf("following %s: %w", userID, ErrPaginationLoop)
		}
		seen[pg.next] = true
		token = pg.next
	}
}

// readRates are X's documented per-user limits of the reads, per 15
// minutes: the pace of a read endpoint until its headers are seen.
var readRates = map[Endpoint]ratelimit.Rate{
	EndpointMe:        {N: 75, Per: 15 * time.Minute},
	EndpointUsersBy:   {N: 900, Per: 15 * time.Minute},
	EndpointUsers:     {N: 900, Per: 15 * time.Minute},
	EndpointFollowing: {N: 300, Per: 15 * time.Minute},
}

// ReadWindows holds one limiter per read endpoint. Observe is fed every
// read response's headers (the API client's rate observer); a run restores
// the windows from its queue and saves them there when it ends.
type ReadWindows struct {
	mu   sync.Mutex
	lims map[Endpoint]*ratelimit.Limiter
	now  func() time.Time
}

// NewReadWindows returns windows that know only X's documented limits.
func NewReadWindows(now func() time.Time) *ReadWindows {
	return &ReadWindows{lims: map[Endpoint]*ratelimit.Limiter{}, now: now}
}

func (w *ReadWindows) get(ep Endpoint) *ratelimit.Limiter {
	w.mu.Lock()
	defer w.mu.Unlock()
	if l, ok := w.lims[ep]; ok {
		return l
	}
	rt, ok := readRates[ep]
	if !ok {
		rt = ratelimit.DefaultRate
	}
	l, err := ratelimit.New(ratelimit.Config{Rate: rt, AdoptServerLimit: true})
	if err != nil {
		panic(err) // readRates are valid
	}
	w.lims[ep] = l
	return l
}

// Observe feeds a read response's headers to its endpoint's limiter.
func (w *ReadWindows) Observe(ep Endpoint, o ratelimit.Observation) {
	w.get(ep).Observe(w.now(), o)
}

// restore loads the states saved by the last run; a missing or stale
// state only costs a request.
func (w *ReadWindows) restore(q *queue.Store) {
	raw, err := q.ReadWindows()
	if err != nil || len(raw) == 0 {
		return
	}
	var states map[Endpoint]ratelimit.State
	if json.Unmarshal(raw, &states) != nil {
		return
	}
	for ep, st := range states {
		if _, ok := readRates[ep]; ok {
			_ = w.get(ep).Restore(st)
		}
	}
}

// save stores the read endpoints' states in the queue.
func (w *ReadWindows) save(q *queue.Store) error {
	w.mu.Lock()
	states := make(map[Endpoint]ratelimit.State, len(w.lims))
	for ep, l := range w.lims {
		states[ep] = l.State()
	}
	w.mu.Unlock()
	b, err := json.Marshal(states)
	if err != nil {
		return err
	}
	return q.SetReadWindows(b)
}

// rejected tells ep's limiter that X refused a request with a window 429.
func (w *ReadWindows) rejected(ep Endpoint, err error, now time.Time) {
	var f *Failure
	if !errors.As(err, &f) || f.Obs == nil {
		return
	}
	o := *f.Obs
	o.Rejected = true
	w.get(ep).Observe(now, o)
}
