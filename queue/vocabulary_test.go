package queue

import "testing"

// TestSending: the target in flight is read back from the meta key the
// worker writes before a request, and is gone once its answer is recorded.
func TestSending(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("11", "12")
	if got := q.Sending(); got != 0 {
		t.Fatalf("Sending() on a new queue = %d, want 0", got)
	}
	if err := q.Record(2, Result{State: Pending, MayHaveTakenEffect: true, Meta: map[string][]byte{MetaSending: []byte("2")}}); err != nil {
		t.Fatal(err)
	}
	q.reopen()
	if got := q.Sending(); got != 2 {
		t.Errorf("Sending() after a restart = %d, want 2", got)
	}
	if err := q.Record(2, Result{State: Done, Reason: ReasonUnfollowed, Meta: map[string][]byte{MetaSending: nil}}); err != nil {
		t.Fatal(err)
	}
	if got := q.Sending(); got != 0 {
		t.Errorf("Sending() after the answer = %d, want 0", got)
	}
}
