package queue

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// FollowingSnapshot describes the account's following list as the job
// read it: the list itself is read at most once per job, and what the job
// unfollows since is taken out of it as the answers arrive.
type FollowingSnapshot struct {
	Account string    `json:"account"` // whose list (user id)
	At      time.Time `json:"at"`      // when it was read
	Count   int       `json:"count"`   // accounts in it when read
	// UnfollowedSince counts the accounts of the list the job has
	// unfollowed since it was read.
	UnfollowedSince int `json:"unfollowed_since"`
	// Covers is the last target queued when it was read: a target queued
	// later (seq > Covers) may have been followed since, so the list's
	// lacking it says nothing.
	Covers uint64 `json:"covers"`
}

// bFollowing holds the following snapshot's accounts: id (8-byte BE) →
// username. Created by the first snapshot; older queues lack it.
var bFollowing = []byte("following")

// SetFollowing replaces the following snapshot with account's list as read
// at at: followed maps each id (decimal) to its username.
func (s *Store) SetFollowing(account string, at time.Time, followed map[string]string) error {
	err := s.update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bFollowing) != nil {
			if err := tx.DeleteBucket(bFollowing); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucket(bFollowing)
		if err != nil {
			return err
		}
		for id, name := range followed {
			n, err := strconv.ParseUint(id, 10, 64)
			if err != nil {
				return fmt.Errorf("id %.40q: %w", id, err)
			}
			if err := b.Put(binary.BigEndian.AppendUint64(nil, n), []byte(name)); err != nil {
				return err
			}
		}
		covers := tx.Bucket(bTargets).Sequence()
		raw, err := json.Marshal(FollowingSnapshot{Account: account, At: at.UTC(), Count: len(followed), Covers: covers})
		if err != nil {
			return err
		}
		return putMeta(tx, map[string][]byte{metaFollowing: raw})
	})
	if err != nil {
		return fmt.Errorf("save the following snapshot: %w", err)
	}
	return nil
}

// Following returns the following snapshot and its accounts (id →
// username); ok is false when the job has none.
func (s *Store) Following() (snap FollowingSnapshot, followed map[string]string, ok bool, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		if snap, ok, err = readFollowingMeta(tx); err != nil || !ok {
			return err
		}
		followed = map[string]string{}
		if b := tx.Bucket(bFollowing); b != nil {
			return b.ForEach(func(k, v []byte) error {
				if len(k) != 8 {
					return fmt.Errorf("following snapshot: key of %d bytes", len(k))
				}
				followed[strconv.FormatUint(binary.BigEndian.Uint64(k), 10)] = string(v)
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return FollowingSnapshot{}, nil, false, fmt.Errorf("read the following snapshot: %w", err)
	}
	return snap, followed, ok, nil
}

// FollowingInfo returns the snapshot's description alone (ok false: none).
func (s *Store) FollowingInfo() (snap FollowingSnapshot, ok bool, err error) {
	err = s.view(func(tx *bbolt.Tx) (err error) {
		snap, ok, err = readFollowingMeta(tx)
		return err
	})
	return snap, ok, err
}

func readFollowingMeta(tx *bbolt.Tx) (FollowingSnapshot, bool, error) {
	raw := tx.Bucket(bMeta).Get([]byte(metaFollowing))
	if len(raw) == 0 {
		return FollowingSnapshot{}, false, nil
	}
	var snap FollowingSnapshot
	if err := json.Unmarshal(raw, &snap); err != nil {
		return FollowingSnapshot{}, false, fmt.Errorf("following snapshot: %w", err)
	}
	return snap, true, nil
}

// unfollowed takes id out of the following snapshot, in the transaction
// that records it done.
func unfollowed(tx *bbolt.Tx, id uint64) error {
	b := tx.Bucket(bFollowing)
	if b == nil {
		return nil
	}
	k := binary.BigEndian.AppendUint64(nil, id)
	if b.Get(k) == nil {
		return nil
	}
	if err := b.Delete(k); err != nil {
		return err
	}
	snap, ok, err := readFollowingMeta(tx)
	if err != nil || !ok {
		return err
	}
	snap.UnfollowedSince++
	raw, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	return putMeta(tx, map[string][]byte{metaFollowing: raw})
}

// Sample is what looking up a sample of the pending targets (with X's
// connection_status) showed: how many of each kind the following list
// would have saved a request for. The prefilter decides from it whether
// reading the list pays, and keeps it so a later run need not pay again.
type Sample struct {
	At time.Time `json:"at"`
	// IDs were looked up by id; IDsNotFollowed of them exist and are not
	// followed (each would cost an unfollow that changes nothing).
	IDs            int `json:"ids"`
	IDsNotFollowed int `json:"ids_not_followed"`
	// Handles were looked up by username; HandlesFound of them exist (each
	// costs a lookup the list makes unnecessary).
	Handles      int `json:"handles"`
	HandlesFound int `json:"handles_found"`
}

// Sample returns the saved sample (ok false: none).
func (s *Store) Sample() (Sample, bool, error) {
	raw, err := s.meta(metaSample)
	if err != nil || len(raw) == 0 {
		return Sample{}, false, err
	}
	var sm Sample
	if err := json.Unmarshal(raw, &sm); err != nil {
		return Sample{}, false, fmt.Errorf("read the prefilter sample: %w", err)
	}
	return sm, true, nil
}

// SetSample saves the prefilter's sample.
func (s *Store) SetSample(sm Sample) error {
	raw, err := json.Marshal(sm)
	if err != nil {
		return err
	}
	return s.setMeta(metaSample, raw)
}
