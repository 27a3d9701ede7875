package input

import (
	"bufio"
	"io"
	"strconv"
)

// MaxLineBytes bounds one line (one CSV record) so that a file without line
// breaks, or with a quote that never closes, cannot exhaust memory.
const MaxLineBytes = 1 << 20

// lineReader yields physical lines without their line break, counting them.
// A line is valid until the next call.
type lineReader struct {
	r    *bufio.Reader
	line int // number of the line last returned
	long []byte
}

// next returns the next line with "\n" and a trailing "\r" removed. At the end
// of input it returns io.EOF (a last line without a line break is returned
// first, with a nil error).
func (lr *lineReader) next() ([]byte, error) {
	b, err := lr.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], b...)
		for err == bufio.ErrBufferFull && len(lr.long) <= MaxLineBytes {
			b, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, b...)
		}
		if len(lr.long) > MaxLineBytes {
			return nil, &structError{lr.line + 1, "line longer than " + strconv.Itoa(MaxLineBytes>>20) + " MiB: not a list of ids"}
		}
		b = lr.long
	}
	if err != nil {
		if err != io.EOF || len(b) == 0 {
			return nil, err
		}
	}
	lr.line++
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		n--
		if n > 0 && b[n-1] == '\r' {
			n--
		}
	}
	b = b[:n]
	if lr.line == 1 {
		b = trimBOM(b)
	}
	return b, nil
}
