package queue

import (
	"os"
	"path/filepath"
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
