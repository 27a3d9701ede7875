package input

import (
	"net/url"
	"strconv"
	"strings"
)

// MaxIDDigits is the most digits an X id has (ids fit in uint64; the
// largest 19-digit number does, and X ids are below 2^63).
const MaxIDDigits = 19

// MaxHandleLen is the longest X username.
const MaxHandleLen = 15

// valueKind says how a value was written, which changes what is accepted and
// how a rejection is explained.
type valueKind uint8

const (
	plainValue  valueKind = iota // CSV cell, text line, JSON string in an id position
	handleValue                  // a username column/field: bare words are handles
	jsonNumber                   // a JSON number token
)

// ParseValue parses one written target: an id (1–19 digits, no sign, no
// leading zero), an @handle, or a profile URL (https://x.com/NAME,
// https://twitter.com/intent/user?user_id=ID). On failure it returns a
// reason fit for "FILE:LINE: reason". Surrounding spaces are ignored.
func ParseValue(s string) (Entry, string) {
	return parseValue([]byte(s), plainValue)
}

// parseValue is ParseValue on bytes. The result's Line is 0.
func parseValue(b []byte, kind valueKind) (Entry, string) {
	b = trimSpace(b)
	// Fast path: all digits. (In a username column digits are a username.)
	if n := len(b); kind != handleValue && n > 0 && n <= MaxIDDigits && b[0] > '0' && b[0] <= '9' {
		var id uint64
		i := 0
		for ; i < n; i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			id = id*10 + uint64(c)
		}
		if i == n {
			return Entry{ID: id}, ""
		}
	}
	return parseSlow(b, kind)
}

func parseSlow(b []byte, kind valueKind) (Entry, string) {
	s := string(b)
	if s == "" {
		return Entry{}, "empty value: expected an id (1–19 digits) or @handle"
	}
	if kind == jsonNumber {
		if e, reason, ok := wholeFloat(s); ok {
			return e, reason
		}
		return Entry{}, jsonNumberReason(s)
	}
	// Excel's way of forcing text: ="123".
	if len(s) > 3 && s[0] == '=' && s[1] == '"' && s[len(s)-1] == '"' {
		return parseValue([]byte(s[2:len(s)-1]), kind)
	}
	switch {
	case s[0] == '@':
		return parseHandle(s[1:], s)
	case kind == handleValue && validHandle(s):
		return Entry{Handle: s}, ""
	case allDigits(s):
		return Entry{}, digitsReason(s)
	case hasURLPrefix(s):
		return parseURL(s)
	}
	if e, reason, ok := wholeFloat(s); ok {
		return e, reason
	}
	if r := numberShapeReason(s); r != "" {
		return Entry{}, r
	}
	if validHandle(s) {
		if kind == handleValue {
			return Entry{Handle: s}, ""
		}
		return Entry{}, quote(s) + " is not an id: if it is a username, write it as @" + s
	}
	if kind == handleValue {
		return Entry{}, quote(s) + " is not a valid username: usernames are 1–15 letters, digits or _"
	}
	return Entry{}, quote(s) + " is not an id (1–19 digits) or @handle"
}

// maxExactFloat is 2^53: every whole number up to it survives a trip
// through a float64 (a spreadsheet cell, a pandas column with gaps, a
// JSON number parsed by JavaScript or Python) unchanged.
const maxExactFloat = 1 << 53

// wholeFloat handles a whole number written as a float, "1234.0" (or
// "1234,00", the decimal comma of many locales): pandas writes a column
// of ids that way as soon as one cell is empty, and spreadsheets do when
// a column is formatted as a number with decimals. Up to 2^53 the value is
// exact and is accepted; above it, the tool that wrote it held it in a
// float64 and may have changed the last digits, so it is rejected. ok is
// false when s does not have that shape.
func wholeFloat(s string) (e Entry, reason string, ok bool) {
	sep := strings.IndexAny(s, ".,")
	if sep <= 0 || sep == len(s)-1 || strings.Trim(s[sep+1:], "0") != "" {
		return Entry{}, "", false
	}
	whole := s[:sep]
	if !allDigits(whole) || whole[0] == '0' || len(whole) > MaxIDDigits {
		return Entry{}, "", false
	}
	id, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return Entry{}, "", false
	}
	if id > maxExactFloat {
		return Entry{}, quote(s) + " was stored as a floating-point number, which keeps only 15–17 digits: this id's last digits may be wrong; format the column as Text (or write ids as strings) and export again", true
	}
	return Entry{ID: id}, "", true
}

// digitsReason explains why a string of digits is not an id.
func digitsReason(s string) string {
	switch {
	case strings.Trim(s, "0") == "":
		return quote(s) + " is zero: X ids start at 1"
	case len(s) > MaxIDDigits:
		return quote(s) + " has " + strconv.Itoa(len(s)) + " digits: X ids have at most 19"
	case s[0] == '0':
		return quote(s) + " has a leading zero: X ids never start with 0 (was it padded?)"
	}
	return quote(s) + " is not an id" // unreachable: valid ids take the fast path
}

// spreadsheetFix is what to do about ids a spreadsheet rounded.
const spreadsheetFix = "format the id column as Text before saving, or import the file as it was before a spreadsheet opened it"

// numberShapeReason explains number-like strings that are not ids, or
// returns "".
func numberShapeReason(s string) string {
	body := s
	sign := byte(0)
	if body[0] == '-' || body[0] == '+' {
		sign, body = body[0], body[1:]
	}
	if body == "" {
		return ""
	}
	switch {
	case isScientific(body):
		return quote(s) + " is in scientific notation: the spreadsheet rounded this id and its digits are lost; " + spreadsheetFix
	case sign == '-' && isDecimal(body):
		return quote(s) + " is negative: ids are positive whole numbers"
	case sign == '+' && allDigits(body):
		return quote(s) + " has a sign: write the digits only"
	case isDecimal(body) && strings.ContainsAny(body, ".,"):
		return quote(s) + " is a decimal number: ids are whole numbers; if a spreadsheet added the decimals, format the column as Text and export again"
	case isGrouped(body):
		return quote(s) + " has digit separators: ids are plain digits; format the column as Text (no thousands separators) and export again"
	}
	return ""
}

// jsonNumberReason explains why a JSON number token is not an id.
func jsonNumberReason(s string) string {
	switch {
	case s[0] == '-':
		return "JSON number " + s + " is negative: ids are positive whole numbers"
	case strings.ContainsAny(s, ".eE"):
		return "JSON number " + s + " has a fraction or exponent: ids are whole numbers, and a tool that wrote one this way may have lost digits; write ids as strings"
	}
	return "JSON number " + digitsReason(s)
}

func parseHandle(name, written string) (Entry, string) {
	if validHandle(name) {
		return Entry{Handle: name}, ""
	}
	return Entry{}, quote(written) + " is not a valid @handle: usernames are 1–15 letters, digits or _"
}

func validHandle(s string) bool {
	if len(s) == 0 || len(s) > MaxHandleLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

var urlPrefixes = []string{"https://", "http://", "x.com/", "twitter.com/", "www.x.com/", "www.twitter.com/", "mobile.twitter.com/", "mobile.x.com/"}

func hasURLPrefix(s string) bool {
	for _, p := range urlPrefixes {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

// reservedPaths are x.com pages that look like profiles but are not.
var reservedPaths = map[string]bool{
	"home": true, "explore": true, "i": true, "intent": true, "search": true, "settings": true,
	"messages": true, "notifications": true, "login": true, "logout": true, "signup": true,
	"compose": true, "share": true, "hashtag": true, "tos": true, "privacy": true, "account": true,
}

// profileTabs are the pages of a profile (x.com/NAME/TAB): they name the
// account as surely as x.com/NAME does. Other second segments (status/ID,
// lists/ID ...) name something else.
var profileTabs = map[string]bool{
	"with_replies": true, "media": true, "likes": true, "followers": true, "following": true,
	"verified_followers": true, "followers_you_follow": true, "highlights": true, "articles": true,
	"affiliates": true, "superfollows": true, "photo": true, "header_photo": true, "lists": true,
	"creator-subscriptions": true,
}

// parseURL accepts profile URLs: x.com/NAME, twitter.com/NAME (any of the
// www./mobile. hosts, http or https), twitter.com/intent/user?user_id=ID
// (the archive's userLink), intent/user?screen_name=NAME, x.com/i/user/ID
// and a profile's tabs (x.com/NAME/media, /followers, ...).
func parseURL(s string) (Entry, string) {
	bad := quote(s) + " is not a profile URL: expected https://x.com/NAME or https://twitter.com/intent/user?user_id=ID"
	raw := s
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return Entry{}, bad
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(strings.TrimPrefix(host, "www."), "mobile.")
	if host != "x.com" && host != "twitter.com" {
		return Entry{}, quote(s) + " is not an x.com or twitter.com profile URL"
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case len(segs) == 2 && segs[0] == "intent" && (segs[1] == "user" || segs[1] == "follow"):
		q := u.Query()
		if id := q.Get("user_id"); id != "" {
			e, reason := parseValue([]byte(id), plainValue)
			if reason != "" || e.Handle != "" {
				return Entry{}, quote(s) + ": user_id is not an id"
			}
			return e, ""
		}
		if name := q.Get("screen_name"); name != "" {
			return parseHandle(strings.TrimPrefix(name, "@"), s)
		}
		return Entry{}, bad
	case len(segs) == 3 && segs[0] == "i" && segs[1] == "user":
		e, reason := parseValue([]byte(segs[2]), plainValue)
		if reason != "" || e.Handle != "" {
			return Entry{}, bad
		}
		return e, ""
	case (len(segs) == 1 || len(segs) == 2 && profileTabs[strings.ToLower(segs[1])]) && segs[0] != "" && !reservedPaths[strings.ToLower(segs[0])]:
		name := strings.TrimPrefix(segs[0], "@")
		if !validHandle(name) {
			return Entry{}, quote(s) + " does not name a valid username: usernames are 1–15 letters, digits or _"
		}
		return Entry{Handle: name}, ""
	}
	return Entry{}, bad
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDecimal: digits with at most one '.' or ',' between digits.
func isDecimal(s string) bool {
	sep := strings.IndexAny(s, ".,")
	if sep < 0 {
		return allDigits(s)
	}
	return allDigits(s[:sep]) && allDigits(s[sep+1:])
}

// isScientific: 1.23457E+18, 1,23E18, 5e3.
func isScientific(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 {
		return false
	}
	mant, exp := s[:i], s[i+1:]
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		exp = exp[1:]
	}
	return isDecimal(mant) && allDigits(exp)
}

// isGrouped: 1,234,567 or 1 234 567 or 1'234'567 or 1_234_567.
func isGrouped(s string) bool {
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\'' || r == '_' || r == '.' })
	if len(groups) < 2 {
		return false
	}
	for _, g := range groups {
		if !allDigits(g) {
			return false
		}
	}
	return true
}

// quote shows a value in a message, shortened if long.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// trimSpace trims ASCII white space, no-break spaces (U+00A0), which
// spreadsheets like to leave around numbers, and the invisible characters
// that text copied from web pages and chat apps carries along: zero-width
// spaces and joiners (U+200B–U+200D), direction marks (U+200E, U+200F),
// the word joiner (U+2060), a byte order mark left in the middle of a file
// by concatenating files (U+FEFF), the narrow no-break space (U+202F) and
// the ideographic space (U+3000).
func trimSpace(b []byte) []byte {
	for len(b) > 0 {
		c := b[0]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' {
			b = b[1:]
			continue
		}
		if c < 0x80 {
			break
		}
		n := invisiblePrefix(b)
		if n == 0 {
			break
		}
		b = b[n:]
	}
	for len(b) > 0 {
		n := len(b)
		c := b[n-1]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' {
			b = b[:n-1]
			continue
		}
		if c < 0x80 {
			break
		}
		k := invisibleSuffix(b)
		if k == 0 {
			break
		}
		b = b[:n-k]
	}
	return b
}

// invisiblePrefix returns the length of the invisible or space character
// (see trimSpace) that b starts with, or 0.
func invisiblePrefix(b []byte) int {
	switch {
	case len(b) >= 2 && b[0] == 0xC2 && b[1] == 0xA0:
		return 2
	case len(b) >= 3 && invisible3(b[0], b[1], b[2]):
		return 3
	}
	return 0
}

// invisibleSuffix is invisiblePrefix at the end of b.
func invisibleSuffix(b []byte) int {
	n := len(b)
	switch {
	case n >= 2 && b[n-2] == 0xC2 && b[n-1] == 0xA0:
		return 2
	case n >= 3 && invisible3(b[n-3], b[n-2], b[n-1]):
		return 3
	}
	return 0
}

func invisible3(a, b, c byte) bool {
	switch {
	case a == 0xE2 && b == 0x80: // U+2000 block
		return c >= 0x8B && c <= 0x8F || c == 0xAF // U+200B–U+200F, U+202F
	case a == 0xE2 && b == 0x81:
		return c == 0xA0 // U+2060
	case a == 0xEF && b == 0xBB:
		return c == 0xBF // U+FEFF
	case a == 0xE3 && b == 0x80:
		return c == 0x80 // U+3000
	}
	return false
}
