package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// Apply binds the queue to the account, reads the following list when the
// plan said so (kept in the queue as the job's snapshot, and the decisions
// made again with it), writes the decisions, then resolves the @handles
// left, writing each batch. A signal, the deadline or the budget during
// those reads is a stop (StopCanceled, StopDeadline, StopBudget: Err
// says why) with what was read kept; an error is a Client failure
// (KindOf) or a storage error.
func (j *Job) Apply(ctx context.Context) (StopReason, error) {
	if err := j.q.BindAccount(j.me.ID, j.me.Username); err != nil {
		return "", err
	}
	err := j.readList(ctx)
	if err == nil {
		if err = j.prep.apply(j.q); err != nil {
			return "", err
		}
		err = j.prep.resolveRest(ctx, j.opts.Log, j.q, j.read)
	}
	switch {
	case err == nil:
		return "", nil
	case ctx.Err() != nil:
		return StopCanceled, nil
	case errors.Is(err, ErrWindowPastDeadline):
		return StopDeadline, nil
	case isBudget(err):
		j.stopErr = err
		return StopBudget, nil
	}
	return "", err
}

// StopErr is why Apply stopped with StopBudget.
func (j *Job) StopErr() error { return j.stopErr }

// readList reads the following list when the plan chose to, saves it as
// the job's snapshot, and makes the decisions again with it (the list
// knows more than the sample did). A read that fails for a reason that
// does not stop the run leaves the decisions as they were: unfollowing is
// idempotent, so sending more is still correct, only dearer.
func (j *Job) readList(ctx context.Context) error {
	if !j.list.read {
		return nil
	}
	p := newPreparation(j.me)
	followed, err := p.readFollowing(ctx, j.opts.Log, j.read, j.me.ID, j.opts.Spending.listKind())
	if err != nil {
		return err
	}
	if followed == nil {
		// Decide without it: what the sample learnt stays, the keep-list's
		// @handles are looked up now.
		old := j.prep
		p.looked, p.resolved, p.unknown, p.roundTrip = old.looked, old.resolved, old.unknown, old.roundTrip
		p.duplicates, p.claimed = old.duplicates, old.claimed
		if err := p.prepare(ctx, j.opts.Log, j.q, j.read, j.opts.Keep); err != nil {
			return err
		}
		j.prep = p
		return nil
	}
	if err := j.q.SetFollowing(j.me.ID, j.opts.Clock.Now(), followed); err != nil {
		return err
	}
	p.followed, p.following, p.roundTrip = followed, len(followed), j.prep.roundTrip
	p.fresh = true
	if snap, ok, err := j.q.FollowingInfo(); err == nil && ok {
		p.covers = snap.Covers
	}
	if err := p.prepare(ctx, j.opts.Log, j.q, j.read, j.opts.Keep); err != nil {
		return err
	}
	j.prep = p
	return nil
}

// apply writes the decisions: resolved @handles get their ids, unknown ones
// fail as not found, targets an interrupted request already unfollowed are
// done, the rest of the decisions are skips.
func (p *preparation) apply(q *queue.Store) error {
	// In input order, so of two handles naming one account the first wins;
	// a handle decided a skip is resolved and skipped in one write.
	skipOf := map[uint64]string{}
	for reason, seqs := range p.skips {
		for _, seq := range seqs {
			if _, ok := p.resolved[seq]; ok {
				skipOf[seq] = reason
			}
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(p.resolved)) {
		u := p.resolved[seq]
		var err error
		if reason := skipOf[seq]; reason != "" {
			err = q.ResolveSkipped(seq, u.ID, u.Username, reason)
		} else {
			err = q.Resolve(seq, u.ID, u.Username)
		}
		if err != nil && !errors.Is(err, queue.ErrNotPending) {
			return fmt.Errorf("record @%s as %s: %w", u.Username, u.ID, err)
		}
	}
	for seq, nf := range p.unknown {
		info := &queue.ErrorInfo{Type: nf.Type, Title: nf.Title, Detail: nf.Detail}
		res := queue.Result{State: queue.Failed, Reason: queue.ReasonNotFound, Err: info, CountAttempt: true}
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
		n := min(len(handles), MaxUsernamesPerRequest)
		batch := newPreparation(p.me)
		batch.keep, batch.followed, batch.sending = p.keep, p.followed, p.sending
		batch.covers, batch.fresh = p.covers, p.fresh
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
