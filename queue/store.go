package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
)

// SchemaVersion is the newest layout of queue files this package reads and
// writes. Opening a file with a newer version fails with *SchemaError.
//
// A new queue is written as schema 1. Schema 2 adds two record flags (an
// id that may be 0, and "a request may have taken effect"); schema 3 a
// second flags byte (record version 2) with one flag, protected. The
// first record that needs one marks the file as that schema, so that an
// older bulkunfollow refuses the file instead of misreading those records.
const SchemaVersion = 3

// newSchema is the version a new queue is created with.
const newSchema = 1

// DefaultTimeout is how long Open waits for another process's lock before
// it fails with *LockedError.
const DefaultTimeout = time.Second

// Bucket and key names. Every index is maintained in the same transaction
// as the records it indexes (see put).
var (
	bSys        = []byte("sys")        // schema, counters, account, last run
	bMeta       = []byte("meta")       // a run's state (runstate.go, Result.Run)
	bTargets    = []byte("targets")    // seq (8-byte BE) -> rec
	bIDs        = []byte("ids")        // id (8-byte BE) -> seq (uvarint)
	bHandles    = []byte("handles")    // lowercased handle -> seq (uvarint)
	bPending    = []byte("pending")    // seq -> "" for every pending target: first key = next
	bFailed     = []byte("failed")     // seq -> "" for every failed target: retry reads only these
	bUnresolved = []byte("unresolved") // seq -> "" for pending @handles without an id

	allBuckets = [][]byte{bSys, bMeta, bTargets, bIDs, bHandles, bPending, bFailed, bUnresolved}

	kSchema      = []byte("schema")
	kCounts      = []byte("counts")
	kAccountID   = []byte("account_id")
	kAccountName = []byte("account_username")
	kLastRun     = []byte("last_run")
	kChanged     = []byte("changed") // when the queue last changed (RFC 3339): status's as_of
)

// Errors callers test with errors.Is.
var (
	ErrLocked          = errors.New("queue is in use by another run")
	ErrAccountMismatch = errors.New("queue belongs to another account")
	ErrNotQueue        = errors.New("not a bulkunfollow queue")
	ErrNoTarget        = errors.New("no such target")
	ErrNotPending      = errors.New("target is not pending")
	ErrClosed          = errors.New("queue is closed")
)

// LockedError is returned by Open when another process holds the queue.
// PID, Since and Command come from the holder's status snapshot when it
// wrote one; they are zero otherwise.
type LockedError struct {
	Path    string
	PID     int
	Since   time.Time
	Command string
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("queue %s is in use by another run", e.Path)
	if e.PID != 0 {
		who := fmt.Sprintf("pid %d", e.PID)
		if e.Command != "" {
			who = e.Command + ", " + who
		}
		msg += fmt.Sprintf(" (%s since %s)", who, e.Since.Local().Format("2006-01-02 15:04:05 MST"))
	}
	return msg
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Temporary reports that waiting for the other run and retrying can succeed.
func (e *LockedError) Temporary() bool { return true }

// SchemaError is returned by Open for a queue written by a newer
// bulkunfollow.
type SchemaError struct {
	Path      string
	Version   uint64
	Supported uint64
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("queue %s has schema version %d, newer than this bulkunfollow understands (%d): upgrade bulkunfollow",
		e.Path, e.Version, e.Supported)
}

// AccountMismatchError is returned by BindAccount when the queue belongs to
// another account.
type AccountMismatchError struct {
	BoundID, BoundUsername string
	ID, Username           string
}

func (e *AccountMismatchError) Error() string {
	return fmt.Sprintf("queue belongs to account %s, not %s", accountName(e.BoundID, e.BoundUsername), accountName(e.ID, e.Username))
}

// Is makes errors.Is(err, ErrAccountMismatch) true.
func (e *AccountMismatchError) Is(target error) bool { return target == ErrAccountMismatch }

func accountName(id, username string) string {
	if username != "" {
		return fmt.Sprintf("@%s (%s)", username, id)
	}
	return id
}

// Options configures Open.
type Options struct {
	// Timeout is how long to wait for another process's lock;
	// 0 means DefaultTimeout. The queue never waits forever.
	Timeout time.Duration
	// ReadOnly opens with a shared lock; writes fail.
	ReadOnly bool
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// Command names the writer in the status snapshot and in the
	// *LockedError others get ("run", "import", ...). Optional.
	Command string
}

// Store is an open queue. Its methods are safe for concurrent use.
type Store struct {
	path string
	opts Options
	now  func() time.Time

	mu sync.RWMutex // write-locked only while Import swaps in a new file
	db *bbolt.DB

	pid   int
	since time.Time

	snapMu   sync.Mutex // serialises status snapshot writes
	snapTxid int        // transaction of the last snapshot written
	snapPath string     // the status snapshot (statusPath, resolved once at Open)
}

// Open opens the queue file at path, creating it unless opts.ReadOnly. A
// read-only open of a missing file fails with an error satisfying
// errors.Is(err, fs.ErrNotExist). If another process holds the file, Open
// fails after opts.Timeout with *LockedError.
// A file that exists is never turned into a queue: an empty one, or one
// that is not a bbolt file, fails with ErrNotQueue; a truncated or
// damaged one with *DamagedError (errors.Is ErrDamaged), unchanged.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{path: path, opts: opts, now: now, pid: os.Getpid(), snapPath: statusPath(path)}
	db, err := openBolt(path, opts.ReadOnly, opts.Timeout)
	if err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		err = boltView(db, path, func(tx *bbolt.Tx) error { return checkSchema(tx, path) })
	} else {
		// Write only to create a queue: opening an existing one must not
		// change a byte of it (a failed import, a declined run).
		var ready bool
		err = boltView(db, path, func(tx *bbolt.Tx) error {
			if tx.Bucket(bSys) == nil {
				return nil // new (or foreign): initTx decides
			}
			if err := checkSchema(tx, path); err != nil {
				return err
			}
			ready = initialized(tx)
			return nil
		})
		if err == nil && !ready {
			err = boltUpdate(db, path, func(tx *bbolt.Tx) error {
				if err := initTx(tx, path); err != nil {
					return err
				}
				return markChanged(tx.Bucket(bSys), now())
			})
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s.db = db
	if !opts.ReadOnly {
		s.since = now()
		removeLeftovers(path)
		s.snapshot(true)
	}
	return s, nil
}

// removeLeftovers removes the temporary files a killed process left
// beside the queue (an import's copy) and its status snapshot. Only the
// process holding the queue's write lock writes them, so one found by the
// holder is a leftover, never part of the queue.
func removeLeftovers(path string) {
	for _, p := range []string{path, statusPath(path)} {
		names, _ := filepath.Glob(atomicfile.Leftovers(p))
		for _, name := range names {
			os.Remove(name)
		}
	}
}

// openBolt opens the bbolt file with a lock timeout, and makes sure the
// file it locked is still the one at path: an import replaces the file by
// renaming a new one over it, and a process that opened the old file just
// before must not end up holding a lock on an orphan.
func openBolt(path string, readOnly bool, timeout time.Duration) (*bbolt.DB, error) {
	// A quick try first: when the file is locked and the holder's snapshot
	// says a run is active, say so at once instead of waiting out the
	// timeout (which is there for brief holders: a status read, the
	// rename at the end of an import). A stale snapshot cannot fool this:
	// a dead process holds no lock.
	if timeout > lockProbe {
		db, err := openBoltSized(path, readOnly, lockProbe, 0)
		var le *LockedError
		if err == nil || !errors.As(err, &le) || le.PID != 0 {
			return db, err
		}
	}
	return openBoltSized(path, readOnly, timeout, 0)
}

// lockProbe is how long the first try to lock a queue waits.
const lockProbe = 50 * time.Millisecond

// openBoltSized is openBolt with an initial memory map of mmapSize bytes:
// mapping the size a file will grow to up front saves bbolt from
// remapping (and copying every node of the open transaction) as it grows.
// Unused address space costs no memory.
func openBoltSized(path string, readOnly bool, timeout time.Duration, mmapSize int) (*bbolt.DB, error) {
	for attempt := 0; ; attempt++ {
		var f *os.File
		bo := &bbolt.Options{
			Timeout:         timeout,
			ReadOnly:        readOnly,
			InitialMmapSize: mmapSize,
			OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
				var err error
				f, err = openChecked(name, flag, perm)
				return f, err
			},
		}
		var db *bbolt.DB
		err := guard(path, func() (err error) {
			db, err = bbolt.Open(path, 0o600, bo)
			return err
		})
		if err != nil {
			var de *DamagedError
			switch {
			case errors.As(err, &de):
				if db == nil && f != nil {
					f.Close() // bbolt panicked: release the file and its lock
				}
				return nil, err
			case errors.Is(err, ErrNotQueue):
				return nil, err
			case errors.Is(err, berrors.ErrTimeout):
				return nil, lockedError(path)
			case errors.Is(err, berrors.ErrChecksum):
				return nil, &DamagedError{Path: path, Reason: "both meta pages are broken: checksum mismatch"}
			case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch):
				return nil, fmt.Errorf("open queue %s: %w (%v)", path, ErrNotQueue, err)
			}
			return nil, fmt.Errorf("open queue: %w", err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			// Locked now: no writer can be half way through a meta page.
			if err := checkFile(f, path, true); err != nil {
				db.Close()
				return nil, err
			}
			return db, nil
		}
		db.Close()
		if attempt == 2 {
			return nil, lockedError(path)
		}
	}
}

// lockedError builds the error for a queue another process holds, naming
// the holder when its status snapshot says who it is.
func lockedError(path string) error {
	e := &LockedError{Path: path}
	if st, err := readSnapshot(path); err == nil && st.ActiveRun != nil {
		e.PID, e.Since, e.Command = st.ActiveRun.PID, st.ActiveRun.Since, st.ActiveRun.Command
	}
	return e
}

// ReadOnly reports whether the queue was opened read-only (writes fail).
func (s *Store) ReadOnly() bool { return s.opts.ReadOnly }

// initialized reports whether every bucket of the schema and the schema
// version are in place.
func initialized(tx *bbolt.Tx) bool {
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			return false
		}
	}
	return tx.Bucket(bSys).Get(kSchema) != nil
}

// initTx creates the buckets of a new queue, or checks an existing one.
func initTx(tx *bbolt.Tx, path string) error {
	if err := checkSchema(tx, path); err != nil {
		return err
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("init queue: %w", err)
		}
	}
	sys := tx.Bucket(bSys)
	if sys.Get(kSchema) == nil {
		if err := sys.Put(kSchema, binary.AppendUvarint(nil, newSchema)); err != nil {
			return fmt.Errorf("init queue: %w", err)
		}
	}
	return nil
}

// requireSchema raises the file's schema version to at least v, in the
// transaction that writes the first thing an older reader would misread.
func requireSchema(sys *bbolt.Bucket, v uint64) error {
	if cur, n := binary.Uvarint(sys.Get(kSchema)); n > 0 && cur >= v {
		return nil
	}
	return sys.Put(kSchema, binary.AppendUvarint(nil, v))
}

// checkSchema accepts a queue of a known schema version, and (when
// writable) a new, empty bbolt file.
func checkSchema(tx *bbolt.Tx, path string) error {
	sys := tx.Bucket(bSys)
	if sys == nil {
		empty := true
		tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if !empty || !tx.Writable() {
			return fmt.Errorf("open queue %s: %w", path, ErrNotQueue)
		}
		return nil
	}
	v, n := binary.Uvarint(sys.Get(kSchema))
	if n <= 0 {
		return fmt.Errorf("open queue %s: %w (no schema version)", path, ErrNotQueue)
	}
	if v > SchemaVersion {
		return &SchemaError{Path: path, Version: v, Supported: SchemaVersion}
	}
	return nil
}

// Path returns the queue file's path.
func (s *Store) Path() string { return s.path }

// Close marks the run inactive in the status snapshot and closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	if !s.opts.ReadOnly {
		s.snapshotLocked(false)
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("close queue: %w", err)
	}
	return nil
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bbolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return boltView(s.db, s.path, fn)
}

// update runs fn in a write transaction and, once it committed, refreshes
// the status snapshot.
func (s *Store) update(fn func(tx *bbolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	if s.opts.ReadOnly {
		return fmt.Errorf("queue %s: opened read-only", s.path)
	}
	var st Status
	err := boltUpdate(s.db, s.path, func(tx *bbolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := markChanged(tx.Bucket(bSys), s.now()); err != nil {
			return err
		}
		st = s.statusTx(tx)
		return nil
	})
	if err == errUnchanged {
		return nil
	}
	if err == nil {
		s.writeSnapshot(st, true)
	}
	return err
}

// errUnchanged, returned by an update's fn, rolls the transaction back
// and makes update return nil: an operation that finds nothing to do
// writes nothing (not even a new transaction id or as_of).
var errUnchanged = errors.New("nothing to change")

// markChanged records that the queue changed at now, in the transaction
// that changes it.
func markChanged(sys *bbolt.Bucket, now time.Time) error {
	return sys.Put(kChanged, []byte(now.UTC().Format(time.RFC3339Nano)))
}
