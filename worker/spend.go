package worker

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// Spending is what a run pays X and what it may spend.
type Spending struct {
	// Prices is the price table; nil counts nothing (and no budget
	// applies): a Worker used on its own.
	Prices spend.Prices
	// OwnApp says the X app belongs to the signed-in account: reading its
	// own following list is then an Owned Read.
	OwnApp bool
	// Budget is the most the whole job (the queue, over every run) may
	// spend; 0: no budget. No request is sent that could pass it.
	Budget spend.Amount
}

// on says whether spend is counted.
func (s Spending) on() bool { return s.Prices != nil }

// listKind is the price kind of the signed-in account's own following list.
func (s Spending) listKind() spend.Kind { return spend.ListKind(true, s.OwnApp) }

// BudgetError stops a run before a request that could take the job's spend
// past its budget.
type BudgetError struct {
	Budget, Spent spend.Amount
	// Next is what the request not sent could have cost, and What names it.
	Next spend.Amount
	What string
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("budget reached: the job has spent %s of its %s budget (%s left); %s could cost %s",
		e.Spent, e.Budget, max(e.Budget-e.Spent, 0), e.What, e.Next)
}

// Left is what the budget still allows.
func (e *BudgetError) Left() spend.Amount { return max(e.Budget-e.Spent, 0) }

// ledger counts a run's spend in the queue as the answers arrive and keeps
// the job within its budget. Reads are charged by the reader; the drain
// charges each unfollow in its result's transaction (Worker.step).
type ledger struct {
	q     *queue.Store // nil: nothing is recorded
	s     Spending
	spent spend.Amount // the job's, as recorded
	now   func() time.Time
	// record is false on a queue opened read-only (a dry run): what it
	// spends cannot be written, and is only counted in memory.
	record bool
	bound  string // the account the queue is bound to ("" none)
	// billed is the once-per-day rule without a queue (q nil): the kind
	// and id of each read resource this process paid for, by day.
	billed map[string]bool
}

// account is the queue's account as a list of ids (none when unbound):
// the user users/me returns, to check against the day's ledger.
func (l *ledger) account() []string {
	if l == nil || l.bound == "" {
		return nil
	}
	return []string{l.bound}
}

// newLedger reads what the job has spent so far.
func newLedger(q *queue.Store, s Spending, now func() time.Time) (*ledger, error) {
	l := &ledger{q: q, s: s, now: now, record: q != nil && !q.ReadOnly()}
	if q == nil || s.Prices == nil {
		return l, nil
	}
	sp, err := q.Spent()
	if err != nil {
		return nil, err
	}
	l.spent = spend.Amount(sp.MicroUSD)
	l.bound, _, _ = q.Account()
	return l, nil
}

// on says whether spend is counted.
func (l *ledger) on() bool { return l != nil && l.s.on() }

// day is the UTC day X bills a read of now on.
func (l *ledger) day() string { return l.now().UTC().Format(time.DateOnly) }

// afford returns a *BudgetError when a request that could cost up to bound
// would take the job past its budget.
func (l *ledger) afford(bound spend.Amount, what string) error {
	if !l.on() || l.s.Budget <= 0 || l.spent+bound <= l.s.Budget {
		return nil
	}
	return &BudgetError{Budget: l.s.Budget, Spent: l.spent, Next: bound, What: what}
}

// readBound is what a read of n users of kind k could cost: n users not
// yet billed today (ids, when known, are checked against the day's ledger).
func (l *ledger) readBound(k spend.Kind, n int, ids ...string) spend.Amount {
	if !l.on() {
		return 0
	}
	if len(ids) > 0 {
		n = l.unbilled(k, ids)
	}
	return l.s.Prices.Of(k).Times(n)
}

// affordable is how many users of kind k the budget can still pay for, at
// most n (n without a budget).
func (l *ledger) affordable(k spend.Kind, n int) int {
	if !l.on() || l.s.Budget <= 0 || l.s.Prices.Of(k) <= 0 {
		return n
	}
	return min(n, int(max(l.s.Budget-l.spent, 0)/l.s.Prices.Of(k)))
}

// charge records a read's bill: the users it returned, priced as kind k.
func (l *ledger) charge(k spend.Kind, ids []string) error {
	if !l.on() || len(ids) == 0 {
		return nil
	}
	c := l.readCharge(k, ids)
	if l.q == nil {
		for _, id := range ids {
			key := c.Day + "\x00" + c.Kind + "\x00" + id
			if !l.billed[key] || !c.OncePerDay {
				l.spent += spend.Amount(c.Price)
			}
			if l.billed == nil {
				l.billed = map[string]bool{}
			}
			l.billed[key] = true
		}
		return nil
	}
	if !l.record {
		l.spent += spend.Amount(l.q.Unbilled(string(k), c.Day, ids)) * spend.Amount(c.Price)
		return nil
	}
	added, err := l.q.AddCharge(c)
	if err != nil {
		return err
	}
	l.spent += spend.Amount(added)
	return nil
}

// unbilled is how many of ids (a read of kind k) X would bill today.
func (l *ledger) unbilled(k spend.Kind, ids []string) int {
	if l.q != nil {
		return l.q.Unbilled(string(k), l.day(), ids)
	}
	n := 0
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		if !l.billed[l.day()+"\x00"+string(k)+"\x00"+id] || !l.s.Prices[k].OncePerDay {
			n++
		}
	}
	return n
}

func (l *ledger) readCharge(k spend.Kind, ids []string) queue.Charge {
	p := l.s.Prices[k]
	return queue.Charge{Kind: string(k), Price: int64(p.Amount), IDs: ids, OncePerDay: p.OncePerDay, Day: l.day()}
}

// unfollowPrice is the price of one DELETE.
func (s Spending) unfollowPrice() spend.Amount {
	if s.Prices == nil {
		return 0
	}
	return s.Prices.Of(spend.Unfollow)
}

// isBudget reports whether err is a budget stop.
func isBudget(err error) bool {
	var be *BudgetError
	return errors.As(err, &be)
}

// RemainingCost estimates what a job's pending targets will cost, at most:
// an unfollow each (the prefilter skips some), and for each @handle still
// unresolved a lookup unless the job has a following snapshot to name it.
func RemainingCost(c queue.Counts, snapshot bool, p spend.Prices) spend.Amount {
	cost := p.Of(spend.Unfollow).Times(c.Pending)
	if !snapshot {
		cost += p.Of(spend.UserRead).Times(c.Unresolved)
	}
	return cost
}
