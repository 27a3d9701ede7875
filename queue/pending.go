package queue

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// The pending index stores runs of consecutive pending sequence numbers:
// key = first seq, value = last seq (8 bytes big-endian each). An import
// appends one run however many targets it adds; the worker, which takes
// targets in order, trims the first run; the first key is the next
// pending target. Runs never overlap.

func rangeKey(seq uint64) []byte { return seqKey(seq) }

// pendingRun returns the run containing seq, if any.
func pendingRun(b *bbolt.Bucket, seq uint64) (first, last uint64, ok bool) {
	c := b.Cursor()
	k, v := c.Seek(rangeKey(seq))
	if k == nil || binary.BigEndian.Uint64(k) > seq {
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	if k == nil {
		return 0, 0, false
	}
	first, last = binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(v)
	return first, last, first <= seq && seq <= last
}

func putRun(b *bbolt.Bucket, first, last uint64) error {
	return b.Put(rangeKey(first), binary.BigEndian.AppendUint64(nil, last))
}

// pendingDel removes seq from the pending index.
func pendingDel(tx *bbolt.Tx, seq uint64) error {
	b := tx.Bucket(bPending)
	first, last, ok := pendingRun(b, seq)
	if !ok {
		return fmt.Errorf("pending index: target %d missing", seq)
	}
	if err := b.Delete(rangeKey(first)); err != nil {
		return err
	}
	if first < seq {
		if err := putRun(b, first, seq-1); err != nil {
			return err
		}
	}
	if seq < last {
		return putRun(b, seq+1, last)
	}
	return nil
}

// pendingAdd adds the run first..last, merging it with adjacent runs. The
// caller guarantees no member is pending yet (a single seq, or seqs past
// every existing target).
func pendingAdd(tx *bbolt.Tx, first, last uint64) error {
	b := tx.Bucket(bPending)
	if first > 1 {
		if pf, pl, ok := pendingRun(b, first-1); ok {
			if pl != first-1 {
				return fmt.Errorf("pending index: target %d already pending", first)
			}
			first = pf // merge with the run ending just before
		}
	}
	if v := b.Get(rangeKey(last + 1)); v != nil {
		nl := binary.BigEndian.Uint64(v)
		if err := b.Delete(rangeKey(last + 1)); err != nil {
			return err
		}
		last = nl // merge with the run starting just after
	}
	if _, _, ok := pendingRun(b, last); ok {
		return fmt.Errorf("pending index: target %d already pending", last)
	}
	return putRun(b, first, last)
}

// pendingScan calls fn with every pending seq greater than after, in
// order, until fn returns false.
func pendingScan(tx *bbolt.Tx, after uint64, fn func(seq uint64) bool) {
	b := tx.Bucket(bPending)
	c := b.Cursor()
	from := after + 1
	k, v := c.Seek(rangeKey(from))
	// A run that starts before from may still contain it.
	if pf, pl, ok := pendingRun(b, from); ok && pf < from {
		for s := from; s <= pl; s++ {
			if !fn(s) {
				return
			}
		}
	}
	for ; k != nil; k, v = c.Next() {
		first, last := binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(v)
		for s := max(first, from); s <= last; s++ {
			if !fn(s) {
				return
			}
		}
	}
}
