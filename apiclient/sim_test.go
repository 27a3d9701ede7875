package apiclient_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// Integration tests against the project's X API simulator.

type bearer struct {
	base  http.RoundTripper
	token string
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

type simEnv struct {
	sim   *xapisim.Server
	srv   *httptest.Server
	clock *testkit.Clock

	mu   sync.Mutex
	seen []*url.URL // every request's URL, as the simulator received it
}

// urls returns the URLs of the requests the simulator received for path.
func (e *simEnv) urls(path string) []*url.URL {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*url.URL
	for _, u := range e.seen {
		if u.Path == path {
			out = append(out, u)
		}
	}
	return out
}

func newSim(t *testing.T, cfg xapisim.Config) *simEnv {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	e := &simEnv{sim: xapisim.New(cfg), clock: clock}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seen = append(e.seen, r.URL)
		e.mu.Unlock()
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// client returns an apiclient for the simulator with token as bearer.
func (e *simEnv) client(token string) *apiclient.Client {
	hc := &http.Client{Transport: bearer{e.srv.Client().Transport, token}}
	return apiclient.New(hc, e.srv.URL+"/", "bulkunfollow-test", apiclient.WithClock(e.clock.Now))
}

func ids(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(1_000_000_000_000_000_000 + from + i)
	}
	return out
}

// following reads every page of userID's following list.
func following(t *testing.T, c *apiclient.Client, userID string) []apiclient.Page {
	t.Helper()
	var pages []apiclient.Page
	token := ""
	for {
		p, err := c.Following(t.Context(), userID, token)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		if p.NextToken == "" {
			return pages
		}
		token = p.NextToken
	}
}

func TestSimMeAndUsersBy(t *testing.T) {
	e := newSim(t, xapisim.Config{})
	e.sim.AddUser("2244994945", "XDevelopers")
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	me, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != xapisim.DefaultUserID || me.Username != xapisim.DefaultUsername {
		t.Errorf("Me = %+v", me)
	}
	users, nf, err := c.UsersByUsernames(t.Context(), []string{"@xdevelopers", "nobody_here", "bad-name"})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != "2244994945" || users[0].Username != "XDevelopers" {
		t.Errorf("users = %+v", users)
	}
	if len(nf) != 2 || !nf[0].Invalid || nf[1].Username != "nobody_here" || nf[1].Detail == "" {
		t.Errorf("not found = %+v", nf)
	}
}

func TestSimUsersByBatches(t *testing.T) {
	e := newSim(t, xapisim.Config{})
	var names []string
	for i, id := range ids(0, 250) {
		name := fmt.Sprintf("user_%d", i)
		if i%10 != 0 { // every tenth stays unknown
			e.sim.AddUser(id, name)
		}
		names = append(names, name)
	}
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	users, nf, err := c.UsersByUsernames(t.Context(), names)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 225 || len(nf) != 25 {
		t.Errorf("%d users, %d not found", len(users), len(nf))
	}
	if got := e.sim.Stats().Calls["users_by"]; got != 3 {
		t.Errorf("users/by calls = %d, want 3", got)
	}
}

// TestSimFollowingCountAndConnection: Me asks for public_metrics and
// returns following_count; both lookups ask for connection_status and say
// which accounts the signed-in one follows ("following") and which it
// does not (the field, without it). Each asks exactly those user.fields.
func TestSimFollowingCountAndConnection(t *testing.T) {
	e := newSim(t, xapisim.Config{})
	e.sim.AddUser("2244994945", "XDevelopers")    // followed
	e.sim.AddUser("1600000000000000003", "Other") // not followed
	e.sim.SetFollowing(xapisim.DefaultUserID, append(ids(0, 2), "2244994945"))
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))

	me, err := c.Me(t.Context())
	if err != nil || me.FollowingCount != 3 {
		t.Errorf("Me = %+v, %v; want following_count 3", me, err)
	}
	byName, nf, err := c.UsersByUsernames(t.Context(), []string{"XDevelopers", "other"})
	if err != nil || len(nf) != 0 || len(byName) != 2 {
		t.Fatalf("users/by = %+v, %+v, %v", byName, nf, err)
	}
	byID, nf, err := c.UsersByIDs(t.Context(), []string{"2244994945", "1600000000000000003"})
	if err != nil || len(nf) != 0 || len(byID) != 2 {
		t.Fatalf("users by ids = %+v, %+v, %v", byID, nf, err)
	}
	for _, users := range [][]apiclient.User{byName, byID} {
		for _, u := range users {
			follows, known := u.Follows()
			want := u.ID == "2244994945"
			if !known || follows != want || u.Connection == nil {
				t.Errorf("%s: connection_status %q: follows %v (known %v), want %v", u.Username, u.Connection, follows, known, want)
			}
			if want && !slices.Contains(u.Connection, "following") || !want && len(u.Connection) != 0 {
				t.Errorf("%s: connection_status %q", u.Username, u.Connection)
			}
			if u.FollowingCount != -1 {
				t.Errorf("%s: following_count %d, want -1 (not asked)", u.Username, u.FollowingCount)
			}
		}
	}
	for path, want := range map[string]string{"/2/users/me": "public_metrics", "/2/users/by": "connection_status", "/2/users": "connection_status"} {
		us := e.urls(path)
		if len(us) != 1 {
			t.Fatalf("%s: %d requests", path, len(us))
		}
		if got := us[0].Query()["user.fields"]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: user.fields %q, want %q", path, got, want)
		}
	}
}

// TestSimUsersByIDs: more than 100 ids go in requests of 100; unknown ids
// come back with the simulator's words, invalid ones are not sent,
// repeats are asked once.
func TestSimUsersByIDs(t *testing.T) {
	e := newSim(t, xapisim.Config{})
	all := ids(0, 150)
	for i, id := range all {
		if i%10 != 0 { // every tenth stays unknown
			e.sim.AddUser(id, fmt.Sprintf("user_%d", i))
		}
	}
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	in := append(slices.Clone(all), all[1], all[10], "12345678901234567890", "12a", "")
	users, nf, err := c.UsersByIDs(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 135 || users[0].ID != all[1] || users[0].Username != "user_1" {
		t.Errorf("%d users, first %+v", len(users), users[0])
	}
	var invalid, unknown int
	for _, n := range nf {
		switch {
		case n.Invalid:
			invalid++
		case n.Detail == "Could not find user with ids: ["+n.ID+"].":
			unknown++
		default:
			t.Errorf("not found %+v", n)
		}
	}
	if invalid != 3 || unknown != 15 {
		t.Errorf("%d invalid, %d unknown; want 3, 15", invalid, unknown)
	}
	us := e.urls("/2/users")
	if got := e.sim.Stats().Calls["users"]; got != 2 || len(us) != 2 {
		t.Fatalf("users calls = %d (%d seen), want 2", got, len(us))
	}
	for i, want := range []int{100, 50} {
		if got := len(strings.Split(us[i].Query().Get("ids"), ",")); got != want {
			t.Errorf("request %d: %d ids, want %d", i, got, want)
		}
	}
}

func TestSimFollowingPagination(t *testing.T) {
	e := newSim(t, xapisim.Config{})
	want := ids(0, 2500)
	e.sim.SetFollowing(xapisim.DefaultUserID, want)
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	var got []string
	var sizes []int
	for _, p := range following(t, c, xapisim.DefaultUserID) {
		sizes = append(sizes, len(p.Users))
		for _, u := range p.Users {
			got = append(got, u.ID)
		}
		if !p.Rate.Present || p.Rate.Limit != xapisim.DefaultFollowingLimit {
			t.Errorf("page rate %+v", p.Rate)
		}
	}
	if fmt.Sprint(sizes) != "[1000 1000 500]" {
		t.Errorf("page sizes %v", sizes)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("following differs: %d ids", len(got))
	}
}

func TestSimUnfollowAndWindow(t *testing.T) {
	const limit = 5
	e := newSim(t, xapisim.Config{UnfollowLimit: limit, Skew: 7 * time.Second})
	targets := ids(0, limit+1)
	e.sim.SetFollowing(xapisim.DefaultUserID, targets)
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	start := e.clock.Now()

	var firstReset time.Time
	for i, tg := range targets[:limit] {
		res, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, tg)
		if err != nil {
			t.Fatalf("unfollow %d: %v", i, err)
		}
		r := res.Rate
		if res.Following || !r.Present || r.Limit != limit || r.Remaining != limit-1-i {
			t.Errorf("unfollow %d: %+v", i, res)
		}
		if i == 0 {
			firstReset = r.Reset
			// The server clock is 7 s ahead; on the local clock the window
			// ends 15 min after its start (reset is rounded up to a second).
			if d := r.Reset.Add(-7 * time.Second).Sub(start); !r.HasReset || d < 15*time.Minute || d > 15*time.Minute+time.Second {
				t.Errorf("local reset %v after start, want 15m", d)
			}
		} else if !r.Reset.Equal(firstReset) {
			t.Errorf("reset moved: %v -> %v", firstReset, r.Reset)
		}
		if skew := r.Date.Sub(r.Received.Truncate(time.Second)); !r.HasDate || skew != 7*time.Second {
			t.Errorf("skew %v %v", skew, r.HasDate)
		}
	}
	_, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, targets[limit])
	var ae *apiclient.Error
	if !errors.As(err, &ae) {
		t.Fatalf("over the limit: %v", err)
	}
	if ae.Class() != apiclient.ClassWindowLimited || !ae.WindowExhausted() {
		t.Errorf("429: class %v exhausted %v", ae.Class(), ae.WindowExhausted())
	}
	if ae.Status != 429 || ae.Rate.Limit != limit || ae.Rate.Remaining != 0 || !ae.Rate.Reset.Equal(firstReset) {
		t.Errorf("429 rate %+v", ae.Rate)
	}
	at := ae.Rate.Reset.Add(-7 * time.Second) // on the local clock
	if at.Before(start.Add(15*time.Minute)) || at.After(start.Add(15*time.Minute+time.Second)) {
		t.Errorf("429 reset %v (%v after start)", at, at.Sub(start))
	}
	if got := e.sim.Stats().RateLimited; got != 1 {
		t.Errorf("sim served %d 429s", got)
	}

	e.clock.Advance(at.Sub(e.clock.Now()) + time.Second)
	res, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, targets[limit])
	if err != nil || res.Following || res.Rate.Remaining != limit-1 {
		t.Errorf("after reset: %+v %v", res, err)
	}
	if n := len(e.sim.Following(xapisim.DefaultUserID)); n != 0 {
		t.Errorf("still following %d", n)
	}
	// Idempotent: unfollowing again succeeds with following=false.
	if res, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, targets[0]); err != nil || res.Following {
		t.Errorf("again: %+v %v", res, err)
	}
}

func TestSimDailyLimit(t *testing.T) {
	e := newSim(t, xapisim.Config{DailyUnfollowLimit: 2})
	targets := ids(0, 3)
	e.sim.SetFollowing(xapisim.DefaultUserID, targets)
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	for _, tg := range targets[:2] {
		res, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, tg)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Rate.UserDay.Present || res.Rate.UserDay.Limit != 2 {
			t.Errorf("day headers %+v", res.Rate.UserDay)
		}
	}
	_, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, targets[2])
	var ae *apiclient.Error
	if !errors.As(err, &ae) || ae.Class() != apiclient.ClassWindowLimited || !ae.DayExhausted() || ae.WindowExhausted() {
		t.Fatalf("day limit: %v", err)
	}
	day := ae.Rate.UserDay
	if d := day.Reset.Sub(e.clock.Now()); !day.HasReset || d < 23*time.Hour || d > 24*time.Hour+time.Second {
		t.Errorf("24-hour reset in %v", d)
	}
}

func TestSimErrors(t *testing.T) {
	tests := []struct {
		name     string
		mode     xapisim.Mode
		token    func(*xapisim.Server) string
		source   string
		target   string
		want     apiclient.Class
		wantName string
		status   int
	}{
		{"unknown target", "", nil, xapisim.DefaultUserID, "1999999999999999999", apiclient.ClassNotFound, "resource-not-found", 200},
		{"source is not the user", "", nil, "2244994945", "1999999999999999999", apiclient.ClassForbidden, "invalid-request", 400},
		{"app-only token", "", func(s *xapisim.Server) string { return s.IssueAppToken() }, "", "", apiclient.ClassForbidden, "unsupported-authentication", 403},
		{"unknown token", "", func(*xapisim.Server) string { return "nope" }, "", "", apiclient.ClassUnauthorized, "", 401},
		{"usage cap", xapisim.ModeUsageCap, nil, "", "", apiclient.ClassQuota, "usage-capped", 429},
		{"credits", xapisim.ModeCredits, nil, "", "", apiclient.ClassQuota, "", 402},
		{"suspended", xapisim.ModeSuspended, nil, "", "", apiclient.ClassForbidden, "user-suspended", 403},
		{"client not enrolled", xapisim.ModeClientNotEnrolled, nil, "", "", apiclient.ClassForbidden, "client-forbidden", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSim(t, xapisim.Config{})
			e.sim.AddUser("2244994945", "XDevelopers")
			e.sim.SetFollowing(xapisim.DefaultUserID, ids(0, 3))
			e.sim.SetMode(tt.mode)
			token := e.sim.IssueToken(xapisim.DefaultUserID)
			if tt.token != nil {
				token = tt.token(e.sim)
			}
			src, tg := tt.source, tt.target
			if src == "" {
				src, tg = xapisim.DefaultUserID, ids(0, 1)[0]
			}
			_, err := e.client(token).Unfollow(t.Context(), src, tg)
			var ae *apiclient.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v", err)
			}
			if ae.Class() != tt.want || ae.Status != tt.status {
				t.Errorf("class %v status %d, want %v %d (%v)", ae.Class(), ae.Status, tt.want, tt.status, err)
			}
			if tt.wantName != "" && ae.Problem.Name() != tt.wantName {
				t.Errorf("problem %q, want %q", ae.Problem.Name(), tt.wantName)
			}
			if tt.mode == xapisim.ModeCredits && !strings.HasPrefix(ae.Problem.Name(), "credits") {
				t.Errorf("credits problem %q", ae.Problem.Type)
			}
			if tt.mode == xapisim.ModeUsageCap && (ae.WindowExhausted() || !ae.Rate.HasRemaining) {
				t.Errorf("usage cap remaining %+v", ae.Rate)
			}
			if ae.Class().StopsRun() && ae.Hint() == "" {
				t.Errorf("no hint for %v", ae.Class())
			}
		})
	}
}

func TestSimExpiredToken(t *testing.T) {
	e := newSim(t, xapisim.Config{TokenLifetime: time.Hour})
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, err := c.Me(t.Context())
	if apiclient.Classify(err) != apiclient.ClassUnauthorized || !strings.HasPrefix(err.Error(), "me: 401 Unauthorized") {
		t.Errorf("expired: %v", err)
	}
}

func TestSimOAuth1(t *testing.T) {
	creds := apiclient.OAuth1Credentials{ConsumerKey: "ck-123", ConsumerSecret: "cs-secret", Token: xapisim.DefaultUserID + "-tok", TokenSecret: "ts-secret"}
	// The signer stamps oauth_timestamp from the real clock and the
	// simulator checks it against its own, so this one runs on real time.
	e := newSim(t, xapisim.Config{Now: time.Now})
	e.sim.AddOAuth1(xapisim.OAuth1Credentials{ConsumerKey: creds.ConsumerKey, ConsumerSecret: creds.ConsumerSecret,
		Token: creds.Token, TokenSecret: creds.TokenSecret, UserID: xapisim.DefaultUserID})
	e.sim.SetFollowing(xapisim.DefaultUserID, ids(0, 1200))
	e.sim.AddUser("2244994945", "XDevelopers")

	hc := apiclient.NewOAuth1HTTPClient(e.srv.Client().Transport, creds)
	c := apiclient.New(hc, e.srv.URL, "bulkunfollow-test")
	ctx := t.Context()
	me, err := c.Me(ctx)
	if err != nil || me.ID != xapisim.DefaultUserID {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	users, _, err := c.UsersByUsernames(ctx, []string{"XDevelopers"})
	if err != nil || len(users) != 1 {
		t.Errorf("users/by = %v, %v", users, err)
	}
	n := 0
	for _, p := range following(t, c, xapisim.DefaultUserID) {
		n += len(p.Users)
	}
	if n != 1200 {
		t.Errorf("following %d", n)
	}
	if res, err := c.Unfollow(ctx, xapisim.DefaultUserID, ids(0, 1)[0]); err != nil || res.Following {
		t.Errorf("unfollow = %+v, %v", res, err)
	}

	// A wrong token secret is refused with 401.
	bad := creds
	bad.TokenSecret = "wrong"
	_, err = apiclient.New(apiclient.NewOAuth1HTTPClient(e.srv.Client().Transport, bad), e.srv.URL, "").Me(ctx)
	if apiclient.Classify(err) != apiclient.ClassUnauthorized {
		t.Errorf("bad secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "cs-secret") {
		t.Errorf("error shows a secret: %v", err)
	}
}

func TestSimFaultsAreTransient(t *testing.T) {
	e := newSim(t, xapisim.Config{FailRate: 0.3, ResetRate: 0.3, Seed: 42, UnfollowLimit: 1000})
	e.sim.SetFollowing(xapisim.DefaultUserID, ids(0, 200))
	c := e.client(e.sim.IssueToken(xapisim.DefaultUserID))
	var ok, transient, effect int
	for _, tg := range ids(0, 200) {
		_, err := c.Unfollow(t.Context(), xapisim.DefaultUserID, tg)
		switch cl := apiclient.Classify(err); cl {
		case apiclient.ClassNone:
			ok++
		case apiclient.ClassTransient:
			transient++
		default:
			t.Errorf("unexpected %v: %v", cl, err)
		}
		if apiclient.MayHaveTakenEffect(err) {
			effect++
		}
	}
	st := e.sim.Stats()
	if transient != st.Served5xx+st.Dropped || ok+transient != 200 || st.Served5xx == 0 || st.Dropped == 0 {
		t.Errorf("ok %d transient %d; sim 5xx %d dropped %d", ok, transient, st.Served5xx, st.Dropped)
	}
	// A dropped connection (before the answer or half-way through it, the
	// unfollow applied or not) may have taken effect; X's 500/503 did not.
	if effect != st.Dropped {
		t.Errorf("%d errors may have taken effect, want the %d dropped connections", effect, st.Dropped)
	}
}
