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
}

// unresolved reports whether r is a pending @handle still awaiting an id.
func (r *rec) unresolved() bool { return r.state == Pending && !r.hasID }

const recVersion = 1

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

// needsSchema2 reports whether a schema-1 reader would misread r: it
// would take id 0 for an unresolved @handle, and it would drop the
// may-have-taken-effect flag when it rewrote r.
func (r *rec) needsSchema2() bool { return (r.hasID && r.id == 0) || r.mayHaveTakenEffect }

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
	b = append(b, recVersion, byte(r.state), flags)
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
	d := decoder{b: b}
	var r rec
	if len(b) < 11 || b[0] != recVersion {
		return r, errCorrupt
	}
	r.state = State(b[1])
	flags := b[2]
	r.id = binary.BigEndian.Uint64(b[3:11])
	r.hasID = flags&fID != 0 || r.id != 0
	r.mayHaveTakenEffect = flags&fMayHaveTakenEffect != 0
	d.b = b[11:]
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
