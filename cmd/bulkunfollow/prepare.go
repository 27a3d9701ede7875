package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/input"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// lookupAPI is what preparation needs of the API client.
type lookupAPI interface {
	Me(ctx context.Context) (apiclient.User, error)
	UsersByUsernames(ctx context.Context, names []string) ([]apiclient.User, []apiclient.NotFound, error)
	Following(ctx context.Context, userID, pageToken string) (apiclient.Page, error)
}

// reader makes preparation's read requests (who am I, handles, the
// following list). Each read waits for X's window of its endpoint like an
// unfollow does (one limiter per endpoint, fed by every response's
// headers): a window 429 holds that endpoint until its reset and the read
// is sent again, without counting a try. A read that fails transiently
// (5xx, a dropped connection, a timeout) is tried again with exponential
// backoff and full jitter: reads are safe to repeat, and one 503 should
// not end a run that has not started. Waits are on the run's clock; a wait
// that would pass the deadline ends the read with its 429 instead.
type reader struct {
	api      lookupAPI
	clock    worker.Clock
	log      zerolog.Logger
	attempts int          // tries per request; < 1 means 1
	windows  *readWindows // nil: no window waits (a 429 is returned)
	deadline time.Time    // zero: none
}

// readBackoffBase and readBackoffCap bound the wait between tries.
const (
	readBackoffBase = 2 * time.Second
	readBackoffCap  = time.Minute
)

// do calls fn until it succeeds, fails for a reason other than a transient
// one or a window, or has been tried r.attempts times; it returns fn's last
// error.
func (r reader) do(ctx context.Context, ep apiclient.Endpoint, what string, fn func() error) error {
	for attempt := 1; ; {
		if err := r.waitWindow(ctx, ep, what); err != nil {
			return err
		}
		err := fn()
		if err == nil {
			return nil
		}
		switch apiclient.Classify(err) {
		case apiclient.ClassWindowLimited:
			if r.windows == nil {
				return err
			}
			r.windows.rejected(ep, err, r.clock.Now())
			continue // waited for at the top; a window is no failure of the request: no try counted
		case apiclient.ClassTransient:
			if attempt >= r.attempts {
				return err
			}
		default:
			return err
		}
		d := worker.Backoff(attempt, readBackoffBase, readBackoffCap, nil)
		if !r.deadline.IsZero() && r.clock.Now().Add(d).After(r.deadline) {
			return err // no time left to try again before the deadline
		}
		r.log.Warn().Err(err).Str("request", what).Int("attempt", attempt).Dur("wait", d).Msg("request failed; trying again")
		if err := r.clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		attempt++
	}
}

// errWindowPastDeadline ends a read whose window would reopen only after
// the run's --deadline.
var errWindowPastDeadline = errors.New("that is after the --deadline")

// waitWindow waits until ep's window lets a request go.
func (r reader) waitWindow(ctx context.Context, ep apiclient.Endpoint, what string) error {
	if r.windows == nil {
		return nil
	}
	lim := r.windows.get(ep)
	now := r.clock.Now()
	d, _ := lim.Delay(now)
	if d > 0 {
		if !r.deadline.IsZero() && now.Add(d).After(r.deadline) {
			return fmt.Errorf("%s: X's %s window is spent until %s: %w", what, ep, now.Add(d).Format(time.TimeOnly), errWindowPastDeadline)
		}
		r.log.Info().Str("request", what).Str("endpoint", string(ep)).Dur("wait", d).
			Time("until", now.Add(d)).Msg("waiting for X's window of this endpoint")
		if err := r.clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		now = r.clock.Now()
	}
	lim.Take(now)
	return nil
}

// windowSpent reports whether ep's window would make the next request wait.
func (r reader) windowSpent(ep apiclient.Endpoint) bool {
	if r.windows == nil {
		return false
	}
	d, _ := r.windows.get(ep).Delay(r.clock.Now())
	return d > 0
}

// readRates are X's documented per-user limits of the reads, per 15
// minutes: the pace of a read endpoint until its headers are seen.
var readRates = map[apiclient.Endpoint]ratelimit.Rate{
	apiclient.EndpointMe:        {N: 75, Per: 15 * time.Minute},
	apiclient.EndpointUsersBy:   {N: 900, Per: 15 * time.Minute},
	apiclient.EndpointFollowing: {N: 300, Per: 15 * time.Minute},
}

// readWindows holds one limiter per read endpoint. observe is the API
// client's rate observer: every response's headers reach the limiter of
// its endpoint.
type readWindows struct {
	mu   sync.Mutex
	lims map[apiclient.Endpoint]*ratelimit.Limiter
	now  func() time.Time
}

func newReadWindows(now func() time.Time) *readWindows {
	return &readWindows{lims: map[apiclient.Endpoint]*ratelimit.Limiter{}, now: now}
}

func (w *readWindows) get(ep apiclient.Endpoint) *ratelimit.Limiter {
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

// observe feeds a response's headers to its endpoint's limiter.
func (w *readWindows) observe(ep apiclient.Endpoint, r apiclient.RateInfo) {
	if ep == apiclient.EndpointUnfollow {
		return // the worker's limiter sees those
	}
	w.get(ep).Observe(w.now(), observation(r))
}

// restore loads the states saved by the last run; a missing or stale
// state only costs a request.
func (w *readWindows) restore(q *queue.Store) {
	raw, err := q.ReadWindows()
	if err != nil || len(raw) == 0 {
		return
	}
	var states map[apiclient.Endpoint]ratelimit.State
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
func (w *readWindows) save(q *queue.Store) error {
	w.mu.Lock()
	states := make(map[apiclient.Endpoint]ratelimit.State, len(w.lims))
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
func (w *readWindows) rejected(ep apiclient.Endpoint, err error, now time.Time) {
	var ae *apiclient.Error
	if !errors.As(err, &ae) {
		return
	}
	o := observation(ae.Rate)
	o.Rejected = true
	w.get(ep).Observe(now, o)
}

// me asks who is signed in.
func (r reader) me(ctx context.Context) (apiclient.User, error) {
	var u apiclient.User
	err := r.do(ctx, apiclient.EndpointMe, "users/me", func() (err error) {
		u, err = r.api.Me(ctx)
		return err
	})
	return u, err
}

// usersBy resolves usernames (at most apiclient.MaxUsernamesPerRequest:
// one request, so that a window wait never repeats a request that was
// answered).
func (r reader) usersBy(ctx context.Context, names []string) ([]apiclient.User, []apiclient.NotFound, error) {
	var users []apiclient.User
	var nf []apiclient.NotFound
	err := r.do(ctx, apiclient.EndpointUsersBy, "users/by", func() (err error) {
		users, nf, err = r.api.UsersByUsernames(ctx, names)
		return err
	})
	return users, nf, err
}

// usersByAll resolves any number of usernames, one request per
// apiclient.MaxUsernamesPerRequest, each waiting for the window.
func (r reader) usersByAll(ctx context.Context, names []string) ([]apiclient.User, []apiclient.NotFound, error) {
	var users []apiclient.User
	var nf []apiclient.NotFound
	for len(names) > 0 {
		n := min(len(names), apiclient.MaxUsernamesPerRequest)
		u, f, err := r.usersBy(ctx, names[:n])
		if err != nil {
			return nil, nil, err
		}
		users, nf, names = append(users, u...), append(nf, f...), names[n:]
	}
	return users, nf, nil
}

// preparation is what run decides before sending anything: which @handles
// resolve, which targets are kept, the account itself, or not followed.
// It is computed without writing; apply writes it.
type preparation struct {
	resolved      map[uint64]apiclient.User     // seq of an @handle target → its account
	duplicates    map[uint64]bool               // resolved @handle targets naming an account already queued
	unknown       map[uint64]apiclient.NotFound // seq of an @handle target that did not resolve
	skips         map[string][]uint64           // reason → pending targets to skip
	toSend        int                           // pending targets that will be sent
	confirmed     []uint64                      // pending targets found already unfollowed (queue.ReasonConfirmed)
	usernames     map[uint64]string             // pending targets to send → username from the following list
	following     int                           // size of the account's following list; -1 unread
	prefilterNote string                        // why the prefilter did not run, if it did not
	// handlesLeft are pending @handles beyond planResolveMax, left for
	// resolveRest once the run is confirmed.
	handlesLeft int

	// What the decisions are made from, kept for resolveRest.
	me       apiclient.User
	keep     *keepList
	followed map[uint64]string // id → username; nil without the prefilter
	sending  uint64            // the target in flight when the last run died
	claimed  map[string]bool   // ids resolved for a handle of this run (not yet written)
}

// planResolveMax is how many @handles prepare resolves before the plan is
// shown, in memory (nothing is written before the person says yes): 100
// requests, well inside one users/by window, and more than the 5,000
// accounts most people can follow, so the plan is exact. A bigger queue's
// other handles are resolved by resolveRest after the yes, written as they
// arrive.
const planResolveMax = 100 * apiclient.MaxUsernamesPerRequest

// newPreparation returns an empty preparation deciding for me.
func newPreparation(me apiclient.User) *preparation {
	return &preparation{
		resolved:   map[uint64]apiclient.User{},
		duplicates: map[uint64]bool{},
		usernames:  map[uint64]string{},
		unknown:    map[uint64]apiclient.NotFound{},
		skips:      map[string][]uint64{},
		following:  -1,
		me:         me,
		claimed:    map[string]bool{},
	}
}

// saved is how many requests the prefilter saved.
func (p *preparation) saved() int { return len(p.skips[queue.ReasonNotFollowing]) }

// prepare decides, without writing anything: it reads the following list
// (when prefilter is on: targets the account does not follow are
// skipped), reads the keep-list, resolves @handles (up to planResolveMax)
// and never sends the account's own id. apply writes the decisions, once
// the person has confirmed the plan; resolveRest then resolves the
// handles left.
func prepare(ctx context.Context, log zerolog.Logger, q *queue.Store, api reader, me apiclient.User, keepFile string, prefilter bool) (*preparation, error) {
	p := newPreparation(me)
	var err error
	if prefilter {
		p.followed, err = p.readFollowing(ctx, log, api, me.ID)
		if err != nil {
			return nil, err
		}
	} else {
		p.prefilterNote = "turned off (--no-prefilter)"
	}
	// With the following list, a kept @handle is recognised by the
	// username the list gives each account: no lookup needed.
	if p.keep, err = readKeepList(ctx, log, api, keepFile, p.followed == nil); err != nil {
		return nil, err
	}
	handles, err := q.Unresolved()
	if err != nil {
		return nil, fmt.Errorf("read unresolved handles: %w", err)
	}
	// Before the plan, resolve only what the users/by window allows now:
	// a wait here would be lost work if the run is stopped before the yes.
	n := 0
	for n < len(handles) && n < planResolveMax && !api.windowSpent(apiclient.EndpointUsersBy) {
		m := min(len(handles)-n, apiclient.MaxUsernamesPerRequest)
		if err := p.resolveHandles(ctx, q, api, handles[n:n+m]); err != nil {
			return nil, err
		}
		n += m
	}
	p.handlesLeft = len(handles) - n
	if n > 0 {
		log.Info().Int("resolved", len(p.resolved)).Int("not_found", len(p.unknown)).Int("left", p.handlesLeft).Msg("resolved @handles")
	}
	p.sending = q.Sending()
	var after uint64
	for {
		page, err := q.Pending(after, 1000)
		if err != nil {
			return nil, fmt.Errorf("read pending targets: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, t := range page {
			after = t.Seq
			p.consider(t)
		}
	}
	return p, nil
}

// consider makes the decision for pending target t.
func (p *preparation) consider(t queue.Target) {
	reason, send := p.decide(t)
	if reason == queue.ReasonNotFollowing && mayHaveTakenEffect(t, p.sending) {
		p.confirmed = append(p.confirmed, t.Seq)
		return
	}
	if reason != "" {
		p.skips[reason] = append(p.skips[reason], t.Seq)
	}
	if send {
		p.toSend++
		// Name it from the following list, so export (the list to
		// re-follow from) says who it was.
		if t.Username == "" && t.ID != "" {
			if n, err := strconv.ParseUint(t.ID, 10, 64); err == nil && p.followed[n] != "" {
				p.usernames[t.Seq] = p.followed[n]
			}
		}
	}
}

// resolveRest resolves the @handles prepare left (handlesLeft), after the
// run was confirmed: 100 per request, each batch's decisions (resolved,
// not found, duplicate, kept, not followed) written before the next
// request, so an interrupted run keeps what it paid for and the next one
// goes on from there. A spent users/by window is waited for (reader). The
// counts of what it decided are added to p, for the run record.
//
// Targets are sent in input order once every handle is resolved: an
// unfollow never overtakes a handle queued before it.
func (p *preparation) resolveRest(ctx context.Context, log zerolog.Logger, q *queue.Store, api reader) error {
	if p.handlesLeft == 0 {
		return nil
	}
	handles, err := q.Unresolved()
	if err != nil {
		return fmt.Errorf("read unresolved handles: %w", err)
	}
	log.Info().Int("handles", len(handles)).Msg("resolving the remaining @handles")
	for done := 0; len(handles) > 0; {
		n := min(len(handles), apiclient.MaxUsernamesPerRequest)
		batch := newPreparation(p.me)
		batch.keep, batch.followed, batch.sending = p.keep, p.followed, p.sending
		if err := batch.resolveHandles(ctx, q, api, handles[:n]); err != nil {
			return err
		}
		for _, t := range handles[:n] {
			batch.consider(t)
		}
		if err := batch.apply(q); err != nil {
			return fmt.Errorf("record resolved @handles: %w", err)
		}
		p.add(batch)
		handles, done = handles[n:], done+n
		p.handlesLeft = len(handles)
		if done%10_000 == 0 || len(handles) == 0 {
			log.Info().Int("resolved", done).Int("left", len(handles)).Msg("resolving @handles")
		}
	}
	return nil
}

// add counts b's decisions (already applied) in p.
func (p *preparation) add(b *preparation) {
	maps.Copy(p.resolved, b.resolved)
	maps.Copy(p.duplicates, b.duplicates)
	maps.Copy(p.unknown, b.unknown)
	for r, seqs := range b.skips {
		p.skips[r] = append(p.skips[r], seqs...)
	}
	p.confirmed = append(p.confirmed, b.confirmed...)
	p.toSend += b.toSend
}

// mayHaveTakenEffect reports whether an earlier request for t may have
// unfollowed it without the answer being recorded: the queue's sticky mark
// (an answer that never arrived whole, or X's "still following", kept
// through later answers and retry), or it was in flight when the last run
// died. Older queues carry the same evidence only in the reason and the
// last answer.
func mayHaveTakenEffect(t queue.Target, sending uint64) bool {
	switch {
	case t.MayHaveTakenEffect, t.Seq == sending,
		t.Reason == queue.ReasonOutcomeUnknown, t.Reason == queue.ReasonStillFollowing:
		return true
	}
	return t.Attempts > 0 && (t.Last == nil || t.Last.Status == 0)
}

// apply writes the decisions: resolved @handles get their ids, unknown ones
// fail as not found, targets an interrupted request already unfollowed are
// done, the rest of the decisions are skips.
func (p *preparation) apply(q *queue.Store) error {
	// In input order, so of two handles naming one account the first wins.
	for _, seq := range slices.Sorted(maps.Keys(p.resolved)) {
		u := p.resolved[seq]
		if err := q.Resolve(seq, u.ID, u.Username); err != nil && !errors.Is(err, queue.ErrNotPending) {
			return fmt.Errorf("record @%s as %s: %w", u.Username, u.ID, err)
		}
	}
	for seq, nf := range p.unknown {
		res := queue.Result{State: queue.Failed, Reason: queue.ReasonNotFound, Err: errorInfo(nf), CountAttempt: true}
		if err := q.Record(seq, res); err != nil && !errors.Is(err, queue.ErrNotPending) {
			return fmt.Errorf("record @%s as not found: %w", nf.Username, err)
		}
	}
	for _, seq := range p.confirmed {
		if err := q.Record(seq, queue.Result{State: queue.Done, Reason: queue.ReasonConfirmed}); err != nil && !errors.Is(err, queue.ErrNotPending) {
			return fmt.Errorf("record target %d as unfollowed: %w", seq, err)
		}
	}
	if _, err := q.SetUsernames(p.usernames); err != nil {
		return err
	}
	for _, reason := range []string{queue.ReasonOwnAccount, queue.ReasonKept, queue.ReasonNotFollowing} {
		seqs := p.skips[reason]
		for len(seqs) > 0 {
			n := min(len(seqs), 10000)
			if _, err := q.MarkSkipped(seqs[:n], reason); err != nil {
				return fmt.Errorf("mark targets skipped (%s): %w", reason, err)
			}
			seqs = seqs[n:]
		}
	}
	return nil
}

// decide returns why target t is skipped ("" if it is not) and whether it
// will be sent.
func (p *preparation) decide(t queue.Target) (reason string, send bool) {
	if p.duplicates[t.Seq] {
		return "", false // skipped as a duplicate when its handle is resolved
	}
	id, username := t.ID, t.Username
	if u, ok := p.resolved[t.Seq]; ok {
		id, username = u.ID, u.Username
	}
	if id == "" {
		return "", false // an @handle that did not resolve (yet): failed, dry-run or left for later
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if username == "" && err == nil {
		username = p.followed[n] // the following list names it
	}
	switch {
	case id == p.me.ID:
		return queue.ReasonOwnAccount, false
	case p.keep.has(id, t.Handle, username):
		return queue.ReasonKept, false
	case p.followed != nil:
		if _, ok := p.followed[n]; err == nil && !ok {
			return queue.ReasonNotFollowing, false
		}
	}
	return "", true
}

// resolveHandles looks up the @handle targets with /2/users/by (100 per
// request, each waiting for the window): found ones get their id, unknown
// ones fail as not found. It writes nothing: apply does.
func (p *preparation) resolveHandles(ctx context.Context, q *queue.Store, api reader, targets []queue.Target) error {
	if len(targets) == 0 {
		return nil
	}
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		names = append(names, t.Handle)
	}
	users, notFound, err := api.usersByAll(ctx, names)
	if err != nil {
		return fmt.Errorf("resolve %d @handles: %w", len(names), err)
	}
	byName := map[string]apiclient.User{}
	for _, u := range users {
		byName[strings.ToLower(u.Username)] = u
	}
	missing := map[string]apiclient.NotFound{}
	for _, nf := range notFound {
		missing[strings.ToLower(nf.Username)] = nf
	}
	for _, t := range targets {
		name := strings.ToLower(t.Handle)
		if u, ok := byName[name]; ok {
			p.resolved[t.Seq] = u
			// An id already queued (or claimed by an earlier handle) makes
			// this target a duplicate: Resolve will skip it, so it is no
			// request to count in the plan.
			other, found, err := q.Lookup(u.ID)
			if (err == nil && found && other.Seq != t.Seq) || p.claimed[u.ID] {
				p.duplicates[t.Seq] = true
			}
			p.claimed[u.ID] = true
			continue
		}
		nf, ok := missing[name]
		if !ok {
			nf = apiclient.NotFound{Username: t.Handle, Detail: "X returned neither the user nor an error for it"}
		}
		p.unknown[t.Seq] = nf
	}
	return nil
}

// readFollowing reads the account's following list. A failure that is not
// about the account only turns the prefilter off: unfollowing is idempotent,
// so sending everything is still correct, just slower.
func (p *preparation) readFollowing(ctx context.Context, log zerolog.Logger, api reader, userID string) (map[uint64]string, error) {
	followed := map[uint64]string{}
	err := walkFollowing(ctx, api, userID, func(pg apiclient.Page) {
		for _, u := range pg.Users {
			if n, err := strconv.ParseUint(u.ID, 10, 64); err == nil {
				followed[n] = u.Username
			}
		}
	})
	if err != nil {
		if c := apiclient.Classify(err); c.StopsRun() || c == apiclient.ClassCanceled {
			return nil, fmt.Errorf("read the following list: %w", err)
		}
		p.prefilterNote = "could not read the following list: " + err.Error()
		log.Warn().Err(err).Msg("could not read the following list; every pending target will be sent")
		return nil, nil
	}
	p.following = len(followed)
	return followed, nil
}

// walkFollowing calls fn with every page of userID's following list,
// trying each page again when it fails transiently.
func walkFollowing(ctx context.Context, api reader, userID string, fn func(apiclient.Page)) error {
	seen := map[string]bool{}
	token := ""
	for {
		var pg apiclient.Page
		err := api.do(ctx, apiclient.EndpointFollowing, "following", func() (err error) {
			pg, err = api.api.Following(ctx, userID, token)
			return err
		})
		if err != nil {
			return err
		}
		fn(pg)
		if pg.NextToken == "" {
			return nil
		}
		if seen[pg.NextToken] {
			return fmt.Errorf("following %s: %w", userID, apiclient.ErrPaginationLoop)
		}
		seen[pg.NextToken] = true
		token = pg.NextToken
	}
}

// keepList is the set of accounts never to unfollow.
type keepList struct {
	ids     map[string]bool
	handles map[string]bool // lowercased
}

func (k *keepList) has(id, handle, username string) bool {
	if k == nil {
		return false
	}
	return k.ids[id] || (handle != "" && k.handles[strings.ToLower(handle)]) ||
		(username != "" && k.handles[strings.ToLower(username)])
}

// readKeepList reads --keep FILE (any import format). With resolve, its
// @handles are looked up (100 per request, waiting for the window) so a
// kept account is recognised by id too; without (the following list names
// every followed account), handles are matched by username.
func readKeepList(ctx context.Context, log zerolog.Logger, api reader, path string, resolve bool) (*keepList, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, withExit(exitBadInput, fmt.Errorf("read keep-list: %w", err), "")
	}
	defer f.Close()
	k := &keepList{ids: map[string]bool{}, handles: map[string]bool{}}
	var names []string
	err = input.Read(f, path, input.Auto, input.Options{}, func(e input.Entry) error {
		if e.Handle != "" {
			k.handles[strings.ToLower(e.Handle)] = true
			names = append(names, e.Handle)
		} else {
			k.ids[strconv.FormatUint(e.ID, 10)] = true
		}
		return nil
	})
	var bad *input.InvalidError
	if errors.As(err, &bad) {
		var b strings.Builder
		fmt.Fprintf(&b, "keep-list %s has %d invalid entries:", path, bad.Total)
		for _, le := range bad.Errors {
			b.WriteString("\n  " + le.Error())
		}
		if more := bad.Total - len(bad.Errors); more > 0 {
			fmt.Fprintf(&b, "\n  ... and %d more", more)
		}
		return nil, withExit(exitBadInput, errors.New(b.String()), "fix the listed lines of "+path+" (same formats as import)")
	}
	if err != nil {
		return nil, fmt.Errorf("read keep-list: %w", err)
	}
	if len(names) > 0 && resolve {
		users, notFound, err := api.usersByAll(ctx, names)
		if err != nil {
			return nil, fmt.Errorf("resolve the keep-list's @handles: %w", err)
		}
		for _, u := range users {
			k.ids[u.ID] = true
		}
		for _, nf := range notFound {
			log.Warn().Str("handle", "@"+nf.Username).Msg("keep-list handle not found on X; kept by name only")
		}
	}
	log.Info().Int("ids", len(k.ids)).Int("handles", len(k.handles)).Str("file", path).Msg("keep-list read")
	return k, nil
}
