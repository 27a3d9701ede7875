package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/worker"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// runStreams runs "bulkunfollow run ARGS" as x.run does (in-process, on
// the fake clock, stderr not a terminal) but returns stdout and stderr
// apart, choosing the stream as main and runRun do.
func (x *e2e) runStreams(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := x.newCLI(strings.NewReader(""), &out, &errOut)
	e.useEnvLogFormat()
	o, err := parseRunFlags(e, args)
	if err != nil {
		e.useLogFormat(o.logFlags)
	} else {
		o.clock = x.clock
		err = e.runJob(context.Background(), o)
	}
	return e.report(err), out.String(), errOut.String()
}

// jsonLines parses every line of stderr as one JSON object, failing the
// test for any line that is not one.
func jsonLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m == nil {
			t.Errorf("stderr line %d is not a JSON object (%v): %q", i+1, err, line)
			continue
		}
		if _, ok := m["level"].(string); !ok {
			t.Errorf("stderr line %d has no level: %q", i+1, line)
		}
		if _, ok := m["message"].(string); !ok {
			t.Errorf("stderr line %d has no message: %q", i+1, line)
		}
		evs = append(evs, m)
	}
	return evs
}

// event returns the only event of type kind (failing unless there is
// exactly one).
func event(t *testing.T, evs []map[string]any, kind string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, m := range evs {
		if m["event"] == kind {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %q events, want 1: %v", len(found), kind, evs)
	}
	return found[0]
}

func wantFields(t *testing.T, ev map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if fmt.Sprint(ev[k]) != fmt.Sprint(v) {
			t.Errorf("%s event: %s = %v, want %v\n%v", ev["event"], k, ev[k], v, ev)
		}
	}
}

// TestRunStderrIsJSON: with stderr not a terminal and no --log-format,
// every line run writes on stderr is one JSON object, the plan, the
// progress and the summary included as events; an error is an event with
// its hint and exit code; nothing goes to stdout.
func TestRunStderrIsJSON(t *testing.T) {
	newX := func(t *testing.T, n int) *e2e {
		x := newE2E(t, xapisim.Config{}, n, n, nil)
		delete(x.environ, "BULKUNFOLLOW_LOG_FORMAT") // the default: auto
		return x
	}
	t.Run("finished", func(t *testing.T) {
		const n = 120 // three windows: waits and progress milestones
		x := newX(t, n)
		code, stdout, stderr := x.runStreams(t, "--yes")
		if code != exitOK || stdout != "" {
			t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
		}
		evs := jsonLines(t, stderr)
		pl := event(t, evs, "plan")
		wantFields(t, pl, map[string]any{"account": "@crash_tester", "account_id": worldUser, "queue": x.queue,
			"total": n, "pending": n, "send": n, "sendable": n, "following": -1, "saved": 0, "rate": "50/15m",
			// Every target is followed: a sample of 10 ($0.10) shows the
			// list ($0.12) would save nothing.
			"reads_list": false, "cost_list_usd": 0, "spent_usd": 0.11, "cost_unfollows_usd": 1.2})
		if _, ok := pl["finish"].(string); !ok {
			t.Errorf("plan without finish: %v", pl)
		}
		sum := event(t, evs, "summary")
		wantFields(t, sum, map[string]any{"outcome": "finished", "exit_code": 0, "sent": n, "done": n, "pending": 0, "done_total": n})
		if !strings.HasPrefix(fmt.Sprint(sum["message"]), "Finished: ") {
			t.Errorf("summary message %q, want the sentence a person reads", sum["message"])
		}
		kinds := map[string]int{}
		for _, m := range evs {
			if k, ok := m["event"].(string); ok {
				kinds[k]++
			}
		}
		if kinds["wait"] != 2 || kinds["progress"] == 0 {
			t.Errorf("events %v: want 2 window waits and progress milestones", kinds)
		}
		if evs[len(evs)-1]["event"] != "summary" {
			t.Errorf("the last line is not the summary: %v", evs[len(evs)-1])
		}
	})
	t.Run("max", func(t *testing.T) {
		x := newX(t, 30)
		code, stdout, stderr := x.runStreams(t, "--yes", "--max", "7")
		if code != exitTempFail || stdout != "" {
			t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
		}
		evs := jsonLines(t, stderr)
		wantFields(t, event(t, evs, "plan"), map[string]any{"send": 30, "sendable": 7, "stop_by": "max-reached"})
		wantFields(t, event(t, evs, "summary"), map[string]any{"outcome": "max-reached", "exit_code": exitTempFail, "sent": 7, "pending": 23})
	})
	t.Run("dry run", func(t *testing.T) {
		x := newX(t, 5)
		code, stdout, stderr := x.runStreams(t, "--dry-run")
		if code != exitOK || stdout != "" {
			t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
		}
		evs := jsonLines(t, stderr)
		event(t, evs, "plan")
		event(t, evs, "dry_run")
	})
	t.Run("queue of another account", func(t *testing.T) {
		x := newX(t, 5)
		bindToAnotherAccount(t, x.queue)
		code, stdout, stderr := x.runStreams(t, "--yes")
		if code != exitPerson || stdout != "" {
			t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
		}
		ev := event(t, jsonLines(t, stderr), "error")
		wantFields(t, ev, map[string]any{"level": "error", "exit_code": exitPerson})
		if !strings.Contains(fmt.Sprint(ev["message"]), "someone_else") || !strings.Contains(fmt.Sprint(ev["hint"]), "--account") {
			t.Errorf("error event without the message or its hint: %v", ev)
		}
	})
	t.Run("no --yes", func(t *testing.T) {
		x := newX(t, 5)
		code, _, stderr := x.runStreams(t)
		if code != exitUsage {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		ev := event(t, jsonLines(t, stderr), "error")
		if try, ok := ev["try"].([]any); !ok || len(try) == 0 || !strings.Contains(fmt.Sprint(try[0]), "--yes") {
			t.Errorf("error event without the commands to try: %v", ev)
		}
	})
	t.Run("bad flag", func(t *testing.T) {
		x := newX(t, 5)
		code, _, stderr := x.runStreams(t, "--yes", "--max", "-1")
		if code != exitUsage {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		wantFields(t, event(t, jsonLines(t, stderr), "error"), map[string]any{"exit_code": exitUsage})
	})
	t.Run("text when asked", func(t *testing.T) {
		x := newX(t, 60)
		code, _, stderr := x.runStreams(t, "--yes", "--log-format", "text")
		if code != exitOK || !strings.Contains(stderr, "Plan:     unfollow up to 60 accounts") || !strings.Contains(stderr, "\nFinished: ") {
			t.Fatalf("exit %d, want the plan and summary as text\n%s", code, stderr)
		}
		if strings.ContainsAny(stderr, "\r\x1b") {
			t.Errorf("text logs without a terminal hold a carriage return or an escape sequence:\n%q", stderr)
		}
	})
}

// TestImportStderrJSONWhenAsked: a command without --log-format (import)
// follows BULKUNFOLLOW_LOG_FORMAT=json: its list of bad lines and its error
// are events.
func TestImportStderrJSONWhenAsked(t *testing.T) {
	dir := t.TempDir()
	list := writeFile(t, "list.txt", "12\nnot an id!\n@ok_handle\n???\n")
	environ := map[string]string{"BULKUNFOLLOW_LOG_FORMAT": "json", "BULKUNFOLLOW_QUEUE": filepath.Join(dir, "q.db")}
	code, stdout, stderr := runCLI(t, environ, "", "import", list)
	if code != exitBadInput || stdout != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	evs := jsonLines(t, stderr)
	n := 0
	for _, m := range evs {
		if m["event"] == "invalid_entry" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d invalid_entry events, want 2:\n%s", n, stderr)
	}
	wantFields(t, event(t, evs, "error"), map[string]any{"exit_code": exitBadInput})
	// Without the variable the same command speaks text.
	delete(environ, "BULKUNFOLLOW_LOG_FORMAT")
	if _, _, stderr := runCLI(t, environ, "", "import", list); !strings.Contains(stderr, "\nError: ") && !strings.HasPrefix(stderr, "Error: ") {
		t.Errorf("text stderr lacks the Error: line:\n%s", stderr)
	}
}

// TestDurationFieldsHaveOneType: across every event of runs that wait for
// windows, retry a read and correct the server's clock, each field has one
// JSON type, and every duration is seconds as a number in a field named
// *_s (zerolog's Dur, milliseconds, and a "9s" string are both gone).
func TestDurationFieldsHaveOneType(t *testing.T) {
	var all []map[string]any
	// The server's clock is a minute ahead: the limiter corrects it, and
	// says so with the offset.
	x := newE2E(t, xapisim.Config{DateOffset: time.Minute}, 120, 120, nil)
	code, _, stderr := x.runStreams(t, "--yes", "--log-level", "debug")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	all = append(all, jsonLines(t, stderr)...)

	var calls atomic.Int64
	y := newE2E(t, xapisim.Config{}, 3, 3, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/2/users/me" && calls.Add(1) <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	code, _, stderr = y.runStreams(t, "--yes", "--log-level", "debug", "--deadline", "1h")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	all = append(all, jsonLines(t, stderr)...)

	kindOf := func(v any) string {
		switch v.(type) {
		case float64:
			return "number"
		case string:
			return "string"
		case bool:
			return "bool"
		case []any:
			return "array"
		case nil:
			return "null"
		}
		return "object"
	}
	types := map[string]string{}
	durations := map[string]bool{}
	for _, m := range all {
		for k, v := range m {
			kind := kindOf(v)
			if prev, ok := types[k]; ok && prev != kind {
				t.Errorf("field %q is a %s in one event and a %s in another (%v)", k, prev, kind, m)
			}
			types[k] = kind
			if strings.HasSuffix(k, "_s") {
				durations[k] = true
				if kind != "number" {
					t.Errorf("duration %q = %v: want seconds as a number", k, v)
				}
			}
			switch k {
			case "wait", "elapsed", "offset", "duration", "timeout":
				t.Errorf("duration field %q without its unit (%v)", k, m)
			}
		}
	}
	for _, k := range []string{"wait_s", "elapsed_s", "offset_s", "finish_in_s"} {
		if !durations[k] {
			t.Errorf("no event had %q; seen: %v", k, durations)
		}
	}
}

// TestNoZerologDur: no production code logs a duration with zerolog's Dur
// (milliseconds by a global setting) or as a string: durations are
// Float64 seconds in *_s fields (see seconds in logging.go).
func TestNoZerologDur(t *testing.T) {
	eachProductionFile(t, func(string) bool { return false }, func(rel string, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					switch sel.Sel.Name {
					case "Dur", "Durs", "TimeDiff":
						t.Errorf("%s calls %s: log durations as Float64 seconds in a *_s field", rel, sel.Sel.Name)
					}
				}
			}
			return true
		})
	})
}

// TestProgressMilestones: without a terminal, progress is a line per 10 %
// of the run or per minute, whichever is rarer, and never a redraw.
func TestProgressMilestones(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	feed := func(every time.Duration) string {
		var buf bytes.Buffer
		log := zerolog.New(consoleWriter(&buf, false))
		d := newRunDisplay(nil, log, runOptions{}, 100, 0)
		for i := 1; i <= 100; i++ {
			d.event(workerResult(start.Add(time.Duration(i)*every), i))
		}
		d.done()
		return buf.String()
	}
	// Fast (2 s a target): 10 % every 20 s, so a line a minute after the
	// first answer: at 31 %, 61 %, 91 %.
	fast := feed(2 * time.Second)
	if n := strings.Count(fast, "event=progress"); n != 3 {
		t.Errorf("fast run: %d progress lines, want 3\n%s", n, fast)
	}
	for _, want := range []string{"percent=31", "percent=61", "percent=91"} {
		if !strings.Contains(fast, want) {
			t.Errorf("fast run lacks %s\n%s", want, fast)
		}
	}
	// Slow (1 min a target): a line per 10 %.
	slow := feed(time.Minute)
	if n := strings.Count(slow, "event=progress"); n != 10 {
		t.Errorf("slow run: %d progress lines, want 10\n%s", n, slow)
	}
	if strings.ContainsAny(fast+slow, "\r\x1b") {
		t.Errorf("progress without a terminal holds a carriage return or an escape sequence")
	}
}

func workerResult(at time.Time, done int) worker.Event {
	return worker.Event{Kind: worker.EventResult, At: at, Outcome: worker.OutcomeDone, Sent: done, Done: done}
}
