package queue

import (
	"testing"
	"time"
)

// TestSending: the target in flight is read back from the meta key the
// worker writes before a request, and is gone once its answer is recorded.
func TestSending(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("11", "12")
	if got := q.Sending(); got != 0 {
		t.Fatalf("Sending() on a new queue = %d, want 0", got)
	}
	if err := q.Record(2, Result{State: Pending, MayHaveTakenEffect: true, Run: &RunState{Sending: 2}}); err != nil {
		t.Fatal(err)
	}
	q.reopen()
	if got := q.Sending(); got != 2 {
		t.Errorf("Sending() after a restart = %d, want 2", got)
	}
	if err := q.Record(2, Result{State: Done, Reason: ReasonUnfollowed, Run: &RunState{}}); err != nil {
		t.Fatal(err)
	}
	if got := q.Sending(); got != 0 {
		t.Errorf("Sending() after the answer = %d, want 0", got)
	}
}

// TestRunStateAccessors: totals add up across runs in one transaction each,
// the last success keeps its instant, and a queue that never ran reads as
// zero everywhere.
func TestRunStateAccessors(t *testing.T) {
	q := newTestQueue(t)
	if tot, err := q.Totals(); err != nil || tot != (Totals{}) {
		t.Fatalf("Totals() on a new queue = %+v, %v", tot, err)
	}
	if ls, err := q.LastSuccess(); err != nil || !ls.IsZero() {
		t.Fatalf("LastSuccess() on a new queue = %v, %v", ls, err)
	}
	if q.GaveUp() != 0 {
		t.Fatalf("GaveUp() on a new queue = %d", q.GaveUp())
	}
	for _, add := range [][2]int{{3, 1}, {4, 0}} {
		if err := q.AddTotals(add[0], add[1]); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 123, time.FixedZone("X", 3600))
	if err := q.SetLastSuccess(at); err != nil {
		t.Fatal(err)
	}
	q.reopen()
	if tot, err := q.Totals(); err != nil || tot != (Totals{Sent: 7, RateLimited: 1}) {
		t.Errorf("Totals() = %+v, %v; want 7 sent, 1 rate-limited", tot, err)
	}
	if ls, err := q.LastSuccess(); err != nil || !ls.Equal(at) {
		t.Errorf("LastSuccess() = %v, %v; want %v", ls, err, at)
	}
}
