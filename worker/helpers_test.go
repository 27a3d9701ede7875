package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/ratelimit/ratelimittest"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// t0 has a sub-second part so whole-second rounding is exercised.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 300_000_000, time.UTC)

// newClock is a fake clock at t0 whose Sleep advances Now: simulated
// time, no real waiting.
func newClock() *testkit.Clock { return testkit.NewClock(t0) }

// call is one request the fake API received.
type call struct {
	At     time.Time
	Source string
	Target string
}

// fakeAPI answers from fn (or a script per target) and logs calls.
type fakeAPI struct {
	mu     sync.Mutex
	calls  []call
	clock  *testkit.Clock
	fn     func(ctx context.Context, target string, n int) (worker.Reply, error) // n: 1-based call count for target
	counts map[string]int
}

func (a *fakeAPI) Unfollow(ctx context.Context, source, target string) (worker.Reply, error) {
	a.mu.Lock()
	if a.counts == nil {
		a.counts = map[string]int{}
	}
	a.counts[target]++
	n := a.counts[target]
	a.calls = append(a.calls, call{At: a.clock.Now(), Source: source, Target: target})
	a.mu.Unlock()
	return a.fn(ctx, target, n)
}

func (a *fakeAPI) callsFor(target string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[target]
}

// script answers a target's n-th call with the n-th step (the last one
// repeats). Steps: "ok", "following", "503", "429", "404", "401", ...
func script(clock *testkit.Clock, steps map[string][]string) func(context.Context, string, int) (worker.Reply, error) {
	return func(_ context.Context, target string, n int) (worker.Reply, error) {
		s := steps[target]
		if len(s) == 0 {
			s = []string{"ok"}
		}
		return answer(clock, target, s[min(n, len(s))-1])
	}
}

// answer builds one canned answer. Window headers say 50/15m with plenty
// left, except for the 429.
func answer(clock *testkit.Clock, target, step string) (worker.Reply, error) {
	now := clock.Now()
	obs := ratelimit.Observation{Present: true, Limit: 50, Remaining: 40, Reset: now.Add(10 * time.Minute).Truncate(time.Second), Date: now.Truncate(time.Second)}
	switch step {
	case "ok":
		return worker.Reply{Following: false, Observation: obs}, nil
	case "following":
		return worker.Reply{Following: true, Observation: obs}, nil
	case "503":
		return worker.Reply{}, &worker.Failure{Kind: worker.Transient, Status: 503, Title: "Service Unavailable", Obs: &obs}
	case "reset":
		return worker.Reply{}, &worker.Failure{Kind: worker.Transient, Err: fmt.Errorf("read: connection reset by peer"), MayHaveTakenEffect: true}
	case "cut": // 200 headers, then the connection dropped mid-body
		return worker.Reply{}, &worker.Failure{Kind: worker.Transient, Status: 200, Err: fmt.Errorf("unexpected EOF"), Obs: &obs, MayHaveTakenEffect: true}
	case "plain":
		return worker.Reply{}, fmt.Errorf("something unclassified")
	case "429":
		o := obs
		o.Remaining = 0
		return worker.Reply{}, &worker.Failure{Kind: worker.Window, Status: 429, Title: "Too Many Requests", Type: "about:blank", Obs: &o}
	case "429-bare":
		return worker.Reply{}, &worker.Failure{Kind: worker.Window, Status: 429, Title: "Too Many Requests"}
	case "404":
		return worker.Reply{}, &worker.Failure{Kind: worker.NotFound, Status: 200, Type: "https://api.x.com/2/problems/resource-not-found", Title: "Not Found Error", Detail: "Could not find user with id: [" + target + "].", Obs: &obs}
	case "404-target": // a 404 naming the target
		return worker.Reply{}, &worker.Failure{Kind: worker.NotFound, Status: 404, Type: "https://api.x.com/2/problems/resource-not-found", Title: "Not Found Error", Detail: "Could not find user with id: [" + target + "].", Obs: &obs}
	case "404-generic": // a 404 not naming the target: the path or the app is wrong
		return worker.Reply{}, &worker.Failure{Kind: worker.Config, Status: 404, Title: "Not Found", Detail: "Not Found", Obs: &obs, Hint: "check --api-base-url"}
	case "unsendable": // Go's HTTP client refused a header value
		return worker.Reply{}, &worker.Failure{Kind: worker.Config, Err: fmt.Errorf(`request not sent: net/http: invalid header field value for "Authorization"`), Hint: "check the credentials"}
	case "401":
		return worker.Reply{}, &worker.Failure{Kind: worker.Unauthorized, Status: 401, Title: "Unauthorized", Type: "about:blank", Obs: &obs, Hint: "run bulkunfollow auth login again"}
	case "403-suspended":
		return worker.Reply{}, &worker.Failure{Kind: worker.Forbidden, Status: 403, Type: "https://api.twitter.com/2/problems/user-suspended", Title: "Forbidden", Detail: "The user used for authentication is suspended", Obs: &obs, Hint: "the account is suspended"}
	case "403-target":
		return worker.Reply{}, &worker.Failure{Kind: worker.Forbidden, Status: 403, Type: "about:blank", Title: "Forbidden", Detail: "You cannot unfollow user " + target + " at this time.", Obs: &obs, RefusesTarget: true}
	case "400":
		return worker.Reply{}, &worker.Failure{Kind: worker.Forbidden, Status: 400, Type: "https://api.x.com/2/problems/invalid-request", Title: "Invalid Request", Detail: "The `id` query parameter value [999] must be the same as the authenticating user", Hint: "check bulkunfollow auth status"}
	case "409":
		return worker.Reply{}, &worker.Failure{Kind: worker.Permanent, Status: 409, Title: "Conflict", Obs: &obs}
	case "usage-cap":
		o := obs
		o.Remaining = 45
		return worker.Reply{}, &worker.Failure{Kind: worker.Quota, Status: 429, Type: "https://api.twitter.com/2/problems/usage-capped", Title: "UsageCapExceeded", Detail: "Usage cap exceeded: Monthly product cap", Obs: &o, Hint: "the monthly usage cap is reached"}
	case "credits":
		return worker.Reply{}, &worker.Failure{Kind: worker.Quota, Status: 402, Type: "https://api.x.com/2/problems/credits-depleted", Title: "Payment Required", Detail: "Your credits are depleted", Hint: "add credits"}
	}
	panic("unknown step " + step)
}

// ids returns n decimal ids "1001", "1002", ...
func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(1001 + i)
	}
	return out
}

// openQueue opens a real queue in t.TempDir() holding ids, checked for
// consistency when the test ends.
func openQueue(t *testing.T, clock *testkit.Clock, targets []string) (*queue.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.db")
	s := reopen(t, clock, path)
	if len(targets) > 0 {
		src := queue.Source{Name: "list.txt", R: strings.NewReader(strings.Join(targets, "\n") + "\n")}
		if _, err := s.Import(context.Background(), []queue.Source{src}, queue.ImportOptions{}); err != nil {
			t.Fatalf("import: %v", err)
		}
	}
	return s, path
}

// reopen opens the queue at path, as a new process would, checked for
// consistency when the test ends (unless the test closed it).
func reopen(t *testing.T, clock *testkit.Clock, path string) *queue.Store {
	t.Helper()
	return queuetest.Open(t, path, queue.Options{Timeout: time.Second, Now: clock.Now})
}

func counts(t *testing.T, q worker.Queue) queue.Counts {
	t.Helper()
	c, err := q.Counts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func targets(t *testing.T, s *queue.Store) map[string]queue.Target {
	t.Helper()
	out := map[string]queue.Target{}
	if err := s.Export(0, func(tg queue.Target) error { out[tg.ID] = tg; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func newLimiter(t *testing.T, cfg ratelimit.Config) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newWorker(t *testing.T, q worker.Queue, api worker.API, lim *ratelimit.Limiter, opts worker.Options) *worker.Worker {
	t.Helper()
	w, err := worker.New(q, api, lim, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// memQueue is an in-memory Queue with the store's semantics, for the long
// simulated runs (a real bbolt file would fsync thousands of times).
type memQueue struct {
	mu      sync.Mutex
	targets []queue.Target // by seq-1
	limiter []byte         // as queue.Store's run state
	sending uint64
	gaveUp  int
	records int
	// failRecord, when set, is asked before each Record of a result (n:
	// 1-based count of those; the marks written before sending are not
	// counted); an error it returns is Record's, nothing written.
	failRecord func(n int) error
	calls      int
}

func newMemQueue(ids []string) *memQueue {
	q := &memQueue{}
	for i, id := range ids {
		q.targets = append(q.targets, queue.Target{Seq: uint64(i + 1), ID: id, State: queue.Pending})
	}
	return q
}

func (q *memQueue) Next() (queue.Target, bool, error) {
	ts, err := q.Pending(0, 1)
	if len(ts) == 0 {
		return queue.Target{}, false, err
	}
	return ts[0], true, nil
}

func (q *memQueue) Pending(after uint64, limit int) ([]queue.Target, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []queue.Target
	for _, t := range q.targets {
		if t.Seq > after && t.State == queue.Pending && (limit < 0 || len(out) < limit) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (q *memQueue) Record(seq uint64, r queue.Result) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	sending := r.Run != nil && r.Run.Sending != 0 // the mark before a request (a result clears it)
	if !sending {
		q.calls++
	}
	if q.failRecord != nil && !sending {
		if err := q.failRecord(q.calls); err != nil {
			return err
		}
	}
	t := &q.targets[seq-1]
	if t.State != queue.Pending {
		return fmt.Errorf("target %d is %s: %w", seq, t.State, queue.ErrNotPending)
	}
	if r.CountAttempt {
		t.Attempts++
	}
	if r.Reason != "" {
		t.Reason = r.Reason
	}
	if r.Err != nil {
		e := *r.Err
		t.Last = &e
	}
	t.UpdatedAt = r.At
	t.MayHaveTakenEffect = (t.MayHaveTakenEffect && !r.Unmark) || r.MayHaveTakenEffect // as queue.Store
	if r.State.Finished() {
		t.State, t.FinishedAt = r.State, r.At
	}
	if r.Run != nil { // as queue.Store
		if r.Run.Limiter != nil {
			q.limiter = append([]byte(nil), r.Run.Limiter...)
		}
		q.sending, q.gaveUp = r.Run.Sending, r.Run.GaveUp
	}
	q.records++
	return nil
}

func (q *memQueue) LimiterState() ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.limiter, nil
}

func (q *memQueue) SetLimiterState(v []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.limiter = append([]byte(nil), v...)
	return nil
}

func (q *memQueue) AddCharge(c queue.Charge) (int64, error) { return 0, nil }

func (q *memQueue) GaveUp() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.gaveUp
}

func (q *memQueue) Sending() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.sending
}

func (q *memQueue) Counts() (queue.Counts, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var c queue.Counts
	for _, t := range q.targets {
		c.Total++
		switch t.State {
		case queue.Pending:
			c.Pending++
		case queue.Done:
			c.Done++
		case queue.Skipped:
			c.Skipped++
		case queue.Failed:
			c.Failed++
		}
	}
	return c, nil
}

// xAPI is a fake X: ratelimittest's fixed window plus a latency, on the
// fake clock (the call advances it), with optional extra failures.
type xAPI struct {
	srv     *ratelimittest.Server
	clock   *testkit.Clock
	latency func() time.Duration
	fail    func(target string) error // nil or a failure to answer instead (before the window counts)
	deletes map[string]int
	sends   []time.Time // server-side arrival times (local clock) of accepted requests
}

func (a *xAPI) Unfollow(_ context.Context, _, target string) (worker.Reply, error) {
	sent := a.clock.Now()
	lat := time.Duration(0)
	if a.latency != nil {
		lat = a.latency()
	}
	a.clock.Advance(lat / 2)
	at := a.clock.Now()
	a.clock.Advance(lat - lat/2)
	recv := a.clock.Now()
	if a.fail != nil {
		if err := a.fail(target); err != nil {
			return worker.Reply{}, err
		}
	}
	ok, obs := a.srv.Do(sent, at, recv)
	if !ok {
		return worker.Reply{}, &worker.Failure{Kind: worker.Window, Status: 429, Title: "Too Many Requests", Obs: &obs}
	}
	if a.deletes == nil {
		a.deletes = map[string]int{}
	}
	a.deletes[target]++
	a.sends = append(a.sends, at)
	return worker.Reply{Following: false, Observation: obs}, nil
}

// maxInAnyInterval is the most accepted requests in any interval of length
// d (sliding), to compare with the configured bucket.
func maxInAnyInterval(ts []time.Time, d time.Duration) int {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func decodeState(t *testing.T, b []byte) ratelimit.State {
	t.Helper()
	var st ratelimit.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("decode limiter state %q: %v", b, err)
	}
	return st
}
