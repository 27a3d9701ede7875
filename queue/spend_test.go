package queue

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Charges add up exactly; reads are billed once per resource per UTC day
// (the ledger empties when the day changes); an unfollow's charge rides
// on its result and a refund takes it back.
func TestSpendLedger(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("10", "20")
	want := func(step string, micro int64, kind string, count int) {
		t.Helper()
		sp, err := q.Spent()
		if err != nil {
			t.Fatal(err)
		}
		if sp.MicroUSD != micro || sp.Kinds[kind].Count != count {
			t.Fatalf("%s: spent %d µ$, %s %+v; want %d µ$, %d", step, sp.MicroUSD, kind, sp.Kinds[kind], micro, count)
		}
	}
	read := func(day string, ids ...string) int64 {
		t.Helper()
		n, err := q.AddCharge(Charge{Kind: "user_read", Price: 10_000, IDs: ids, OncePerDay: true, Day: day})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := read("2026-12-03", "1", "2", "2"); n != 20_000 {
		t.Fatalf("first read added %d", n)
	}
	if n := read("2026-12-03", "1", "3"); n != 10_000 {
		t.Fatalf("same day: added %d, want only the new user", n)
	}
	want("reads", 30_000, "user_read", 3)
	if n := read("2026-12-04", "1"); n != 10_000 {
		t.Fatalf("next day: added %d, want it billed again", n)
	}
	want("next day", 40_000, "user_read", 4)

	unfollow := &Charge{Kind: "unfollow", Price: 10_000, IDs: []string{"10"}}
	if err := q.Record(1, Result{State: Pending, MayHaveTakenEffect: true, Run: &RunState{Sending: 1, Charge: unfollow}}); err != nil {
		t.Fatal(err)
	}
	want("sent", 50_000, "unfollow", 1)
	refund := *unfollow
	refund.Refund = true
	if err := q.Record(1, Result{State: Pending, Run: &RunState{Charge: &refund}}); err != nil {
		t.Fatal(err)
	}
	want("refunded", 40_000, "unfollow", 0)
	if _, err := q.AddCharge(Charge{Kind: "user_read", Price: 1, OncePerDay: true, IDs: []string{"9"}}); err == nil {
		t.Fatal("a once-per-day charge without a day was accepted")
	}
	st, err := q.Status()
	if err != nil || st.SpentUSD != 0.04 || st.Spend["user_read"].MicroUSD != 40_000 {
		t.Fatalf("status spent %v %+v (%v)", st.SpentUSD, st.Spend, err)
	}
}

// The snapshot is kept with its time; what the job unfollows leaves it.
func TestFollowingSnapshot(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("10", "20")
	if _, _, ok, err := q.Following(); ok || err != nil {
		t.Fatalf("new queue has a snapshot: %v %v", ok, err)
	}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	if err := q.SetFollowing("1", at, map[string]string{"10": "ten", "30": "thirty"}); err != nil {
		t.Fatal(err)
	}
	if err := q.Record(1, Result{State: Done, Reason: ReasonUnfollowed}); err != nil {
		t.Fatal(err)
	}
	if err := q.Record(2, Result{State: Done, Reason: ReasonUnfollowed}); err != nil { // not in the list
		t.Fatal(err)
	}
	snap, followed, ok, err := q.Following()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if snap.Account != "1" || !snap.At.Equal(at) || snap.Count != 2 || snap.UnfollowedSince != 1 ||
		len(followed) != 1 || followed["30"] != "thirty" {
		t.Fatalf("snapshot %+v %v", snap, followed)
	}
	st, _ := q.Status()
	b, _ := json.Marshal(st)
	if !strings.Contains(string(b), `"following_snapshot":{"account":"1","at":"2026-12-03T10:00:00Z","count":2,"unfollowed_since":1,"covers":2}`) {
		t.Fatalf("status JSON %s", b)
	}
	// A new read replaces it.
	if err := q.SetFollowing("1", at.Add(time.Hour), map[string]string{"40": "forty"}); err != nil {
		t.Fatal(err)
	}
	if snap, followed, _, _ := q.Following(); snap.Count != 1 || snap.UnfollowedSince != 0 || followed["40"] != "forty" || len(followed) != 1 {
		t.Fatalf("refreshed snapshot %+v %v", snap, followed)
	}
	if err := q.SetSample(Sample{IDs: 20, IDsNotFollowed: 3}); err != nil {
		t.Fatal(err)
	}
	if sm, ok, err := q.Sample(); !ok || err != nil || sm.IDsNotFollowed != 3 {
		t.Fatalf("sample %+v %v %v", sm, ok, err)
	}
	// New targets: the sample no longer speaks for the pending ones.
	q.mustImport("50")
	if _, ok, _ := q.Sample(); ok {
		t.Error("an import kept the prefilter's sample")
	}
}
