package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/review"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
	tea "github.com/charmbracelet/bubbletea"
)

// This file is review_import_e2e_test.go.pending until "import" honours a
// sheet's decision column (issue 13): rename it to review_import_e2e_test.go
// then. Before that import queues every row, and the test fails.

// TestReviewImportRun (issue 14): a sheet of the 50 accounts the
// simulator's account follows, reviewed key by key (u k u s u, then b k
// and a few more), imported and run, unfollows exactly the rows marked
// unfollow in the sheet's decision column.
func TestReviewImportRun(t *testing.T) {
	const n = 50
	x := newE2E(t, xapisim.Config{}, n, n, nil)
	// A new queue: the sheet is its only list.
	x.queue = filepath.Join(filepath.Dir(x.queue), "from-sheet.db")
	x.environ["BULKUNFOLLOW_QUEUE"] = x.queue

	now := x.clock.Now()
	rows := make([]sheet.Row, n)
	for i, id := range x.targets {
		rows[i] = sheet.Row{ID: id, Username: fmt.Sprintf("user%02d", i), Name: fmt.Sprintf("Account %02d", i),
			Followers: i, Following: 1, Posts: -1, Listed: -1, FollowsYou: sheet.Unknown}
	}
	path := filepath.Join(t.TempDir(), "sheet.csv")
	if err := atomicfile.Write(path, 0o600, func(w io.Writer) error { return sheet.Write(w, sheet.CSV, rows, now) }); err != nil {
		t.Fatal(err)
	}

	// The review, as the terminal's keys drive it.
	f := readSheetFile(t, path)
	m, err := review.New(f, review.Options{Name: path, Sort: "none", Now: x.clock.Now, Save: func(f *sheet.File) error { return review.Save(path, f) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Split("u k u s u b k u u k s s u", " ") {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	reviewed := readSheetFile(t, path)
	var unfollow []string
	for i, r := range reviewed.Rows {
		if r.Decision == sheet.Unfollow {
			unfollow = append(unfollow, x.targets[i])
		}
	}
	if len(unfollow) != 5 {
		t.Fatalf("the review marked %d rows unfollow, want 5", len(unfollow))
	}

	code, stdout, stderr := runCLI(t, x.environ, "", "import", path)
	if code != exitOK {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	left := x.sim.Following(x.me)
	var gone []string
	for _, id := range x.targets {
		if !slices.Contains(left, id) {
			gone = append(gone, id)
		}
	}
	if !slices.Equal(gone, unfollow) {
		t.Errorf("unfollowed %v\nwant      %v (the rows marked unfollow)", gone, unfollow)
	}
}
