package queue

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/bbolt"
)

// readCounts decodes the counters kept in the sys bucket.
func readCounts(sys *bbolt.Bucket) Counts {
	b := sys.Get(kCounts)
	var c Counts
	if len(b) == 48 {
		v := func(i int) int { return int(binary.BigEndian.Uint64(b[i*8:])) }
		c = Counts{Total: v(0), Pending: v(1), Done: v(2), Skipped: v(3), Failed: v(4), Unresolved: v(5)}
	}
	return c
}

func writeCounts(sys *bbolt.Bucket, c Counts) error {
	b := make([]byte, 0, 48)
	for _, v := range []int{c.Total, c.Pending, c.Done, c.Skipped, c.Failed, c.Unresolved} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return sys.Put(kCounts, b)
}

// add adds d (±1) to the counters r falls in.
func (c *Counts) add(r *rec, d int) {
	c.Total += d
	switch r.state {
	case Pending:
		c.Pending += d
	case Done:
		c.Done += d
	case Skipped:
		c.Skipped += d
	case Failed:
		c.Failed += d
	}
	if r.unresolved() {
		c.Unresolved += d
	}
}

var empty = []byte{}

// put stores nw as target seq, replacing old (nil for a new target), and
// keeps every index and counter in step, in the same transaction. Every
// change to a target goes through put (Import's bulk path writes the same
// entries directly, in key order).
func put(tx *bbolt.Tx, seq uint64, old, nw *rec) error {
	k := seqKey(seq)
	if err := tx.Bucket(bTargets).Put(k, nw.encode(nil)); err != nil {
		return err
	}
	was := func(f func(*rec) bool) bool { return old != nil && f(old) }
	switch wasP, isP := old != nil && old.state == Pending, nw.state == Pending; {
	case isP && !wasP:
		if err := pendingAdd(tx, seq, seq); err != nil {
			return err
		}
	case wasP && !isP:
		if err := pendingDel(tx, seq); err != nil {
			return err
		}
	}
	for _, ix := range []struct {
		name []byte
		in   func(*rec) bool
	}{
		{bFailed, func(r *rec) bool { return r.state == Failed }},
		{bUnresolved, (*rec).unresolved},
	} {
		w, is := was(ix.in), ix.in(nw)
		var err error
		switch {
		case is && !w:
			err = tx.Bucket(ix.name).Put(k, empty)
		case w && !is:
			err = tx.Bucket(ix.name).Delete(k)
		}
		if err != nil {
			return err
		}
	}
	// The id index maps an id to the first target that has it.
	if nw.hasID && (old == nil || !old.hasID || old.id != nw.id) {
		ids := tx.Bucket(bIDs)
		if ids.Get(idKey(nw.id)) == nil {
			if err := ids.Put(idKey(nw.id), binary.AppendUvarint(nil, seq)); err != nil {
				return err
			}
		}
	}
	if nw.handle != "" && old == nil {
		if err := tx.Bucket(bHandles).Put([]byte(strings.ToLower(nw.handle)), binary.AppendUvarint(nil, seq)); err != nil {
			return err
		}
	}
	sys := tx.Bucket(bSys)
	if v := nw.schema(); v > newSchema {
		if err := requireSchema(sys, v); err != nil {
			return err
		}
	}
	c := readCounts(sys)
	if old != nil {
		c.add(old, -1)
	}
	c.add(nw, +1)
	return writeCounts(sys, c)
}

// getRec reads target seq.
func getRec(tx *bbolt.Tx, seq uint64) (rec, error) {
	v := tx.Bucket(bTargets).Get(seqKey(seq))
	if v == nil {
		return rec{}, fmt.Errorf("target %d: %w", seq, ErrNoTarget)
	}
	r, err := decodeRec(v)
	if err != nil {
		return rec{}, fmt.Errorf("target %d: %w", seq, err)
	}
	return r, nil
}

// seqOf decodes an index value.
func seqOf(v []byte) uint64 {
	s, _ := binary.Uvarint(v)
	return s
}

// Counts returns the number of targets in each state, from counters kept
// in step with every change: its cost does not depend on the queue's size.
func (s *Store) Counts() (Counts, error) {
	var c Counts
	err := s.view(func(tx *bbolt.Tx) error {
		c = readCounts(tx.Bucket(bSys))
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("read counts: %w", err)
	}
	return c, nil
}

// Get returns target seq, or an error satisfying errors.Is(err, ErrNoTarget).
func (s *Store) Get(seq uint64) (Target, error) {
	var t Target
	err := s.view(func(tx *bbolt.Tx) error {
		r, err := getRec(tx, seq)
		t = r.target(seq)
		return err
	})
	if err != nil {
		return Target{}, fmt.Errorf("get target: %w", err)
	}
	return t, nil
}

// Lookup finds a target by id ("123") or handle ("@jack" or "jack",
// case-insensitive).
func (s *Store) Lookup(key string) (Target, bool, error) {
	var t Target
	var found bool
	err := s.view(func(tx *bbolt.Tx) error {
		var v []byte
		if id, err := parseID(key); err == nil {
			v = tx.Bucket(bIDs).Get(idKey(id))
		} else {
			v = tx.Bucket(bHandles).Get([]byte(strings.ToLower(strings.TrimPrefix(key, "@"))))
		}
		if v == nil {
			return nil
		}
		r, err := getRec(tx, seqOf(v))
		t, found = r.target(seqOf(v)), err == nil
		return err
	})
	if err != nil {
		return Target{}, false, fmt.Errorf("look up %s: %w", key, err)
	}
	return t, found, nil
}

// Next returns the first pending target in input order. It reads the first
// key of the pending index: finished targets are never visited.
func (s *Store) Next() (Target, bool, error) {
	ts, err := s.Pending(0, 1)
	if err != nil || len(ts) == 0 {
		return Target{}, false, err
	}
	return ts[0], true, nil
}

// Pending returns up to limit pending targets with Seq > after, in input
// order.
func (s *Store) Pending(after uint64, limit int) ([]Target, error) {
	var out []Target
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		pendingScan(tx, after, func(seq uint64) bool {
			if limit >= 0 && len(out) >= limit {
				return false
			}
			var r rec
			if r, err = getRec(tx, seq); err != nil {
				return false
			}
			out = append(out, r.target(seq))
			return true
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read pending targets: %w", err)
	}
	return out, nil
}

// Unresolved returns the pending targets that are @handles awaiting an id,
// in input order.
func (s *Store) Unresolved() ([]Target, error) {
	return s.scanIndex(bUnresolved, 0, -1)
}

// scanIndex reads the targets listed in index bucket name with Seq > after,
// at most limit (all if limit < 0).
func (s *Store) scanIndex(name []byte, after uint64, limit int) ([]Target, error) {
	var out []Target
	err := s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(name).Cursor()
		for k, _ := c.Seek(seqKey(after + 1)); k != nil && (limit < 0 || len(out) < limit); k, _ = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			r, err := getRec(tx, seq)
			if err != nil {
				return err
			}
			out = append(out, r.target(seq))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s targets: %w", name, err)
	}
	return out, nil
}

// Record writes the outcome of an attempt on pending target seq, and
// r.Run, in one transaction. A Pending result records the attempt and
// keeps the target pending; any other state finishes it. Recording on a
// target that is not pending fails with ErrNotPending.
func (s *Store) Record(seq uint64, r Result) error {
	if !r.State.valid() {
		return fmt.Errorf("record target %d: invalid state %v", seq, r.State)
	}
	at := r.At
	if at.IsZero() {
		at = s.now()
	}
	err := s.update(func(tx *bbolt.Tx) error {
		old, err := getRec(tx, seq)
		if err != nil {
			return err
		}
		if old.state != Pending {
			return fmt.Errorf("target %d is %s: %w", seq, old.state, ErrNotPending)
		}
		nw := old
		if r.CountAttempt {
			nw.attempts++
		}
		nw.updated = nanos(at)
		nw.mayHaveTakenEffect = (old.mayHaveTakenEffect && !r.Unmark) || r.MayHaveTakenEffect
		if r.Reason != "" {
			nw.reason = r.Reason
		}
		if r.Err != nil {
			e := *r.Err
			nw.last = &e
		}
		if r.State.Finished() {
			nw.state = r.State
			nw.finished = nanos(at)
			if r.Err == nil {
				nw.last = nil // the answer that finished it was not an error
			}
		}
		if err := put(tx, seq, &old, &nw); err != nil {
			return err
		}
		if nw.state == Done && nw.hasID {
			if err := unfollowed(tx, nw.id); err != nil {
				return err
			}
		}
		if r.Run != nil {
			return r.Run.put(tx)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record result: %w", err)
	}
	return nil
}

func putMeta(tx *bbolt.Tx, m map[string][]byte) error {
	b := tx.Bucket(bMeta)
	for k, v := range m {
		if k == "" {
			return fmt.Errorf("meta: empty key")
		}
		var err error
		if v == nil {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), append([]byte(nil), v...))
		}
		if err != nil {
			return fmt.Errorf("meta %q: %w", k, err)
		}
	}
	return nil
}

// MarkSkipped finishes the given pending targets as skipped with reason,
// in one transaction. Targets that are not pending are left alone; it
// returns how many it skipped. A target whose request may have taken
// effect (Target.MayHaveTakenEffect) is never skipped as
// ReasonNotFollowing: it is left pending (and not counted), since the
// account may not follow it any more precisely because it was unfollowed.
func (s *Store) MarkSkipped(seqs []uint64, reason string) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0
		at := nanos(s.now())
		for _, seq := range seqs {
			old, err := getRec(tx, seq)
			if err != nil {
				return err
			}
			if old.state != Pending || (old.mayHaveTakenEffect && reason == ReasonNotFollowing) {
				continue
			}
			nw := old
			nw.state, nw.reason, nw.finished, nw.updated = Skipped, reason, at, at
			if err := put(tx, seq, &old, &nw); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return errUnchanged
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mark skipped: %w", err)
	}
	return n, nil
}

// Resolve gives pending @handle target seq its id and username. If another
// target already has that id, the handle target is skipped with reason
// "duplicate of ID" instead (it would unfollow the same account twice).
func (s *Store) Resolve(seq uint64, id, username string) error {
	return s.resolve(seq, id, username, "")
}

// ResolveSkipped gives pending @handle target seq its id and username and,
// in the same transaction, skips it for reason (what X said of the account
// when it resolved it: not followed, kept): a crash never leaves it
// resolved but undecided. A duplicate is skipped as Resolve skips it.
func (s *Store) ResolveSkipped(seq uint64, id, username, reason string) error {
	if reason == "" {
		return fmt.Errorf("resolve target %d skipped: no reason", seq)
	}
	return s.resolve(seq, id, username, reason)
}

func (s *Store) resolve(seq uint64, id, username, skip string) error {
	n, err := parseID(id)
	if err != nil {
		return fmt.Errorf("resolve target %d: %w", seq, err)
	}
	err = s.update(func(tx *bbolt.Tx) error {
		old, err := getRec(tx, seq)
		if err != nil {
			return err
		}
		if old.state != Pending {
			return fmt.Errorf("target %d is %s: %w", seq, old.state, ErrNotPending)
		}
		if old.hasID && old.id != n {
			return fmt.Errorf("target %d already has id %d", seq, old.id)
		}
		nw := old
		nw.id, nw.hasID = n, true
		if username != "" {
			nw.username = username
		}
		nw.updated = nanos(s.now())
		switch v := tx.Bucket(bIDs).Get(idKey(n)); {
		case v != nil && seqOf(v) != seq:
			nw.state, nw.reason, nw.finished = Skipped, "duplicate of "+id, nw.updated
		case skip != "" && !(old.mayHaveTakenEffect && skip == ReasonNotFollowing):
			nw.state, nw.reason, nw.finished = Skipped, skip, nw.updated
		}
		return put(tx, seq, &old, &nw)
	})
	if err != nil {
		return fmt.Errorf("resolve: %w", err)
	}
	return nil
}

// usernameBatch bounds the targets SetUsernames names per transaction
// (naming is idempotent: an interrupted call loses nothing).
const usernameBatch = 10_000

// SetUsernames records the usernames of pending targets that have none
// (the run learns them from the account's following list), so export, the
// list to re-follow from, names the accounts. Targets that are finished or
// already named are left alone. It returns how many it named.
func (s *Store) SetUsernames(names map[uint64]string) (int, error) {
	seqs := make([]uint64, 0, len(names))
	for seq, name := range names {
		if name != "" {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	total := 0
	for len(seqs) > 0 {
		batch := seqs[:min(len(seqs), usernameBatch)]
		seqs = seqs[len(batch):]
		n := 0
		err := s.update(func(tx *bbolt.Tx) error {
			n = 0
			at := nanos(s.now())
			for _, seq := range batch {
				old, err := getRec(tx, seq)
				if err != nil {
					return err
				}
				if old.state != Pending || old.username != "" {
					continue
				}
				nw := old
				nw.username, nw.updated = names[seq], at
				if err := put(tx, seq, &old, &nw); err != nil {
					return err
				}
				n++
			}
			if n == 0 {
				return errUnchanged
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("set usernames: %w", err)
		}
		total += n
	}
	return total, nil
}

// Retry moves every failed target back to pending, with its attempts
// reset, in one transaction: a crash or kill leaves every failed target
// moved or none. The last error and MayHaveTakenEffect are kept. It reads
// only the failed index, and writes nothing when no target failed. It
// returns how many targets it moved.
func (s *Store) Retry() (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		var seqs []uint64
		c := tx.Bucket(bFailed).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			seqs = append(seqs, binary.BigEndian.Uint64(k))
		}
		n = len(seqs)
		if n == 0 {
			return errUnchanged
		}
		at := nanos(s.now())
		for _, seq := range seqs {
			old, err := getRec(tx, seq)
			if err != nil {
				return err
			}
			nw := old
			nw.state, nw.attempts, nw.reason, nw.finished, nw.updated = Pending, 0, "", 0, at
			if err := put(tx, seq, &old, &nw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retry: %w", err)
	}
	return n, nil
}

// exportChunk bounds the targets Export reads per read transaction, so a
// slow consumer never pins old pages of the file for long.
const exportChunk = 1000

// Export calls fn for every target in state (0 = all), in input order. fn
// runs outside any transaction and may call other methods; targets that
// change while Export runs are seen as they are when read.
func (s *Store) Export(state State, fn func(Target) error) error {
	if state != 0 && !state.valid() {
		return fmt.Errorf("export: invalid state %v", state)
	}
	// Pending and failed targets have their own index; other states are
	// filtered from the targets themselves.
	if state == Pending {
		for after := uint64(0); ; {
			chunk, err := s.Pending(after, exportChunk)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if len(chunk) == 0 {
				return nil
			}
			for _, t := range chunk {
				if err := fn(t); err != nil {
					return err
				}
			}
			after = chunk[len(chunk)-1].Seq
		}
	}
	index, indexed := bTargets, false
	switch state {
	case Failed:
		index, indexed = bFailed, true
	}
	after := uint64(0)
	for end := false; !end; {
		var chunk []Target
		err := s.view(func(tx *bbolt.Tx) error {
			c := tx.Bucket(index).Cursor()
			k, v := c.Seek(seqKey(after + 1))
			for scanned := 0; k != nil && scanned < exportChunk; k, v = c.Next() {
				scanned++
				seq := binary.BigEndian.Uint64(k)
				after = seq
				if indexed {
					v = tx.Bucket(bTargets).Get(k)
				}
				r, err := decodeRec(v)
				if err != nil {
					return fmt.Errorf("target %d: %w", seq, err)
				}
				if state == 0 || r.state == state {
					chunk = append(chunk, r.target(seq))
				}
			}
			end = k == nil
			return nil
		})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for _, t := range chunk {
			if err := fn(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// Account returns the source account the queue is bound to ("" if none).
func (s *Store) Account() (id, username string, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		sys := tx.Bucket(bSys)
		id, username = string(sys.Get(kAccountID)), string(sys.Get(kAccountName))
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("read account: %w", err)
	}
	return id, username, nil
}

// BindAccount binds the queue to account id on first use, and refreshes the
// username later. A queue bound to another id fails with
// *AccountMismatchError (errors.Is ErrAccountMismatch).
func (s *Store) BindAccount(id, username string) error {
	if _, err := parseID(id); err != nil {
		return fmt.Errorf("bind account: %w", err)
	}
	err := s.update(func(tx *bbolt.Tx) error {
		sys := tx.Bucket(bSys)
		if bound := sys.Get(kAccountID); bound != nil && string(bound) != id {
			return &AccountMismatchError{BoundID: string(bound), BoundUsername: string(sys.Get(kAccountName)), ID: id, Username: username}
		}
		if bound := sys.Get(kAccountID); bound != nil && (username == "" || string(sys.Get(kAccountName)) == username) {
			return errUnchanged // bound to id already, same name
		}
		if err := sys.Put(kAccountID, []byte(id)); err != nil {
			return err
		}
		if username == "" {
			return nil
		}
		return sys.Put(kAccountName, []byte(username))
	})
	if err != nil {
		return fmt.Errorf("bind account: %w", err)
	}
	return nil
}

// meta returns the value of a run-state key (nil if unset).
func (s *Store) meta(key string) ([]byte, error) {
	var v []byte
	err := s.view(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bMeta).Get([]byte(key)); b != nil {
			v = append([]byte{}, b...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read meta %q: %w", key, err)
	}
	return v, nil
}

// setMeta sets a run-state key; a nil value deletes it.
func (s *Store) setMeta(key string, v []byte) error {
	err := s.update(func(tx *bbolt.Tx) error { return putMeta(tx, map[string][]byte{key: v}) })
	if err != nil {
		return fmt.Errorf("set meta: %w", err)
	}
	return nil
}

// LastRun returns the last run's information, or nil before the first run.
func (s *Store) LastRun() (*RunInfo, error) {
	var r *RunInfo
	err := s.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bSys).Get(kLastRun)
		if v == nil {
			return nil
		}
		r = new(RunInfo)
		return json.Unmarshal(v, r)
	})
	if err != nil {
		return nil, fmt.Errorf("read last run: %w", err)
	}
	return r, nil
}

// SetLastRun records the current or last run (status shows it).
func (s *Store) SetLastRun(r RunInfo) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("set last run: %w", err)
	}
	err = s.update(func(tx *bbolt.Tx) error { return tx.Bucket(bSys).Put(kLastRun, b) })
	if err != nil {
		return fmt.Errorf("set last run: %w", err)
	}
	return nil
}
