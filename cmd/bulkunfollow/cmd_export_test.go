package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

func TestExportCommand(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)

	code, stdout, stderr := runCLI(t, env, "", "export")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "handle", "username", "state", "reason", "attempts", "finished_at", "status", "error_type", "detail"},
		{"1", "", "", "done", "unfollowed", "1", "2026-03-01T12:00:00Z", "", "", ""},
		{"2", "", "", "failed", "not found", "1", "2026-03-01T12:00:00Z", "200", "https://api.twitter.com/2/problems/resource-not-found", "Could not find user with id: [2]."},
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7:\n%s", len(rows), stdout)
	}
	for i, w := range want {
		if strings.Join(rows[i], "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], w)
		}
	}
	if r := rows[3]; r[3] != "skipped" || r[4] != "kept" || r[6] == "" {
		t.Errorf("skipped row = %q", r)
	}
	if r := rows[6]; r[0] != "" || r[1] != "five" || r[3] != "pending" || r[6] != "" {
		t.Errorf("handle row = %q", r)
	}

	code, stdout, _ = runCLI(t, env, "", "export", "--state", "failed", "--format", "jsonl")
	if code != exitOK || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("exit %d, output %q", code, stdout)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(stdout), &row); err != nil {
		t.Fatal(err)
	}
	if row["id"] != "2" || row["status"] != 200.0 || row["state"] != "failed" || row["finished_at"] != "2026-03-01T12:00:00Z" || len(row) != 10 {
		t.Errorf("jsonl row = %v", row)
	}

	out := filepath.Join(t.TempDir(), "pending.jsonl")
	code, stdout, _ = runCLI(t, env, "", "export", "--state", "pending", "-o", out)
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], `{"id":"4"`) || !strings.Contains(lines[2], `"finished_at":null`) {
		t.Errorf("-o pending.jsonl wrote:\n%s", b)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestExportUsage(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)
	for _, args := range [][]string{{"--state", "finished"}, {"--format", "xml"}, {"stray"}} {
		if code, _, _ := runCLI(t, env, "", append([]string{"export"}, args...)...); code != exitUsage {
			t.Errorf("export %v: exit %d, want %d", args, code, exitUsage)
		}
	}
	// A failed export leaves an existing -o file alone.
	out := writeFile(t, "keep.csv", "precious\n")
	code, _, _ := runCLI(t, map[string]string{"BULKUNFOLLOW_QUEUE": path + ".missing"}, "", "export", "-o", out)
	if b, _ := os.ReadFile(out); code != exitPerson || string(b) != "precious\n" {
		t.Errorf("exit %d, file now %q", code, b)
	}
}

// -o on the command line wins over BULKUNFOLLOW_OUTPUT, as --output does:
// a short alias is the same flag, not a flag without a variable.
func TestExportShortOutputBeatsVariable(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.csv"), filepath.Join(dir, "flag.csv")
	env["BULKUNFOLLOW_OUTPUT"] = fromEnv
	if code, _, stderr := runCLI(t, env, "", "export", "-o", fromFlag); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(fromFlag); err != nil {
		t.Errorf("-o file not written: %v", err)
	}
	if _, err := os.Stat(fromEnv); err == nil {
		t.Error("BULKUNFOLLOW_OUTPUT overrode -o")
	}
}

// TestExportRefusesItsOwnQueue: -o naming the queue (or its status
// snapshot) by any spelling, symlink or hard link is refused with exit 2
// before anything is written; the queue stays byte for byte.
func TestExportRefusesItsOwnQueue(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)
	dir := filepath.Dir(path)
	if err := os.Symlink(path, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, filepath.Join(dir, "hard.csv")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, out := range []string{path, "q.db", "./q.db", "sub/../q.db", "link.csv", "hard.csv", "q.db.status", path + ".status"} {
		code, stdout, stderr := runCLI(t, env, "", "export", "-o", out)
		if code != exitUsage || !strings.Contains(stderr, "names the queue file") || !strings.Contains(stderr, "Try:") {
			t.Errorf("export -o %s: exit %d, stderr %q; want %d and a refusal with a hint", out, code, stderr, exitUsage)
		}
		if stdout != "" {
			t.Errorf("export -o %s wrote to stdout: %q", out, stdout)
		}
		after, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(before, after) {
			t.Fatalf("export -o %s changed the queue (%v)", out, err)
		}
	}
	if code, _, stderr := runCLI(t, env, "", "status"); code != exitOK {
		t.Fatalf("status after the refusals: exit %d: %s", code, stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestExportFilePrivate: an export names the accounts a person unfollowed:
// it is created 0600, also when it replaces a more open file.
func TestExportFilePrivate(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)
	out := filepath.Join(t.TempDir(), "done.csv")
	os.WriteFile(out, []byte("old"), 0o644)
	if code, _, stderr := runCLI(t, env, "", "export", "-o", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("export mode = %v, want 0600", fi.Mode().Perm())
	}
}

// TestExportInterrupted: SIGINT during an export to a file leaves neither
// the file nor a temporary file, and exits 75.
func TestExportInterrupted(t *testing.T) {
	environ, path := queueEnv(t)
	bigQueue(t, path, 100_000)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "all.csv")
	var errOut bytes.Buffer
	e := &cli{
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errOut,
		getenv: func(k string) string { return environ[k] },
	}
	// The signal has been acted on when the export starts writing.
	pending(e, os.Interrupt)
	code := e.main(t.Context(), []string{"export", "-o", out})
	if code != exitTempFail || !strings.Contains(errOut.String(), "interrupted: nothing written") {
		t.Fatalf("exit %d, stderr %q; want %d and interrupted", code, errOut.String(), exitTempFail)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("the interrupted export left %v", ents)
	}
}

// bigQueue imports n ids into a new queue at path.
func bigQueue(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d\n", 1_000_000+i)
	}
	s, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	src := queue.Source{Name: "big.txt", R: strings.NewReader(b.String()), Format: "text"}
	if _, err := s.Import(t.Context(), []queue.Source{src}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestExportFollowLinks: the way back. follow-links and html take the done
// targets unless --state says otherwise, leave out targets without an id,
// and the page's format comes from an -o name ending in .html.
func TestExportFollowLinks(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path) // 1 done, 2 failed, 3 skipped, 4 and 5 pending, @five pending

	code, stdout, stderr := runCLI(t, env, "", "export", "--format", "follow-links")
	if code != exitOK || stdout != "username,id,follow_link\n,1,https://x.com/intent/follow?user_id=1\n" {
		t.Errorf("follow-links: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "", "export", "--format", "follow-links", "--state", "all")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if code != exitOK || err != nil || len(rows) != 6 || rows[5][1] != "5" {
		t.Errorf("follow-links --state all: exit %d, rows %q (%v); want the 5 targets with an id", code, rows, err)
	}
	for _, args := range [][]string{{"--format", "html"}, {"--format", "HTML", "--state", "done"}} {
		code, stdout, _ = runCLI(t, env, "", append([]string{"export"}, args...)...)
		if code != exitOK || !strings.HasPrefix(stdout, "<!DOCTYPE html>") || strings.Count(stdout, "<li>") != 1 ||
			!strings.Contains(stdout, `<a href="https://x.com/intent/follow?user_id=1"`) {
			t.Errorf("export %v: exit %d, page:\n%s", args, code, stdout)
		}
	}
	for _, name := range []string{"again.html", "AGAIN.HTM"} {
		out := filepath.Join(t.TempDir(), name)
		if code, _, stderr := runCLI(t, env, "", "export", "-o", out); code != exitOK {
			t.Fatalf("export -o %s: exit %d: %s", name, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.HasPrefix(string(b), "<!DOCTYPE html>") || strings.Count(string(b), "<li>") != 1 {
			t.Errorf("export -o %s wrote %q (%v), want the page of the done target", name, b, err)
		}
	}
	// -o x.html with --format csv is the CSV export: the flag wins.
	out := filepath.Join(t.TempDir(), "all.html")
	if code, _, _ := runCLI(t, env, "", "export", "--format", "csv", "-o", out); code != exitOK {
		t.Fatalf("export --format csv -o all.html: exit %d", code)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "id,handle,username,state") {
		t.Errorf("--format csv -o all.html wrote %q", b)
	}
	code, _, stderr = runCLI(t, env, "", "export", "--format", "pdf")
	if code != exitUsage || !strings.Contains(stderr, "want csv, jsonl, follow-links or html") {
		t.Errorf("--format pdf: exit %d, stderr %q", code, stderr)
	}
}

// 850 unfollowed accounts make a page of three days: 400, 400 and 50.
func TestExportHTMLBatches(t *testing.T) {
	path := filepath.Join(fastTempDir(t), "q.db")
	env := map[string]string{"BULKUNFOLLOW_QUEUE": path}
	s, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	list.WriteString("id,username,protected,decision\n")
	for i := range 850 {
		fmt.Fprintf(&list, "%d,user_%d,%v,unfollow\n", 1700000000000000001+i, i, i%100 == 0)
	}
	if _, err := s.Import(t.Context(), []queue.Source{{Name: "sheet.csv", R: strings.NewReader(list.String())}}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 850; seq++ {
		if err := s.Record(seq, queue.Result{State: queue.Done, Reason: queue.ReasonUnfollowed, CountAttempt: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	code, page, stderr := runCLI(t, env, "", "export", "--format", "html")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sections := strings.Split(page, "<section")[1:]
	if len(sections) != 3 {
		t.Fatalf("%d batches, want 3", len(sections))
	}
	for i, w := range []struct {
		head string
		n    int
	}{{"Day 1: accounts 1–400", 400}, {"Day 2: accounts 401–800", 400}, {"Day 3: accounts 801–850", 50}} {
		if !strings.Contains(sections[i], "<h2>"+w.head+"</h2>") || strings.Count(sections[i], "<li>") != w.n {
			t.Errorf("batch %d: want %q with %d links", i+1, w.head, w.n)
		}
	}
	if !strings.Contains(sections[2], `<a href="https://x.com/intent/follow?user_id=1700000000000000850" target="_blank" rel="noopener noreferrer">@user_849</a>`) {
		t.Error("the last link is not the 850th account")
	}
	if n := strings.Count(page, "protected: a follow request"); n != 9 {
		t.Errorf("%d marked protected, want 9 (one in a hundred)", n)
	}
	code, links, _ := runCLI(t, env, "", "export", "--format", "follow-links")
	if code != exitOK || strings.Count(links, "\n") != 851 || !strings.HasPrefix(links, "username,id,follow_link\nuser_0,1700000000000000001,https://x.com/intent/follow?user_id=1700000000000000001\n") {
		t.Errorf("follow-links: exit %d, %d lines", code, strings.Count(links, "\n"))
	}
}

// An -o that is not a regular file (a device, a pipe) is refused with a
// hint naming the command refused, not another one.
func TestOutputNotRegularFileHint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "metrics.prom") // a directory
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"following", "--yes", "-o", os.DevNull}, "(following writes to standard output without -o)", "export"},
		{[]string{"export", "--queue", filepath.Join(t.TempDir(), "q.db"), "-o", os.DevNull}, "(export writes to standard output without -o)", "following"},
		{[]string{"run", "--yes", "--queue", filepath.Join(t.TempDir(), "q.db"), "--metrics-file", dir}, "--metrics-file /var/lib/", "standard output"},
	} {
		code, _, stderr := runCLI(t, nil, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, tc.not) {
			t.Errorf("%s: exit %d\n%s", tc.args[0], code, stderr)
		}
	}
}

// An output never replaces a queue, even one --queue does not name: the
// default bulkunfollow.db given to following -o, another job's queue given
// to export -o, or its status snapshot. Nothing is read from X.
func TestOutputNeverOverAnotherQueue(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	list := filepath.Join(dir, "l.txt")
	if err := os.WriteFile(list, []byte("11\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, nil, "", "import", "--queue", other, list); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	before, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"following", "--yes", "-o", other},
		{"following", "--yes", "-o", other + ".status"},
		{"export", "--queue", filepath.Join(dir, "mine.db"), "-o", other},
	} {
		code, _, stderr := runCLI(t, nil, "", args...)
		if after, _ := os.ReadFile(other); code != exitUsage || !bytes.Equal(after, before) || !strings.Contains(stderr, "would destroy the queue") {
			t.Errorf("%v: exit %d, queue kept %v\n%s", args, code, bytes.Equal(after, before), stderr)
		}
	}
}
