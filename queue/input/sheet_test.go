package input

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sheetRow shows an entry with a review sheet's fields:
// "LINE:ENTRY decision [protected] @username".
func sheetRow(e Entry) string {
	d := e.Decision.String()
	switch e.Decision {
	case NoDecision:
		d = "none"
	case Undecided:
		d = "undecided"
	}
	s := strconv.Itoa(e.Line) + ":" + e.String() + " " + d
	if e.Protected {
		s += " protected"
	}
	if e.Username != "" {
		s += " @" + e.Username
	}
	return s
}

// The eight accounts of testdata/sheets (see its README.md), on the lines
// of following.csv, with the decisions it marks.
var sheetRows = []string{
	"2:1111111111111111111 unfollow @never_posted",
	"3:1602345678912345601 unfollow @quiet_since2019",
	"4:1700000000000000001 unfollow protected @locked_acct",
	"5:1234567890123456789 undecided @emoji_fan",
	"7:783214 keep @X",
	"8:2244994945 keep @XDevelopers",
	"9:1453212345678901250 undecided @newsbot_42",
	"10:1500000000000000007 undecided protected @friend_of_mine",
}

// decided returns sheetRows with the decisions replaced (in row order).
func decided(decisions ...string) []string {
	out := make([]string, len(sheetRows))
	for i, r := range sheetRows {
		line, rest, _ := strings.Cut(r, " ")
		_, rest, _ = strings.Cut(rest, " ")
		out[i] = line + " " + decisions[i] + " " + rest
	}
	return out
}

// sheetCases lists every file of testdata/sheets with what Read must make
// of it: entries as sheetRow shows them, and errors ("LINE:reason
// substring"), both in file order.
var sheetCases = []struct {
	file  string
	comma rune
	want  []string
	errs  []string
}{
	{file: "following.csv", want: sheetRows},
	{file: "unmarked.csv", want: decided("undecided", "undecided", "undecided", "undecided", "undecided", "undecided", "undecided", "undecided")},
	{file: "only-keep.csv", want: decided("keep", "undecided", "keep", "undecided", "keep", "keep", "undecided", "undecided")},
	{file: "excel-utf8.csv", want: decided("unfollow", "unfollow", "unfollow", "undecided", "keep", "keep", "undecided", "undecided")},
	{file: "excel-semicolon-1252.csv", comma: ';', want: sheetRows},
	{file: "excel-unicode-text.txt", comma: '\t', want: sheetRows},
	// Ids in scientific notation have lost their digits: the rows name
	// their accounts by username instead.
	{file: "excel-scientific.csv", want: []string{"2:@never_posted unfollow", "3:@quiet_since2019 unfollow", "4:@locked_acct unfollow protected",
		"5:@emoji_fan undecided", "7:783214 keep @X", "8:2244994945 keep @XDevelopers", "9:@newsbot_42 undecided", "10:@friend_of_mine undecided protected"}},
	// The rounded ids are valid ids: Read passes them on as it reads, and
	// reports them once the whole file shows that they were rounded.
	{file: "excel-rounded.csv", want: []string{
		"2:1111111111111110000 unfollow @never_posted", "3:1602345678912350000 unfollow @quiet_since2019",
		"4:1700000000000000000 unfollow protected @locked_acct", "5:1234567890123460000 undecided @emoji_fan",
		"7:783214 keep @X", "8:2244994945 keep @XDevelopers",
		"9:1453212345678900000 undecided @newsbot_42", "10:1500000000000000000 undecided protected @friend_of_mine"},
		errs: []string{"2:id 1111111111111110000 was rounded by a spreadsheet", "3:id 1602345678912350000 was rounded", "4:rounded", "5:rounded", "9:rounded", "10:format the id column as Text before saving"}},
	{file: "google-sheets.csv", want: decided("unfollow", "unfollow", "unfollow", "undecided", "keep", "keep", "undecided", "undecided")},
	{file: "libreoffice-quote-all-text.csv", want: sheetRows},
	{file: "all-quoted.csv", want: sheetRows},
	{file: "trailing-columns.csv", want: sheetRows},
	{file: "reviewed.csv", want: sheetRows},
	{file: "bad-decisions.csv", want: []string{
		"2:1111111111111111111 unfollow @never_posted", "5:1234567890123456789 undecided @emoji_fan",
		"8:2244994945 keep @XDevelopers", "10:1500000000000000007 unfollow protected @friend_of_mine"},
		errs: []string{`3:decision "maybe" is not one of the allowed values: write unfollow, keep, or leave it empty`,
			`4:decision "unfollow?"`, `7:decision "delete"`, `9:decision "1"`}},
	{file: "following.jsonl", want: []string{
		"1:1111111111111111111 unfollow @never_posted", "2:1602345678912345601 unfollow @quiet_since2019",
		"3:1700000000000000001 unfollow protected @locked_acct", "4:1234567890123456789 undecided @emoji_fan",
		"5:783214 keep @X", "6:2244994945 keep @XDevelopers",
		"7:1453212345678901250 undecided @newsbot_42", "8:1500000000000000007 undecided protected @friend_of_mine"}},
	{file: "mixed-decisions.jsonl", want: []string{"1:12 unfollow @a", "5:16 undecided", "6:17 keep protected"},
		errs: []string{`2:no "decision" field, while the first entry has one`, `3:no "decision" field`, `4:"decision" is true`}},
}

func TestReadSheets(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range sheetCases {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "sheets", tc.file)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var got []string
			info, err := ReadInfo(f, path, Auto, Options{MaxErrors: -1}, func(e Entry) error {
				got = append(got, sheetRow(e))
				return nil
			})
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("entries:\n got %q\nwant %q", got, tc.want)
			}
			checkErrs(t, err, path, tc.errs)
			if !info.Decisions {
				t.Error("Info.Decisions = false, want true: the file has a decision column")
			}
			if info.Format == CSV {
				if info.Column != "id" {
					t.Errorf("column read %q, want id", info.Column)
				}
				want := tc.comma
				if want == 0 {
					want = ','
				}
				if info.Comma != want {
					t.Errorf("separator %q, want %q", info.Comma, want)
				}
			}
		})
	}
	ents, err := os.ReadDir(filepath.Join("testdata", "sheets"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "README.md" && !seen[e.Name()] {
			t.Errorf("testdata/sheets/%s has no case in sheetCases", e.Name())
		}
	}
}

// The fixtures' own promises: the bytes each tool writes.
func TestSheetFixtureBytes(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "sheets", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	header := "id,username,name,followers_count,following_count,post_count,listed_count,created_at,last_post_at,days_since_last_post,protected,verified_type,follows_you,description,decision"
	tests := []struct {
		file string
		ok   func(string) bool
		want string
	}{
		{"following.csv", func(s string) bool { return strings.HasPrefix(s, header+"\n") && !strings.Contains(s, "\r") }, "the header, LF only"},
		{"excel-utf8.csv", func(s string) bool {
			return strings.HasPrefix(s, "\ufeff"+header+"\r\n") && strings.Contains(s, "\"Line one\nLine two")
		}, "BOM, CRLF between rows, LF inside a cell"},
		{"excel-semicolon-1252.csv", func(s string) bool {
			return strings.HasPrefix(s, strings.ReplaceAll(header, ",", ";")+"\r\n") && strings.Contains(s, ";Quiet, Person;") && strings.Contains(s, "Locked ?;")
		}, "; separator, CRLF, unquoted commas, emoji lost"},
		{"excel-unicode-text.txt", func(s string) bool { return strings.HasPrefix(s, "\xff\xfei\x00d\x00\t\x00u\x00") }, "UTF-16 LE with a byte order mark, tabs"},
		{"excel-scientific.csv", func(s string) bool { return strings.Contains(s, "\r\n1.60235E+18,") }, "ids in scientific notation"},
		{"excel-rounded.csv", func(s string) bool { return strings.Contains(s, "\r\n1602345678912350000,") }, "ids rounded to 15 digits"},
		{"google-sheets.csv", func(s string) bool { return !strings.HasSuffix(s, "\n") && !strings.Contains(s, "\r") }, "LF, no final line break"},
		{"libreoffice-quote-all-text.csv", func(s string) bool {
			return strings.Contains(s, "\n\"783214\",\"X\",\"X\",60000000,") && strings.Contains(s, ",,,\"no\",")
		}, "text quoted, numbers and empty cells not"},
		{"all-quoted.csv", func(s string) bool { return strings.Contains(s, "\"\",\"\",\"no\"") && strings.Contains(s, "\r\n") }, "every field quoted, CRLF"},
		{"trailing-columns.csv", func(s string) bool { return strings.HasPrefix(s, header+",,\n") }, "two empty header cells"},
		{"reviewed.csv", func(s string) bool { return strings.HasPrefix(s, header+",decided_at\n") }, "decided_at after decision"},
		{"following.jsonl", func(s string) bool { return strings.Contains(s, `"description":"\u003cb\u003ebreaking`) }, "Go's JSON escapes"},
	}
	for _, tt := range tests {
		if !tt.ok(read(tt.file)) {
			t.Errorf("%s: want %s", tt.file, tt.want)
		}
	}
}

func TestReadDecisions(t *testing.T) {
	tests := []struct {
		name, file, in string
		want           []string // sheetRow
		errs           []string
	}{
		{name: "header names in any case, with spaces", file: "a.csv", in: "ID , Username,Protected, DECISION \n12,jack,Yes,Unfollow\n13,jill,no,keep\n",
			want: []string{"2:12 unfollow protected @jack", "3:13 keep @jill"}},
		{name: "unquoted rows read every column", file: "a.csv", in: "id,decision\n12,unfollow\n13,\n14,keep\n",
			want: []string{"2:12 unfollow", "3:13 undecided", "4:14 keep"}},
		{name: "decision before the id", file: "a.csv", in: "decision;name;id\nunfollow;A, B;12\n;x;13\n",
			want: []string{"2:12 unfollow", "3:13 undecided"}},
		{name: "a username sheet queues handles", file: "a.csv", in: "username,decision\njack,unfollow\n@jill,keep\n",
			want: []string{"2:@jack unfollow", "3:@jill keep"}},
		{name: "empty id falls back to the username", file: "a.csv", in: "id,username,decision\n,jack,unfollow\n",
			want: []string{"2:@jack unfollow"}},
		{name: "usernames beside ids, any form", file: "a.csv", in: "id,username\n12,@jack\n13,https://x.com/jill\n14,not a name\n15,\n",
			want: []string{"2:12 none @jack", "3:13 none @jill", "4:14 none", "5:15 none"}},
		{name: "protected values", file: "a.csv", in: "id,protected\n1,yes\n2,TRUE\n3,1\n4,y\n5,no\n6,false\n7,\n8,maybe\n",
			want: []string{"2:1 none protected", "3:2 none protected", "4:3 none protected", "5:4 none protected", "6:5 none", "7:6 none", "8:7 none", "9:8 none"}},
		{name: "a bad id is reported before its decision", file: "a.csv", in: "id,decision\n1.5E+18,keep\n12,nope\n",
			errs: []string{"2:scientific notation", `3:decision "nope"`}},
		{name: "no decision column", file: "a.csv", in: "id,name\n12,a\n", want: []string{"2:12 none"}},
		{name: "a row starting with # is a row in a sheet", file: "a.csv", in: "# made by hand\nname;decision;id\n#1 fan;unfollow;12\n#2;keep;13\n",
			want: []string{"3:12 unfollow", "4:13 keep"}},
		{name: "and a comment elsewhere", file: "a.csv", in: "name;id\n#1 fan;12\nx;13\n", want: []string{"3:13 none"}},
		// A sheet whose id and username columns were deleted: its first
		// column (a count, a name) is no account, and its decisions are
		// not to be dropped; line 1 says so, nothing is read.
		{name: "a decision column but no account column", file: "a.csv", in: "followers_count,name,decision\n12345,Bob,unfollow\n999,Al,keep\n",
			errs: []string{"1:a decision column but no id or username column"}},
		{name: "only a decision column", file: "a.csv", in: "Decision\nunfollow\n", errs: []string{"1:a decision column but no id or username column"}},
		{name: "decided_at is not the decision", file: "a.csv", in: "id,decided_at\n12,2026-04-21T09:00:00Z\n", want: []string{"2:12 none"}},
		{name: "json array", file: "a.json", in: "[{\"id\":\"12\",\"decision\":\"unfollow\",\"protected\":\"yes\",\"screen_name\":\"jack\"},\n{\"id\":13,\"decision\":\"\"}]",
			want: []string{"1:12 unfollow protected @jack", "2:13 undecided"}},
		{name: "json lines without decisions, then one", file: "a.jsonl", in: "{\"id\":\"12\"}\n{\"id\":\"13\",\"Decision\":\"keep\"}\n",
			want: []string{"1:12 none"}, errs: []string{`2:a "decision" field, while the first entry has none`}},
		{name: "json decision not a string", file: "a.jsonl", in: "{\"id\":\"12\",\"decision\":\"unfollow\"}\n{\"id\":\"13\",\"decision\":1}\n{\"id\":\"14\",\"decision\":[\"keep\"]}\n",
			want: []string{"1:12 unfollow"}, errs: []string{`2:"decision" is a number`, `3:"decision" is an array`}},
		{name: "json first entry bad still decides", file: "a.jsonl", in: "{\"id\":\"x\",\"decision\":\"keep\"}\n{\"id\":\"13\"}\n",
			errs: []string{"1:not an id", `2:no "decision" field`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := Read(strings.NewReader(tt.in), tt.file, Auto, Options{MaxErrors: -1}, func(e Entry) error {
				got = append(got, sheetRow(e))
				return nil
			})
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("entries:\n got %q\nwant %q", got, tt.want)
			}
			checkErrs(t, err, tt.file, tt.errs)
		})
	}
}

func TestParseDecision(t *testing.T) {
	for in, want := range map[string]Decision{"unfollow": Unfollow, " Unfollow ": Unfollow, "UNFOLLOW": Unfollow, "keep": Keep, "\u00a0KEEP\t": Keep, "": Undecided, "  ": Undecided} {
		if d, reason := parseDecision([]byte(in)); d != want || reason != "" {
			t.Errorf("parseDecision(%q) = %v, %q; want %v", in, d, reason, want)
		}
	}
	for _, in := range []string{"unfollowed", "un follow", "k", "x", "yes", "unfollow,keep"} {
		d, reason := parseDecision([]byte(in))
		if d != NoDecision || !strings.Contains(reason, strconv.Quote(in)) || !strings.Contains(reason, "write unfollow, keep, or leave it empty") {
			t.Errorf("parseDecision(%q) = %v, %q; want a reason naming the value and the allowed ones", in, d, reason)
		}
	}
}

// Ids a spreadsheet rounded to 15 significant digits are only told apart
// by the file: every long id ends in zeros, and too many of them to be
// chance.
func TestReadRoundedIDs(t *testing.T) {
	const r1, r2, r3 = "1602345678912350000", "1453212345678900000", "1700000000000000000"
	tests := []struct {
		name string
		in   string
		want int      // entries
		errs []string // "LINE:substring"
	}{
		{name: "three rounded 19-digit ids", in: "id\n" + r1 + "\n" + r2 + "\n12\n" + r3 + "\n", want: 4,
			errs: []string{"2:id " + r1 + " was rounded by a spreadsheet", "3:id " + r2, "5:id " + r3}},
		{name: "two are chance", in: "id\n" + r1 + "\n" + r2 + "\n", want: 2},
		{name: "one clean id clears them", in: "id\n" + r1 + "\n" + r2 + "\n1602345678912345601\n" + r3 + "\n", want: 4},
		{name: "16-digit ids need twelve", in: "id\n" + strings.Repeat("1234567890123450\n", 11), want: 11},
		{name: "twelve 16-digit ids", in: "id\n" + strings.Repeat("1234567890123450\n", 12), want: 12,
			errs: []string{"2:rounded", "3:rounded", "4:rounded", "5:rounded", "6:rounded", "7:rounded", "8:rounded", "9:rounded", "10:rounded", "11:rounded", "12:rounded", "13:rounded"}},
		{name: "short ids are never suspects", in: "id\n" + strings.Repeat("120000\n", 20), want: 20},
		{name: "merged with other errors in line order", in: "id\n" + r1 + "\nx\n" + r2 + "\n-5\n" + r3 + "\n", want: 3,
			errs: []string{"2:rounded", "3:not an id", "4:rounded", "5:negative", "6:rounded"}},
		{name: "text lists too", in: r1 + "\n" + r2 + "\n" + r3 + "\n", want: 3, errs: []string{"1:rounded", "2:rounded", "3:rounded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := "a.csv"
			if !strings.HasPrefix(tt.in, "id\n") {
				file = "a.txt"
			}
			n := 0
			err := Read(strings.NewReader(tt.in), file, Auto, Options{MaxErrors: -1}, func(Entry) error { n++; return nil })
			if n != tt.want {
				t.Errorf("%d entries, want %d", n, tt.want)
			}
			checkErrs(t, err, file, tt.errs)
		})
	}
	// MaxErrors keeps the first errors of all, whichever kind; Total counts all.
	in := "id\n" + r1 + "\nx\n" + r2 + "\n-5\n" + r3 + "\n"
	err := Read(strings.NewReader(in), "a.csv", Auto, Options{MaxErrors: 2}, func(Entry) error { return nil })
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Total != 5 || len(ie.Errors) != 2 || ie.Errors[0].Line != 2 || ie.Errors[1].Line != 3 {
		t.Errorf("MaxErrors 2: %v", err)
	}
}
