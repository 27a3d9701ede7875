package queuetest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
)

// TestOpenChecksOnCleanup: a store from Open is checked and closed when
// the test ends (its file lock is free afterwards); one the test closed
// itself is left closed.
func TestOpenChecksOnCleanup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	t.Run("open", func(t *testing.T) {
		s := queuetest.Open(t, path, queue.Options{Timeout: time.Second})
		src := queue.Source{Name: "list.txt", R: strings.NewReader("1\n2\n@three\n")}
		if _, err := s.Import(context.Background(), []queue.Source{src}, queue.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	// The subtest's cleanup closed the store: the file opens again (the
	// lock would otherwise time out) and holds the import.
	s := queuetest.Open(t, path, queue.Options{Timeout: time.Second})
	c, err := s.Counts()
	if err != nil || c.Total != 3 {
		t.Fatalf("counts %+v, %v; want 3 targets", c, err)
	}
	queuetest.Check(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Counts(); !errors.Is(err, queue.ErrClosed) {
		t.Fatalf("after Close: %v, want queue.ErrClosed", err)
	}
}

// TestNew opens a fresh queue in the test's temporary directory.
func TestNew(t *testing.T) {
	s, path := queuetest.New(t, queue.Options{})
	if c, err := s.Counts(); err != nil || c.Total != 0 {
		t.Fatalf("new queue %s: counts %+v, %v", path, c, err)
	}
	if filepath.Dir(filepath.Dir(path)) != filepath.Dir(t.TempDir()) {
		t.Errorf("path %s is not in the test's temporary directory", path)
	}
}
