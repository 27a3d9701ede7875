package xapisim

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/spend"
)

// wantBill checks the total charged (micro-USD) and the count per kind.
func wantBill(t *testing.T, sim *Server, step string, micro int64, counts map[string]int) {
	t.Helper()
	st := sim.Stats()
	full := map[string]int{"unfollow": 0, "user_read": 0, "following_read": 0, "owned_read": 0, "post_read": 0}
	maps.Copy(full, counts)
	if st.BilledMicroUSD != micro || st.BilledUSD != spend.Amount(micro).USD() || !maps.Equal(st.Billed, full) {
		t.Fatalf("%s: billed %d µ$ (%v USD) %v, want %d µ$ %v", step, st.BilledMicroUSD, st.BilledUSD, st.Billed, micro, full)
	}
}

func TestBillingPricesAndDailyDedup(t *testing.T) {
	sim, ts, clock := start(t, Config{TokenLifetime: 48 * time.Hour})
	sim.SetFollowing(DefaultUserID, []string{"11", "12", "13"})
	sim.AddUser("11", "eleven")
	sim.AddUser("12", "twelve")
	tok := sim.IssueToken(DefaultUserID)
	ok := func(method, path string) result {
		t.Helper()
		r := do(t, ts, method, path, tok)
		if r.status != 200 {
			t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
		}
		return r
	}

	ok("DELETE", unfollowPath("13"))
	wantBill(t, sim, "unfollow", 10_000, map[string]int{"unfollow": 1})
	// Re-sending the idempotent DELETE returns data again, and is billed again.
	ok("DELETE", unfollowPath("13"))
	wantBill(t, sim, "unfollow again", 20_000, map[string]int{"unfollow": 2})
	// An unknown target answers only "errors": free.
	ok("DELETE", unfollowPath("99"))
	wantBill(t, sim, "unknown target", 20_000, map[string]int{"unfollow": 2})

	ok("GET", "/2/users/me")
	ok("GET", "/2/users/me") // the same user the same UTC day: once
	wantBill(t, sim, "me", 30_000, map[string]int{"unfollow": 2, "user_read": 1})
	// Two found, one unknown: two users returned; eleven again in a later
	// request that day is free, the unknown alone is free.
	ok("GET", "/2/users/by?usernames=eleven,twelve,nobody")
	ok("GET", "/2/users/by?usernames=ELEVEN")
	ok("GET", "/2/users/by?usernames=nobody")
	wantBill(t, sim, "users/by", 50_000, map[string]int{"unfollow": 2, "user_read": 3})

	// Own following list through the user's own app: Owned Reads, $0.001
	// per user returned, once per day.
	ok("GET", "/2/users/"+DefaultUserID+"/following")
	ok("GET", "/2/users/"+DefaultUserID+"/following?max_results=1")
	wantBill(t, sim, "own list", 52_000, map[string]int{"unfollow": 2, "user_read": 3, "owned_read": 2})
	// Another user's list is a standard following read; an empty one is free.
	sim.SetFollowing("12", []string{"11"})
	ok("GET", "/2/users/12/following")
	ok("GET", "/2/users/11/following")
	wantBill(t, sim, "other list", 62_000, map[string]int{"unfollow": 2, "user_read": 3, "owned_read": 2, "following_read": 1})

	// The UTC day (of the server clock) turns at midnight: 11:59:59.75
	// later it is still 2026-03-01, a quarter second after, the reads bill again.
	clock.Advance(11*time.Hour + 59*time.Minute + 59*time.Second + 500*time.Millisecond)
	ok("GET", "/2/users/me")
	wantBill(t, sim, "before midnight", 62_000, map[string]int{"unfollow": 2, "user_read": 3, "owned_read": 2, "following_read": 1})
	clock.Advance(250 * time.Millisecond)
	ok("GET", "/2/users/me")
	ok("GET", "/2/users/"+DefaultUserID+"/following")
	wantBill(t, sim, "next day", 74_000, map[string]int{"unfollow": 2, "user_read": 4, "owned_read": 4, "following_read": 1})
}

func TestBillingDayFollowsServerClock(t *testing.T) {
	// Skew moves the server's clock, and its UTC day with it: the local
	// clock stays on 2026-03-01 while the server's day turns.
	sim, ts, clock := start(t, Config{Skew: -12*time.Hour - 30*time.Minute})
	tok := sim.IssueToken(DefaultUserID)
	do(t, ts, "GET", "/2/users/me", tok) // server time 2026-02-28 23:30:00.25
	clock.Advance(30 * time.Minute)      // server time 2026-03-01 00:00:00.25
	do(t, ts, "GET", "/2/users/me", tok)
	wantBill(t, sim, "skewed day", 20_000, map[string]int{"user_read": 2})
}

func TestBillingAppOwnerOther(t *testing.T) {
	sim, ts, _ := start(t, Config{AppOwner: AppOwnerOther})
	sim.SetFollowing(DefaultUserID, []string{"11", "12"})
	r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following", sim.IssueToken(DefaultUserID))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	wantBill(t, sim, "someone else's app", 20_000, map[string]int{"following_read": 2})
	// An app-only token reads no one's own list.
	sim2, ts2, _ := start(t, Config{})
	sim2.SetFollowing(DefaultUserID, []string{"11"})
	if r := do(t, ts2, "GET", "/2/users/"+DefaultUserID+"/following", sim2.IssueAppToken()); r.status != 200 {
		t.Fatalf("app-only: %d %s", r.status, r.body)
	}
	wantBill(t, sim2, "app-only", 10_000, map[string]int{"following_read": 1})
}

func TestBillingFreeAnswers(t *testing.T) {
	sim, ts, _ := start(t, Config{UnfollowLimit: 1})
	sim.SetFollowing(DefaultUserID, []string{"11", "12"})
	tok := sim.IssueToken(DefaultUserID)
	do(t, ts, "DELETE", unfollowPath("11"), tok)
	wantBill(t, sim, "one unfollow", 10_000, map[string]int{"unfollow": 1})
	for _, tc := range []struct {
		name, method, path, token string
		status                    int
	}{
		{"429", "DELETE", unfollowPath("12"), tok, 429},
		{"401", "GET", "/2/users/me", "nope", 401},
		{"400", "GET", "/2/users/by?usernames=bad-name", tok, 400},
		{"400 list", "GET", "/2/users/x/following", tok, 400},
	} {
		if r := do(t, ts, tc.method, tc.path, tc.token); r.status != tc.status {
			t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	sim.SetMode(ModeUsageCap)
	do(t, ts, "GET", "/2/users/me", tok)
	sim.SetMode(ModeNormal)
	sim.SetFaultRates(1, 0)
	if r := do(t, ts, "GET", "/2/users/me", tok); r.status < 500 {
		t.Fatalf("fault: %d", r.status)
	}
	wantBill(t, sim, "errors are free", 10_000, map[string]int{"unfollow": 1})
}

func TestBillingCreditsRunOut(t *testing.T) {
	sim, ts, _ := start(t, Config{Credits: 0.025})
	sim.SetFollowing(DefaultUserID, []string{"11", "12", "13"})
	tok := sim.IssueToken(DefaultUserID)
	for _, id := range []string{"11", "12"} {
		if r := do(t, ts, "DELETE", unfollowPath(id), tok); r.status != 200 {
			t.Fatalf("unfollow %s: %d %s", id, r.status, r.body)
		}
	}
	// $0.005 left: the next DELETE cannot be paid, answers 402 and takes no effect.
	r := do(t, ts, "DELETE", unfollowPath("13"), tok)
	if r.status != http.StatusPaymentRequired || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("unpaid unfollow: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	var p map[string]any
	if err := json.Unmarshal(r.body, &p); err != nil || !strings.HasSuffix(p["type"].(string), "/2/problems/credits") || p["status"] != 402.0 || p["title"] != "CreditsDepleted" {
		t.Fatalf("402 body %s", r.body)
	}
	if got := sim.Following(DefaultUserID); len(got) != 1 || got[0] != "13" {
		t.Fatalf("following %v, want [13]: a 402 takes no effect", got)
	}
	// A read of 5 users at $0.001 fits ($0.005); a user read at $0.010 does not.
	sim.SetFollowing(DefaultUserID, []string{"13", "14", "15", "16", "17"})
	if r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following", tok); r.status != 200 {
		t.Fatalf("owned read: %d %s", r.status, r.body)
	}
	if r := do(t, ts, "GET", "/2/users/me", tok); r.status != 402 {
		t.Fatalf("me with nothing left: %d %s", r.status, r.body)
	}
	// What costs nothing still answers: the list again the same day, an unknown target.
	if r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following", tok); r.status != 200 {
		t.Fatalf("deduplicated read: %d %s", r.status, r.body)
	}
	if r := do(t, ts, "DELETE", unfollowPath("99"), tok); r.status != 200 {
		t.Fatalf("unknown target: %d %s", r.status, r.body)
	}
	wantBill(t, sim, "spent to the cent", 25_000, map[string]int{"unfollow": 2, "owned_read": 5})
	if st := sim.Stats(); st.PaymentRequired != 2 || st.Unfollowed != 2 {
		t.Fatalf("payment_required %d unfollowed %d, want 2 2", st.PaymentRequired, st.Unfollowed)
	}
}

func TestBillingCustomPrices(t *testing.T) {
	sim, ts, _ := start(t, Config{Prices: spend.Prices{spend.Unfollow: {Amount: 15_000, OncePerDay: true}}})
	sim.SetFollowing(DefaultUserID, []string{"11"})
	tok := sim.IssueToken(DefaultUserID)
	do(t, ts, "DELETE", unfollowPath("11"), tok)
	do(t, ts, "DELETE", unfollowPath("11"), tok)
	do(t, ts, "GET", "/2/users/me", tok) // default price kept
	wantBill(t, sim, "custom", 25_000, map[string]int{"unfollow": 1, "user_read": 1})
}

func TestStatsBillingJSON(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.SetFollowing(DefaultUserID, []string{"11"})
	do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following", sim.IssueToken(DefaultUserID))
	r := do(t, ts, "GET", "/sim/stats", "")
	var v struct {
		BilledUSD *float64       `json:"billed_usd"`
		Billed    map[string]int `json:"billed"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || v.BilledUSD == nil || *v.BilledUSD != 0.001 ||
		!maps.Equal(v.Billed, map[string]int{"unfollow": 0, "user_read": 0, "following_read": 0, "owned_read": 1, "post_read": 0}) {
		t.Fatalf("stats %s", r.body)
	}
}

func TestParseAppOwner(t *testing.T) {
	if _, err := ParseAppOwner("mine"); err == nil {
		t.Error("ParseAppOwner accepted mine")
	}
}
