package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// TestRunResolvesHandlesAcrossWindows: a queue with more @handles than
// one users/by window resolves (the ~90,000-handle case, scaled down to a
// window of 2 requests): before the plan only what the window allows now,
// after the yes the rest, 100 per request, written as they arrive and
// waiting for the window instead of stopping. A run stopped by its
// deadline keeps what it resolved; the next one goes on from there. No
// handle is looked up twice, no 429 is provoked.
func TestRunResolvesHandlesAcrossWindows(t *testing.T) {
	const handles = 1000
	x := newE2E(t, xapisim.Config{UsersByLimit: 2}, 3, 3, nil)
	var lines []string
	var followed []string
	for i := range handles {
		id := fmt.Sprintf("%d", 1720000000000000000+i)
		x.sim.AddUser(id, fmt.Sprintf("h%04d", i))
		lines = append(lines, fmt.Sprintf("@h%04d", i))
		if i%200 == 7 {
			followed = append(followed, id)
		}
	}
	x.sim.SetFollowing(worldUser, append(append([]string(nil), x.targets...), followed...))
	x.importList(t, lines)

	// Without the following list, no lookup before the plan (each costs
	// money), 2 per window after: by a 31-minute deadline, 600 handles are
	// looked up (with whether they are followed) and written.
	code, out := x.run(t, "--log-format", "text", "--yes", "--deadline", "31m", "--prefilter", "never")
	if code != exitTempFail {
		t.Fatalf("first run: exit %d, want %d (deadline)\n%s", code, exitTempFail, out)
	}
	if !strings.Contains(out, "Handles:  1000 @handles looked up after you confirm") {
		t.Errorf("the plan does not say what is left to resolve:\n%s", out)
	}
	c := x.counts(t)
	if c.Unresolved != handles-600 {
		t.Errorf("after the first run %d handles are unresolved, want %d", c.Unresolved, handles-600)
	}
	if st := x.sim.Stats(); st.Calls["users_by"] != 6 || st.RateLimited != 0 {
		t.Errorf("first run: %d users/by calls, %d 429s; want 6 and none", st.Calls["users_by"], st.RateLimited)
	}

	code, out = x.run(t, "--yes", "--prefilter", "never")
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	st := x.sim.Stats()
	if st.Calls["users_by"] != handles/100 || st.RateLimited != 0 {
		t.Errorf("in all: %d users/by calls, %d 429s; want %d (each handle looked up once) and none", st.Calls["users_by"], st.RateLimited, handles/100)
	}
	// connection_status said which handles are followed: only those cost
	// a DELETE.
	if st.UnfollowCalls != len(followed)+3 {
		t.Errorf("%d DELETEs, want %d (the followed handles and the 3 ids)", st.UnfollowCalls, len(followed)+3)
	}
	done, skipped := 0, 0
	for _, tg := range x.states(t) {
		switch {
		case tg.Handle == "":
			continue
		case tg.State == queue.Done:
			done++
		case tg.State == queue.Skipped && tg.Reason == queue.ReasonNotFollowing:
			skipped++
		default:
			t.Errorf("@%s ended %s (%s)", tg.Handle, tg.State, tg.Reason)
		}
	}
	if done != len(followed) || skipped != handles-len(followed) {
		t.Errorf("%d handles done, %d skipped; want %d and %d", done, skipped, len(followed), handles-len(followed))
	}
}

// TestRunKeepListWaitsForTheWindow: without the following list, a
// keep-list's @handles are looked up before anything is sent, and a spent
// users/by window is waited for instead of ending the run.
func TestRunKeepListWaitsForTheWindow(t *testing.T) {
	x := newE2E(t, xapisim.Config{UsersByLimit: 1}, 10, 10, nil)
	var keep []string
	for i := range 250 {
		id := fmt.Sprintf("%d", 1730000000000000000+i)
		x.sim.AddUser(id, fmt.Sprintf("k%03d", i))
		keep = append(keep, fmt.Sprintf("@k%03d", i))
	}
	x.sim.AddUser("1739999999999999999", "kept_target")
	keep = append(keep, "@kept_target")
	x.importList(t, []string{"1739999999999999999"})
	x.sim.SetFollowing(worldUser, append(append([]string(nil), x.targets...), "1739999999999999999"))

	code, out := x.run(t, "--yes", "--no-prefilter", "--keep", writeList(t, keep...))
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, out)
	}
	if !strings.Contains(out, "waiting for X's window of this endpoint") {
		t.Errorf("the run did not say it waited for the users/by window:\n%s", out)
	}
	st := x.sim.Stats()
	if st.Calls["users_by"] != 3 || st.RateLimited != 0 {
		t.Errorf("%d users/by calls, %d 429s; want 3 and none", st.Calls["users_by"], st.RateLimited)
	}
	if st.UnfollowCallsByTarget["1739999999999999999"] != 0 {
		t.Error("the kept target was unfollowed")
	}
	if st.Unfollowed != 10 {
		t.Errorf("%d unfollowed, want the 10 others", st.Unfollowed)
	}
}
