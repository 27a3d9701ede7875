package xapisim

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// PriceKind names what a billed resource is priced as; the names are the
// keys of Stats.Billed.
type PriceKind string

// Price kinds.
const (
	// PriceUnfollow is a DELETE following that returns data (X bills it
	// as an interaction delete), per request.
	PriceUnfollow PriceKind = "unfollow"
	// PriceUserRead is a user returned by users/me, users/by or users by
	// ids.
	PriceUserRead PriceKind = "user_read"
	// PriceFollowingRead is a user returned by a following list.
	PriceFollowingRead PriceKind = "following_read"
	// PriceOwnedRead is a user returned by the signed-in user's own
	// following list when that user owns the app (Config.AppOwner "self").
	PriceOwnedRead PriceKind = "owned_read"
)

// PriceKinds lists every kind, in the order Stats reports them.
var PriceKinds = []PriceKind{PriceUnfollow, PriceUserRead, PriceFollowingRead, PriceOwnedRead}

// Price is what one resource of a kind costs.
type Price struct {
	// MicroUSD is the price in millionths of a US dollar.
	MicroUSD int64
	// OncePerDay bills a resource (a user) once per UTC day per kind: the
	// same resource returned again that day is free (X's "soft
	// guarantee" on reads).
	OncePerDay bool
}

// DefaultPrices returns X's published pay-per-use prices (docs.x.com
// pricing page, 2026): unfollow $0.010 per request that returns data
// (re-sending it is billed again); user and following-list reads $0.010
// per user returned; Owned Reads $0.001 per user returned; reads are
// billed once per resource per UTC day.
func DefaultPrices() map[PriceKind]Price {
	return map[PriceKind]Price{
		PriceUnfollow:      {MicroUSD: 10_000},
		PriceUserRead:      {MicroUSD: 10_000, OncePerDay: true},
		PriceFollowingRead: {MicroUSD: 10_000, OncePerDay: true},
		PriceOwnedRead:     {MicroUSD: 1_000, OncePerDay: true},
	}
}

// AppOwner values of Config.AppOwner.
const (
	AppOwnerSelf  = "self"  // the signed-in user owns the app: own following list is an Owned Read
	AppOwnerOther = "other" // someone else's app: every read is a standard read
)

// ParseAppOwner accepts "self" or "other" ("" is "self").
func ParseAppOwner(s string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "", AppOwnerSelf:
		return AppOwnerSelf, nil
	case AppOwnerOther:
		return AppOwnerOther, nil
	}
	return "", fmt.Errorf("parse app owner %q: want self or other", s)
}

// MicroUSD converts dollars to whole millionths of a dollar, rounding to
// the nearest; ok is false for a negative, infinite or NaN amount, or one
// too large to hold.
func MicroUSD(usd float64) (micro int64, ok bool) {
	if math.IsNaN(usd) || math.IsInf(usd, 0) || usd < 0 || usd > 1e12 {
		return 0, false
	}
	return int64(math.Round(usd * 1e6)), true
}

// USD converts millionths of a dollar to dollars.
func USD(micro int64) float64 { return float64(micro) / 1e6 }

type billKey struct {
	kind PriceKind
	id   string
}

// billing is the simulator's ledger. It lives behind Server.mu.
type billing struct {
	prices  map[PriceKind]Price
	credits int64 // starting balance in micro-USD; 0: unlimited
	spent   int64 // micro-USD charged
	count   map[PriceKind]int
	billed  map[billKey]string // UTC day (YYYY-MM-DD) a resource was last billed
}

func newBilling(cfg Config) billing {
	prices := DefaultPrices()
	for k, p := range cfg.Prices {
		prices[k] = p
	}
	credits, ok := MicroUSD(cfg.Credits)
	if !ok {
		panic(fmt.Sprintf("xapisim: Config.Credits %v is not a usable amount", cfg.Credits))
	}
	return billing{prices: prices, credits: credits, count: map[PriceKind]int{}, billed: map[billKey]string{}}
}

// charge bills the resources ids of kind, as of the server's UTC day. It
// bills nothing and returns false when the credits cannot pay for them; the
// caller then answers 402 and takes no effect. s.mu is held.
func (s *Server) charge(kind PriceKind, ids ...string) bool {
	b := &s.bill
	price := b.prices[kind]
	day := s.now().UTC().Format(time.DateOnly)
	var due []string
	if price.OncePerDay {
		seen := map[string]bool{}
		for _, id := range ids {
			if !seen[id] && b.billed[billKey{kind, id}] != day {
				due = append(due, id)
			}
			seen[id] = true
		}
	} else {
		due = ids
	}
	cost := int64(len(due)) * price.MicroUSD
	if b.credits > 0 && b.spent+cost > b.credits {
		return false
	}
	b.spent += cost
	b.count[kind] += len(due)
	if price.OncePerDay {
		for _, id := range due {
			b.billed[billKey{kind, id}] = day
		}
	}
	return true
}

// creditsProblem is the 402 a request that cannot be paid gets.
func creditsProblem() response {
	return problem(http.StatusPaymentRequired, problemCredits())
}
