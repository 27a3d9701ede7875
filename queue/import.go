package queue

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

// Source is one input list.
type Source struct {
	Name   string       // file name, used in messages and for format detection
	R      io.Reader    // the content
	Format input.Format // input.Auto detects from Name and content
}

// ImportOptions tunes Import.
type ImportOptions struct {
	// DryRun reads and checks everything and reports what an import would
	// do, without writing.
	DryRun bool
	// MaxErrors is how many bad lines InvalidError keeps over all sources
	// (the rest are only counted); 0 means input.DefaultMaxErrors.
	MaxErrors int
	// InPlaceMax: an import of at most this many entries is written in one
	// transaction in place; a bigger one is written in batches into a copy
	// of the file that then replaces it. 0 means DefaultInPlaceMax; a
	// negative value always copies.
	InPlaceMax int
	// BatchSize is the number of targets per transaction when writing into
	// a copy; 0 means DefaultBatchSize.
	BatchSize int
	// BeforeWrite, if set, is called once everything is read and checked,
	// just before the first write, with the summary of what will be
	// written (for a progress message).
	BeforeWrite func(ImportSummary)
}

// Import sizing defaults, measured with scripts/bench-import.sh (see
// docs/queue.md): one transaction holds every change in memory until it
// commits, so big imports go in batches into a copy of the file.
const (
	DefaultInPlaceMax = 50_000
	DefaultBatchSize  = 100_000
)

// SourceSummary is what was read from one source.
type SourceSummary struct {
	Name     string
	Format   input.Format
	Encoding string // "" (UTF-8) or the encoding decoded (input.UTF16LE, input.UTF16BE)
	Entries  int    // valid entries
	// Decisions: the list has a decision column (a review sheet), so
	// only its rows marked unfollow are queued (Entries - Kept - Undecided).
	Decisions bool
	Kept      int // rows marked keep: skipped
	Undecided int // rows with an empty decision: skipped
	// ByUsername counts the rows queued by their username because a
	// spreadsheet had rounded their id (input.Entry.ByUsername).
	ByUsername int
}

// Unfollow is how many of the source's entries are to be queued: every
// entry, or in a list with a decision column those marked unfollow.
func (s SourceSummary) Unfollow() int { return s.Entries - s.Kept - s.Undecided }

// ImportSummary reports what an import did (or, with DryRun, would do).
type ImportSummary struct {
	Sources         []SourceSummary
	Read            int // valid entries read, over all sources
	Added           int // new targets (ids and @handles)
	AddedHandles    int // of Added, @handles awaiting resolution
	Duplicate       int // entries repeating an earlier entry of the input
	AlreadyPending  int // entries already in the queue, still pending
	AlreadyFinished int // entries already in the queue and finished (done, skipped or failed)
	Kept            int // entries marked keep in a decision column: not queued
	Undecided       int // entries with an empty decision: not queued
	ByUsername      int // entries queued by username: a spreadsheet had rounded their id
	DryRun          bool
}

// InvalidError reports the bad entries of an import; nothing was written.
// Errors holds the first ImportOptions.MaxErrors of them, in input order;
// Total counts all of them.
type InvalidError struct {
	Errors []input.LineError
	Total  int
}

func (e *InvalidError) Error() string {
	s := fmt.Sprintf("%d invalid entries", e.Total)
	if e.Total == 1 {
		s = "1 invalid entry"
	}
	if len(e.Errors) > 0 {
		s += " (first: " + e.Errors[0].Error() + ")"
	}
	return "import: " + s + "; the queue is unchanged"
}

// UnmarkedError reports lists that have a decision column but mark no
// row unfollow (a review sheet not filled in yet): Import refuses them
// and writes nothing, since such a list can only be given by mistake.
type UnmarkedError struct {
	Sources []SourceSummary // the lists refused, with their counts
}

func (e *UnmarkedError) Error() string {
	names := make([]string, len(e.Sources))
	for i, s := range e.Sources {
		names[i] = s.Name
	}
	return "import: no row of " + strings.Join(names, ", ") + " is marked unfollow in its decision column; the queue is unchanged"
}

// Import adds the targets of srcs to the queue, in input order, after
// every target already there. It is all-or-nothing: first it reads every
// source completely, keeping only compact (id, position) pairs and
// handles; if any entry is invalid it returns *InvalidError before
// touching the file. A source with a decision column (a review sheet)
// adds only its rows marked unfollow, counting the others as Kept and
// Undecided; one that marks no row unfollow is refused with
// *UnmarkedError, also before touching the file. Then it writes: duplicates (within the input, and of
// targets already queued) are left out, so re-importing a list changes
// nothing already finished. An import that fails, is cancelled or is
// killed leaves the queue as it was: a small one commits in one
// transaction, a big one is written in batches into a copy of the file
// (a temporary file beside it) that is renamed over the queue once
// complete and synced.
func (s *Store) Import(ctx context.Context, srcs []Source, opts ImportOptions) (ImportSummary, error) {
	p, sum, err := readSources(ctx, srcs, opts)
	if err != nil {
		return sum, err
	}
	if opts.DryRun {
		sum.DryRun = true
		err := s.view(func(tx *bbolt.Tx) error { return p.classify(tx, &sum) })
		return sum, err
	}
	if s.opts.ReadOnly {
		return sum, fmt.Errorf("import: queue %s opened read-only", s.path)
	}
	inPlaceMax := cmp.Or(opts.InPlaceMax, DefaultInPlaceMax)
	if len(p.byOrd) <= inPlaceMax {
		err = s.update(func(tx *bbolt.Tx) error {
			if err := p.classify(tx, &sum); err != nil {
				return err
			}
			if sum.Added == 0 {
				return errUnchanged
			}
			if opts.BeforeWrite != nil {
				opts.BeforeWrite(sum)
			}
			return p.write(ctx, func(fn func(tx *bbolt.Tx) error) error { return fn(tx) }, len(p.byOrd)+1, s.now())
		})
	} else {
		err = s.importCopy(ctx, p, &sum, cmp.Or(opts.BatchSize, DefaultBatchSize), opts.BeforeWrite)
	}
	if err != nil {
		return ImportSummary{Sources: sum.Sources, Read: sum.Read}, fmt.Errorf("import: %w", err)
	}
	return sum, nil
}

// DiscardIfEmpty closes s and deletes its file and status snapshot if the
// queue holds nothing: no target and no bound account. It reports whether
// it did. An import into a queue it had to create uses it after failing,
// so that a rejected first import leaves no file behind, as if it had
// never run. The file is removed while the lock is still held, so no other
// process can be using it; if the queue is not empty (another process
// filled it first), s stays open and nothing is deleted.
func (s *Store) DiscardIfEmpty() (bool, error) {
	if s.opts.ReadOnly {
		return false, nil
	}
	c, err := s.Counts()
	if err != nil {
		return false, err
	}
	id, _, err := s.Account()
	if err != nil {
		return false, err
	}
	if c.Total != 0 || id != "" {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return false, ErrClosed
	}
	rmErr := os.Remove(s.path) // while locked (some systems refuse: retried after Close)
	cerr := s.db.Close()
	s.db = nil
	if rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		if rmErr = os.Remove(s.path); rmErr != nil {
			return false, fmt.Errorf("discard queue: %w", rmErr)
		}
	}
	os.Remove(s.snapPath)
	if cerr != nil {
		return true, fmt.Errorf("discard queue: %w", cerr)
	}
	return true, nil
}

// CheckImport reads srcs as Import does and reports what importing them
// into an empty queue would do. It writes nothing.
func CheckImport(ctx context.Context, srcs []Source, opts ImportOptions) (ImportSummary, error) {
	p, sum, err := readSources(ctx, srcs, opts)
	if err != nil {
		return sum, err
	}
	sum.DryRun = true
	err = p.classify(nil, &sum)
	return sum, err
}

// importCopy writes p into a copy of the queue in batches, then replaces
// the queue with it. The copy is an internal/atomicfile temporary file
// beside the queue (exclusive, unpredictable name: nothing planted there
// is followed); only the process holding the queue's lock writes one, and
// Open removes one left by a killed import. s.mu is held throughout, so
// no other change can slip in between the copy and the rename.
func (s *Store) importCopy(ctx context.Context, p *importPlan, sum *ImportSummary, batch int, before func(ImportSummary)) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	// s.mu is held: the file cannot change between this classification
	// and the copy, so the plan holds for the copy too.
	if err := boltView(s.db, s.path, func(tx *bbolt.Tx) error { return p.classify(tx, sum) }); err != nil {
		return err
	}
	if sum.Added == 0 {
		return nil
	}
	// The copy replaces the file the path leads to: through a symlink, the
	// link stays and its target is replaced.
	target := s.path
	if r, err := filepath.EvalSymlinks(s.path); err == nil {
		target = r
	}
	perm := os.FileMode(0o600)
	if orig, err := os.Stat(target); err == nil {
		perm = orig.Mode().Perm() // keep the queue's permissions
	}
	f, err := atomicfile.Create(target, perm)
	if err != nil {
		return fmt.Errorf("copy queue: %w", err)
	}
	defer f.Abort() // after Commit it does nothing
	err = boltView(s.db, s.path, func(tx *bbolt.Tx) error {
		_, err := tx.WriteTo(f)
		return err
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy queue: %w", err)
	}
	tmp := f.Name()
	// About 100 bytes per target on disk (docs/queue.md); map twice the
	// expected size so the file never outgrows the map while writing.
	fi, err := os.Stat(tmp)
	if err != nil {
		return fmt.Errorf("copy queue: %w", err)
	}
	nd, err := openBoltSized(tmp, false, s.opts.Timeout, int(fi.Size())+sum.Added*200+(64<<20))
	if err != nil {
		return fmt.Errorf("copy queue: %w", err)
	}
	defer func() {
		if err != nil {
			nd.Close()
		}
	}()
	// The copy is invisible until the rename: no fsync per batch, one at
	// the end.
	nd.NoSync, nd.NoGrowSync = true, true
	if before != nil {
		before(*sum)
	}
	run := func(fn func(tx *bbolt.Tx) error) error { return boltUpdate(nd, tmp, fn) }
	if err := p.write(ctx, run, batch, s.now()); err != nil {
		return err
	}
	if err := nd.Sync(); err != nil {
		return fmt.Errorf("sync queue copy: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The point of no return: rename is atomic. nd keeps the new file
	// locked, the old db keeps the old one locked until it is closed.
	if err := f.Commit(); err != nil {
		// Commit fails before the rename (the queue is untouched, the copy
		// removed) or after it, syncing the directory: then the new queue
		// is in place and only the durability of the rename is in doubt.
		// Carry on with the new file.
		if now, serr := os.Stat(target); serr != nil || !os.SameFile(now, fi) {
			return fmt.Errorf("replace queue: %w", err)
		}
	}
	nd.NoSync, nd.NoGrowSync = false, false
	old := s.db
	s.db = nd
	old.Close()
	var st Status
	if boltView(nd, s.path, func(tx *bbolt.Tx) error { st = s.statusTx(tx); return nil }) == nil {
		s.writeSnapshot(st, true)
	}
	return nil
}

// importPlan is a parsed import: every entry to queue, compactly, in input order.
type importPlan struct {
	byOrd   []uint64  // id of entry ord, 0 for a handle (input never yields id 0)
	handles []hentry  // the handle entries, in input order
	drop    []uint64  // bitset over ord: entry is not added (duplicate or already queued)
	rank    []uint32  // rank[w] = entries kept before word w of drop
	ids     []identry // id entries sorted by (id, ord)
	// What a list says of an account beside naming it (a review sheet):
	// protected is a bitset over ord (nil when no entry is), names the
	// usernames given beside ids, in input order.
	protected []uint64
	names     []nentry
}

type nentry struct {
	ord  uint32
	name string
}

func (p *importPlan) setProtected(ord uint32) {
	for int(ord/64) >= len(p.protected) {
		p.protected = append(p.protected, 0)
	}
	p.protected[ord/64] |= 1 << (ord % 64)
}

func (p *importPlan) isProtected(ord uint32) bool {
	w := int(ord / 64)
	return w < len(p.protected) && p.protected[w]&(1<<(ord%64)) != 0
}

type identry struct {
	id  uint64
	ord uint32
}

type hentry struct {
	key, name string // key: lower case
	ord       uint32
}

// readSources runs pass 1: read everything, keep compact entries, collect
// bad lines.
func readSources(ctx context.Context, srcs []Source, opts ImportOptions) (*importPlan, ImportSummary, error) {
	var sum ImportSummary
	p := &importPlan{}
	limit := cmp.Or(opts.MaxErrors, input.DefaultMaxErrors)
	inv := &InvalidError{}
	// A review sheet's decisions by account (Entry.Key), over every
	// source: one account marked unfollow on one row and keep on another
	// is no decision, and is refused at the later row.
	type mark struct {
		d    input.Decision
		file string
		line int
	}
	marks := map[string]mark{}
	for _, src := range srcs {
		var conflicts []input.LineError
		keep := 1
		if limit < 0 {
			keep = -1
		} else if left := limit - len(inv.Errors); left > 0 {
			keep = left
		}
		n, kept, undecided, byName := 0, 0, 0, 0
		info, err := input.ReadInfo(src.R, src.Name, src.Format, input.Options{MaxErrors: keep}, func(e input.Entry) error {
			if len(p.byOrd) >= 1<<32-1 {
				return errors.New("too many entries")
			}
			if n++; n&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if e.Decision == input.Keep || e.Decision == input.Unfollow {
				k := e.Key()
				if m, ok := marks[k]; !ok {
					marks[k] = mark{d: e.Decision, file: src.Name, line: e.Line}
				} else if m.d != e.Decision {
					conflicts = append(conflicts, input.LineError{File: src.Name, Line: e.Line,
						Reason: fmt.Sprintf("%s is marked %s here and %s on %s:%d: give each account one decision", e, e.Decision, m.d, m.file, m.line)})
					return nil
				}
			}
			switch e.Decision {
			case input.Keep:
				kept++
				return nil
			case input.Undecided:
				undecided++
				return nil
			}
			if e.ByUsername {
				byName++
			}
			ord := uint32(len(p.byOrd))
			if e.Handle != "" {
				p.handles = append(p.handles, hentry{key: strings.ToLower(e.Handle), name: e.Handle, ord: ord})
			}
			if e.Username != "" {
				p.names = append(p.names, nentry{ord: ord, name: e.Username})
			}
			if e.Protected {
				p.setProtected(ord)
			}
			p.byOrd = append(p.byOrd, e.ID)
			return nil
		})
		ss := SourceSummary{Name: src.Name, Format: info.Format, Encoding: info.Encoding, Entries: info.Entries,
			Decisions: info.Decisions, Kept: kept, Undecided: undecided, ByUsername: byName}
		sum.Sources = append(sum.Sources, ss)
		sum.Read += info.Entries
		sum.Kept += kept
		sum.Undecided += undecided
		sum.ByUsername += byName
		var ie *input.InvalidError
		switch {
		case errors.As(err, &ie):
			inv.Total += ie.Total
			for _, le := range ie.Errors {
				if limit < 0 || len(inv.Errors) < limit {
					inv.Errors = append(inv.Errors, le)
				}
			}
		case err != nil:
			return nil, sum, fmt.Errorf("import: %w", err)
		}
		for _, le := range conflicts {
			inv.Total++
			if limit < 0 || len(inv.Errors) < limit {
				inv.Errors = append(inv.Errors, le)
			}
		}
	}
	if inv.Total > 0 {
		return nil, sum, inv
	}
	var unmarked []SourceSummary
	for _, ss := range sum.Sources {
		if ss.Decisions && ss.Unfollow() == 0 {
			unmarked = append(unmarked, ss)
		}
	}
	if unmarked != nil {
		return nil, sum, &UnmarkedError{Sources: unmarked}
	}
	return p, sum, nil
}

// classify decides which entries are added: the first of each id or
// handle, unless tx (nil = empty queue) already has it. It fills drop,
// rank, ids and the counts of sum.
func (p *importPlan) classify(tx *bbolt.Tx, sum *ImportSummary) error {
	sum.Added, sum.AddedHandles, sum.Duplicate, sum.AlreadyPending, sum.AlreadyFinished = 0, 0, 0, 0, 0
	n := len(p.byOrd)
	p.drop = make([]uint64, (n+63)/64)
	dropOrd := func(ord uint32) { p.drop[ord/64] |= 1 << (ord % 64) }
	// Pending or finished is read from the (small) pending index, not from
	// the targets: re-importing a big list touches only the id index.
	var pending *bbolt.Bucket
	if tx != nil {
		pending = tx.Bucket(bPending)
	}
	existing := func(b *bbolt.Bucket, key []byte) (found bool, err error) {
		v := b.Get(key)
		if v == nil {
			return false, nil
		}
		if _, _, ok := pendingRun(pending, seqOf(v)); ok {
			sum.AlreadyPending++
		} else {
			sum.AlreadyFinished++
		}
		return true, nil
	}

	if p.ids == nil {
		p.ids = make([]identry, 0, n-len(p.handles))
		for ord, id := range p.byOrd {
			if id != 0 {
				p.ids = append(p.ids, identry{id: id, ord: uint32(ord)})
			}
		}
		sortIDs(p.ids)
	}
	var idx *bbolt.Bucket
	if tx != nil {
		idx = tx.Bucket(bIDs)
	}
	var key [8]byte
	for i, e := range p.ids {
		if i > 0 && p.ids[i-1].id == e.id {
			sum.Duplicate++
			dropOrd(e.ord)
			continue
		}
		if idx != nil {
			binary.BigEndian.PutUint64(key[:], e.id)
			found, err := existing(idx, key[:])
			if err != nil {
				return err
			}
			if found {
				dropOrd(e.ord)
				continue
			}
		}
		sum.Added++
	}

	hs := slices.Clone(p.handles)
	slices.SortStableFunc(hs, func(a, b hentry) int { return strings.Compare(a.key, b.key) })
	if tx != nil {
		idx = tx.Bucket(bHandles)
	}
	for i, h := range hs {
		if i > 0 && hs[i-1].key == h.key {
			sum.Duplicate++
			dropOrd(h.ord)
			continue
		}
		if idx != nil {
			found, err := existing(idx, []byte(h.key))
			if err != nil {
				return err
			}
			if found {
				dropOrd(h.ord)
				continue
			}
		}
		sum.Added++
		sum.AddedHandles++
	}

	p.rank = make([]uint32, len(p.drop))
	kept := uint32(0)
	for w, d := range p.drop {
		p.rank[w] = kept
		valid := 64
		if w == len(p.drop)-1 && n%64 != 0 {
			valid = n % 64
		}
		kept += uint32(valid - bits.OnesCount64(d))
	}
	return nil
}

func (p *importPlan) dropped(ord uint32) bool { return p.drop[ord/64]&(1<<(ord%64)) != 0 }

// position returns the 0-based position of kept entry ord among kept
// entries: its sequence number is the queue's last plus 1 plus this.
func (p *importPlan) position(ord uint32) uint64 {
	w := ord / 64
	below := p.drop[w] & (1<<(ord%64) - 1)
	return uint64(p.rank[w]) + uint64(ord%64) - uint64(bits.OnesCount64(below))
}

// sortIDs sorts by (id, ord) with an LSD radix sort: 1M ids sort several
// times faster than with a comparison sort. Input is in ord order and the
// sort is stable, so ties stay in ord order.
func sortIDs(a []identry) {
	if len(a) < 4096 {
		slices.SortFunc(a, func(x, y identry) int {
			return cmp.Or(cmp.Compare(x.id, y.id), cmp.Compare(x.ord, y.ord))
		})
		return
	}
	buf := make([]identry, len(a))
	src, dst := a, buf
	var or uint64
	for _, e := range a {
		or |= e.id
	}
	for shift := uint(0); shift < 64; shift += 16 {
		if or>>shift == 0 {
			break
		}
		var count [1 << 16]int
		for _, e := range src {
			count[(e.id>>shift)&0xffff]++
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, e := range src {
			d := (e.id >> shift) & 0xffff
			dst[count[d]] = e
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}

// write runs pass 2: appends the kept entries as pending targets in input
// order, then their ids to the id index in id order, batch entries per
// transaction (run wraps each in a transaction). Keys are written in
// ascending order into buckets with FillPercent 1, so pages come out full.
func (p *importPlan) write(ctx context.Context, run func(func(tx *bbolt.Tx) error) error, batch int, now time.Time) error {
	var base uint64
	if err := run(func(tx *bbolt.Tx) error {
		base = tx.Bucket(bTargets).Sequence()
		return nil
	}); err != nil {
		return err
	}
	added := nanos(now)
	n := len(p.byOrd)
	hi, ni := 0, 0 // next handle entry, next username

	// Targets (and unresolved entries), in input order.
	for ord := 0; ord < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := run(func(tx *bbolt.Tx) error {
			targets, unresolved, handles := tx.Bucket(bTargets), tx.Bucket(bUnresolved), tx.Bucket(bHandles)
			targets.FillPercent, unresolved.FillPercent = 1, 1
			arena := make([]byte, 0, batch*24)
			var key [8]byte
			for done := 0; ord < n && done < batch; ord++ {
				isHandle := p.byOrd[ord] == 0
				var h hentry
				if isHandle {
					h = p.handles[hi]
					hi++
				}
				name := ""
				if ni < len(p.names) && p.names[ni].ord == uint32(ord) {
					name = p.names[ni].name
					ni++
				}
				if p.dropped(uint32(ord)) {
					continue
				}
				done++
				seq := base + 1 + p.position(uint32(ord))
				binary.BigEndian.PutUint64(key[:], seq)
				r := rec{id: p.byOrd[ord], hasID: !isHandle, state: Pending, added: added, handle: h.name,
					username: name, protected: p.isProtected(uint32(ord))}
				// bbolt keeps value slices until commit: each record gets
				// its own bytes of the arena (if append reallocates, the
				// earlier slices keep the old array, never written again).
				start := len(arena)
				arena = r.encode(arena)
				if err := targets.Put(key[:], arena[start:len(arena):len(arena)]); err != nil {
					return err
				}
				if isHandle {
					if err := unresolved.Put(key[:], empty); err != nil {
						return err
					}
					if err := handles.Put([]byte(h.key), binary.AppendUvarint(nil, seq)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}

	// The id index, in id order.
	for i := 0; i < len(p.ids); {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := run(func(tx *bbolt.Tx) error {
			ids := tx.Bucket(bIDs)
			ids.FillPercent = 1
			arena := make([]byte, 0, batch*binary.MaxVarintLen64)
			var key [8]byte
			for done := 0; i < len(p.ids) && done < batch; i++ {
				e := p.ids[i]
				if p.dropped(e.ord) {
					continue
				}
				done++
				binary.BigEndian.PutUint64(key[:], e.id)
				start := len(arena)
				arena = binary.AppendUvarint(arena, base+1+p.position(e.ord))
				if err := ids.Put(key[:], arena[start:len(arena):len(arena)]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}

	// Counters and the sequence last: in a copy, a batch that is not the
	// last leaves them behind, which no one sees.
	return run(func(tx *bbolt.Tx) error {
		kept, handles, protected := 0, 0, false
		for ord := 0; ord < n; ord++ {
			if !p.dropped(uint32(ord)) {
				kept++
				if p.byOrd[ord] == 0 {
					handles++
				}
				protected = protected || p.isProtected(uint32(ord))
			}
		}
		if kept == 0 {
			return nil
		}
		if protected {
			// The records just written carry the schema-3 flag.
			if err := requireSchema(tx.Bucket(bSys), schemaProtected); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bTargets).SetSequence(base + uint64(kept)); err != nil {
			return err
		}
		// The new targets are seqs base+1..base+kept: one pending run.
		if err := pendingAdd(tx, base+1, base+uint64(kept)); err != nil {
			return err
		}
		sys := tx.Bucket(bSys)
		c := readCounts(sys)
		c.Total += kept
		c.Pending += kept
		c.Unresolved += handles
		if err := markChanged(sys, now); err != nil {
			return err
		}
		// New targets: the prefilter's sample no longer speaks for the
		// pending ones.
		if err := putMeta(tx, map[string][]byte{metaSample: nil}); err != nil {
			return err
		}
		return writeCounts(sys, c)
	})
}
