package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// DailyWaitMax is the longest wait for a 24-hour limit (ours or X's) the
// worker sits through; a longer one stops the run with StopDailyCap (run
// again later) unless Options.WaitDaily. A rolling cap often frees its
// next slot within minutes: stopping then would waste the run.
const DailyWaitMax = 15 * time.Minute

// StopsForDaily reports whether a wait of d for why ends a run (or its
// plan) with StopDailyCap instead of being waited out: the one rule, used
// by the drain and by the plan's estimate.
func StopsForDaily(d time.Duration, why ratelimit.Reason, waitDaily bool) bool {
	return why.Daily() && !waitDaily && d > DailyWaitMax
}

// Backoff is the wait before try attempt+1 after attempt failed:
// exponential with full jitter, uniform in [0, min(limit, base·2^(attempt-1))].
// r nil means math/rand/v2's global source. The worker's retries and the
// run's reads both use it.
func Backoff(attempt int, base, limit time.Duration, r Rand) time.Duration {
	if r == nil {
		r = globalRand{}
	}
	ceil := limit
	if shift := attempt - 1; shift >= 0 && shift < 32 {
		ceil = min(ceil, base<<shift)
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(r.Int64N(int64(ceil) + 1))
}

// Defaults for Options.
const (
	DefaultMaxAttempts    = 5
	DefaultBackoffBase    = 2 * time.Second
	DefaultBackoffCap     = 5 * time.Minute
	DefaultRequestTimeout = time.Minute
)

// Options tune a run. The zero value works (with SystemClock and a
// disabled logger).
type Options struct {
	Source         string        // the source account's id (the authenticated user)
	Spending       Spending      // prices and budget; zero: spend is not counted
	Spent          spend.Amount  // what the job had spent before this run's drain
	MaxAttempts    int           // requests per target that count (transient errors, still following); 0: DefaultMaxAttempts
	BackoffBase    time.Duration // first backoff ceiling; 0: DefaultBackoffBase
	BackoffCap     time.Duration // backoff ceiling cap; 0: DefaultBackoffCap
	Max            int           // targets to send in this run; 0: unlimited
	Deadline       time.Time     // stop before it; zero: none
	Jitter         time.Duration // random extra pause in [0, Jitter) before each request
	WaitDaily      bool          // wait for a 24-hour limit instead of stopping with StopDailyCap
	RequestTimeout time.Duration // per request; 0: DefaultRequestTimeout
	// Abort, when closed, cancels the in-flight request (a second signal).
	// Its result is then unknown: nothing is recorded for it.
	Abort   <-chan struct{}
	Clock   Clock          // nil: SystemClock
	Rand    Rand           // nil: math/rand/v2's global source
	OnEvent func(Event)    // progress; called on Run's goroutine
	Log     zerolog.Logger // zero value: no logging
}

// Worker drains a queue through a limiter.
type Worker struct {
	q    Queue
	api  API
	lim  *ratelimit.Limiter
	opts Options
}

// New returns a worker. Run restores lim from the queue's saved state.
func New(q Queue, api API, lim *ratelimit.Limiter, opts Options) (*Worker, error) {
	if q == nil || lim == nil || api == nil {
		return nil, errors.New("new worker: queue, API and limiter are required")
	}
	if opts.MaxAttempts < 0 || opts.Max < 0 || opts.Jitter < 0 || opts.BackoffBase < 0 || opts.BackoffCap < 0 || opts.RequestTimeout < 0 {
		return nil, errors.New("new worker: negative option")
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BackoffBase == 0 {
		opts.BackoffBase = DefaultBackoffBase
	}
	if opts.BackoffCap == 0 {
		opts.BackoffCap = DefaultBackoffCap
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock()
	}
	if opts.Rand == nil {
		opts.Rand = globalRand{}
	}
	return &Worker{q: q, api: api, lim: lim, opts: opts}, nil
}

// run is one Run's bookkeeping.
type run struct {
	sum       Summary
	cur       uint64       // seq of the target being worked on
	started   int          // distinct targets sent
	permanent int          // consecutive Permanent failures
	gaveUp    int          // targets failed on transient errors since the last success
	spent     spend.Amount // the job's spend
	charged   bool         // the request in flight was charged when sent
}

// permanentStreak is how many Permanent failures in a row stop the run:
// the third target refused for an unknown reason is no longer a coincidence.
const permanentStreak = 3

// Run drains the queue until nothing is pending or a stop condition holds
// (see StopReason). Account-level stops are reported in Summary.Err, not
// as an error; the error is for storage failures. When ctx ends, Run takes
// no new target; a request in flight finishes (bounded by RequestTimeout)
// and its result is written.
func (w *Worker) Run(ctx context.Context) (Summary, error) {
	r := &run{sum: Summary{Started: w.opts.Clock.Now()}, spent: w.opts.Spent}
	if err := w.restore(r); err != nil {
		return w.finish(r, StopError), err
	}
	for {
		stop, err := w.step(ctx, r)
		if err != nil {
			w.finish(r, StopError)
			return r.sum, err
		}
		if stop != "" {
			return w.finish(r, stop), nil
		}
	}
}

// restore loads the limiter's state and the outage streak saved by the last
// run.
func (w *Worker) restore(r *run) error {
	r.gaveUp = w.q.GaveUp()
	b, err := w.q.LimiterState()
	if err != nil {
		return fmt.Errorf("load limiter state: %w", err)
	}
	if err := w.lim.RestoreJSON(b); err != nil {
		// A state we cannot read costs at most one window's 429: go on.
		w.opts.Log.Warn().Err(err).Msg("ignoring saved rate-limit state")
	}
	return nil
}

func (w *Worker) finish(r *run, stop StopReason) Summary {
	r.sum.Stop = stop
	r.sum.Ended = w.opts.Clock.Now()
	if c, err := w.q.Counts(); err == nil {
		r.sum.Pending = c.Pending
	}
	ev := w.event(r, EventStop)
	ev.Stop, ev.Err = stop, r.sum.Err
	w.emit(ev)
	lg := w.opts.Log.Info()
	if r.sum.Err != nil {
		lg = w.opts.Log.Warn().Err(r.sum.Err)
	}
	lg.Str("stop", string(stop)).Int("sent", r.sum.Sent).Int("done", r.sum.Done).Int("failed", r.sum.Failed).
		Int("pending", r.sum.Pending).Int("rate_limited", r.sum.RateLimited).Msg("run stopped")
	return r.sum
}

// step handles the next pending target: wait, send, record.
func (w *Worker) step(ctx context.Context, r *run) (StopReason, error) {
	if ctx.Err() != nil {
		return StopCanceled, nil
	}
	t, ok, err := w.q.Next()
	if err != nil {
		return "", fmt.Errorf("next target: %w", err)
	}
	if !ok {
		return StopFinished, nil
	}
	if t.Seq != r.cur && w.opts.Max > 0 && r.started >= w.opts.Max {
		return StopMaxReached, nil
	}
	if t.ID == "" {
		return "", fmt.Errorf("target %d (@%s) has no id: resolve handles before draining", t.Seq, t.Handle)
	}
	if isOwnAccount(t.ID, w.opts.Source) { // resolved after the plan, or a Worker used on its own
		return "", w.record(r, t, queue.Result{State: queue.Skipped, Reason: queue.ReasonOwnAccount, At: w.opts.Clock.Now()}, OutcomeSkipped, nil)
	}
	if stop := w.checkBudget(r); stop != "" {
		return stop, nil
	}
	if stop := w.waitTurn(ctx, r, t); stop != "" {
		return stop, nil
	}
	sent := w.opts.Clock.Now()
	if !w.opts.Deadline.IsZero() && !sent.Before(w.opts.Deadline) {
		return StopDeadline, nil
	}
	w.lim.Take(sent)
	// Before sending, in one transaction: the spent request (a crash
	// during the request then restarts with the window already counting
	// it), the target being sent, and the target's own mark that its
	// unfollow may reach X from now on. The mark stays with the target
	// whatever later answers say (they are about later requests), so no
	// later run records it "not following" once the list lacks it.
	st, err := json.Marshal(w.lim.State())
	if err != nil {
		return "", fmt.Errorf("encode limiter state: %w", err)
	}
	// Its price is counted now, with it: an answer that never arrives may
	// have been billed. An answer that says X billed nothing takes it back.
	sending := queue.Result{
		State: queue.Pending, MayHaveTakenEffect: true, At: sent,
		Run: &queue.RunState{Limiter: st, Sending: t.Seq, GaveUp: r.gaveUp, Charge: w.unfollowCharge(t, false)},
	}
	if err := w.q.Record(t.Seq, sending); err != nil {
		return "", fmt.Errorf("save the target being sent: %w", err)
	}
	if sending.Run.Charge != nil {
		r.charged = true
		r.spent += w.opts.Spending.unfollowPrice()
		r.sum.Spent += w.opts.Spending.unfollowPrice()
	}
	if t.Seq != r.cur {
		r.cur = t.Seq
		r.started++
	}
	r.sum.Sent++
	r.sum.LastSend = sent
	ev := w.event(r, EventSend)
	ev.Target = t
	w.emit(ev)

	reply, aborted, callErr := w.call(ctx, t)
	recv := w.opts.Clock.Now()
	return w.handle(r, t, reply, callErr, aborted, sent, recv)
}

// waitTurn waits until the limiter lets the next request go, then adds the
// jitter. It returns a stop reason instead of starting a wait that would
// pass the deadline or one for a 24-hour limit (unless WaitDaily).
func (w *Worker) waitTurn(ctx context.Context, r *run, t queue.Target) StopReason {
	for {
		now := w.opts.Clock.Now()
		d, why := w.lim.Delay(now)
		if d <= 0 {
			break
		}
		if StopsForDaily(d, why, w.opts.WaitDaily) {
			return StopDailyCap
		}
		if stop := w.sleep(ctx, r, t, now, d, why); stop != "" {
			return stop
		}
	}
	if w.opts.Jitter > 0 {
		if j := time.Duration(w.opts.Rand.Int64N(int64(w.opts.Jitter))); j > 0 {
			return w.sleep(ctx, r, t, w.opts.Clock.Now(), j, WaitJitter)
		}
	}
	return ""
}

func (w *Worker) sleep(ctx context.Context, r *run, t queue.Target, now time.Time, d time.Duration, why ratelimit.Reason) StopReason {
	until := now.Add(d)
	if !w.opts.Deadline.IsZero() && !until.Before(w.opts.Deadline) {
		w.opts.Log.Info().Str("why", why.String()).Time("until", until).Time("deadline", w.opts.Deadline).Msg("next request would pass the deadline")
		return StopDeadline
	}
	ev := w.event(r, EventWait)
	ev.Target, ev.Wait, ev.Until, ev.Why = t, d, until, why
	w.emit(ev)
	w.opts.Log.Debug().Str("why", why.String()).Float64("wait_s", d.Seconds()).Time("until", until).Msg("waiting")
	if err := w.opts.Clock.Sleep(ctx, d); err != nil {
		return StopCanceled
	}
	r.sum.Waited += d
	return ""
}

// call sends the request on a context detached from ctx: a first signal
// lets it finish. RequestTimeout, the deadline and Abort bound it.
func (w *Worker) call(ctx context.Context, t queue.Target) (Reply, bool, error) {
	timeout := w.opts.RequestTimeout
	if !w.opts.Deadline.IsZero() {
		timeout = min(timeout, w.opts.Deadline.Sub(w.opts.Clock.Now()))
	}
	reqCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	aborted := make(chan struct{})
	if w.opts.Abort != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-w.opts.Abort:
				close(aborted)
				cancel()
			case <-done:
			}
		}()
	}
	reply, err := w.api.Unfollow(reqCtx, w.opts.Source, t.ID)
	select {
	case <-aborted:
		return reply, err != nil, err
	default:
		return reply, false, err
	}
}

// handle acts on one answer (the outcome table of docs/api-errors.md).
func (w *Worker) handle(r *run, t queue.Target, reply Reply, callErr error, aborted bool, sent, recv time.Time) (StopReason, error) {
	if callErr == nil {
		r.permanent = 0
		r.gaveUp = 0 // X answered
		w.observe(recv, reply.Observation, sent, false)
		if !reply.Following {
			return "", w.record(r, t, queue.Result{State: queue.Done, Reason: queue.ReasonUnfollowed, CountAttempt: true, MayHaveTakenEffect: true, At: recv}, OutcomeDone, nil)
		}
		// 200 but still following: not done. Try again after a backoff;
		// give up when it persists.
		return "", w.retry(r, t, recv, queue.ReasonStillFollowing, nil, 0)
	}

	var f *Failure
	if !errors.As(callErr, &f) {
		// Unclassified: nothing says the request did not reach X.
		f = &Failure{Kind: Transient, Err: callErr, MayHaveTakenEffect: true}
	}
	if f.Obs != nil {
		o := *f.Obs
		if o.RetryAfter == 0 {
			o.RetryAfter = f.RetryAfter
		}
		w.observe(recv, o, sent, f.Kind == Window)
	} else if f.Kind == Window {
		w.observe(recv, ratelimit.Observation{RetryAfter: f.RetryAfter}, sent, true)
	}
	ctxErr := f.Kind == Canceled || errors.Is(callErr, context.Canceled) || errors.Is(callErr, context.DeadlineExceeded)
	if aborted || ctxErr {
		deadlinePassed := !w.opts.Deadline.IsZero() && !recv.Before(w.opts.Deadline)
		if aborted || deadlinePassed {
			// The answer is unknown: the target stays pending, unrecorded
			// (the endpoint is idempotent). The request still counts.
			ev := w.event(r, EventResult)
			ev.Target, ev.Outcome, ev.Err = t, OutcomeUnknown, f
			w.emit(ev)
			if err := w.saveLimiter(); err != nil {
				return "", err
			}
			if deadlinePassed && !aborted {
				return StopDeadline, nil
			}
			return StopCanceled, nil
		}
		f.Kind = Transient // our request timeout: retry like any timeout
	}

	if f.Kind != Transient {
		r.gaveUp = 0 // X answered (a refusal, not-found, a 429): it is up
	}
	switch f.Kind {
	case Window:
		return "", w.record(r, t, queue.Result{State: queue.Pending, Err: f.info(), At: recv}, OutcomeSnooze, f)
	case NotFound:
		return "", w.record(r, t, queue.Result{State: queue.Failed, Reason: queue.ReasonNotFound, Err: f.info(), CountAttempt: true, At: recv}, OutcomeFailed, f)
	case Forbidden:
		if !f.RefusesTarget {
			return w.stop(r, t, f, StopAccountError)
		}
		r.permanent = 0 // a refusal naming the target is no sign of a systemic problem
		return "", w.record(r, t, queue.Result{State: queue.Failed, Reason: refusal(f), Err: f.info(), CountAttempt: true, At: recv}, OutcomeFailed, f)
	case Permanent:
		// Not retryable, and not known to be about the account: fail the
		// target. Several in a row are about something else (the app, the
		// configuration): stop before failing the whole queue.
		r.permanent++
		if r.permanent >= permanentStreak {
			return w.stop(r, t, f, StopAccountError)
		}
		return "", w.record(r, t, queue.Result{State: queue.Failed, Reason: refusal(f), Err: f.info(), CountAttempt: true, At: recv}, OutcomeFailed, f)
	case Unauthorized, Config:
		return w.stop(r, t, f, StopAccountError)
	case Quota:
		return w.stop(r, t, f, StopQuotaExhausted)
	default: // Transient and unknown kinds
		if t.Attempts+1 >= w.opts.MaxAttempts {
			// This target is about to fail. If the previous one failed the
			// same way with no success since, X (or the network) is down,
			// not this target: stop instead of failing the whole queue.
			if r.gaveUp >= 1 {
				res := queue.Result{State: queue.Pending, Err: f.info(), At: recv}
				if err := w.record(r, t, res, OutcomeStopped, f); err != nil {
					return "", err
				}
				//lint:ignore ST1005 X is a name: the message is documented in docs/troubleshooting.md
				r.sum.Err = fmt.Errorf("X did not answer %d targets in a row (%w): stopped before failing more", r.gaveUp+1, f)
				return StopUnavailable, nil
			}
			r.gaveUp++
		}
		return "", w.retry(r, t, recv, "", f, f.RetryAfter)
	}
}

// markMayHaveTakenEffect is the one place a result learns that its request
// may have reached X (f.MayHaveTakenEffect, decided by the API client): a
// resumed run must then not take "not in the following list" to mean the
// target was never followed. The queue keeps the mark through later
// answers and retry (record clears it only when nothing was ever
// uncertain); the reason says it until a later answer gives another.
func markMayHaveTakenEffect(res *queue.Result, f *Failure) {
	if f == nil || !f.MayHaveTakenEffect {
		return
	}
	res.Reason = queue.ReasonOutcomeUnknown
	res.MayHaveTakenEffect = true
}

// refusal is the failed reason for a refusal about one target.
func refusal(f *Failure) string {
	if f.Title != "" {
		return "refused: " + f.Title
	}
	return fmt.Sprintf("refused: %d", f.Status)
}

// retry records a counted attempt that did not finish the target: pending
// with a backoff, or failed when the attempts are spent.
func (w *Worker) retry(r *run, t queue.Target, recv time.Time, reason string, f *Failure, atLeast time.Duration) error {
	attempts := t.Attempts + 1
	var info *queue.ErrorInfo
	if f != nil {
		info = f.info()
	}
	if attempts >= w.opts.MaxAttempts {
		final := reason
		if final == "" {
			final = fmt.Sprintf("gave up after %d attempts: %s", attempts, f.Error())
		}
		res := queue.Result{State: queue.Failed, Reason: final, Err: info, CountAttempt: true, At: recv}
		res.MayHaveTakenEffect = reason == queue.ReasonStillFollowing // X acted on it
		return w.record(r, t, res, OutcomeFailed, f)
	}
	d := max(w.backoff(attempts), atLeast)
	w.lim.Backoff(recv.Add(d))
	res := queue.Result{State: queue.Pending, Reason: reason, Err: info, CountAttempt: true, At: recv}
	res.MayHaveTakenEffect = reason == queue.ReasonStillFollowing // X acted on it
	return w.record(r, t, res, OutcomeRetry, f)
}

// backoff is exponential with full jitter: uniform in [0, min(cap,
// base·2^(attempt-1))].
func (w *Worker) backoff(attempt int) time.Duration {
	return Backoff(attempt, w.opts.BackoffBase, w.opts.BackoffCap, w.opts.Rand)
}

// stop ends the run on an account-level answer; the target stays pending
// and untouched (it is not to blame), the limiter state is saved.
func (w *Worker) stop(r *run, t queue.Target, f *Failure, why StopReason) (StopReason, error) {
	r.sum.Err = &AccountError{Failure: f, Hint: hint(f, r.permanent-1)}
	if c := w.refund(r, t, f); c != nil {
		if _, err := w.q.AddCharge(*c); err != nil {
			return "", fmt.Errorf("record spend: %w", err)
		}
	}
	ev := w.event(r, EventResult)
	ev.Target, ev.Outcome, ev.Err = t, OutcomeStopped, r.sum.Err
	w.emit(ev)
	if err := w.saveLimiter(); err != nil {
		return "", err
	}
	return why, nil
}

func (w *Worker) observe(recv time.Time, o ratelimit.Observation, sent time.Time, rejected bool) {
	if o.Sent.IsZero() {
		o.Sent = sent
	}
	if o.Received.IsZero() {
		o.Received = recv
	}
	o.Rejected = o.Rejected || rejected
	for _, warn := range w.lim.Observe(recv, o) {
		w.opts.Log.Warn().Float64("offset_s", warn.Offset.Seconds()).Msg(warn.Msg)
	}
}

// record writes a result with the limiter state in one transaction, then
// counts it in the summary: a result that could not be written is not
// counted. The queue API takes no context: the write happens even after
// ctx ended.
func (w *Worker) record(r *run, t queue.Target, res queue.Result, out Outcome, f *Failure) error {
	markMayHaveTakenEffect(&res, f)
	// t is the target as it was before this request went out (the mark
	// written just before sending is not in it): when this answer says the
	// request did nothing and nothing before it was uncertain, the mark
	// goes, so a target X refused is not taken for unfollowed later.
	res.Unmark = !res.MayHaveTakenEffect && !t.MayHaveTakenEffect
	st, err := json.Marshal(w.lim.State())
	if err != nil {
		return fmt.Errorf("encode limiter state: %w", err)
	}
	// The answer is in: the request is no longer in flight. The streak of
	// targets given up on transient errors is kept with it, so an outage
	// that spans runs does not fail one more target per run.
	res.Run = &queue.RunState{Limiter: st, GaveUp: r.gaveUp, Charge: w.refund(r, t, f)}
	if err := w.q.Record(t.Seq, res); err != nil {
		return fmt.Errorf("record target %d: %w", t.Seq, err)
	}
	switch out {
	case OutcomeDone:
		r.sum.Done++
	case OutcomeFailed:
		r.sum.Failed++
	case OutcomeSkipped:
		r.sum.Skipped++
	case OutcomeRetry:
		r.sum.Retried++
	case OutcomeSnooze:
		r.sum.RateLimited++
	}
	ev := w.event(r, EventResult)
	ev.Target, ev.Outcome, ev.Reason = t, out, res.Reason
	if f != nil {
		ev.Err = f
	}
	w.emit(ev)
	lg := w.opts.Log.Debug()
	if f != nil {
		lg = lg.Err(f)
	}
	lg.Uint64("seq", t.Seq).Str("id", t.ID).Str("outcome", string(out)).Str("reason", res.Reason).Msg("result")
	return nil
}

// checkBudget stops the run before an unfollow that could take the job's
// spend past its budget.
func (w *Worker) checkBudget(r *run) StopReason {
	s := w.opts.Spending
	price := s.unfollowPrice()
	if s.Budget <= 0 || price == 0 || r.spent+price <= s.Budget {
		return ""
	}
	r.sum.Err = &BudgetError{Budget: s.Budget, Spent: r.spent, Next: price, What: "the next unfollow"}
	return StopBudget
}

// unfollowCharge is the price of t's DELETE (nil when spend is not
// counted); refund takes it back.
func (w *Worker) unfollowCharge(t queue.Target, refund bool) *queue.Charge {
	price := w.opts.Spending.unfollowPrice()
	if price == 0 {
		return nil
	}
	return &queue.Charge{Kind: string(spend.Unfollow), Price: int64(price), IDs: []string{t.ID}, Refund: refund}
}

// refund is the charge that takes back the price of the request in flight
// when its answer says X billed nothing (a complete error answer: 429,
// 4xx, 503, a 200 with only errors); nil when it was billed or may have
// been (data returned; no answer; an answer cut off). It settles the
// request: a later record refunds nothing.
func (w *Worker) refund(r *run, t queue.Target, f *Failure) *queue.Charge {
	charged := r.charged
	r.charged = false
	if !charged || f == nil || f.MayHaveTakenEffect {
		return nil
	}
	price := w.opts.Spending.unfollowPrice()
	r.spent -= price
	r.sum.Spent -= price
	return w.unfollowCharge(t, true)
}

func (w *Worker) saveLimiter() error {
	st, err := json.Marshal(w.lim.State())
	if err != nil {
		return fmt.Errorf("encode limiter state: %w", err)
	}
	if err := w.q.SetLimiterState(st); err != nil {
		return fmt.Errorf("save limiter state: %w", err)
	}
	return nil
}

func (w *Worker) event(r *run, k EventKind) Event {
	now := w.opts.Clock.Now()
	return Event{Kind: k, At: now, Limiter: w.lim.Status(now), Spent: r.spent, Sent: r.sum.Sent, Done: r.sum.Done, Failed: r.sum.Failed, RateLimited: r.sum.RateLimited}
}

func (w *Worker) emit(ev Event) {
	if w.opts.OnEvent != nil {
		w.opts.OnEvent(ev)
	}
}
