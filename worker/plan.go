package worker

import (
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
)

// Plan is what a prepared run is about to do, for a person to confirm:
// the decisions made before sending, and an estimate of the drain.
type Plan struct {
	Account User
	Queue   string       // the queue file
	Counts  queue.Counts // the queue before anything is written

	Resolved    int // @handles resolved before the plan
	NotFound    int // @handles X does not know
	HandlesLeft int // @handles resolved after the confirmation (more than fit before it)
	Duplicates  int // @handles naming accounts already queued
	Confirmed   int // targets an interrupted run's request already unfollowed
	Kept        int // on the keep-list
	OwnAccount  int // the account itself
	// Following is the size of the account's following list (-1: not
	// read); NotFollowing the targets it lacks, skipped without a request.
	Following, NotFollowing int
	PrefilterNote           string // why the following list was not read, if it was not

	Send     int        // targets to send
	Sendable int        // of those, how many this run can send (max, deadline, daily cap)
	StopBy   StopReason // why not all, if not all
	// Finish is when the last request of this run is expected to be
	// answered: the limiter's waits plus a round trip per request.
	Finish time.Time
	// NextAt, when the deadline or a 24-hour limit stops the run before
	// all are sent, is when the first request left over could go (the
	// window's or the cap's reopening).
	NextAt time.Time
	// RoundTrip is the time one request is expected to take (the
	// sign-in's own round trip), counted in Finish.
	RoundTrip time.Duration
	Rate      ratelimit.Rate   // the pace before X's headers are known
	Status    ratelimit.Status // the limiter now (restored window, daily use)
	Now       time.Time
}

// makePlan estimates the run: how many requests, and when the last one
// goes, by stepping a copy of the limiter through them.
func makePlan(me User, path string, c queue.Counts, p *preparation, lim *ratelimit.Limiter, now time.Time, o JobOptions) Plan {
	pl := Plan{
		Account: me, Queue: path, Counts: c,
		Resolved: len(p.resolved), NotFound: len(p.unknown), HandlesLeft: p.handlesLeft,
		Duplicates: len(p.duplicates), Confirmed: len(p.confirmed),
		Kept: len(p.skips[queue.ReasonKept]), OwnAccount: len(p.skips[queue.ReasonOwnAccount]),
		Following: p.following, NotFollowing: p.saved(), PrefilterNote: p.prefilterNote,
		Send: p.toSend, Rate: o.Rate, Status: lim.Status(now), Now: now,
		RoundTrip: p.roundTrip,
	}
	n := p.toSend
	if o.Max > 0 && o.Max < n {
		n, pl.StopBy = o.Max, StopMaxReached
	}
	est := estimateDrain(lim.Clone(), now, n, o.Deadline, o.Jitter/2, p.roundTrip)
	pl.Sendable, pl.Finish = est.sendable, est.finish
	if est.stop != "" {
		pl.StopBy, pl.NextAt = est.stop, est.next
	}
	return pl
}

// drainEstimate is estimateDrain's answer.
type drainEstimate struct {
	sendable int        // requests that fit before a stop
	finish   time.Time  // when the last of them is answered
	stop     StopReason // what stops the rest, if anything
	next     time.Time  // when the first request left over could go (with stop)
}

// estimateDrain steps lim through n requests from now and says how many
// fit before a stop (daily cap, deadline) and when the last one is
// answered. pause is the expected extra pause before each request (half of
// the jitter), rtt the time a request takes (the next one is considered
// when the answer is in, as the drain does). It applies the drain's own
// rules (StopsForDaily, the deadline check of waitTurn), so the plan and
// the run agree.
func estimateDrain(lim *ratelimit.Limiter, now time.Time, n int, deadline time.Time, pause, rtt time.Duration) drainEstimate {
	last := now
	for i := 0; i < n; i++ {
		d, why := lim.Delay(now)
		if StopsForDaily(d, why, false) {
			return drainEstimate{i, last, StopDailyCap, now.Add(d)}
		}
		if !deadline.IsZero() && !now.Add(d+pause).Before(deadline) {
			// (the worker's jitter comes after the limiter's wait)
			return drainEstimate{i, last, StopDeadline, now.Add(d)}
		}
		now = now.Add(d + pause)
		lim.Take(now)
		now = now.Add(rtt)
		last = now
	}
	return drainEstimate{n, last, "", time.Time{}}
}
