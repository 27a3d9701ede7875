package input

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Invariants every parser keeps, whatever the input:
//   - no panic; the only error is *InvalidError (fn never fails here, and a
//     bytes.Reader has no I/O errors);
//   - every entry is valid: ID > 0 with at most 19 digits xor a valid handle,
//     and it survives ParseValue(e.String());
//   - entry and error lines lie within the input's lines;
//   - InvalidError.Total equals the errors kept (MaxErrors < 0 keeps all);
//   - writing the entries back in the same format and reading that gives
//     the same entries, without errors (but the rounded ids it reported:
//     they are valid ids on their own, and written back still rounded).
func checkInvariants(t *testing.T, data []byte, name string, f Format, write func([]Entry) []byte) {
	t.Helper()
	// Lines end in LF, or in CR in a file without LF (old Mac files).
	lines := max(bytes.Count(data, []byte{'\n'}), bytes.Count(data, []byte{'\r'})) + 1
	var got []Entry
	rounded := false
	err := Read(bytes.NewReader(data), name, f, Options{MaxErrors: -1}, func(e Entry) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		var ie *InvalidError
		if !errors.As(err, &ie) {
			t.Fatalf("Read error %v (%T), want nil or *InvalidError", err, err)
		}
		if ie.Total == 0 || ie.Total != len(ie.Errors) {
			t.Fatalf("InvalidError Total %d, kept %d", ie.Total, len(ie.Errors))
		}
		for _, le := range ie.Errors {
			if le.Line < 1 || le.Line > lines || le.Reason == "" || le.File != name {
				t.Fatalf("line error %+v outside 1..%d or without reason", le, lines)
			}
			rounded = rounded || isRounded(le)
		}
	}
	for _, e := range got {
		validEntry(t, e)
		if e.Line < 1 || e.Line > lines {
			t.Fatalf("entry %+v: line outside 1..%d", e, lines)
		}
	}
	if write == nil {
		return
	}
	again := write(got)
	var round []Entry
	if err := Read(bytes.NewReader(again), name, f, Options{MaxErrors: -1}, func(e Entry) error {
		round = append(round, e)
		return nil
	}); err != nil {
		var ie *InvalidError
		if !rounded || !errors.As(err, &ie) || slices.ContainsFunc(ie.Errors, func(le LineError) bool { return !isRounded(le) }) {
			t.Fatalf("re-reading %q: %v", again, err)
		}
	}
	if !slices.EqualFunc(got, round, func(a, b Entry) bool { return a.ID == b.ID && a.Handle == b.Handle }) {
		t.Fatalf("round trip changed entries:\n got %v\nthen %v", got, round)
	}
}

// isRounded reports whether le is about an id a spreadsheet rounded.
func isRounded(le LineError) bool { return strings.Contains(le.Reason, "was rounded by a spreadsheet") }

func validEntry(t *testing.T, e Entry) {
	t.Helper()
	switch {
	case e.ID != 0 && e.Handle != "", e.ID == 0 && e.Handle == "":
		t.Fatalf("entry %+v: want exactly one of ID and Handle", e)
	case e.ID != 0 && len(strconv.FormatUint(e.ID, 10)) > MaxIDDigits:
		t.Fatalf("entry %+v: more than 19 digits", e)
	case e.Handle != "" && !validHandle(e.Handle):
		t.Fatalf("entry %+v: invalid handle", e)
	}
	back, reason := ParseValue(e.String())
	if reason != "" || back.ID != e.ID || back.Handle != e.Handle {
		t.Fatalf("ParseValue(%q) = %+v, %q", e.String(), back, reason)
	}
}

func writeLines(header string) func([]Entry) []byte {
	return func(es []Entry) []byte {
		var b bytes.Buffer
		b.WriteString(header)
		for _, e := range es {
			b.WriteString(e.String() + "\n")
		}
		return b.Bytes()
	}
}

func writeJSON(es []Entry) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for i, e := range es {
		if i > 0 {
			b.WriteString(",\n")
		}
		if e.ID != 0 {
			b.WriteString(strconv.FormatUint(e.ID, 10)) // a number above 2^53 must survive
		} else {
			b.WriteString(strconv.Quote(e.String()))
		}
	}
	b.WriteString("]")
	return b.Bytes()
}

func writeJSONL(es []Entry) []byte {
	var b bytes.Buffer
	for _, e := range es {
		if e.ID != 0 {
			b.WriteString(`{"id":"` + strconv.FormatUint(e.ID, 10) + "\"}\n")
		} else {
			b.WriteString(`{"username":"` + e.Handle + "\"}\n")
		}
	}
	return b.Bytes()
}

func writeArchive(es []Entry) []byte {
	var b bytes.Buffer
	b.WriteString("window.YTD.following.part0 = [")
	for i, e := range es {
		if i > 0 {
			b.WriteString(",")
		}
		if e.ID != 0 {
			id := strconv.FormatUint(e.ID, 10)
			b.WriteString("\n  {\n    \"following\" : {\n      \"accountId\" : \"" + id + "\",\n      \"userLink\" : \"https://twitter.com/intent/user?user_id=" + id + "\"\n    }\n  }")
		} else {
			b.WriteString("\n  {\"following\" : {\"userLink\" : \"https://twitter.com/intent/user?screen_name=" + e.Handle + "\"}}")
		}
	}
	b.WriteString("\n]")
	return b.Bytes()
}

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

func FuzzCSV(f *testing.F) {
	addSeeds(f,
		"", "12\n13\n", "id\n12\n", "\ufeffname,user_id\r\nJack,12\r\n,\r\n",
		"\"id\",\"n\"\n\"12\",\"a,\"\"b\"\"\"\n\"x\ny\",13\n", "sep=;\nid;x\n12;1\n",
		"id,username\n,jack\n1.23457E+18,x\n-5,y\n12345678901234567890,z\n",
		"userLink\nhttps://twitter.com/intent/user?user_id=12\n", "a\tb\n12\t@x\n", "\"12\n",
		"# c\n@jack\nhttps://x.com/jill\n=\"123\"\n",
		"\xff\xfei\x00d\x00\r\x00\n\x001\x002\x00\r\x00\n\x00", "\xfe\xff\x00i\x00d\x00\n\x00\xd8\x3d", "id\r12\r13.0\r",
		"PK\x03\x04\x14\x00", "1\x00\x002\x00\x00", "Twitter ID;Name\n\u200b12;a\n",
		"id,username,protected,decision\n12,jack,yes,Unfollow\n13,,no,keep\n14,x,,\n15,y,no,maybe\n",
		"decision;id\n unfollow ;\"12\"\n;13\n", "id\n1602345678912350000\n1453212345678900000\n1700000000000000000\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInvariants(t, data, "f.csv", CSV, writeLines("id\n"))
		checkInvariants(t, data, "f", Auto, nil)
	})
}

func FuzzText(f *testing.F) {
	addSeeds(f,
		"", "12\n13\n", "# list\n12 # x\n\n@jack\n", "\ufeff12\r\n13\r\n", "jack\n-1\n0\n007\n",
		"https://x.com/jack\nhttps://twitter.com/intent/user?user_id=12\n", "\u00a012\u00a0\n", "1,234\n1.5e3\n",
		"\"12\",\n'@jack',\n\"\"\n", "12\r13\r", "\xff\xfe1\x00\n\x00", "https://x.com/jack/media\n12.0\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInvariants(t, data, "f.txt", Text, writeLines(""))
	})
}

func FuzzJSON(f *testing.F) {
	addSeeds(f,
		"", "[]", `["12", "@jack", 13]`, "[\n1234567890123456789,\n9007199254740993\n]",
		`{"data":[{"id":"12","username":"a"}],"meta":{"result_count":1}}`, `{"meta":{}}`,
		`[{"id":1.5e18},{"user_id":"12"},{"x":{"accountId":"13"}},null,[1],{"id":{}}]`,
		`["\u0031\ud83d\ude00\ud800x"]`, `[1,`, `{"data":{"id":"12"}}`, `[12] x`, "\ufeff[\r\n\"12\"\r\n]",
		`{"ids":[12,"13"],"next_cursor":0,"next_cursor_str":"0"}`, `{"users":[{"id":12,"id_str":"12"}]}`,
		`["12",{"id":"13",},]`, `{"errors":[{"title":"x"}]}`, "\xff\xfe[\x00]\x00",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInvariants(t, data, "f.json", JSON, writeJSON)
	})
}

func FuzzJSONL(f *testing.F) {
	addSeeds(f,
		"", "\"12\"\n13\n{\"id\":\"14\"}\n", "@jack\n[1]\n{\"id\":1e3}\n", "\ufeff12\r\n\r\n{\"username\":\"x\"}\r\n",
		"{\"id\":\n\"12\"}\n", "1 2\n", "{\"id_str\":\"12\"},\n\"13\",\n",
		"{\"id\":\"12\",\"username\":\"a\",\"protected\":true,\"decision\":\"unfollow\"}\n{\"id\":\"13\"}\n\"14\"\n{\"id\":\"15\",\"decision\":null}\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInvariants(t, data, "f.jsonl", JSONL, writeJSONL)
	})
}

func FuzzArchive(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join("testdata", "following.js"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	addSeeds(f,
		"window.YTD.following.part0 = []", "window.YTD.block.part0 = [{\"blocking\":{\"accountId\":\"12\"}}];",
		"window.YTD.follower.part1 = [{\"follower\":{\"userLink\":\"https://twitter.com/intent/user?user_id=12\"}}]",
		"window.YTD.following.part0 = [{\"following\":{\"accountId\":\"-1\"}}", "window = ",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInvariants(t, data, "following.js", Archive, writeArchive)
	})
}

// TestRoundTripWriters checks the fuzz writers themselves on known entries.
func TestRoundTripWriters(t *testing.T) {
	es := []Entry{{ID: 12}, {ID: 1234567890123456789}, {Handle: "jack"}}
	for name, w := range map[string]func([]Entry) []byte{
		"f.csv": writeLines("id\n"), "f.txt": writeLines(""), "f.json": writeJSON, "f.jsonl": writeJSONL, "following.js": writeArchive,
	} {
		var keys []string
		if err := Read(bytes.NewReader(w(es)), name, Auto, Options{}, func(e Entry) error {
			keys = append(keys, e.Key())
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := strings.Join(keys, " "); got != "12 1234567890123456789 @jack" {
			t.Errorf("%s: %s", name, got)
		}
	}
}
