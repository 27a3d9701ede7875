package input

import (
	"bufio"
	"bytes"
	"io"
)

// readText reads one id, @handle or profile URL per line. Blank lines and
// everything from '#' to the end of a line are ignored. A value may be
// quoted and followed by a comma ("12", or '12',): the lines of a JSON or
// Python list pasted into a file, or jq output without -r.
func readText(br *bufio.Reader, s *sink, info *Info) error {
	lr := lineReader{r: br}
	defer func() { info.Lines = lr.line }()
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = trimSpace(line)
		if len(line) == 0 {
			continue
		}
		e, reason := parseValue(unquoteText(line), plainValue)
		if reason != "" {
			s.bad(lr.line, reason)
			continue
		}
		e.Line = lr.line
		if err := s.entry(e); err != nil {
			return err
		}
	}
}

// unquoteText removes one trailing comma and then one pair of matching
// double or single quotes around a text line's value.
func unquoteText(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == ',' {
		b = trimSpace(b[:n-1])
	}
	if n := len(b); n >= 2 && (b[0] == '"' || b[0] == '\'') && b[n-1] == b[0] {
		b = trimSpace(b[1 : n-1])
	}
	return b
}
