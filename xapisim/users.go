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
// "username" and "name"; or an X API response {"data":[...]}), or lines of
// "id", "id,username" or "id,username,name" (a CSV header line, blank lines
// and # comments are skipped). Ids keep every digit. Unnamed accounts get
// generated usernames when added.
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
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.Trim(strings.TrimSpace(f[i]), `"`)
		}
		if len(users) == 0 && !strings.ContainsAny(f[0], "0123456789") {
			continue // a header such as "id,username"
		}
		u := User{ID: f[0]}
		if len(f) > 1 {
			u.Username = strings.TrimPrefix(f[1], "@")
		}
		if len(f) > 2 {
			u.Name = f[2]
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
// userID follow exactly them, in order, without repeats.
func (s *Server) SeedFollowing(userID string, users []User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(users))
	for i, u := range users {
		s.addUser(u.ID, u.Username, u.Name)
		ids[i] = u.ID
	}
	s.setFollowing(userID, ids)
}
