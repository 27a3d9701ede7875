package worker

import (
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
)

// TestDecide is the table of what preparation decides for one pending
// target: skipped and why, or sent.
func TestDecide(t *testing.T) {
	keep := &KeepList{ids: map[string]bool{"30": true}, handles: map[string]bool{"friend": true}}
	base := func() *preparation {
		p := newPreparation(User{ID: "1", Username: "me"})
		p.keep = keep
		p.followed = map[string]string{"20": "followed", "30": "kept", "40": "friend"}
		p.covers, p.fresh = 20, true // the list speaks for targets 1 to 20, read by this run
		p.resolved[7] = User{ID: "20", Username: "followed"}
		p.resolved[8] = User{ID: "1", Username: "me"}
		p.duplicates[9] = true
		p.looked[11] = User{ID: "60", Followed: FollowedNo}
		p.looked[12] = User{ID: "61", Followed: FollowedYes}
		p.resolved[13] = User{ID: "62", Username: "gone", Followed: FollowedNo}
		p.unknown[14] = UnknownUser{Username: "63"}
		return p
	}
	for _, tc := range []struct {
		name       string
		t          queue.Target
		noFollowed bool // no following list (prefilter off or unreadable)
		reason     string
		send       bool
		stale      bool // the list was read by an earlier run
	}{
		{"followed id", queue.Target{Seq: 1, ID: "20"}, false, "", true, false},
		{"not followed", queue.Target{Seq: 1, ID: "21"}, false, queue.ReasonNotFollowing, false, false},
		{"not followed, no list", queue.Target{Seq: 1, ID: "21"}, true, "", true, false},
		{"own account", queue.Target{Seq: 1, ID: "1"}, false, queue.ReasonOwnAccount, false, false},
		{"own account, no list", queue.Target{Seq: 1, ID: "1"}, true, queue.ReasonOwnAccount, false, false},
		{"kept by id", queue.Target{Seq: 1, ID: "30"}, false, queue.ReasonKept, false, false},
		{"kept by the username the list gives", queue.Target{Seq: 1, ID: "40"}, false, queue.ReasonKept, false, false},
		{"kept by its handle", queue.Target{Seq: 1, Handle: "Friend", ID: "50"}, true, queue.ReasonKept, false, false},
		{"kept beats not followed", queue.Target{Seq: 1, ID: "30"}, false, queue.ReasonKept, false, false},
		{"resolved handle, followed", queue.Target{Seq: 7, Handle: "followed"}, false, "", true, false},
		{"resolved handle is the account", queue.Target{Seq: 8, Handle: "me"}, false, queue.ReasonOwnAccount, false, false},
		{"duplicate handle", queue.Target{Seq: 9, Handle: "dup"}, false, "", false, false},
		{"handle the list lacks", queue.Target{Seq: 10, Handle: "later"}, false, queue.ReasonNotFollowing, false, false},
		{"unresolved handle, no list", queue.Target{Seq: 10, Handle: "later"}, true, "", false, false},
		{"kept handle the list lacks", queue.Target{Seq: 10, Handle: "friend"}, false, queue.ReasonKept, false, false},
		{"kept handle, no list: no lookup", queue.Target{Seq: 10, Handle: "friend"}, true, queue.ReasonKept, false, false},
		{"sampled id, not followed", queue.Target{Seq: 11, ID: "60"}, true, queue.ReasonNotFollowing, false, false},
		{"sampled id, followed", queue.Target{Seq: 12, ID: "61"}, true, "", true, false},
		{"the list beats the sample", queue.Target{Seq: 12, ID: "61"}, false, queue.ReasonNotFollowing, false, false},
		{"handle resolved, not followed", queue.Target{Seq: 13, Handle: "gone"}, true, queue.ReasonNotFollowing, false, false},
		{"id X does not know", queue.Target{Seq: 14, ID: "63"}, true, "", false, false},
		// Queued after the list was read: it may have been followed since.
		{"id queued after the list", queue.Target{Seq: 21, ID: "21"}, false, "", true, false},
		{"handle queued after the list", queue.Target{Seq: 21, Handle: "later"}, false, "", false, false},
		// An earlier run's list: a handle it lacks may have been renamed.
		{"handle an older list lacks", queue.Target{Seq: 10, Handle: "later"}, false, "", false, true},
		{"id an older list lacks", queue.Target{Seq: 1, ID: "21"}, false, queue.ReasonNotFollowing, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			if tc.noFollowed {
				p.followed = nil
			}
			p.fresh = !tc.stale
			reason, send := p.decide(tc.t)
			if reason != tc.reason || send != tc.send {
				t.Errorf("decide(%+v) = %q, %v; want %q, %v", tc.t, reason, send, tc.reason, tc.send)
			}
		})
	}
}

// TestMayHaveTakenEffect is the table of the crash-recovery rule: which
// pending targets may already be unfollowed by an earlier request.
func TestMayHaveTakenEffect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		t       queue.Target
		sending uint64
		want    bool
	}{
		{"never sent", queue.Target{Seq: 1}, 0, false},
		{"the mark", queue.Target{Seq: 1, MayHaveTakenEffect: true}, 0, true},
		{"in flight when the run died", queue.Target{Seq: 1}, 1, true},
		{"another in flight", queue.Target{Seq: 1}, 2, false},
		{"outcome unknown (older queue)", queue.Target{Seq: 1, Reason: queue.ReasonOutcomeUnknown}, 0, true},
		{"still following (older queue)", queue.Target{Seq: 1, Reason: queue.ReasonStillFollowing}, 0, true},
		{"tried, no answer recorded", queue.Target{Seq: 1, Attempts: 1}, 0, true},
		{"tried, answer without status", queue.Target{Seq: 1, Attempts: 1, Last: &queue.ErrorInfo{Detail: "reset"}}, 0, true},
		{"tried, X answered 503", queue.Target{Seq: 1, Attempts: 1, Last: &queue.ErrorInfo{Status: 503}}, 0, false},
	} {
		if got := mayHaveTakenEffect(tc.t, tc.sending); got != tc.want {
			t.Errorf("%s: mayHaveTakenEffect = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestConsiderConfirms: a target that is not followed any more is
// confirmed done when an earlier request may have unfollowed it, and
// skipped as not following otherwise; a sent target is named from the
// following list.
func TestConsiderConfirms(t *testing.T) {
	p := newPreparation(User{ID: "1"})
	p.followed, p.covers, p.fresh = map[string]string{"20": "alice"}, 10, true
	p.sending = 3
	p.consider(queue.Target{Seq: 2, ID: "21"})                           // never sent: skipped
	p.consider(queue.Target{Seq: 3, ID: "22"})                           // in flight: confirmed
	p.consider(queue.Target{Seq: 4, ID: "23", MayHaveTakenEffect: true}) // marked: confirmed
	p.consider(queue.Target{Seq: 5, ID: "20"})                           // followed: sent, named
	if got := p.skips[queue.ReasonNotFollowing]; len(got) != 1 || got[0] != 2 {
		t.Errorf("not following = %v, want [2]", got)
	}
	if len(p.confirmed) != 2 || p.confirmed[0] != 3 || p.confirmed[1] != 4 {
		t.Errorf("confirmed = %v, want [3 4]", p.confirmed)
	}
	if p.toSend != 1 || p.usernames[5] != "alice" {
		t.Errorf("toSend %d, usernames %v; want 1 sent, named alice", p.toSend, p.usernames)
	}
}

// TestMakePlan is the table of the plan's drain estimate: how many go in
// this run, why not all, and when the last one goes.
func TestMakePlan(t *testing.T) {
	now := testStart
	rate := ratelimit.Rate{N: 50, Per: 15 * time.Minute}
	for _, tc := range []struct {
		name     string
		toSend   int
		o        JobOptions
		used     int // requests already in the daily cap's 24 hours (an hour ago; negative: a second ago, the window spent)
		sendable int
		stop     StopReason
		finish   time.Duration
		rtt      time.Duration // a request's round trip
		next     time.Duration // when the first request left over could go; 0: none left over
	}{
		{"one window", 50, JobOptions{Rate: rate}, 0, 50, "", 0, 0, 0},
		{"two windows", 51, JobOptions{Rate: rate}, 0, 51, "", 15 * time.Minute, 0, 0}, // X's window resets whole
		{"max", 100, JobOptions{Rate: rate, Max: 10}, 0, 10, StopMaxReached, 0, 0, 0},
		{"deadline", 100, JobOptions{Rate: rate, Deadline: now.Add(time.Minute)}, 0, 50, StopDeadline, 0, 0, 15 * time.Minute},
		{"daily cap", 100, JobOptions{Rate: rate, DailyCap: 30}, 0, 30, StopDailyCap, 0, 0, 24 * time.Hour},
		{"daily cap partly used", 100, JobOptions{Rate: rate, DailyCap: 30}, 25, 5, StopDailyCap, 0, 0, 23 * time.Hour},
		{"jitter", 10, JobOptions{Rate: rate, Jitter: 4 * time.Second}, 0, 10, "", 20 * time.Second, 0, 0},
		// Issue 11: "--max 40" planned "about 0s" for 15 s of requests.
		{"round trips", 100, JobOptions{Rate: rate, Max: 40}, 0, 40, StopMaxReached, 12 * time.Second, 300 * time.Millisecond, 0},
		{"round trips, two windows", 51, JobOptions{Rate: rate}, 0, 51, "", 15 * time.Minute, 300 * time.Millisecond, 0},
		// A spent window the deadline comes before: none in this run, and
		// the plan says when the window reopens.
		{"spent window, deadline", 95, JobOptions{Rate: rate, Deadline: now.Add(time.Minute)}, -50, 0, StopDeadline, 0, 0, 14 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim, err := ratelimit.New(ratelimit.Config{Rate: tc.o.Rate, DailyCap: tc.o.DailyCap})
			if err != nil {
				t.Fatal(err)
			}
			used, at := tc.used, now.Add(-time.Hour)
			if used < 0 {
				used, at = -used, now.Add(-time.Second)
			}
			for range used {
				lim.Take(at)
			}
			p := newPreparation(User{ID: "1", Username: "me"})
			p.toSend, p.roundTrip = tc.toSend, tc.rtt
			pl := makePlan(p.me, "q.db", queue.Counts{}, p, lim, now, tc.o, planSpend{})
			// (whole seconds: the limiter adds a margin of a fraction of one
			// to X's reset)
			if pl.Send != tc.toSend || pl.Sendable != tc.sendable || pl.StopBy != tc.stop || pl.Finish.Sub(now).Truncate(time.Second) != tc.finish {
				t.Errorf("plan: send %d, %d in this run, stop %q, last after %v; want %d, %q, %v",
					pl.Send, pl.Sendable, pl.StopBy, pl.Finish.Sub(now), tc.sendable, tc.stop, tc.finish)
			}
			if next := pl.NextAt.Sub(now).Truncate(time.Minute); (tc.next == 0) != pl.NextAt.IsZero() || (tc.next != 0 && next != tc.next) {
				t.Errorf("plan: next request at +%v, want +%v", pl.NextAt.Sub(now), tc.next)
			}
			if lim.Status(now).DailyUsed != used {
				t.Errorf("the plan spent the run's limiter: %d used, want %d", lim.Status(now).DailyUsed, used)
			}
		})
	}
}
