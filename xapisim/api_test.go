package xapisim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func rateHeaders(t *testing.T, r result, prefix string) (limit, remaining int, reset int64) {
	t.Helper()
	var err error
	if limit, err = strconv.Atoi(r.header.Get(prefix + "limit")); err != nil {
		t.Fatalf("%slimit: %v (status %d)", prefix, err, r.status)
	}
	if remaining, err = strconv.Atoi(r.header.Get(prefix + "remaining")); err != nil {
		t.Fatalf("%sremaining: %v", prefix, err)
	}
	if reset, err = strconv.ParseInt(r.header.Get(prefix+"reset"), 10, 64); err != nil {
		t.Fatalf("%sreset: %v", prefix, err)
	}
	return limit, remaining, reset
}

func unfollowPath(target string) string {
	return "/2/users/" + DefaultUserID + "/following/" + target
}

func TestWindowArithmetic(t *testing.T) {
	sim, ts, clock := start(t, Config{UnfollowLimit: 3, MeLimit: 2, Window: time.Minute, Skew: 90 * time.Second})
	sim.SetFollowing(DefaultUserID, []string{"11", "12", "13", "14", "15"})
	tok := sim.IssueToken(DefaultUserID)
	// The clock starts at 12:00:00.25; server time is 90 s ahead, so the
	// first window is counted from the whole second 12:01:30 and ends at
	// 12:02:30 (server time), 12:01:00 local.
	firstReset := time.Date(2026, 3, 1, 12, 2, 30, 0, time.UTC).Unix()

	steps := []struct {
		advance   time.Duration
		path      string
		status    int
		remaining int
		reset     int64
	}{
		{0, unfollowPath("11"), 200, 2, firstReset},
		{10 * time.Second, unfollowPath("12"), 200, 1, firstReset},
		{10 * time.Second, unfollowPath("13"), 200, 0, firstReset},
		{10 * time.Second, unfollowPath("14"), 429, 0, firstReset},
		// 12:00:59.999 local is still the old window (ends 12:01:00 local).
		{29*time.Second + 749*time.Millisecond, unfollowPath("14"), 429, 0, firstReset},
		// At the announced second exactly, a new window opens, anchored now.
		{time.Millisecond, unfollowPath("14"), 200, 2, firstReset + 60},
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		r := do(t, ts, "DELETE", st.path, tok)
		limit, rem, reset := rateHeaders(t, r, "x-rate-limit-")
		if r.status != st.status || limit != 3 || rem != st.remaining || reset != st.reset {
			t.Fatalf("step %d: %d limit %d remaining %d reset %d, want %d 3 %d %d (%s)", i, r.status, limit, rem, reset, st.status, st.remaining, st.reset, r.body)
		}
		date, err := http.ParseTime(r.header.Get("Date"))
		if err != nil || !date.Equal(clock.Now().Add(90*time.Second).Truncate(time.Second)) {
			t.Fatalf("step %d: Date %q, want the skewed clock", i, r.header.Get("Date"))
		}
		if st.status == 429 && string(r.body) != `{"detail":"Too Many Requests","status":429,"title":"Too Many Requests","type":"about:blank"}` {
			t.Fatalf("429 body %s", r.body)
		}
	}
	// Another endpoint has its own window and limit.
	r := do(t, ts, "GET", "/2/users/me", tok)
	if l, rem, _ := rateHeaders(t, r, "x-rate-limit-"); r.status != 200 || l != 2 || rem != 1 {
		t.Fatalf("me: %d %d/%d", r.status, rem, l)
	}
	// Another user has their own window.
	sim.AddUser("77", "other")
	r = do(t, ts, "DELETE", "/2/users/77/following/11", sim.IssueToken("77"))
	if _, rem, _ := rateHeaders(t, r, "x-rate-limit-"); r.status != 200 || rem != 2 {
		t.Fatalf("other user: %d remaining %d", r.status, rem)
	}
	st := sim.Stats()
	if st.UnfollowCalls != 7 || st.RateLimited != 2 || st.UnfollowCallsByTarget["14"] != 3 || st.WindowResets != 1 ||
		st.Unfollowed != 4 || st.FollowingCount != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDailyLimit(t *testing.T) {
	sim, ts, clock := start(t, Config{UnfollowLimit: 2, Window: time.Minute, DailyUnfollowLimit: 3})
	tok := sim.IssueToken(DefaultUserID)
	dayReset := clock.Now().Truncate(time.Second).Add(24 * time.Hour).Unix()
	want := []struct{ status, winRem, dayRem int }{{200, 1, 2}, {200, 0, 1}, {429, 0, 1}}
	for i, w := range want {
		r := do(t, ts, "DELETE", unfollowPath("5"), tok)
		_, winRem, _ := rateHeaders(t, r, "x-rate-limit-")
		dl, dayRem, dr := rateHeaders(t, r, "x-user-limit-24hour-")
		if r.status != w.status || winRem != w.winRem || dayRem != w.dayRem || dl != 3 || dr != dayReset {
			t.Fatalf("call %d: %d window %d day %d/%d reset %d", i, r.status, winRem, dayRem, dl, dr)
		}
	}
	clock.Advance(time.Minute + time.Second)
	r := do(t, ts, "DELETE", unfollowPath("5"), tok)
	if _, dayRem, _ := rateHeaders(t, r, "x-user-limit-24hour-"); r.status != 200 || dayRem != 0 {
		t.Fatalf("new window: %d day remaining %d", r.status, dayRem)
	}
	// The day is spent: 429 while the 15-minute window still has room.
	r = do(t, ts, "DELETE", unfollowPath("5"), tok)
	if _, winRem, _ := rateHeaders(t, r, "x-rate-limit-"); r.status != 429 || winRem != 1 {
		t.Fatalf("day spent: %d window remaining %d", r.status, winRem)
	}
	// Without a daily limit there are no 24-hour headers.
	sim2, ts2, _ := start(t, Config{})
	if r := do(t, ts2, "DELETE", unfollowPath("5"), sim2.IssueToken(DefaultUserID)); r.header.Get("x-user-limit-24hour-limit") != "" {
		t.Fatal("24-hour headers without a daily limit")
	}
}

func TestUnfollow(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.SetFollowing(DefaultUserID, []string{"11", "12"})
	sim.AddUser("30", "notfollowed")
	tok := sim.IssueToken(DefaultUserID)
	tests := []struct {
		name, path, token string
		status            int
		body              string
	}{
		{"followed", unfollowPath("11"), tok, 200, `{"data":{"following":false}}`},
		{"again: idempotent", unfollowPath("11"), tok, 200, `{"data":{"following":false}}`},
		{"known, not followed", unfollowPath("30"), tok, 200, `{"data":{"following":false}}`},
		{"unknown target", unfollowPath("4242"), tok, 200,
			`{"errors":[{"detail":"Could not find user with id: [4242].","parameter":"id","resource_id":"4242","resource_type":"user","title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","value":"4242"}]}`},
		{"another source", "/2/users/12/following/11", tok, 400, ""},
		{"bad target id", unfollowPath("abc"), tok, 400, ""},
		{"no token", unfollowPath("12"), "", 401, `{"detail":"Unauthorized","status":401,"title":"Unauthorized","type":"about:blank"}`},
		{"unknown token", unfollowPath("12"), "nope", 401, ""},
		{"app-only", unfollowPath("12"), sim.IssueAppToken(), 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, ts, "DELETE", tt.path, tt.token)
			if r.status != tt.status || (tt.body != "" && string(r.body) != tt.body) {
				t.Fatalf("%d %s, want %d %s", r.status, r.body, tt.status, tt.body)
			}
			if r.header.Get("Date") == "" {
				t.Error("no Date header")
			}
			want := "application/problem+json"
			if tt.status == 400 {
				want = "application/json; charset=utf-8"
			}
			if tt.status >= 400 && r.header.Get("Content-Type") != want {
				t.Errorf("Content-Type %q, want %q", r.header.Get("Content-Type"), want)
			}
		})
	}
	if got := sim.Following(DefaultUserID); !slices.Equal(got, []string{"12"}) {
		t.Fatalf("following %v", got)
	}
	r := do(t, ts, "DELETE", "/2/users/12/following/11", tok).json(t)
	if !strings.HasSuffix(r["type"].(string), "/2/problems/invalid-request") {
		t.Fatalf("source mismatch body %v", r)
	}
	r = do(t, ts, "DELETE", unfollowPath("12"), sim.IssueAppToken()).json(t)
	if !strings.HasSuffix(r["type"].(string), "/2/problems/unsupported-authentication") {
		t.Fatalf("app-only body %v", r)
	}
}

func TestModes(t *testing.T) {
	sim, ts, _ := start(t, Config{UnfollowLimit: 5})
	tok := sim.IssueToken(DefaultUserID)
	do(t, ts, "DELETE", unfollowPath("1"), tok)
	tests := []struct {
		mode   Mode
		status int
		suffix string
	}{
		{ModeUsageCap, 429, "/2/problems/usage-capped"},
		{ModeCredits, 402, "/2/problems/credits"},
		{ModeSuspended, 403, "/2/problems/user-suspended"},
		{ModeClientNotEnrolled, 403, "/2/problems/client-forbidden"},
		{ModeNormal, 200, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			sim.SetMode(tt.mode)
			r := do(t, ts, "DELETE", unfollowPath("1"), tok)
			if r.status != tt.status {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			if tt.suffix != "" && !strings.HasSuffix(r.json(t)["type"].(string), tt.suffix) {
				t.Fatalf("body %s", r.body)
			}
			if tt.mode == ModeUsageCap {
				if _, rem, _ := rateHeaders(t, r, "x-rate-limit-"); rem != 4 {
					t.Fatalf("usage cap: remaining %d, want 4 (> 0, unchanged)", rem)
				}
			}
		})
	}
	for _, s := range []string{"usage-cap", "credits", "suspended", "client-not-enrolled", "normal", ""} {
		if _, err := ParseMode(s); err != nil {
			t.Errorf("ParseMode(%q): %v", s, err)
		}
	}
	if _, err := ParseMode("broken"); err == nil {
		t.Error("ParseMode accepted an unknown mode")
	}
}

func TestUsersMeAndBy(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.AddUser("2244994945", "XDevelopers")
	tok := sim.IssueToken(DefaultUserID)
	r := do(t, ts, "GET", "/2/users/me", tok)
	if want := `{"data":{"id":"` + DefaultUserID + `","name":"Simulated User","username":"sim_user"}}`; string(r.body) != want {
		t.Fatalf("me: %s", r.body)
	}
	many := strings.TrimSuffix(strings.Repeat("a,", 101), ",")
	tests := []struct {
		name, query, token string
		status             int
		body               string
	}{
		{"found and unknown", "xdevelopers,nobody_here", tok, 200,
			`{"data":[{"id":"2244994945","name":"User XDevelopers","username":"XDevelopers"}],"errors":[{"detail":"Could not find user with usernames: [nobody_here].","parameter":"usernames","resource_id":"nobody_here","resource_type":"user","title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","value":"nobody_here"}]}`},
		{"app-only allowed", "sim_user", sim.IssueAppToken(), 200,
			`{"data":[{"id":"` + DefaultUserID + `","name":"Simulated User","username":"sim_user"}]}`},
		{"bad name", "no-dashes", tok, 400, ""},
		{"too long", "abcdefghijklmnop", tok, 400, ""},
		{"101 names", many, tok, 400, ""},
		{"empty", "", tok, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, ts, "GET", "/2/users/by?usernames="+tt.query, tt.token)
			if r.status != tt.status || (tt.body != "" && string(r.body) != tt.body) {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	if r := do(t, ts, "GET", "/2/users/by?usernames="+strings.TrimSuffix(strings.Repeat("a,", 100), ","), tok); r.status != 200 {
		t.Fatalf("100 names: %d", r.status)
	}
	if r := do(t, ts, "GET", "/2/users/me", sim.IssueAppToken()); r.status != 403 {
		t.Fatalf("me with app-only: %d", r.status)
	}
}

func TestFollowingPagination(t *testing.T) {
	sim, ts, _ := start(t, Config{FollowingLimit: 1000})
	var ids []string
	for i := range 250 {
		ids = append(ids, strconv.Itoa(9_000_000_000_000_000_000+i)) // 19 digits, above 2^53
	}
	sim.SetFollowing(DefaultUserID, ids)
	tok := sim.IssueToken(DefaultUserID)
	page := func(q string) map[string]any {
		t.Helper()
		r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following"+q, tok)
		if r.status != 200 {
			t.Fatalf("following%s: %d %s", q, r.status, r.body)
		}
		return r.json(t)
	}
	for _, size := range []int{0, 1, 100, 249, 250, 1000} {
		var got []string
		q, base := "", "?"
		if size > 0 {
			base = fmt.Sprintf("?max_results=%d&", size)
			q = strings.TrimSuffix(base, "&")
		}
		pages := 0
		for {
			body := page(q)
			pages++
			meta := body["meta"].(map[string]any)
			data, _ := body["data"].([]any)
			if int(meta["result_count"].(float64)) != len(data) {
				t.Fatalf("result_count %v, data %d", meta["result_count"], len(data))
			}
			for _, d := range data {
				u := d.(map[string]any)
				if u["username"] == "" || u["name"] == "" {
					t.Fatalf("user without name: %v", u)
				}
				got = append(got, u["id"].(string))
			}
			next, more := meta["next_token"].(string)
			if !more {
				break
			}
			q = base + "pagination_token=" + next
		}
		per := size
		if per == 0 {
			per = 100
		}
		if !slices.Equal(got, ids) || pages != (len(ids)+per-1)/per {
			t.Fatalf("max_results %d: %d ids in %d pages, want %d in order", size, len(got), pages, len(ids))
		}
	}
	for _, q := range []string{"?max_results=0", "?max_results=1001", "?pagination_token=zzzz-not-a-token"} {
		if r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following"+q, tok); r.status != 400 {
			t.Fatalf("%s: %d", q, r.status)
		}
	}
	// Nobody followed: meta only. Unknown user: 200 with errors.
	sim.AddUser("5", "lonely")
	if r := do(t, ts, "GET", "/2/users/5/following", tok); string(r.body) != `{"meta":{"result_count":0}}` {
		t.Fatalf("empty: %s", r.body)
	}
	if r := do(t, ts, "GET", "/2/users/6/following", tok).json(t); r["errors"] == nil {
		t.Fatalf("unknown user: %v", r)
	}
}

// TestDateOffset: DateOffset moves the Date header only; the windows and
// their reset stay on the (Skew) server clock.
func TestDateOffset(t *testing.T) {
	offset := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Sub(newFakeClock().Now())
	sim, ts, clock := start(t, Config{Window: time.Minute, Skew: 30 * time.Second, DateOffset: offset})
	r := do(t, ts, "DELETE", unfollowPath("11"), sim.IssueToken(DefaultUserID))
	date, err := http.ParseTime(r.header.Get("Date"))
	if want := clock.Now().Add(30 * time.Second).Add(offset).Truncate(time.Second); err != nil || !date.Equal(want) {
		t.Fatalf("Date %q, want %s", r.header.Get("Date"), want.Format(http.TimeFormat))
	}
	if date.Year() != 2100 {
		t.Fatalf("Date %s, want in 2100", date)
	}
	_, _, reset := rateHeaders(t, r, "x-rate-limit-")
	if want := clock.Now().Add(30 * time.Second).Truncate(time.Second).Add(time.Minute).Unix(); reset != want {
		t.Fatalf("reset %d, want %d (the skewed clock, without the Date offset)", reset, want)
	}
}
