package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// rec is a target as stored: compact, with the id as a number. The key of a
// record is its sequence number (8 bytes, big-endian), so bbolt keeps
// records in input order.
type rec struct {
	id       uint64 // meaningful only if hasID
	hasID    bool   // false while an @handle is unresolved; 0 is a valid id
	handle   string
	username string
	state    State
	attempts int
	reason   string
	last     *ErrorInfo
	added    int64 // Unix nanoseconds
	updated  int64 // 0 = never
	finished int64 // 0 = not finished
	// mayHaveTakenEffect: a request for this target may have reached the
	// server. Sticky: once set it is never cleared.
	mayHaveTakenEffect bool
	// protected: the list it was imported from marked the account
	// protected (schema 3).
	protected bool
}

// unresolved reports whether r is a pending @handle still awaiting an id.
func (r *rec) unresolved() bool { return r.state == Pending && !r.hasID }

// Record layouts, the first byte of a record. A version-1 record has one
// flags byte; version 2 (schema 3) has a second one after it, and is
// written only for a record that sets one of its bits, so a queue without
// such records stays readable by an older bulkunfollow.
const (
	recVersion  = 1
	recVersion2 = 2
)

// Flag bits of a record. fID and fMayHaveTakenEffect came with schema 2;
// a record without fID has an id if its id field is not 0 (schema 1
// never stored id 0).
const (
	fHandle = 1 << iota
	fUsername
	fReason
	fLast
	fUpdated
	fFinished
	fID
	fMayHaveTakenEffect
)

// Flag bits of the second flags byte (record version 2, schema 3).
const (
	f2Protected = 1 << iota
)

// schemaProtected is the schema of a file with a protected record.
const schemaProtected = 3

// schema returns the oldest schema whose readers read r right: a schema-1
// reader would take id 0 for an unresolved @handle and drop the
// may-have-taken-effect flag when it rewrote r; a schema-2 reader cannot
// read a version-2 record.
func (r *rec) schema() uint64 {
	switch {
	case r.protected:
		return schemaProtected
	case (r.hasID && r.id == 0) || r.mayHaveTakenEffect:
		return 2
	}
	return 1
}

// encode appends r's stored form to b. A freshly imported id costs 19 bytes.
func (r *rec) encode(b []byte) []byte {
	var flags byte
	if r.handle != "" {
		flags |= fHandle
	}
	if r.username != "" {
		flags |= fUsername
	}
	if r.reason != "" {
		flags |= fReason
	}
	if r.last != nil {
		flags |= fLast
	}
	if r.updated != 0 {
		flags |= fUpdated
	}
	if r.finished != 0 {
		flags |= fFinished
	}
	if r.hasID {
		flags |= fID
	}
	if r.mayHaveTakenEffect {
		flags |= fMayHaveTakenEffect
	}
	var flags2 byte
	if r.protected {
		flags2 |= f2Protected
	}
	if flags2 == 0 {
		b = append(b, recVersion, byte(r.state), flags)
	} else {
		b = append(b, recVersion2, byte(r.state), flags, flags2)
	}
	b = binary.BigEndian.AppendUint64(b, r.id)
	b = binary.AppendUvarint(b, uint64(r.attempts))
	b = binary.AppendVarint(b, r.added)
	if flags&fUpdated != 0 {
		b = binary.AppendVarint(b, r.updated)
	}
	if flags&fFinished != 0 {
		b = binary.AppendVarint(b, r.finished)
	}
	if flags&fHandle != 0 {
		b = appendString(b, r.handle)
	}
	if flags&fUsername != 0 {
		b = appendString(b, r.username)
	}
	if flags&fReason != 0 {
		b = appendString(b, r.reason)
	}
	if flags&fLast != 0 {
		b = binary.AppendUvarint(b, uint64(r.last.Status))
		b = appendString(b, r.last.Type)
		b = appendString(b, r.last.Title)
		b = appendString(b, r.last.Detail)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("corrupt target record")

// decodeRec parses a stored record. It copies everything it keeps: b may
// be bbolt's memory, valid only inside the transaction.
func decodeRec(b []byte) (rec, error) {
	var r rec
	head := 3 // version, state, flags
	if len(b) > 0 && b[0] == recVersion2 {
		head = 4 // and the second flags byte
	}
	if len(b) < head+8 || b[0] != recVersion && b[0] != recVersion2 {
		return r, errCorrupt
	}
	r.state = State(b[1])
	flags := b[2]
	if head == 4 {
		r.protected = b[3]&f2Protected != 0
	}
	r.id = binary.BigEndian.Uint64(b[head : head+8])
	r.hasID = flags&fID != 0 || r.id != 0
	r.mayHaveTakenEffect = flags&fMayHaveTakenEffect != 0
	d := decoder{b: b[head+8:]}
	r.attempts = int(d.uvarint())
	r.added = d.varint()
	if flags&fUpdated != 0 {
		r.updated = d.varint()
	}
	if flags&fFinished != 0 {
		r.finished = d.varint()
	}
	if flags&fHandle != 0 {
		r.handle = d.str()
	}
	if flags&fUsername != 0 {
		r.username = d.str()
	}
	if flags&fReason != 0 {
		r.reason = d.str()
	}
	if flags&fLast != 0 {
		r.last = &ErrorInfo{Status: int(d.uvarint()), Type: d.str(), Title: d.str(), Detail: d.str()}
	}
	if d.err || !r.state.valid() {
		return rec{}, errCorrupt
	}
	return r, nil
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// target converts a stored record to the exported form.
func (r *rec) target(seq uint64) Target {
	t := Target{
		Seq:      seq,
		Handle:   r.handle,
		Username: r.username,
		State:    r.state,
		Attempts: r.attempts,
		Reason:   r.reason,
		AddedAt:  fromNanos(r.added),

		MayHaveTakenEffect: r.mayHaveTakenEffect,
		Protected:          r.protected,
	}
	if r.hasID {
		t.ID = strconv.FormatUint(r.id, 10)
	}
	if r.last != nil {
		l := *r.last
		t.Last = &l
	}
	t.UpdatedAt = fromNanos(r.updated)
	t.FinishedAt = fromNanos(r.finished)
	return t
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nanos returns t as Unix nanoseconds, never 0 for a set time.
func nanos(t time.Time) int64 {
	n := t.UnixNano()
	if n == 0 {
		n = 1
	}
	return n
}

// seqKey is the 8-byte big-endian key of sequence number seq.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq) }

// idKey is the 8-byte big-endian key of an id: keys sort numerically.
func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id) }

// parseID parses a decimal id of 1–19 digits. 0 is an id like any other
// (X's own simulator has a user 0; the API's UserId is ^[0-9]{1,19}$):
// an id parsed here is present, whatever its value.
func parseID(s string) (uint64, error) {
	if len(s) == 0 || len(s) > 19 {
		return 0, fmt.Errorf("invalid id %q: want 1 to 19 digits", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("invalid id %q: want 1 to 19 digits", s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid id %q: want a number of 1 to 19 digits below 2^64", s)
	}
	return v, nil
}
