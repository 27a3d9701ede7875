package input

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Ids used by the files in testdata/realworld (see its README.md).
const (
	rwBig1 = "1453212345678901250" // 19 digits, above 2^53
	rwBig2 = "1602345678912345601" // float64 turns it into ...600
	rwBig3 = "9007199254740993"    // 2^53 + 1: JavaScript reads ...992
)

// realworldCases lists every file of testdata/realworld with what Read must
// make of it: the entries ("LINE:ENTRY") and the errors ("LINE:reason
// substring"), both in file order. Many of these shapes found bugs (see the
// commit history of this file).
var realworldCases = []struct {
	file     string
	format   Format
	encoding string
	want     []string
	errs     []string
}{
	// The X archive, as X writes it.
	{file: "archive/x-2024/data/following.js", format: Archive,
		want: []string{"4:783214", "10:" + rwBig1, "16:2244994945", "22:" + rwBig3}},
	{file: "archive/x-2024/data/follower.js", format: Archive, want: []string{"4:12", "10:" + rwBig2}},
	{file: "archive/x-2024/data/block.js", format: Archive, want: []string{"4:555"}},
	{file: "archive/x-2024/data/mute.js", format: Archive, want: []string{"4:556"}},
	{file: "archive/twitter-2022/data/following.js", format: Archive, want: []string{"4:12", "10:783214", "16:" + rwBig2}},
	{file: "archive/multipart/data/following.js", format: Archive, want: []string{"4:101", "10:102"}},
	{file: "archive/multipart/data/following-part1.js", format: Archive, want: []string{"4:103", "10:" + rwBig1}},
	{file: "archive/empty/data/following.js", format: Archive},

	// X API responses saved to disk.
	{file: "api/v2-following-page1.json", format: JSON, want: []string{"4:2244994945", "11:" + rwBig1}},
	{file: "api/v2-following-page2.json", format: JSON, want: []string{"1:783214", "1:" + rwBig2}},
	{file: "api/v2-following-empty.json", format: JSON},
	{file: "api/v2-following-partial-errors.json", format: JSON, want: []string{"3:12"}},
	{file: "api/v2-error-suspended.json", format: JSON, errs: []string{"1:X API error response"}},
	{file: "api/v2-problem-401.json", format: JSON, errs: []string{"1:X API error response"}},
	{file: "api/v1-friends-ids.json", format: JSON, want: []string{"1:783214", "1:2244994945", "1:" + rwBig1, "1:" + rwBig2}},
	{file: "api/v1-friends-ids-stringify.json", format: JSON, want: []string{"1:12", "1:" + rwBig1}},
	{file: "api/v1-friends-ids-20-digits.json", format: JSON, want: []string{"1:12"}, errs: []string{"1:20 digits"}},
	{file: "api/v1-friends-list.json", format: JSON, want: []string{"1:12", "1:" + rwBig2}},
	{file: "api/v1-friends-list-via-javascript.json", format: JSON, want: []string{"1:" + rwBig2}},

	// Spreadsheets.
	{file: "csv/excel-sep-semicolon.csv", format: CSV, want: []string{"3:12", "4:" + rwBig1, "5:2244994945"}},
	{file: "csv/excel-utf8-bom.csv", format: CSV, want: []string{"2:12", "3:" + rwBig1, "4:2244994945"}},
	{file: "csv/excel-unicode-text.txt", format: CSV, encoding: UTF16LE, want: []string{"2:783214", "3:" + rwBig2}},
	{file: "csv/utf16be.csv", format: CSV, encoding: UTF16BE, want: []string{"2:12", "3:783214"}},
	{file: "csv/utf16le-no-bom.csv", errs: []string{"1:UTF-16 without a byte order mark: save it as UTF-8"}},
	{file: "csv/workbook.xlsx", errs: []string{"1:ZIP file"}},
	{file: "csv/excel-mac-cr.csv", format: CSV, want: []string{"2:12", "3:783214"}},
	{file: "csv/excel-scientific.csv", format: CSV, want: []string{"2:12"},
		errs: []string{"3:scientific notation", "4:scientific notation"}},
	{file: "csv/pandas-float-ids.csv", format: CSV, want: []string{"2:12", "3:783214", "4:2244994945"}},
	{file: "csv/pandas-float-big-id.csv", format: CSV, want: []string{"2:12"},
		errs: []string{"3:scientific notation", "4:last digits may be wrong"}},
	{file: "csv/google-sheets.csv", format: CSV, want: []string{"2:12", "3:" + rwBig2, "4:@XDevelopers"}},
	{file: "csv/usernames.csv", format: CSV, want: []string{"2:@jack", "3:@XDevelopers", "4:@someone_42"}},
	{file: "csv/handles.csv", format: CSV, want: []string{"2:@jack", "3:@XDevelopers"}},
	{file: "csv/libreoffice-quoted.csv", format: CSV, want: []string{"2:12", "3:783214"}},
	{file: "csv/list.tsv", format: CSV, want: []string{"2:12", "3:783214"}},
	{file: "csv/trailing-commas.csv", format: CSV, want: []string{"2:12", "3:783214", "5:2244994945"}},
	{file: "csv/ragged-missing-column.csv", format: CSV, want: []string{"2:12", "4:2244994945"},
		errs: []string{`3:row has 1 field; the column 2 ("id") is missing`}},
	{file: "csv/header-only.csv", format: CSV},
	{file: "csv/empty.csv", format: CSV},
	{file: "csv/whitespace-only.csv", format: CSV},

	// Plain text.
	{file: "text/mixed-windows.txt", format: Text, want: []string{
		"2:12", "3:@XDevelopers", "4:@jack", "5:@someone_42", "6:@Other_Acct", "7:783214", "8:" + rwBig1,
		"9:@fourth", "10:@fifth", "11:@sixth", "12:" + rwBig2, "13:@seventh", "15:@eighth"}},
	{file: "text/nul-and-latin1.txt", format: Text, want: []string{"1:12", "2:783214", "4:2244994945", "6:@jack"},
		errs: []string{`3:"1\x0023" is not an id`, `5:"caf\xe9" is not an id`}},
	{file: "text/jq-quoted.txt", format: Text, want: []string{"1:12", "2:783214", "3:" + rwBig1, "4:@jack"}},

	// JSON and JSON Lines.
	{file: "json/hand-edited.json", format: JSON, want: []string{"2:12", "3:783214", "4:@jack"}},
	{file: "json/python-floats.json", format: JSON, want: []string{"1:12", "1:783214", "1:2244994945"}},
	{file: "json/graphql-users.json", format: JSON, want: []string{"1:12", "1:783214"}},
	{file: "jsonl/export.jsonl", format: JSONL, want: []string{"1:12", "3:" + rwBig1, "4:783214", "6:2244994945", "7:@someone_42"}},
	{file: "jsonl/bad-lines.jsonl", format: JSONL, want: []string{"1:12", "6:2244994945"},
		errs: []string{"2:fraction or exponent", "3:20 digits", "4:unexpected end of input", `5:write each value as a JSON string, e.g. "@jack"`}},
}

func TestReadRealWorld(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range realworldCases {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "realworld", filepath.FromSlash(tc.file))
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var got []string
			info, err := ReadInfo(f, path, Auto, Options{MaxErrors: -1}, func(e Entry) error {
				got = append(got, strconv.Itoa(e.Line)+":"+e.String())
				return nil
			})
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("entries:\n got %q\nwant %q", got, tc.want)
			}
			checkErrs(t, err, path, tc.errs)
			if tc.format != "" && info.Format != tc.format {
				t.Errorf("format %v, want %v", info.Format, tc.format)
			}
			if info.Encoding != tc.encoding {
				t.Errorf("encoding %q, want %q", info.Encoding, tc.encoding)
			}
		})
	}
	// Every fixture is in the table.
	err := filepath.WalkDir(filepath.Join("testdata", "realworld"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("testdata", "realworld"), p)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("testdata/realworld/%s has no case in realworldCases", filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The fixtures' own promises: X writes following.js without a final line
// break (and the older archive with one), the part1 file has CRLF, the
// Unicode Text file is UTF-16 LE with a byte order mark.
func TestRealWorldFixtureBytes(t *testing.T) {
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "realworld", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := read("archive/x-2024/data/following.js"); !bytes.HasPrefix(b, []byte("window.YTD.following.part0 = [\n  {\n    \"following\" : {\n      \"accountId\" : \"")) || bytes.HasSuffix(b, []byte("\n")) {
		t.Error("x-2024 following.js: want X's exact layout and no final line break")
	}
	if b := read("archive/twitter-2022/data/following.js"); !bytes.HasSuffix(b, []byte("]\n")) {
		t.Error("twitter-2022 following.js: want a final line break")
	}
	if b := read("archive/multipart/data/following-part1.js"); !bytes.HasPrefix(b, []byte("window.YTD.following.part1 = [\r\n")) {
		t.Error("following-part1.js: want part1 and CRLF")
	}
	if b := read("archive/empty/data/following.js"); string(b) != "window.YTD.following.part0 = []" {
		t.Errorf("empty following.js = %q", b)
	}
	if b := read("csv/excel-unicode-text.txt"); !bytes.HasPrefix(b, []byte{0xFF, 0xFE, 'U', 0}) {
		t.Error("excel-unicode-text.txt: want UTF-16 LE with BOM")
	}
	if b := read("csv/empty.csv"); len(b) != 0 {
		t.Error("empty.csv is not empty")
	}
}

// A line over MaxLineBytes stops reading at its line, after the entries
// before it; the reason says why.
func TestReadHugeLine(t *testing.T) {
	for _, f := range []Format{Text, CSV, JSONL} {
		t.Run(f.String(), func(t *testing.T) {
			in := "12\n13\n" + strings.Repeat("1", MaxLineBytes+10) + "\n14\n"
			var got []string
			err := Read(strings.NewReader(in), "big", f, Options{}, func(e Entry) error {
				got = append(got, e.String())
				return nil
			})
			if strings.Join(got, " ") != "12 13" {
				t.Errorf("entries %q, want 12 13", got)
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || !ie.Stopped || len(ie.Errors) != 1 || ie.Errors[0].Line != 3 ||
				!strings.Contains(ie.Errors[0].Reason, "line longer than 1 MiB") {
				t.Fatalf("err = %v, want big:3: line longer than 1 MiB (stopped)", err)
			}
		})
	}
}

// UTF-16 decoding: surrogate pairs, unpaired surrogates, an odd last byte,
// and decoding across buffer boundaries keep line numbers right.
func TestReadUTF16(t *testing.T) {
	enc := func(be bool, s string) []byte {
		var b []byte
		if be {
			b = append(b, 0xFE, 0xFF)
		} else {
			b = append(b, 0xFF, 0xFE)
		}
		for _, r := range s {
			var units []uint16
			if r >= 0x10000 {
				r -= 0x10000
				units = []uint16{uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)}
			} else {
				units = []uint16{uint16(r)}
			}
			for _, u := range units {
				if be {
					b = append(b, byte(u>>8), byte(u))
				} else {
					b = append(b, byte(u), byte(u>>8))
				}
			}
		}
		return b
	}
	var long strings.Builder
	for i := 1; i <= 5000; i++ {
		long.WriteString(strconv.Itoa(i) + "\r\n")
	}
	tests := []struct {
		name string
		in   []byte
		want string // entries "LINE:ENTRY"
		errs []string
	}{
		{name: "le", in: enc(false, "12\n@jack\n"), want: "1:12 2:@jack"},
		{name: "be", in: enc(true, "12\r\n13"), want: "1:12 2:13"},
		{name: "emoji name is a bad value", in: enc(false, "12\n\U0001F600\n13\n"), want: "1:12 3:13", errs: []string{"2:\"\U0001F600\" is not an id"}},
		{name: "unpaired surrogate", in: append(enc(false, "12\n"), 0x00, 0xD8, '1', 0, '\n', 0), want: "1:12", errs: []string{"2:\"\ufffd1\" is not an id"}},
		{name: "odd last byte", in: append(enc(false, "12\n13\n"), '4'), want: "1:12 2:13", errs: []string{"3:\"\ufffd\" is not an id"}},
		{name: "long", in: enc(false, long.String()), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			info, err := ReadInfo(bytes.NewReader(tt.in), "u.txt", Auto, Options{MaxErrors: -1}, func(e Entry) error {
				got = append(got, strconv.Itoa(e.Line)+":"+e.String())
				return nil
			})
			if tt.name == "long" {
				if len(got) != 5000 || got[4999] != "5000:5000" || info.Lines != 5000 {
					t.Fatalf("%d entries, last %q, %d lines; want 5000 with 5000:5000", len(got), got[len(got)-1], info.Lines)
				}
			} else if strings.Join(got, " ") != tt.want {
				t.Errorf("entries %q, want %q", got, tt.want)
			}
			checkErrs(t, err, "u.txt", tt.errs)
		})
	}
}

// Binary files are refused at line 1 with what to do, whatever --format says.
func TestReadBinary(t *testing.T) {
	tests := []struct{ name, in, reason string }{
		{"x archive zip", "PK\x03\x04\x14\x00\x08\x08\x08\x00data/following.js", "unzip the archive and import data/following.js"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", "Excel .xls workbook"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00", "gzip-compressed"},
		{"pdf", "%PDF-1.7\n", "PDF"},
		{"nul heavy", "\x00\x00\x00\x01\x02\x00\x00\x00\x00\x05", "binary file"},
	}
	for _, tt := range tests {
		for _, f := range []Format{Auto, CSV, Text} {
			t.Run(tt.name+"/"+f.String(), func(t *testing.T) {
				err := Read(strings.NewReader(tt.in), "in", f, Options{}, func(e Entry) error {
					t.Errorf("entry %v from a binary file", e)
					return nil
				})
				checkErrs(t, err, "in", []string{"1:" + tt.reason})
			})
		}
	}
}
