package sheet

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func TestPostTime(t *testing.T) {
	// 1000 << 22: 1,000 ms after the snowflake epoch (1288834974657 ms).
	got, err := PostTime("4194304000")
	if want := time.UnixMilli(1288834975657).UTC(); err != nil || !got.Equal(want) {
		t.Errorf("PostTime = %v, %v; want %v", got, err, want)
	}
	at := time.Date(2024, 2, 29, 23, 59, 59, 123e6, time.UTC)
	if got, err := PostTime(PostID(at)); err != nil || !got.Equal(at) {
		t.Errorf("PostTime(PostID(%v)) = %v, %v", at, got, err)
	}
	for _, bad := range []string{"", "0", "12a", "-5", "99999999999999999999"} {
		if _, err := PostTime(bad); err == nil {
			t.Errorf("PostTime(%q) succeeded", bad)
		}
	}
}

func rows() []Row {
	return []Row{
		{ID: "3", Username: "recent", Name: "Recent", Followers: 10, Following: 5, Posts: 100, Listed: 1,
			CreatedAt: time.Date(2010, 1, 2, 3, 4, 5, 0, time.UTC), LastPostAt: now.Add(-36 * time.Hour),
			VerifiedType: "blue", FollowsYou: Yes, Description: "says \"hi\", often\nand twice"},
		{ID: "1", Username: "never", Name: "Never", Followers: 0, Following: 0, Posts: 0, Listed: 0,
			CreatedAt: time.Date(2020, 5, 6, 0, 0, 0, 0, time.UTC), Protected: true, VerifiedType: "none", FollowsYou: No},
		{ID: "22", Username: "old", Name: "Old; one", Followers: 5000, Following: -1, Posts: 7, Listed: 0,
			LastPostAt: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), FollowsYou: Unknown, Description: "café ☕"},
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, CSV, rows(), now); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "id,username,name,followers_count,following_count,post_count,listed_count,created_at,last_post_at,days_since_last_post,protected,verified_type,follows_you,description,decision" {
		t.Errorf("header %q", recs[0])
	}
	want := [][]string{
		{"3", "recent", "Recent", "10", "5", "100", "1", "2010-01-02T03:04:05Z", "2026-12-03T00:00:00Z", "1", "no", "blue", "yes", "says \"hi\", often\nand twice", ""},
		{"1", "never", "Never", "0", "0", "0", "0", "2020-05-06T00:00:00Z", "", "", "yes", "none", "no", "", ""},
		{"22", "old", "Old; one", "5000", "", "7", "0", "", "2019-06-01T00:00:00Z", "2743", "no", "", "", "café ☕", ""},
	}
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	for i, w := range want {
		if !slices.Equal(recs[i+1], w) {
			t.Errorf("row %d = %q\nwant     %q", i+1, recs[i+1], w)
		}
	}
}

func TestWriteJSONL(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, JSONL, rows(), now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	// Keys in the CSV's order.
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	var keys []string
	tok, _ := dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var v any
		_ = dec.Decode(&v)
	}
	_ = tok
	if !slices.Equal(keys, Columns) {
		t.Errorf("keys %v", keys)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &r); err != nil {
		t.Fatal(err)
	}
	if r["id"] != "22" || r["followers_count"] != 5000.0 || r["following_count"] != nil || r["follows_you"] != nil ||
		r["days_since_last_post"] != 2743.0 || r["protected"] != false || r["decision"] != "" || r["verified_type"] != nil {
		t.Errorf("row %v", r)
	}
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || r["last_post_at"] != nil || r["protected"] != true || r["follows_you"] != false {
		t.Errorf("row %v, %v", r, err)
	}
}

func TestSort(t *testing.T) {
	order := func(rs []Row) string {
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return strings.Join(ids, " ")
	}
	for _, tc := range []struct{ by, want string }{
		{"", "1 22 3"}, {"none", "3 1 22"},
		{"last_post_at", "1 22 3"}, {"-last_post_at", "3 22 1"},
		{"days_since_last_post", "3 22 1"},
		{"-followers_count", "22 3 1"}, {"username", "1 22 3"}, {"ID", "1 3 22"},
		{"follows_you", "22 1 3"}, {" -Protected ", "1 3 22"},
	} {
		rs := rows()
		if err := Sort(rs, tc.by); err != nil || order(rs) != tc.want {
			t.Errorf("Sort(%q) = %s, %v; want %s", tc.by, order(rs), err, tc.want)
		}
	}
	if err := Sort(rows(), "age"); err == nil || !strings.Contains(err.Error(), "last_post_at") {
		t.Errorf("Sort(age) = %v", err)
	}
}

func TestCountDecisions(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       int
	}{
		{"empty", "", 0},
		{"no sheet", "id\n1\n2\n", 0},
		{"undecided", "id,decision\n1,\n2, \n", 0},
		{"decided", "id,username,decision\n1,a,unfollow\n2,b,\n3,c,keep\n", 2},
		{"excel", "\xef\xbb\xbfid;username;Decision\r\n1;a;unfollow\r\n\"2\";\"b;c\";\r\n", 1},
		{"quoted newline", "id,description,decision\n1,\"two\nlines\",keep\n", 1},
		{"jsonl", "{\"id\":\"1\",\"decision\":\"\"}\n{\"id\":\"2\",\"decision\":\"keep\"}\n", 1},
		// The other forms import reads a marked sheet in: each must count,
		// or following -o would replace the sheet and lose its decisions.
		{"tab", "id\tusername\tdecision\n1\ta\tunfollow\n2\tb\tkeep\n", 2},
		{"old mac", "id,username,decision\r1,a,unfollow\r2,b,\r3,c,keep\r", 2},
		{"utf-16le", utf16LE("id\tdecision\r\n1\tunfollow\r\n2\t\r\n"), 1},
		{"utf-16be", utf16BE("id,decision\n1,keep\n"), 1},
		{"jsonl after a blank line", "\r\n  \n{\"id\":\"1\",\"decision\":\"keep\"}\n", 1},
	} {
		n, err := CountDecisions(strings.NewReader(tc.file))
		if err != nil || n != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": CSV, "CSV": CSV, "jsonl": JSONL, "ndjson": JSONL} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %v, %v", in, f, err)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil {
		t.Error("xlsx accepted")
	}
	if FormatOf("a/Sheet.JSONL") != JSONL || FormatOf("sheet.csv") != CSV || FormatOf("sheet") != CSV {
		t.Error("FormatOf")
	}
}

// utf16LE is s as UTF-16, little-endian, with a byte order mark (Excel's
// "Unicode Text").
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// utf16BE is s as UTF-16, big-endian, with a byte order mark.
func utf16BE(s string) string {
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return string(b)
}
