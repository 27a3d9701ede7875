package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// Prepare asks X who is signed in, checks that the queue belongs to that
// account, decides whether to decide with the following list (the job's
// snapshot, or a read after the confirmation when it is worth its price;
// see chooseList), makes the decisions it can before sending (the
// keep-list, @handles the list names, the targets an interrupted run
// already unfollowed), then estimates the drain and its cost. It writes no
// decision: only what it spent (and the prefilter's sample) is recorded.
//
// Errors: *queue.AccountMismatchError when the queue belongs to another
// account; *BudgetError when a read could pass the budget; ErrWindowPastDeadline when a read's window reopens only after
// the deadline; a Client failure (KindOf); a storage error.
func Prepare(ctx context.Context, q *queue.Store, api Client, o JobOptions) (*Job, error) {
	if o.Clock == nil {
		o.Clock = SystemClock()
	}
	if o.Windows == nil {
		o.Windows = NewReadWindows(o.Clock.Now)
	}
	if o.Start.IsZero() {
		o.Start = o.Clock.Now()
	}
	if o.Prefilter == "" {
		o.Prefilter = PrefilterAuto
	}
	j := &Job{q: q, api: api, opts: o, start: o.Start}
	lim, err := ratelimit.New(ratelimit.Config{Rate: o.Rate, DailyCap: o.DailyCap, AdoptServerLimit: o.AdoptServerLimit})
	if err != nil {
		return nil, err
	}
	if j.led, err = newLedger(q, o.Spending, o.Clock.Now); err != nil {
		return nil, err
	}
	spentBefore := j.led.spent
	j.spentAtStart = spentBefore
	o.Windows.restore(q)
	j.read = reader{api: api, clock: o.Clock, log: o.Log, attempts: o.MaxAttempts, windows: o.Windows, deadline: o.Deadline, led: j.led}
	asked := o.Clock.Now()
	if j.me, err = j.read.me(ctx); err != nil {
		return nil, fmt.Errorf("ask X who is signed in: %w", err)
	}
	// The sign-in's round trip is the plan's measure of a request's (a
	// retried one's backoff is no part of it: bounded by the timeout).
	roundTrip := o.Clock.Now().Sub(asked)
	if o.RequestTimeout > 0 {
		roundTrip = min(roundTrip, o.RequestTimeout)
	}
	if err := checkAccount(q, j.me); err != nil {
		return nil, err
	}
	o.Log.Info().Str("account", "@"+j.me.Username).Str("id", j.me.ID).Str("auth", o.Credential).Msg("signed in")
	counts, err := q.Counts()
	if err != nil {
		return nil, err
	}
	p := newPreparation(j.me)
	if j.list, err = j.chooseList(ctx, p, counts); err != nil {
		return nil, err
	}
	p.listPending = j.list.read
	if err := p.prepare(ctx, o.Log, q, j.read, o.Keep); err != nil {
		return nil, err
	}
	j.prep = p
	j.prep.roundTrip = max(roundTrip, 0)
	if k := o.Keep; k != nil {
		o.Log.Info().Int("ids", len(k.ids)).Int("handles", len(k.handles)).Str("file", k.path).Msg("keep-list read")
	}
	if raw, err := q.LimiterState(); err == nil {
		_ = lim.RestoreJSON(raw) // a stale or foreign state only costs a slower start (Drain warns)
	}
	j.lim = lim
	sp := planSpend{list: j.list, spent: j.led.spent, preparing: j.led.spent - spentBefore, notFollowed: -1}
	if sm, ok, err := q.Sample(); err == nil && ok && sm.IDs > 0 {
		sp.notFollowed = rate(sm.IDsNotFollowed, sm.IDs)
	}
	j.plan = makePlan(j.me, q.Path(), counts, j.prep, lim, o.Clock.Now(), o, sp)
	return j, nil
}

// checkAccount refuses a queue bound to another account. It writes
// nothing: an unbound queue is bound by Apply.
func checkAccount(q *queue.Store, me User) error {
	id, name, err := q.Account()
	if err != nil {
		return err
	}
	if id != "" && id != me.ID {
		return &queue.AccountMismatchError{BoundID: id, BoundUsername: name, ID: me.ID, Username: me.Username}
	}
	return nil
}

// preparation is what a run decides before sending anything: which
// @handles resolve, which targets are kept, the account itself, not
// followed, or already unfollowed by an interrupted run. It is computed
// without writing; apply writes it.
type preparation struct {
	resolved   map[uint64]User        // seq of an @handle target → its account
	looked     map[uint64]User        // seq of an id target looked up (the prefilter's sample) → its account
	duplicates map[uint64]bool        // resolved @handle targets naming an account already queued
	unknown    map[uint64]UnknownUser // seq of an @handle target that did not resolve
	skips      map[string][]uint64    // reason → pending targets to skip
	toSend     int                    // pending targets that will be sent
	confirmed  []uint64               // pending targets found already unfollowed (queue.ReasonConfirmed)
	usernames  map[uint64]string      // pending targets to send → username from the following list
	following  int                    // size of the account's following list; -1 unread
	roundTrip  time.Duration          // a request's expected time, for the plan
	// handlesLeft are the pending @handles left for resolveRest once the
	// run is confirmed (lookups cost money: none is made for the plan).
	handlesLeft int

	// What the decisions are made from, kept for resolveRest.
	me       User
	keep     *KeepList
	followed map[string]string // id → username; nil without the prefilter
	sending  uint64            // the target in flight when the last run died
	// listPending says the following list is read after the confirmation:
	// until then the keep-list's @handles are not looked up.
	listPending bool
	// covers is the last target the following list speaks for (queued
	// when it was read; later ones may have been followed since); fresh
	// says this run read it, so its usernames are current.
	covers  uint64
	fresh   bool
	claimed map[string]bool // ids resolved for a handle of this run (not yet written)
}

// newPreparation returns an empty preparation deciding for me.
func newPreparation(me User) *preparation {
	return &preparation{
		resolved:   map[uint64]User{},
		looked:     map[uint64]User{},
		duplicates: map[uint64]bool{},
		usernames:  map[uint64]string{},
		unknown:    map[uint64]UnknownUser{},
		skips:      map[string][]uint64{},
		following:  -1,
		me:         me,
		claimed:    map[string]bool{},
	}
}

// saved is how many requests the prefilter saved.
func (p *preparation) saved() int { return len(p.skips[queue.ReasonNotFollowing]) }

// prepare decides, without writing anything: with the following list
// (p.followed: targets the account does not follow are skipped, @handles
// are resolved by the usernames it gives), or without it (the keep-list's
// @handles are looked up; pending @handles are left for resolveRest, after
// the confirmation); and never sends the account's own id. apply writes
// the decisions, once the person has confirmed the plan.
func (p *preparation) prepare(ctx context.Context, log zerolog.Logger, q *queue.Store, api reader, keep *KeepList) error {
	// With a following list this run read, a kept @handle is recognised
	// by the username the list gives each account: no lookup needed (nor
	// when the list is read once the run is confirmed). An older snapshot's
	// usernames may have changed since: the keep-list is looked up.
	if (p.followed == nil || !p.fresh) && !p.listPending {
		if err := keep.resolve(ctx, log, api); err != nil {
			return err
		}
	}
	p.keep = keep
	handles, err := q.Unresolved()
	if err != nil {
		return fmt.Errorf("read unresolved handles: %w", err)
	}
	if p.followed != nil {
		p.resolveFromList(q, handles)
	}
	for _, t := range handles {
		_, resolved := p.resolved[t.Seq]
		_, unknown := p.unknown[t.Seq]
		if !resolved && !unknown && !keep.has("", t.Handle, "") && !p.listSays(t) {
			p.handlesLeft++
		}
	}
	p.sending = q.Sending()
	var after uint64
	for {
		page, err := q.Pending(after, 1000)
		if err != nil {
			return fmt.Errorf("read pending targets: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, t := range page {
			after = t.Seq
			p.consider(t)
		}
	}
	return nil
}

// listSays reports whether the following list decides target t: it is
// read, and t was queued before it was (for an @handle: in this run, so
// that a handle it lacks is one the account does not follow by that name).
func (p *preparation) listSays(t queue.Target) bool {
	if p.followed == nil || t.Seq > p.covers {
		return false
	}
	return t.ID != "" || p.fresh
}

// resolveFromList resolves @handle targets by the usernames of the
// following list, without a request: a handle the list lacks names an
// account the signed-in one does not follow (decide skips it).
func (p *preparation) resolveFromList(q *queue.Store, handles []queue.Target) {
	byName := make(map[string]User, len(p.followed))
	for id, name := range p.followed {
		byName[strings.ToLower(name)] = User{ID: id, Username: name, Followed: FollowedYes}
	}
	for _, t := range handles {
		if u, ok := byName[strings.ToLower(t.Handle)]; ok {
			p.found(q, t, u)
		}
	}
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
		if t.Username == "" && t.ID != "" && p.followed[t.ID] != "" {
			p.usernames[t.Seq] = p.followed[t.ID]
		}
	}
}

// decide returns why target t is skipped ("" if it is not) and whether it
// will be sent. The account itself is decided here, before the plan; the
// drain still refuses to send it (a target resolved after the plan).
func (p *preparation) decide(t queue.Target) (reason string, send bool) {
	if p.duplicates[t.Seq] {
		return "", false // skipped as a duplicate when its handle is resolved
	}
	id, username := t.ID, t.Username
	u, looked := p.resolved[t.Seq]
	if looked {
		id, username = u.ID, u.Username
	} else {
		u, looked = p.looked[t.Seq]
	}
	if _, unknown := p.unknown[t.Seq]; unknown {
		return "", false // X knows no such account: failed as not found
	}
	if id == "" {
		if p.keep.has("", t.Handle, "") {
			return queue.ReasonKept, false // no lookup needed to keep it
		}
		if p.listSays(t) {
			return queue.ReasonNotFollowing, false // the list has no account of that name
		}
		return "", false // an @handle left for a lookup (or a dry run)
	}
	if username == "" {
		username = p.followed[id] // the following list names it
	}
	switch {
	case isOwnAccount(id, p.me.ID):
		return queue.ReasonOwnAccount, false
	case p.keep.has(id, t.Handle, username):
		return queue.ReasonKept, false
	case p.listSays(t):
		if _, ok := p.followed[id]; !ok {
			return queue.ReasonNotFollowing, false
		}
	case looked && u.Followed == FollowedNo:
		return queue.ReasonNotFollowing, false // X's connection_status
	}
	return "", true
}

// isOwnAccount is the one rule that keeps a run from unfollowing the
// signed-in account itself: the plan skips it, and so does the drain.
func isOwnAccount(id, me string) bool { return id != "" && id == me }

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
	users, notFound, err := api.usersBy(ctx, names)
	if err != nil {
		return fmt.Errorf("resolve %d @handles: %w", len(names), err)
	}
	byName := map[string]User{}
	for _, u := range users {
		byName[strings.ToLower(u.Username)] = u
	}
	missing := map[string]UnknownUser{}
	for _, nf := range notFound {
		missing[strings.ToLower(nf.Username)] = nf
	}
	for _, t := range targets {
		name := strings.ToLower(t.Handle)
		if u, ok := byName[name]; ok {
			p.found(q, t, u)
			continue
		}
		nf, ok := missing[name]
		if !ok {
			nf = UnknownUser{Username: t.Handle, Detail: "X returned neither the user nor an error for it"}
		}
		p.unknown[t.Seq] = nf
	}
	return nil
}

// found records that @handle target t names account u.
func (p *preparation) found(q *queue.Store, t queue.Target, u User) {
	p.resolved[t.Seq] = u
	// An id already queued (or claimed by an earlier handle) makes this
	// target a duplicate: Resolve will skip it, so it is no request to
	// count in the plan.
	other, found, err := q.Lookup(u.ID)
	if (err == nil && found && other.Seq != t.Seq) || p.claimed[u.ID] {
		p.duplicates[t.Seq] = true
	}
	p.claimed[u.ID] = true
}

// readFollowing reads the account's following list. A failure that is not
// about the account only turns the prefilter off: unfollowing is
// idempotent, so sending everything is still correct, just slower.
func (p *preparation) readFollowing(ctx context.Context, log zerolog.Logger, api reader, userID string, kind spend.Kind) (map[string]string, error) {
	followed := map[string]string{}
	err := api.walkFollowing(ctx, userID, kind, func(pg Page) {
		for _, u := range pg.Users {
			followed[u.ID] = u.Username
		}
	})
	if err != nil {
		// (A window reopening after the deadline stops the run too: the
		// next run reads the list rather than paying for what it skips.)
		if KindOf(err).StopsRun() || isBudget(err) || errors.Is(err, ErrWindowPastDeadline) {
			return nil, fmt.Errorf("read the following list: %w", err)
		}
		log.Warn().Err(err).Msg("could not read the following list; every pending target will be sent")
		return nil, nil
	}
	p.following = len(followed)
	return followed, nil
}

// add counts b's decisions (already applied) in p.
func (p *preparation) add(b *preparation) {
	maps.Copy(p.resolved, b.resolved)
	maps.Copy(p.looked, b.looked)
	maps.Copy(p.duplicates, b.duplicates)
	maps.Copy(p.unknown, b.unknown)
	for r, seqs := range b.skips {
		p.skips[r] = append(p.skips[r], seqs...)
	}
	p.confirmed = append(p.confirmed, b.confirmed...)
	p.toSend += b.toSend
}
