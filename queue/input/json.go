package input

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON reader is a small streaming tokenizer rather than encoding/json:
// it must count lines (for "FILE:LINE" messages), keep number tokens
// verbatim (ids above 2^53), and stream a top-level array of any length
// while holding only one element — and of that element only the fields that
// can name an account.

const (
	maxDepth     = 256  // nesting limit; deeper input is rejected, not recursed into
	maxKeptValue = 256  // longest id/handle/URL value kept; longer ones are rejected
	maxNumber    = 4096 // longest number token
)

// jsonURLKeys are the object fields holding profile URLs (the archive's
// userLink). "url" is not one: in X API user objects it is the user's website.
var jsonURLKeys = []string{"userlink", "profileurl"}

// jsonSheetKeys are the fields of a review sheet's objects kept beside the
// account: they never name it.
var jsonSheetKeys = []string{decisionColumn, protectedColumn}

// keptKeys are the lists of the object fields a parser keeps.
var keptKeys = [][]string{idColumns, handleColumns, jsonURLKeys, jsonSheetKeys}

type jkind uint8

const (
	jNone jkind = iota
	jString
	jNumber
	jObject
	jArray
	jTrue
	jFalse
	jNull
)

func (k jkind) String() string {
	return [...]string{"nothing", "a string", "a number", "an object", "an array", "true", "false", "null"}[k]
}

// jvalue is one parsed value with only what an entry can come from.
type jvalue struct {
	kind   jkind
	line   int
	text   []byte   // string (decoded) or number token
	long   bool     // text was longer than maxKeptValue and was cut
	fields []jfield // objects: the fields that can name an account
}

type jfield struct {
	key string // canonical account field name (see canonKey), or ""
	val jvalue
}

// source is a byte reader over a slice, refilled from r when r is set. It is
// a concrete type so that reading a byte is inlined: the parser reads input
// one byte at a time.
type source struct {
	buf []byte
	pos int
	r   io.Reader
	own []byte // refill buffer when reading from r
}

func newByteSource(b []byte) *source { return &source{buf: b} }

func newReaderSource(r io.Reader) *source {
	return &source{r: r, own: make([]byte, 64<<10)}
}

func (s *source) ReadByte() (byte, error) {
	if s.pos < len(s.buf) {
		c := s.buf[s.pos]
		s.pos++
		return c, nil
	}
	return s.fill()
}

func (s *source) fill() (byte, error) {
	if s.r == nil {
		return 0, io.EOF
	}
	for {
		n, err := s.r.Read(s.own)
		if n > 0 {
			s.buf, s.pos = s.own[:n], 1
			return s.buf[0], nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// UnreadByte steps back over the byte just read (the parser never unreads
// more than one, so it is always still in buf).
func (s *source) UnreadByte() error {
	s.pos--
	return nil
}

func (s *source) reset(b []byte) { s.buf, s.pos = b, 0 }

type jsonParser struct {
	src   *source
	line  int
	last  byte
	depth int
	// arena holds the kept strings and numbers of the current element and
	// slab its kept fields; both are reused from element to element, so a
	// long array costs no allocation per element.
	arena []byte
	slab  []jfield
	tmp   [2][]jfield // fields being collected, per nesting level
}

func newJSONParser(src *source, line int) *jsonParser {
	return &jsonParser{src: src, line: line}
}

func (p *jsonParser) read() (byte, error) {
	c, err := p.src.ReadByte()
	if err != nil {
		p.last = 0
		return 0, err
	}
	if c == '\n' {
		p.line++
	}
	p.last = c
	return c, nil
}

// unread puts back the byte read last (at most one).
func (p *jsonParser) unread() {
	if p.last == 0 {
		return
	}
	if p.last == '\n' {
		p.line--
	}
	p.last = 0
	_ = p.src.UnreadByte()
}

func (p *jsonParser) errorf(line int, reason string) error {
	return &structError{line, "invalid JSON: " + reason}
}

// ioErr turns io.EOF inside a value into a syntax error and passes others on.
func (p *jsonParser) ioErr(err error, what string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return p.errorf(p.line, "unexpected end of input "+what)
	}
	return err
}

func (p *jsonParser) skipSpace() {
	for {
		c, err := p.read()
		if err != nil {
			return
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			p.unread()
			return
		}
	}
}

// peek returns the next non-space byte without consuming it.
func (p *jsonParser) peek() (byte, error) {
	p.skipSpace()
	c, err := p.read()
	if err != nil {
		return 0, err
	}
	p.unread()
	return c, nil
}

// expect consumes the next non-space byte, which must be one of want.
func (p *jsonParser) expect(want string, what string) (byte, error) {
	p.skipSpace()
	c, err := p.read()
	if err != nil {
		return 0, p.ioErr(err, what)
	}
	for i := 0; i < len(want); i++ {
		if c == want[i] {
			return c, nil
		}
	}
	return 0, p.errorf(p.line, "found "+strconv.QuoteRune(rune(c))+" "+what)
}

// closeOrComma consumes the ',' or the closing bracket that follows an
// element or an object value and returns the closing bracket when the
// array or object ends. A comma right before the closing bracket (as
// JavaScript allows, and people leave when editing a list by hand) is
// accepted: it loses nothing.
func (p *jsonParser) closeOrComma(closing byte, what string) (byte, error) {
	want := ",]"
	if closing == '}' {
		want = ",}"
	}
	c, err := p.expect(want, what)
	if err != nil || c == closing {
		return c, err
	}
	p.skipSpace()
	if p.src.pos < len(p.src.buf) { // fast path: the next byte is buffered
		if p.src.buf[p.src.pos] == closing {
			p.read()
			return closing, nil
		}
		return c, nil
	}
	if n, err := p.peek(); err == nil && n == closing {
		p.read()
		return closing, nil
	}
	return c, nil
}

// element parses one value. Objects keep the fields that can name an
// account (and, one level down, those of nested objects); arrays and other
// fields are skipped. The result is valid until the next call.
func (p *jsonParser) element() (jvalue, error) {
	p.arena, p.slab = p.arena[:0], p.slab[:0]
	return p.value(0, true)
}

// value parses one value at nesting level. keep says whether to keep its
// content (false: validate and discard).
func (p *jsonParser) value(level int, keep bool) (jvalue, error) {
	p.skipSpace()
	line := p.line
	c, err := p.read()
	if err != nil {
		return jvalue{}, p.ioErr(err, "where a value was expected")
	}
	switch {
	case c == '"':
		text, long, err := p.str(keep, line)
		return jvalue{kind: jString, line: line, text: text, long: long}, err
	case c == '-' || c >= '0' && c <= '9':
		p.unread()
		text, err := p.number()
		return jvalue{kind: jNumber, line: line, text: text}, err
	case c == '{':
		fields, err := p.object(level, keep)
		return jvalue{kind: jObject, line: line, fields: fields}, err
	case c == '[':
		return jvalue{kind: jArray, line: line}, p.skipArray()
	case c == 't':
		return jvalue{kind: jTrue, line: line}, p.literal("rue")
	case c == 'f':
		return jvalue{kind: jFalse, line: line}, p.literal("alse")
	case c == 'n':
		return jvalue{kind: jNull, line: line}, p.literal("ull")
	}
	return jvalue{}, p.errorf(line, "found "+strconv.QuoteRune(rune(c))+" where a value was expected")
}

func (p *jsonParser) literal(rest string) error {
	for i := 0; i < len(rest); i++ {
		c, err := p.read()
		if err != nil {
			return p.ioErr(err, "in a literal")
		}
		if c != rest[i] {
			return p.errorf(p.line, "bad literal (want true, false or null)")
		}
	}
	return nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(p.line, "nested deeper than "+strconv.Itoa(maxDepth)+" levels")
	}
	return nil
}

// object parses an object after its '{'. At level 0 with keep, it keeps the
// account fields and nested objects (parsed at level 1); at level 1 only
// the account fields.
func (p *jsonParser) object(level int, keep bool) ([]jfield, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var tmp []jfield
	if keep && level < len(p.tmp) {
		tmp = p.tmp[level][:0]
	}
	c, err := p.peek()
	if err != nil {
		return nil, p.ioErr(err, "in an object")
	}
	if c == '}' {
		p.read()
		return nil, nil
	}
	for {
		if _, err := p.expect(`"`, "where an object key was expected"); err != nil {
			return nil, err
		}
		name, err := p.key(keep)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(":", "after an object key"); err != nil {
			return nil, err
		}
		v, err := p.fieldValue(name, level, keep)
		if err != nil {
			return nil, err
		}
		if v.kind != jNone && keep {
			tmp = append(tmp, jfield{key: name, val: v})
		}
		if c, err := p.closeOrComma('}', "after an object value (want ',' or '}')"); err != nil {
			return nil, err
		} else if c == '}' {
			if !keep {
				return nil, nil
			}
			// Nested objects reuse tmp[level+1]; move this one's fields to
			// the slab, where they stay until the next element.
			start := len(p.slab)
			p.slab = append(p.slab, tmp...)
			if level < len(p.tmp) {
				p.tmp[level] = tmp
			}
			return p.slab[start:len(p.slab):len(p.slab)], nil
		}
	}
}

// fieldValue parses a field's value, keeping it only when it can name an
// account, is a review sheet's (see keptKeys), or is an object to look into.
func (p *jsonParser) fieldValue(name string, level int, keep bool) (jvalue, error) {
	if !keep {
		_, err := p.value(level+1, false)
		return jvalue{}, err
	}
	c, err := p.peek()
	if err != nil {
		return jvalue{}, p.ioErr(err, "where a value was expected")
	}
	if c == '{' && level == 0 {
		return p.value(level+1, true)
	}
	if keptKey(name) {
		v, err := p.value(level+1, c != '{' && c != '[')
		if v.kind == jObject || v.kind == jArray {
			v.fields = nil
		}
		return v, err
	}
	_, err = p.value(level+1, false)
	return jvalue{}, err
}

// key reads an object key (after its opening quote) and returns its
// canonical name if it can name an account, else "".
func (p *jsonParser) key(keep bool) (string, error) {
	start := len(p.arena)
	b, long, err := p.str(keep, p.line)
	p.arena = p.arena[:start]
	if err != nil || !keep || long {
		return "", err
	}
	return canonKey(b), nil
}

// canonKey folds a key like normName and returns the matching kept field
// name from the lists (a constant: no allocation), or "".
func canonKey(b []byte) string {
	var buf [24]byte
	n := 0
	for _, c := range b {
		switch {
		case c == ' ' || c == '_' || c == '-' || c == '.':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return ""
		}
		buf[n] = c
		n++
	}
	k := buf[:n]
	for _, list := range keptKeys {
		for _, s := range list {
			if string(k) == s {
				return s
			}
		}
	}
	return ""
}

// keptKey reports whether a field's value is kept: it can name the
// account, or is one of a review sheet's.
func keptKey(name string) bool {
	for _, list := range keptKeys {
		for _, k := range list {
			if name == k {
				return true
			}
		}
	}
	return false
}

func (p *jsonParser) skipArray() error {
	if err := p.enter(); err != nil {
		return err
	}
	defer func() { p.depth-- }()
	c, err := p.peek()
	if err != nil {
		return p.ioErr(err, "in an array")
	}
	if c == ']' {
		p.read()
		return nil
	}
	for {
		if _, err := p.value(maxDepth, false); err != nil {
			return err
		}
		if c, err := p.closeOrComma(']', "after an array element (want ',' or ']')"); err != nil {
			return err
		} else if c == ']' {
			return nil
		}
	}
}

// str reads a string after its opening quote, decoding escapes. With keep it
// returns up to maxKeptValue bytes and long = true if there were more.
func (p *jsonParser) str(keep bool, start int) ([]byte, bool, error) {
	base := len(p.arena)
	long := false
	add := func(r rune) {
		if !keep {
			return
		}
		var buf [utf8.UTFMax]byte
		b := buf[:1]
		if r < utf8.RuneSelf {
			buf[0] = byte(r)
		} else {
			b = buf[:utf8.EncodeRune(buf[:], r)]
		}
		if len(p.arena)-base+len(b) > maxKeptValue {
			long = true
			return
		}
		p.arena = append(p.arena, b...)
	}
	hi := rune(-1) // a high surrogate waiting for its low half
	flush := func() {
		if hi >= 0 {
			add(unicodeReplacement)
			hi = -1
		}
	}
	for {
		// Bulk-copy the plain bytes already buffered (no quote, backslash
		// or control character, hence no line break either).
		if buf := p.src.buf[p.src.pos:]; len(buf) > 0 {
			i := 0
			for i < len(buf) && buf[i] >= 0x20 && buf[i] != '"' && buf[i] != '\\' {
				i++
			}
			if i > 0 {
				flush()
				if keep {
					if room := maxKeptValue - (len(p.arena) - base); i > room {
						long = true
						p.arena = append(p.arena, buf[:room]...)
					} else {
						p.arena = append(p.arena, buf[:i]...)
					}
				}
				p.src.pos += i
				p.last = buf[i-1]
			}
		}
		c, err := p.read()
		if err != nil {
			if err == io.EOF {
				return nil, false, p.errorf(start, "unterminated string (opened on line "+strconv.Itoa(start)+")")
			}
			return nil, false, err
		}
		switch {
		case c == '"':
			flush()
			if !keep {
				return nil, false, nil
			}
			return p.arena[base:len(p.arena):len(p.arena)], long, nil
		case c == '\\':
			c, err := p.read()
			if err != nil {
				return nil, false, p.ioErr(err, "in a string escape")
			}
			if c == 'u' {
				r, err := p.hex4()
				if err != nil {
					return nil, false, err
				}
				switch {
				case hi >= 0 && r >= 0xDC00 && r < 0xE000:
					add(utf16.DecodeRune(hi, r))
					hi = -1
				case r >= 0xD800 && r < 0xDC00:
					flush()
					hi = r
				default:
					flush()
					add(r) // a lone low surrogate becomes U+FFFD
				}
				continue
			}
			flush()
			switch c {
			case '"', '\\', '/':
				add(rune(c))
			case 'b':
				add('\b')
			case 'f':
				add('\f')
			case 'n':
				add('\n')
			case 'r':
				add('\r')
			case 't':
				add('\t')
			default:
				return nil, false, p.errorf(p.line, "bad escape \\"+string(rune(c))+" in string")
			}
		case c < 0x20:
			return nil, false, p.errorf(p.line, "control character or line break inside a string (opened on line "+strconv.Itoa(start)+")")
		default:
			flush()
			if keep {
				if len(p.arena)-base >= maxKeptValue {
					long = true
				} else {
					p.arena = append(p.arena, c)
				}
			}
		}
	}
}

const unicodeReplacement = '\uFFFD'

func (p *jsonParser) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, err := p.read()
		if err != nil {
			return 0, p.ioErr(err, "in a \\u escape")
		}
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, p.errorf(p.line, "bad \\u escape in string")
		}
	}
	return r, nil
}

// number reads a number token verbatim and checks JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() ([]byte, error) {
	line := p.line
	base := len(p.arena)
	for {
		c, err := p.read()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			p.unread()
			break
		}
		if len(p.arena)-base == maxNumber {
			return nil, p.errorf(line, "number longer than "+strconv.Itoa(maxNumber)+" characters")
		}
		p.arena = append(p.arena, c)
	}
	tok := p.arena[base:len(p.arena):len(p.arena)]
	if !validJSONNumber(tok) {
		return nil, p.errorf(line, "bad number "+quote(string(tok)))
	}
	return tok, nil
}

func validJSONNumber(b []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// entryOf turns a parsed array element (or JSON Lines value) into an entry,
// or a reason. The entry's line is where its id or handle value starts.
func entryOf(v jvalue) (Entry, int, string) {
	switch v.kind {
	case jString:
		if v.long {
			return Entry{}, v.line, "value longer than " + strconv.Itoa(maxKeptValue) + " characters: not an id or @handle"
		}
		e, reason := parseValue(v.text, plainValue)
		return e, v.line, reason
	case jNumber:
		e, reason := parseValue(v.text, jsonNumber)
		return e, v.line, reason
	case jObject:
		if e, line, reason, ok := entryOfFields(v.fields); ok {
			return e, line, reason
		}
		return Entry{}, v.line, "object has no id field (looked for id, user_id, target_user_id, accountId, account_id, id_str, username, screen_name, handle, userLink)"
	}
	return Entry{}, v.line, "found " + v.kind.String() + ": expected an id, @handle or object with an id"
}

// entryOfFields finds the account in an object's kept fields: an id field
// first, then a handle field, then a profile URL field, then the same in a
// nested object (the archive's {"following": {"accountId": ...}} shape).
func entryOfFields(fields []jfield) (Entry, int, string, bool) {
	for _, list := range [][]string{idColumns, handleColumns, jsonURLKeys} {
		for _, want := range list {
			for _, f := range fields {
				if f.key != want {
					continue
				}
				v := f.val
				kind := plainValue
				if list[0] == handleColumns[0] {
					kind = handleValue
				}
				switch {
				case v.kind == jNumber:
					kind = jsonNumber
				case v.kind != jString:
					return Entry{}, v.line, "field " + strconv.Quote(f.key) + " is " + v.kind.String() + ": expected a string or number", true
				case v.long:
					return Entry{}, v.line, "field " + strconv.Quote(f.key) + " is longer than " + strconv.Itoa(maxKeptValue) + " characters", true
				}
				if want == "id" && kind == jsonNumber {
					// API v1.1 objects carry both "id" (a number) and
					// "id_str". A file that went through JavaScript or
					// Python floats has the number rounded above 2^53 and
					// the string intact: the string wins.
					if s, ok := stringField(fields, "idstr"); ok {
						v, kind = s, plainValue
					}
				}
				e, reason := parseValue(v.text, kind)
				return e, v.line, reason, true
			}
		}
	}
	for _, f := range fields {
		if f.val.kind == jObject {
			if e, line, reason, ok := entryOfFields(f.val.fields); ok {
				return e, line, reason, true
			}
		}
	}
	return Entry{}, 0, "", false
}

// stringField returns the kept string field key of fields.
func stringField(fields []jfield, key string) (jvalue, bool) {
	for _, f := range fields {
		if f.key == key && f.val.kind == jString && !f.val.long {
			return f.val, true
		}
	}
	return jvalue{}, false
}

// emitValue passes one array element (or JSON Lines value) to s as an
// entry, or reports why it is not one. The first value says whether the
// input is a review sheet: when it has a "decision" field, every value
// must have one; when it has none, no value may.
func emitValue(s *sink, v jvalue) error {
	sf := sheetFieldsOf(&v)
	if s.decided == 0 {
		s.decided = -1
		if sf.decision != nil {
			s.decided = 1
		}
	}
	e, line, reason := entryOf(v)
	if reason != "" {
		s.bad(line, reason)
		return nil
	}
	switch {
	case s.decided > 0 && sf.decision == nil:
		reason = `no "decision" field, while the first entry has one: give every entry "decision": "unfollow", "keep" or "" (undecided)`
	case s.decided < 0 && sf.decision != nil:
		line, reason = sf.decision.line, `a "decision" field, while the first entry has none: give every entry "decision": "unfollow", "keep" or "" (undecided), or none of them`
	case sf.decision != nil:
		line, reason = sf.decision.line, decisionOf(sf.decision, &e)
	}
	if reason != "" {
		s.bad(line, reason)
		return nil
	}
	if p := sf.protected; p != nil {
		e.Protected = p.kind == jTrue || p.kind == jString && !p.long && parseProtected(p.text)
	}
	if sf.username != nil && e.ID != 0 {
		e.Username = usernameOf(sf.username.text)
	}
	e.Line = line
	return s.entry(e)
}

// sheetFields are the fields of a review sheet's object beside the
// account, nil when absent: the first of each, and of the username
// fields the first string in handleColumns' order.
type sheetFields struct {
	decision, protected, username *jvalue
}

// sheetFieldsOf finds them among the top-level fields of v, in one pass.
func sheetFieldsOf(v *jvalue) sheetFields {
	var sf sheetFields
	if v.kind != jObject {
		return sf
	}
	rank := len(handleColumns) // of sf.username
	for i := range v.fields {
		f := &v.fields[i]
		switch f.key {
		case "":
		case decisionColumn:
			if sf.decision == nil {
				sf.decision = &f.val
			}
		case protectedColumn:
			if sf.protected == nil {
				sf.protected = &f.val
			}
		default:
			for r := 0; r < rank; r++ {
				if handleColumns[r] == f.key {
					if f.val.kind == jString && !f.val.long {
						rank, sf.username = r, &f.val
					}
					break
				}
			}
		}
	}
	return sf
}

// decisionOf sets e's decision from a "decision" field's value, or
// returns why it cannot: a string (null and "" are undecided).
func decisionOf(v *jvalue, e *Entry) string {
	switch {
	case v.kind == jNull:
		e.Decision = Undecided
		return ""
	case v.kind != jString:
		return `"decision" is ` + v.kind.String() + `: write "unfollow", "keep" or "" (undecided)`
	case v.long:
		return `"decision" is longer than ` + strconv.Itoa(maxKeptValue) + ` characters: write "unfollow", "keep" or "" (undecided)`
	}
	d, reason := parseDecision(v.text)
	e.Decision = d
	return reason
}

// readJSON reads a JSON document (or the X archive's JavaScript file, which
// is one assignment of a JSON array): an array of entries, an object with a
// "data" array (an X API response), or one object naming an account.
func readJSON(br *bufio.Reader, s *sink, info *Info) error {
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		br.Discard(3)
	}
	p := newJSONParser(newReaderSource(br), 1)
	defer func() { info.Lines = p.line }()
	c, err := p.peek()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	if isIdentStart(c) {
		// window.YTD.following.part0 = [ ... ]
		for {
			c, err := p.read()
			if err != nil {
				return p.ioErr(err, "in the archive's window.YTD… = assignment")
			}
			if c == '=' {
				break
			}
			if !(isIdentStart(c) || c == '.' || c >= '0' && c <= '9' || c == ' ' || c == '\t') {
				return p.errorf(p.line, "expected JSON, or an archive file starting with window.YTD.NAME.part0 = [")
			}
		}
		if c, err = p.peek(); err != nil {
			return p.ioErr(err, "after '='")
		}
	}
	switch c {
	case '[':
		p.read()
		err = p.array(s)
	case '{':
		p.read()
		err = p.topObject(s)
	default:
		return p.errorf(p.line, "found "+strconv.QuoteRune(rune(c))+" at the start: expected '[' or '{'")
	}
	if err != nil {
		return err
	}
	p.skipSpace()
	if c, err := p.read(); err == nil && c == ';' {
		p.skipSpace()
	} else if err == nil {
		p.unread()
	}
	if _, err := p.read(); err != io.EOF {
		if err != nil {
			return err
		}
		return p.errorf(p.line, "more data after the end of the JSON value (one value per line is JSON Lines: --format jsonl)")
	}
	return nil
}

// array streams the elements of an array (after its '[') to s.
func (p *jsonParser) array(s *sink) error {
	if err := p.enter(); err != nil {
		return err
	}
	defer func() { p.depth-- }()
	c, err := p.peek()
	if err != nil {
		return p.ioErr(err, "in an array")
	}
	if c == ']' {
		p.read()
		return nil
	}
	for {
		v, err := p.element()
		if err != nil {
			return err
		}
		if err := emitValue(s, v); err != nil {
			return err
		}
		if c, err := p.closeOrComma(']', "after an array element (want ',' or ']')"); err != nil {
			return err
		} else if c == ']' {
			return nil
		}
	}
}

// topObject reads a top-level object (after its '{'): a "data" array (or
// API v1.1's "ids" or "users") is streamed; a "data" object or the object itself names one account; an X
// API response with "meta" and no "data" (an empty page) has no entries.
func (p *jsonParser) topObject(s *sink) error {
	if err := p.enter(); err != nil {
		return err
	}
	defer func() { p.depth-- }()
	start := p.line
	var fields []jfield
	sawData, sawMeta, sawErrors, problemKeys := false, false, false, 0
	c, err := p.peek()
	if err != nil {
		return p.ioErr(err, "in an object")
	}
	if c == '}' {
		p.read()
		return p.errorf(start, "empty object: expected an array of ids or an X API response with \"data\"")
	}
	for {
		if _, err := p.expect(`"`, "where an object key was expected"); err != nil {
			return err
		}
		kstart := len(p.arena)
		key, long, err := p.str(true, p.line)
		if err != nil {
			return err
		}
		name := ""
		if !long {
			name = canonKey(key)
		}
		// "data": X API v2. "ids" and "users": API v1.1 friends/ids,
		// followers/ids (with or without stringify_ids) and friends/list.
		isData := string(key) == "data" || string(key) == "ids" || string(key) == "users"
		isMeta := string(key) == "meta" || string(key) == "next_cursor" || string(key) == "next_cursor_str"
		sawErrors = sawErrors || string(key) == "errors"
		switch string(key) {
		case "title", "detail", "type", "status":
			problemKeys++
		}
		p.arena = p.arena[:kstart]
		if _, err := p.expect(":", "after an object key"); err != nil {
			return err
		}
		c, err := p.peek()
		if err != nil {
			return p.ioErr(err, "where a value was expected")
		}
		switch {
		case isData && c == '[':
			p.read()
			sawData = true
			if err := p.array(s); err != nil {
				return err
			}
		case isData && c == '{':
			sawData = true
			v, err := p.element()
			if err != nil {
				return err
			}
			if err := emitValue(s, v); err != nil {
				return err
			}
		default:
			sawMeta = sawMeta || isMeta
			v, err := p.fieldValue(name, 0, true)
			if err != nil {
				return err
			}
			if v.kind != jNone {
				fields = append(fields, jfield{key: name, val: v})
			}
		}
		if c, err := p.closeOrComma('}', "after an object value (want ',' or '}')"); err != nil {
			return err
		} else if c == '}' {
			break
		}
	}
	if sawData {
		return nil
	}
	if _, _, _, ok := entryOfFields(fields); ok {
		return emitValue(s, jvalue{kind: jObject, line: start, fields: fields})
	}
	if sawMeta {
		return nil // an X API page without results
	}
	if sawErrors || problemKeys >= 2 {
		return &structError{start, "this is an X API error response (no \"data\"): it lists no accounts; fetch the page again and save a response that has \"data\""}
	}
	return p.errorf(start, "object has neither a \"data\" array nor an id field")
}

// readJSONL reads one JSON value per line. A bad line is reported and
// reading goes on with the next line.
func readJSONL(br *bufio.Reader, s *sink, info *Info) error {
	lr := lineReader{r: br}
	defer func() { info.Lines = lr.line }()
	src := newByteSource(nil)
	p := newJSONParser(src, 0)
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		src.reset(line)
		p.line, p.last, p.depth = lr.line, 0, 0
		v, err := p.element()
		if err != nil {
			if se, ok := err.(*structError); ok {
				reason := se.reason
				if _, r := parseValue(line, plainValue); r == "" {
					reason += ": write each value as a JSON string, e.g. \"" + string(trimSpace(line)) + "\""
				}
				s.bad(lr.line, reason)
				continue
			}
			return err
		}
		p.skipSpace()
		if c, err := p.read(); err == nil && c == ',' {
			// A trailing comma: lines cut out of a JSON array.
			p.skipSpace()
		} else if err == nil {
			p.unread()
		}
		if _, err := p.read(); err != io.EOF {
			s.bad(lr.line, "invalid JSON: more than one value on the line")
			continue
		}
		if v.kind == jArray {
			s.bad(lr.line, "found an array: a JSON Lines line holds one id, @handle or object")
			continue
		}
		if err := emitValue(s, v); err != nil {
			return err
		}
	}
}
