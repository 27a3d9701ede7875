package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// CountDecisions counts the rows of a sheet (CSV, or JSON Lines) whose
// decision is not empty: what writing a new sheet over it would lose. A
// file that is no sheet (no decision column) counts 0.
//
// It reads every form "bulkunfollow import" reads a sheet in: tab or ';'
// between fields, UTF-16 with a byte order mark, lines ended by a CR
// alone. It returns the rows counted up to an error too.
func CountDecisions(r io.Reader) (int, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); utf16Order(head) != nil {
		b, err := io.ReadAll(br)
		if err != nil {
			return 0, err
		}
		br = bufio.NewReader(bytes.NewReader(decodeUTF16(b, utf16Order(head))))
	}
	head, _ := br.Peek(3)
	if bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	if head, _ := br.Peek(4096); crOnly(head) {
		br = bufio.NewReader(crToLF{br})
	}
	// Told apart as Read tells them: '{' after any blank lines is JSON Lines.
	if first, _ := br.Peek(4096); bytes.HasPrefix(bytes.TrimLeft(first, " \t\r\n"), []byte("{")) {
		return countJSONL(br)
	}
	return countCSV(br)
}

func countJSONL(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	n := 0
	for sc.Scan() {
		var row map[string]any
		if json.Unmarshal(sc.Bytes(), &row) != nil {
			continue
		}
		for k, v := range row {
			if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(k), "decision") && strings.TrimSpace(s) != "" {
				n++
			}
		}
	}
	return n, sc.Err()
}

func countCSV(br *bufio.Reader) (int, error) {
	line, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	cr.Comma = separator(line)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	col := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), "decision") {
			col = i
		}
	}
	if col < 0 {
		return 0, nil
	}
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if col < len(rec) && strings.TrimSpace(rec[col]) != "" {
			n++
		}
	}
}
