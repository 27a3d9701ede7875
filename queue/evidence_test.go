package queue

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// A target whose request may have reached X keeps that evidence, and its
// last answer, through every later Record and through Retry.
func TestMayHaveTakenEffectIsSticky(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("10", "20")
	sent := Result{State: Pending, Reason: "sent, outcome unknown", CountAttempt: true, MayHaveTakenEffect: true,
		Err: &ErrorInfo{Title: "connection reset"}}
	if err := q.Record(1, sent); err != nil {
		t.Fatal(err)
	}
	// A later answer without the flag does not clear it.
	if err := q.Record(1, Result{State: Failed, Reason: "gave up", CountAttempt: true, Err: &ErrorInfo{Status: 503}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantState State) {
		t.Helper()
		tg, err := q.Get(1)
		if err != nil {
			t.Fatal(err)
		}
		if !tg.MayHaveTakenEffect || tg.State != wantState || tg.Last == nil || tg.Last.Status != 503 {
			t.Errorf("%s: target = %+v (last %+v), want MayHaveTakenEffect, %v, last error kept", when, tg, tg.Last, wantState)
		}
		if other, _ := q.Get(2); other.MayHaveTakenEffect {
			t.Errorf("%s: target 2 got the flag", when)
		}
	}
	check("after failing", Failed)
	n, err := q.Retry()
	if err != nil || n != 1 {
		t.Fatalf("Retry = %d, %v", n, err)
	}
	check("after retry", Pending)
	q.reopen()
	check("after reopen", Pending)
	// Defence in depth: never skipped as "not following"; other skips apply.
	if n, err := q.MarkSkipped([]uint64{1, 2}, ReasonNotFollowing); err != nil || n != 1 {
		t.Fatalf("MarkSkipped(not following) = %d, %v; want only target 2", n, err)
	}
	check("after MarkSkipped(not following)", Pending)
	if n, err := q.MarkSkipped([]uint64{1}, "kept"); err != nil || n != 1 {
		t.Fatalf("MarkSkipped(kept) = %d, %v", n, err)
	}
	if tg, _ := q.Get(1); tg.State != Skipped || !tg.MayHaveTakenEffect {
		t.Errorf("kept target = %+v", tg)
	}
}

// The first record that needs schema 2 marks the file, so an older
// bulkunfollow refuses it instead of dropping the flag or taking id 0 for
// an unresolved @handle. A queue that never needs it stays at schema 1.
func TestSchema2MarkedByFirstRecordNeedingIt(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(q *testQueue) error
	}{
		{"may have taken effect", func(q *testQueue) error {
			return q.Record(1, Result{State: Pending, MayHaveTakenEffect: true})
		}},
		{"id 0", func(q *testQueue) error { return q.Resolve(2, "0", "zero") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := newTestQueue(t)
			q.mustImport("10", "@h")
			if err := q.Record(1, Result{State: Pending, CountAttempt: true}); err != nil {
				t.Fatal(err)
			}
			if st, _ := q.Status(); st.SchemaVersion != 1 {
				t.Fatalf("schema before = %d, want 1", st.SchemaVersion)
			}
			if err := tt.write(q); err != nil {
				t.Fatal(err)
			}
			q.reopen()
			if st, _ := q.Status(); st.SchemaVersion != 2 {
				t.Errorf("schema after = %d, want 2", st.SchemaVersion)
			}
		})
	}
}

// X's own simulator answers users/me with id "0", and UserId allows it:
// 0 is a resolved id, not "unresolved", for targets and for the account.
func TestIDZero(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("@zero", "@other", "5")
	if err := q.Resolve(1, "0", "Zero"); err != nil {
		t.Fatalf("Resolve(1, 0): %v", err)
	}
	tg, _ := q.Get(1)
	if tg.ID != "0" || tg.Username != "Zero" || tg.State != Pending || tg.Key() != "0" {
		t.Errorf("resolved = %+v", tg)
	}
	if un, _ := q.Unresolved(); len(un) != 1 || un[0].Seq != 2 {
		t.Errorf("Unresolved = %v, want only @other", keys(un))
	}
	if c := q.counts(); c.Unresolved != 1 {
		t.Errorf("counts = %+v", c)
	}
	if found, ok, err := q.Lookup("0"); err != nil || !ok || found.Seq != 1 {
		t.Errorf("Lookup(0) = %+v, %v, %v", found, ok, err)
	}
	// A second handle naming account 0 is a duplicate of it.
	if err := q.Resolve(2, "0", "other"); err != nil {
		t.Fatal(err)
	}
	if tg, _ := q.Get(2); tg.State != Skipped || tg.Reason != "duplicate of 0" || tg.ID != "0" {
		t.Errorf("duplicate = %+v", tg)
	}
	// Recording keeps the id (the record is rewritten).
	if err := q.Record(1, Result{State: Done, Reason: "unfollowed"}); err != nil {
		t.Fatal(err)
	}
	q.reopen()
	if tg, _ := q.Get(1); tg.ID != "0" || tg.State != Done {
		t.Errorf("after record and reopen = %+v", tg)
	}
	if sum := q.mustImport("@ZERO"); sum.Added != 0 || sum.AlreadyFinished != 1 {
		t.Errorf("re-import of the handle = %+v", sum)
	}

	if err := q.BindAccount("0", "me"); err != nil {
		t.Fatalf("BindAccount(0): %v", err)
	}
	if id, name, _ := q.Account(); id != "0" || name != "me" {
		t.Errorf("Account = %q, %q", id, name)
	}
	if err := q.BindAccount("0", "me"); err != nil {
		t.Errorf("BindAccount(0) again: %v", err)
	}
	if err := q.BindAccount("1", "x"); !errors.Is(err, ErrAccountMismatch) {
		t.Errorf("BindAccount(1) on a queue bound to 0: %v", err)
	}
	if st, _ := q.Status(); st.Account == nil || st.Account.ID != "0" {
		t.Errorf("status account = %+v", st.Account)
	}
}

// failAll marks every target failed, in one transaction.
func failAll(t *testing.T, q *testQueue, n int) {
	t.Helper()
	err := q.update(func(tx *bbolt.Tx) error {
		for seq := uint64(1); seq <= uint64(n); seq++ {
			old, err := getRec(tx, seq)
			if err != nil {
				return err
			}
			nw := old
			nw.state, nw.attempts, nw.reason, nw.finished = Failed, 3, "gave up", 1
			if err := put(tx, seq, &old, &nw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Retry is all-or-nothing: one that fails part way (here on a damaged
// record after the first 10,000) moves no target; one that succeeds
// commits exactly one transaction.
func TestRetryIsOneTransaction(t *testing.T) {
	q := newTestQueue(t)
	const n = 25_000
	lines := make([]string, n)
	for i := range lines {
		lines[i] = strconv.Itoa(i + 1)
	}
	q.mustImport(lines...)
	failAll(t, q, n)

	bad := seqKey(n - 10)
	var saved []byte
	err := q.update(func(tx *bbolt.Tx) error {
		saved = bytes.Clone(tx.Bucket(bTargets).Get(bad))
		return tx.Bucket(bTargets).Put(bad, []byte{recVersion, 99})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Retry(); err == nil {
		t.Fatal("Retry over a damaged record succeeded")
	}
	if c := q.counts(); c.Failed != n || c.Pending != 0 {
		t.Errorf("after a failed retry: counts %+v, want all %d still failed", c, n)
	}
	if err := q.update(func(tx *bbolt.Tx) error { return tx.Bucket(bTargets).Put(bad, saved) }); err != nil {
		t.Fatal(err)
	}

	before, _ := q.Status()
	got, err := q.Retry()
	if err != nil || got != n {
		t.Fatalf("Retry = %d, %v", got, err)
	}
	after, _ := q.Status()
	if after.txid != before.txid+1 {
		t.Errorf("Retry took %d transactions, want 1", after.txid-before.txid)
	}
	if c := q.counts(); c.Pending != n || c.Failed != 0 {
		t.Errorf("counts = %+v", c)
	}
}

// A retry with nothing to retry writes nothing: the file, as_of and the
// status snapshot stay as they were.
func TestRetryNothingWritesNothing(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2")
	if err := q.Record(1, Result{State: Done, Reason: "unfollowed"}); err != nil {
		t.Fatal(err)
	}
	if err := q.BindAccount("7", "me"); err != nil {
		t.Fatal(err)
	}
	q.reopen()
	q.Close()
	q.Store = nil
	file0, _ := os.ReadFile(q.path)
	snap0, _ := os.ReadFile(statusPath(q.path))
	q.clock.Advance(time.Hour)
	q.open()
	before, _ := q.Status()
	if n, err := q.Retry(); err != nil || n != 0 {
		t.Fatalf("Retry = %d, %v", n, err)
	}
	// Its siblings, with nothing to do, write nothing either.
	if n, err := q.MarkSkipped([]uint64{1}, "kept"); err != nil || n != 0 {
		t.Errorf("MarkSkipped of a finished target = %d, %v", n, err)
	}
	if n, err := q.SetUsernames(map[uint64]string{1: "named"}); err != nil || n != 0 {
		t.Errorf("SetUsernames of a finished target = %d, %v", n, err)
	}
	if err := q.BindAccount("7", "me"); err != nil {
		t.Errorf("BindAccount again: %v", err)
	}
	after, _ := q.Status()
	if !after.AsOf.Equal(before.AsOf) || after.txid != before.txid {
		t.Errorf("as_of %v -> %v, txid %d -> %d: retry of nothing wrote", before.AsOf, after.AsOf, before.txid, after.txid)
	}
	q.Close()
	q.Store = nil
	file1, _ := os.ReadFile(q.path)
	snap1, _ := os.ReadFile(statusPath(q.path))
	if !bytes.Equal(file0, file1) {
		t.Error("queue file changed")
	}
	if !bytes.Equal(snap0, snap1) {
		t.Errorf("status snapshot changed:\n%s\n->\n%s", snap0, snap1)
	}
}

// Records written before schema 2 (no id flag) still read: a non-zero id
// is an id, a zero id an unresolved @handle.
func TestSchema1RecordsStillDecode(t *testing.T) {
	old := func(id uint64, handle string) []byte {
		b := []byte{1, byte(Pending), 0}
		if handle != "" {
			b[2] = fHandle
		}
		b = binary.BigEndian.AppendUint64(b, id)
		b = binary.AppendUvarint(b, 0)
		b = binary.AppendVarint(b, 1)
		if handle != "" {
			b = appendString(b, handle)
		}
		return b
	}
	r, err := decodeRec(old(42, ""))
	if err != nil || !r.hasID || r.id != 42 || r.unresolved() || r.mayHaveTakenEffect {
		t.Errorf("schema-1 id record = %+v, %v", r, err)
	}
	r, err = decodeRec(old(0, "jack"))
	if err != nil || r.hasID || !r.unresolved() || r.handle != "jack" {
		t.Errorf("schema-1 handle record = %+v, %v", r, err)
	}
}

// TestUnmarkClearsTheMark: only a Record with Unmark clears the mark, and
// a Record that both marks and unmarks keeps it.
func TestUnmarkClearsTheMark(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("10")
	mark := Result{State: Pending, MayHaveTakenEffect: true}
	for _, step := range []struct {
		r    Result
		want bool
	}{
		{mark, true},
		{Result{State: Pending, Unmark: true}, false},
		{mark, true},
		{Result{State: Pending, Unmark: true, MayHaveTakenEffect: true}, true},
		{Result{State: Failed, Reason: ReasonNotFound, Unmark: true}, false},
	} {
		if err := q.Record(1, step.r); err != nil {
			t.Fatal(err)
		}
		if tg, _ := q.Get(1); tg.MayHaveTakenEffect != step.want {
			t.Fatalf("after %+v: marked %v, want %v", step.r, tg.MayHaveTakenEffect, step.want)
		}
	}
}
