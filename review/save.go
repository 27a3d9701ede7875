package review

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/sheet"
)

// Save rewrites the sheet at path with f, atomically (internal/atomicfile:
// an exclusive temporary file beside it, synced, renamed over it, the
// directory synced), so that a crash or a kill -9 leaves the sheet as it
// was before or after, never a part. The file keeps its mode; a new one
// is 0600. A sheet reached through a symbolic link is saved in the file
// the link points to; the link stays.
func Save(path string, f *sheet.File) error {
	path = linked(path)
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := atomicfile.Write(path, mode, f.Write); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// Saver saves a review's sheet (Save) after every decision, but never
// over a change another program made to the file since the review read
// it or last saved it (a spreadsheet's save, an editor's): that save is
// refused with ErrChanged and the change stays. A sheet deleted meanwhile
// is written again, with every decision.
type Saver struct {
	path string      // the sheet, its symbolic links followed
	last os.FileInfo // the file as read or last saved; nil: unknown
}

// ErrChanged is a sheet another program changed while a review had it.
var ErrChanged = errors.New("changed by another program since this review read it")

// ErrReadOnly is a sheet whose owner may not write it.
var ErrReadOnly = errors.New("read-only")

// NewSaver is a Saver of the sheet at path as the file is now: make it
// before reading the sheet. A read-only sheet is ErrReadOnly.
func NewSaver(path string) (*Saver, error) {
	s := &Saver{path: linked(path)}
	fi, err := os.Stat(s.path)
	if err != nil {
		return s, nil // reading it says why
	}
	if fi.Mode().Perm()&0o200 == 0 {
		return nil, fmt.Errorf("%s is %w (mode %v): a review saves every decision in it", path, ErrReadOnly, fi.Mode().Perm())
	}
	s.last = fi
	return s, nil
}

// Save saves f unless another program changed the file since.
func (s *Saver) Save(f *sheet.File) error {
	cur, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Deleted: written again.
	case err != nil:
		return fmt.Errorf("save %s: %w", s.path, err)
	case s.last == nil || !os.SameFile(s.last, cur) || !s.last.ModTime().Equal(cur.ModTime()) || s.last.Size() != cur.Size():
		return fmt.Errorf("save %s: %w, not saved over that change", s.path, ErrChanged)
	}
	if err := Save(s.path, f); err != nil {
		return err
	}
	s.last, _ = os.Stat(s.path)
	return nil
}

// linked is the file a symbolic link at path points to (path itself when
// it is none, or points nowhere yet): the sheet a person reviews through a
// link is the one it names, for its lock as for its saves.
func linked(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}
