// Package queuetest opens queue files for tests in the bbolt style: every
// store it opens is checked (bbolt's page check and the queue's own
// invariants, queue.Store.Check) when the test ends, so a test that leaves
// a file inconsistent fails even if it asserted nothing about it.
//
// It is for the tests of other packages (worker, cmd/bulkunfollow). The
// queue package's own tests cannot import it (it imports queue) and keep
// their in-package helper of the same shape (queue/helpers_test.go).
package queuetest

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// Open opens (or creates) the queue file at path with opts, failing the
// test if it cannot. When the test ends the store, if still open, is
// checked and closed; a check failure fails the test. A store the test
// closes itself is not checked then (call Check first to check it at that
// point).
func Open(t testing.TB, path string, opts queue.Options) *queue.Store {
	t.Helper()
	s, err := queue.Open(path, opts)
	if err != nil {
		t.Fatalf("open queue %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			if errors.Is(err, queue.ErrClosed) {
				return
			}
			t.Errorf("queue check %s: %v", path, err)
		}
		s.Close()
	})
	return s
}

// New opens a new queue file in t.TempDir(), as Open, and returns it with
// its path.
func New(t testing.TB, opts queue.Options) (*queue.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.db")
	return Open(t, path, opts), path
}

// Check checks s now (bbolt's page check and the queue's invariants),
// failing the test at once if it is inconsistent: for a test or helper
// that must know the file is sound before it reads it.
func Check(t testing.TB, s *queue.Store) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Fatalf("queue check: %v", err)
	}
}
