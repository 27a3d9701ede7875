package queue

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// RunState is the state of a run that a result carries, written in the
// result's transaction (Result.Run) so a crash never separates the two.
type RunState struct {
	// Limiter is the unfollow limiter's state (JSON); nil leaves the saved
	// one as it is.
	Limiter []byte
	// Sending is the target whose request is going out; 0 says no request
	// is in flight (its answer is in).
	Sending uint64
	// GaveUp is how many targets in a row were given up on transient
	// errors with no answer from X since (the outage streak); 0: none.
	GaveUp int
	// Charge, if set, is recorded with the result (spend.go).
	Charge *Charge
}

// put writes r in tx.
func (r *RunState) put(tx *bbolt.Tx) error {
	m := map[string][]byte{metaSending: nil, metaGaveUp: nil}
	if r.Limiter != nil {
		m[metaRateLimit] = r.Limiter
	}
	if r.Sending != 0 {
		m[metaSending] = strconv.AppendUint(nil, r.Sending, 10)
	}
	if r.GaveUp != 0 {
		m[metaGaveUp] = strconv.AppendInt(nil, int64(r.GaveUp), 10)
	}
	if err := putMeta(tx, m); err != nil {
		return err
	}
	if r.Charge != nil {
		_, err := r.Charge.put(tx)
		return err
	}
	return nil
}

// LimiterState returns the unfollow limiter's saved state (JSON; nil when
// none was saved).
func (s *Store) LimiterState() ([]byte, error) { return s.meta(metaRateLimit) }

// SetLimiterState saves the unfollow limiter's state (JSON).
func (s *Store) SetLimiterState(state []byte) error { return s.setMeta(metaRateLimit, state) }

// Sending is the target whose request went out last and whose answer was
// never recorded (0: none or unreadable): if a run died then, that request
// may have taken effect.
func (s *Store) Sending() uint64 {
	raw, err := s.meta(metaSending)
	if err != nil || len(raw) == 0 {
		return 0
	}
	seq, _ := strconv.ParseUint(string(raw), 10, 64)
	return seq
}

// GaveUp is the outage streak saved with the last result (RunState.GaveUp;
// 0: none or unreadable).
func (s *Store) GaveUp() int {
	raw, err := s.meta(metaGaveUp)
	if err != nil || len(raw) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(string(raw))
	return max(n, 0)
}

// Totals are the lifetime counts over every run of the queue.
type Totals struct {
	Sent        uint64 `json:"sent"`         // unfollow requests sent
	RateLimited uint64 `json:"rate_limited"` // window 429s answered
}

// Totals returns the lifetime counts (zero before the first run that sent
// anything).
func (s *Store) Totals() (Totals, error) {
	var t Totals
	raw, err := s.meta(metaTotals)
	if err != nil || len(raw) == 0 {
		return t, err
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return Totals{}, fmt.Errorf("read totals: %w", err)
	}
	return t, nil
}

// AddTotals adds a run's requests and 429s to the lifetime counts, in one
// transaction.
func (s *Store) AddTotals(sent, rateLimited int) error {
	err := s.update(func(tx *bbolt.Tx) error {
		var t Totals
		if raw := tx.Bucket(bMeta).Get([]byte(metaTotals)); len(raw) > 0 {
			if err := json.Unmarshal(raw, &t); err != nil {
				return err
			}
		}
		t.Sent += uint64(max(sent, 0))
		t.RateLimited += uint64(max(rateLimited, 0))
		raw, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return putMeta(tx, map[string][]byte{metaTotals: raw})
	})
	if err != nil {
		return fmt.Errorf("add totals: %w", err)
	}
	return nil
}

// LastSuccess returns when a run last did its work (zero: never).
func (s *Store) LastSuccess() (time.Time, error) {
	raw, err := s.meta(metaLastSuccess)
	if err != nil || len(raw) == 0 {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(raw))
	if err != nil {
		return time.Time{}, fmt.Errorf("read last success: %w", err)
	}
	return t, nil
}

// SetLastSuccess records when a run last did its work.
func (s *Store) SetLastSuccess(t time.Time) error {
	return s.setMeta(metaLastSuccess, []byte(t.UTC().Format(time.RFC3339Nano)))
}

// ReadWindows returns the read endpoints' saved limiter states (JSON; nil
// when none were saved).
func (s *Store) ReadWindows() ([]byte, error) { return s.meta(metaReadWindows) }

// SetReadWindows saves the read endpoints' limiter states (JSON).
func (s *Store) SetReadWindows(states []byte) error { return s.setMeta(metaReadWindows, states) }
