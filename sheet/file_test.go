package sheet

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func read(t *testing.T, s string) *File {
	t.Helper()
	f, err := Read(strings.NewReader(s), "sheet.csv")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func rewrite(t *testing.T, f *File) string {
	t.Helper()
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A sheet Write wrote reads back as the rows it was written from, and a
// rewrite is the same file with decided_at right after decision.
func TestReadWhatWriteWrote(t *testing.T) {
	for _, format := range []Format{CSV, JSONL} {
		t.Run(string(format), func(t *testing.T) {
			want := rows()
			want[1].Decision = Keep
			var b bytes.Buffer
			if err := Write(&b, format, want, now); err != nil {
				t.Fatal(err)
			}
			f := read(t, b.String())
			if f.Format() != format || !f.HasLastPost() {
				t.Errorf("format %s, last post %v", f.Format(), f.HasLastPost())
			}
			if !slices.Equal(f.Rows, want) {
				t.Errorf("rows\n%+v\nwant\n%+v", f.Rows, want)
			}
			if u, k, n := f.Counts(); u != 0 || k != 1 || n != 2 {
				t.Errorf("counts %d %d %d", u, k, n)
			}
			// The rewrite: the same lines, decided_at added after decision.
			out := rewrite(t, f)
			if format == CSV {
				wantOut := strings.Replace(b.String(), "description,decision\n", "description,decision,decided_at\n", 1)
				wantOut = strings.ReplaceAll(wantOut, ",\n", ",,\n")
				wantOut = strings.ReplaceAll(wantOut, ",keep\n", ",keep,\n")
				if out != wantOut {
					t.Errorf("rewrite\n%s\nwant\n%s", out, wantOut)
				}
			} else {
				wantOut := strings.ReplaceAll(b.String(), `"decision":""}`, `"decision":"","decided_at":null}`)
				wantOut = strings.ReplaceAll(wantOut, `"decision":"keep"}`, `"decision":"keep","decided_at":null}`)
				if out != wantOut {
					t.Errorf("rewrite\n%s\nwant\n%s", out, wantOut)
				}
			}

			// Decisions, written and read back.
			at := time.Date(2026, 12, 5, 8, 30, 15, 999, time.FixedZone("CET", 3600))
			for i, d := range []string{Unfollow, "", Keep} {
				if err := f.Decide(i, d, at); err != nil {
					t.Fatal(err)
				}
			}
			again := read(t, rewrite(t, f))
			for i, d := range []string{Unfollow, "", Keep} {
				if again.Rows[i].Decision != d {
					t.Errorf("row %d: decision %q, want %q", i, again.Rows[i].Decision, d)
				}
				wantAt := time.Date(2026, 12, 5, 7, 30, 15, 0, time.UTC)
				if d == "" {
					wantAt = time.Time{}
				}
				if got := again.DecidedAt(i); !got.Equal(wantAt) {
					t.Errorf("row %d: decided_at %v, want %v", i, got, wantAt)
				}
			}
			if s := rewrite(t, again); !strings.Contains(s, "2026-12-05T07:30:15Z") {
				t.Errorf("decided_at is not RFC 3339 UTC:\n%s", s)
			}
			if format == JSONL {
				var first map[string]any
				if err := json.Unmarshal([]byte(strings.SplitN(rewrite(t, again), "\n", 2)[0]), &first); err != nil || first["decided_at"] != "2026-12-05T07:30:15Z" || first["decision"] != Unfollow {
					t.Errorf("first line %v, %v", first, err)
				}
			}
		})
	}
}

// Excel, LibreOffice and Google Sheets re-save a sheet with a BOM, CRLF,
// ';' between fields, every field quoted, header names capitalised, a
// column of the person's own, and without the columns they deleted.
// It reads, and the rewrite keeps all of it.
func TestReadSpreadsheetResave(t *testing.T) {
	in := "\xef\xbb\xbf\"ID\";\"Username\";\"Name\";\"Followers_Count\";\"Description\";\"Notes\";\"Protected\";\"Follows_You\"\r\n" +
		"\"22\";\"old\";\"Old; one\";\"5,000\";\"two\r\nlines\";\"my note\";\"FALSE\";\"\"\r\n" +
		";;;;;;;\r\n" +
		"\"3\";\"@recent\";\"Recent\";\"10\";\"\";\"\";\"TRUE\";\"yes\"\r\n"
	f := read(t, in)
	if f.Format() != CSV || f.HasLastPost() || len(f.Rows) != 2 {
		t.Fatalf("format %s, last post %v, %d rows", f.Format(), f.HasLastPost(), len(f.Rows))
	}
	r := f.Rows[0]
	if r.ID != "22" || r.Username != "old" || r.Name != "Old; one" || r.Followers != 5000 || r.Following != -1 ||
		r.Description != "two\nlines" || r.Protected || r.FollowsYou != Unknown || !r.CreatedAt.IsZero() {
		t.Errorf("row 0: %+v", r)
	}
	if r := f.Rows[1]; r.Username != "recent" || !r.Protected || r.FollowsYou != Yes {
		t.Errorf("row 1: %+v", r)
	}
	if err := f.Decide(1, Unfollow, now); err != nil {
		t.Fatal(err)
	}
	out := rewrite(t, f)
	want := "\xef\xbb\xbfID;Username;Name;Followers_Count;Description;Notes;Protected;Follows_You;decision;decided_at\r\n" +
		"22;old;Old; one;5,000;\"two\r\nlines\";my note;FALSE;;;\r\n" +
		"3;@recent;Recent;10;;;TRUE;yes;unfollow;2026-12-04T12:00:00Z\r\n"
	want = strings.Replace(want, "Old; one", "\"Old; one\"", 1)
	if out != want {
		t.Errorf("rewrite\n%q\nwant\n%q", out, want)
	}
	// A decision spelt the person's way stays as it was.
	f = read(t, "id,Decision,Decided_At,extra\n1, Keep ,2026-01-02 03:04:05,x,y\n")
	if f.Rows[0].Decision != Keep || !f.DecidedAt(0).Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("row %+v at %v", f.Rows[0], f.DecidedAt(0))
	}
	if out := rewrite(t, f); out != "id,Decision,Decided_At,extra\n1,\" Keep \",2026-01-02T03:04:05Z,x,y\n" {
		t.Errorf("rewrite %q", out)
	}
	// Tab-separated, decided_at before decision.
	f = read(t, "decided_at\tid\tdecision\n2026-01-02\t1\tunfollow\n\t2\t\n")
	if err := f.Decide(1, Keep, now); err != nil {
		t.Fatal(err)
	}
	if out := rewrite(t, f); out != "decided_at\tid\tdecision\n2026-01-02T00:00:00Z\t1\tunfollow\n2026-12-04T12:00:00Z\t2\tkeep\n" {
		t.Errorf("rewrite %q", out)
	}
	// JSON Lines with keys of its own, numbers for ids, CRLF.
	f = read(t, "{\"Id\": 17, \"mine\": [1, 2], \"decision\": null, \"protected\": true}\r\n\r\n{\"username\":\"b\",\"follows_you\":false}\r\n")
	if f.Format() != JSONL || f.Rows[0].ID != "17" || !f.Rows[0].Protected || f.Rows[1].FollowsYou != No {
		t.Fatalf("%s %+v", f.Format(), f.Rows)
	}
	if err := f.Decide(0, Keep, now); err != nil {
		t.Fatal(err)
	}
	if out := rewrite(t, f); out != "{\"Id\":17,\"mine\":[1, 2],\"decision\":\"keep\",\"decided_at\":\"2026-12-04T12:00:00Z\",\"protected\":true}\r\n"+
		"{\"username\":\"b\",\"follows_you\":false,\"decision\":\"\",\"decided_at\":null}\r\n" {
		t.Errorf("rewrite %q", out)
	}
}

// The forms import reads a marked sheet in besides UTF-8 with LF or CRLF
// read too (their rows, not a header of every line run together), and a
// rewrite keeps them: lines ended by a CR alone (Excel for Mac's "CSV
// (Macintosh)"), UTF-16 with a byte order mark (Excel's "Unicode Text").
func TestReadOldMacAndUTF16(t *testing.T) {
	in := "id,username,description,decision\r1,a,\"two\rlines\",keep\r2,b,,\r"
	want := "id,username,description,decision,decided_at\r1,a,\"two\rlines\",keep,\r2,b,,unfollow,2026-12-04T12:00:00Z\r"
	f := read(t, in)
	if len(f.Rows) != 2 || f.Rows[0].Description != "two\nlines" || f.Rows[1].Username != "b" {
		t.Fatalf("CR only: %+v", f.Rows)
	}
	if err := f.Decide(1, Unfollow, now); err != nil {
		t.Fatal(err)
	}
	if out := rewrite(t, f); out != want {
		t.Errorf("CR only: rewrite\n%q\nwant\n%q", out, want)
	}
	for name, enc := range map[string]func(string) string{"UTF-16LE": utf16LE, "UTF-16BE": utf16BE} {
		f := read(t, enc("id\tusername\tdecision\r\n1\tcafé ☕ 📷\tkeep\r\n2\tb\t\r\n"))
		if len(f.Rows) != 2 || f.Rows[0].Username != "café ☕ 📷" || f.Rows[0].Decision != Keep {
			t.Fatalf("%s: %+v", name, f.Rows)
		}
		if err := f.Decide(1, Unfollow, now); err != nil {
			t.Fatal(err)
		}
		if out := rewrite(t, f); out != enc("id\tusername\tdecision\tdecided_at\r\n1\tcafé ☕ 📷\tkeep\t\r\n2\tb\tunfollow\t2026-12-04T12:00:00Z\r\n") {
			t.Errorf("%s: rewrite %q", name, out)
		}
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "sheet.csv: empty file"},
		{"no id", "name,decision\nA,keep\n", "sheet.csv:1: no id or username column"},
		{"twice", "id,ID\n1,2\n", "sheet.csv:1: column id appears twice"},
		{"decision", "id,description,decision\n1,\"two\nlines\",keep\n2,x,maybe\n", `sheet.csv:4: decision "maybe": want unfollow, keep, or nothing`},
		{"count", "id,followers_count\n1,12\n2,1.5\n", `sheet.csv:3: followers_count "1.5": want a whole number`},
		{"grouping", "id;post_count\n1;12,34\n", `sheet.csv:2: post_count "12,34"`},
		{"date", "id,last_post_at\n1,yesterday\n", `sheet.csv:2: last_post_at "yesterday": want a time`},
		{"bool", "id,protected\n1,maybe\n", `sheet.csv:2: protected "maybe": want yes, no`},
		{"row without id", "id,username\n1,a\n,\n  , \n,  \n\"\",\" \"\n", ""},
		{"quote", "id,name\n1,\"open\n2,b\n", "sheet.csv:3: extraneous or missing \" in quoted-field"},
		{"json", "{\"id\":\"1\"}\n[1]\n", "sheet.csv:2: not a JSON object"},
		{"json id", "{\"id\":\"1\"}\n{\"name\":\"x\"}\n", "sheet.csv:2: no id or username"},
		{"json value", "{\"id\":{}}\n", "sheet.csv:1: id: want a string"},
		{"json twice", "{\"id\":\"1\",\"ID\":\"2\"}\n", "sheet.csv:1: key id appears twice"},
		{"json decision", "{\"id\":\"1\",\"decision\":\"later\"}\n", `sheet.csv:1: decision "later"`},
		{"json trailing", "{\"id\":\"1\"} {}\n", "sheet.csv:1: not a JSON object: more after the object"},
	} {
		_, err := Read(strings.NewReader(tc.in), "sheet.csv")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	// A row with only an empty id but a username elsewhere is a row.
	f := read(t, "id,username\n,a\n")
	if f.Rows[0].Username != "a" {
		t.Errorf("%+v", f.Rows)
	}
	if _, err := Read(strings.NewReader("id,name\n,x\n"), "s.csv"); err == nil || err.Error() != "s.csv:2: no id or username" {
		t.Errorf("%v", err)
	}
}

func TestDecide(t *testing.T) {
	f := read(t, "id,decision,decided_at\n1,keep,2026-01-01T00:00:00Z\n2,,2026-01-01T00:00:00Z\n")
	if !f.DecidedAt(1).IsZero() {
		t.Errorf("an undecided row has decided_at %v", f.DecidedAt(1))
	}
	if err := f.Decide(0, "maybe", now); err == nil {
		t.Error("maybe accepted")
	}
	// The same decision keeps its time.
	if err := f.Decide(0, Keep, now); err != nil || !f.DecidedAt(0).Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%v %v", err, f.DecidedAt(0))
	}
	if err := f.Decide(0, Unfollow, now); err != nil || !f.DecidedAt(0).Equal(now) {
		t.Errorf("%v %v", err, f.DecidedAt(0))
	}
	if err := f.Decide(0, "", now); err != nil || !f.DecidedAt(0).IsZero() || f.Rows[0].Decision != "" {
		t.Errorf("%v %v %+v", err, f.DecidedAt(0), f.Rows[0])
	}
	if out := rewrite(t, f); out != "id,decision,decided_at\n1,,\n2,,\n" {
		t.Errorf("%q", out)
	}
	recs, err := csv.NewReader(strings.NewReader(rewrite(t, f))).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Errorf("%v %v", recs, err)
	}
}

func TestOrder(t *testing.T) {
	rs := rows()
	for by, want := range map[string][]int{"": {1, 2, 0}, "none": {0, 1, 2}, "-followers_count": {2, 0, 1}} {
		got, err := Order(rs, by)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Order(%q) = %v, %v; want %v", by, got, err, want)
		}
	}
	if rs[0].ID != "3" {
		t.Error("Order moved the rows")
	}
	if _, err := Order(rs, "age"); err == nil {
		t.Error("age accepted")
	}
}
