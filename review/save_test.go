package review

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/sheet"
)

func TestSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheet.csv")
	f := fileOf(t, accounts(3))
	if err := f.Decide(1, sheet.Keep, start); err != nil {
		t.Fatal(err)
	}
	// A new file is 0600.
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	check := func(mode os.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("mode %v, %v; want %v", fi.Mode(), err, mode)
		}
		var want bytes.Buffer
		if err := f.Write(&want); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("file\n%s\nwant\n%s", got, want.Bytes())
		}
		if left, _ := filepath.Glob(atomicfile.Leftovers(path)); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	check(0o600)
	// An existing file keeps its mode.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := f.Decide(2, sheet.Unfollow, start); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	check(0o640)
	// A failed save says which file, and leaves it.
	if err := Save(filepath.Join(dir, "missing", "sheet.csv"), f); err == nil {
		t.Error("saved into a missing directory")
	}
}

// BenchmarkSave5000 is the cost of one key: rewriting a sheet of 5,000
// accounts atomically, fsyncs included, on the test's temporary
// directory's file system.
func BenchmarkSave5000(b *testing.B) {
	f := fileOf(b, accounts(5000))
	path := filepath.Join(b.TempDir(), "sheet.csv")
	var size bytes.Buffer
	if err := f.Write(&size); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size.Len()))
	for i := 0; b.Loop(); i++ {
		if err := f.Decide(i%5000, sheet.Unfollow, start); err != nil {
			b.Fatal(err)
		}
		if err := Save(path, f); err != nil {
			b.Fatal(err)
		}
	}
}

// A sheet reached through a symbolic link (sheet.csv -> Dropbox/sheet.csv)
// is saved in the file it points to: the link stays a link, and the file
// a person opens elsewhere holds the decisions.
func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	f := fileOf(t, accounts(2))
	if err := Save(real, f); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	if err := f.Decide(0, sheet.Unfollow, start); err != nil {
		t.Fatal(err)
	}
	if err := Save(link, f); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is gone: %v, %v", fi.Mode(), err)
	}
	var want bytes.Buffer
	if err := f.Write(&want); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(real); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("the linked file does not hold the decision:\n%s", got)
	}
}

// A Saver never saves over a change another program made to the sheet
// since the review read it or last saved it (a spreadsheet's save, in
// place or by a rename): that save is refused and the change stays. A
// sheet deleted meanwhile is written again, with every decision.
func TestSaverKeepsAnotherProgramsChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheet.csv")
	f := fileOf(t, accounts(3))
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	s, err := NewSaver(path)
	if err != nil {
		t.Fatal(err)
	}
	decide := func(i int) error {
		t.Helper()
		if err := f.Decide(i, sheet.Keep, start); err != nil {
			t.Fatal(err)
		}
		return s.Save(f)
	}
	if err := decide(0); err != nil {
		t.Fatalf("first save: %v", err)
	}
	if err := decide(1); err != nil {
		t.Fatalf("second save (its own first one is no change of another's): %v", err)
	}
	for name, change := range map[string]func() error{
		"in place": func() error { return os.WriteFile(path, []byte("id,decision\n1,unfollow\n"), 0o600) },
		"renamed over": func() error {
			b, _ := os.ReadFile(path)
			tmp := filepath.Join(dir, "other")
			if err := os.WriteFile(tmp, b, 0o600); err != nil {
				return err
			}
			return os.Rename(tmp, path)
		},
	} {
		if err := change(); err != nil {
			t.Fatal(err)
		}
		theirs, _ := os.ReadFile(path)
		if err := decide(2); !errors.Is(err, ErrChanged) {
			t.Errorf("%s: save over another program's change: %v", name, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, theirs) {
			t.Errorf("%s: the other program's change is lost", name)
		}
		if err := f.Decide(2, "", start); err != nil {
			t.Fatal(err)
		}
	}
	// Deleted: written again.
	s, err = NewSaver(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := decide(2); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Contains(got, []byte("keep")) {
		t.Errorf("not written again:\n%s", got)
	}
}

// A sheet its owner made read-only is not rewritten: the review refuses
// before its screen opens.
func TestSaverRefusesReadOnlySheet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheet.csv")
	if err := os.WriteFile(path, []byte("id\n1\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := NewSaver(path); !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path) {
		t.Errorf("NewSaver of a read-only sheet: %v", err)
	}
}
