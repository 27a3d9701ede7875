package queue

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

func TestParseState(t *testing.T) {
	tests := []struct {
		in      string
		want    State
		wantErr bool
	}{
		{"pending", Pending, false},
		{"DONE", Done, false},
		{" skipped ", Skipped, false},
		{"failed", Failed, false},
		{"", 0, true},
		{"finished", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseState(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseState(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != strings.ToLower(strings.TrimSpace(tt.in)) {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if s := State(9).String(); s != "state(9)" {
		t.Errorf("State(9).String() = %q", s)
	}
}

func TestRecordCodecRoundTrip(t *testing.T) {
	tests := []rec{
		{id: 1, hasID: true, state: Pending, added: 1},
		{id: 0, hasID: true, state: Pending, added: 1},
		{id: 5, hasID: true, state: Pending, added: 1, mayHaveTakenEffect: true},
		{handle: "h", state: Pending, added: 1, mayHaveTakenEffect: true},
		{id: 1<<63 + 12345, hasID: true, state: Done, attempts: 3, reason: "unfollowed", added: time.Now().UnixNano(), updated: 5, finished: 6},
		{handle: "Jack_1", state: Pending, added: -7},
		{id: 42, hasID: true, handle: "x", username: "X", state: Failed, attempts: 7, reason: "not found",
			last: &ErrorInfo{Status: 404, Type: "https://api.twitter.com/2/problems/resource-not-found", Title: "Not Found", Detail: "héllo"}, added: 9, updated: 10, finished: 11},
	}
	for _, r := range tests {
		b := r.encode(nil)
		got, err := decodeRec(b)
		if err != nil {
			t.Fatalf("decode(%+v): %v", r, err)
		}
		if got.last != nil && r.last != nil && *got.last == *r.last {
			got.last = r.last
		}
		if got != r {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
		for i := range len(b) - 1 {
			if _, err := decodeRec(b[:i]); err == nil && i < 11 {
				t.Errorf("decode of %d-byte prefix succeeded", i)
			}
		}
	}
	if n := len((&rec{id: 1234567890123456789, state: Pending, added: time.Now().UnixNano()}).encode(nil)); n > 22 {
		t.Errorf("fresh id record is %d bytes, want <= 22", n)
	}
}

func TestImportOrderAndDuplicates(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts ImportOptions
	}{
		{"in place", ImportOptions{}},
		{"copy", ImportOptions{InPlaceMax: -1, BatchSize: 3}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			q := newTestQueue(t)
			sum, err := q.importText(mode.opts, "30", "@Jack", "10", "30", "@jack", "9223372036854775807", "20", "@bob")
			if err != nil {
				t.Fatal(err)
			}
			want := ImportSummary{
				Sources: []SourceSummary{{Name: "list.txt", Format: input.Text, Entries: 8}},
				Read:    8, Added: 6, AddedHandles: 2, Duplicate: 2,
			}
			if !equalSummary(sum, want) {
				t.Errorf("summary = %+v, want %+v", sum, want)
			}
			if got, want := keys(q.all()), []string{"30", "@Jack", "10", "9223372036854775807", "20", "@bob"}; !slices.Equal(got, want) {
				t.Errorf("targets = %v, want %v", got, want)
			}
			for i, tg := range q.all() {
				if tg.Seq != uint64(i+1) || tg.State != Pending || !tg.AddedAt.Equal(q.clock.Now()) {
					t.Errorf("target %d = %+v", i, tg)
				}
			}
			if c, want := q.counts(), (Counts{Total: 6, Pending: 6, Unresolved: 2}); c != want {
				t.Errorf("counts = %+v, want %+v", c, want)
			}
			next, ok, err := q.Next()
			if err != nil || !ok || next.ID != "30" {
				t.Errorf("Next = %+v, %v, %v", next, ok, err)
			}
			un, err := q.Unresolved()
			if err != nil || !slices.Equal(keys(un), []string{"@Jack", "@bob"}) {
				t.Errorf("Unresolved = %v, %v", keys(un), err)
			}
			// A second list goes after the first.
			sum = q.mustImport("5", "10", "@JACK")
			if sum.Added != 1 || sum.AlreadyPending != 2 || sum.Duplicate != 0 {
				t.Errorf("second import summary = %+v", sum)
			}
			if tg, _, _ := q.Lookup("5"); tg.Seq != 7 {
				t.Errorf("5 has seq %d, want 7", tg.Seq)
			}
		})
	}
}

func equalSummary(a, b ImportSummary) bool {
	return slices.Equal(a.Sources, b.Sources) && a.Read == b.Read && a.Added == b.Added &&
		a.AddedHandles == b.AddedHandles && a.Duplicate == b.Duplicate && a.AlreadyPending == b.AlreadyPending &&
		a.AlreadyFinished == b.AlreadyFinished && a.Kept == b.Kept && a.Undecided == b.Undecided && a.DryRun == b.DryRun
}

func TestReimportChangesNothingFinished(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2", "3", "4")
	q.clock.Advance(time.Minute)
	if err := q.Record(1, Result{State: Done, Reason: "unfollowed", CountAttempt: true}); err != nil {
		t.Fatal(err)
	}
	if err := q.Record(2, Result{State: Failed, Reason: "not found", Err: &ErrorInfo{Status: 404, Detail: "gone"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.MarkSkipped([]uint64{3}, "kept"); err != nil {
		t.Fatal(err)
	}
	before := q.all()
	q.clock.Advance(time.Minute)
	sum := q.mustImport("4", "3", "2", "1", "5", "5")
	if sum.Added != 1 || sum.AlreadyFinished != 3 || sum.AlreadyPending != 1 || sum.Duplicate != 1 {
		t.Errorf("summary = %+v", sum)
	}
	after := q.all()
	if !slices.EqualFunc(before, after[:4], equalTarget) {
		t.Errorf("re-import changed targets:\n before %+v\n after  %+v", before, after[:4])
	}
	if c := q.counts(); c != (Counts{Total: 5, Pending: 2, Done: 1, Skipped: 1, Failed: 1}) {
		t.Errorf("counts = %+v", c)
	}
}

func equalTarget(a, b Target) bool {
	if (a.Last == nil) != (b.Last == nil) || (a.Last != nil && *a.Last != *b.Last) {
		return false
	}
	a.Last, b.Last = nil, nil
	return a.Seq == b.Seq && a.ID == b.ID && a.Handle == b.Handle && a.Username == b.Username &&
		a.State == b.State && a.Attempts == b.Attempts && a.Reason == b.Reason &&
		a.AddedAt.Equal(b.AddedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.FinishedAt.Equal(b.FinishedAt)
}

// An import with one bad line leaves the queue unchanged, byte for byte.
func TestImportAllOrNothing(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts ImportOptions
	}{
		{"in place", ImportOptions{}},
		{"copy", ImportOptions{InPlaceMax: -1, BatchSize: 2}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			q := newTestQueue(t)
			q.mustImport("1", "2", "@a")
			fileBefore, err := os.ReadFile(q.path)
			if err != nil {
				t.Fatal(err)
			}
			before := q.all()
			_, err = q.importText(mode.opts, "7", "8", "1.23457E+18", "9", "-5", "@b")
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want *InvalidError", err)
			}
			if inv.Total != 2 || len(inv.Errors) != 2 || inv.Errors[0].Line != 3 || inv.Errors[1].Line != 5 || inv.Errors[0].File != "list.txt" {
				t.Errorf("errors = %+v", inv)
			}
			if !strings.Contains(err.Error(), "queue is unchanged") {
				t.Errorf("message %q does not say the queue is unchanged", err)
			}
			fileAfter, err := os.ReadFile(q.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fileBefore, fileAfter) {
				t.Error("queue file changed")
			}
			if !slices.EqualFunc(before, q.all(), equalTarget) {
				t.Error("targets changed")
			}
			if left, _ := filepath.Glob(atomicfile.Leftovers(q.path)); len(left) > 0 {
				t.Errorf("temporary copy left behind: %v", left)
			}
		})
	}
}

func TestImportErrorLimitAcrossSources(t *testing.T) {
	q := newTestQueue(t)
	bad := func(name string, n int) Source {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = "x" + strings.Repeat("!", i%3+1)
		}
		return textSource(name, lines...)
	}
	_, err := q.Import(t.Context(), []Source{bad("a.txt", 4), textSource("ok.txt", "1"), bad("b.txt", 5)}, ImportOptions{MaxErrors: 6})
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("err = %v", err)
	}
	if inv.Total != 9 || len(inv.Errors) != 6 || inv.Errors[3].File != "a.txt" || inv.Errors[4].File != "b.txt" || inv.Errors[5].Line != 2 {
		t.Errorf("got total %d, errors %+v", inv.Total, inv.Errors)
	}
	if c := q.counts(); c.Total != 0 {
		t.Errorf("counts = %+v", c)
	}
}

// cancelAtEOF cancels a context when the reader is exhausted: the parse
// pass completes, the write pass sees the cancellation.
type cancelAtEOF struct {
	r      io.Reader
	cancel func()
}

func (c cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

func TestImportCancelledLeavesQueue(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts ImportOptions
	}{
		{"in place", ImportOptions{}},
		{"copy", ImportOptions{InPlaceMax: -1, BatchSize: 2}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			q := newTestQueue(t)
			q.mustImport("1", "2")
			before, _ := os.ReadFile(q.path)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			src := Source{Name: "l.txt", R: cancelAtEOF{strings.NewReader("3\n4\n5\n6\n7\n"), cancel}, Format: input.Text}
			_, err := q.Import(ctx, []Source{src}, mode.opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			after, _ := os.ReadFile(q.path)
			if !bytes.Equal(before, after) {
				t.Error("queue file changed")
			}
			if got := keys(q.all()); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("targets = %v", got)
			}
		})
	}
}

func TestImportDryRun(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2")
	before, _ := os.ReadFile(q.path)
	sum, err := q.importText(ImportOptions{DryRun: true}, "2", "3", "3", "@x")
	if err != nil {
		t.Fatal(err)
	}
	if !sum.DryRun || sum.Added != 2 || sum.AlreadyPending != 1 || sum.Duplicate != 1 {
		t.Errorf("summary = %+v", sum)
	}
	after, _ := os.ReadFile(q.path)
	if !bytes.Equal(before, after) {
		t.Error("dry run changed the file")
	}
	sum, err = CheckImport(t.Context(), []Source{textSource("l", "2", "3", "3")}, ImportOptions{})
	if err != nil || sum.Added != 2 || sum.Duplicate != 1 || !sum.DryRun {
		t.Errorf("CheckImport = %+v, %v", sum, err)
	}
}

// The copy path and the in-place path produce the same queue.
func TestImportCopyMatchesInPlace(t *testing.T) {
	lines := []string{}
	for i := range 500 {
		switch {
		case i%17 == 0:
			lines = append(lines, "@user"+string(rune('a'+i%26)))
		case i%5 == 0:
			lines = append(lines, "1000") // duplicate
		default:
			lines = append(lines, strings.Repeat("9", 1+i%19)[:1+i%19]+"")
		}
	}
	for i := range 300 {
		lines = append(lines, string(rune('1'+i%9))+strings.Repeat("0", i%18))
	}
	a, b := newTestQueue(t), newTestQueue(t)
	a.mustImport("1000", "@UserA")
	b.mustImport("1000", "@UserA")
	sa, err := a.importText(ImportOptions{}, lines...)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.importText(ImportOptions{InPlaceMax: -1, BatchSize: 7}, lines...)
	if err != nil {
		t.Fatal(err)
	}
	if !equalSummary(sa, sb) {
		t.Errorf("summaries differ: %+v vs %+v", sa, sb)
	}
	if !slices.EqualFunc(a.all(), b.all(), equalTarget) {
		t.Error("targets differ")
	}
	if a.counts() != b.counts() {
		t.Errorf("counts differ: %+v vs %+v", a.counts(), b.counts())
	}
	b.reopen()
	if !slices.EqualFunc(a.all(), b.all(), equalTarget) {
		t.Error("targets differ after reopen")
	}
}

func TestSortIDs(t *testing.T) {
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		a := make([]identry, n)
		seed := uint64(n) + 1
		for i := range a {
			seed = seed*6364136223846793005 + 1442695040888963407
			id := seed >> (seed % 40)
			if i%7 == 0 && i > 0 {
				id = a[i/2].id
			}
			a[i] = identry{id: id, ord: uint32(i)}
		}
		want := slices.Clone(a)
		slices.SortStableFunc(want, func(x, y identry) int {
			if x.id != y.id {
				if x.id < y.id {
					return -1
				}
				return 1
			}
			return 0
		})
		sortIDs(a)
		if !slices.Equal(a, want) {
			t.Errorf("n=%d: radix sort differs from a stable sort", n)
		}
	}
}

func TestRecord(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("11", "22", "33")
	t0 := q.clock.Now()
	// A transient error: attempt counted, still pending, meta in the same transaction.
	err := q.Record(1, Result{State: Pending, CountAttempt: true, Err: &ErrorInfo{Status: 503, Title: "Service Unavailable"},
		Run: &RunState{Limiter: []byte(`{"remaining":3}`), Sending: 1}})
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := q.Get(1)
	if tg.State != Pending || tg.Attempts != 1 || tg.Last == nil || tg.Last.Status != 503 || !tg.UpdatedAt.Equal(t0) || !tg.FinishedAt.IsZero() {
		t.Errorf("after transient error: %+v", tg)
	}
	if v, _ := q.LimiterState(); string(v) != `{"remaining":3}` || q.Sending() != 1 {
		t.Errorf("run state = %q, sending %d", v, q.Sending())
	}
	// A window-limited 429: not counted.
	if err := q.Record(1, Result{State: Pending, Err: &ErrorInfo{Status: 429}}); err != nil {
		t.Fatal(err)
	}
	q.clock.Advance(time.Hour)
	at := q.clock.Now().Add(-time.Second)
	if err := q.Record(1, Result{State: Done, Reason: "unfollowed", CountAttempt: true, At: at, Run: &RunState{GaveUp: 2}}); err != nil {
		t.Fatal(err)
	}
	tg, _ = q.Get(1)
	if tg.State != Done || tg.Attempts != 2 || tg.Last != nil || tg.Reason != "unfollowed" || !tg.FinishedAt.Equal(at) {
		t.Errorf("after done: %+v", tg)
	}
	// A nil Limiter leaves the saved state; Sending 0 says no request is in flight.
	if v, _ := q.LimiterState(); string(v) != `{"remaining":3}` || q.Sending() != 0 || q.GaveUp() != 2 {
		t.Errorf("run state after done = %q, sending %d, gave up %d", v, q.Sending(), q.GaveUp())
	}
	if err := q.Record(1, Result{State: Done}); !errors.Is(err, ErrNotPending) {
		t.Errorf("record on done target: %v, want ErrNotPending", err)
	}
	if err := q.Record(99, Result{State: Done}); !errors.Is(err, ErrNoTarget) {
		t.Errorf("record on missing target: %v, want ErrNoTarget", err)
	}
	if err := q.Record(2, Result{}); err == nil {
		t.Error("record with zero state succeeded")
	}
	if err := q.Record(2, Result{State: Failed, Reason: "not found", Err: &ErrorInfo{Status: 200, Type: "https://api.twitter.com/2/problems/resource-not-found"}}); err != nil {
		t.Fatal(err)
	}
	if c := q.counts(); c != (Counts{Total: 3, Pending: 1, Done: 1, Failed: 1}) {
		t.Errorf("counts = %+v", c)
	}
	next, ok, _ := q.Next()
	if !ok || next.Seq != 3 {
		t.Errorf("Next = %+v, %v", next, ok)
	}
	ps, _ := q.Pending(0, 10)
	if !slices.Equal(keys(ps), []string{"33"}) {
		t.Errorf("Pending = %v", keys(ps))
	}
}

func TestPendingPaging(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2", "3", "4", "5", "6")
	q.MarkSkipped([]uint64{2, 5}, "kept")
	got, err := q.Pending(1, 2)
	if err != nil || !slices.Equal(keys(got), []string{"3", "4"}) {
		t.Errorf("Pending(1,2) = %v, %v", keys(got), err)
	}
	got, _ = q.Pending(4, 10)
	if !slices.Equal(keys(got), []string{"6"}) {
		t.Errorf("Pending(4,10) = %v", keys(got))
	}
}

func TestMarkSkippedAndRetry(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2", "3", "4")
	n, err := q.MarkSkipped([]uint64{1, 2}, "not following")
	if err != nil || n != 2 {
		t.Fatalf("MarkSkipped = %d, %v", n, err)
	}
	if n, _ := q.MarkSkipped([]uint64{2, 3}, "kept"); n != 1 {
		t.Errorf("second MarkSkipped = %d, want 1 (2 is already skipped)", n)
	}
	if tg, _ := q.Get(2); tg.Reason != "not following" {
		t.Errorf("skipped target's reason changed: %+v", tg)
	}
	if _, err := q.MarkSkipped([]uint64{42}, "x"); !errors.Is(err, ErrNoTarget) {
		t.Errorf("MarkSkipped(42) = %v", err)
	}
	q.Record(4, Result{State: Failed, Reason: "gave up", CountAttempt: true, Err: &ErrorInfo{Status: 500}})
	n, err = q.Retry()
	if err != nil || n != 1 {
		t.Fatalf("Retry = %d, %v", n, err)
	}
	tg, _ := q.Get(4)
	if tg.State != Pending || tg.Attempts != 0 || tg.Last == nil || tg.Last.Status != 500 || !tg.FinishedAt.IsZero() {
		t.Errorf("retried target = %+v", tg)
	}
	if n, _ := q.Retry(); n != 0 {
		t.Errorf("second Retry = %d", n)
	}
	if c := q.counts(); c != (Counts{Total: 4, Pending: 1, Skipped: 3}) {
		t.Errorf("counts = %+v", c)
	}
}

func TestRetryManyBatches(t *testing.T) {
	q := newTestQueue(t)
	lines := make([]string, 10_005)
	seqs := make([]uint64, len(lines))
	for i := range lines {
		lines[i] = strconv.Itoa(i + 1)
		seqs[i] = uint64(i + 1)
	}
	q.mustImport(lines...)
	err := q.update(func(tx *bbolt.Tx) error {
		for _, seq := range seqs {
			old, _ := getRec(tx, seq)
			nw := old
			nw.state = Failed
			if err := put(tx, seq, &old, &nw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := q.Retry()
	if err != nil || n != len(lines) {
		t.Errorf("Retry = %d, %v", n, err)
	}
	if c := q.counts(); c.Pending != len(lines) || c.Failed != 0 {
		t.Errorf("counts = %+v", c)
	}
}

func TestResolve(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("100", "@alice", "@bob", "@carol")
	if err := q.Resolve(2, "200", "Alice"); err != nil {
		t.Fatal(err)
	}
	tg, _ := q.Get(2)
	if tg.ID != "200" || tg.Username != "Alice" || tg.State != Pending {
		t.Errorf("resolved = %+v", tg)
	}
	// @bob is 100, already queued: skipped as a duplicate.
	if err := q.Resolve(3, "100", "bob"); err != nil {
		t.Fatal(err)
	}
	tg, _ = q.Get(3)
	if tg.State != Skipped || tg.Reason != "duplicate of 100" || tg.ID != "100" {
		t.Errorf("duplicate = %+v", tg)
	}
	if found, ok, _ := q.Lookup("100"); !ok || found.Seq != 1 {
		t.Errorf("Lookup(100) = %+v, %v: the id index must keep the first target", found, ok)
	}
	if found, ok, _ := q.Lookup("@ALICE"); !ok || found.Seq != 2 {
		t.Errorf("Lookup(@ALICE) = %+v, %v", found, ok)
	}
	un, _ := q.Unresolved()
	if !slices.Equal(keys(un), []string{"@carol"}) {
		t.Errorf("Unresolved = %v", keys(un))
	}
	if c := q.counts(); c != (Counts{Total: 4, Pending: 3, Skipped: 1, Unresolved: 1}) {
		t.Errorf("counts = %+v", c)
	}
	for _, tt := range []struct {
		seq uint64
		id  string
		err error
	}{
		{3, "300", ErrNotPending},
		{9, "300", ErrNoTarget},
		{4, "12a", nil},
		{4, "", nil},
		{4, "-1", nil},
	} {
		err := q.Resolve(tt.seq, tt.id, "")
		if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) {
			t.Errorf("Resolve(%d, %q) = %v, want %v", tt.seq, tt.id, err, tt.err)
		}
	}
	// Importing the resolved id or the handle again adds nothing.
	if sum := q.mustImport("200", "@Alice", "@BOB"); sum.Added != 0 || sum.AlreadyPending != 2 || sum.AlreadyFinished != 1 {
		t.Errorf("re-import summary = %+v", sum)
	}
}

// TestResolveSkipped: a handle resolved to an account X says is not
// followed (or kept) is resolved and skipped in one write; a duplicate is
// still a duplicate; a handle whose DELETE may have reached X is resolved
// but never recorded as not following.
func TestResolveSkipped(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("100", "@gone", "@dup", "@kept", "@sent")
	if err := q.ResolveSkipped(2, "200", "Gone", ReasonNotFollowing); err != nil {
		t.Fatal(err)
	}
	if tg, _ := q.Get(2); tg.State != Skipped || tg.Reason != ReasonNotFollowing || tg.ID != "200" || tg.Username != "Gone" {
		t.Errorf("not followed = %+v", tg)
	}
	if err := q.ResolveSkipped(3, "100", "dup", ReasonNotFollowing); err != nil {
		t.Fatal(err)
	}
	if tg, _ := q.Get(3); tg.State != Skipped || tg.Reason != "duplicate of 100" {
		t.Errorf("duplicate = %+v", tg)
	}
	if err := q.ResolveSkipped(4, "400", "kept", ReasonKept); err != nil {
		t.Fatal(err)
	}
	if tg, _ := q.Get(4); tg.State != Skipped || tg.Reason != ReasonKept {
		t.Errorf("kept = %+v", tg)
	}
	if err := q.Record(5, Result{State: Pending, MayHaveTakenEffect: true}); err != nil {
		t.Fatal(err)
	}
	if err := q.ResolveSkipped(5, "500", "sent", ReasonNotFollowing); err != nil {
		t.Fatal(err)
	}
	if tg, _ := q.Get(5); tg.State != Pending || tg.ID != "500" || !tg.MayHaveTakenEffect {
		t.Errorf("a handle that may have been unfollowed = %+v, want pending and resolved", tg)
	}
	if err := q.ResolveSkipped(2, "200", "Gone", ReasonNotFollowing); !errors.Is(err, ErrNotPending) {
		t.Errorf("ResolveSkipped of a finished target = %v, want ErrNotPending", err)
	}
	if err := q.ResolveSkipped(5, "500", "sent", ""); err == nil {
		t.Error("ResolveSkipped without a reason succeeded")
	}
	if c := q.counts(); c != (Counts{Total: 5, Pending: 2, Skipped: 3}) {
		t.Errorf("counts = %+v", c)
	}
}

func TestAccountMetaLastRun(t *testing.T) {
	q := newTestQueue(t)
	if id, name, err := q.Account(); id != "" || name != "" || err != nil {
		t.Errorf("Account = %q, %q, %v", id, name, err)
	}
	if err := q.BindAccount("42", "me"); err != nil {
		t.Fatal(err)
	}
	if err := q.BindAccount("42", "me2"); err != nil {
		t.Errorf("rebinding the same id: %v", err)
	}
	err := q.BindAccount("43", "other")
	var am *AccountMismatchError
	if !errors.Is(err, ErrAccountMismatch) || !errors.As(err, &am) || am.BoundID != "42" || !strings.Contains(err.Error(), "@me2") {
		t.Errorf("BindAccount(other) = %v", err)
	}
	if err := q.BindAccount("x", ""); err == nil {
		t.Error("BindAccount with a bad id succeeded")
	}
	if err := q.SetReadWindows([]byte(`{"users/me":{}}`)); err != nil {
		t.Fatal(err)
	}
	run := RunInfo{PID: 7, Started: q.clock.Now().UTC(), Outcome: "stopped", ExitCode: 75, Done: 3, Message: "signal"}
	if err := q.SetLastRun(run); err != nil {
		t.Fatal(err)
	}
	q.reopen()
	if id, name, _ := q.Account(); id != "42" || name != "me2" {
		t.Errorf("Account after reopen = %q, %q", id, name)
	}
	if v, _ := q.ReadWindows(); string(v) != `{"users/me":{}}` {
		t.Errorf("ReadWindows = %q", v)
	}
	if v, _ := q.LimiterState(); v != nil {
		t.Errorf("LimiterState never saved = %q", v)
	}
	got, err := q.LastRun()
	if err != nil || got == nil || !got.Started.Equal(run.Started) || got.Outcome != "stopped" || got.ExitCode != 75 || got.Done != 3 {
		t.Errorf("LastRun = %+v, %v", got, err)
	}
}

func TestReopenKeepsState(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2", "@h", "4")
	q.Record(1, Result{State: Done, Reason: "unfollowed", CountAttempt: true})
	q.Record(2, Result{State: Pending, CountAttempt: true, Err: &ErrorInfo{Status: 502, Detail: "bad gateway"}})
	q.Resolve(3, "3", "h")
	before, c := q.all(), q.counts()
	q.reopen()
	if !slices.EqualFunc(before, q.all(), equalTarget) {
		t.Errorf("targets changed across reopen:\n%+v\n%+v", before, q.all())
	}
	if q.counts() != c {
		t.Errorf("counts changed across reopen: %+v vs %+v", c, q.counts())
	}
	next, _, _ := q.Next()
	if next.Seq != 2 || next.Attempts != 1 {
		t.Errorf("Next after reopen = %+v", next)
	}
}

func TestExportFilter(t *testing.T) {
	q := newTestQueue(t)
	var lines []string
	for i := 1; i <= 2500; i++ {
		lines = append(lines, strconv.Itoa(i))
	}
	q.mustImport(lines...)
	q.Record(2400, Result{State: Done})
	q.Record(3, Result{State: Failed})
	q.MarkSkipped([]uint64{1, 2499}, "kept")
	for _, tt := range []struct {
		state State
		want  int
		first string
	}{
		{0, 2500, "1"}, {Pending, 2496, "2"}, {Done, 1, "2400"}, {Failed, 1, "3"}, {Skipped, 2, "1"},
	} {
		var got []Target
		if err := q.Export(tt.state, func(tg Target) error { got = append(got, tg); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want || got[0].ID != tt.first {
			t.Errorf("Export(%v): %d targets, first %+v", tt.state, len(got), got[0])
		}
		for i := 1; i < len(got); i++ {
			if got[i].Seq <= got[i-1].Seq || (tt.state != 0 && got[i].State != tt.state) {
				t.Fatalf("Export(%v) out of order or wrong state at %d", tt.state, i)
			}
		}
	}
	stop := errors.New("stop")
	if err := q.Export(0, func(Target) error { return stop }); err != stop {
		t.Errorf("Export did not return fn's error: %v", err)
	}
	if err := q.Export(State(9), func(Target) error { return nil }); err == nil {
		t.Error("Export(9) succeeded")
	}
}

func TestLocked(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1")
	for _, ro := range []bool{false, true} {
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			s, err := Open(q.path, Options{ReadOnly: ro})
			if err == nil {
				s.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			t.Logf("read-only=%v: second open failed after %v", ro, time.Since(start))
			var le *LockedError
			if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v, want *LockedError", err)
			}
			if le.PID != os.Getpid() || le.Command != "test" || !le.Temporary() {
				t.Errorf("LockedError = %+v", le)
			}
			want := "queue " + q.path + " is in use by another run (test, pid "
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("message %q, want prefix %q", err, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("second Open hangs")
		}
	}
}

func TestReadStatus(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1", "2", "3", "@x")
	q.BindAccount("42", "me")
	q.Record(1, Result{State: Done, Run: &RunState{Limiter: []byte(`{"reset":"2026-03-01T12:15:00Z","remaining":0}`)}})
	q.SetLastRun(RunInfo{PID: 1, Started: q.clock.Now().UTC(), Outcome: "finished"})

	// While the queue is held, status comes from the snapshot.
	st, err := ReadStatus(q.path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.FromSnapshot || st.ActiveRun == nil || st.ActiveRun.PID != os.Getpid() || st.ActiveRun.Command != "test" {
		t.Errorf("status while held = %+v", st)
	}
	want := Status{Queue: q.path, SchemaVersion: newSchema, Total: 4, Pending: 3, Done: 1, Unresolved: 1}
	if st.Total != want.Total || st.Pending != want.Pending || st.Done != want.Done || st.Unresolved != 1 || st.SchemaVersion != newSchema || st.Queue != q.path {
		t.Errorf("status = %+v, want counts of %+v", st, want)
	}
	if st.Account == nil || st.Account.ID != "42" || st.LastRun == nil || st.LastRun.Outcome != "finished" {
		t.Errorf("account/last run = %+v, %+v", st.Account, st.LastRun)
	}
	var rl map[string]any
	if json.Unmarshal(st.RateLimit, &rl) != nil || rl["remaining"] != 0.0 {
		t.Errorf("ratelimit = %s", st.RateLimit)
	}
	// Every commit refreshes the snapshot.
	q.Record(2, Result{State: Failed})
	st, _ = ReadStatus(q.path)
	if st.Failed != 1 || st.Pending != 2 {
		t.Errorf("snapshot not refreshed: %+v", st)
	}

	// Closed: status reads the file itself, and the snapshot says no run.
	q.Close()
	q.Store = nil
	st, err = ReadStatus(q.path)
	if err != nil {
		t.Fatal(err)
	}
	if st.FromSnapshot || st.ActiveRun != nil || st.Failed != 1 || st.Account.Username != "me" {
		t.Errorf("status after close = %+v", st)
	}
	snap, err := readSnapshot(q.path)
	if err != nil || snap.ActiveRun != nil || snap.Failed != 1 {
		t.Errorf("snapshot after close = %+v, %v", snap, err)
	}
	if _, err := ReadStatus(filepath.Join(t.TempDir(), "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadStatus(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestStatusJSONSchema(t *testing.T) {
	st := Status{Queue: "q.db", SchemaVersion: 1, Total: 3, Pending: 1, Done: 1, Skipped: 1, AsOf: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"queue":"q.db","schema_version":1,"total":3,"pending":1,"done":1,"skipped":1,"failed":0,"unresolved":0,` +
		`"account":null,"active_run":null,"last_run":null,"ratelimit":null,"spent_usd":0,"spend":null,"following_snapshot":null,"as_of":"2026-01-02T03:04:05Z","from_snapshot":false}`
	if string(b) != want {
		t.Errorf("status JSON\n got %s\nwant %s", b, want)
	}
}

func TestSchemaAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(newer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bSys).Put(kSchema, binary.AppendUvarint(nil, SchemaVersion+1))
	})
	s.Close()
	for _, ro := range []bool{false, true} {
		_, err = Open(newer, Options{ReadOnly: ro})
		var se *SchemaError
		if !errors.As(err, &se) || se.Version != SchemaVersion+1 || !strings.Contains(err.Error(), "upgrade bulkunfollow") {
			t.Errorf("open newer schema (read-only %v): %v", ro, err)
		}
	}

	foreign := filepath.Join(dir, "foreign.db")
	db, _ := bbolt.Open(foreign, 0o600, nil)
	db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()
	if _, err := Open(foreign, Options{}); !errors.Is(err, ErrNotQueue) {
		t.Errorf("open foreign bbolt file: %v", err)
	}
	junk := filepath.Join(dir, "list.csv")
	os.WriteFile(junk, bytes.Repeat([]byte("1234567890\n"), 1000), 0o600)
	if _, err := Open(junk, Options{}); !errors.Is(err, ErrNotQueue) {
		t.Errorf("open a CSV file as a queue: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.db"), Options{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open of a missing file: %v", err)
	}
}

func TestOpenRemovesStaleImportCopy(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1")
	q.Close()
	q.Store = nil
	var stale []string
	for _, p := range []string{q.path, statusPath(q.path)} {
		f, err := os.CreateTemp(filepath.Dir(p), atomicfile.TempPattern(p))
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("half a copy")
		f.Close()
		stale = append(stale, f.Name())
	}
	q.open()
	for _, name := range stale {
		if _, err := os.Stat(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale %s not removed: %v", name, err)
		}
	}
	if got := keys(q.all()); !slices.Equal(got, []string{"1"}) {
		t.Errorf("targets = %v", got)
	}
}

func TestReadOnlyRejectsWrites(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("1")
	q.Close()
	q.Store = nil
	s, err := Open(q.path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Record(1, Result{State: Done}); err == nil {
		t.Error("Record on a read-only queue succeeded")
	}
	if _, err := s.Import(t.Context(), []Source{textSource("l", "2")}, ImportOptions{}); err == nil {
		t.Error("Import on a read-only queue succeeded")
	}
	if sum, err := s.Import(t.Context(), []Source{textSource("l", "1", "2")}, ImportOptions{DryRun: true}); err != nil || sum.Added != 1 || sum.AlreadyPending != 1 {
		t.Errorf("dry-run import on a read-only queue = %+v, %v", sum, err)
	}
}

// Opening an existing queue for writing and closing it changes no byte of
// the file: a failed import or a declined run leaves it exactly as it was.
func TestOpenWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(context.Background(), []Source{{Name: "a.txt", R: strings.NewReader("1\n2\n")}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("opening and closing the queue changed the file")
	}
}

// Status of an unchanged queue reads the same every time: as_of is when the
// queue last changed, not when it was read.
func TestStatusStableUntilChange(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(context.Background(), []Source{{Name: "a.txt", R: strings.NewReader("1\n2\n")}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	first, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	second, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	if !first.AsOf.Equal(second.AsOf) || first.AsOf.IsZero() {
		t.Errorf("as_of %v then %v for an unchanged queue", first.AsOf, second.AsOf)
	}
	s, err = Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retry(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLastSuccess(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	third, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	if !third.AsOf.Equal(now) {
		t.Errorf("as_of after a change = %v, want %v", third.AsOf, now)
	}
}

// SetUsernames names pending targets that have no username, and leaves
// finished or already named targets alone.
func TestSetUsernames(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("11", "12", "13", "@named")
	if err := q.Resolve(4, "14", "named"); err != nil {
		t.Fatal(err)
	}
	if err := q.Record(3, Result{State: Done, Reason: "unfollowed"}); err != nil {
		t.Fatal(err)
	}
	n, err := q.SetUsernames(map[uint64]string{1: "alice", 2: "", 3: "carol", 4: "renamed", 99: ""})
	if err != nil || n != 1 {
		t.Fatalf("SetUsernames = %d, %v; want 1", n, err)
	}
	q.reopen()
	got := map[uint64]string{}
	for _, tg := range q.all() {
		got[tg.Seq] = tg.Username
	}
	want := map[uint64]string{1: "alice", 2: "", 3: "", 4: "named"}
	if !maps.Equal(got, want) {
		t.Errorf("usernames %v, want %v", got, want)
	}
}
