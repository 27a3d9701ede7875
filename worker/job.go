package worker

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// A Job is one run of a queue, as a library call in five steps:
//
//	job, err := worker.Prepare(ctx, q, client, opts) // sign in, read, decide; writes nothing
//	plan := job.Plan()                               // show it, ask
//	stop, err := job.Apply(ctx)                      // bind, write the decisions, resolve the rest
//	sum, err := job.Drain(ctx, onEvent)              // send, checkpoint every answer
//	job.Record(sum, exitCode, message)               // the run record
//
// Apply and Drain are skipped when the person says no (nothing is then
// written). The files of this package follow the steps: prepare.go,
// plan.go, apply.go, worker.go (the drain), record.go.
type Job struct {
	q     *queue.Store
	api   Client
	opts  JobOptions
	read  reader
	me    User
	prep  *preparation
	lim   *ratelimit.Limiter
	plan  Plan
	start time.Time
	led   *ledger
	list  listChoice
	// stopErr is why Apply stopped, when a *BudgetError did.
	stopErr      error
	spentAtStart spend.Amount // the job's spend when Prepare began
}

// JobOptions tune a Job. Deadline, Max, Jitter, MaxAttempts,
// RequestTimeout, Abort, Clock and Log mean what they mean in Options.
type JobOptions struct {
	// Rate is the unfollow pace until X's headers are known; a higher
	// limit X announces raises it when AdoptServerLimit.
	Rate             ratelimit.Rate
	AdoptServerLimit bool
	DailyCap         int // most unfollows in any 24 hours; 0: no cap of ours
	Max              int
	Deadline         time.Time
	Jitter           time.Duration
	MaxAttempts      int // also the tries of each read
	RequestTimeout   time.Duration
	Keep             *KeepList // accounts never to unfollow; nil: none
	// Prefilter says whether to decide with the following list (skip the
	// targets it lacks); "" is PrefilterAuto. The list is read at most
	// once per job (a snapshot in the queue) unless RefreshFollowing.
	Prefilter        PrefilterMode
	RefreshFollowing bool
	// Spending is the price table, whose app it is, and the budget.
	Spending Spending
	// Windows are the read endpoints' windows, which the Client's responses
	// feed (ReadWindows.Observe); nil: windows no response feeds.
	Windows *ReadWindows
	// Start is when the run began (zero: when Prepare is called); the run
	// record counts from it.
	Start time.Time
	// Credential says how the Client signs in, for the log.
	Credential string
	Abort      <-chan struct{}
	Clock      Clock
	Log        zerolog.Logger
}

// Account is the signed-in account.
func (j *Job) Account() User { return j.me }

// Plan is what the run is about to do.
func (j *Job) Plan() Plan { return j.plan }

// ToSend is how many targets the drain will send (more once Apply has
// resolved the @handles left).
func (j *Job) ToSend() int { return j.prep.toSend }

// Drain sends the pending targets (see Worker.Run); onEvent, if set, sees
// its progress.
func (j *Job) Drain(ctx context.Context, onEvent func(Event)) (Summary, error) {
	o := j.opts
	w, err := New(j.q, j.api, j.lim, Options{
		Source:         j.me.ID,
		Spending:       o.Spending,
		Spent:          j.led.spent,
		MaxAttempts:    o.MaxAttempts,
		Max:            o.Max,
		Deadline:       o.Deadline,
		Jitter:         o.Jitter,
		RequestTimeout: o.RequestTimeout,
		OnEvent:        onEvent,
		Abort:          o.Abort,
		Clock:          o.Clock,
		Log:            o.Log,
	})
	if err != nil {
		return Summary{}, err
	}
	return w.Run(ctx)
}

// Spend is what this run has spent so far and what the whole job has, as
// the queue recorded them.
func (j *Job) Spend() (run, job spend.Amount) {
	sp, err := j.q.Spent()
	if err != nil || j.led == nil {
		return 0, 0
	}
	job = spend.Amount(sp.MicroUSD)
	return max(job-j.spentAtStart, 0), job
}

// Saved is how many targets the run skipped as not followed, without a
// request (known once Apply has read the following list, if it does).
func (j *Job) Saved() int { return j.prep.saved() }

// Started is when Prepare began: the run's start.
func (j *Job) Started() time.Time { return j.start }
