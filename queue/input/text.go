package input

import (
	"bufio"
	"bytes"
	"io"
)

// readText reads one id, @handle or profile URL per line. Blank lines and
// everything from '#' to the end of a line are ignored.
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
		e, reason := parseValue(line, plainValue)
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
