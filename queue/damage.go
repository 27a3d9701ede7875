package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"runtime/debug"
	"syscall"

	"go.etcd.io/bbolt"
)

// ErrDamaged is what errors.Is finds in the error for a damaged queue file.
var ErrDamaged = errors.New("queue file is damaged")

// DamagedError reports a queue file that is truncated, has a broken meta
// page, or holds a page or record that cannot be read. The file was not
// changed: the operation that found the damage wrote nothing.
type DamagedError struct {
	Path   string
	Reason string // what is wrong, for a person
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("queue %s is damaged (%s); the file was left as it is", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// guard runs fn, a call into bbolt on the file at path, and turns what
// bbolt does with a damaged file into a *DamagedError: its panics
// ("assertion failed", "invalid page type", index out of range), faults
// on the memory map (debug.SetPanicOnFault makes them panics of this
// goroutine; bbolt reads in the caller's goroutine), and a record the
// codec cannot decode. bbolt rolls back the transaction of a panic, so
// nothing is written. Every bbolt call of the package goes through guard.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Path: path, Reason: fmt.Sprintf("a page cannot be read: %v", r)}
		}
	}()
	err = fn()
	if errors.Is(err, errCorrupt) && !errors.Is(err, ErrDamaged) {
		err = &DamagedError{Path: path, Reason: err.Error()}
	}
	return err
}

// boltView and boltUpdate are db.View and db.Update through guard.
func boltView(db *bbolt.DB, path string, fn func(*bbolt.Tx) error) error {
	return guard(path, func() error { return db.View(fn) })
}

func boltUpdate(db *bbolt.DB, path string, fn func(*bbolt.Tx) error) error {
	return guard(path, func() error { return db.Update(fn) })
}

// The layout of a bbolt (v1.4) meta page: a 16-byte page header (id,
// flags, count, overflow), then the meta, in the machine's byte order:
// magic, version, page size, flags (4 bytes each), root bucket (root page
// id, sequence), freelist page id, high-water page id, transaction id,
// and an FNV-64a checksum of everything before it (8 bytes each).
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64
	metaSummed     = 56
	noFreelist     = ^uint64(0)
)

type boltMeta struct {
	magic, version, pageSize uint32
	root, freelist, pgid     uint64
	checksum, sum            uint64
}

func parseMeta(b []byte) boltMeta {
	b = b[pageHeaderSize : pageHeaderSize+metaSize]
	e := binary.NativeEndian
	h := fnv.New64a()
	h.Write(b[:metaSummed])
	return boltMeta{
		magic: e.Uint32(b[0:]), version: e.Uint32(b[4:]), pageSize: e.Uint32(b[8:]),
		root: e.Uint64(b[16:]), freelist: e.Uint64(b[32:]), pgid: e.Uint64(b[40:]),
		checksum: e.Uint64(b[56:]), sum: h.Sum64(),
	}
}

// problem says what is wrong with m ("" if nothing).
func (m boltMeta) problem() string {
	switch {
	case m.magic != boltMagic:
		return "no bbolt marker"
	case m.version != boltVersion:
		return fmt.Sprintf("bbolt version %d", m.version)
	case m.checksum != m.sum:
		return "checksum mismatch"
	case m.pageSize < 1024 || m.pageSize > 1<<24 || m.pageSize&(m.pageSize-1) != 0:
		return fmt.Sprintf("page size %d", m.pageSize)
	case m.pgid < 4 || m.root < 2 || m.root >= m.pgid || (m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid)):
		return "page ids out of range"
	}
	return ""
}

// openChecked is bbolt's OpenFile: it opens the queue file and checks it
// before bbolt maps it (see checkFile). A missing file is created only
// with O_CREATE and exclusively: an empty file that already exists is not
// a new queue, it is refused.
func openChecked(name string, flag int, perm os.FileMode) (*os.File, error) {
	// A pipe, a device or a directory is no queue; opening a pipe to read
	// would wait for a writer forever.
	if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(name, fi)
	}
	for range 3 {
		f, err := os.OpenFile(name, (flag&^os.O_CREATE)|syscall.O_NONBLOCK, perm)
		if errors.Is(err, fs.ErrNotExist) && flag&os.O_CREATE != 0 {
			f, err = os.OpenFile(name, flag|os.O_EXCL, perm)
			if errors.Is(err, fs.ErrExist) {
				continue // created meanwhile by another process: check it
			}
			return f, err // new: bbolt writes its first pages
		}
		if err != nil {
			return nil, err
		}
		if err := checkFile(f, name, false); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	return nil, fmt.Errorf("open queue %s: created and removed while opening", name)
}

// notRegular is the error for a queue path naming something other than a
// regular file.
func notRegular(path string, fi os.FileInfo) error {
	what := "not a regular file"
	switch m := fi.Mode(); {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&(os.ModeDevice|os.ModeCharDevice) != 0:
		what = "a device"
	case m&os.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("open queue %s: %w (it is %s)", path, ErrNotQueue, what)
}

// checkFile checks the queue file f before bbolt maps it: bbolt trusts
// the file, and reading a page past the end of a truncated file is a
// fault no recover catches, or an "assertion failed" panic. It checks
// that the file is not empty, that the meta pages are valid (marker,
// version, checksum, page ids), and that the file holds every page the
// newest meta counts (its high-water mark × the page size).
//
// strict (the caller holds the lock) wants both meta pages valid: bbolt
// would fall back to the older one when the newer is broken, but the
// older one's pages may already have been reused. Without the lock
// (strict false) one meta page may be half written by the holder, so one
// invalid meta page is left for the check under the lock. The size is
// read after the metas: a writer grows the file before it writes a meta,
// so a healthy file never looks truncated.
func checkFile(f *os.File, path string, strict bool) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open queue %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return notRegular(path, fi)
	}
	if fi.Size() == 0 {
		return fmt.Errorf("open queue %s: %w (the file is empty)", path, ErrNotQueue)
	}
	damaged := func(format string, a ...any) error {
		return &DamagedError{Path: path, Reason: fmt.Sprintf(format, a...)}
	}
	page := make([]byte, pageHeaderSize+metaSize)
	read := func(off int64) (boltMeta, bool) {
		n, err := f.ReadAt(page, off)
		if n < len(page) && err != nil {
			return boltMeta{}, false
		}
		return parseMeta(page), true
	}
	m0, ok := read(0)
	if !ok {
		return fmt.Errorf("open queue %s: %w (%d bytes, too short)", path, ErrNotQueue, fi.Size())
	}
	// The second meta page is one page size further; if the first is
	// broken, look where bbolt looks (1 KiB to 16 MiB).
	var m1 boltMeta
	pageSize := int64(m0.pageSize)
	if m0.problem() == "" {
		m1, _ = read(pageSize)
	} else {
		pageSize = 0
		for i := range 15 {
			if m, ok := read(1024 << i); ok && m.problem() == "" {
				m1, pageSize = m, 1024<<i
				break
			}
		}
		if pageSize == 0 { // none valid: describe the one at the usual place
			m1, _ = read(4096)
		}
	}
	p0, p1 := m0.problem(), m1.problem()
	if p0 != "" && p1 != "" {
		switch {
		case m0.magic != boltMagic && m1.magic != boltMagic:
			return fmt.Errorf("open queue %s: %w (not a bbolt file)", path, ErrNotQueue)
		case m0.magic == boltMagic && m0.version != boltVersion:
			return fmt.Errorf("open queue %s: %w (bbolt file version %d)", path, ErrNotQueue, m0.version)
		}
	}
	switch {
	case p0 != "" && p1 != "":
		return damaged("both meta pages are broken: %s; %s", p0, p1)
	case strict && p0 != "":
		return damaged("meta page 0 is broken: %s", p0)
	case strict && p1 != "":
		return damaged("meta page 1 is broken: %s", p1)
	case p0 == "" && p1 == "" && m0.pageSize != m1.pageSize:
		return damaged("the meta pages disagree on the page size (%d, %d)", m0.pageSize, m1.pageSize)
	}
	pages := uint64(0)
	for _, m := range []boltMeta{m0, m1} {
		if m.problem() == "" {
			pages = max(pages, m.pgid)
		}
	}
	fi, err = f.Stat()
	if err != nil {
		return fmt.Errorf("open queue %s: %w", path, err)
	}
	if have := uint64(fi.Size()) / uint64(pageSize); have < pages {
		return damaged("truncated: %d bytes, but its pages need %d", fi.Size(), pages*uint64(pageSize))
	}
	return nil
}
