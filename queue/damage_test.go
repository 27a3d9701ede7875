package queue

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

// damagedQueueFile writes a real queue (several pages of targets, some
// finished, a bound account) and returns its path and content.
func damagedQueueFile(t *testing.T) (string, []byte) {
	t.Helper()
	q := newTestQueue(t)
	lines := make([]string, 30_000)
	for i := range lines {
		lines[i] = strconv.Itoa(1_000_000 + i*13)
	}
	q.mustImport(lines...)
	for seq := uint64(1); seq <= 20; seq++ {
		if err := q.Record(seq, Result{State: Failed, Reason: "gave up", Err: &ErrorInfo{Status: 500}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.BindAccount("7", "me"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(q.path)
	if err != nil {
		t.Fatal(err)
	}
	return q.path, b
}

// usedLeafPage returns the id of a leaf page of the targets bucket near
// the middle of the file.
func usedLeafPage(t *testing.T, path string) (id, pageSize int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pageSize = db.Info().PageSize
	db.View(func(tx *bbolt.Tx) error {
		n := int(tx.Size()) / pageSize
		for i := n / 2; i < n && id == 0; i++ {
			if pi, err := tx.Page(i); err == nil && pi != nil && pi.Type == "leaf" {
				id = i
			}
		}
		return nil
	})
	if id == 0 {
		t.Fatal("no leaf page found")
	}
	return id, pageSize
}

// TestDamagedQueueFile: a truncated or damaged queue file is refused with
// an error naming it (ErrDamaged, or ErrNotQueue for what is no queue at
// all), by every way of opening it, without a panic or a fault, and the
// file stays byte-identical. An empty file is never turned into a queue.
func TestDamagedQueueFile(t *testing.T) {
	_, content := damagedQueueFile(t)
	const ps = 4096
	if len(content) < 64*ps {
		t.Fatalf("queue is only %d bytes: too small for the test", len(content))
	}
	flip := func(off int) func([]byte) []byte {
		return func(b []byte) []byte { b[off] ^= 0x40; return b }
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, len(content))
	for i := range garbage {
		garbage[i] = byte(rnd.Uint32())
	}
	for _, tt := range []struct {
		name string
		make func([]byte) []byte
		want error
	}{
		{"truncated to 8 KiB", func(b []byte) []byte { return b[:8<<10] }, ErrDamaged},
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }, ErrDamaged},
		{"one page short of its high-water mark", func(b []byte) []byte {
			hwm := max(parseMeta(b[:ps]).pgid, parseMeta(b[ps:]).pgid)
			return b[:(hwm-1)*ps]
		}, ErrDamaged},
		{"flipped byte in meta 0 (high-water mark)", flip(pageHeaderSize + 40), ErrDamaged},
		{"flipped byte in meta 1 (transaction id)", flip(ps + pageHeaderSize + 48), ErrDamaged},
		{"flipped byte in meta 0 checksum", flip(pageHeaderSize + 56), ErrDamaged},
		{"both metas broken", func(b []byte) []byte { return flip(ps + pageHeaderSize + 20)(flip(pageHeaderSize + 20)(b)) }, ErrDamaged},
		{"zero bytes", func([]byte) []byte { return nil }, ErrNotQueue},
		{"random garbage", func([]byte) []byte { return garbage }, ErrNotQueue},
		{"a few bytes", func([]byte) []byte { return []byte("1234\n") }, ErrNotQueue},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "q.db")
			bad := tt.make(bytes.Clone(content))
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{true, false} {
				s, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("Open(read-only %v) succeeded", ro)
				}
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path) {
					t.Errorf("Open(read-only %v) = %v, want %v naming the file", ro, err, tt.want)
				}
			}
			if _, err := ReadStatus(path); !errors.Is(err, tt.want) {
				t.Errorf("ReadStatus = %v, want %v", err, tt.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, bad) {
				t.Errorf("file changed: %d bytes -> %d", len(bad), len(after))
			}
			if _, err := os.Stat(statusPath(path)); err == nil {
				t.Error("a status snapshot was written for a damaged file")
			}
		})
	}
}

// A damaged page inside a file of the right size passes the open checks;
// reading it fails with ErrDamaged instead of bbolt's panic, and a write
// that meets it writes nothing.
func TestDamagedPageInside(t *testing.T) {
	_, content := damagedQueueFile(t)
	path := filepath.Join(t.TempDir(), "q.db")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	id, ps := usedLeafPage(t, path)
	bad := bytes.Clone(content)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := id * ps; i < (id+1)*ps; i++ {
		bad[i] = byte(rnd.Uint32())
	}
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{true, false} {
		s, err := Open(path, Options{ReadOnly: ro})
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("Open(read-only %v) = %v", ro, err)
			}
			continue
		}
		err = s.Export(0, func(Target) error { return nil })
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) {
			t.Errorf("Export (read-only %v) = %v, want ErrDamaged naming the file", ro, err)
		}
		if err := s.Check(); err == nil {
			t.Errorf("Check (read-only %v) passed", ro)
		}
		if !ro {
			// A write that reads the page: every pending target in turn.
			var werr error
			for seq := uint64(1); seq <= 30_000 && werr == nil; seq += 50 {
				werr = s.Record(seq, Result{State: Done, Reason: "unfollowed"})
				if werr != nil && !errors.Is(werr, ErrDamaged) && !errors.Is(werr, ErrNotPending) {
					t.Errorf("Record(%d) = %v", seq, werr)
				}
				if errors.Is(werr, ErrNotPending) {
					werr = nil
				}
			}
			if !errors.Is(werr, ErrDamaged) {
				t.Errorf("no Record met the damaged page: %v", werr)
			}
		}
		s.Close()
	}
	// Records before the damage were committed (Record is one target per
	// transaction); the damaged page itself is as it was.
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after[id*ps:(id+1)*ps], bad[id*ps:(id+1)*ps]) {
		t.Error("the damaged page was rewritten")
	}
}

// A fault on the memory map (the file shrank under an open queue: no
// check at open can see that) is a recoverable error, not a crash.
func TestFaultOnMappedFileIsAnError(t *testing.T) {
	q := newTestQueue(t)
	lines := make([]string, 30_000)
	for i := range lines {
		lines[i] = strconv.Itoa(i + 1)
	}
	q.mustImport(lines...)
	q.reopen()
	if err := os.Truncate(q.path, 16<<10); err != nil {
		t.Fatal(err)
	}
	err := q.Export(0, func(Target) error { return nil })
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("Export of a file truncated under it = %v, want ErrDamaged", err)
	}
	// Nothing to check any more at the end of the test.
	q.Close()
	os.Remove(q.path)
	q.Store = nil
}
