package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// spentMicro is the queue's spend (status --json spent_usd) in micro-USD.
func (x *e2e) spentMicro(t *testing.T) int64 {
	t.Helper()
	code, out, errOut := x.cli(t, "status", "--json")
	if code != exitOK {
		t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	var st struct {
		SpentUSD  *float64 `json:"spent_usd"`
		Remaining *float64 `json:"estimated_remaining_usd"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.SpentUSD == nil || st.Remaining == nil {
		t.Fatalf("status --json without spent_usd and estimated_remaining_usd (%v):\n%s", err, out)
	}
	return int64(math.Round(*st.SpentUSD * 1e6))
}

// wantSpentIsBilled checks status's spent_usd against X's bill.
func (x *e2e) wantSpentIsBilled(t *testing.T, step string) {
	t.Helper()
	if spent, billed := x.spentMicro(t), x.sim.Stats().BilledMicroUSD; spent != billed {
		t.Errorf("%s: status spent_usd %.6f, the simulator billed %.6f", step, float64(spent)/1e6, float64(billed)/1e6)
	}
}

// followAlso makes the account follow extra accounts that are not targets
// (a real account follows many more than it unfollows).
func (x *e2e) followAlso(t *testing.T, followed, extra int) {
	t.Helper()
	ids := append([]string(nil), x.targets[:followed]...)
	for i := range extra {
		id := fmt.Sprintf("%d", 1750000000000000000+i)
		x.sim.AddUser(id, fmt.Sprintf("other%05d", i))
		ids = append(ids, id)
	}
	x.sim.SetFollowing(worldUser, ids)
}

// TestRunSpendIsTheBill: over a job of several runs (--max, and a run on
// the next UTC day, when X bills reads again), status's spent_usd is the
// simulator's bill to the micro-dollar after every run, with the list read
// (own app, Owned Reads) or not (someone else's app, where the list costs
// more than it saves), and with @handles looked up.
func TestRunSpendIsTheBill(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       xapisim.Config
		followed  int
		extra     int // followed accounts that are not targets
		args      []string
		readsList bool
	}{
		{"own app, largely not followed", xapisim.Config{}, 30, 200, nil, true},
		{"someone else's app, mostly followed", xapisim.Config{AppOwner: xapisim.AppOwnerOther}, 95, 3000, []string{"--own-app=false"}, false},
		{"prefilter always, someone else's app", xapisim.Config{AppOwner: xapisim.AppOwnerOther}, 50, 100, []string{"--own-app=false", "--prefilter", "always"}, true},
		{"no prefilter", xapisim.Config{}, 50, 0, []string{"--no-prefilter"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newE2E(t, tc.cfg, 100, tc.followed, nil)
			x.followAlso(t, tc.followed, tc.extra)
			handles := []string{"@nobody_at_all"}
			for i := range 5 {
				name := fmt.Sprintf("handle%d", i)
				id := fmt.Sprintf("%d", 1760000000000000000+i)
				x.sim.AddUser(id, name)
				handles = append(handles, "@"+name)
				if i < 3 {
					x.sim.SetFollowing(worldUser, append(x.sim.Following(worldUser), id))
				}
			}
			x.importList(t, handles)
			args := append([]string{"--yes", "--max", "20"}, tc.args...)
			for run := 1; ; run++ {
				if run == 3 {
					x.clock.Advance(24 * time.Hour) // a new UTC day: users/me is billed again
				}
				code, out := x.run(t, args...)
				x.wantSpentIsBilled(t, fmt.Sprintf("after run %d", run))
				if code == exitOK || code == exitFailures {
					break
				}
				if code != exitTempFail || run > 20 {
					t.Fatalf("run %d: exit %d\n%s", run, code, out)
				}
			}
			st := x.sim.Stats()
			if reads := st.Calls["following"] > 0; reads != tc.readsList {
				t.Errorf("following-list requests %d, want the list read: %v", st.Calls["following"], tc.readsList)
			}
			// The list is read at most once per job: one page per 1,000.
			if pages := (tc.followed + tc.extra + 3 + 999) / 1000; st.Calls["following"] > pages {
				t.Errorf("%d following-list requests over the job, want at most %d (one read)", st.Calls["following"], pages)
			}
			if got := x.sim.Following(worldUser); len(got) != tc.extra {
				t.Errorf("still following %d, want the %d accounts that were not targets", len(got), tc.extra)
			}
			t.Logf("billed %v %v", st.BilledUSD, st.Billed)
		})
	}
}

// TestRunBudget: with --budget, X's bill for the job never passes it over
// several runs: each stops with exit 75 before a request that could,
// saying what was spent, what is left and how to raise it; a higher
// budget lets the job finish.
func TestRunBudget(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 100, 100, nil)
	const budget = 0.35
	for run := 1; run <= 3; run++ {
		code, out := x.run(t, "--yes", "--budget", fmt.Sprint(budget), "--log-format", "text")
		if code != exitTempFail || !strings.Contains(flat(out), "Budget reached: the job has spent $") ||
			!strings.Contains(flat(out), "To go on, raise it: bulkunfollow run") || !strings.Contains(out, "--budget ") {
			t.Fatalf("run %d: exit %d, want %d with the budget's words\n%s", run, code, exitTempFail, out)
		}
		billed := x.sim.Stats().BilledUSD
		if billed > budget {
			t.Fatalf("run %d: billed %v, over the budget of %v", run, billed, budget)
		}
		x.wantSpentIsBilled(t, fmt.Sprintf("run %d", run))
		// Less than an unfollow is left: nothing more is sent.
		if left := budget - billed; left >= 0.01+1e-9 {
			t.Errorf("run %d stopped with $%.3f left, enough for an unfollow", run, left)
		}
	}
	prom := filepath.Join(t.TempDir(), "bulkunfollow.prom")
	if code, out := x.run(t, "--yes", "--budget", "5", "--metrics-file", prom); code != exitOK {
		t.Fatalf("with a higher budget: exit %d\n%s", code, out)
	}
	m, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`bulkunfollow_spent_usd_total{queue=%q,account="@crash_tester",kind="unfollow"} 1`, x.queue)
	if !strings.Contains(string(m), want) || !strings.Contains(string(m), "bulkunfollow_budget_usd{") {
		t.Errorf("the metrics file lacks the spend (%s):\n%s", want, m)
	}
	if billed := x.sim.Stats().BilledUSD; billed > 5 {
		t.Errorf("billed %v, over the budget of 5", billed)
	}
	wantCounts(t, x, queue.Counts{Total: 100, Done: 100})
	x.wantSpentIsBilled(t, "finished")
}

// TestRunBudgetBeforeSigningIn: a budget already spent stops the run
// before any request that costs money, with exit 75.
func TestRunBudgetBeforeSigningIn(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 10, 10, nil)
	if code, out := x.run(t, "--yes", "--max", "5"); code != exitTempFail {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	x.clock.Advance(24 * time.Hour) // users/me is billed again today
	billed := x.sim.Stats().BilledMicroUSD
	code, out := x.run(t, "--yes", "--budget", fmt.Sprint(float64(billed)/1e6))
	if code != exitTempFail || !strings.Contains(eventsAsText(out), "budget") {
		t.Fatalf("exit %d, want %d naming the budget\n%s", code, exitTempFail, out)
	}
	if st := x.sim.Stats(); st.BilledMicroUSD != billed {
		t.Errorf("billed %d µ$ more with the budget spent", st.BilledMicroUSD-billed)
	}
}

// TestRunSignalsCostNothingExtra: a job stopped by SIGINT three times and
// resumed each time is billed at most 3 × $0.010 more than the same job
// run at once (a first signal lets the request in flight finish and
// records it: nothing is sent twice; the sign-in is billed once a day).
func TestRunSignalsCostNothingExtra(t *testing.T) {
	const n, followed, kills = 150, 120, 3
	whole := newE2E(t, xapisim.Config{}, n, followed, nil)
	whole.followAlso(t, followed, 500)
	if code, out := whole.run(t, "--yes"); code != exitOK {
		t.Fatalf("uninterrupted: exit %d\n%s", code, out)
	}
	var x *e2e
	var mu sync.Mutex
	deletes := 0
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				mu.Lock()
				deletes++
				if deletes == 30 || deletes == 60 || deletes == 90 {
					x.signals.send(os.Interrupt)
				}
				mu.Unlock()
			}
			h.ServeHTTP(w, r)
		})
	}
	x = newE2E(t, xapisim.Config{}, n, followed, wrap)
	x.followAlso(t, followed, 500)
	stops := 0
	for {
		code, out := x.run(t, "--yes")
		x.wantSpentIsBilled(t, fmt.Sprintf("after stop %d", stops))
		if code == exitOK {
			break
		}
		if code != exitTempFail || stops > kills {
			t.Fatalf("exit %d after %d stops\n%s", code, stops, out)
		}
		stops++
	}
	if stops != kills {
		t.Fatalf("%d stops, want %d", stops, kills)
	}
	extra := x.sim.Stats().BilledMicroUSD - whole.sim.Stats().BilledMicroUSD
	t.Logf("uninterrupted %v, %d stops %v (extra %d µ$)", whole.sim.Stats().BilledUSD, stops, x.sim.Stats().BilledUSD, extra)
	if extra > kills*10_000 {
		t.Errorf("billed %d µ$ more over %d stops, want at most %d", extra, kills, kills*10_000)
	}
}

// TestRunCreditsRunOut: when X's credits run out mid-job (402), the run
// stops as for any account problem (exit 1, targets left pending), saying
// what was spent; the queue's spend is still the bill (the 402 is free).
func TestRunCreditsRunOut(t *testing.T) {
	x := newE2E(t, xapisim.Config{Credits: 0.3}, 50, 50, nil)
	code, out := x.run(t, "--yes", "--log-format", "text")
	if code != exitPerson || !strings.Contains(flat(out), "spent in this run") || !strings.Contains(out, "credits") {
		t.Fatalf("exit %d, want %d with the spend and X's words\n%s", code, exitPerson, out)
	}
	x.wantSpentIsBilled(t, "after the 402")
	if st := x.sim.Stats(); st.PaymentRequired == 0 || st.BilledUSD > 0.3 {
		t.Errorf("402s %d, billed %v", st.PaymentRequired, st.BilledUSD)
	}
	if c := x.counts(t); c.Failed != 0 || c.Pending == 0 {
		t.Errorf("counts %+v: want the rest pending, none failed", c)
	}
}
