package worker_test

import (
	"errors"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// TestDrainChargesWhatXBills: each DELETE is charged when it is sent and
// kept when X may have billed it (an answer with data, an answer cut off,
// a connection reset); an answer that says X billed nothing (a 503, a
// window 429, a target X does not know, a 402) takes the charge back.
func TestDrainChargesWhatXBills(t *testing.T) {
	for _, tc := range []struct {
		steps []string
		want  int64 // micro-USD spent on the target
	}{
		{[]string{"ok"}, 10_000},
		{[]string{"following", "ok"}, 20_000},
		{[]string{"503", "ok"}, 10_000},
		{[]string{"429", "ok"}, 10_000},
		{[]string{"404"}, 0},
		{[]string{"cut", "ok"}, 20_000},
		{[]string{"reset", "ok"}, 20_000},
		{[]string{"credits"}, 0},
	} {
		t.Run(tc.steps[0], func(t *testing.T) {
			clock := newClock()
			q, _ := openQueue(t, clock, []string{"1001"})
			api := &fakeAPI{clock: clock, fn: script(clock, map[string][]string{"1001": tc.steps})}
			w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{Rate: ratelimit.DefaultRate}), worker.Options{
				Source: "1", Clock: clock, Spending: worker.Spending{Prices: spend.Default()},
			})
			sum, err := w.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			sp, err := q.Spent()
			if err != nil {
				t.Fatal(err)
			}
			if sp.MicroUSD != tc.want || int64(sum.Spent) != tc.want {
				t.Errorf("%v: spent %d µ$ (summary %d), want %d", tc.steps, sp.MicroUSD, sum.Spent, tc.want)
			}
		})
	}
}

// TestDrainStopsAtTheBudget: no DELETE is sent that could take the job
// past its budget; the stop says how much was spent and is left.
func TestDrainStopsAtTheBudget(t *testing.T) {
	clock := newClock()
	q, _ := openQueue(t, clock, ids(10))
	api := &fakeAPI{clock: clock, fn: script(clock, nil)}
	w := newWorker(t, q, api, newLimiter(t, ratelimit.Config{Rate: ratelimit.DefaultRate}), worker.Options{
		Source: "1", Clock: clock, Spent: 3_000,
		Spending: worker.Spending{Prices: spend.Default(), Budget: 45_000},
	})
	sum, err := w.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var be *worker.BudgetError
	if sum.Stop != worker.StopBudget || !errors.As(sum.Err, &be) || sum.Sent != 4 {
		t.Fatalf("stop %q (%v) after %d sent; want the budget after 4", sum.Stop, sum.Err, sum.Sent)
	}
	if be.Spent != 43_000 || be.Left() != 2_000 || be.Next != 10_000 {
		t.Errorf("budget error %+v", be)
	}
}
