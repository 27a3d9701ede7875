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
