package input

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Encodings Read decodes, as reported in Info.Encoding ("" is UTF-8, read
// as it is).
const (
	UTF16LE = "UTF-16LE"
	UTF16BE = "UTF-16BE"
)

// prepare looks at the start of an input for what no parser can read as
// it is, before the format is detected:
//   - UTF-16 with a byte order mark (Excel's "Unicode Text", Notepad's
//     "Unicode") is decoded to UTF-8 on the fly;
//   - old Mac line ends (CR only: Excel for Mac's "CSV (Macintosh)") are
//     turned into LF, so that lines are lines;
//   - a binary file (an .xlsx/.xls workbook, the X archive's .zip, gzip,
//     PDF) or UTF-16 without a byte order mark is refused with a reason
//     that says what to do, as a *structError at line 1.
//
// It returns the reader to parse and the encoding it decoded.
func prepare(br *bufio.Reader) (*bufio.Reader, string, error) {
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", err
	}
	enc := ""
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		be := head[0] == 0xFE
		enc = UTF16LE
		if be {
			enc = UTF16BE
		}
		br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br, be: be, pending: -1}, 64<<10)
		if head, err = br.Peek(sniffSize); err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, "", err
		}
	default:
		if reason := binaryReason(head); reason != "" {
			return nil, "", &structError{1, reason}
		}
	}
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		br = bufio.NewReaderSize(crReader{br}, 64<<10)
	}
	return br, enc, nil
}

// binaryReason explains why head is the start of a file no format reads,
// or returns "".
func binaryReason(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return "this is a ZIP file (an Excel .xlsx/.ods workbook, or the X archive itself): save the sheet as \"CSV UTF-8\", or unzip the archive and import data/following.js"
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "this is an Excel .xls workbook: save it as \"CSV UTF-8\" and import the CSV"
	case bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return "this file is gzip-compressed: decompress it first (gunzip, or zcat FILE | bulkunfollow import -)"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "this is a PDF document, not a list: export the list as CSV or text"
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return "this is an SQLite database, not a list: export the ids as CSV or text"
	}
	// A few NUL bytes are bad values on their lines; many of them mean
	// the file is not text at all.
	sample := head[:min(len(head), 4096)]
	nul := bytes.Count(sample, []byte{0})
	if nul == 0 || nul*8 < len(sample) {
		return ""
	}
	// UTF-16 without a byte order mark: ASCII text has a NUL in every
	// other byte.
	odd, even := 0, 0
	for i, c := range sample {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	if odd*10 >= len(sample)/2*9 || even*10 >= len(sample)/2*9 {
		return "this file looks like UTF-16 without a byte order mark: save it as UTF-8 (Excel: \"CSV UTF-8\"; Notepad: Save as, Encoding UTF-8)"
	}
	return "this is a binary file, not a list of ids: export the list as CSV, text or JSON"
}

// utf16Reader decodes UTF-16 (after its byte order mark) to UTF-8.
// Unpaired surrogates and an odd last byte become U+FFFD.
type utf16Reader struct {
	r       *bufio.Reader
	be      bool
	pending int32 // a code unit read ahead, or -1
	out     []byte
	buf     []byte
	err     error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// unit reads one code unit.
func (u *utf16Reader) unit() (rune, error) {
	if u.pending >= 0 {
		c := u.pending
		u.pending = -1
		return c, nil
	}
	a, err := u.r.ReadByte()
	if err != nil {
		return 0, err
	}
	b, err := u.r.ReadByte()
	if err == io.EOF {
		return utf8.RuneError, io.ErrUnexpectedEOF
	}
	if err != nil {
		return 0, err
	}
	if u.be {
		return rune(a)<<8 | rune(b), nil
	}
	return rune(b)<<8 | rune(a), nil
}

func (u *utf16Reader) fill() {
	buf := u.buf[:0]
	for len(buf) < 4096 {
		r, err := u.unit()
		if err == io.ErrUnexpectedEOF {
			buf, err = utf8.AppendRune(buf, utf8.RuneError), io.EOF
		}
		if err != nil {
			u.err = err
			break
		}
		if utf16.IsSurrogate(r) {
			lo := rune(-1)
			if r < 0xDC00 {
				if lo, err = u.unit(); err != nil {
					lo = -1
					if err != io.EOF && err != io.ErrUnexpectedEOF {
						u.err = err
					}
				}
			}
			if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
				r = d
			} else {
				r = utf8.RuneError
				if lo >= 0 {
					u.pending = int32(lo) // not a low half: read it on its own
				}
			}
		}
		buf = utf8.AppendRune(buf, r)
	}
	u.buf, u.out = buf, buf
	if len(buf) == 0 && u.err == nil {
		u.err = io.EOF
	}
}

// crReader turns every CR into LF (a file with old Mac line ends).
type crReader struct{ r io.Reader }

func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
