// Package atomicfile replaces files so that a reader sees the old content
// or the new, never a part, and so that nothing planted beside the target
// can redirect the write.
//
// Guarantees, for every file the tool writes (queue copies, status
// snapshots, exports, metrics, credentials):
//
//   - The new content is written to a temporary file in the target's own
//     directory, created exclusively (O_CREATE|O_EXCL) under an
//     unpredictable name: a symlink or file planted at any name is never
//     opened, followed or truncated.
//   - The temporary file has the requested mode from its creation (it is
//     never readable by others while it fills), is synced, then renamed
//     over the target; the directory is synced so the rename survives a
//     crash. Renaming replaces a symlink at the target itself, never the
//     file it points to.
//   - On any error, or if the writer is abandoned, the temporary file is
//     removed and the target is untouched.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotRegular means the target exists and is not a regular file (or a
// symlink to one): a pipe, a device, a directory. Replacing it by a rename
// would destroy it (as root, -o /dev/null would remove the system's null
// device), so nothing is written.
var ErrNotRegular = errors.New("not a regular file")

// File is a temporary file that replaces its target on Commit.
type File struct {
	*os.File
	target string
	closed bool
	done   bool
}

// Create opens a new temporary file beside path, with mode perm. The
// caller writes it and then calls Commit, or Abort to throw it away. Abort
// after Commit does nothing, so `defer f.Abort()` is always safe.
func Create(path string, perm fs.FileMode) (*File, error) {
	if err := CheckTarget(path); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), TempPattern(path))
	if err != nil {
		return nil, err
	}
	// CreateTemp makes the file 0600 with O_EXCL; set the wanted mode on the
	// open descriptor (never on a path that could be swapped).
	if perm != 0o600 {
		if err := f.Chmod(perm); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
	}
	return &File{File: f, target: path}, nil
}

// CheckTarget refuses a target that is not a regular file, nor missing,
// nor a symlink to a regular file or to nothing (ErrNotRegular). A symlink
// itself is replaced on Commit, never written through. Create checks it;
// a caller that writes much later (a metrics file at the end of a run)
// checks it up front too.
func CheckTarget(path string) error {
	fi, err := os.Stat(path) // through a symlink: /dev/stdout is one
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "replace", Path: path, Err: ErrNotRegular}
	}
	return nil
}

// TempPattern is the os.CreateTemp pattern of path's temporary files:
// hidden, beside path, named after it. Leftovers of a killed process
// match filepath.Glob(Leftovers(path)).
func TempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// Leftovers is the glob matching temporary files left beside path by a
// process that died before it committed or aborted.
func Leftovers(path string) string {
	return filepath.Join(filepath.Dir(path), strings.ReplaceAll(TempPattern(path), "[", "[[]"))
}

// Close closes the temporary file without committing it (a caller that
// must reopen it by name, such as a database copy, closes it first).
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	return f.File.Close()
}

// Commit syncs and closes the temporary file, renames it over the target
// and syncs the directory. If it fails before the rename, the target is
// untouched and the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: already committed or aborted")
	}
	if !f.closed {
		if err := f.File.Sync(); err != nil {
			f.Abort()
			return err
		}
	}
	if err := f.Close(); err != nil {
		f.Abort()
		return err
	}
	if err := os.Rename(f.File.Name(), f.target); err != nil {
		f.Abort()
		return err
	}
	f.done = true
	return SyncDir(f.target)
}

// Abort closes and removes the temporary file, unless it was committed.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.File.Name())
}

// Write replaces path with what write produces (buffered), with mode perm.
// If write fails, path is untouched.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Commit()
}

// WriteFile replaces path with b, with mode perm.
func WriteFile(path string, b []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// SyncDir fsyncs the directory holding path, making a rename or removal
// in it durable. File systems that cannot sync a directory are ignored.
func SyncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
