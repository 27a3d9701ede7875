package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// TestDamagedQueueEveryCommand runs every command that opens the queue
// against truncated and damaged queue files, in a child process (a fault
// would kill the test process). Each must exit 1 with a message naming the
// file, without a panic or a goroutine dump, and leave the file
// byte-identical. An empty file is "not a queue", for import too.
func TestDamagedQueueEveryCommand(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()

	// A real queue: 30,000 targets, some failed (retry has work).
	good := filepath.Join(dir, "good.db")
	var list strings.Builder
	for i := range 30_000 {
		fmt.Fprintf(&list, "%d\n", 1_000_000+i*13)
	}
	q, err := queue.Open(good, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Import(context.Background(), []queue.Source{{Name: "list.txt", R: strings.NewReader(list.String())}}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 5; seq++ {
		if err := q.Record(seq, queue.Result{State: queue.Failed, Reason: "gave up"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	const ps = 4096
	newList := filepath.Join(dir, "new.txt")
	if err := os.WriteFile(newList, []byte("42\n43\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte, offs ...int) []byte {
		for _, o := range offs {
			b[o] ^= 0x40
		}
		return b
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	garbage := make([]byte, len(content))
	for i := range garbage {
		garbage[i] = byte(rnd.Uint32())
	}

	type damage struct {
		name string
		make func([]byte) []byte
		want string // in the message
	}
	damages := []damage{
		{"first 8 KiB", func(b []byte) []byte { return b[:8<<10] }, "is damaged"},
		{"first half", func(b []byte) []byte { return b[:len(b)/2] }, "is damaged"},
		{"flipped byte in meta 0", func(b []byte) []byte { return flip(b, 16+40) }, "is damaged"},
		{"flipped byte in meta 1", func(b []byte) []byte { return flip(b, ps+16+48) }, "is damaged"},
		{"both metas broken", func(b []byte) []byte { return flip(b, 16+20, ps+16+20) }, "is damaged"},
		{"zero bytes", func([]byte) []byte { return []byte{} }, "not a bulkunfollow queue"},
		{"random garbage", func([]byte) []byte { return garbage }, "not a bulkunfollow queue"},
	}
	// A leaf page in the middle overwritten: the file passes the checks at
	// open; reading the page fails.
	leaf := 0
	db, err := bbolt.Open(good, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bbolt.Tx) error {
		n := int(tx.Size()) / ps
		for i := n / 2; i < n && leaf == 0; i++ {
			if pi, err := tx.Page(i); err == nil && pi != nil && pi.Type == "leaf" {
				leaf = i
			}
		}
		return nil
	})
	db.Close()
	if leaf == 0 {
		t.Fatal("no leaf page in the middle of the queue")
	}
	middle := func(b []byte) []byte {
		for i := leaf * ps; i < (leaf+1)*ps; i++ {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}

	commands := [][]string{
		{"import", newList},
		{"import", "--dry-run", newList},
		{"run", "--yes"},
		{"run", "--dry-run"},
		{"status"},
		{"status", "--json"},
		{"export"},
		{"retry"},
	}
	type run struct {
		d    damage
		args []string
	}
	var runs []run
	for _, d := range damages {
		for _, args := range commands {
			runs = append(runs, run{d, args})
		}
	}
	// Only export reads every page; status reads the counters alone.
	runs = append(runs, run{damage{"page in the middle", middle, "is damaged"}, []string{"export"}})
	for _, r := range runs {
		d, args := r.d, r.args
		name := d.name + "/" + strings.ReplaceAll(strings.Join(args, " "), newList, "LIST")
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "queue.db")
			bad := d.make(bytes.Clone(content))
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, append([]string{args[0], "--queue", path}, args[1:]...)...)
			cmd.Env = append(os.Environ(),
				"BULKUNFOLLOW_ACCESS_TOKEN=unused",
				"BULKUNFOLLOW_API_BASE_URL=http://127.0.0.1:1",
				"BULKUNFOLLOW_CONFIG_DIR="+filepath.Join(filepath.Dir(path), "config"),
			)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var xe *exec.ExitError
			if errors.As(err, &xe) {
				code = xe.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			out := stdout.String() + stderr.String()
			if code != exitPerson {
				t.Errorf("exit %d, want %d\n%s", code, exitPerson, out)
			}
			if !strings.Contains(stderr.String(), path) || !strings.Contains(stderr.String(), d.want) {
				t.Errorf("stderr does not name %s and say %q:\n%s", path, d.want, stderr.String())
			}
			if d.want == "is damaged" && d.name != "page in the middle" && !strings.Contains(stderr.String(), "restore the file from a backup") {
				t.Errorf("no hint on what to do:\n%s", stderr.String())
			}
			for _, bad := range []string{"panic", "goroutine", "SIGSEGV", "fatal error", "bad file descriptor"} {
				if strings.Contains(out, bad) {
					t.Errorf("output has %q:\n%s", bad, out)
				}
			}
			if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, bad) {
				t.Errorf("queue file changed (%d -> %d bytes, %v)", len(bad), len(after), err)
			}
		})
	}
}
