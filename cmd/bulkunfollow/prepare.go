package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/input"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// Skip reasons recorded in the queue (and shown by status/export).
const (
	reasonKept         = "kept"
	reasonOwnAccount   = "own account"
	reasonNotFollowing = "not following"
	reasonNotFound     = "not found"
	// reasonConfirmed finishes as done a target whose earlier request may
	// have taken effect unrecorded (the run died while it was in flight, or
	// an attempt failed in transit) and that the following list no longer
	// holds: the request did its work.
	reasonConfirmed = "unfollowed (confirmed by the following list)"
)

// lookupAPI is what preparation needs of the API client.
type lookupAPI interface {
	Me(ctx context.Context) (apiclient.User, error)
	UsersByUsernames(ctx context.Context, names []string) ([]apiclient.User, []apiclient.NotFound, error)
	Following(ctx context.Context, userID, pageToken string) (apiclient.Page, error)
}

// reader makes preparation's read requests (who am I, handles, the
// following list), trying each again when it fails transiently (5xx, a
// dropped connection, a timeout): they are reads, safe to repeat, and one
// 503 should not end a run that has not started. Waits are on the run's
// clock, with exponential backoff and full jitter.
type reader struct {
	api      lookupAPI
	clock    worker.Clock
	log      zerolog.Logger
	attempts int // tries per request; < 1 means 1
}

// readBackoffBase and readBackoffCap bound the wait between tries.
const (
	readBackoffBase = 2 * time.Second
	readBackoffCap  = time.Minute
)

// do calls fn until it succeeds, fails for a reason other than a transient
// one, or has been tried r.attempts times; it returns fn's last error.
func (r reader) do(ctx context.Context, what string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt >= r.attempts || apiclient.Classify(err) != apiclient.ClassTransient {
			return err
		}
		ceil := min(readBackoffCap, readBackoffBase<<min(attempt-1, 16))
		d := time.Duration(rand.Int64N(int64(ceil) + 1))
		r.log.Warn().Err(err).Str("request", what).Int("attempt", attempt).Dur("wait", d).Msg("request failed; trying again")
		if err := r.clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// me asks who is signed in.
func (r reader) me(ctx context.Context) (apiclient.User, error) {
	var u apiclient.User
	err := r.do(ctx, "users/me", func() (err error) {
		u, err = r.api.Me(ctx)
		return err
	})
	return u, err
}

// usersBy resolves usernames.
func (r reader) usersBy(ctx context.Context, names []string) ([]apiclient.User, []apiclient.NotFound, error) {
	var users []apiclient.User
	var nf []apiclient.NotFound
	err := r.do(ctx, "users/by", func() (err error) {
		users, nf, err = r.api.UsersByUsernames(ctx, names)
		return err
	})
	return users, nf, err
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
	confirmed     []uint64                      // pending targets found already unfollowed (reasonConfirmed)
	usernames     map[uint64]string             // pending targets to send → username from the following list
	following     int                           // size of the account's following list; -1 unread
	prefilterNote string                        // why the prefilter did not run, if it did not
}

// saved is how many requests the prefilter saved.
func (p *preparation) saved() int { return len(p.skips[reasonNotFollowing]) }

// prepare decides, without writing anything: it resolves @handles, reads
// the keep-list, never sends the account's own id, and (when prefilter is
// on) skips targets the account does not follow. apply writes the
// decisions, once the person has confirmed the plan.
func prepare(ctx context.Context, log zerolog.Logger, q *queue.Store, api reader, me apiclient.User, keepFile string, prefilter bool) (*preparation, error) {
	p := &preparation{
		resolved:   map[uint64]apiclient.User{},
		duplicates: map[uint64]bool{},
		usernames:  map[uint64]string{},
		unknown:    map[uint64]apiclient.NotFound{},
		skips:      map[string][]uint64{},
		following:  -1,
	}
	if err := p.resolveHandles(ctx, log, q, api); err != nil {
		return nil, err
	}
	keep, err := readKeepList(ctx, log, api, keepFile)
	if err != nil {
		return nil, err
	}
	var followed map[uint64]string // id → username
	if prefilter {
		followed, err = p.readFollowing(ctx, log, api, me.ID)
		if err != nil {
			return nil, err
		}
	} else {
		p.prefilterNote = "turned off (--no-prefilter)"
	}
	sending := sendingSeq(q)
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
			reason, send := p.decide(t, me, keep, followed)
			if reason == reasonNotFollowing && mayHaveTakenEffect(t, sending) {
				p.confirmed = append(p.confirmed, t.Seq)
				continue
			}
			if reason != "" {
				p.skips[reason] = append(p.skips[reason], t.Seq)
			}
			if send {
				p.toSend++
				// Name it from the following list, so export (the list to
				// re-follow from) says who it was.
				if t.Username == "" && t.ID != "" {
					if n, err := strconv.ParseUint(t.ID, 10, 64); err == nil && followed[n] != "" {
						p.usernames[t.Seq] = followed[n]
					}
				}
			}
		}
	}
	return p, nil
}

// mayHaveTakenEffect reports whether an earlier request for t may have
// unfollowed it without the answer being recorded: it was in flight when
// the last run died, or one of its attempts got no answer (the worker's
// sticky reason, kept even if a later attempt got a 503), or X said "still
// following" (it did act on the request).
func mayHaveTakenEffect(t queue.Target, sending uint64) bool {
	switch {
	case t.Seq == sending, t.Reason == worker.ReasonOutcomeUnknown, t.Reason == "still following":
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
		res := queue.Result{State: queue.Failed, Reason: reasonNotFound, Err: errorInfo(nf), CountAttempt: true}
		if err := q.Record(seq, res); err != nil && !errors.Is(err, queue.ErrNotPending) {
			return fmt.Errorf("record @%s as not found: %w", nf.Username, err)
		}
	}
	for _, seq := range p.confirmed {
		if err := q.Record(seq, queue.Result{State: queue.Done, Reason: reasonConfirmed}); err != nil && !errors.Is(err, queue.ErrNotPending) {
			return fmt.Errorf("record target %d as unfollowed: %w", seq, err)
		}
	}
	if _, err := q.SetUsernames(p.usernames); err != nil {
		return err
	}
	for _, reason := range []string{reasonOwnAccount, reasonKept, reasonNotFollowing} {
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

// sendingSeq is the target whose request was last sent (0 if unknown): if
// the last run died before recording its answer, it may have taken effect.
func sendingSeq(q *queue.Store) uint64 {
	raw, err := q.Meta(worker.MetaSending)
	if err != nil || len(raw) == 0 {
		return 0
	}
	seq, _ := strconv.ParseUint(string(raw), 10, 64)
	return seq
}

// decide returns why target t is skipped ("" if it is not) and whether it
// will be sent.
func (p *preparation) decide(t queue.Target, me apiclient.User, keep *keepList, followed map[uint64]string) (reason string, send bool) {
	if p.duplicates[t.Seq] {
		return "", false // skipped as a duplicate when its handle is resolved
	}
	id, username := t.ID, t.Username
	if u, ok := p.resolved[t.Seq]; ok {
		id, username = u.ID, u.Username
	}
	if id == "" {
		return "", false // an @handle that did not resolve: failed, or dry-run
	}
	switch {
	case id == me.ID:
		return reasonOwnAccount, false
	case keep.has(id, t.Handle, username):
		return reasonKept, false
	case followed != nil:
		n, err := strconv.ParseUint(id, 10, 64)
		if _, ok := followed[n]; err == nil && !ok {
			return reasonNotFollowing, false
		}
	}
	return "", true
}

// resolveHandles looks up every pending @handle with /2/users/by (100 per
// call): found ones get their id, unknown ones fail as not found.
func (p *preparation) resolveHandles(ctx context.Context, log zerolog.Logger, q *queue.Store, api reader) error {
	targets, err := q.Unresolved()
	if err != nil {
		return fmt.Errorf("read unresolved handles: %w", err)
	}
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
	byName := map[string]apiclient.User{}
	for _, u := range users {
		byName[strings.ToLower(u.Username)] = u
	}
	missing := map[string]apiclient.NotFound{}
	for _, nf := range notFound {
		missing[strings.ToLower(nf.Username)] = nf
	}
	claimed := map[string]bool{} // ids resolved for an earlier handle of this run
	for _, t := range targets {
		name := strings.ToLower(t.Handle)
		if u, ok := byName[name]; ok {
			p.resolved[t.Seq] = u
			// An id already queued (or claimed by an earlier handle) makes
			// this target a duplicate: Resolve will skip it, so it is no
			// request to count in the plan.
			other, found, err := q.Lookup(u.ID)
			if (err == nil && found && other.Seq != t.Seq) || claimed[u.ID] {
				p.duplicates[t.Seq] = true
			}
			claimed[u.ID] = true
			continue
		}
		nf, ok := missing[name]
		if !ok {
			nf = apiclient.NotFound{Username: t.Handle, Detail: "X returned neither the user nor an error for it"}
		}
		p.unknown[t.Seq] = nf
	}
	log.Info().Int("resolved", len(p.resolved)).Int("not_found", len(p.unknown)).Msg("resolved @handles")
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
		err := api.do(ctx, "following", func() (err error) {
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

// readKeepList reads --keep FILE (any import format) and resolves its
// @handles to ids, so a kept account is recognised however it was listed.
func readKeepList(ctx context.Context, log zerolog.Logger, api reader, path string) (*keepList, error) {
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
	if len(names) > 0 {
		users, notFound, err := api.usersBy(ctx, names)
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
