package worker

import (
	"math"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
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
	// Prefilter is the prefilter's decision and why, in money: the job's
	// snapshot, reading the list after the confirmation, or not.
	Prefilter string
	// ReadsList says the run reads the following list once confirmed: the
	// counts above are then decided without it, and Cost expects what it
	// will skip.
	ReadsList bool

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
	Cost      Cost
}

// Cost is what the job has spent and is expected to spend, at the run's
// prices (zero when spend is not counted).
type Cost struct {
	// Spent is the job's spend so far, over every run, Preparing included:
	// what preparing this plan cost (the sign-in, a sample of the targets).
	Spent, Preparing spend.Amount
	// What this run is expected to spend once confirmed: reading the
	// following list, looking up the @handles left (at most: X bills only
	// the accounts it finds), and the unfollows it can send.
	List, Lookups, Unfollows spend.Amount
	// Later is the unfollows left for later runs (the daily cap, --max,
	// the deadline or the budget stop this one first).
	Later  spend.Amount
	Budget spend.Amount // 0: none
	// Unfollowed is how many unfollows Unfollows counts (an estimate
	// when the list is read after the confirmation).
	Unfollowed int
	// AtMost says the figures are upper bounds: some targets counted will
	// be skipped (the list is read once confirmed and no sample says how
	// many it skips; @handles are looked up, X bills only those it finds).
	AtMost bool
}

// Run is what this run is expected to spend.
func (c Cost) Run() spend.Amount { return c.List + c.Lookups + c.Unfollows }

// Job is what the whole job is expected to have spent when it is done.
func (c Cost) Job() spend.Amount { return c.Spent + c.Run() + c.Later }

// planSpend is what the plan's cost is made from.
type planSpend struct {
	list             listChoice
	spent, preparing spend.Amount // the job's spend; of it, what preparing this plan cost
	// notFollowed is the share of id targets the sample found not
	// followed (-1: no sample).
	notFollowed float64
}

// makePlan estimates the run: how many requests, when the last one goes
// (stepping a copy of the limiter through them), and what it costs.
func makePlan(me User, path string, c queue.Counts, p *preparation, lim *ratelimit.Limiter, now time.Time, o JobOptions, sp planSpend) Plan {
	pl := Plan{
		Account: me, Queue: path, Counts: c,
		Resolved: len(p.resolved), NotFound: len(p.unknown), HandlesLeft: p.handlesLeft,
		Duplicates: len(p.duplicates), Confirmed: len(p.confirmed),
		Kept: len(p.skips[queue.ReasonKept]), OwnAccount: len(p.skips[queue.ReasonOwnAccount]),
		Following: p.following, NotFollowing: p.saved(),
		Prefilter: sp.list.note, ReadsList: sp.list.read,
		Send: p.toSend, Rate: o.Rate, Status: lim.Status(now), Now: now,
		RoundTrip: p.roundTrip,
	}
	if sp.list.read && pl.Following < 0 && me.FollowingCount >= 0 {
		pl.Following = me.FollowingCount
	}
	cost := Cost{Spent: sp.spent, Preparing: sp.preparing, Budget: o.Spending.Budget}
	if sp.list.read {
		cost.List = sp.list.cost
	} else {
		cost.Lookups = o.Spending.Prices.Of(spend.UserRead).Times(p.handlesLeft)
	}
	// The unfollows: every target to send, and every @handle left (at
	// most: some are not followed, or unknown); with the list still to
	// read, less the share the sample found not followed.
	sends := p.toSend + p.handlesLeft
	if sp.list.read && sp.notFollowed > 0 {
		// (the share of the ids the sample did not look up)
		sends -= int(math.Round(float64(max(p.toSend-len(p.looked), 0)) * sp.notFollowed))
	}
	price := o.Spending.unfollowPrice()
	affordable := -1 // no budget
	if b := o.Spending.Budget; b > 0 && o.Spending.on() && price > 0 {
		affordable = int(max(b-cost.Spent-cost.List-cost.Lookups, 0) / price)
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
	if affordable >= 0 && pl.Sendable > affordable {
		pl.Sendable, pl.StopBy = affordable, StopBudget
	}

	runN := sends
	if pl.StopBy != "" {
		runN = min(runN, pl.Sendable) // the cap, the deadline or the budget stops this run there
	}
	if o.Max > 0 {
		runN = min(runN, o.Max)
	}
	if affordable >= 0 {
		runN = min(runN, affordable)
	}
	cost.AtMost = (sp.list.read && sp.notFollowed < 0) || p.handlesLeft > 0
	cost.Unfollowed = runN
	cost.Unfollows = price.Times(runN)
	cost.Later = price.Times(sends - runN)
	pl.Cost = cost
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
