package xapisim

import (
	"maps"
	"net/http"

	"github.com/bulkunfollow/bulkunfollow/spend"
)

// Stats counts what the simulator received and answered since New. It is
// also served as JSON at GET /sim/stats.
type Stats struct {
	// UnfollowCalls counts every DELETE received, whatever its answer.
	UnfollowCalls int `json:"unfollow_calls"`
	// UnfollowCallsByTarget counts them per target id.
	UnfollowCallsByTarget map[string]int `json:"unfollow_calls_by_target"`
	// Unfollowed counts DELETEs that removed a follow.
	Unfollowed int `json:"unfollowed"`
	// RateLimited counts 429s served (windows, 24-hour limit, usage cap).
	RateLimited int `json:"rate_limited"`
	// FollowingCount is how many accounts the default user follows now.
	FollowingCount int `json:"following_count"`
	// Calls counts requests per endpoint: unfollow, users_me, users_by,
	// users (by ids), following, token, revoke, authorize.
	Calls map[string]int `json:"calls"`
	// Served5xx counts injected 500/503s; Dropped counts connections
	// dropped mid-response.
	Served5xx int `json:"served_5xx"`
	Dropped   int `json:"dropped"`
	// Unauthorized and Forbidden count 401s and 403s of API endpoints.
	Unauthorized int `json:"unauthorized"`
	Forbidden    int `json:"forbidden"`
	// PaymentRequired counts 402s (credits) of API endpoints.
	PaymentRequired int `json:"payment_required"`
	// BilledUSD is the total charged, in USD (exact to the micro-dollar);
	// Billed counts the billed resources per price kind (unfollow,
	// user_read, following_read, owned_read, post_read; every kind present).
	BilledUSD float64        `json:"billed_usd"`
	Billed    map[string]int `json:"billed"`
	// BilledMicroUSD is BilledUSD in millionths of a dollar, for exact
	// comparisons.
	BilledMicroUSD int64 `json:"billed_micro_usd"`
	// WindowResets counts rate-limit windows that ended and were replaced.
	WindowResets int `json:"window_resets"`
	// OAuth: codes issued, tokens issued by code exchange, refreshes, revocations.
	CodesIssued  int `json:"codes_issued"`
	TokensIssued int `json:"tokens_issued"`
	Refreshes    int `json:"refreshes"`
	Revoked      int `json:"revoked"`
}

func newStats() Stats {
	return Stats{UnfollowCallsByTarget: map[string]int{}, Calls: map[string]int{}}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.UnfollowCallsByTarget = maps.Clone(s.stats.UnfollowCallsByTarget)
	st.Calls = maps.Clone(s.stats.Calls)
	st.FollowingCount = len(s.following[s.cfg.UserID])
	st.BilledMicroUSD = int64(s.bill.spent)
	st.BilledUSD = s.bill.spent.USD()
	st.Billed = make(map[string]int, len(spend.Kinds))
	for _, k := range spend.Kinds {
		st.Billed[string(k)] = s.bill.count[k]
	}
	return st
}

// handleStats is GET /sim/stats: no authentication, no limits, no faults.
func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}
