package sheet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DecidedAt is the column that records when a row's decision was made
// (RFC 3339, UTC). "bulkunfollow review" adds it right after decision.
const DecidedAt = "decided_at"

// File is a sheet as read from a file, to be written back with decisions
// changed: its rows, and every cell (every key of a JSON Lines row) as
// the file has it, the columns it does not know included, so that a
// rewrite loses nothing. Read parses it; Decide changes a row's decision;
// Write writes it in the same format, column order and line endings, with
// a decided_at column right after decision (both added if missing).
type File struct {
	// Rows are the accounts, in the file's order. Write takes each row's
	// Decision from here; every other cell is written as it was read.
	Rows []Row

	format   Format
	utf16    binary.ByteOrder // UTF-16 text in this order; nil: UTF-8
	bom      bool
	crlf     bool
	crOnly   bool // lines end with a CR alone
	comma    rune
	header   []string // CSV: the columns as the file names them, decision and decided_at included
	decision int      // CSV: decision's index in header
	decided  int      // CSV: decided_at's index in header
	recs     []record
	lastPost bool // some row has a last_post_at
}

// record is what a row holds besides its Row: its cells as read.
type record struct {
	cells     []string   // CSV: one per header column (and any beyond it)
	pairs     []jsonPair // JSON Lines: every key and value, in the line's order
	decision  string     // the decision cell as read (its spelling, kept if unchanged)
	decidedAt time.Time
}

// jsonPair is one key of a JSON Lines row and its value as written.
type jsonPair struct {
	key   string
	value json.RawMessage
}

// Format is the file's format: CSV or JSONL.
func (f *File) Format() Format { return f.format }

// HasLastPost reports whether any row has a last_post_at value: without
// one the sheet was written without last-post dates, and a row's empty
// LastPostAt means "unknown", not "never posted".
func (f *File) HasLastPost() bool { return f.lastPost }

// DecidedAt is when row i's decision was made (zero: undecided, or the
// file did not say).
func (f *File) DecidedAt(i int) time.Time { return f.recs[i].decidedAt }

// Decide sets row i's decision to d (Unfollow, Keep, or "" for
// undecided) made at at. A decision that does not change keeps its
// decided_at; an undecided row has none.
func (f *File) Decide(i int, d string, at time.Time) error {
	if d != "" && d != Unfollow && d != Keep {
		return fmt.Errorf("decision %q: want %s, %s or empty", d, Unfollow, Keep)
	}
	if f.Rows[i].Decision == d {
		return nil
	}
	f.Rows[i].Decision = d
	if d == "" {
		f.recs[i].decidedAt = time.Time{}
	} else {
		f.recs[i].decidedAt = at.UTC().Truncate(time.Second)
	}
	return nil
}

// Counts counts the rows marked unfollow, keep, and undecided.
func (f *File) Counts() (unfollow, keep, undecided int) {
	for _, r := range f.Rows {
		switch r.Decision {
		case Unfollow:
			unfollow++
		case Keep:
			keep++
		default:
			undecided++
		}
	}
	return unfollow, keep, undecided
}

// Read reads a sheet, CSV or JSON Lines (told apart by the first
// character: '{' is JSON Lines), from r, named name in errors. It takes
// what a spreadsheet's re-save makes of a sheet: a UTF-8 byte-order mark,
// CRLF line endings or a CR alone, UTF-16 with a byte-order mark (Excel's
// "Unicode Text"), ';' (or tab) between fields, quoted fields with
// newlines, column names in any case and order, columns it does not know
// (kept), and missing columns (only id or username is needed); rows with
// no cell filled are dropped. Errors say NAME:LINE: reason.
func Read(r io.Reader, name string) (*File, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	f := &File{comma: ','}
	if head, _ := br.Peek(2); utf16Order(head) != nil {
		b, err := io.ReadAll(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		f.utf16 = utf16Order(head)
		br = bufio.NewReaderSize(bytes.NewReader(decodeUTF16(b, f.utf16)), 64<<10)
	}
	if head, _ := br.Peek(3); bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		f.bom = true
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(64 << 10)
	if crOnly(first) {
		f.crOnly = true
		br = bufio.NewReaderSize(crToLF{br}, 64<<10)
		first, _ = br.Peek(64 << 10)
	}
	line := first
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		f.crlf = i > 0 && line[i-1] == '\r'
		line = line[:i]
	}
	var err error
	if t := bytes.TrimLeft(first, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		f.format = JSONL
		err = f.readJSONL(br, name)
	} else {
		f.format = CSV
		f.comma = separator(line)
		err = f.readCSV(br, name)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// separator is the field separator a header line uses: ',' unless ';'
// or a tab is more frequent (a spreadsheet in a locale whose decimal
// comma makes it write ';').
func separator(header []byte) rune {
	comma, semi, tab := bytes.Count(header, []byte(",")), bytes.Count(header, []byte(";")), bytes.Count(header, []byte("\t"))
	switch {
	case semi > comma && semi >= tab:
		return ';'
	case tab > comma && tab > semi:
		return '\t'
	}
	return ','
}

// lineError is NAME:LINE: reason.
func lineError(name string, line int, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, a...))
}

func (f *File) readCSV(r io.Reader, name string) error {
	cr := csv.NewReader(r)
	cr.Comma = f.comma
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty file: want a header line naming the columns (%s)", name, strings.Join(Columns, ","))
	}
	if err != nil {
		return csvError(name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		if !known(key) {
			continue
		}
		if j, dup := col[key]; dup {
			return lineError(name, 1, "column %s appears twice (columns %d and %d)", key, j+1, i+1)
		}
		col[key] = i
	}
	if _, ok := col["id"]; !ok {
		if _, ok := col["username"]; !ok {
			return lineError(name, 1, "no id or username column: is this a sheet bulkunfollow following wrote? (columns: %s)", strings.Join(Columns, ","))
		}
	}
	// decision and decided_at: added (at the end, and right after
	// decision) when the file has none.
	var insert []int // where empty cells go into every row
	if _, ok := col["decision"]; !ok {
		col["decision"] = len(header)
		header = append(header, "decision")
		insert = append(insert, len(header)-1)
	}
	if _, ok := col[DecidedAt]; !ok {
		at := col["decision"] + 1
		header = slices.Insert(header, at, DecidedAt)
		for k, i := range col {
			if i >= at {
				col[k] = i + 1
			}
		}
		col[DecidedAt] = at
		insert = append(insert, at)
	}
	f.header, f.decision, f.decided = header, col["decision"], col[DecidedAt]
	width := len(header) - len(insert) // cells a row has before the insertions
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if !slices.ContainsFunc(cells, func(c string) bool { return strings.TrimSpace(c) != "" }) {
			continue
		}
		for len(cells) < width {
			cells = append(cells, "")
		}
		for _, at := range insert {
			cells = slices.Insert(cells, at, "")
		}
		cell := func(key string) string {
			if i, ok := col[key]; ok {
				return cells[i]
			}
			return ""
		}
		if err := f.add(name, line, record{cells: cells}, cell); err != nil {
			return err
		}
	}
}

// csvError is a CSV parse error as NAME:LINE: reason.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return lineError(name, pe.Line, "%v (a quote that opens a field must close it; a quote inside a quoted field is doubled)", pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// known reports whether key is one of the columns a File understands.
func known(key string) bool { return key == DecidedAt || slices.Contains(Columns, key) }

func (f *File) readJSONL(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		pairs, err := parseObject(text)
		if err != nil {
			return lineError(name, line, "not a JSON object: %v", err)
		}
		values := map[string]string{}
		dec, at := -1, -1
		for i, p := range pairs {
			key := strings.ToLower(strings.TrimSpace(p.key))
			if !known(key) {
				continue
			}
			if _, dup := values[key]; dup {
				return lineError(name, line, "key %s appears twice", key)
			}
			v, err := jsonCell(p.value)
			if err != nil {
				return lineError(name, line, "%s: %v", key, err)
			}
			values[key] = v
			switch key {
			case "decision":
				dec = i
			case DecidedAt:
				at = i
			}
		}
		if values["id"] == "" && values["username"] == "" {
			return lineError(name, line, "no id or username")
		}
		if dec < 0 {
			pairs = append(pairs, jsonPair{key: "decision", value: json.RawMessage(`""`)})
			dec = len(pairs) - 1
		}
		if at < 0 {
			pairs = slices.Insert(pairs, dec+1, jsonPair{key: DecidedAt, value: json.RawMessage("null")})
		}
		if err := f.add(name, line, record{pairs: pairs}, func(key string) string { return values[key] }); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return nil
}

// parseObject splits one JSON object into its keys and raw values, in
// order.
func parseObject(b []byte) ([]jsonPair, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("want a line {...}")
	}
	var pairs []jsonPair
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		pairs = append(pairs, jsonPair{key: key, value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more after the object")
	}
	return pairs, nil
}

// jsonCell is a JSON value as the cell text the CSV would hold: a string
// itself, a number or boolean its literal, null empty.
func jsonCell(v json.RawMessage) (string, error) {
	switch t := bytes.TrimSpace(v); {
	case len(t) > 0 && t[0] == '"':
		var s string
		err := json.Unmarshal(t, &s)
		return s, err
	case string(t) == "null":
		return "", nil
	case string(t) == "true", string(t) == "false":
		return string(t), nil
	case len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
		return string(t), nil
	}
	return "", errors.New("want a string, a number, true, false or null")
}

// add parses a row's cells (cell returns a known column's text) and
// appends it.
func (f *File) add(name string, line int, rec record, cell func(string) string) error {
	bad := func(col, why string) error { return lineError(name, line, "%s %.40q: %s", col, cell(col), why) }
	row := Row{
		ID: strings.TrimSpace(cell("id")), Username: strings.TrimPrefix(strings.TrimSpace(cell("username")), "@"),
		Name: cell("name"), VerifiedType: strings.ToLower(strings.TrimSpace(cell("verified_type"))),
		Description: cell("description"),
	}
	if row.ID == "" && row.Username == "" {
		return lineError(name, line, "no id or username")
	}
	for _, c := range []struct {
		col string
		n   *int
	}{{"followers_count", &row.Followers}, {"following_count", &row.Following}, {"post_count", &row.Posts}, {"listed_count", &row.Listed}} {
		n, ok := parseCount(cell(c.col))
		if !ok {
			return bad(c.col, "want a whole number, or nothing")
		}
		*c.n = n
	}
	var err error
	for _, c := range []struct {
		col string
		t   *time.Time
	}{{"created_at", &row.CreatedAt}, {"last_post_at", &row.LastPostAt}, {DecidedAt, &rec.decidedAt}} {
		if *c.t, err = parseTime(cell(c.col)); err != nil {
			return bad(c.col, "want a time as 2006-01-02T15:04:05Z (RFC 3339), or nothing")
		}
	}
	protected, err := parseTristate(cell("protected"))
	if err != nil {
		return bad("protected", err.Error())
	}
	row.Protected = protected == Yes
	if row.FollowsYou, err = parseTristate(cell("follows_you")); err != nil {
		return bad("follows_you", err.Error())
	}
	rec.decision = cell("decision")
	switch d := strings.ToLower(strings.TrimSpace(rec.decision)); d {
	case "", Unfollow, Keep:
		row.Decision = d
	default:
		return bad("decision", "want unfollow, keep, or nothing (undecided)")
	}
	if row.Decision == "" {
		rec.decidedAt = time.Time{}
	}
	f.lastPost = f.lastPost || !row.LastPostAt.IsZero()
	f.Rows = append(f.Rows, row)
	f.recs = append(f.recs, rec)
	return nil
}

// parseCount reads a count: digits (thousands separated by commas
// allowed), or nothing (-1: unknown).
func parseCount(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1, true
	}
	if groups := strings.Split(s, ","); len(groups) > 1 {
		for i, g := range groups {
			if (i == 0 && (len(g) == 0 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, false
			}
		}
		s = strings.Join(groups, "")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

// timeLayouts are the forms of a time a sheet may hold: RFC 3339 as
// written, and what spreadsheets turn it into (UTC assumed without a
// zone).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

func parseTristate(s string) (Tristate, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return Unknown, nil
	case "yes", "true", "1", "y":
		return Yes, nil
	case "no", "false", "0", "n":
		return No, nil
	}
	return Unknown, errors.New("want yes, no, or nothing")
}

// Write writes the file in its format, column order, line endings and
// encoding (and byte-order mark, if it had one): every cell as read, but each
// row's decision from Rows and its decided_at from Decide.
func (f *File) Write(w io.Writer) error {
	if f.utf16 != nil {
		var b bytes.Buffer
		if err := f.writeUTF8(&b); err != nil {
			return err
		}
		_, err := w.Write(encodeUTF16(b.Bytes(), f.utf16))
		return err
	}
	return f.writeUTF8(w)
}

// writeUTF8 is Write before any UTF-16 encoding.
func (f *File) writeUTF8(w io.Writer) error {
	if f.crOnly {
		w = lfToCR{w}
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	if f.bom {
		bw.WriteString("\xef\xbb\xbf")
	}
	var err error
	if f.format == JSONL {
		err = f.writeJSONL(bw)
	} else {
		err = f.writeCSV(bw)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// decisionCell is row i's decision as written: the cell as read when
// it still says the same, else the decision.
func (f *File) decisionCell(i int) string {
	if rec := f.recs[i]; strings.ToLower(strings.TrimSpace(rec.decision)) == f.Rows[i].Decision {
		return rec.decision
	}
	return f.Rows[i].Decision
}

// decidedAtCell is row i's decided_at as written ("" for none).
func (f *File) decidedAtCell(i int) string {
	if t := f.recs[i].decidedAt; !t.IsZero() {
		return t.Format(time.RFC3339)
	}
	return ""
}

func (f *File) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = f.comma, f.crlf
	if err := cw.Write(f.header); err != nil {
		return err
	}
	cells := make([]string, 0, len(f.header))
	for i, rec := range f.recs {
		cells = append(cells[:0], rec.cells...)
		cells[f.decision] = f.decisionCell(i)
		cells[f.decided] = f.decidedAtCell(i)
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (f *File) writeJSONL(w *bufio.Writer) error {
	eol := "\n"
	if f.crlf {
		eol = "\r\n"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	encode := func(v any) []byte {
		b.Reset()
		_ = enc.Encode(v) // strings only: cannot fail
		return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	for i, rec := range f.recs {
		w.WriteByte('{')
		for j, p := range rec.pairs {
			if j > 0 {
				w.WriteByte(',')
			}
			w.Write(encode(p.key))
			w.WriteByte(':')
			switch strings.ToLower(strings.TrimSpace(p.key)) {
			case "decision":
				w.Write(encode(f.decisionCell(i)))
			case DecidedAt:
				if at := f.decidedAtCell(i); at != "" {
					w.Write(encode(at))
				} else {
					w.WriteString("null")
				}
			default:
				w.Write(p.value)
			}
		}
		w.WriteByte('}')
		if _, err := w.WriteString(eol); err != nil {
			return err
		}
	}
	return nil
}
