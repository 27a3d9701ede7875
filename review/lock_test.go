package review

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheet.csv")
	lp := LockPath(path)
	if lp != filepath.Join(dir, ".sheet.csv.lock") {
		t.Fatalf("lock path %s", lp)
	}
	l, err := Acquire(path, start)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(lp)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file %v, %v", fi, err)
	}
	// A second review (another open file, as another process has) is
	// refused, naming the first.
	_, err = Acquire(path, start.Add(time.Hour))
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !le.Since.Equal(start) || le.Sheet != path {
		t.Fatalf("second Acquire: %v (%+v)", err, le)
	}
	if want := path + " is open in another bulkunfollow review (pid "; !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), start.Local().Format("2006-01-02 15:04:05")) {
		t.Errorf("message %q", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left: %v", err)
	}
	// A lock file left by a review that died (no one holds its lock) is
	// taken over, whatever it says.
	if err := os.WriteFile(lp, []byte(`{"pid":999999999,"since":"2020-01-01T00:00:00Z"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err = Acquire(path, start.Add(2*time.Hour))
	if err != nil {
		t.Fatalf("stale lock: %v", err)
	}
	var h holder
	if b, err := os.ReadFile(lp); err != nil || json.Unmarshal(b, &h) != nil || h.PID != os.Getpid() || !h.Since.Equal(start.Add(2*time.Hour)) {
		t.Errorf("lock file says %s (%v)", b, err)
	}
	// One whose holder has not written who it is yet still refuses.
	if err := os.WriteFile(lp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(path, start); err == nil || err.Error() != path+" is open in another bulkunfollow review" {
		t.Errorf("unnamed holder: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	// A symbolic link planted at the lock's name is refused, its target
	// untouched.
	target := filepath.Join(dir, "elsewhere")
	if err := os.Symlink(target, lp); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(path, start); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("symlink: %v", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target was created: %v", err)
	}
}

// A review through a symbolic link and one of the file it points to hold
// the same sheet: the second is refused.
func TestLockThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	if err := os.WriteFile(real, []byte("id\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(link, start)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	var le *LockedError
	if _, err := Acquire(real, start); !errors.As(err, &le) || le.Sheet != real {
		t.Errorf("a review of the linked file: %v", err)
	}
}
