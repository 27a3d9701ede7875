// Package spend is X's pay-per-use price table and its arithmetic: what
// each billed request costs, in whole millionths of a dollar so that sums
// are exact. The simulator bills with it; a run estimates, records and
// caps what a job costs with it.
package spend

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind names what a billed resource is priced as.
type Kind string

// The price kinds. Their names are the keys of the simulator's
// /sim/stats "billed" object and of the spend a queue records.
const (
	// Unfollow is a DELETE following that returns data (X bills it as an
	// interaction delete), per request: a re-sent DELETE is billed again.
	Unfollow Kind = "unfollow"
	// UserRead is a user returned by users/me, users/by or users by ids.
	UserRead Kind = "user_read"
	// FollowingRead is a user returned by a following list.
	FollowingRead Kind = "following_read"
	// OwnedRead is a user returned by the signed-in user's own following
	// list when that user owns the X app.
	OwnedRead Kind = "owned_read"
	// PostRead is a post returned, in includes too: the most recent post
	// the most_recent_post_id expansion adds to a user.
	PostRead Kind = "post_read"
)

// Kinds lists every kind, in the order reports show them.
var Kinds = []Kind{Unfollow, UserRead, FollowingRead, OwnedRead, PostRead}

// ListKind is the kind of a following list's users: an Owned Read when
// the list is the signed-in user's own and that user owns the app.
func ListKind(ownList, ownApp bool) Kind {
	if ownList && ownApp {
		return OwnedRead
	}
	return FollowingRead
}

// Amount is money in millionths of a US dollar.
type Amount int64

// maxUSD bounds FromUSD: far above any bill, far below int64's range.
const maxUSD = 1e9

// FromUSD converts dollars to an Amount, rounding to the nearest
// millionth. It refuses a negative, infinite or NaN amount and one above a
// billion dollars.
func FromUSD(usd float64) (Amount, error) {
	if math.IsNaN(usd) || math.IsInf(usd, 0) || usd < 0 || usd > maxUSD {
		return 0, fmt.Errorf("%v is not an amount of dollars from 0 to %.0f", usd, float64(maxUSD))
	}
	return Amount(math.Round(usd * 1e6)), nil
}

// ParseUSD reads an amount of dollars as a person writes it: "5", "5.00",
// "$5", "0.010".
func ParseUSD(s string) (Amount, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "$")
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || strings.ContainsAny(t, "eEnNxXpP_") {
		return 0, fmt.Errorf("%q is not an amount of dollars (like 5 or 2.50)", s)
	}
	return FromUSD(f)
}

// USD is a in dollars, exact to the millionth (as JSON numbers carry it).
func (a Amount) USD() float64 { return float64(a) / 1e6 }

// String writes a as dollars: to the cent ("$4.51") when it is whole
// cents or at least a dollar rounds well, with the digits a smaller
// amount needs otherwise ("$0.005").
func (a Amount) String() string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	if a%10_000 == 0 || a >= 1_000_000 {
		return fmt.Sprintf("%s$%.2f", sign, float64(a)/1e6)
	}
	s := strings.TrimRight(fmt.Sprintf("%.6f", float64(a)/1e6), "0")
	return sign + "$" + s
}

// Times is n resources at price a.
func (a Amount) Times(n int) Amount { return a * Amount(max(n, 0)) }

// Price is what one resource of a kind costs.
type Price struct {
	Amount Amount
	// OncePerDay bills a resource (a user) once per UTC day: the same
	// user returned again that day by a request of the same kind is free
	// (X's "soft guarantee" on reads).
	OncePerDay bool
}

// Prices is a price table.
type Prices map[Kind]Price

// PricesSource says where the default prices come from and when they were
// read.
const PricesSource = "X's pay-per-use pricing, docs.x.com, as of 2026-04-16"

// Default returns X's published pay-per-use prices: an unfollow $0.010 per
// request that returns data; user and following-list reads $0.010 per user
// returned; Owned Reads $0.001 per user returned; post reads $0.005 per
// post returned; reads billed once per resource per UTC day.
func Default() Prices {
	return Prices{
		Unfollow:      {Amount: 10_000},
		UserRead:      {Amount: 10_000, OncePerDay: true},
		FollowingRead: {Amount: 10_000, OncePerDay: true},
		OwnedRead:     {Amount: 1_000, OncePerDay: true},
		PostRead:      {Amount: 5_000, OncePerDay: true},
	}
}

// Of is the price of one resource of kind k (0 for a kind p lacks).
func (p Prices) Of(k Kind) Amount { return p[k].Amount }

// With returns a copy of p with the prices of o replacing p's.
func (p Prices) With(o Prices) Prices {
	out := make(Prices, len(p)+len(o))
	for k, v := range p {
		out[k] = v
	}
	for k, v := range o {
		out[k] = v
	}
	return out
}

// ParsePrices reads price overrides over Default: a comma-separated list
// of kind=USD ("unfollow=0.015,owned_read=0.001"); "" is Default. A kind
// keeps its once-per-day rule.
func ParsePrices(s string) (Prices, error) {
	p := Default()
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, val, ok := strings.Cut(f, "=")
		k := Kind(strings.ToLower(strings.TrimSpace(name)))
		price, known := p[k]
		if !ok || !known {
			return nil, fmt.Errorf("price %q: want kind=USD, kind one of %s", f, kindNames())
		}
		a, err := ParseUSD(val)
		if err != nil {
			return nil, fmt.Errorf("price %q: %w", f, err)
		}
		price.Amount = a
		p[k] = price
	}
	return p, nil
}

// String writes p as ParsePrices reads it, every kind in Kinds order.
func (p Prices) String() string {
	parts := make([]string, 0, len(Kinds))
	for _, k := range Kinds {
		parts = append(parts, fmt.Sprintf("%s=%s", k, strings.TrimPrefix(p.Of(k).String(), "$")))
	}
	return strings.Join(parts, ",")
}

func kindNames() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
