package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/bbolt"
)

// Check verifies the file (bbolt's own page consistency check) and the
// queue's invariants: counters equal a recount, the pending, failed,
// unresolved, id and handle indexes list exactly the targets they should,
// and the schema version covers every record.
// It reads every target: it is for tests and diagnostics, not for every run.
func (s *Store) Check() error {
	err := s.view(func(tx *bbolt.Tx) error {
		// tx.Check reads in a goroutine of its own, where a damaged page's
		// panic escapes guard: read every page here first.
		if err := readAll(tx); err != nil {
			return err
		}
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
			if len(errs) > 10 {
				break
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		return checkInvariants(tx)
	})
	if err != nil {
		return fmt.Errorf("check queue %s: %w", s.path, err)
	}
	return nil
}

// readAll reads every key of every bucket (every page of the file that is
// in use).
func readAll(tx *bbolt.Tx) error {
	var walk func(b *bbolt.Bucket) error
	walk = func(b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				if nb := b.Bucket(k); nb != nil {
					return walk(nb)
				}
			}
			return nil
		})
	}
	return tx.ForEach(func(_ []byte, b *bbolt.Bucket) error { return walk(b) })
}

func checkInvariants(tx *bbolt.Tx) error {
	var errs []error
	fail := func(format string, a ...any) {
		if len(errs) < 20 {
			errs = append(errs, fmt.Errorf(format, a...))
		}
	}
	var c Counts
	want := map[string]map[uint64]bool{"failed": {}, "unresolved": {}}
	wantPending := map[uint64]bool{}
	ids := tx.Bucket(bIDs)
	handles := tx.Bucket(bHandles)
	var maxSeq uint64
	schema, _ := binary.Uvarint(tx.Bucket(bSys).Get(kSchema))
	err := tx.Bucket(bTargets).ForEach(func(k, v []byte) error {
		seq := binary.BigEndian.Uint64(k)
		maxSeq = max(maxSeq, seq)
		r, err := decodeRec(v)
		if err != nil {
			fail("target %d: %v", seq, err)
			return nil
		}
		if r.schema() > schema {
			fail("target %d needs schema %d, the file says %d", seq, r.schema(), schema)
		}
		c.add(&r, 1)
		if r.state == Pending {
			wantPending[seq] = true
		}
		if r.state == Failed {
			want["failed"][seq] = true
		}
		if r.unresolved() {
			want["unresolved"][seq] = true
			if r.handle == "" {
				fail("target %d: no id and no handle", seq)
			}
		}
		if r.hasID {
			v := ids.Get(idKey(r.id))
			if v == nil {
				fail("target %d: id %d not in the id index", seq, r.id)
			} else if other, err := getRec(tx, seqOf(v)); err != nil || !other.hasID || other.id != r.id {
				fail("target %d: id index for %d points to target %d", seq, r.id, seqOf(v))
			}
		}
		if r.handle != "" {
			if v := handles.Get([]byte(strings.ToLower(r.handle))); v == nil {
				fail("target %d: handle %q not in the handle index", seq, r.handle)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got := readCounts(tx.Bucket(bSys)); got != c {
		fail("counters %+v, recount %+v", got, c)
	}
	if sq := tx.Bucket(bTargets).Sequence(); sq < maxSeq {
		fail("sequence %d below the last target %d", sq, maxSeq)
	}
	for name, set := range want {
		n := 0
		tx.Bucket([]byte(name)).ForEach(func(k, _ []byte) error {
			n++
			if seq := binary.BigEndian.Uint64(k); !set[seq] {
				fail("%s index lists target %d", name, seq)
			}
			return nil
		})
		if n != len(set) {
			fail("%s index has %d entries, want %d", name, n, len(set))
		}
	}
	// Pending runs: ordered, disjoint, first <= last, exactly the pending targets.
	n, prevLast := 0, uint64(0)
	tx.Bucket(bPending).ForEach(func(k, v []byte) error {
		first, last := binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(v)
		if first > last || (n > 0 && first <= prevLast) {
			fail("pending run %d..%d after %d", first, last, prevLast)
			return nil
		}
		for s := first; s <= last; s++ {
			n++
			if !wantPending[s] {
				fail("pending index lists target %d", s)
			}
		}
		prevLast = last
		return nil
	})
	if n != len(wantPending) {
		fail("pending index has %d targets, want %d", n, len(wantPending))
	}
	ids.ForEach(func(k, v []byte) error {
		r, err := getRec(tx, seqOf(v))
		if err != nil || !r.hasID || r.id != binary.BigEndian.Uint64(k) {
			fail("id index %d points to target %d (id %d)", binary.BigEndian.Uint64(k), seqOf(v), r.id)
		}
		return nil
	})
	handles.ForEach(func(k, v []byte) error {
		r, err := getRec(tx, seqOf(v))
		if err != nil || strings.ToLower(r.handle) != string(k) {
			fail("handle index %q points to target %d (handle %q)", k, seqOf(v), r.handle)
		}
		return nil
	})
	return errors.Join(errs...)
}
