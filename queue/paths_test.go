package queue

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNamesQueueFile(t *testing.T) {
	dir := t.TempDir()
	q := filepath.Join(dir, "e.db")
	if err := os.WriteFile(q, []byte("queue"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	os.Symlink(q, filepath.Join(dir, "link.csv"))
	os.Link(q, filepath.Join(dir, "hard.csv"))
	os.Symlink(dir, filepath.Join(sub, "up"))
	os.Symlink(q+".status", filepath.Join(dir, "dangling.csv")) // the snapshot does not exist yet
	t.Chdir(dir)

	for _, c := range []string{
		q, "e.db", "./e.db", "sub/../e.db", "link.csv", "hard.csv", "sub/up/e.db",
		"e.db.status", "sub/up/e.db.status", "dangling.csv",
	} {
		if !NamesQueueFile("e.db", c) {
			t.Errorf("NamesQueueFile(e.db, %q) = false, want true", c)
		}
		if !NamesQueueFile(q, c) {
			t.Errorf("NamesQueueFile(%s, %q) = false, want true", q, c)
		}
	}
	for _, c := range []string{"", "-", "out.csv", "e.db.csv", "sub/e.db", filepath.Join(t.TempDir(), "e.db")} {
		if NamesQueueFile("e.db", c) {
			t.Errorf("NamesQueueFile(e.db, %q) = true, want false", c)
		}
	}
}

// TestSnapshotFollowsTheFile: a queue opened through a symlink writes the
// snapshot of the file the link leads to, so status under the real name
// sees the run; the snapshot of a hard link's other name counts as the
// queue's own file.
func TestSnapshotFollowsTheFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.db")
	link := filepath.Join(dir, "link.db")
	s, err := Open(real, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Symlink(real, link)
	os.Remove(real + ".status")
	s, err = Open(link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.BindAccount("1", "me"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(real + ".status"); err != nil {
		t.Errorf("no snapshot beside the real file: %v", err)
	}
	if _, err := os.Lstat(link + ".status"); err == nil {
		t.Error("a second snapshot was written beside the link")
	}
	hard := filepath.Join(dir, "hard.db")
	os.Link(real, hard)
	if !NamesQueueFile(hard, real+".status") || !NamesQueueFile(real, hard+".status") {
		t.Error("the snapshot of a hard link's other name is not the queue's")
	}
}

// TestBigImportThroughSymlink: an import written as a copy of the queue
// replaces the file a symlinked --queue leads to, not the link.
func TestBigImportThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "data", "real.db")
	os.Mkdir(filepath.Dir(real), 0o700)
	s, err := Open(real, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	link := filepath.Join(dir, "link.db")
	os.Symlink(real, link)
	s, err = Open(link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(t.Context(), []Source{textSource("l.txt", "1", "2", "3", "4")}, ImportOptions{InPlaceMax: 1}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced (%v)", err)
	}
	r, err := Open(real, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c, _ := r.Counts(); c.Total != 4 {
		t.Errorf("the real queue holds %d targets, want 4", c.Total)
	}
}

// IsQueueFile tells a queue's files (the bbolt file, its status snapshot)
// from any other, whatever they are named: an output must not replace a
// queue that --queue does not name.
func TestIsQueueFile(t *testing.T) {
	dir := t.TempDir()
	q := filepath.Join(dir, "any-name.csv")
	s, err := Open(q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(t.Context(), []Source{{Name: "l.txt", R: strings.NewReader("11\n")}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "sheet.csv")
	if err := os.WriteFile(other, []byte("id,decision\n11,unfollow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{q: true, q + ".status": true, other: false, other + ".status": false, filepath.Join(dir, "none.db"): false, dir: false} {
		if got := IsQueueFile(path); got != want {
			t.Errorf("IsQueueFile(%s) = %v, want %v", filepath.Base(path), got, want)
		}
	}
}
