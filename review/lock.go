package review

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Lock is a sheet held by one review: the file .NAME.lock beside the
// sheet, locked (flock) for as long as the review runs and naming its
// process. The operating system drops the lock when the process ends,
// however it ends, so a lock file left by a killed review is stale and
// simply taken over.
type Lock struct {
	fl   *flock.Flock
	path string
}

// LockedError is a sheet another review holds. PID and Since are zero
// when its lock file does not say (yet).
type LockedError struct {
	Sheet string
	PID   int
	Since time.Time
}

func (e *LockedError) Error() string {
	msg := e.Sheet + " is open in another bulkunfollow review"
	if e.PID != 0 {
		msg += fmt.Sprintf(" (pid %d, since %s)", e.PID, e.Since.Local().Format("2006-01-02 15:04:05 MST"))
	}
	return msg
}

// holder is what a lock file says.
type holder struct {
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// LockPath is the lock file of the sheet at path: .NAME.lock beside it.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// Acquire takes the sheet at path for this process, since now; another
// review holding it is a *LockedError. A sheet reached through a symbolic
// link is locked beside the file it points to, so that a review through
// the link and one of that file exclude each other.
func Acquire(path string, now time.Time) (*Lock, error) {
	lp := LockPath(linked(path))
	for range 10 {
		if fi, err := os.Lstat(lp); err == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("lock %s: %s is not a regular file (a symbolic link or other); remove it", path, lp)
		}
		fl := flock.New(lp, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|noFollow))
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !ok {
			return nil, lockedBy(path, lp)
		}
		// The file locked must still be the one named: a review that
		// ended removes its lock file, and one that started since may
		// have made a new one, between this open and this lock.
		held, err1 := fl.Stat()
		named, err2 := os.Lstat(lp)
		if err1 != nil || err2 != nil || !os.SameFile(held, named) {
			_ = fl.Unlock()
			continue
		}
		b, _ := json.Marshal(holder{PID: os.Getpid(), Since: now.UTC()})
		if err := writeHolder(lp, b); err != nil {
			_ = fl.Unlock()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return &Lock{fl: fl, path: lp}, nil
	}
	return nil, fmt.Errorf("lock %s: %s keeps changing; is another review starting and stopping?", path, lp)
}

// writeHolder replaces the lock file's content (the lock is on the
// file, not its content, so it is written in place).
func writeHolder(lp string, b []byte) error {
	f, err := os.OpenFile(lp, os.O_WRONLY|os.O_TRUNC|noFollow, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// lockedBy is the error for a sheet held by another process, naming it
// when its lock file says who.
func lockedBy(path, lp string) error {
	e := &LockedError{Sheet: path}
	if b, err := os.ReadFile(lp); err == nil {
		var h holder
		if json.Unmarshal(b, &h) == nil {
			e.PID, e.Since = h.PID, h.Since
		}
	}
	return e
}

// Release removes the lock file and lets the sheet go.
func (l *Lock) Release() error {
	err := os.Remove(l.path)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if uerr := l.fl.Unlock(); err == nil {
		err = uerr
	}
	return err
}
