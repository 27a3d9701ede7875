package queue

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"go.etcd.io/bbolt"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
)

// Account is the source account a queue belongs to.
type Account struct {
	ID       string `json:"id"`
	Username string `json:"username,omitzero"`
}

// ActiveRun is the process that holds a queue open for writing.
type ActiveRun struct {
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Command string    `json:"command,omitzero"` // "run", "import", "retry", ...
}

// Status is a queue's summary: what "bulkunfollow status --json" prints.
// Its JSON form is a stable schema (docs/queue.md): fields are only ever
// added.
type Status struct {
	Queue         string `json:"queue"`
	SchemaVersion int    `json:"schema_version"`

	Total      int `json:"total"`
	Pending    int `json:"pending"`
	Done       int `json:"done"`
	Skipped    int `json:"skipped"`
	Failed     int `json:"failed"`
	Unresolved int `json:"unresolved"` // pending @handles awaiting an id (included in pending)

	Account   *Account   `json:"account"`    // null until a run binds the queue
	ActiveRun *ActiveRun `json:"active_run"` // null unless a process holds the queue for writing
	LastRun   *RunInfo   `json:"last_run"`   // null before the first run
	// RateLimit is the worker's persisted rate-limit state (meta key
	// "ratelimit"), copied verbatim; null if none.
	RateLimit json.RawMessage `json:"ratelimit"`
	// SpentUSD is what the job has been charged by X over every run, in
	// USD (counted from the price table as the answers arrived); Spend
	// breaks it down per price kind.
	SpentUSD float64              `json:"spent_usd"`
	Spend    map[string]KindSpend `json:"spend"`
	// Following is the following snapshot the job read; null if none.
	Following *FollowingSnapshot `json:"following_snapshot"`

	AsOf time.Time `json:"as_of"` // when the queue last changed: the figures are current as of then
	// FromSnapshot is true when a run held the queue and these figures come
	// from the snapshot it wrote at its last checkpoint (as of AsOf).
	FromSnapshot bool `json:"from_snapshot"`

	txid int // bbolt transaction the figures come from; orders snapshots
}

// statusTimeout is how long ReadStatus waits for the file before it falls
// back to the snapshot.
const statusTimeout = 100 * time.Millisecond

// ReadStatus returns the status of the queue at path. It opens the file
// read-only; when a run holds it, it returns the snapshot the run keeps
// beside the file (PATH.status) with FromSnapshot set. Its cost does not
// depend on the number of targets.
func ReadStatus(path string) (Status, error) {
	s, err := Open(path, Options{ReadOnly: true, Timeout: statusTimeout})
	if err == nil {
		defer s.Close()
		return s.Status()
	}
	if !errors.Is(err, ErrLocked) {
		return Status{}, err
	}
	st, serr := readSnapshot(path)
	if serr != nil {
		return Status{}, err
	}
	st.Queue = path
	st.FromSnapshot = true
	return st, nil
}

// Status returns the queue's status from the file.
func (s *Store) Status() (Status, error) {
	var st Status
	err := s.view(func(tx *bbolt.Tx) error {
		st = s.statusTx(tx)
		return nil
	})
	if err != nil {
		return Status{}, fmt.Errorf("read status: %w", err)
	}
	if !s.opts.ReadOnly {
		st.ActiveRun = s.activeRun()
	}
	return st, nil
}

func (s *Store) activeRun() *ActiveRun {
	return &ActiveRun{PID: s.pid, Since: s.since.UTC(), Command: s.opts.Command}
}

// statusTx reads the status figures in tx (without ActiveRun).
func (s *Store) statusTx(tx *bbolt.Tx) Status {
	sys := tx.Bucket(bSys)
	c := readCounts(sys)
	st := Status{
		Queue:      s.path,
		Total:      c.Total,
		Pending:    c.Pending,
		Done:       c.Done,
		Skipped:    c.Skipped,
		Failed:     c.Failed,
		Unresolved: c.Unresolved,
		txid:       tx.ID(),
	}
	// As of the last change: status of an unchanged queue reads the same
	// every time (scripts compare it to tell that nothing happened).
	if t, err := time.Parse(time.RFC3339Nano, string(sys.Get(kChanged))); err == nil {
		st.AsOf = t
	}
	if v, n := binary.Uvarint(sys.Get(kSchema)); n > 0 {
		st.SchemaVersion = int(v)
	}
	if id := sys.Get(kAccountID); id != nil {
		st.Account = &Account{ID: string(id), Username: string(sys.Get(kAccountName))}
	}
	if v := sys.Get(kLastRun); v != nil {
		var r RunInfo
		if json.Unmarshal(v, &r) == nil {
			st.LastRun = &r
		}
	}
	if v := tx.Bucket(bMeta).Get([]byte(metaRateLimit)); v != nil && json.Valid(v) {
		st.RateLimit = json.RawMessage(append([]byte(nil), v...))
	}
	// A damaged record reads as nothing spent yet, as a damaged last run
	// reads as none: status still shows the rest (check reports it).
	sp, _ := readSpend(tx)
	st.SpentUSD, st.Spend = float64(sp.MicroUSD)/1e6, sp.Kinds
	if st.Spend == nil {
		st.Spend = map[string]KindSpend{}
	}
	if snap, ok, err := readFollowingMeta(tx); ok && err == nil {
		st.Following = &snap
	}
	return st
}

// statusPath is the snapshot file beside the queue, named after the file
// the path leads to (every symlink resolved): one queue reached through a
// link has one snapshot, the one status reads under any spelling.
func statusPath(path string) string {
	if c := canonical(path); c != "" {
		return c + statusSuffix
	}
	return path + statusSuffix
}

// statusSuffix ends the snapshot's name.
const statusSuffix = ".status"

// snapshot writes the status snapshot from the file (active: the run is
// still going).
func (s *Store) snapshot(active bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.snapshotLocked(active)
}

func (s *Store) snapshotLocked(active bool) {
	var st Status
	if boltView(s.db, s.path, func(tx *bbolt.Tx) error { st = s.statusTx(tx); return nil }) == nil {
		s.writeSnapshot(st, active)
	}
}

// writeSnapshot replaces PATH.status atomically (internal/atomicfile: a
// planted file or symlink beside it is never followed). It never goes back in time: a snapshot of an older transaction
// than the last one written is dropped. It is best effort: the queue file
// is the truth, the snapshot only serves status while a run holds the file.
func (s *Store) writeSnapshot(st Status, active bool) {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if st.txid < s.snapTxid {
		return
	}
	s.snapTxid = st.txid
	if active {
		st.ActiveRun = s.activeRun()
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return
	}
	atomicfile.WriteFile(s.snapPath, append(b, '\n'), 0o600)
}

// readSnapshot reads PATH.status.
func readSnapshot(path string) (Status, error) {
	b, err := os.ReadFile(statusPath(path))
	if err != nil {
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return Status{}, fmt.Errorf("read status snapshot: %w", err)
	}
	return st, nil
}
