package queue

import (
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Files are the files a queue at path consists of: the bbolt file and its
// status snapshot. Nothing but the queue may write them.
func Files(path string) []string { return []string{path, statusPath(path)} }

// NamesQueueFile reports whether writing to candidate would write over one
// of the files of the queue at queuePath (Files), however either is
// spelled: relative or absolute, through "..", a symlink (at the file or
// in a directory above it) or a hard link. A command that writes a file of
// its own (an export, a metrics file) checks its output with it before
// writing anything.
func NamesQueueFile(queuePath, candidate string) bool {
	if candidate == "" || candidate == "-" {
		return false
	}
	cfi, cerr := os.Stat(candidate) // follows a symlink at candidate
	cname := canonical(candidate)
	for _, f := range Files(queuePath) {
		if cerr == nil {
			if ffi, err := os.Stat(f); err == nil && os.SameFile(cfi, ffi) {
				return true // the same file: by any name, link or hard link
			}
		}
		if cname != "" && cname == canonical(f) {
			return true // one name, spelled differently (the file may not exist yet)
		}
	}
	// The snapshot of another name of the same file (a hard link): the
	// queue writes it when opened under that name.
	if base, ok := strings.CutSuffix(candidate, statusSuffix); ok && base != "" {
		bfi, err1 := os.Stat(base)
		qfi, err2 := os.Stat(queuePath)
		if err1 == nil && err2 == nil && os.SameFile(bfi, qfi) {
			return true
		}
	}
	return false
}

// IsQueueFile reports whether path is one of a queue's files (Files),
// known by what it holds, not by its name: a bbolt file (damaged or not),
// or the status snapshot of one (existing or not). A command that writes a
// file of its own checks it too, so that it never replaces a queue that
// --queue does not name (the default bulkunfollow.db, another job's).
func IsQueueFile(path string) bool {
	if base, ok := strings.CutSuffix(path, statusSuffix); ok && isBolt(base) {
		return true
	}
	return isBolt(path)
}

// isBolt reports whether path is a regular file that starts with a bbolt
// meta page's marker.
func isBolt(path string) bool {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return false // a pipe would block the open
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, pageHeaderSize+metaSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return false
	}
	return parseMeta(b).magic == boltMagic
}

// canonical is the absolute path p names with every symlink resolved; for
// a file that does not exist, its directory's resolved path and its name.
// "" when neither can be resolved.
func canonical(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	// A dangling symlink at p: follow its text one step.
	if target, err := os.Readlink(abs); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		if r := canonicalDir(target); r != "" {
			return r
		}
	}
	return canonicalDir(abs)
}

// canonicalDir resolves the directory of p and keeps p's last element.
func canonicalDir(p string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return ""
	}
	return filepath.Join(dir, filepath.Base(p))
}
