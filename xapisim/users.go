package xapisim

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReadUsers reads a list of accounts for seeding a following list: CSV
// (or lines of "id", "id,username" or "id,username,name"), JSON (an array
// of ids as strings or numbers, or of objects; or an X API response
// {"data":[...]}), or JSON Lines of objects. Blank lines are skipped, and
// in CSV # comments; ids keep every digit.
//
// A CSV header (the first line, when its first field has no digit) sets
// the columns by name, case-insensitively: id, username, name, followed
// (yes/no: no makes the account exist without being followed), and the
// fact columns of the review sheet "following" writes: created_at and
// last_post_at (RFC 3339; an empty last_post_at: never posted),
// description, followers_count, following_count, post_count, listed_count,
// protected and follows_you (yes/no/true/false), verified_type (blue,
// business, government, none). Other columns are ignored; a header naming
// none of these is skipped. Fields may be quoted, with commas and newlines
// inside; a line using ; or tabs between its fields uses that separator
// throughout. JSON objects take the same names as keys. A fact left out
// (or an empty cell, but for description and last_post_at) keeps the one
// derived from the id. Unnamed accounts get generated usernames when
// added. A bad line is a *ReadError.
func ReadUsers(r io.Reader) ([]User, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	var users []User
	switch {
	case bytes.HasPrefix(trimmed, []byte("[")) || isAPIResponse(trimmed):
		users, err = readUsersJSON(trimmed)
	case bytes.HasPrefix(trimmed, []byte("{")):
		users, err = readUsersJSONLines(data)
	default:
		users, err = readUsersCSV(data)
	}
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	return users, nil
}

// A ReadError is a line (or JSON array item) ReadUsers refuses.
type ReadError struct {
	// Line is the line of a CSV or JSON Lines file (the first line of a
	// CSV record); 0 for an item of a JSON array, numbered from 1 by Item.
	Line, Item int
	// Sheet says the file names columns only the simulator reads
	// (followed or a fact column): it was written for the simulator, and
	// reading it as another kind of list would drop what they say.
	Sheet bool
	Err   error
}

func (e *ReadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("item %d: %v", e.Item, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// factColumns name the facts a following file may give, as the review
// sheet of "following" names its columns.
var factColumns = []string{
	"created_at", "description", "followers_count", "following_count", "post_count", "listed_count",
	"protected", "verified_type", "last_post_at", "follows_you",
}

// ownColumn reports whether only the simulator reads column name.
func ownColumn(name string) bool { return name == "followed" || slices.Contains(factColumns, name) }

func readUsersCSV(data []byte) ([]User, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	// The columns without a header; own are the header's followed and
	// fact columns, in its order.
	cols := map[string]int{"id": 0, "username": 1, "name": 2}
	var own []string
	header, sheet := false, false
	var users []User
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return users, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &ReadError{Line: pe.StartLine, Sheet: sheet, Err: pe.Err}
		} else if err != nil {
			return nil, err
		}
		n, _ := cr.FieldPos(0)
		first := strings.TrimSpace(rec[0])
		if strings.HasPrefix(first, "#") || strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(users) == 0 && !header && !strings.ContainsAny(first, "0123456789") {
			header = true // a header such as "id,username"
			named := map[string]int{}
			for i, name := range rec {
				name = strings.ToLower(strings.TrimSpace(name))
				if _, dup := named[name]; dup || name != "id" && name != "username" && name != "name" && !ownColumn(name) {
					continue
				}
				named[name] = i
				if ownColumn(name) {
					own, sheet = append(own, name), true
				}
			}
			if len(named) > 0 {
				if _, ok := named["id"]; !ok {
					return nil, &ReadError{Line: n, Sheet: sheet, Err: errors.New("the header names no id column")}
				}
				cols = named
			}
			continue
		}
		cell := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		u := User{
			ID:       strings.TrimSpace(cell("id")),
			Username: strings.TrimPrefix(strings.TrimSpace(cell("username")), "@"),
			Name:     strings.TrimSpace(cell("name")),
		}
		for _, name := range own {
			if err := u.setColumn(name, cell(name)); err != nil {
				return nil, &ReadError{Line: n, Sheet: sheet, Err: err}
			}
		}
		if err := u.check(); err != nil {
			return nil, &ReadError{Line: n, Sheet: sheet, Err: err}
		}
		users = append(users, u)
	}
}

// separator is the field separator of a CSV file: ; or a tab when its
// first line has more of them than commas (a spreadsheet's export in some
// locales), else a comma.
func separator(data []byte) rune {
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		commas := bytes.Count(line, []byte(","))
		switch {
		case bytes.Count(line, []byte(";")) > commas:
			return ';'
		case bytes.Count(line, []byte("\t")) > commas:
			return '\t'
		}
		break
	}
	return ','
}

// setColumn sets what column name (followed or a fact column) of the
// account's line says. Cells are trimmed, but description's; an empty
// cell leaves the fact derived, except that an empty description is an
// empty description and an empty last_post_at means never posted.
func (u *User) setColumn(name, v string) error {
	if name != "description" {
		v = strings.TrimSpace(v)
	}
	o := &u.set
	switch name {
	case "followed":
		b, given, err := yesNo(name, v)
		if given {
			u.NotFollowed = !b
		}
		return err
	case "protected", "follows_you":
		b, given, err := yesNo(name, v)
		if given {
			if name == "protected" {
				o.protected = &b
			} else {
				o.followsYou = &b
			}
		}
		return err
	case "description":
		o.description = &v
	case "created_at", "last_post_at":
		var t time.Time
		if v != "" {
			var err error
			if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return fmt.Errorf("%s %q is not an RFC 3339 time (like 2013-12-14T04:35:55.000Z)", name, v)
			}
			t = t.UTC().Truncate(time.Millisecond)
		}
		switch {
		case name == "created_at" && v != "":
			o.createdAt = &t
		case name == "last_post_at":
			if v != "" && t.Before(snowflakeStart) {
				return fmt.Errorf("last_post_at %s is before %s, when post ids began to carry their time", v, snowflakeStart.Format(timeFormat))
			}
			o.lastPostAt = &t // zero: never posted
		}
	case "verified_type":
		if v == "" {
			return nil
		}
		v = strings.ToLower(v)
		if !slices.Contains([]string{VerifiedNone, VerifiedBlue, VerifiedBusiness, VerifiedGovernment}, v) {
			return fmt.Errorf("verified_type %q is not blue, business, government or none", v)
		}
		o.verifiedType = &v
	case "followers_count":
		return count(name, v, &o.followers)
	case "following_count":
		return count(name, v, &o.following)
	case "post_count":
		return count(name, v, &o.posts)
	case "listed_count":
		return count(name, v, &o.listed)
	}
	return nil
}

// count reads a count cell into *dst; an empty one leaves it.
func count(name, v string, dst **int) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("%s %q is not a whole number, 0 or more", name, v)
	}
	*dst = &n
	return nil
}

// yesNo reads a yes/no cell; given is false for an empty one.
func yesNo(name, v string) (b, given bool, err error) {
	switch strings.ToLower(v) {
	case "":
		return false, false, nil
	case "yes", "true":
		return true, true, nil
	case "no", "false":
		return false, true, nil
	}
	return false, false, fmt.Errorf("%s %q is not yes or no", name, v)
}

// isAPIResponse reports whether data is one JSON object with "data", as
// an X API response is.
func isAPIResponse(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	var obj map[string]json.RawMessage
	if dec.Decode(&obj) != nil {
		return false
	}
	_, ok := obj["data"]
	return ok && !dec.More()
}

func readUsersJSON(data []byte) ([]User, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if obj, ok := v.(map[string]any); ok {
		v = obj["data"]
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON array or {\"data\": [...]}")
	}
	users := make([]User, 0, len(list))
	for i, item := range list {
		u, sheet, err := userFromJSON(item)
		if err != nil {
			return nil, &ReadError{Item: i + 1, Sheet: sheet, Err: err}
		}
		users = append(users, u)
	}
	return users, nil
}

// readUsersJSONLines reads one JSON object per line (blank lines skipped).
func readUsersJSONLines(data []byte) ([]User, error) {
	var users []User
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || dec.More() {
			return nil, &ReadError{Line: n, Err: errors.New("not one JSON object")}
		}
		u, sheet, err := userFromJSON(obj)
		if err != nil {
			return nil, &ReadError{Line: n, Sheet: sheet, Err: err}
		}
		users = append(users, u)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return users, nil
}

// userFromJSON reads an id (string or number) or an object with "id" and
// the column names as keys (strings, numbers, booleans or null); sheet
// says the object has keys only the simulator reads.
func userFromJSON(item any) (u User, sheet bool, err error) {
	switch x := item.(type) {
	case string:
		u.ID = x
	case json.Number:
		u.ID = x.String()
	case map[string]any:
		switch id := x["id"].(type) {
		case string:
			u.ID = id
		case json.Number:
			u.ID = id.String()
		}
		u.Username, _ = x["username"].(string)
		u.Name, _ = x["name"].(string)
		for _, key := range slices.Sorted(maps.Keys(x)) {
			if !ownColumn(key) {
				continue
			}
			val := x[key]
			sheet = true
			var cell string
			switch v := val.(type) {
			case string:
				cell = v
			case json.Number:
				cell = v.String()
			case bool:
				cell = strconv.FormatBool(v)
			case nil:
			default:
				return u, sheet, fmt.Errorf("%s is not a string, number or boolean", key)
			}
			if err := u.setColumn(key, cell); err != nil {
				return u, sheet, err
			}
		}
	}
	return u, sheet, u.check()
}

func (u User) check() error {
	if !idPattern.MatchString(u.ID) {
		return fmt.Errorf("id %q is not 1-19 digits", u.ID)
	}
	if u.Username != "" && !usernamePattern.MatchString(u.Username) {
		return fmt.Errorf("username %q is not 1-15 letters, digits or _", u.Username)
	}
	return nil
}

// SampleUsers returns n made-up accounts with 19-digit ids and usernames
// sample_1 ... sample_n, the same for the same n.
func SampleUsers(n int) []User {
	users := make([]User, n)
	for i := range users {
		users[i] = User{
			ID:       strconv.FormatUint(1_600_000_000_000_000_000+uint64(i)*7_919, 10),
			Username: "sample_" + strconv.Itoa(i+1),
			Name:     "Sample Account " + strconv.Itoa(i+1),
		}
	}
	return users
}

// SeedFollowing adds users (with their usernames and names, and the
// facts a following file gave them over the derived ones) and makes userID
// follow exactly those not marked NotFollowed, in order, without repeats.
// The followed accounts that follow back (two in five, by their ids) are
// made to follow userID, unless their own following list was set; a
// follows_you column (User from ReadUsers) says yes or no for any account.
func (s *Server) SeedFollowing(userID string, users []User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(users))
	for _, u := range users {
		s.addUser(u.ID, u.Username, u.Name)
		if u.set.any() {
			s.accounts[u.ID] = newAccount(u.ID, s.accounts[u.ID].asOf, u.set)
		}
		if !u.NotFollowed {
			ids = append(ids, u.ID)
		}
	}
	s.setFollowing(userID, ids)
	for _, u := range users {
		want := s.accounts[u.ID].followsBack && !u.NotFollowed && !s.listed[u.ID]
		if given := u.set.followsYou; given != nil {
			want = *given
		} else if !want {
			continue // derived: no one's follows are taken away
		}
		switch {
		case u.ID == userID:
		case want:
			s.follow(u.ID, userID)
		default:
			s.unfollow(u.ID, userID)
		}
	}
}

// Followed counts the users of a list SeedFollowing would follow (repeats
// included).
func Followed(users []User) int {
	n := 0
	for _, u := range users {
		if !u.NotFollowed {
			n++
		}
	}
	return n
}
