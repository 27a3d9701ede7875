package xapisim

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/spend"
)

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

type billKey struct {
	kind spend.Kind
	id   string
}

// billing is the simulator's ledger. It lives behind Server.mu.
type billing struct {
	prices  spend.Prices
	credits spend.Amount // starting balance; 0: unlimited
	spent   spend.Amount // charged
	count   map[spend.Kind]int
	billed  map[billKey]string // UTC day (YYYY-MM-DD) a resource was last billed
}

func newBilling(cfg Config) billing {
	credits, err := spend.FromUSD(cfg.Credits)
	if err != nil {
		panic(fmt.Sprintf("xapisim: Config.Credits: %v", err))
	}
	return billing{prices: spend.Default().With(cfg.Prices), credits: credits, count: map[spend.Kind]int{}, billed: map[billKey]string{}}
}

// bill is what a response returns of one price kind: the ids of the
// resources (users, posts).
type bill struct {
	kind spend.Kind
	ids  []string
}

// charge bills the resources of every bill, as of the server's UTC day.
// It bills nothing and returns false when the credits cannot pay for them
// all; the caller then answers 402 and takes no effect. s.mu is held.
func (s *Server) charge(bills ...bill) bool {
	b := &s.bill
	day := s.now().UTC().Format(time.DateOnly)
	due := make([][]string, len(bills))
	var cost spend.Amount
	for i, bl := range bills {
		price := b.prices[bl.kind]
		if price.OncePerDay {
			seen := map[string]bool{}
			for _, id := range bl.ids {
				if !seen[id] && b.billed[billKey{bl.kind, id}] != day {
					due[i] = append(due[i], id)
				}
				seen[id] = true
			}
		} else {
			due[i] = bl.ids
		}
		cost += price.Amount.Times(len(due[i]))
	}
	if b.credits > 0 && b.spent+cost > b.credits {
		return false
	}
	b.spent += cost
	for i, bl := range bills {
		b.count[bl.kind] += len(due[i])
		if b.prices[bl.kind].OncePerDay {
			for _, id := range due[i] {
				b.billed[billKey{bl.kind, id}] = day
			}
		}
	}
	return true
}

// creditsProblem is the 402 a request that cannot be paid gets.
func creditsProblem() response {
	return problem(http.StatusPaymentRequired, problemCredits())
}
