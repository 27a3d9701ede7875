package review

import (
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

// linked is the file a symbolic link at path points to (path itself when
// it is none, or points nowhere yet): the sheet a person reviews through a
// link is the one it names, for its lock as for its saves.
func linked(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}
