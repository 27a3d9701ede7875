package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/auth"
	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// newSimClock is the fake clock a test shares between the simulator and
// the runs: every wait (the limiter's, a backoff, the simulator's latency)
// advances it at once, so hours of pacing take milliseconds.
func newSimClock() *testkit.Clock {
	// A sub-second start exercises whole-second resets.
	return testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 250_000_000, time.UTC))
}

// e2e is a world (simulator, account, queue) on a fake clock, and the
// environment a run there sees.
type e2e struct {
	*world
	clock   *testkit.Clock
	environ map[string]string
	// signals are the runs' SIGINT/SIGTERM.
	signals *signaller
}

// newE2E starts a world on a fake clock: n targets in the queue, the first
// followed of them followed by the account. Tokens live 1000 hours unless
// cfg says otherwise (runs here cross simulated days).
func newE2E(t *testing.T, cfg xapisim.Config, n, followed int, wrap func(http.Handler) http.Handler) *e2e {
	t.Helper()
	clk := newSimClock()
	cfg.Now, cfg.Sleep = clk.Now, clk.Sleep
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = 1000 * time.Hour
	}
	w := newWorld(t, cfg, n, followed, wrap)
	w.queue = moveTo(t, w.queue, fastTempDir(t))
	return &e2e{world: w, clock: clk, signals: newSignaller(), environ: map[string]string{
		"BULKUNFOLLOW_ACCESS_TOKEN": w.token,
		"BULKUNFOLLOW_API_BASE_URL": w.srv.URL,
		"BULKUNFOLLOW_QUEUE":        w.queue,
		"BULKUNFOLLOW_CONFIG_DIR":   filepath.Join(filepath.Dir(w.queue), "config"),
		"BULKUNFOLLOW_LOG_FORMAT":   "json",
	}}
}

// fastTempDir is a temporary directory on tmpfs when there is one: a
// result costs the queue several fsyncs, which on a disk would make these
// tests take seconds for nothing they check.
func fastTempDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "bulkunfollow-e2e-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// moveTo copies file into dir and returns its new path.
func moveTo(t *testing.T, file, dir string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, filepath.Base(file))
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	return to
}

// newCLI is the program as the e2e runs see it: the job's environment
// and the test's signals, on the streams given.
func (x *e2e) newCLI(stdin io.Reader, stdout, stderr io.Writer) *cli {
	e := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: func(k string) string { return x.environ[k] }}
	x.signals.install(e)
	return e
}

// run runs "bulkunfollow run ARGS" (args without "run") in-process on the fake clock and returns
// the exit code and stderr.
func (x *e2e) run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := x.newCLI(strings.NewReader(""), &out, &errOut)
	o, err := parseRunFlags(e, args)
	if err == nil {
		o.clock = x.clock
		err = e.runJob(context.Background(), o)
	}
	code := e.report(err)
	return code, out.String() + errOut.String()
}

// cli runs any other command line in the world's environment.
func (x *e2e) cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, x.environ, "", args...)
}

// states returns every target of the queue in input order, after a
// consistency check.
func (x *e2e) states(t *testing.T) []queue.Target {
	t.Helper()
	q := queuetest.Open(t, x.queue, queue.Options{})
	defer q.Close()
	queuetest.Check(t, q)
	var all []queue.Target
	err := q.Export(0, func(tg queue.Target) error {
		all = append(all, tg)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// importList adds lines (ids or @handles) to the queue.
func (x *e2e) importList(t *testing.T, lines []string) {
	t.Helper()
	q, err := queue.Open(x.queue, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	src := queue.Source{Name: "more.txt", R: strings.NewReader(strings.Join(lines, "\n") + "\n")}
	if _, err := q.Import(context.Background(), []queue.Source{src}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// onDelete wraps a simulator handler: fn runs before the n-th DELETE
// (1-based) is served, once for each n in at.
func onDelete(fn func(n int), at ...int) func(http.Handler) http.Handler {
	return countDeletes(func(n int, _ http.Handler, _ http.ResponseWriter, _ *http.Request) bool {
		if slices.Contains(at, n) {
			fn(n)
		}
		return false
	})
}

// countDeletes wraps a simulator handler, numbering its DELETEs (1-based):
// answer sees each one first and returns true when it answered it itself;
// otherwise the simulator serves it.
func countDeletes(answer func(n int, h http.Handler, w http.ResponseWriter, r *http.Request) bool) func(http.Handler) http.Handler {
	var mu sync.Mutex
	count := 0
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				mu.Lock()
				count++
				n := count
				mu.Unlock()
				if answer(n, h, w, r) {
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}
}

// login signs in to the simulator with auth.Login (OAuth 2.0 + PKCE, the
// consent page approving at once) and stores the credential in dir.
func login(t *testing.T, sim *xapisim.Server, base, dir string, now func() time.Time) auth.Credential {
	t.Helper()
	const clientID = "e2e-client"
	cred, err := auth.Login(context.Background(), auth.LoginOptions{
		ClientID:    clientID,
		APIBaseURL:  base,
		RedirectURI: "http://127.0.0.1:0/callback",
		Timeout:     20 * time.Second,
		Now:         now,
		OpenBrowser: func(_ context.Context, authURL string) error {
			u, err := url.Parse(authURL)
			if err != nil {
				return err
			}
			sim.AddClient(xapisim.Client{ID: clientID, RedirectURIs: []string{u.Query().Get("redirect_uri")}})
			go func() {
				if resp, err := http.Get(authURL); err == nil { // follows the redirect to the listener
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
			return nil
		},
	})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if err := auth.NewStore(dir, now).Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	return cred
}

// wantCounts checks the queue's counts.
func wantCounts(t *testing.T, x *e2e, want queue.Counts) {
	t.Helper()
	got := x.counts(t)
	if got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
}

// TestRunFaults: 10% 500/503s, 3% dropped connections (after the server
// applied the request, or half-way through the answer), 300 ms latency,
// and a stored OAuth 2.0 login whose tokens live 10 minutes during a run
// of about an hour (the first expiry found by a 401, the others refreshed
// ahead): the run finishes with every target done, none failed, exit 0.
// Faults hit every API request, /2/users/me and the following list too.
func TestRunFaults(t *testing.T) {
	const n = 200
	x := newE2E(t, xapisim.Config{Latency: 300 * time.Millisecond, TokenLifetime: 10 * time.Minute, Seed: 11, AutoApprove: true}, n, n, nil)
	dir := x.environ["BULKUNFOLLOW_CONFIG_DIR"]
	cred := login(t, x.sim, x.srv.URL, dir, x.clock.Now)
	// The stored expiry is wrong (as if X shortened the lifetime): the
	// first expiry is found by a 401 mid-run, refreshed and the request
	// sent again; later ones are refreshed ahead of time.
	cred.Expiry = x.clock.Now().Add(1000 * time.Hour)
	if err := auth.NewStore(dir, x.clock.Now).Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	// The login signs in as the simulator's default account: it follows
	// the targets.
	x.sim.SetFollowing(xapisim.DefaultUserID, x.targets)
	delete(x.environ, "BULKUNFOLLOW_ACCESS_TOKEN")
	x.sim.SetFaultRates(0.10, 0.03)

	start := x.clock.Now()
	code, out := x.run(t, "--yes")
	st := x.sim.Stats()
	elapsed := x.clock.Now().Sub(start)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, out)
	}
	wantCounts(t, x, queue.Counts{Total: n, Done: n})
	if left := x.sim.Following(xapisim.DefaultUserID); len(left) != 0 {
		t.Errorf("still following %d", len(left))
	}
	retries := st.UnfollowCalls - n
	t.Logf("faults: %d DELETEs for %d targets (%d retries), %d 5xx served, %d connections dropped, %d 401s, %d token refreshes, %d 429s, simulated %s",
		st.UnfollowCalls, n, retries, st.Served5xx, st.Dropped, st.Unauthorized, st.Refreshes, st.RateLimited, elapsed.Round(time.Second))
	if st.Served5xx == 0 || st.Dropped == 0 || st.Refreshes < 3 || st.Unauthorized == 0 {
		t.Errorf("the faults did not happen: %d 5xx, %d drops, %d refreshes, %d 401s", st.Served5xx, st.Dropped, st.Refreshes, st.Unauthorized)
	}
	if st.RateLimited != 0 {
		t.Errorf("%d 429s", st.RateLimited)
	}
}

// TestRunPrefilter: with 40% of the targets not followed, the DELETEs are
// exactly the followed targets, and the plan says how many requests the
// following list saved; --no-prefilter sends every target.
func TestRunPrefilter(t *testing.T) {
	const n, followed = 100, 60
	t.Run("on", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{}, n, followed, nil)
		code, out := x.run(t, "--log-format", "text", "--yes") // checks the plan's text
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, out)
		}
		st := x.sim.Stats()
		if st.UnfollowCalls != followed {
			t.Errorf("%d DELETEs, want %d (the followed targets)", st.UnfollowCalls, followed)
		}
		for _, id := range x.targets[followed:] {
			if st.UnfollowCallsByTarget[id] != 0 {
				t.Errorf("not-followed target %s was sent", id)
			}
		}
		if !strings.Contains(out, "saved=40") {
			t.Errorf("the summary does not report 40 saved requests:\n%s", out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: followed, Skipped: n - followed})
		for i, tg := range x.states(t) {
			want := queue.Result{State: queue.Done, Reason: "unfollowed"}
			if i >= followed {
				want = queue.Result{State: queue.Skipped, Reason: queue.ReasonNotFollowing}
			}
			if tg.ID != x.targets[i] || tg.State != want.State || tg.Reason != want.Reason {
				t.Errorf("target %d %s: %s %q, want %s %q", i, tg.ID, tg.State, tg.Reason, want.State, want.Reason)
			}
		}
		t.Logf("prefilter: %d DELETEs for %d targets (%d followed), %d following-list calls", st.UnfollowCalls, n, followed, st.Calls["following"])
	})
	t.Run("off", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{}, n, followed, nil)
		code, out := x.run(t, "--yes", "--no-prefilter")
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, out)
		}
		st := x.sim.Stats()
		if st.UnfollowCalls != n || st.Calls["following"] != 0 {
			t.Errorf("--no-prefilter: %d DELETEs, %d following-list calls; want %d and 0", st.UnfollowCalls, st.Calls["following"], n)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: n})
	})
}

// TestRunKeepAndOwnAccount: --keep with ids and @handles (of targets
// listed by id and by handle) skips them as "kept" and never sends them;
// the account's own id in the queue is never sent.
func TestRunKeepAndOwnAccount(t *testing.T) {
	const n = 30
	x := newE2E(t, xapisim.Config{}, n, n, nil)
	// Named accounts: two listed in the queue by handle, one by id.
	x.sim.AddUser(x.targets[3], "keep_by_name")
	x.sim.AddUser(x.targets[4], "listed_handle")
	extra := "1700000000000099999"
	x.sim.AddUser(extra, "kept_handle")
	x.sim.SetFollowing(worldUser, append(append([]string{}, x.targets...), extra))
	x.importList(t, []string{"@kept_handle", "@Listed_Handle", worldUser})

	keep := filepath.Join(t.TempDir(), "keep.txt")
	// targets[0] and [1] by id, targets[3] by its handle, @kept_handle
	// (queued by handle) and targets[4] (queued as @listed_handle) by id.
	body := fmt.Sprintf("# never unfollow\n%s\n%s\n@Keep_By_Name\n@kept_handle\n%s\n", x.targets[0], x.targets[1], x.targets[4])
	if err := os.WriteFile(keep, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := x.run(t, "--log-format", "text", "--yes", "--keep", keep)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	st := x.sim.Stats()
	kept := map[string]bool{x.targets[0]: true, x.targets[1]: true, x.targets[3]: true, x.targets[4]: true, extra: true}
	for id := range kept {
		if st.UnfollowCallsByTarget[id] != 0 {
			t.Errorf("kept %s was sent %d times", id, st.UnfollowCallsByTarget[id])
		}
	}
	keptSeen := map[string]bool{}
	for _, tg := range x.states(t) {
		switch {
		case kept[tg.ID] && tg.Reason == "duplicate of "+tg.ID:
			// @listed_handle: the import collapsed it into the queued id.
		case kept[tg.ID]:
			keptSeen[tg.ID] = true
			if tg.State != queue.Skipped || tg.Reason != queue.ReasonKept {
				t.Errorf("kept %s (@%s): %s %q, want skipped %q", tg.ID, tg.Handle, tg.State, tg.Reason, queue.ReasonKept)
			}
		case tg.ID == worldUser:
			if tg.State != queue.Skipped || tg.Reason != queue.ReasonOwnAccount {
				t.Errorf("own account: %s %q, want skipped %q", tg.State, tg.Reason, queue.ReasonOwnAccount)
			}
		case tg.State != queue.Done:
			t.Errorf("target %s (@%s): %s %q, want done", tg.ID, tg.Handle, tg.State, tg.Reason)
		}
	}
	if len(keptSeen) != len(kept) {
		t.Errorf("kept targets seen %v, want all of %v", keptSeen, kept)
	}
	if st.UnfollowCallsByTarget[worldUser] != 0 {
		t.Errorf("the account's own id was sent")
	}
	// Sent: the 30 ids but the four kept; @listed_handle resolves to the
	// kept targets[4], @kept_handle is kept, the own id is skipped.
	wantSent := n - 4
	if st.UnfollowCalls != wantSent {
		t.Errorf("%d DELETEs, want %d", st.UnfollowCalls, wantSent)
	}
	if !strings.Contains(out, "Kept:     ") {
		t.Errorf("plan does not report the kept accounts:\n%s", out)
	}
	if following := x.sim.Following(worldUser); len(following) != len(kept) {
		t.Errorf("following %d after the run, want the %d kept", len(following), len(kept))
	}
}

// TestRunHandles: without the following list, 150 @handles (130 known, 20
// unknown) resolve with /2/users/by in batches of 100; the unknown ones
// fail "not found" with the server's detail, the rest are unfollowed;
// exit 3.
func TestRunHandles(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 0, 0, nil)
	var lines, follow []string
	for i := range 150 {
		name := fmt.Sprintf("handle_%03d", i)
		if i%15 == 7 || i >= 140 { // 10 + 10 unknown
			lines = append(lines, "@"+name)
			continue
		}
		id := fmt.Sprintf("%d", int64(1710000000000000000)+int64(i))
		x.sim.AddUser(id, name)
		follow = append(follow, id)
		lines = append(lines, "@"+strings.ToUpper(name[:1])+name[1:]) // case differs from X's
	}
	x.sim.SetFollowing(worldUser, follow)
	x.importList(t, lines)

	code, out := x.run(t, "--log-format", "text", "--yes", "--prefilter", "never")
	if code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailures, out)
	}
	st := x.sim.Stats()
	unknown := 150 - len(follow)
	if st.Calls["users_by"] != 2 {
		t.Errorf("%d /2/users/by calls for 150 handles, want 2", st.Calls["users_by"])
	}
	if st.UnfollowCalls != len(follow) {
		t.Errorf("%d DELETEs, want %d", st.UnfollowCalls, len(follow))
	}
	wantCounts(t, x, queue.Counts{Total: 150, Done: len(follow), Failed: unknown})
	failed := 0
	for _, tg := range x.states(t) {
		key := "@" + tg.Handle
		if tg.State != queue.Failed {
			continue
		}
		failed++
		want := fmt.Sprintf("Could not find user with usernames: [%s].", strings.ToLower(tg.Handle))
		if tg.Reason != queue.ReasonNotFound || tg.Last == nil || !strings.EqualFold(tg.Last.Detail, want) {
			t.Errorf("%s: %q %+v, want %q with detail %q", key, tg.Reason, tg.Last, queue.ReasonNotFound, want)
		}
	}
	if failed != unknown {
		t.Errorf("%d failed, want %d", failed, unknown)
	}
	// (Looked up once confirmed: each lookup costs money.)
	if !strings.Contains(out, "Handles:  150 @handles looked up after you confirm") {
		t.Errorf("plan:\n%s", out)
	}
}

// stopCheck runs once and checks an account-level stop: exit 1, the
// server's words and a hint on stderr, nothing failed, every target not
// done still pending.
func stopCheck(t *testing.T, x *e2e, n int, words ...string) (done int) {
	t.Helper()
	code, out := x.run(t, "--log-format", "text", "--yes")
	if code != exitPerson {
		t.Fatalf("exit %d, want %d\n%s", code, exitPerson, out)
	}
	for _, w := range words {
		if !strings.Contains(out, w) {
			t.Errorf("stderr lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(out, "\nHint:  ") {
		t.Errorf("no hint:\n%s", out)
	}
	c := x.counts(t)
	if c.Failed != 0 || c.Done+c.Pending != n || c.Total != n {
		t.Errorf("counts after the stop %+v: want none failed, the rest of %d pending", c, n)
	}
	return c.Done
}

// TestRunAccountStops: usage cap, credits, suspension, an app not enrolled
// in a project, and a token that is no longer accepted — each before the
// run and from the 21st request on — stop the run with exit 1, the
// server's reason and a hint; no target fails, the rest stay pending, and
// a run after the cause is gone finishes.
func TestRunAccountStops(t *testing.T) {
	const n, flipAt = 60, 21
	modes := []struct {
		mode  xapisim.Mode
		words []string
	}{
		{xapisim.ModeUsageCap, []string{"Usage cap exceeded: Monthly product cap", "usage cap"}},
		{xapisim.ModeCredits, []string{"does not have any credits", "credits"}},
		{xapisim.ModeSuspended, []string{"The user used for authentication is suspended", "suspended"}},
		{xapisim.ModeClientNotEnrolled, []string{"attached to a Project", "Project"}},
	}
	for _, m := range modes {
		for _, mid := range []bool{false, true} {
			name := fmt.Sprintf("%s/before", m.mode)
			if mid {
				name = fmt.Sprintf("%s/mid-run", m.mode)
			}
			t.Run(name, func(t *testing.T) {
				var sim *xapisim.Server
				var wrap func(http.Handler) http.Handler
				if mid {
					wrap = onDelete(func(int) { sim.SetMode(m.mode) }, flipAt)
				}
				x := newE2E(t, xapisim.Config{}, n, n, wrap)
				sim = x.sim
				if !mid {
					x.sim.SetMode(m.mode)
				}
				done := stopCheck(t, x, n, m.words...)
				wantDone := 0
				if mid {
					wantDone = flipAt - 1
				}
				if done != wantDone {
					t.Errorf("%d done before the stop, want %d", done, wantDone)
				}
				x.sim.SetMode(xapisim.ModeNormal)
				if code, out := x.run(t, "--yes"); code != exitOK {
					t.Fatalf("run after the mode cleared: exit %d\n%s", code, out)
				}
				wantCounts(t, x, queue.Counts{Total: n, Done: n})
				if st := x.sim.Stats(); st.UnfollowCalls != n+btoi(mid) {
					t.Errorf("%d DELETEs, want %d (one refused)", st.UnfollowCalls, n+btoi(mid))
				}
			})
		}
	}

	// A ready token (BULKUNFOLLOW_ACCESS_TOKEN) cannot be refreshed: once
	// it expires, X answers 401.
	t.Run("expired env token/before", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{TokenLifetime: time.Hour}, n, n, nil)
		x.clock.Advance(2 * time.Hour)
		stopCheck(t, x, n, "401", "Unauthorized", "bulkunfollow auth login")
		if st := x.sim.Stats(); st.UnfollowCalls != 0 {
			t.Errorf("%d DELETEs with an expired token", st.UnfollowCalls)
		}
		x.environ["BULKUNFOLLOW_ACCESS_TOKEN"] = x.sim.IssueToken(worldUser)
		if code, out := x.run(t, "--yes"); code != exitOK {
			t.Fatalf("run with a new token: exit %d\n%s", code, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: n})
	})
	t.Run("expired env token/mid-run", func(t *testing.T) {
		// 50 at once, 50 after the first reset (15 min), then the token
		// (20 min) has expired before the third window.
		const n = 120
		x := newE2E(t, xapisim.Config{TokenLifetime: 20 * time.Minute}, n, n, nil)
		if done := stopCheck(t, x, n, "401", "Unauthorized", "bulkunfollow auth login"); done != 100 {
			t.Errorf("%d done before the token expired, want 100", done)
		}
		x.environ["BULKUNFOLLOW_ACCESS_TOKEN"] = x.sim.IssueToken(worldUser)
		if code, out := x.run(t, "--yes"); code != exitOK {
			t.Fatalf("run with a new token: exit %d\n%s", code, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: n})
	})
	// A stored OAuth 2.0 login whose grant is revoked (the person removed
	// the app's access): the refresh after the 401 is refused too.
	for _, mid := range []bool{false, true} {
		name := "revoked login/before"
		if mid {
			name = "revoked login/mid-run"
		}
		t.Run(name, func(t *testing.T) {
			var cred auth.Credential
			var revokeErr error
			revoke := func(int) { revokeErr = auth.Revoke(context.Background(), cred, nil, "") }
			var wrap func(http.Handler) http.Handler
			if mid {
				wrap = onDelete(revoke, flipAt)
			}
			x := newE2E(t, xapisim.Config{AutoApprove: true}, n, n, wrap)
			dir := x.environ["BULKUNFOLLOW_CONFIG_DIR"]
			cred = login(t, x.sim, x.srv.URL, dir, x.clock.Now)
			x.sim.SetFollowing(xapisim.DefaultUserID, x.targets)
			delete(x.environ, "BULKUNFOLLOW_ACCESS_TOKEN")
			if !mid {
				revoke(0)
			}
			wantDone := 0
			if mid {
				wantDone = flipAt - 1
			}
			if done := stopCheck(t, x, n, "auth login"); done != wantDone {
				t.Errorf("%d done before the revocation, want %d", done, wantDone)
			}
			if revokeErr != nil {
				t.Fatalf("revoke: %v", revokeErr)
			}
			login(t, x.sim, x.srv.URL, dir, x.clock.Now)
			if code, out := x.run(t, "--yes"); code != exitOK {
				t.Fatalf("run after a new login: exit %d\n%s", code, out)
			}
			wantCounts(t, x, queue.Counts{Total: n, Done: n})
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRunStillFollowing: X answers 200 following:true for two targets
// every time. They are retried (--max-attempts, default 5) and end failed
// "still following"; the rest are done; exit 3.
func TestRunStillFollowing(t *testing.T) {
	const n = 40
	x := newE2E(t, xapisim.Config{}, n, n, nil)
	sticky := []string{x.targets[5], x.targets[30]}
	x.sim.SetSticky(sticky)
	code, out := x.run(t, "--yes")
	if code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailures, out)
	}
	wantCounts(t, x, queue.Counts{Total: n, Done: n - 2, Failed: 2})
	st := x.sim.Stats()
	for _, tg := range x.states(t) {
		if !slices.Contains(sticky, tg.ID) {
			if tg.State != queue.Done || st.UnfollowCallsByTarget[tg.ID] != 1 {
				t.Errorf("%s: %s after %d DELETEs, want done after 1", tg.ID, tg.State, st.UnfollowCallsByTarget[tg.ID])
			}
			continue
		}
		if tg.State != queue.Failed || tg.Reason != "still following" || tg.Attempts != 5 || st.UnfollowCallsByTarget[tg.ID] != 5 {
			t.Errorf("sticky %s: %s %q, %d attempts, %d DELETEs; want failed \"still following\" after 5", tg.ID, tg.State, tg.Reason, tg.Attempts, st.UnfollowCallsByTarget[tg.ID])
		}
	}
	if st.RateLimited != 0 {
		t.Errorf("%d 429s", st.RateLimited)
	}
	if !strings.Contains(out, "export --queue "+x.queue+" --state failed") {
		t.Errorf("no pointer to the failed targets:\n%s", out)
	}
}

// TestRunQueueInUse: while the built binary drains the queue (waiting for
// the next window after spending this one), a second run and an import
// fail at once with exit 75, and status (text and JSON) answers from the
// run's last checkpoint: the run's pid and start, the counts, the window's
// reset. The run then stops on SIGINT with exit 75.
func TestRunQueueInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short")
	}
	bin := builtBinary(t)
	const n, limit = 30, 5
	w := newWorld(t, xapisim.Config{UnfollowLimit: limit}, n, n, nil)
	cmd := exec.Command(bin, "run", "--yes", "--log-format", "json")
	cmd.Env = w.env()
	var childErr bytes.Buffer
	cmd.Stderr = &childErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	// Wait (bounded) until the child has spent the window and recorded it.
	var st queue.Status
	for i := 0; ; i++ {
		var err error
		st, err = queue.ReadStatus(w.queue)
		if err == nil && st.FromSnapshot && st.Done == limit && len(st.RateLimit) > 0 {
			break
		}
		if i == 3000 {
			t.Fatalf("the child did not reach the window's end: %+v, %v\n%s", st, err, childErr.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("the child exited early: %v\n%s", err, childErr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	environ := map[string]string{}
	for _, kv := range w.env() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "BULKUNFOLLOW_") {
			environ[k] = v
		}
	}
	calls := w.sim.Stats().UnfollowCalls

	for _, args := range [][]string{{"run", "--yes"}, {"import", writeList(t, "1700000000000099999")}} {
		start := time.Now()
		code, _, stderr := runCLI(t, environ, "", args...)
		took := time.Since(start)
		t.Logf("%s on a queue in use: exit %d after %s", args[0], code, took.Round(time.Millisecond))
		if code != exitTempFail || !strings.Contains(stderr, "in use") {
			t.Errorf("%s: exit %d, want %d with \"in use\"\n%s", args[0], code, exitTempFail, stderr)
		}
		if took > 10*time.Second { // the lock timeout is 1 s; this only guards against waiting forever
			t.Errorf("%s took %s to give up", args[0], took)
		}
	}
	if got := w.sim.Stats().UnfollowCalls; got != calls {
		t.Errorf("a refused command sent %d DELETEs", got-calls)
	}

	code, stdout, stderr := runCLI(t, environ, "", "status")
	pid := cmd.Process.Pid
	for _, want := range []string{
		fmt.Sprintf(`"bulkunfollow run" is using the queue (pid %d, since `, pid),
		"its last checkpoint",
		fmt.Sprintf("%d pending", n-limit), fmt.Sprintf("%d done", limit),
		fmt.Sprintf("0 of %d requests left in X's window, next reset", limit),
	} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("status: exit %d, lacks %q\n%s%s", code, want, stdout, stderr)
		}
	}
	code, stdout, stderr = runCLI(t, environ, "", "status", "--json")
	var js struct {
		Pending, Done int
		FromSnapshot  bool `json:"from_snapshot"`
		ActiveRun     *struct {
			PID   int
			Since time.Time
		} `json:"active_run"`
		RateLimit struct {
			Window *struct {
				Limit, Remaining int
				Reset            time.Time
			}
		} `json:"ratelimit"`
	}
	if err := json.Unmarshal([]byte(stdout), &js); code != exitOK || err != nil {
		t.Fatalf("status --json: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	if js.ActiveRun == nil || js.ActiveRun.PID != pid || js.ActiveRun.Since.IsZero() || !js.FromSnapshot ||
		js.Done != limit || js.Pending != n-limit {
		t.Errorf("status --json: %s", stdout)
	}
	if win := js.RateLimit.Window; win == nil || win.Limit != limit || win.Remaining != 0 || !win.Reset.After(time.Now()) {
		t.Errorf("status --json does not show the spent window and its reset: %s", stdout)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	exited <- err // for the cleanup
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitTempFail {
		t.Fatalf("interrupted run: %v, want exit %d\n%s", err, exitTempFail, childErr.String())
	}
	if c := w.counts(t); c.Done != limit || c.Pending != n-limit {
		t.Errorf("after the interrupt: %+v", c)
	}
}

// writeList writes lines to a file in a temporary directory.
func writeList(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunStops: --deadline, --max, our daily cap and X's 24-hour limit
// each stop the run cleanly with exit 75 (no 429, nothing lost: every
// DELETE sent is a target done), and the next run continues.
func TestRunStops(t *testing.T) {
	t.Run("deadline", func(t *testing.T) {
		// 50 at once, 50 after the reset at 15 min; the next window opens
		// after 30 min, past the 20-minute deadline: no wait is started.
		const n = 120
		x := newE2E(t, xapisim.Config{}, n, n, nil)
		start := x.clock.Now()
		code, out := x.run(t, "--log-format", "text", "--yes", "--deadline", "20m")
		if code != exitTempFail || !strings.Contains(out, "Deadline reached") {
			t.Fatalf("exit %d, want %d (deadline)\n%s", code, exitTempFail, out)
		}
		if !strings.Contains(out, "100 in this run (--deadline)") {
			t.Errorf("the plan does not foresee the deadline:\n%s", out)
		}
		if took := x.clock.Now().Sub(start); took >= 20*time.Minute {
			t.Errorf("the run ended %s after its start, past the deadline", took)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: 100, Pending: 20})
		if st := x.sim.Stats(); st.UnfollowCalls != 100 || st.RateLimited != 0 {
			t.Errorf("%d DELETEs, %d 429s; want 100 and none", st.UnfollowCalls, st.RateLimited)
		}
		if code, out := x.run(t, "--yes"); code != exitOK {
			t.Fatalf("next run: exit %d\n%s", code, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: n})
		if st := x.sim.Stats(); st.UnfollowCalls != n || st.RateLimited != 0 {
			t.Errorf("%d DELETEs, %d 429s; want %d and none", st.UnfollowCalls, st.RateLimited, n)
		}
	})
	t.Run("max", func(t *testing.T) {
		const n = 30
		x := newE2E(t, xapisim.Config{}, n, n, nil)
		code, out := x.run(t, "--log-format", "text", "--yes", "--max", "7")
		if code != exitTempFail || !strings.Contains(out, "--max reached") || !strings.Contains(out, "7 in this run (--max)") {
			t.Fatalf("exit %d, want %d (--max)\n%s", code, exitTempFail, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: 7, Pending: n - 7})
		if st := x.sim.Stats(); st.UnfollowCalls != 7 {
			t.Errorf("%d DELETEs, want 7", st.UnfollowCalls)
		}
	})
	t.Run("daily cap 400", func(t *testing.T) {
		const n = 450
		x := newE2E(t, xapisim.Config{}, n, n, nil)
		start := x.clock.Now()
		code, out := x.run(t, "--log-format", "text", "--yes")
		if code != exitTempFail || !strings.Contains(out, "Daily cap reached (400 in 24 hours)") || !strings.Contains(out, "400 in this run (daily cap)") ||
			!strings.Contains(out, "Run again after ") {
			t.Fatalf("exit %d, want %d (daily cap)\n%s", code, exitTempFail, out)
		}
		took := x.clock.Now().Sub(start)
		wantCounts(t, x, queue.Counts{Total: n, Done: 400, Pending: 50})
		// Later the same day: nothing is sent.
		x.clock.Advance(6 * time.Hour)
		if code, out := x.run(t, "--yes"); code != exitTempFail || !strings.Contains(out, "Daily cap reached") {
			t.Fatalf("same day: exit %d\n%s", code, out)
		}
		if st := x.sim.Stats(); st.UnfollowCalls != 400 || st.RateLimited != 0 {
			t.Errorf("%d DELETEs, %d 429s; want 400 and none", st.UnfollowCalls, st.RateLimited)
		}
		// The next day (24 h after the first request) the rest goes.
		x.clock.Advance(start.Add(24*time.Hour + time.Minute).Sub(x.clock.Now()))
		if code, out := x.run(t, "--yes"); code != exitOK {
			t.Fatalf("next day: exit %d\n%s", code, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: n})
		st := x.sim.Stats()
		if st.UnfollowCalls != n || st.RateLimited != 0 {
			t.Errorf("%d DELETEs, %d 429s; want %d and none", st.UnfollowCalls, st.RateLimited, n)
		}
		t.Logf("daily cap: 400 sent in %s (simulated), the last 50 the next day; %d DELETEs, %d 429s", took.Round(time.Second), st.UnfollowCalls, st.RateLimited)
	})
	t.Run("X's 24-hour limit", func(t *testing.T) {
		const n, day = 100, 60
		x := newE2E(t, xapisim.Config{DailyUnfollowLimit: day}, n, n, nil)
		start := x.clock.Now()
		code, out := x.run(t, "--yes", "--daily-cap", "0")
		if code != exitTempFail || !strings.Contains(out, "X's 24-hour unfollow limit reached") || strings.Contains(out, "raise --daily-cap") {
			t.Fatalf("exit %d, want %d (X's 24-hour limit, not ours)\n%s", code, exitTempFail, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: day, Pending: n - day})
		if st := x.sim.Stats(); st.UnfollowCalls != day || st.RateLimited != 0 {
			t.Errorf("%d DELETEs, %d 429s; want %d and none", st.UnfollowCalls, st.RateLimited, day)
		}
		// A restart before X's 24 hours are over sends nothing.
		if code, out := x.run(t, "--yes", "--daily-cap", "0"); code != exitTempFail {
			t.Fatalf("same day: exit %d\n%s", code, out)
		}
		x.clock.Advance(start.Add(24*time.Hour + time.Minute).Sub(x.clock.Now()))
		if code, out := x.run(t, "--yes", "--daily-cap", "0"); code != exitOK {
			t.Fatalf("next day: exit %d\n%s", code, out)
		}
		wantCounts(t, x, queue.Counts{Total: n, Done: n})
		if st := x.sim.Stats(); st.UnfollowCalls != n || st.RateLimited != 0 {
			t.Errorf("%d DELETEs, %d 429s; want %d and none", st.UnfollowCalls, st.RateLimited, n)
		}
	})
}

// dryRunImage is what a queue holds, for comparing before and after.
type dryRunImage struct {
	bytes   []byte
	targets []queue.Target
	counts  queue.Counts
	account [2]string
	meta    map[string]string
	lastRun string
}

// image reads the queue without changing it (read-only: a writable open
// commits a transaction).
func (x *e2e) image(t *testing.T) dryRunImage {
	t.Helper()
	var img dryRunImage
	var err error
	if img.bytes, err = os.ReadFile(x.queue); err != nil {
		t.Fatal(err)
	}
	q := queuetest.Open(t, x.queue, queue.Options{ReadOnly: true})
	defer q.Close()
	queuetest.Check(t, q)
	if img.counts, err = q.Counts(); err != nil {
		t.Fatal(err)
	}
	err = q.Export(0, func(tg queue.Target) error {
		img.targets = append(img.targets, tg)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if img.account[0], img.account[1], err = q.Account(); err != nil {
		t.Fatal(err)
	}
	img.meta = map[string]string{}
	lim, err := q.LimiterState()
	if err != nil {
		t.Fatal(err)
	}
	last, err := q.LastSuccess()
	if err != nil {
		t.Fatal(err)
	}
	img.meta["limiter"], img.meta["sending"], img.meta["last_success"] = string(lim), fmt.Sprint(q.Sending()), last.String()
	st, err := q.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.LastRun != nil {
		b, _ := json.Marshal(st.LastRun)
		img.lastRun = string(b)
	}
	return img
}

// TestRunConfirmation: without a terminal and without --yes, run refuses
// before any request (exit 2); --dry-run prints the plan, sends nothing
// and leaves the queue as it was, byte for byte.
func TestRunConfirmation(t *testing.T) {
	t.Run("no --yes", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{}, 10, 10, nil)
		code, out := x.run(t)
		if code != exitUsage || !strings.Contains(out, "--yes") {
			t.Fatalf("exit %d, want %d naming --yes\n%s", code, exitUsage, out)
		}
		if st := x.sim.Stats(); len(st.Calls) != 0 {
			t.Errorf("requests were made: %v", st.Calls)
		}
		wantCounts(t, x, queue.Counts{Total: 10, Pending: 10})
	})
	t.Run("dry run", func(t *testing.T) {
		// Handles to resolve (one unknown), a keep-list, the account
		// itself, not-followed targets, and a half-done earlier run.
		const n, followed = 80, 60
		x := newE2E(t, xapisim.Config{}, n, followed, nil)
		x.sim.AddUser("1710000000000000001", "known_handle")
		x.importList(t, []string{"@known_handle", "@nobody_here", worldUser})
		if code, out := x.run(t, "--yes", "--max", "10"); code != exitTempFail {
			t.Fatalf("first run: exit %d\n%s", code, out)
		}
		x.importList(t, []string{"@known_handle_2"})
		x.sim.AddUser("1710000000000000002", "known_handle_2")
		keep := writeList(t, x.targets[20], "@known_handle_2")
		before := x.image(t)
		calls := x.sim.Stats().UnfollowCalls

		code, out := x.run(t, "--log-format", "text", "--dry-run", "--keep", keep)
		if code != exitOK {
			t.Fatalf("dry run: exit %d\n%s", code, out)
		}
		for _, want := range []string{"Plan:     unfollow 49 accounts", "Kept:     2 on the keep-list", "Dry run: nothing was sent and the queue is unchanged."} {
			if !strings.Contains(out, want) {
				t.Errorf("dry run output lacks %q:\n%s", want, out)
			}
		}
		if got := x.sim.Stats().UnfollowCalls; got != calls {
			t.Errorf("the dry run sent %d DELETEs", got-calls)
		}
		after := x.image(t)
		if !bytes.Equal(before.bytes, after.bytes) {
			t.Errorf("the queue file changed (%d bytes before, %d after)", len(before.bytes), len(after.bytes))
		}
		before.bytes, after.bytes = nil, nil
		if !reflect.DeepEqual(before, after) {
			t.Errorf("the queue changed:\nbefore %+v\nafter  %+v", before, after)
		}
	})
	t.Run("dry run on an unbound queue", func(t *testing.T) {
		x := newE2E(t, xapisim.Config{}, 10, 10, nil)
		before := x.image(t)
		if code, out := x.run(t, "--dry-run"); code != exitOK {
			t.Fatalf("dry run: exit %d\n%s", code, out)
		}
		after := x.image(t)
		if !bytes.Equal(before.bytes, after.bytes) || after.account != before.account {
			t.Errorf("the dry run changed the queue (account %v → %v)", before.account, after.account)
		}
		// Bound to another account: the dry run refuses as a run would.
		bindToAnotherAccount(t, x.queue)
		if code, out := x.run(t, "--dry-run"); code != exitPerson || !strings.Contains(out, "someone_else") {
			t.Errorf("dry run on another account's queue: exit %d\n%s", code, out)
		}
	})
}

// TestRunSignal: SIGINT while the 30th request is in flight: the run lets
// it finish, records its answer, stops with exit 75; the next run resumes
// inside the same window without a 429.
func TestRunSignal(t *testing.T) {
	const n, at = 100, 30
	var x *e2e
	wrap := onDelete(func(int) { x.signals.send(os.Interrupt) }, at)
	x = newE2E(t, xapisim.Config{}, n, n, wrap)
	code, out := x.run(t, "--yes")
	if code != exitTempFail || !strings.Contains(out, "Interrupted") {
		t.Fatalf("exit %d, want %d (interrupted)\n%s", code, exitTempFail, out)
	}
	st := x.sim.Stats()
	c := x.counts(t)
	// The signal is acted on while request 30 is in flight: no other
	// one goes.
	if st.UnfollowCalls != at || c.Done != at || c.Pending != n-at || c.Failed != 0 {
		t.Fatalf("after SIGINT: %d DELETEs, counts %+v; want %d DELETEs, each recorded done", st.UnfollowCalls, c, at)
	}
	if tg := x.states(t)[at-1]; tg.State != queue.Done {
		t.Errorf("the request in flight (target %s) was not recorded: %s", tg.ID, tg.State)
	}
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("resumed run: exit %d\n%s", code, out)
	}
	wantCounts(t, x, queue.Counts{Total: n, Done: n})
	end := x.sim.Stats()
	if end.UnfollowCalls != n || end.RateLimited != 0 {
		t.Errorf("%d DELETEs, %d 429s; want %d and none", end.UnfollowCalls, end.RateLimited, n)
	}
	t.Logf("SIGINT during request %d: stopped after %d DELETEs (%d done); resumed: %d DELETEs in all, %d 429s", at, st.UnfollowCalls, c.Done, end.UnfollowCalls, end.RateLimited)
}

// TestRunSignalBeforeSending: a signal while run is still reading (the
// following list, once confirmed) stops it with exit 75, no target
// decided or sent: the decisions are written once the list is in.
func TestRunSignalBeforeSending(t *testing.T) {
	var x *e2e
	// The signal arrives while the list's answer is on its way: the run
	// gives up on it (the handler answers only once the client has), so
	// nothing of it can be decided.
	wrap := func(h http.Handler) http.Handler {
		var once sync.Once
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/following") {
				first := false
				once.Do(func() { first = true; x.signals.send(os.Interrupt) })
				if first {
					<-r.Context().Done()
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	x = newE2E(t, xapisim.Config{}, 20, 10, wrap)
	before := x.image(t)
	code, out := x.run(t, "--yes")
	if code != exitTempFail || !strings.Contains(out, "Interrupted: 0 done, 0 skipped, 0 failed, 20 pending of 20") {
		t.Fatalf("exit %d, want %d (interrupted before sending)\n%s", code, exitTempFail, out)
	}
	if st := x.sim.Stats(); st.UnfollowCalls != 0 {
		t.Errorf("%d DELETEs after a signal before sending", st.UnfollowCalls)
	}
	after := x.image(t)
	if !reflect.DeepEqual(before.targets, after.targets) || before.counts != after.counts {
		t.Errorf("the queue's targets changed:\nbefore %+v\nafter  %+v", before.counts, after.counts)
	}
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("next run: exit %d\n%s", code, out)
	}
	wantCounts(t, x, queue.Counts{Total: 20, Done: 10, Skipped: 10})
}

// TestRunSecondSignalAborts: the first signal lets the request in flight
// finish; a second one aborts it. The run still ends through its normal
// path (exit 75, the run recorded), and the aborted target stays pending
// to be sent again.
func TestRunSecondSignalAborts(t *testing.T) {
	const n, at = 40, 10
	var x *e2e
	release := make(chan struct{})
	wrap := func(h http.Handler) http.Handler {
		var mu sync.Mutex
		count := 0
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				mu.Lock()
				count++
				hit := count == at
				mu.Unlock()
				if hit {
					x.signals.send(os.Interrupt)
					x.signals.send(os.Interrupt)
					// Hold the answer until the client gave up on it.
					select {
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	x = newE2E(t, xapisim.Config{}, n, n, wrap)
	t.Cleanup(func() { close(release) })
	// A request timeout far beyond the test: only the abort can end the
	// held request.
	code, out := x.run(t, "--yes", "--request-timeout", "1h")
	if code != exitTempFail || !strings.Contains(out, "second signal") {
		t.Fatalf("exit %d, want %d after a second signal\n%s", code, exitTempFail, out)
	}
	all := x.states(t)
	c := x.counts(t)
	if c.Done != at-1 || c.Pending != n-(at-1) || c.Failed != 0 || all[at-1].State != queue.Pending || all[at-1].Attempts != 0 {
		t.Errorf("after the abort: counts %+v, target %d %s with %d attempts; want %d done and the aborted one pending, unrecorded",
			c, at, all[at-1].State, all[at-1].Attempts, at-1)
	}
	st, err := queue.ReadStatus(x.queue)
	if err != nil {
		t.Fatal(err)
	}
	if st.ActiveRun != nil || st.LastRun == nil || st.LastRun.Ended.IsZero() || st.LastRun.ExitCode != exitTempFail {
		t.Errorf("status after the abort: active %+v, last run %+v; want no active run and a recorded end with exit 75", st.ActiveRun, st.LastRun)
	}
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("resumed run: exit %d\n%s", code, out)
	}
	wantCounts(t, x, queue.Counts{Total: n, Done: n})
}

// metricValue returns the value of the first sample of metric name (with
// the labels containing label, if given) in a Prometheus text file.
func metricValue(t *testing.T, text, name, label string) (float64, bool) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		if label != "" && !strings.Contains(line, label) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		return v, true
	}
	return 0, false
}

// TestRunMetricsFile: --metrics-file has the queue by state, this run's
// requests and the lifetime totals across runs, and the last success.
func TestRunMetricsFile(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 30, 20, nil)
	path := filepath.Join(t.TempDir(), "bulkunfollow.prom")
	if code, out := x.run(t, "--yes", "--max", "8", "--metrics-file", path); code != exitTempFail {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	if code, out := x.run(t, "--yes", "--metrics-file", path); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, c := range []struct {
		name, label string
		want        float64
	}{
		{"bulkunfollow_targets", `state="done"`, 20},
		{"bulkunfollow_targets", `state="skipped"`, 10},
		{"bulkunfollow_targets", `state="pending"`, 0},
		{"bulkunfollow_run_requests_sent", "", 12},
		{"bulkunfollow_requests_sent_total", "", 20},
		{"bulkunfollow_rate_limited_total", "", 0},
		{"bulkunfollow_last_run_exit_code", "", 0},
	} {
		got, ok := metricValue(t, text, c.name, c.label)
		if !ok || got != c.want {
			t.Errorf("%s{%s} = %v (present %t), want %v\n%s", c.name, c.label, got, ok, c.want, text)
		}
	}
	if v, ok := metricValue(t, text, "bulkunfollow_last_success_timestamp_seconds", ""); !ok || v <= 0 {
		t.Errorf("no last success time:\n%s", text)
	}
}

// TestRunFollowsHigherServerLimit: X's headers are authoritative. Without
// --rate, a window of 100 announced by X is used in full; an explicit
// --rate 50/15m stays a ceiling the person chose.
func TestRunFollowsHigherServerLimit(t *testing.T) {
	const n = 200
	for _, tt := range []struct {
		args        []string
		env         string // BULKUNFOLLOW_RATE
		maxDuration time.Duration
		minDuration time.Duration
	}{
		{nil, "", 16 * time.Minute, 15 * time.Minute},                          // 100 now, 100 after one reset
		{[]string{"--rate", "50/15m"}, "", 50 * time.Minute, 45 * time.Minute}, // 50 per window: 3 resets
		{nil, "50/15m", 50 * time.Minute, 45 * time.Minute},                    // the variable is as explicit as the flag
	} {
		t.Run(strings.Join(append([]string{"rate", tt.env}, tt.args...), " "), func(t *testing.T) {
			x := newE2E(t, xapisim.Config{UnfollowLimit: 100}, n, n, nil)
			if tt.env != "" {
				x.environ["BULKUNFOLLOW_RATE"] = tt.env
			}
			start := x.clock.Now()
			args := append([]string{"--yes", "--daily-cap", "0"}, tt.args...)
			if code, out := x.run(t, args...); code != exitOK {
				t.Fatalf("exit %d\n%s", code, out)
			}
			took := x.clock.Now().Sub(start)
			st := x.sim.Stats()
			if st.UnfollowCalls != n || st.RateLimited != 0 || took < tt.minDuration || took > tt.maxDuration {
				t.Errorf("%d DELETEs, %d 429s in %s (simulated); want %d, none, in %s..%s", st.UnfollowCalls, st.RateLimited, took, n, tt.minDuration, tt.maxDuration)
			}
		})
	}
}

// runAt runs "bulkunfollow run ARGS" as on a terminal: the plan is
// confirmed (or not) on stdin.
func (x *e2e) runAt(t *testing.T, stdin io.Reader, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := x.newCLI(stdin, &out, &errOut)
	e.interactive = true
	o, err := parseRunFlags(e, append([]string{"--log-format", "json"}, args...))
	if err == nil {
		o.clock = x.clock
		err = e.runJob(context.Background(), o)
	}
	code := e.report(err)
	return code, out.String() + errOut.String()
}

// unchangedButSpend checks that a run that was declined decided nothing:
// the targets and counts are as before, the queue is not bound, and what
// it recorded as spent is what X billed.
func unchangedButSpend(t *testing.T, x *e2e, before, after dryRunImage) {
	t.Helper()
	if !reflect.DeepEqual(before.targets, after.targets) || before.counts != after.counts {
		t.Errorf("the queue's targets changed:\nbefore %+v\nafter  %+v", before.counts, after.counts)
	}
	st, err := queue.ReadStatus(x.queue)
	if err != nil {
		t.Fatal(err)
	}
	if st.Account != nil {
		t.Errorf("the queue was bound to %+v", st.Account)
	}
	if billed := x.sim.Stats().BilledUSD; st.SpentUSD != billed || billed == 0 {
		t.Errorf("spent_usd %v, X billed %v", st.SpentUSD, billed)
	}
}

// promptReader blocks every read until the test lets it go, telling the
// test that the prompt is waiting.
type promptReader struct{ waiting chan struct{} }

func (r promptReader) Read([]byte) (int, error) {
	close(r.waiting)
	select {} // a person who never answers
}

// TestRunConfirmationChangesNothingUntilYes: with @handles to resolve, a
// keep-list and targets not followed, answering "no" (or Ctrl-C at the
// prompt) decides nothing: every target as it was, the queue unbound; only
// what preparing the plan cost X (the sign-in) is recorded, to the cent of
// X's bill. "yes" then runs the plan.
func TestRunConfirmationChangesNothingUntilYes(t *testing.T) {
	setup := func(t *testing.T) (*e2e, string) {
		x := newE2E(t, xapisim.Config{}, 30, 20, nil)
		x.sim.AddUser("1710000000000000001", "known_handle")
		x.sim.AddUser("1710000000000000002", "same_as_queued")
		x.importList(t, []string{"@known_handle", "@nobody_here", "@Same_As_Queued", x.targets[3]})
		return x, writeList(t, x.targets[0], "@known_handle")
	}
	t.Run("no", func(t *testing.T) {
		x, keep := setup(t)
		before := x.image(t)
		code, out := x.runAt(t, strings.NewReader("n\n"), "--keep", keep)
		// Declining is not "stopped early, run again" (75): a wrapper
		// must be able to tell them apart.
		if code != exitDeclined || !strings.Contains(out, "the queue is unchanged") {
			t.Fatalf("exit %d, want %d\n%s", code, exitDeclined, out)
		}
		if want := "bulkunfollow run --queue " + x.queue + " --api-base-url " + x.srv.URL; !strings.Contains(out, want) {
			t.Errorf("the way to see the plan does not name this queue and API (%q):\n%s", want, out)
		}
		after := x.image(t)
		unchangedButSpend(t, x, before, after)
		if st := x.sim.Stats(); st.UnfollowCalls != 0 {
			t.Errorf("%d DELETEs after answering no", st.UnfollowCalls)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		// stdin ends without an answer: no is the answer.
		x, keep := setup(t)
		if code, out := x.runAt(t, strings.NewReader(""), "--keep", keep); code != exitDeclined {
			t.Fatalf("exit %d, want %d\n%s", code, exitDeclined, out)
		}
	})
	t.Run("ctrl-c at the prompt", func(t *testing.T) {
		x, keep := setup(t)
		waiting := make(chan struct{})
		go func() {
			<-waiting
			x.signals.send(os.Interrupt)
		}()
		before := x.image(t)
		code, out := x.runAt(t, promptReader{waiting}, "--keep", keep)
		if code != exitTempFail || !strings.Contains(out, "interrupted before sending anything") {
			t.Fatalf("exit %d, want %d (interrupted)\n%s", code, exitTempFail, out)
		}
		unchangedButSpend(t, x, before, x.image(t))
	})
	t.Run("yes", func(t *testing.T) {
		x, keep := setup(t)
		code, out := x.runAt(t, strings.NewReader("y\n"), "--keep", keep)
		if code != exitOK { // @nobody_here is not in the following list: not followed
			t.Fatalf("exit %d, want %d\n%s", code, exitOK, out)
		}
		// 20 followed ids, minus the kept one; @known_handle is kept too,
		// @Same_As_Queued and @nobody_here name no followed account, and
		// the duplicate of targets[3] collapsed at import.
		// (runAt's logs are JSON: the plan is an event, the prompt text.)
		// The plan is made before the following list is read (it costs
		// money): at most 29, the list read once confirmed skips 10.
		if !strings.Contains(out, `"event":"plan"`) || !strings.Contains(out, `"send":29,`) || !strings.Contains(out, "Unfollow up to 29 accounts") {
			t.Errorf("plan and prompt should say up to 29:\n%s", out)
		}
		if st := x.sim.Stats(); st.UnfollowCalls != 19 {
			t.Errorf("%d DELETEs, want the 19 planned", st.UnfollowCalls)
		}
		st, err := queue.ReadStatus(x.queue)
		if err != nil {
			t.Fatal(err)
		}
		// The run record counts the decisions made before sending too.
		if lr := st.LastRun; lr == nil || lr.Done != 19 || lr.Failed != 0 || lr.Skipped != st.Skipped {
			t.Errorf("last run %+v; want 19 done, none failed and the %d skips", lr, st.Skipped)
		}
		if billed := x.sim.Stats().BilledUSD; st.SpentUSD != billed {
			t.Errorf("spent_usd %v, X billed %v", st.SpentUSD, billed)
		}
	})
}

// TestRunSkipsDuplicateHandles: an @handle that resolves to an id already
// queued is skipped, and costs no request.
func TestRunSkipsDuplicateHandles(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 5, 5, nil)
	x.sim.AddUser(x.targets[2], "dup_of_third")
	x.importList(t, []string{"@dup_of_third"})
	code, out := x.run(t, "--log-format", "text", "--yes")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "Finished: 5 done, 1 skipped") {
		t.Errorf("the run should skip the duplicate:\n%s", out)
	}
	if tg := x.states(t)[5]; tg.State != queue.Skipped {
		t.Errorf("the duplicate @handle ended %s %q, want skipped", tg.State, tg.Reason)
	}
	if st := x.sim.Stats(); st.UnfollowCalls != 5 {
		t.Errorf("%d DELETEs, want 5", st.UnfollowCalls)
	}
}

// TestRunNamesTargetsForExport: targets imported as bare ids get their
// usernames from the following list, so export (the list to re-follow
// from) names the accounts.
func TestRunNamesTargetsForExport(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 6, 4, nil)
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, tg := range x.states(t) {
		if tg.State == queue.Done && tg.Username == "" {
			t.Errorf("done target %s has no username", tg.ID)
		}
	}
	code, stdout, stderr := x.cli(t, "export", "--state", "done", "--format", "jsonl")
	if code != exitOK || strings.Count(stdout, `"username":"u`) != 4 {
		t.Errorf("export: exit %d, want 4 named rows:\n%s%s", code, stdout, stderr)
	}
}

// TestRunBadKeepList: a keep-list with bad lines stops the run before
// anything is sent (exit 65), listing every bad line.
func TestRunBadKeepList(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 5, 5, nil)
	keep := writeList(t, x.targets[0], "not-an-id", "1.2E+18", "@fine")
	code, out := x.run(t, "--yes", "--keep", keep)
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d\n%s", code, exitBadInput, out)
	}
	for _, want := range []string{"has 2 invalid entries", ":2: ", ":3: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st := x.sim.Stats(); st.UnfollowCalls != 0 {
		t.Errorf("%d DELETEs with a bad keep-list", st.UnfollowCalls)
	}
}
