package input

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Format names an input format. The zero value means "detect".
type Format string

// The formats Read understands.
const (
	Auto    Format = ""        // detect from the file name, then the content
	CSV     Format = "csv"     // comma, semicolon or tab separated; header optional
	Text    Format = "text"    // one id or @handle per line, # comments
	JSON    Format = "json"    // array of values/objects, or {"data":[...]}
	JSONL   Format = "jsonl"   // one JSON string, number or object per line
	Archive Format = "archive" // the X archive's following.js (window.YTD.x.part0 = [...])
)

// Formats lists the concrete formats, for help texts.
var Formats = []Format{CSV, Text, JSON, JSONL, Archive}

// ParseFormat turns a --format value into a Format. It accepts the format
// names and the aliases auto, tsv, txt, plain, ndjson, js and following.js.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Auto, nil
	case "csv", "tsv":
		return CSV, nil
	case "text", "txt", "plain":
		return Text, nil
	case "json":
		return JSON, nil
	case "jsonl", "ndjson", "json-lines", "jsonlines":
		return JSONL, nil
	case "archive", "js", "following.js":
		return Archive, nil
	}
	return "", fmt.Errorf("parse format: unknown format %q (want auto, csv, text, json, jsonl or archive)", s)
}

// String returns the format's name ("auto" for the zero value).
func (f Format) String() string {
	if f == Auto {
		return "auto"
	}
	return string(f)
}

// Entry is one valid target read from an input. Exactly one of ID (> 0) and
// Handle (without '@', 1–15 of [A-Za-z0-9_]) is set.
type Entry struct {
	// Line is the 1-based line the entry starts on. For JSON it is the line
	// where the id (or handle) value starts.
	Line   int
	ID     uint64
	Handle string
	// Username is the username the same row (or object) gives beside the
	// id, in a username column such as a review sheet's: it names the
	// account, the id stays what identifies it. "" when the row has none,
	// and always for a Handle entry.
	Username string
	// Protected: the row's protected column (or key) says yes (yes, y,
	// true or 1): the account's posts are protected.
	Protected bool
	// Decision is the row's decision column (or key): NoDecision when the
	// list has none, else what the person wrote.
	Decision Decision
	// ByUsername: a review sheet's row whose id a spreadsheet turned into
	// scientific notation (its digits lost) names its account by the
	// row's username instead: the entry is that Handle.
	ByUsername bool
}

// Key identifies the account an entry names: the decimal id ("123456") or
// "@" and the handle in lower case ("@jack"). X usernames compare without
// regard to case, so @Jack and @jack share a key.
func (e Entry) Key() string {
	if e.Handle != "" {
		return "@" + strings.ToLower(e.Handle)
	}
	return strconv.FormatUint(e.ID, 10)
}

// String returns the entry as written in a list: the id or "@handle".
func (e Entry) String() string {
	if e.Handle != "" {
		return "@" + e.Handle
	}
	return strconv.FormatUint(e.ID, 10)
}

// LineError is one bad entry, or the structural problem (broken JSON, an
// unterminated quote) that stopped reading.
type LineError struct {
	File   string
	Line   int // 1-based; 0 when the problem has no line
	Reason string
}

func (e LineError) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Reason
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Reason
}

// InvalidError reports the bad entries of one input. Errors holds the first
// Options.MaxErrors of them in file order; Total counts all of them.
type InvalidError struct {
	File   string
	Errors []LineError
	Total  int
	// Stopped is true when a structural error ended reading early (it is the
	// last element of Errors, or was counted in Total if Errors was full).
	Stopped bool
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	if e.Total == 1 {
		b.WriteString("read " + e.File + ": 1 invalid entry")
	} else {
		fmt.Fprintf(&b, "read %s: %d invalid entries", e.File, e.Total)
	}
	if len(e.Errors) > 0 {
		b.WriteString(" (first: " + e.Errors[0].Error() + ")")
	}
	return b.String()
}

// Unwrap exposes the kept line errors to errors.As.
func (e *InvalidError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i := range e.Errors {
		errs[i] = e.Errors[i]
	}
	return errs
}

// DefaultMaxErrors is how many line errors Read keeps when Options.MaxErrors is 0.
const DefaultMaxErrors = 100

// Options tune Read.
type Options struct {
	// MaxErrors is how many LineErrors InvalidError keeps; the rest are only
	// counted. 0 means DefaultMaxErrors; a negative value keeps all.
	MaxErrors int
}

// Info describes what ReadInfo read.
type Info struct {
	Format   Format   // the format used (detected or given)
	Encoding string   // "" (UTF-8), or UTF16LE/UTF16BE when decoded from UTF-16 with a byte order mark
	Comma    rune     // CSV: the field separator used
	Header   []string // CSV: the header row, nil when the file has none
	Column   string   // CSV: header name of the column read ("" without a header)
	Lines    int      // lines read
	Entries  int      // valid entries passed to fn
	Invalid  int      // bad entries (InvalidError.Total)
	// Decisions: the list has a decision column (a CSV header cell, or a
	// key of its first JSON object, named "decision"), so every Entry
	// carries a Decision other than NoDecision.
	Decisions bool
}

// Read streams every valid entry of r to fn, in file order. name is used in
// messages and for format detection by extension. Bad entries do not stop
// reading: Read returns *InvalidError after the whole input is read (or at a
// structural error, which is reported as its last LineError). fn's error
// aborts reading and is returned as is. I/O errors are returned wrapped.
//
// An empty input, or one with only a header or comments, is not an error:
// fn is simply never called. ReadInfo tells the cases apart.
//
// Read keeps no state between calls; it is safe to call concurrently.
func Read(r io.Reader, name string, f Format, opts Options, fn func(Entry) error) error {
	_, err := ReadInfo(r, name, f, opts, fn)
	return err
}

// ReadInfo is Read that also reports the format, header and counts.
func ReadInfo(r io.Reader, name string, f Format, opts Options, fn func(Entry) error) (Info, error) {
	max := opts.MaxErrors
	if max == 0 {
		max = DefaultMaxErrors
	}
	s := &sink{file: name, fn: fn, max: max}
	info := Info{Format: f}
	br, enc, err := prepare(bufio.NewReaderSize(r, 64<<10))
	var se *structError
	if errors.As(err, &se) {
		s.bad(se.line, se.reason)
		s.stopped = true
		info.Invalid = s.total
		return info, &InvalidError{File: name, Errors: s.errs, Total: s.total, Stopped: true}
	}
	if err != nil {
		return info, fmt.Errorf("read %s: %w", name, err)
	}
	info.Encoding = enc
	if f == Auto {
		var err error
		if info.Format, err = detect(br, name); err != nil {
			return info, fmt.Errorf("read %s: %w", name, err)
		}
	}
	switch info.Format {
	case CSV:
		err = readCSV(br, name, s, &info)
	case Text:
		err = readText(br, s, &info)
	case JSON, Archive:
		err = readJSON(br, s, &info)
	case JSONL:
		err = readJSONL(br, s, &info)
	default:
		return info, fmt.Errorf("read %s: unknown format %q", name, string(f))
	}
	var fe fnError
	switch {
	case err == nil:
		s.finish()
	case errors.As(err, &fe):
		info.Entries, info.Invalid = s.entries, s.total
		return info, fe.err
	case errors.As(err, &se):
		s.bad(se.line, se.reason)
		s.stopped = true
	default:
		return info, fmt.Errorf("read %s: %w", name, err)
	}
	info.Entries, info.Invalid, info.Decisions = s.entries, s.total, s.decided > 0
	if s.total > 0 {
		return info, &InvalidError{File: name, Errors: s.errs, Total: s.total, Stopped: s.stopped}
	}
	return info, nil
}

// sink collects entries and errors for one Read.
type sink struct {
	file    string
	fn      func(Entry) error
	max     int
	errs    []LineError
	total   int
	entries int
	stopped bool
	// decided is +1 once the input is known to have a decision column
	// (its CSV header, or its first JSON value, says so), -1 once it is
	// known to have none, 0 before.
	decided  int8
	rounding rounding
}

func (s *sink) entry(e Entry) error {
	s.entries++
	if e.ID != 0 {
		s.rounding.see(e.ID, e.Line, s.max)
	}
	if err := s.fn(e); err != nil {
		return fnError{err}
	}
	return nil
}

// finish adds the errors only the whole input shows, once it is read:
// ids a spreadsheet rounded. They join the others in line order, and
// the first max of all are kept.
func (s *sink) finish() {
	late := s.rounding.errors(s.file)
	if len(late) == 0 {
		return
	}
	s.total += s.rounding.total
	merged := make([]LineError, 0, len(s.errs)+len(late))
	i, j := 0, 0
	for i < len(s.errs) || j < len(late) {
		if j == len(late) || i < len(s.errs) && s.errs[i].Line <= late[j].Line {
			merged = append(merged, s.errs[i])
			i++
		} else {
			merged = append(merged, late[j])
			j++
		}
	}
	if s.max >= 0 && len(merged) > s.max {
		merged = merged[:s.max]
	}
	s.errs = merged
}

func (s *sink) bad(line int, reason string) {
	s.total++
	if s.max < 0 || len(s.errs) < s.max {
		s.errs = append(s.errs, LineError{File: s.file, Line: line, Reason: reason})
	}
}

// fnError carries the callback's error out of a parser untouched.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// structError is a problem that makes the rest of the input unreadable.
type structError struct {
	line   int
	reason string
}

func (e *structError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

// FormatByName returns the format a file name's extension stands for
// (.csv, .tsv, .txt, .json, .jsonl, .js ...), or Auto for any other name.
func FormatByName(name string) Format { return formatByName(name) }

// formatByName maps file extensions to formats.
func formatByName(name string) Format {
	base := strings.ToLower(filepath.Base(name))
	switch filepath.Ext(base) {
	case ".csv", ".tsv":
		return CSV
	case ".txt", ".text", ".lst", ".list":
		return Text
	case ".json":
		return JSON
	case ".jsonl", ".ndjson":
		return JSONL
	case ".js":
		return Archive
	}
	return Auto
}

// detect picks the format by extension, else by looking at the start of the
// content (without consuming it).
//
// A text file (.txt) that is a table is read as CSV: Excel's "Text (Tab
// delimited)" and "Unicode Text" save a sheet as a .txt with tabs, and
// any .txt whose first line names a known column (id, Twitter ID,
// username ...) has a header, which a one-per-line list never has.
//
// Content that cannot be anything else wins over the name: the archive's
// `window.YTD.…` assignment whatever the file is called, JSON in a .txt, and
// one object per line in a .json (JSON Lines).
func detect(br *bufio.Reader, name string) (Format, error) {
	f := formatByName(name)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return Auto, err
	}
	s := sniff(head)
	switch {
	case bytes.HasPrefix(trimSpace(trimBOM(head)), []byte("window.YTD.")):
		return Archive, nil
	case f == JSON && s == JSONL:
		return JSONL, nil
	case f == Text && (s == JSON || s == JSONL):
		return s, nil
	case f == Text && tabular(head):
		return CSV, nil
	case f != Auto:
		return f, nil
	}
	return s, nil
}

// tabular reports whether the first meaningful line of a text file is a
// table row: it has a tab before any comment, or it is a header naming a
// known column.
func tabular(head []byte) bool {
	rest := trimBOM(head)
	for len(rest) > 0 {
		var line []byte
		line, rest = cutLine(rest)
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		t := trimSpace(line)
		if len(t) == 0 {
			continue
		}
		if bytes.IndexByte(t, '\t') >= 0 {
			return true
		}
		comma := csvDelimiter(t)
		if comma == 0 {
			comma = ','
		}
		_, ok := pickColumns(splitSimple(t, comma))
		return ok
	}
	return false
}

const sniffSize = 16 << 10

// sniff guesses the format of the first bytes of an input.
func sniff(head []byte) Format {
	head = trimBOM(head)
	// Skip blank and comment lines to the first meaningful line.
	var first []byte
	rest := head
	for len(rest) > 0 {
		var line []byte
		line, rest = cutLine(rest)
		t := trimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		first = t
		break
	}
	if first == nil {
		return Text
	}
	switch c := first[0]; {
	case c == '[':
		return JSON
	case c == '{':
		// One object per line is JSON Lines (maybe with a comma after
		// each); anything else is one document.
		if obj := trimSpace(bytes.TrimSuffix(first, []byte(","))); obj[len(obj)-1] == '}' && validJSONObjectLine(obj) {
			for len(rest) > 0 {
				var line []byte
				line, rest = cutLine(rest)
				if t := trimSpace(line); len(t) > 0 {
					if t[0] == '{' {
						return JSONL
					}
					break
				}
			}
		}
		return JSON
	case isIdentStart(c) && looksLikeAssignment(first):
		return Archive
	}
	if csvDelimiter(first) != 0 || isHeaderRow(splitSimple(first, ',')) {
		return CSV
	}
	return Text
}

// validJSONObjectLine reports whether line is exactly one complete JSON value.
func validJSONObjectLine(line []byte) bool {
	p := newJSONParser(newByteSource(line), 1)
	if _, err := p.element(); err != nil {
		return false
	}
	p.skipSpace()
	_, err := p.src.ReadByte()
	return err == io.EOF
}

func looksLikeAssignment(line []byte) bool {
	for i, c := range line {
		switch {
		case c == '=':
			return i > 0
		case isIdentStart(c) || c == '.' || (c >= '0' && c <= '9') || c == ' ' || c == '\t':
		default:
			return false
		}
	}
	return false
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func cutLine(b []byte) (line, rest []byte) {
	for i, c := range b {
		if c == '\n' {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == bom[0] && b[1] == bom[1] && b[2] == bom[2] {
		return b[3:]
	}
	return b
}
