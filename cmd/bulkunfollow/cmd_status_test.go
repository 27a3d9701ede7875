package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
)

// seedQueue imports ids 1..5 and @five, binds the account and finishes
// some: 1 done, 2 failed (404 problem), 3 skipped.
func seedQueue(t *testing.T, path string) {
	t.Helper()
	s, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	src := queue.Source{Name: "l.txt", R: strings.NewReader("1\n2\n3\n4\n5\n@five\n"), Format: "text"}
	if _, err := s.Import(t.Context(), []queue.Source{src}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.BindAccount("42", "me"))
	must(s.Record(1, queue.Result{State: queue.Done, Reason: "unfollowed", CountAttempt: true, At: at}))
	must(s.Record(2, queue.Result{State: queue.Failed, Reason: "not found", CountAttempt: true, At: at,
		Err: &queue.ErrorInfo{Status: 200, Type: "https://api.twitter.com/2/problems/resource-not-found", Title: "Not Found Error", Detail: "Could not find user with id: [2]."}}))
	_, err = s.MarkSkipped([]uint64{3}, "kept")
	must(err)
	must(s.SetLastRun(queue.RunInfo{PID: 99, Started: at, Ended: at.Add(time.Minute), Outcome: "finished", ExitCode: 3, Attempted: 2, Done: 1, Failed: 1}))
}

func TestStatusCommand(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)

	code, stdout, stderr := runCLI(t, env, "", "status")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Account:   @me (id 42)", "6 targets: 3 pending (1 @handle unresolved), 1 done, 1 skipped, 1 failed",
		"finished (exit 3): 2 sent, 1 done, 0 skipped, 1 failed", "Next:      bulkunfollow run"} {
		if !strings.Contains(flat(stdout), flat(want)) {
			t.Errorf("status lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		if n := utf8.RuneCountInString(line); n > helpWidth {
			t.Errorf("status line of %d columns, wider than a terminal of %d:\n%s", n, helpWidth, line)
		}
	}

	code, stdout, _ = runCLI(t, env, "", "status", "--json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Count(strings.TrimSpace(stdout), "\n") != 0 {
		t.Errorf("--json printed more than one line: %q", stdout)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]float64{"total": 6, "pending": 3, "done": 1, "skipped": 1, "failed": 1, "unresolved": 1, "schema_version": 1} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if got["active_run"] != nil || got["from_snapshot"] != false || got["account"].(map[string]any)["id"] != "42" {
		t.Errorf("status json = %s", stdout)
	}
	if lr := got["last_run"].(map[string]any); lr["outcome"] != "finished" || lr["exit_code"] != 3.0 {
		t.Errorf("last_run = %v", lr)
	}
}

func TestStatusWhileARunHoldsTheQueue(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)
	s, err := queue.Open(path, queue.Options{Command: "run"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The limiter's state after X said: window of 50 spent, resets in 7 minutes.
	now := time.Now()
	lim, err := ratelimit.New(ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	lim.Take(now)
	lim.Observe(now, ratelimit.Observation{Present: true, Limit: 50, Remaining: 0, Reset: now.Add(7 * time.Minute).Truncate(time.Second), Date: now.Truncate(time.Second), Sent: now, Received: now})
	state, err := json.Marshal(lim.State())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Record(4, queue.Result{State: queue.Done, Run: &queue.RunState{Limiter: state}}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, env, "", "status")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"bulkunfollow run" is using the queue`, "its last checkpoint", "2 done", "0 of 50 requests left in X's window, next reset", "1 unfollow request in the last 24 hours"} {
		if !strings.Contains(flat(stdout), want) {
			t.Errorf("status lacks %q:\n%s", want, stdout)
		}
	}
	_, stdout, _ = runCLI(t, env, "", "status", "--json")
	var got queue.Status
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if !got.FromSnapshot || got.ActiveRun == nil || got.ActiveRun.PID != os.Getpid() || got.Done != 2 || !strings.Contains(string(got.RateLimit), `"remaining":0`) {
		t.Errorf("status json = %s", stdout)
	}
}

func TestStatusErrors(t *testing.T) {
	env, path := queueEnv(t)
	code, _, stderr := runCLI(t, env, "", "status")
	if code != exitPerson || !strings.Contains(stderr, "queue "+path+" does not exist") || !strings.Contains(stderr, "bulkunfollow import") {
		t.Errorf("missing queue: exit %d, stderr %q", code, stderr)
	}
	code, _, _ = runCLI(t, env, "", "status", "extra")
	if code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
	notQueue := writeFile(t, "list.csv", strings.Repeat("1234567890\n", 1000))
	code, _, stderr = runCLI(t, nil, "", "status", "--queue", notQueue)
	if code != exitPerson || !strings.Contains(stderr, "not a bulkunfollow queue") {
		t.Errorf("not a queue: exit %d, stderr %q", code, stderr)
	}
}
