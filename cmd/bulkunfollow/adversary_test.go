package main

// Adversarial regression tests: each reproduces a defect found by probing
// the built binary from outside, written before its fix.

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// advQueue replaces w's queue with one holding ids, in this order.
func advQueue(t *testing.T, w *world, ids ...string) {
	t.Helper()
	w.queue = filepath.Join(t.TempDir(), "queue.db")
	q, err := queue.Open(w.queue, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Import(context.Background(), []queue.Source{{Name: "list.txt", R: strings.NewReader(strings.Join(ids, "\n") + "\n")}}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

func advRun(t *testing.T, bin string, w *world, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = w.env()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if !exit.Exited() {
			return -1, string(out)
		}
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// Failed before its fix. Class 2: the only evidence that a killed run's DELETE may have
// reached X is the queue's "sending" meta key; any later answer clears it.
// A run killed after X applied the unfollow of B, then retry of an earlier
// failed target A and a --no-prefilter run that sends only A, erase that
// evidence: the next normal run finds B missing from the following list
// and records it "skipped: not following" although it was unfollowed.
func TestAdversaryKilledDeleteEvidenceSurvivesLaterAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := builtBinary(t)
	ks := &killSwitch{}
	w := newWorld(t, xapisim.Config{UnfollowLimit: 100000}, 3, 3, ks.wrap)
	const unknown = "1999999999999999999" // not a user: its DELETE fails "not found"
	advQueue(t, w, unknown, w.targets[0], w.targets[1])
	base := []string{"run", "--yes", "--daily-cap", "0", "--rate", "100000/1s", "--max-attempts", "1"}

	// 1. --no-prefilter: A fails (not found); B's DELETE is applied by X,
	// then the process is killed before it reads the answer.
	cmd := exec.Command(bin, append(base, "--no-prefilter")...)
	cmd.Env = w.env()
	ks.mu.Lock()
	ks.killAt, ks.afterSim = 2, true
	ks.mu.Unlock()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ks.mu.Lock()
	ks.proc = cmd.Process
	ks.mu.Unlock()
	_ = cmd.Wait()
	ks.mu.Lock()
	triggered := ks.triggered
	ks.proc, ks.killAt = nil, 0
	ks.mu.Unlock()
	if !triggered {
		t.Fatal("the kill did not land on B's DELETE")
	}
	// 2. retry: A back to pending.
	if code, out := advRun(t, bin, w, "retry"); code != 0 {
		t.Fatalf("retry: exit %d\n%s", code, out)
	}
	// 3. a --no-prefilter run that sends only A (the first pending).
	if code, out := advRun(t, bin, w, append(base, "--no-prefilter", "--max", "1")...); code != 75 && code != 3 {
		t.Fatalf("run --max 1: exit %d\n%s", code, out)
	}
	// 4. a normal run: B is no longer followed because it was unfollowed.
	code, out := advRun(t, bin, w, base...)
	if code != 3 && code != 0 {
		t.Fatalf("final run: exit %d\n%s", code, out)
	}
	q, err := queue.Open(w.queue, queue.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Export(0, func(tg queue.Target) error {
		if tg.ID == w.targets[0] && tg.State != queue.Done {
			t.Errorf("B (%s), unfollowed by the killed run, ended %s (%q), want done", tg.ID, tg.State, tg.Reason)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Failed before its fix. Class 4: demo --dir writes keep.txt with os.WriteFile, which
// follows a symlink planted at DIR/keep.txt and truncates its target.
func TestAdversaryDemoKeepFileDoesNotFollowSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("VICTIM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "demo")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(work, "keep.txt")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "", "demo", "--dir", work, "--limit", "1000", "--window", "1s")
	got, _ := os.ReadFile(victim)
	if string(got) != "VICTIM\n" {
		t.Errorf("demo (exit %d) wrote through the planted symlink keep.txt: victim now %q\n%s", code, got, firstLine(stderr))
	}
}

// Failed before its fix. Class 1: demo --dir removes DIR/demo.db without looking: an
// existing queue there (here one a run holds open) is deleted, and the run
// goes on recording into an unlinked file; everything it records is lost.
// Expected: refuse (the file is a queue demo did not make / is in use).
func TestAdversaryDemoDirDoesNotDeleteAQueueInUse(t *testing.T) {
	work := t.TempDir()
	qp := filepath.Join(work, "demo.db")
	q, err := queue.Open(qp, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Import(context.Background(), []queue.Source{{Name: "l", R: strings.NewReader("1700000000000000000\n")}}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	before, err := os.Stat(qp)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "", "demo", "--dir", work, "--limit", "1000", "--window", "1s")
	after, err := os.Stat(qp)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("demo --dir (exit %d) replaced the queue %s that another process holds open (err %v)\n%s", code, qp, err, firstLine(stderr))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Failed before its fix. export -o names a special file (here a FIFO; as root
// "-o /dev/null" or "-o /dev/stdout" is the same): the atomic writer renames
// a regular file over it, so the device node or pipe is destroyed (as root,
// /dev/null for the whole system). Expected: write into it, or refuse with a
// reason; never replace it.
func TestAdversaryExportDoesNotReplaceASpecialFile(t *testing.T) {
	dir := t.TempDir()
	qp := filepath.Join(dir, "q.db")
	seedQueue(t, qp)
	fifo := filepath.Join(dir, "out.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Keep a reader so that an export that writes into the pipe can finish.
	rd, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	code, _, stderr := runCLI(t, nil, "", "export", "--queue", qp, "-o", fifo)
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("export -o FIFO (exit %d) replaced the pipe with %v (err %v)\n%s", code, fi.Mode(), err, firstLine(stderr))
	}
}

// Hung before its fix. Class 9: a FIFO as --queue: status, export and
// run --dry-run open it read-only and block forever waiting for a writer
// (retry, import and run answer exit 1 at once). Expected: exit 1 naming
// the file. The child is given a 10 s (a correct answer takes milliseconds) so a hang fails this test
// instead of the whole package.
func TestAdversaryFIFOQueueDoesNotHang(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := builtBinary(t)
	fifo := filepath.Join(t.TempDir(), "q.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status"}, {"export"}, {"status", "--json"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, bin, append(args, "--queue", fifo)...)
		out, err := cmd.CombinedOutput()
		timedOut := ctx.Err() != nil
		cancel()
		var exit *exec.ExitError
		switch {
		case timedOut:
			t.Errorf("%v --queue FIFO: still blocked after 10 s", args)
		case !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), fifo):
			t.Errorf("%v --queue FIFO: %v, want exit 1 naming the file\n%s", args, err, out)
		}
	}
}

// Failed before its fix. Class 1: the status sidecar is found by the queue's path
// spelling only. With the queue reachable as q.db and as h.db (a hard link;
// a symlink behaves the same), "export --queue h.db -o q.db.status"
// replaces the sidecar of that same queue under its other name (exit 0).
// Expected: exit 2, nothing written, as for -o h.db.status.
func TestAdversaryExportRefusesTheSidecarOfAnotherSpelling(t *testing.T) {
	dir := t.TempDir()
	qp := filepath.Join(dir, "q.db")
	seedQueue(t, qp)
	sidecar := qp + ".status"
	before, err := os.ReadFile(sidecar)
	if err != nil {
		t.Fatalf("no sidecar after an import: %v", err)
	}
	hl := filepath.Join(dir, "h.db")
	if err := os.Link(qp, hl); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "", "export", "--queue", hl, "-o", sidecar)
	after, _ := os.ReadFile(sidecar)
	if code != 2 || string(after) != string(before) {
		t.Errorf("export --queue h.db -o q.db.status: exit %d (want 2), sidecar changed: %v\n%s", code, string(after) != string(before), firstLine(stderr))
	}
}
