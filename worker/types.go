package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// API is the one call the worker makes. Implementations classify every
// error into a *Failure (anything else is treated as Transient).
type API interface {
	Unfollow(ctx context.Context, source, target string) (Reply, error)
}

// Reply is a successful unfollow answer: Following is what the server says
// now (false: done), Observation what its headers said.
type Reply struct {
	Following   bool
	Observation ratelimit.Observation
}

// Queue is the part of *queue.Store the worker uses.
type Queue interface {
	Next() (queue.Target, bool, error)
	Record(seq uint64, r queue.Result) error
	Counts() (queue.Counts, error)
	LimiterState() ([]byte, error)
	SetLimiterState(state []byte) error
	GaveUp() int
	AddCharge(c queue.Charge) (int64, error)
}

// Clock is the worker's time source. Sleep returns ctx's error if ctx ends
// first. Tests use a fake whose Sleep advances Now.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Rand is the randomness for backoff and jitter (*rand.Rand from
// math/rand/v2 satisfies it).
type Rand interface {
	Int64N(n int64) int64
}

type globalRand struct{}

func (globalRand) Int64N(n int64) int64 { return rand.Int64N(n) }

// Kind classifies a failed unfollow request; it decides what the worker
// does (see docs/api-errors.md).
type Kind int

// The kinds. The zero Kind is Transient.
const (
	Transient    Kind = iota // 5xx, connection reset, timeout: retry with backoff
	Window                   // 429 window limit: snooze until the reset, no attempt counted
	Quota                    // usage cap or credits depleted: stop the run
	Unauthorized             // 401 after the transport's refresh: stop the run
	Forbidden                // 403 or 400 invalid-request: stop the run, unless the server names the target
	NotFound                 // the target does not exist: failed, no retry
	Permanent                // any other refusal: failed, no retry (three in a row stop the run)
	Canceled                 // the request's context ended
	Config                   // the setup is wrong, not the target (a request that cannot be sent, a 404 not naming the target): stop the run
)

var kindNames = [...]string{"transient", "window", "quota", "unauthorized", "forbidden", "not-found", "permanent", "canceled", "config"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Failure is a classified unfollow error: what the server answered (status,
// problem type, title, detail), its rate-limit headers when present, and
// the underlying error.
type Failure struct {
	Kind                Kind
	Status              int
	Type, Title, Detail string
	Obs                 *ratelimit.Observation
	RetryAfter          time.Duration
	Err                 error
	// RefusesTarget says a Forbidden refusal concerns only this target
	// (the API client decides it: X named the target, and the problem is
	// not about the account or app); the target fails and the run goes on.
	// Any other Forbidden stops the run.
	RefusesTarget bool
	// Hint is what a person should do if this failure stops the run
	// (from the API client, which knows X's errors); may be empty.
	Hint string
	// MayHaveTakenEffect says the request may have unfollowed the target
	// although no complete answer says so (no answer, a gateway error, an
	// answer not read whole). The API client decides it; the worker only
	// carries it into the record (see markMayHaveTakenEffect).
	MayHaveTakenEffect bool
}

func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString("unfollow: ")
	if f.Status != 0 {
		fmt.Fprintf(&b, "%d ", f.Status)
	}
	b.WriteString(f.Kind.String())
	if name := problemName(f.Type); name != "" {
		fmt.Fprintf(&b, " (%s)", name)
	}
	switch {
	case f.Detail != "":
		fmt.Fprintf(&b, ": %s", f.Detail)
	case f.Title != "":
		fmt.Fprintf(&b, ": %s", f.Title)
	case f.Err != nil:
		fmt.Fprintf(&b, ": %v", f.Err)
	}
	return b.String()
}

func (f *Failure) Unwrap() error { return f.Err }

// info is what the queue keeps of the failure.
func (f *Failure) info() *queue.ErrorInfo {
	e := &queue.ErrorInfo{Status: f.Status, Type: f.Type, Title: f.Title, Detail: f.Detail}
	if e.Title == "" && e.Detail == "" && f.Err != nil {
		e.Detail = f.Err.Error()
	}
	return e
}

// problemName returns the last segment of a problem type URI:
// ".../2/problems/usage-capped" → "usage-capped"; "about:blank" → "".
func problemName(typ string) string {
	if i := strings.LastIndex(typ, "/problems/"); i >= 0 {
		return typ[i+len("/problems/"):]
	}
	return ""
}

// AccountError is why a run stopped on an account-level answer (auth,
// permissions, suspension, usage cap, credits): no target is to blame, and
// all stay pending. Hint tells the person what to do.
type AccountError struct {
	Failure *Failure
	Hint    string
}

func (e *AccountError) Error() string { return "stopped: " + e.Failure.Error() }

func (e *AccountError) Unwrap() error { return e.Failure }

// hint tells the person what to do about an account-level stop. The API
// adapter supplies X-specific advice in Failure.Hint (apiclient knows X's
// errors); the worker adds only what it alone knows: why a streak of
// refusals stopped the run, and how many of it were marked failed.
func hint(f *Failure, streakFailed int) string {
	switch {
	case f.Kind == Permanent:
		return fmt.Sprintf("%d targets in a row were refused for a reason that is probably not about them, and the %d before this one were marked failed: check the account, the app and --api-base-url, then `bulkunfollow retry` puts the failed ones back", streakFailed+1, streakFailed)
	case f.Hint != "":
		return f.Hint
	}
	return "run again later; if it persists, check the account and the app in the developer portal"
}

// StopReason says why Run returned.
type StopReason string

// The stop reasons. The caller maps them to exit codes: Finished → 0 (or 3
// with failures), AccountError → 1, the others → 75 (run again to resume).
const (
	StopFinished       StopReason = "finished"        // nothing pending
	StopCanceled       StopReason = "canceled"        // ctx ended (signal)
	StopDeadline       StopReason = "deadline"        // the next wait or request would pass Options.Deadline
	StopMaxReached     StopReason = "max-reached"     // Options.Max targets sent
	StopDailyCap       StopReason = "daily-cap"       // the 24-hour cap (ours or the server's) is reached
	StopAccountError   StopReason = "account-error"   // auth, permissions, suspension: Summary.Err
	StopQuotaExhausted StopReason = "quota-exhausted" // usage cap or credits: Summary.Err
	StopUnavailable    StopReason = "unavailable"     // X did not answer several targets in a row (outage): Summary.Err
	StopBudget         StopReason = "budget"          // the next request could pass the job's budget: Summary.Err (*BudgetError)
	StopError          StopReason = "error"           // storage error: returned by Run
)

// NeedsPerson reports whether the run stopped on something only a person
// can fix (Summary.Err says what): the account, the app, credits.
func (s StopReason) NeedsPerson() bool {
	return s == StopAccountError || s == StopQuotaExhausted
}

// Outcome is what happened to a target after one answer.
type Outcome string

// The outcomes reported in EventResult.
const (
	OutcomeDone    Outcome = "done"    // following:false
	OutcomeFailed  Outcome = "failed"  // gave up (not found, attempts spent, refused for this target)
	OutcomeSkipped Outcome = "skipped" // not sent (the source account itself)
	OutcomeRetry   Outcome = "retry"   // attempt recorded, tried again after a backoff
	OutcomeSnooze  Outcome = "snooze"  // window 429: no attempt counted, tried again after the reset
	OutcomeStopped Outcome = "stopped" // an account-level answer stopped the run
	OutcomeUnknown Outcome = "unknown" // the request was aborted: the target stays pending
)

// EventKind tells events apart.
type EventKind string

// The event kinds.
const (
	EventWait   EventKind = "wait"   // waiting: Wait, Until, Why
	EventSend   EventKind = "send"   // a request goes out
	EventResult EventKind = "result" // an answer was recorded: Outcome, Reason, Err
	EventStop   EventKind = "stop"   // Run returns: Stop, Err
)

// WaitJitter is Event.Why for the random pause of Options.Jitter.
const WaitJitter ratelimit.Reason = "jitter"

// Event is progress for a display or log. Counts are for this run.
type Event struct {
	Kind               EventKind
	At                 time.Time
	Target             queue.Target // the target concerned (zero for stop and some waits)
	Outcome            Outcome
	Reason             string
	Err                error
	Wait               time.Duration
	Until              time.Time
	Why                ratelimit.Reason
	Stop               StopReason
	Limiter            ratelimit.Status
	Spent              spend.Amount // the job's spend so far
	Sent, Done, Failed int
	RateLimited        int // window 429s answered so far in this run
}

// Summary is what a run did.
type Summary struct {
	Sent        int // unfollow requests sent
	Done        int // targets finished done
	Failed      int // targets finished failed
	Skipped     int // targets finished skipped (the source account itself)
	Retried     int // attempts recorded without finishing (transient errors, still following)
	RateLimited int // window 429s answered
	Pending     int // pending targets left in the queue
	Stop        StopReason
	Err         error        // *AccountError when Stop is StopAccountError or StopQuotaExhausted; *BudgetError for StopBudget
	Spent       spend.Amount // what this run's unfollows cost (counted as sent, less what X did not bill)
	Started     time.Time
	Ended       time.Time
	LastSend    time.Time     // when the last request went
	Waited      time.Duration // time spent waiting for the limiter, backoff and jitter
}
