package queue

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

// newClock is a settable test clock.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

// testQueue is an open queue in t.TempDir() whose file is checked (bbolt
// page check and queue invariants) when the test ends.
type testQueue struct {
	*Store
	t     *testing.T
	path  string
	clock *testkit.Clock
}

func newTestQueue(t *testing.T) *testQueue {
	t.Helper()
	q := &testQueue{t: t, path: filepath.Join(t.TempDir(), "q.db"), clock: newClock()}
	q.open()
	t.Cleanup(func() {
		if q.Store == nil {
			q.open()
		}
		if err := q.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if err := q.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return q
}

func (q *testQueue) open() {
	q.t.Helper()
	s, err := Open(q.path, Options{Now: q.clock.Now, Command: "test"})
	if err != nil {
		q.t.Fatalf("open: %v", err)
	}
	q.Store = s
}

// reopen closes and reopens the queue, as a restart would.
func (q *testQueue) reopen() {
	q.t.Helper()
	if err := q.Close(); err != nil {
		q.t.Fatalf("close: %v", err)
	}
	q.Store = nil
	q.open()
}

// importText imports lines (one id or @handle each) as a text list.
func (q *testQueue) importText(opts ImportOptions, lines ...string) (ImportSummary, error) {
	q.t.Helper()
	return q.Import(q.t.Context(), []Source{textSource("list.txt", lines...)}, opts)
}

func (q *testQueue) mustImport(lines ...string) ImportSummary {
	q.t.Helper()
	sum, err := q.importText(ImportOptions{}, lines...)
	if err != nil {
		q.t.Fatalf("import: %v", err)
	}
	return sum
}

func textSource(name string, lines ...string) Source {
	return Source{Name: name, R: strings.NewReader(strings.Join(lines, "\n") + "\n"), Format: input.Text}
}

// all returns every target in input order.
func (q *testQueue) all() []Target {
	q.t.Helper()
	var out []Target
	if err := q.Export(0, func(t Target) error { out = append(out, t); return nil }); err != nil {
		q.t.Fatalf("export: %v", err)
	}
	return out
}

func (q *testQueue) counts() Counts {
	q.t.Helper()
	c, err := q.Counts()
	if err != nil {
		q.t.Fatalf("counts: %v", err)
	}
	return c
}

// keys returns the targets' keys (id or @handle) in order.
func keys(ts []Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Key()
	}
	return out
}
