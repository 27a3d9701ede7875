package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// TestRunOutcomeCountsMarkedFailed: an account-level stop after a streak of
// refusals says how many targets this run marked failed, not "nothing".
func TestRunOutcomeCountsMarkedFailed(t *testing.T) {
	c := queue.Counts{Total: 10, Done: 3, Failed: 2, Pending: 5}
	code, msg := runOutcome(worker.Summary{Stop: worker.StopAccountError, Failed: 2, Done: 3}, c, "", nil, ratelimit.Status{}, hintFlags{})
	if code != exitPerson || !strings.Contains(msg, "2 marked failed in this run") || strings.Contains(msg, "nothing was marked failed") {
		t.Errorf("exit %d, %q", code, msg)
	}
	c.Failed = 0
	_, msg = runOutcome(worker.Summary{Stop: worker.StopAccountError}, c, "", nil, ratelimit.Status{}, hintFlags{})
	if !strings.Contains(msg, "nothing was marked failed") {
		t.Errorf("%q", msg)
	}
}

// onNthDelete wraps a simulator handler: the n-th DELETE is answered by fn
// (given the simulator's handler) instead.
func onNthDelete(n int, fn func(h http.Handler, w http.ResponseWriter, r *http.Request)) func(http.Handler) http.Handler {
	return countDeletes(func(c int, h http.Handler, w http.ResponseWriter, r *http.Request) bool {
		if c != n {
			return false
		}
		fn(h, w, r)
		return true
	})
}

// TestRunCutBodyIsNotSkippedNextRun: X applies an unfollow but its 200 is
// cut off mid-body, and the run is interrupted then (its answer recorded,
// nothing in flight). The next run's following list no longer has the
// target, yet it is not recorded "not following": the unfollow that
// reached X is recorded done.
func TestRunCutBodyIsNotSkippedNextRun(t *testing.T) {
	const n, cutAt = 10, 4
	var x *e2e
	wrap := onNthDelete(cutAt, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r) // X applies it
		x.signals.send(os.Interrupt)
		testkit.CutBody(w, rec)
	})
	x = newE2E(t, xapisim.Config{}, n, n, wrap)
	target := x.targets[cutAt-1]
	if code, out := x.run(t, "--yes"); code != exitTempFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitTempFail, out)
	}
	if slices.Contains(x.sim.Following(worldUser), target) {
		t.Fatal("the cut DELETE was not applied")
	}
	tg := x.states(t)[cutAt-1]
	if tg.State != queue.Pending || tg.Attempts != 1 || tg.Reason != queue.ReasonOutcomeUnknown {
		t.Errorf("after the cut answer: %s %q attempts %d; want pending %q attempts 1", tg.State, tg.Reason, tg.Attempts, queue.ReasonOutcomeUnknown)
	}
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	tg = x.states(t)[cutAt-1]
	if tg.State != queue.Done || tg.Reason == queue.ReasonNotFollowing {
		t.Errorf("the target whose DELETE reached X ended %s %q, want done", tg.State, tg.Reason)
	}
	wantCounts(t, x, queue.Counts{Total: n, Done: n})
}

// TestRunNotFoundNotNamingTargetStops: a 404 on DELETE that does not name
// the target (generic, empty, HTML) is about the path or the app: the run
// stops with exit 1 and a hint, the target stays pending with no attempt
// counted, nothing is failed; a run after it finishes.
func TestRunNotFoundNotNamingTargetStops(t *testing.T) {
	const n, at = 10, 3
	for _, body := range []string{
		`{"title":"Not Found Error","type":"about:blank","status":404,"detail":"Not Found"}`,
		"",
		"<html><body>404 page not found</body></html>",
	} {
		t.Run(fmt.Sprintf("%.12s", body), func(t *testing.T) {
			x := newE2E(t, xapisim.Config{}, n, n, onNthDelete(at, func(_ http.Handler, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, body)
			}))
			if done := stopCheck(t, x, n, "404", "--api-base-url"); done != at-1 {
				t.Errorf("%d done before the stop, want %d", done, at-1)
			}
			if tg := x.states(t)[at-1]; tg.State != queue.Pending || tg.Attempts != 0 {
				t.Errorf("target of the 404: %s attempts %d, want pending with none counted", tg.State, tg.Attempts)
			}
			if code, out := x.run(t, "--yes"); code != exitOK {
				t.Fatalf("second run: exit %d\n%s", code, out)
			}
			wantCounts(t, x, queue.Counts{Total: n, Done: n})
		})
	}
	// A 404 naming the target fails it as not found; the run goes on.
	x := newE2E(t, xapisim.Config{}, n, n, onNthDelete(at, func(_ http.Handler, w http.ResponseWriter, r *http.Request) {
		tgt := path.Base(r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"errors":[{"value":%q,"resource_id":%q,"detail":"Could not find user with id: [%s].","title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found"}]}`, tgt, tgt, tgt)
	}))
	if code, out := x.run(t, "--yes"); code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailures, out)
	}
	if tg := x.states(t)[at-1]; tg.State != queue.Failed || tg.Reason != "not found" {
		t.Errorf("target named by the 404: %s %q, want failed \"not found\"", tg.State, tg.Reason)
	}
	wantCounts(t, x, queue.Counts{Total: n, Done: n - 1, Failed: 1})
}

// TestRetryKeepsEvidenceOfASentUnfollow: a target whose every answer was
// cut off after X applied the unfollow fails (attempts used up) with the
// outcome unknown. retry moves it back to pending; the next run sends its
// DELETE again (the job's snapshot of the following list still holds it)
// and records it done (it is on the re-follow list), not "not following".
func TestRetryKeepsEvidenceOfASentUnfollow(t *testing.T) {
	const n, at = 6, 2
	var mu sync.Mutex
	cut := true
	var target string
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			c := cut && r.Method == http.MethodDelete && path.Base(r.URL.Path) == target
			mu.Unlock()
			if !c {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r) // X applies it
			testkit.CutBody(w, rec)
		})
	}
	x := newE2E(t, xapisim.Config{}, n, n, wrap)
	mu.Lock()
	target = x.targets[at-1]
	mu.Unlock()
	if code, out := x.run(t, "--yes", "--max-attempts", "2"); code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailures, out)
	}
	if tg := x.states(t)[at-1]; tg.State != queue.Failed || !tg.MayHaveTakenEffect {
		t.Fatalf("after two cut answers: %s %q (may have taken effect: %v); want failed and marked", tg.State, tg.Reason, tg.MayHaveTakenEffect)
	}
	mu.Lock()
	cut = false
	mu.Unlock()
	if code, out, errOut := x.cli(t, "retry"); code != exitOK {
		t.Fatalf("retry: exit %d\n%s%s", code, out, errOut)
	}
	if tg := x.states(t)[at-1]; tg.State != queue.Pending || !tg.MayHaveTakenEffect {
		t.Fatalf("after retry: %s, marked %v; want pending and still marked", tg.State, tg.MayHaveTakenEffect)
	}
	calls := x.sim.Stats().UnfollowCallsByTarget[target]
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("run after retry: exit %d\n%s", code, out)
	}
	tg := x.states(t)[at-1]
	if tg.State != queue.Done || tg.Reason == queue.ReasonNotFollowing {
		t.Errorf("the target whose DELETE reached X ended %s %q, want done", tg.State, tg.Reason)
	}
	// The job's following snapshot still holds it (no answer said it was
	// gone): the DELETE is sent again, once, not the whole list re-read.
	if got := x.sim.Stats().UnfollowCallsByTarget[target]; got != calls+1 {
		t.Errorf("the run after retry sent %d more DELETEs for it, want 1 (the idempotent DELETE confirms it)", got-calls)
	}
	if n := x.sim.Stats().Calls["following"]; n != 1 {
		t.Errorf("the following list was read %d times over the job, want once", n)
	}
	code, out, _ := x.cli(t, "export", "--state", "done")
	if code != exitOK || !strings.Contains(out, target) {
		t.Errorf("export --state done (the re-follow list) lacks %s:\n%s", target, out)
	}
}

// TestRunUnauthorizedHint: X refusing the token (401) ends the run with
// exit 1 and the one 401 hint (apiclient's), which names every way to
// sign in again.
func TestRunUnauthorizedHint(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 3, 3, nil)
	x.environ["BULKUNFOLLOW_ACCESS_TOKEN"] = "not-a-token-x-issued"
	code, out := x.run(t, "--log-format", "text", "--yes") // the human text: one "Hint:" line
	if code != exitPerson {
		t.Fatalf("exit %d, want %d\n%s", code, exitPerson, out)
	}
	for _, want := range []string{"Hint:", "bulkunfollow auth login", "BULKUNFOLLOW_ACCESS_TOKEN", "OAuth 1.0a"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Hint:") != 1 {
		t.Errorf("want exactly one hint:\n%s", out)
	}
}
