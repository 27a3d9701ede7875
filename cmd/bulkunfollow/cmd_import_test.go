package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/queue"
)

// queueEnv returns an environment whose queue is a fresh path in a temp dir.
func queueEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.db")
	return map[string]string{"BULKUNFOLLOW_QUEUE": path}, path
}

// wantOutput checks a command's exit code and that its stdout and stderr
// contain the given strings.
func wantOutput(t *testing.T, code int, stdout, stderr string, wantCode int, wantStdout, wantStderr []string) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, wantCode, stdout, stderr)
	}
	for _, s := range wantStdout {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	for _, s := range wantStderr {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func queueCounts(t *testing.T, path string) queue.Status {
	t.Helper()
	st, err := queue.ReadStatus(path)
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	return st
}

func TestImportCommand(t *testing.T) {
	good := writeFile(t, "list.csv", "id,name\n123,a\n456,b\n123,a again\n")
	handles := writeFile(t, "more.txt", "# people\n@Jack\n789\n")
	bad := writeFile(t, "bad.txt", "1\n2\nfoo\n3\n1.23457E+18\n-5\n")
	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     []string
		stderr     []string
		wantTotal  int
		noQueue    bool // the queue file must not exist afterwards
		prepImport bool // import good first
	}{
		{name: "csv", args: []string{good}, code: exitOK, wantTotal: 2,
			stdout: []string{"Read " + good + ": 3 entries (csv)", "Added 2 targets", "duplicate:        1", "2 targets: 2 pending"}},
		{name: "two files and handles", args: []string{good, handles}, code: exitOK, wantTotal: 4,
			stdout: []string{"Added 4 targets (1 @handle to resolve at the next run)", "(1 @handle unresolved)"}},
		{name: "stdin", args: []string{"--format", "text", "-"}, stdin: "11\n22\n", code: exitOK, wantTotal: 2,
			stdout: []string{"Read <stdin>: 2 entries (text)"}},
		{name: "re-import", args: []string{good}, prepImport: true, code: exitOK, wantTotal: 2,
			stdout: []string{"Added 0 targets", "already pending:  2"}},
		{name: "invalid", args: []string{good, bad}, code: exitBadInput, noQueue: false, wantTotal: 0,
			stderr: []string{bad + ":3: ", bad + ":5: ", bad + ":6: ", "3 invalid entries in the input: nothing imported, the queue is unchanged"}},
		{name: "invalid, capped", args: []string{"--max-errors", "1", bad}, code: exitBadInput,
			stderr: []string{bad + ":3: ", "... and 2 more"}},
		{name: "dry run", args: []string{"--dry-run", good}, code: exitOK, noQueue: true,
			stdout: []string{"Dry run, nothing written. Would add 2 targets"}},
		{name: "no file", args: nil, code: exitUsage, noQueue: true, stderr: []string{"no input file"}},
		{name: "missing file", args: []string{"nope.csv"}, code: exitBadInput, noQueue: true, stderr: []string{"nope.csv"}},
		{name: "bad format", args: []string{"--format", "xls", good}, code: exitUsage, noQueue: true, stderr: []string{"--format"}},
		{name: "stdin twice", args: []string{"-", "-"}, code: exitUsage, noQueue: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, path := queueEnv(t)
			if tt.prepImport {
				if code, _, stderr := runCLI(t, env, "", "import", good); code != 0 {
					t.Fatalf("first import: %d %s", code, stderr)
				}
			}
			code, stdout, stderr := runCLI(t, env, tt.stdin, append([]string{"import"}, tt.args...)...)
			wantOutput(t, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			_, err := os.Stat(path)
			if tt.noQueue {
				if err == nil {
					t.Error("queue file created")
				}
				return
			}
			if err == nil {
				if st := queueCounts(t, path); st.Total != tt.wantTotal {
					t.Errorf("queue has %d targets, want %d", st.Total, tt.wantTotal)
				}
			}
		})
	}
}

func TestImportQueueInUse(t *testing.T) {
	env, path := queueEnv(t)
	s, err := queue.Open(path, queue.Options{Command: "run"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list := writeFile(t, "l.txt", "1\n")
	code, _, stderr := runCLI(t, env, "", "import", list)
	if code != exitTempFail {
		t.Fatalf("exit = %d, want %d; stderr %s", code, exitTempFail, stderr)
	}
	want := fmt.Sprintf("queue %s is in use by another run (run, pid %d since ", path, os.Getpid())
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "Hint:") {
		t.Errorf("stderr = %q, want %q and a hint", stderr, want)
	}
}

// TestImportKilled SIGKILLs the real binary's import of 300,000 ids
// while it writes, and checks the queue: it must hold exactly what it held
// before, or the whole import (if the kill came too late), never a part.
func TestImportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary; skipped with -short")
	}
	qpath := filepath.Join(t.TempDir(), "q.db")
	r := rand.New(rand.NewPCG(7, 7))
	const n = 300_000
	cmd, lines, _, sawWriting := bigImportWriting(t, qpath, n, func(i int) uint64 { return uint64(1e18) + uint64(i)*1000 + r.Uint64N(1000) })
	// The import says "writing" once everything is read and checked, just
	// before its first write: kill it then.
	killedAt := time.Now()
	cmd.Process.Signal(syscall.SIGKILL)
	go func() {
		for lines.Scan() {
		}
	}()
	err := cmd.Wait()
	if !sawWriting {
		t.Fatalf("import never said it was writing (exit %v)", err)
	}
	killed := false
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		killed = true
	}
	t.Logf("killed mid-import: %v (%v after the writing message)", killed, time.Since(killedAt))

	s, err := queue.Open(qpath, queue.Options{})
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("queue inconsistent after kill: %v", err)
	}
	c, _ := s.Counts()
	switch c.Total {
	case 3:
		var keys []string
		s.Export(0, func(tg queue.Target) error { keys = append(keys, tg.Key()); return nil })
		if strings.Join(keys, " ") != "1 2 @three" {
			t.Errorf("targets after kill = %v", keys)
		}
	case 3 + n:
		if killed {
			t.Log("the kill arrived after the import had completed")
		}
	default:
		t.Fatalf("queue has %d targets after a killed import: want 3 (before) or %d (complete)", c.Total, 3+n)
	}
	if left, _ := filepath.Glob(atomicfile.Leftovers(qpath)); len(left) != 0 {
		t.Errorf("the killed import's copy is still there after a writable open: %v", left)
	}
}

// TestImportInterrupted: SIGINT or SIGTERM during an import takes the same
// path as in a run: exit 75, "interrupted: nothing imported", the queue as
// it was, and no copy of it left behind.
func TestImportInterrupted(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			environ, path := queueEnv(t)
			seedQueue(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var big strings.Builder
			for i := range 300_000 {
				fmt.Fprintf(&big, "%d\n", 5_000_000+i)
			}
			var out, errOut bytes.Buffer
			e := &cli{
				stdin: strings.NewReader(big.String()), stdout: &out, stderr: &errOut,
				getenv: func(k string) string { return environ[k] },
			}
			pending(e, sig)
			code := e.main(t.Context(), []string{"import", "-"})
			wantOutput(t, code, out.String(), errOut.String(), exitTempFail, nil, []string{"interrupted: nothing imported"})
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(before, after) {
				t.Errorf("the interrupted import changed the queue (%v)", err)
			}
			ents, _ := os.ReadDir(filepath.Dir(path))
			for _, ent := range ents {
				if n := ent.Name(); n != "q.db" && n != "q.db.status" {
					t.Errorf("the interrupted import left %s", n)
				}
			}
		})
	}
}

// TestImportSignalWhileWriting sends SIGINT to the real binary while a big
// import writes its copy of the queue: exit 75 with "interrupted", the
// queue as it was (or, if the signal came too late, the whole import), and
// no temporary copy left.
func TestImportSignalWhileWriting(t *testing.T) {
	dir := t.TempDir()
	qpath := filepath.Join(dir, "q.db")
	const n = 400_000
	cmd, lines, before, _ := bigImportWriting(t, qpath, n, func(i int) uint64 { return uint64(2e18) + uint64(i) })
	var said strings.Builder
	said.WriteString(before)
	cmd.Process.Signal(os.Interrupt)
	for lines.Scan() {
		said.WriteString(lines.Text() + "\n")
	}
	cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	s, err := queue.Open(qpath, queue.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open after the signal: %v", err)
	}
	defer s.Close()
	c, _ := s.Counts()
	switch {
	case code == exitTempFail && c.Total == 3:
		if !strings.Contains(said.String(), "interrupted: nothing imported") {
			t.Errorf("stderr lacks the interruption:\n%s", said.String())
		}
	case code == exitOK && c.Total == 3+n:
		t.Log("the signal arrived after the import had completed")
	default:
		t.Fatalf("exit %d with %d targets; want 75 with 3 or 0 with %d\n%s", code, c.Total, 3+n, said.String())
	}
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		if n := ent.Name(); n != "q.db" && n != "q.db.status" {
			t.Errorf("left behind: %s", n)
		}
	}
}

// bigImportWriting imports 1, 2 and @three into a new queue at qpath with
// the real binary, then starts an import of n ids (id(i)) and returns once
// it says it is writing (or has ended without saying so: writing false),
// with the lines it said until then and a scanner for the rest.
func bigImportWriting(t *testing.T, qpath string, n int, id func(i int) uint64) (cmd *exec.Cmd, lines *bufio.Scanner, said string, writing bool) {
	t.Helper()
	bin := builtBinary(t)
	first := writeFile(t, "first.txt", "1\n2\n@three\n")
	if out, err := exec.Command(bin, "import", "--queue", qpath, first).CombinedOutput(); err != nil {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	var big bytes.Buffer
	for i := range n {
		fmt.Fprintf(&big, "%d\n", id(i))
	}
	list := writeFile(t, "big.txt", big.String())
	cmd = exec.Command(bin, "import", "--queue", qpath, list)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines = bufio.NewScanner(stderr)
	var b strings.Builder
	for lines.Scan() {
		b.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), "writing") {
			return cmd, lines, b.String(), true
		}
	}
	return cmd, lines, b.String(), false
}
