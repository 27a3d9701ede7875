package sheet

import (
	"bytes"
	"encoding/binary"
	"io"
	"unicode/utf16"
)

// The forms of text a spreadsheet may save a sheet in besides UTF-8 with
// LF or CRLF line ends, which "bulkunfollow import" reads too: UTF-16
// with a byte order mark (Excel's "Unicode Text") and lines ended by a
// CR alone (Excel for Mac's "CSV (Macintosh)").

// utf16Order is the byte order of UTF-16 text that head, a file's first
// bytes, starts with the byte order mark of; nil for any other text.
func utf16Order(head []byte) binary.ByteOrder {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return binary.LittleEndian
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return binary.BigEndian
	}
	return nil
}

// decodeUTF16 is b, UTF-16 in order o after its byte order mark, as
// UTF-8; an odd last byte is dropped.
func decodeUTF16(b []byte, o binary.ByteOrder) []byte {
	b = b[2:]
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = o.Uint16(b[2*i:])
	}
	return []byte(string(utf16.Decode(units)))
}

// encodeUTF16 is UTF-8 text b as UTF-16 in order o, with a byte order
// mark (decodeUTF16 undone).
func encodeUTF16(b []byte, o binary.ByteOrder) []byte {
	units := utf16.Encode([]rune(string(b)))
	out := make([]byte, 2+2*len(units))
	o.PutUint16(out, 0xFEFF)
	for i, u := range units {
		o.PutUint16(out[2+2*i:], u)
	}
	return out
}

// crOnly reports whether head, the start of a text, ends its lines with a
// CR alone.
func crOnly(head []byte) bool {
	return bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0
}

// crToLF reads r with every CR turned into LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// lfToCR writes to w with every LF turned into CR (crToLF undone).
type lfToCR struct{ w io.Writer }

func (c lfToCR) Write(p []byte) (int, error) {
	return c.w.Write(bytes.ReplaceAll(p, []byte{'\n'}, []byte{'\r'}))
}
