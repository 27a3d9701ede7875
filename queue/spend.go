package queue

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"go.etcd.io/bbolt"
)

// Charge is the price of an answer that X bills, recorded as it arrives
// (in the result's transaction for an unfollow: Result.Run.Charge).
type Charge struct {
	Kind  string   // the price kind (package spend's names)
	Price int64    // micro-USD per resource
	IDs   []string // the resources billed: user ids (for an unfollow, the target)
	// OncePerDay bills each resource at most once per Kind and UTC Day,
	// as X does for reads: one already charged that day is free.
	OncePerDay bool
	Day        string // the answer's UTC day, YYYY-MM-DD (with OncePerDay)
	// Refund takes back an earlier charge of the same Kind, Price and IDs
	// (an unfollow charged when sent, whose answer says X billed nothing).
	Refund bool
}

// Spend is what a queue's job has been charged, over every run.
type Spend struct {
	MicroUSD int64                // the total
	Kinds    map[string]KindSpend // per price kind
}

// KindSpend is the spend of one price kind.
type KindSpend struct {
	Count    int   `json:"count"`     // resources billed
	MicroUSD int64 `json:"micro_usd"` // their price
}

// spendJSON is Spend as stored (meta key metaSpend).
type spendJSON struct {
	MicroUSD int64                `json:"micro_usd"`
	Kinds    map[string]KindSpend `json:"kinds,omitzero"`
}

// Spent returns what the job has been charged (zero before any charge).
func (s *Store) Spent() (Spend, error) {
	var sp Spend
	err := s.view(func(tx *bbolt.Tx) (err error) {
		sp, err = readSpend(tx)
		return err
	})
	return sp, err
}

// AddCharge records c in its own transaction and returns what it added
// (micro-USD; negative for a refund).
func (s *Store) AddCharge(c Charge) (int64, error) {
	var added int64
	err := s.update(func(tx *bbolt.Tx) (err error) {
		added, err = c.put(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record spend: %w", err)
	}
	return added, nil
}

func readSpend(tx *bbolt.Tx) (Spend, error) {
	sp := Spend{Kinds: map[string]KindSpend{}}
	raw := tx.Bucket(bMeta).Get([]byte(metaSpend))
	if len(raw) == 0 {
		return sp, nil
	}
	var j spendJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return Spend{}, fmt.Errorf("read spend: %w", err)
	}
	sp.MicroUSD = j.MicroUSD
	maps.Copy(sp.Kinds, j.Kinds)
	return sp, nil
}

// put adds c to the spend in tx and returns what it added. With
// OncePerDay, the ledger of resources billed on c.Day (bucket bBilled,
// emptied when the day changes) decides which resources are due.
func (c Charge) put(tx *bbolt.Tx) (int64, error) {
	if c.Kind == "" || c.Price < 0 {
		return 0, fmt.Errorf("charge: kind %q, price %d", c.Kind, c.Price)
	}
	due := c.IDs
	if c.OncePerDay && !c.Refund {
		var err error
		if due, err = c.due(tx); err != nil {
			return 0, err
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	sp, err := readSpend(tx)
	if err != nil {
		return 0, err
	}
	n, amount := len(due), c.Price*int64(len(due))
	if c.Refund {
		n, amount = -n, -amount
	}
	k := sp.Kinds[c.Kind]
	k.Count, k.MicroUSD = max(k.Count+n, 0), max(k.MicroUSD+amount, 0)
	sp.Kinds[c.Kind] = k
	sp.MicroUSD = max(sp.MicroUSD+amount, 0)
	raw, err := json.Marshal(spendJSON(sp))
	if err != nil {
		return 0, err
	}
	return amount, putMeta(tx, map[string][]byte{metaSpend: raw})
}

// due returns c's resources not yet billed as c.Kind on c.Day, and
// records them billed.
func (c Charge) due(tx *bbolt.Tx) ([]string, error) {
	if c.Day == "" {
		return nil, fmt.Errorf("charge %s once per day without a day", c.Kind)
	}
	meta := tx.Bucket(bMeta)
	if string(meta.Get([]byte(metaBilledDay))) != c.Day {
		// A new UTC day: what was billed before is due again.
		if tx.Bucket(bBilled) != nil {
			if err := tx.DeleteBucket(bBilled); err != nil {
				return nil, err
			}
		}
		if err := putMeta(tx, map[string][]byte{metaBilledDay: []byte(c.Day)}); err != nil {
			return nil, err
		}
	}
	b, err := tx.CreateBucketIfNotExists(bBilled)
	if err != nil {
		return nil, err
	}
	var due []string
	for _, id := range slices.Compact(slices.Sorted(slices.Values(c.IDs))) {
		key := append([]byte(c.Kind+"\x00"), id...)
		if b.Get(key) != nil {
			continue
		}
		if err := b.Put(key, empty); err != nil {
			return nil, err
		}
		due = append(due, id)
	}
	return due, nil
}

// bBilled is the ledger of resources billed once per day (kind NUL id →
// ""), for the UTC day in meta key metaBilledDay. Created by the first
// such charge; older queues lack it.
var bBilled = []byte("billed")

// Unbilled counts the ids not yet billed as kind on day (the once-per-day
// ledger): what a read of them would still be charged for.
func (s *Store) Unbilled(kind, day string, ids []string) int {
	n := len(ids)
	_ = s.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bBilled)
		if b == nil || string(tx.Bucket(bMeta).Get([]byte(metaBilledDay))) != day {
			return nil
		}
		n = 0
		for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			if b.Get(append([]byte(kind+"\x00"), id...)) == nil {
				n++
			}
		}
		return nil
	})
	return n
}
