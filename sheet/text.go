package sheet

import (
	"bytes"
	"io"
	"unicode/utf16"
)

// The forms of text a spreadsheet may save a sheet in besides UTF-8 with
// LF or CRLF line ends, which "bulkunfollow import" reads too: UTF-16
// with a byte order mark (Excel's "Unicode Text") and lines ended by a
// CR alone (Excel for Mac's "CSV (Macintosh)").

// isUTF16 reports whether head, a file's first bytes, is the byte order
// mark of UTF-16.
func isUTF16(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
}

// decodeUTF16 is b, UTF-16 after its byte order mark, as UTF-8; an odd
// last byte is dropped.
func decodeUTF16(b []byte) []byte {
	be := b[0] == 0xFE
	b = b[2:]
	units := make([]uint16, len(b)/2)
	for i := range units {
		if be {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(units)))
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
