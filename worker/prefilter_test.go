package worker

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// prefilterJob is a Job over a real queue of n pending ids (2001, 2002,
// …) and handles, signed in as account 1 following count accounts.
func prefilterJob(t *testing.T, api *fakeClient, n int, handles []string, count int, o JobOptions) *Job {
	t.Helper()
	clk := testkit.NewClock(testStart)
	q := queuetest.Open(t, filepath.Join(t.TempDir(), "q.db"), queue.Options{Now: clk.Now})
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprint(2001+i))
	}
	lines = append(lines, handles...)
	if len(lines) > 0 {
		src := queue.Source{Name: "list.txt", R: strings.NewReader(strings.Join(lines, "\n") + "\n")}
		if _, err := q.Import(context.Background(), []queue.Source{src}, queue.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if o.Spending.Prices == nil {
		o.Spending = Spending{Prices: spend.Default(), OwnApp: true, Budget: o.Spending.Budget}
	}
	o.Clock, o.Log = clk, zerolog.Nop()
	led, err := newLedger(q, o.Spending, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{q: q, api: api, opts: o, me: User{ID: "1", Username: "me", FollowingCount: count}, led: led}
	j.read = reader{api: api, clock: clk, log: o.Log, attempts: 1, led: led}
	return j
}

// lookups answers users-by-ids with connection_status: an id is followed
// when followed says so; the number of ids asked is counted.
func lookups(asked *int, followed func(id string) bool) func([]string) ([]User, []UnknownUser, error) {
	return func(ids []string) ([]User, []UnknownUser, error) {
		*asked += len(ids)
		var users []User
		for _, id := range ids {
			f := FollowedNo
			if followed(id) {
				f = FollowedYes
			}
			users = append(users, User{ID: id, Followed: f})
		}
		return users, nil, nil
	}
}

func choose(t *testing.T, j *Job) (listChoice, *preparation) {
	t.Helper()
	p := newPreparation(j.me)
	c, err := j.q.Counts()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := j.chooseList(context.Background(), p, c)
	if err != nil {
		t.Fatal(err)
	}
	return ch, p
}

// TestChooseList is the table of the prefilter's decision in money.
func TestChooseList(t *testing.T) {
	every := func(string) bool { return true }
	none := func(string) bool { return false }
	for _, tc := range []struct {
		name      string
		n         int
		handles   []string
		count     int
		o         JobOptions
		followed  func(string) bool // nil: no lookup may be made
		use, read bool
		note      string
		maxAsked  int
	}{
		{"never", 100, nil, 1000, JobOptions{Prefilter: PrefilterNever}, nil, false, false, "off (--prefilter never)", 0},
		{"always", 100, nil, 1000, JobOptions{Prefilter: PrefilterAlways}, nil, true, true, "--prefilter always", 0},
		{"refresh", 100, nil, 1000, JobOptions{Prefilter: PrefilterAuto, RefreshFollowing: true}, nil, true, true, "--refresh-following", 0},
		{"count unknown", 100, nil, -1, JobOptions{}, nil, false, false, "did not say how many", 0},
		// 100 ids can save at most $1.00; 2,000 Owned Reads cost $2.00.
		{"list dearer than all it can save", 100, nil, 2000, JobOptions{}, nil, false, false, "more than it can save ($1.00 at most", 0},
		// $0.05 of Owned Reads: less than a sample of 10 lookups.
		{"list cheaper than a sample", 100, nil, 50, JobOptions{}, nil, true, true, "cheaper than the $0.10 a sample", 0},
		{"budget too small for the list", 1000, nil, 3000, JobOptions{Spending: Spending{Budget: 2_000_000}}, nil, false, false, "the budget leaves $2.00", 0},
		// 1,000 ids, list $3.00: it pays when more than 30% are not followed.
		{"sample: mostly followed", 1000, nil, 3000, JobOptions{}, every, false, false, "showed 0 of", 20},
		{"sample: largely not followed", 1000, nil, 3000, JobOptions{}, none, true, true, "it saves about $", 20},
		// Someone else's app: 3,000 × $0.010 = $30 > every target's $10.
		{"other app", 1000, nil, 3000, JobOptions{Spending: Spending{Prices: spend.Default()}}, nil, false, false, "more than it can save", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := 0
			api := &fakeClient{t: t}
			if tc.followed != nil {
				api.usersIDs = lookups(&asked, tc.followed)
			}
			j := prefilterJob(t, api, tc.n, tc.handles, tc.count, tc.o)
			ch, _ := choose(t, j)
			if ch.use != tc.use || ch.read != tc.read || !strings.Contains(ch.note, tc.note) {
				t.Errorf("choice use %v read %v %q; want %v %v, note with %q", ch.use, ch.read, ch.note, tc.use, tc.read, tc.note)
			}
			// A lopsided sample is clear after its first batch.
			if asked > tc.maxAsked || (tc.followed != nil && asked < sampleBatch) {
				t.Errorf("looked up %d targets, want %d to %d", asked, sampleBatch, tc.maxAsked)
			}
		})
	}
}

// TestChooseListKeepsTheSample: the sample is looked up once per job (a
// later run decides from the one in the queue), and what it learnt decides
// the sampled targets: one not followed is skipped, not sent.
func TestChooseListKeepsTheSample(t *testing.T) {
	asked := 0
	odd := func(id string) bool { return id[len(id)-1]%2 == 1 }
	api := &fakeClient{t: t, usersIDs: lookups(&asked, odd)}
	j := prefilterJob(t, api, 1000, nil, 3000, JobOptions{})
	ch, p := choose(t, j)
	if asked == 0 || len(p.looked) != asked {
		t.Fatalf("looked up %d, kept %d", asked, len(p.looked))
	}
	for seq, u := range p.looked {
		reason, send := p.decide(queue.Target{Seq: seq, ID: u.ID})
		if want := odd(u.ID); send != want || (!want && reason != queue.ReasonNotFollowing) {
			t.Errorf("sampled %s (followed %v): decided %q, send %v", u.ID, want, reason, send)
		}
	}
	sm, ok, err := j.q.Sample()
	if err != nil || !ok || sm.IDs != asked {
		t.Fatalf("sample in the queue %+v %v %v", sm, ok, err)
	}
	api.usersIDs = nil // a second lookup fails the test
	again, _ := choose(t, j)
	if again.read != ch.read || again.saves != ch.saves {
		t.Errorf("the second decision %+v differs from the first %+v", again, ch)
	}
	// What the sample cost is in the queue's spend, a user read each.
	if sp, _ := j.q.Spent(); sp.Kinds[string(spend.UserRead)].Count != asked {
		t.Errorf("spend %+v, want %d user reads", sp, asked)
	}
}

// TestWilson bounds a share at 95%: 0 of 20 is below 17%, 7 of 10 above
// 39%, nothing observed is anything.
func TestWilson(t *testing.T) {
	if hi := wilsonHigh(0, 20); hi > 0.17 || hi < 0.15 {
		t.Errorf("wilsonHigh(0, 20) = %v", hi)
	}
	if lo := wilsonLow(7, 10); lo < 0.39 || lo > 0.41 {
		t.Errorf("wilsonLow(7, 10) = %v", lo)
	}
	if wilsonLow(0, 0) != 0 || wilsonHigh(0, 0) != 1 {
		t.Error("no observations should bound nothing")
	}
	if sampleSize(100) != 10 || sampleSize(20_000) != 100 || sampleSize(1_000) != 40 || sampleSize(3) != 3 {
		t.Errorf("sample sizes %d %d %d %d", sampleSize(100), sampleSize(20_000), sampleSize(1_000), sampleSize(3))
	}
}

// TestSavingBounds: at X's prices (a DELETE and a lookup cost the same)
// the ids and @handles of the sample share one interval, so a small mixed
// sample can already be clear; at other prices each kind has its own.
func TestSavingBounds(t *testing.T) {
	sm := queue.Sample{IDs: 3, IDsNotFollowed: 3, Handles: 2, HandlesFound: 2}
	lo, hi := savingBounds(sm, 150, 150, 10_000, 10_000)
	// 5 of 5: Wilson 56.6%–100% of the 295 targets not sampled.
	if lo != 10_000*166 || hi != 10_000*295 {
		t.Errorf("pooled bounds %s–%s, want $1.66–$2.95", lo, hi)
	}
	lo, hi = savingBounds(sm, 150, 150, 10_000, 20_000)
	// 3 of 3 ids: 43.9%–100% of 147; 2 of 2 handles: 34.2%–100% of 148.
	if lo != 10_000*64+20_000*50 || hi != 10_000*147+20_000*148 {
		t.Errorf("separate bounds %s–%s", lo, hi)
	}
}
