package input

import (
	"bufio"
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Column names, normalised by normName, in order of preference. A target
// column wins over a generic one: in a log with user_id (who) and
// target_user_id (whom), the target is the account to unfollow. rest_id
// beats id: in X's GraphQL user objects (saved by browser tools) "id" is
// an opaque base64 key and "rest_id" the account id.
var (
	idColumns     = []string{"targetuserid", "targetid", "restid", "id", "userid", "accountid", "idstr", "twitterid", "twitteruserid", "xid", "useridstr"}
	handleColumns = []string{"targetusername", "username", "screenname", "handle", "twitterhandle", "xhandle"}
	urlColumns    = []string{"userlink", "profileurl", "url", "link", "profile"}
)

// normName folds a header cell for matching: lower case, without spaces,
// underscores, hyphens and dots ("User ID", "user_id" and "userId" match).
func normName(b []byte) string {
	var sb strings.Builder
	for _, c := range trimSpace(b) {
		switch {
		case c == ' ' || c == '_' || c == '-' || c == '.':
		case c >= 'A' && c <= 'Z':
			sb.WriteByte(c + 'a' - 'A')
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// csvColumns picks the columns to read from a header row. ok is false when
// no cell names a known column.
type csvColumns struct {
	id, handle int // -1 when absent
	idKind     valueKind
	// A review sheet's columns (-1 when absent): the person's decision
	// and whether the account is protected.
	decision, protected int
}

// single reports whether a row is read from its id cell alone, so an
// unquoted line can take the fast path.
func (c csvColumns) single() bool { return c.handle < 0 && c.decision < 0 && c.protected < 0 }

func pickColumns(cells [][]byte) (csvColumns, bool) {
	names := make([]string, len(cells))
	for i, c := range cells {
		names[i] = normName(c)
	}
	find := func(list []string) int {
		for _, want := range list {
			for i, n := range names {
				if n == want {
					return i
				}
			}
		}
		return -1
	}
	cols := csvColumns{id: find(idColumns), handle: find(handleColumns),
		decision: find([]string{decisionColumn}), protected: find([]string{protectedColumn})}
	switch {
	case cols.id >= 0:
	case cols.handle >= 0:
		cols.id, cols.handle, cols.idKind = cols.handle, -1, handleValue
	default:
		if cols.id = find(urlColumns); cols.id < 0 {
			return noColumns, false
		}
	}
	return cols, true
}

// noColumns reads the first column of a list without a (known) header.
var noColumns = csvColumns{id: 0, handle: -1, decision: -1, protected: -1}

// isHeaderRow reports whether a first row is a header: it names a known
// column, or all its non-empty cells are words that are not ids, handles or
// URLs.
func isHeaderRow(cells [][]byte) bool {
	if _, ok := pickColumns(cells); ok {
		return true
	}
	words := 0
	for _, c := range cells {
		c = trimSpace(c)
		if len(c) == 0 {
			continue
		}
		if !isHeaderWord(c) {
			return false
		}
		words++
	}
	return words > 0
}

func isHeaderWord(c []byte) bool {
	switch c[0] {
	case '@', '+', '-', '.', '=', '"':
		return false
	}
	if c[0] >= '0' && c[0] <= '9' || hasURLPrefix(string(c)) {
		return false
	}
	letter := false
	for _, b := range c {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80 {
			letter = true
			break
		}
	}
	return letter
}

// csvDelimiter guesses the separator of a CSV line: the most frequent of
// ',', ';' and tab outside quotes, or 0 when there is none.
func csvDelimiter(line []byte) byte {
	var n [3]int
	in := false
	for _, c := range line {
		switch c {
		case '"':
			in = !in
		case ',':
			if !in {
				n[0]++
			}
		case ';':
			if !in {
				n[1]++
			}
		case '\t':
			if !in {
				n[2]++
			}
		}
	}
	best, d := 0, byte(0)
	for i, c := range []byte{',', ';', '\t'} {
		if n[i] > best {
			best, d = n[i], c
		}
	}
	return d
}

func splitSimple(line []byte, comma byte) [][]byte {
	return bytes.Split(line, []byte{comma})
}

// csvRecord holds one parsed record (slow path) in a reused buffer.
type csvRecord struct {
	buf  []byte
	ends []int
}

func (r *csvRecord) n() int { return len(r.ends) }

func (r *csvRecord) field(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

func (r *csvRecord) cells() [][]byte {
	out := make([][]byte, r.n())
	for i := range out {
		out[i] = r.field(i)
	}
	return out
}

// parse reads one record that starts with line, following quoted fields
// across line breaks. A bad record (text after a closing quote) returns a
// non-empty reason; a quote that never closes is a *structError.
func (r *csvRecord) parse(lr *lineReader, line []byte, comma byte) (reason string, err error) {
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	start := lr.line
	pos := 0
	for {
		i := pos
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' && comma != '\t') {
			i++
		}
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					r.buf = append(r.buf, line[i:]...)
					r.buf = append(r.buf, '\n')
					if len(r.buf) > MaxLineBytes {
						return "", &structError{start, "quoted field longer than 1 MiB: a quote opened on line " + strconv.Itoa(start) + " does not close"}
					}
					next, err := lr.next()
					if err == io.EOF {
						return "", &structError{start, "unterminated quoted field: the quote opened on line " + strconv.Itoa(start) + " never closes"}
					}
					if err != nil {
						return "", err
					}
					line, i = next, 0
					continue
				}
				r.buf = append(r.buf, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					r.buf = append(r.buf, '"')
					i++
					continue
				}
				break
			}
			k := bytes.IndexByte(line[i:], comma)
			rest := line[i:]
			if k >= 0 {
				rest = line[i : i+k]
			}
			if len(trimSpace(rest)) != 0 && reason == "" {
				reason = "text after a closing quote: " + quote(string(rest))
			}
			r.ends = append(r.ends, len(r.buf))
			if k < 0 {
				return reason, nil
			}
			pos = i + k + 1
			continue
		}
		k := bytes.IndexByte(line[pos:], comma)
		if k < 0 {
			r.buf = append(r.buf, line[pos:]...)
			r.ends = append(r.ends, len(r.buf))
			return reason, nil
		}
		r.buf = append(r.buf, line[pos:pos+k]...)
		r.ends = append(r.ends, len(r.buf))
		pos += k + 1
	}
}

// nthField returns field k of an unquoted line.
func nthField(line []byte, comma byte, k int) ([]byte, bool) {
	for ; k > 0; k-- {
		i := bytes.IndexByte(line, comma)
		if i < 0 {
			return nil, false
		}
		line = line[i+1:]
	}
	if i := bytes.IndexByte(line, comma); i >= 0 {
		line = line[:i]
	}
	return line, true
}

func readCSV(br *bufio.Reader, name string, s *sink, info *Info) error {
	lr := lineReader{r: br}
	defer func() { info.Lines = lr.line }()
	var comma byte
	if strings.EqualFold(filepath.Ext(name), ".tsv") {
		comma = '\t'
	}
	cols := noColumns
	var rec csvRecord
	first, sawSep := true, false
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		t := trimSpace(line)
		if len(t) == 0 || t[0] == '#' && s.decided <= 0 {
			// In a review sheet a row may start with '#' (a name such
			// as "#1 fan" in the first column): it is a row, not a comment.
			continue
		}
		lineNo := lr.line
		if first && !sawSep && len(t) >= 4 && len(t) <= 5 && strings.EqualFold(string(t[:4]), "sep=") {
			// Excel's separator hint: "sep=;" (or "sep=" and a tab, which
			// trimming took away).
			if len(t) == 5 {
				sawSep, comma = true, t[4]
				continue
			}
			if bytes.Contains(bytes.ToLower(line), []byte("sep=\t")) {
				sawSep, comma = true, '\t'
				continue
			}
		}
		if first {
			first = false
			if comma == 0 {
				if comma = csvDelimiter(line); comma == 0 {
					comma = ','
				}
			}
			info.Comma = rune(comma)
			reason, err := rec.parse(&lr, line, comma)
			if err != nil {
				return err
			}
			cells := rec.cells()
			if reason == "" && isHeaderRow(cells) {
				var named bool
				if cols, named = pickColumns(cells); !named && slices.ContainsFunc(cells, func(c []byte) bool { return normName(c) == decisionColumn }) {
					// A review sheet without its account columns: its
					// first column (a count, a name) is no account.
					return &structError{lineNo, "a decision column but no id or username column: put back the id column (or username) this sheet had, or import the sheet as bulkunfollow following wrote it"}
				}
				info.Header = make([]string, len(cells))
				for i, c := range cells {
					info.Header[i] = string(trimSpace(c))
				}
				info.Column = info.Header[cols.id]
				if cols.decision >= 0 {
					s.decided = 1
				}
				continue
			}
			if err := csvRow(s, &rec, lineNo, reason, cols, comma, info); err != nil {
				return err
			}
			continue
		}
		if cols.single() && bytes.IndexByte(line, '"') < 0 {
			// Fast path: an unquoted line whose id cell is all it needs.
			cell, ok := nthField(line, comma, cols.id)
			if ok {
				if e, reason := parseValue(cell, cols.idKind); reason == "" {
					e.Line = lineNo
					if err := s.entry(e); err != nil {
						return err
					}
					continue
				}
			}
		}
		reason, err := rec.parse(&lr, line, comma)
		if err != nil {
			return err
		}
		if err := csvRow(s, &rec, lineNo, reason, cols, comma, info); err != nil {
			return err
		}
	}
}

// csvRow handles one parsed record (slow path).
func csvRow(s *sink, rec *csvRecord, line int, reason string, cols csvColumns, comma byte, info *Info) error {
	if reason != "" {
		s.bad(line, reason)
		return nil
	}
	empty := true
	for i := 0; i < rec.n(); i++ {
		if len(trimSpace(rec.field(i))) != 0 {
			empty = false
			break
		}
	}
	if empty {
		return nil
	}
	if cols.id >= rec.n() {
		s.bad(line, "row has "+strconv.Itoa(rec.n())+" "+plural(rec.n(), "field", "fields")+"; the "+columnName(cols.id, info)+" is missing")
		return nil
	}
	cell := trimSpace(rec.field(cols.id))
	kind := cols.idKind
	if len(cell) == 0 && cols.handle >= 0 && cols.handle < rec.n() && len(trimSpace(rec.field(cols.handle))) > 0 {
		cell, kind = rec.field(cols.handle), handleValue
	}
	e, reason := parseValue(cell, kind)
	if reason != "" && cols.decision >= 0 && kind != handleValue && isScientific(strings.TrimLeft(string(trimSpace(cell)), "+")) {
		// A review sheet whose ids a spreadsheet rounded: the row's
		// username still names the account (looked up at the run).
		if name := usernameOf(cellAt(rec, cols.handle)); name != "" {
			e, reason = Entry{Handle: name, ByUsername: true}, ""
		}
	}
	if reason != "" {
		if len(cell) == 0 {
			reason = "empty " + columnName(cols.id, info) + ": expected an id (1–19 digits) or @handle"
		}
		s.bad(line, reason)
		return nil
	}
	// A review sheet's other columns.
	if cols.decision >= 0 {
		if e.Decision, reason = parseDecision(cellAt(rec, cols.decision)); reason != "" {
			s.bad(line, reason)
			return nil
		}
	}
	e.Protected = parseProtected(cellAt(rec, cols.protected))
	if e.ID != 0 {
		e.Username = usernameOf(cellAt(rec, cols.handle))
	}
	e.Line = line
	return s.entry(e)
}

// usernameOf reads the username written beside an id ("jack", "@jack", a
// profile URL), or returns "" when there is none or it is not one: it
// only names the account.
// cellAt is field i of rec; nil when the row has no such field (a row cut
// short by a tool that drops trailing empty cells has them empty).
func cellAt(rec *csvRecord, i int) []byte {
	if i < 0 || i >= rec.n() {
		return nil
	}
	return rec.field(i)
}

func usernameOf(b []byte) string {
	if len(trimSpace(b)) == 0 {
		return ""
	}
	if u, reason := parseValue(b, handleValue); reason == "" {
		return u.Handle
	}
	return ""
}

func columnName(i int, info *Info) string {
	if info.Header != nil {
		return "column " + strconv.Itoa(i+1) + " (" + strconv.Quote(info.Header[i]) + ")"
	}
	return "column " + strconv.Itoa(i+1)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
