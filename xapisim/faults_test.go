package xapisim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// outcome sends one request and names what came back: the status, or
// "drop-silent" when the connection closed before any response, or
// "drop-partial" when it closed in the middle of the body.
func outcome(t *testing.T, c *http.Client, method, url, bearer string) string {
	t.Helper()
	req := mustRequest(t, method, url, "")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := c.Do(req)
	if err != nil {
		return "drop-silent"
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return "drop-partial"
	}
	return strconv.Itoa(resp.StatusCode)
}

// oneShot uses a new connection per request: net/http silently retries a
// GET whose reused connection closed before any response byte, which would
// hide a drop (and spend a second fault draw).
var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func TestFaultsReproducibleFromSeed(t *testing.T) {
	run := func(seed int64) ([]string, Stats) {
		sim, ts, _ := start(t, Config{Seed: seed, FailRate: 0.2, ResetRate: 0.2, MeLimit: 1000})
		tok := sim.IssueToken(DefaultUserID)
		var got []string
		for range 80 {
			got = append(got, outcome(t, oneShot, "GET", ts.URL+"/2/users/me", tok))
		}
		return got, sim.Stats()
	}
	a, stA := run(7)
	b, _ := run(7)
	c, _ := run(8)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("seeds 7 and 8 gave the same 80 outcomes: %v", a)
	}
	counts := map[string]int{}
	for _, o := range a {
		counts[o]++
	}
	if counts["500"]+counts["503"] != stA.Served5xx || counts["drop-silent"]+counts["drop-partial"] != stA.Dropped || counts["200"] != 80-stA.Served5xx-stA.Dropped {
		t.Fatalf("outcomes %v, stats 5xx %d dropped %d", counts, stA.Served5xx, stA.Dropped)
	}
	// With 80 draws at 20% each, every kind shows up for seed 7.
	for _, k := range []string{"200", "500", "503", "drop-silent", "drop-partial"} {
		if counts[k] == 0 {
			t.Errorf("no %s in %v", k, counts)
		}
	}
}

func TestFaultEffects(t *testing.T) {
	t.Run("a 5xx takes no effect, a drop does", func(t *testing.T) {
		for _, tt := range []struct {
			cfg       Config
			want      string
			following bool
		}{
			{Config{FailRate: 1}, "5xx", true},
			{Config{ResetRate: 1, Seed: 1}, "drop", false},
			{Config{ResetRate: 1, Seed: 2}, "drop", false},
		} {
			sim, ts, _ := start(t, tt.cfg)
			sim.SetFollowing(DefaultUserID, []string{"42"})
			got := outcome(t, oneShot, "DELETE", ts.URL+unfollowPath("42"), sim.IssueToken(DefaultUserID))
			switch got {
			case "500", "503":
				got = "5xx"
			case "drop-silent", "drop-partial":
				got = "drop"
			}
			if got != tt.want || slices.Contains(sim.Following(DefaultUserID), "42") != tt.following {
				t.Fatalf("%+v: outcome %s, following %v", tt.cfg, got, sim.Following(DefaultUserID))
			}
		}
	})
	t.Run("5xx bodies", func(t *testing.T) {
		sim, ts, _ := start(t, Config{FailRate: 1, Seed: 3})
		tok := sim.IssueToken(DefaultUserID)
		seen := map[int]bool{}
		for range 20 {
			r := do(t, ts, "GET", "/2/users/me", tok)
			seen[r.status] = true
			var p struct {
				Title, Type string
				Status      int
			}
			if err := json.Unmarshal(r.body, &p); err != nil || p.Status != r.status || p.Title == "" || p.Type == "" {
				t.Fatalf("%d body %s", r.status, r.body)
			}
			if r.header.Get("Date") == "" || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("headers %v", r.header)
			}
		}
		if !seen[500] || !seen[503] || len(seen) != 2 {
			t.Fatalf("statuses %v", seen)
		}
	})
	t.Run("latency goes through the injected sleep", func(t *testing.T) {
		var mu sync.Mutex
		var slept []time.Duration
		sim, ts, _ := start(t, Config{Latency: 250 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			slept = append(slept, d)
			return nil
		}})
		tok := sim.IssueToken(DefaultUserID)
		do(t, ts, "GET", "/2/users/me", tok)
		do(t, ts, "DELETE", unfollowPath("1"), tok)
		do(t, ts, "GET", "/sim/stats", "")
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(slept, []time.Duration{250 * time.Millisecond, 250 * time.Millisecond}) {
			t.Fatalf("slept %v, want two API requests delayed", slept)
		}
	})
}

func TestStatsEndpoint(t *testing.T) {
	sim, ts, _ := start(t, Config{UnfollowLimit: 2})
	sim.SetFollowing(DefaultUserID, []string{"11", "12", "13"})
	tok := sim.IssueToken(DefaultUserID)
	for _, target := range []string{"11", "11", "12"} {
		do(t, ts, "DELETE", unfollowPath(target), tok)
	}
	do(t, ts, "GET", "/2/users/me", "")
	r := do(t, ts, "GET", "/sim/stats", "")
	var st map[string]any
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"unfollow_calls":           3.0,
		"unfollow_calls_by_target": map[string]any{"11": 2.0, "12": 1.0},
		"rate_limited":             1.0,
		"following_count":          2.0,
		"unfollowed":               1.0,
		"unauthorized":             1.0,
		"calls":                    map[string]any{"unfollow": 3.0, "users_me": 1.0},
	}
	for k, v := range want {
		g, _ := json.Marshal(st[k])
		w, _ := json.Marshal(v)
		if string(g) != string(w) {
			t.Errorf("%s = %s, want %s", k, g, w)
		}
	}
}

// TestConcurrentRequests runs many clients at once under the race detector.
func TestConcurrentRequests(t *testing.T) {
	sim, ts, clock := start(t, Config{UnfollowLimit: 40, FailRate: 0.1, ResetRate: 0.1})
	var ids []string
	for i := range 100 {
		ids = append(ids, strconv.Itoa(1000+i))
	}
	sim.SetFollowing(DefaultUserID, ids)
	tok := sim.IssueToken(DefaultUserID)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(ids); i += 4 {
				outcome(t, ts.Client(), "DELETE", ts.URL+unfollowPath(ids[i]), tok)
				if i%10 == 0 {
					clock.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	st := sim.Stats()
	if st.UnfollowCalls != 100 || st.Unfollowed+st.FollowingCount != 100 || st.Unfollowed > 40 {
		t.Fatalf("stats %+v", st)
	}
}
