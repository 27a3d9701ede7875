package xapisim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadUsers reads a list of accounts for seeding a following list: JSON (an
// array of ids as strings or numbers, or of objects with "id" and optional
// "username", "name" and "followed" (false: the account exists, not
// followed); or an X API response {"data":[...]}), or lines of "id",
// "id,username" or "id,username,name" (blank lines and # comments are
// skipped). A CSV header line naming the columns id, username, name and
// followed (yes/no) sets their order; a header naming none of them is
// skipped. Ids keep every digit. Unnamed accounts get generated usernames
// when added.
func ReadUsers(r io.Reader) ([]User, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		return readUsersJSON(trimmed)
	}
	var users []User
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	cols := map[string]int{"id": 0, "username": 1, "name": 2} // without a header
	header := false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.Trim(strings.TrimSpace(f[i]), `"`)
		}
		if len(users) == 0 && !header && !strings.ContainsAny(f[0], "0123456789") {
			header = true // a header such as "id,username"
			named := map[string]int{}
			for i, name := range f {
				switch name = strings.ToLower(name); name {
				case "id", "username", "name", "followed":
					named[name] = i
				}
			}
			if len(named) > 0 {
				if _, ok := named["id"]; !ok {
					return nil, fmt.Errorf("read users: line %d: the header names no id column", n)
				}
				cols = named
			}
			continue
		}
		field := func(name string) string {
			if i, ok := cols[name]; ok && i < len(f) {
				return f[i]
			}
			return ""
		}
		u := User{ID: field("id"), Username: strings.TrimPrefix(field("username"), "@"), Name: field("name")}
		switch strings.ToLower(field("followed")) {
		case "", "yes", "true":
		case "no", "false":
			u.NotFollowed = true
		default:
			return nil, fmt.Errorf("read users: line %d: followed %q is not yes or no", n, field("followed"))
		}
		if err := u.check(); err != nil {
			return nil, fmt.Errorf("read users: line %d: %w", n, err)
		}
		users = append(users, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	return users, nil
}

func readUsersJSON(data []byte) ([]User, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	if obj, ok := v.(map[string]any); ok {
		v = obj["data"]
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("read users: want a JSON array or {\"data\": [...]}")
	}
	users := make([]User, 0, len(list))
	for i, item := range list {
		var u User
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
			if followed, ok := x["followed"].(bool); ok {
				u.NotFollowed = !followed
			}
		}
		if err := u.check(); err != nil {
			return nil, fmt.Errorf("read users: item %d: %w", i+1, err)
		}
		users = append(users, u)
	}
	return users, nil
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

// SeedFollowing adds users (with their usernames and names) and makes
// userID follow exactly those not marked NotFollowed, in order, without
// repeats.
func (s *Server) SeedFollowing(userID string, users []User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(users))
	for _, u := range users {
		s.addUser(u.ID, u.Username, u.Name)
		if !u.NotFollowed {
			ids = append(ids, u.ID)
		}
	}
	s.setFollowing(userID, ids)
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
