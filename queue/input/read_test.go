package input

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readCase is one input and what Read must make of it.
type readCase struct {
	name   string
	file   string // file name given to Read (drives detection)
	format Format
	in     string
	want   []string // "LINE:ENTRY" (Entry.String) in order
	errs   []string // "LINE:substring of reason" in order
}

func (tc readCase) run(t *testing.T) {
	t.Helper()
	file := tc.file
	if file == "" {
		file = "list"
	}
	var got []string
	err := Read(strings.NewReader(tc.in), file, tc.format, Options{MaxErrors: -1}, func(e Entry) error {
		if (e.ID == 0) == (e.Handle == "") {
			t.Errorf("entry %+v: want exactly one of ID and Handle", e)
		}
		got = append(got, strconv.Itoa(e.Line)+":"+e.String())
		return nil
	})
	if strings.Join(got, " ") != strings.Join(tc.want, " ") {
		t.Errorf("entries:\n got %q\nwant %q", got, tc.want)
	}
	checkErrs(t, err, file, tc.errs)
}

// checkErrs asserts that err lists exactly the wanted line errors.
func checkErrs(t *testing.T, err error, file string, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("Read error: %v", err)
		}
		return
	}
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("Read error = %v, want *InvalidError with %q", err, want)
	}
	if ie.Total != len(want) || len(ie.Errors) != len(want) {
		t.Errorf("Total = %d, kept %d, want %d:", ie.Total, len(ie.Errors), len(want))
		for _, le := range ie.Errors {
			t.Errorf("  %v", le)
		}
		return
	}
	for i, w := range want {
		line, sub, _ := strings.Cut(w, ":")
		le := ie.Errors[i]
		if le.File != file || strconv.Itoa(le.Line) != line || !strings.Contains(le.Reason, sub) {
			t.Errorf("error %d = %q, want %s:%s: …%s…", i, le.Error(), file, line, sub)
		}
		if !strings.HasPrefix(le.Error(), file+":"+line+": ") {
			t.Errorf("error %d = %q, want prefix %s:%s: ", i, le.Error(), file, line)
		}
	}
}

const big = "1234567890123456789" // above 2^53 (9007199254740992)

func TestReadCSV(t *testing.T) {
	tests := []readCase{
		{name: "no header", file: "a.csv", in: "12\n13\n", want: []string{"1:12", "2:13"}},
		{name: "no trailing newline", file: "a.csv", in: "12\n13", want: []string{"1:12", "2:13"}},
		{name: "header id", file: "a.csv", in: "id\n12\n13\n", want: []string{"2:12", "3:13"}},
		{name: "header picks column", file: "a.csv", in: "name,user_id,note\nJack,12,x\nJill,13,y\n", want: []string{"2:12", "3:13"}},
		{name: "header case-insensitive", file: "a.csv", in: "Name,AccountId\njack,12\n", want: []string{"2:12"}},
		{name: "account_id", file: "a.csv", in: "account_id,x\n12,1\n", want: []string{"2:12"}},
		{name: "id_str", file: "a.csv", in: "name,id_str\nj,12\n", want: []string{"2:12"}},
		{name: "target over user", file: "a.csv", in: "user_id,target_user_id\n1,12\n", want: []string{"2:12"}},
		{name: "handle column", file: "a.csv", in: "name,screen_name\nJack,jack\nJill,@jill\nNum,1234\n", want: []string{"2:@jack", "3:@jill", "4:@1234"}},
		{name: "id column wins over username", file: "a.csv", in: "username,id\njack,12\n", want: []string{"2:12"}},
		{name: "empty id falls back to username", file: "a.csv", in: "id,username\n12,a\n,jill\n", want: []string{"2:12", "3:@jill"}},
		{name: "unknown header words, first column", file: "a.csv", in: "Account,Followers\n12,5\n@jo,7\n", want: []string{"2:12", "3:@jo"}},
		{name: "header only", file: "a.csv", in: "id,username\r\n"},
		{name: "empty", file: "a.csv", in: ""},
		{name: "only blank lines", file: "a.csv", in: "\n\r\n  \n"},
		{name: "BOM header", file: "a.csv", in: "\ufeffid\n12\n", want: []string{"2:12"}},
		{name: "BOM no header", file: "a.csv", in: "\ufeff12\n", want: []string{"1:12"}},
		{name: "CRLF", file: "a.csv", in: "id,name\r\n12,a\r\n13,b\r\n", want: []string{"2:12", "3:13"}},
		{name: "blank lines and spaces", file: "a.csv", in: "\nid\n\n  12  \n\n 13\n", want: []string{"4:12", "6:13"}},
		{name: "spreadsheet blank rows", file: "a.csv", in: "id,n\n12,a\n,,\n,\n", want: []string{"2:12"}},
		{name: "quoted fields", file: "a.csv", in: "\"id\",\"name\"\n\"12\",\"Jack, Sr.\"\n \"13\" ,\"say \"\"hi\"\"\"\n", want: []string{"2:12", "3:13"}},
		{name: "quoted newline keeps record line", file: "a.csv", in: "name,id\n\"two\nlines\",12\n\"x\",13\n", want: []string{"2:12", "4:13"}},
		{name: "semicolon", file: "a.csv", in: "name;id\nJack;12\n", want: []string{"2:12"}},
		{name: "tsv by extension", file: "a.tsv", in: "name\tid\nJack, Sr.\t12\n", want: []string{"2:12"}},
		{name: "tab sniffed", file: "a.csv", in: "name\tid\nJack\t12\n", want: []string{"2:12"}},
		{name: "excel sep hint", file: "a.csv", in: "sep=;\nid;n\n12;x\n", want: []string{"3:12"}},
		{name: "comment lines", file: "a.csv", in: "# exported 2024\nid\n12\n# end\n", want: []string{"3:12"}},
		{name: "big id", file: "a.csv", in: big + "\n", want: []string{"1:" + big}},
		{name: "urls", file: "a.csv", in: "userLink\nhttps://twitter.com/intent/user?user_id=12\nhttps://x.com/jack\n", want: []string{"2:12", "3:@jack"}},
		{name: "mixed ids and handles", file: "a.csv", in: "12\n@jack\nhttps://x.com/jill\n13\n", want: []string{"1:12", "2:@jack", "3:@jill", "4:13"}},
		{name: "excel text formula", file: "a.csv", in: "id\n=\"" + big + "\"\n", want: []string{"2:" + big}},
		{
			name: "bad values all listed", file: "a.csv",
			in:   "id,name\n12,a\n1.23457E+18,b\n-5,c\n,d\n12345678901234567890,e\nabc-d,f\n0,g\n13,h\n007,i\n",
			want: []string{"2:12", "9:13"},
			errs: []string{"3:scientific notation: the spreadsheet rounded", "4:negative", "5:empty column 1 (\"id\")", "6:20 digits", "7:not an id", "8:zero", "10:leading zero"},
		},
		{name: "bare word with header", file: "a.csv", in: "id\njack\n", errs: []string{"2:write it as @jack"}},
		{name: "missing column", file: "a.csv", in: "name,id\nJack\nJill,13\n", want: []string{"3:13"}, errs: []string{"2:row has 1 field; the column 2 (\"id\") is missing"}},
		{name: "text after quote", file: "a.csv", in: "\"12\"3\n13\n", want: []string{"2:13"}, errs: []string{"1:text after a closing quote"}},
		{name: "unterminated quote stops", file: "a.csv", in: "id\n12\n\"13\n14\n15\n", want: []string{"2:12"}, errs: []string{"3:unterminated quoted field"}},
		{name: "first data row bad still data", file: "a.csv", in: "1.5E+18\n12\n", want: []string{"2:12"}, errs: []string{"1:scientific notation"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestReadText(t *testing.T) {
	tests := []readCase{
		{name: "ids", file: "a.txt", in: "12\n13\n", want: []string{"1:12", "2:13"}},
		{name: "comments", file: "a.txt", in: "# my list\n12 # old friend\n\n  @jack   # the founder\n#13\n", want: []string{"2:12", "4:@jack"}},
		{name: "BOM CRLF", file: "a.txt", in: "\ufeff12\r\n13\r\n", want: []string{"1:12", "2:13"}},
		{name: "empty", file: "a.txt", in: ""},
		{name: "comments only", file: "a.txt", in: "# nothing yet\n\n"},
		{name: "big", file: "a.txt", in: big, want: []string{"1:" + big}},
		{name: "urls", file: "a.txt", in: "https://x.com/jack\nhttps://twitter.com/intent/user?user_id=12\n", want: []string{"1:@jack", "2:12"}},
		{
			name: "bad values", file: "a.txt",
			in:   "12\njack\n-1\n1.23457E+18\n12345678901234567890\n@toolong_handle_x\n13\n",
			want: []string{"1:12", "7:13"},
			errs: []string{"2:write it as @jack", "3:negative", "4:scientific notation", "5:20 digits: X ids have at most 19", "6:not a valid @handle"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestReadJSON(t *testing.T) {
	tests := []readCase{
		{name: "strings", file: "a.json", in: `["12", "@jack", "13"]`, want: []string{"1:12", "1:@jack", "1:13"}},
		{name: "numbers keep digits", file: "a.json", in: "[\n 12,\n " + big + ",\n 9007199254740993\n]", want: []string{"2:12", "3:" + big, "4:9007199254740993"}},
		{name: "objects", file: "a.json", in: "[\n{\"id\": \"12\", \"name\": \"x\"},\n{\"user_id\": 13},\n{\"username\": \"jack\"},\n{\"screen_name\": \"@jill\"},\n{\"username\": \"0\"}\n]", want: []string{"2:12", "3:13", "4:@jack", "5:@jill", "6:@0"}},
		{name: "object line is the id's line", file: "a.json", in: "[\n  {\n    \"name\": \"x\",\n    \"id\": \"12\"\n  }\n]", want: []string{"4:12"}},
		{name: "api response", file: "a.json", in: "{\n  \"data\": [\n    {\"id\": \"" + big + "\", \"name\": \"A\", \"username\": \"a\", \"url\": \"https://e.com\"},\n    {\"id\": \"13\", \"username\": \"b\"}\n  ],\n  \"meta\": {\"result_count\": 2, \"next_token\": \"X\"}\n}\n", want: []string{"3:" + big, "4:13"}},
		{name: "api response meta first", file: "a.json", in: `{"meta":{"result_count":1},"data":[{"id":"12"}]}`, want: []string{"1:12"}},
		{name: "api empty page", file: "a.json", in: `{"meta":{"result_count":0}}`},
		{name: "api single data object", file: "a.json", in: `{"data":{"id":"12","username":"x"}}`, want: []string{"1:12"}},
		{name: "single object", file: "a.json", in: `{"id": 12}`, want: []string{"1:12"}},
		{name: "nested account object", file: "a.json", in: `[{"following":{"accountId":"12"}}]`, want: []string{"1:12"}},
		{name: "escapes", file: "a.json", in: `["\u0031\u0032", "@\u006aack", "\/x"]`, want: []string{"1:12", "1:@jack"}, errs: []string{"1:not an id"}},
		{name: "BOM CRLF", file: "a.json", in: "\ufeff[\r\n\"12\",\r\n\"13\"\r\n]\r\n", want: []string{"2:12", "3:13"}},
		{name: "empty file", file: "a.json", in: ""},
		{name: "empty array", file: "a.json", in: "[]"},
		{name: "mixed", file: "a.json", in: `[12, "13", "@jack", {"id": "14"}, "https://x.com/jill"]`, want: []string{"1:12", "1:13", "1:@jack", "1:14", "1:@jill"}},
		{
			name: "bad values all listed", file: "a.json",
			in:   "[\n1.23457E+18,\n1234567890123456789.0,\n-5,\n\"\",\n\"12345678901234567890\",\n123456789012345678901,\n\"jack\",\nnull,\n[1],\n{\"name\":\"x\"},\n{\"id\":true},\n0,\n12\n]",
			want: []string{"14:12"},
			errs: []string{"2:fraction or exponent", "3:floating-point number, which keeps only 15–17 digits", "4:negative", "5:empty value", "6:20 digits: X ids have at most 19", "7:21 digits", "8:write it as @jack", "9:found null", "10:found an array", "11:object has no id field", "12:field \"id\" is true", "13:zero"},
		},
		{name: "broken json stops", file: "a.json", in: "[\n\"12\",\n\"13\"\n\"14\"\n]", want: []string{"2:12", "3:13"}, errs: []string{"4:invalid JSON"}},
		{name: "unterminated string", file: "a.json", in: "[\"12\", \"13", want: []string{"1:12"}, errs: []string{"1:unterminated string"}},
		{name: "truncated", file: "a.json", in: "[\"12\",\n", want: []string{"1:12"}, errs: []string{"2:unexpected end of input"}},
		{name: "trailing garbage", file: "a.json", in: "[\"12\"]\n[\"13\"]", want: []string{"1:12"}, errs: []string{"2:more data after the end"}},
		{name: "not json", file: "a.json", in: "12\n", errs: []string{"1:expected '[' or '{'"}},
		{name: "object without data", file: "a.json", in: `{"name":"x","count":2}`, errs: []string{"1:neither a \"data\" array nor an id field"}},
		{name: "api error response", file: "a.json", in: "{\n  \"errors\": [{\"detail\": \"x\"}]\n}", errs: []string{"1:X API error response"}},
		{name: "deep nesting", file: "a.json", in: "[" + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "]", errs: []string{"1:nested deeper"}},
		{name: "newline in string", file: "a.json", in: "[\"12\n\"]", errs: []string{"2:line break inside a string"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestReadJSONL(t *testing.T) {
	tests := []readCase{
		{name: "values", file: "a.jsonl", in: "\"12\"\n13\n{\"id\":\"14\"}\n\"@jack\"\n{\"username\":\"jill\"}\n", want: []string{"1:12", "2:13", "3:14", "4:@jack", "5:@jill"}},
		{name: "BOM CRLF blank", file: "a.ndjson", in: "\ufeff\"12\"\r\n\r\n  " + big + "  \r\n", want: []string{"1:12", "3:" + big}},
		{name: "empty", file: "a.jsonl", in: ""},
		{
			name: "bad lines continue", file: "a.jsonl",
			in:   "12\n@jack\n{\"id\": 1.5e18}\n[1]\n{\"id\":\"1\"} 2\n{\"id\":\n\"x\ny\n13\n",
			want: []string{"1:12", "9:13"},
			errs: []string{"2:write each value as a JSON string, e.g. \"@jack\"", "3:fraction or exponent", "4:found an array", "5:more than one value", "6:unexpected end of input", "7:unterminated string", "8:found 'y'"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestReadArchive(t *testing.T) {
	tests := []readCase{
		{
			name: "following.js", file: "following.js",
			in: "window.YTD.following.part0 = [\n  {\n    \"following\" : {\n      \"accountId\" : \"" + big + "\",\n      \"userLink\" : \"https://twitter.com/intent/user?user_id=" + big + "\"\n    }\n  },\n" +
				"  {\n    \"following\" : {\n      \"accountId\" : \"12\",\n      \"userLink\" : \"https://twitter.com/intent/user?user_id=12\"\n    }\n  }\n]",
			want: []string{"4:" + big, "10:12"},
		},
		{name: "block.js shape", file: "block.js", in: "window.YTD.block.part0 = [{\"blocking\":{\"accountId\":\"12\",\"userLink\":\"x\"}}]", want: []string{"1:12"}},
		{name: "userLink only", file: "x.js", in: "window.YTD.follower.part2 = [{\"follower\":{\"userLink\":\"https://twitter.com/intent/user?user_id=12\"}}];\n", want: []string{"1:12"}},
		{name: "BOM CRLF", file: "following.js", in: "\ufeffwindow.YTD.following.part0 = [\r\n{\"following\":{\"accountId\":\"12\"}}\r\n]\r\n", want: []string{"2:12"}},
		{name: "empty archive", file: "following.js", in: "window.YTD.following.part0 = [ ]"},
		{name: "plain array with --format archive", format: Archive, in: `[{"following":{"accountId":"12"}}]`, want: []string{"1:12"}},
		{name: "bad id", file: "following.js", in: "window.YTD.following.part0 = [\n{\"following\":{\"accountId\":\"-1\"}},\n{\"following\":{\"name\":\"x\"}}\n]", errs: []string{"2:negative", "3:no id field"}},
		{name: "not an assignment", file: "following.js", in: "window.YTD.following.part0 [", errs: []string{"1:expected JSON, or an archive file"}},
		{name: "nothing after =", file: "following.js", in: "window.YTD.following.part0 = ", errs: []string{"1:unexpected end of input"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestReadSampleFollowingJS(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "following.js"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []Entry
	info, err := ReadInfo(f, "following.js", Auto, Options{}, func(e Entry) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadInfo: %v", err)
	}
	if info.Format != Archive {
		t.Errorf("format = %v, want archive", info.Format)
	}
	if len(got) != 12 {
		t.Fatalf("%d entries, want 12", len(got))
	}
	// Every entry's line holds its accountId.
	raw, err := os.ReadFile(filepath.Join("testdata", "following.js"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	for _, e := range got {
		if l := lines[e.Line-1]; !strings.Contains(l, `"accountId" : "`+e.Key()+`"`) {
			t.Errorf("entry %v: line %d is %q", e, e.Line, l)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		file, in string
		want     Format
	}{
		{"a.csv", "12", CSV},
		{"a.TSV", "12", CSV},
		{"a.txt", "id,x", CSV},
		{"a.txt", "\ufeffTwitter ID\tName\r\n12\tjack\r\n", CSV},
		{"a.txt", "Name\tFollowers\n", CSV},
		{"a.txt", "# list\nusername\njack\n", CSV},
		{"a.txt", "12\t# the bot\n@jack # founder\n", Text},
		{"a.txt", "12\n13\n", Text},
		{"a.txt", "jack, jill\n", Text},
		{"a.list", "id\n12\n", CSV},
		{"a.json", "12", JSON},
		{"a.jsonl", "[]", JSONL},
		{"a.ndjson", "1", JSONL},
		{"following.js", "[]", Archive},
		{"-", "12\n13\n", Text},
		{"-", "# list\n12 # x\n", Text},
		{"-", "id\n12\n", CSV},
		{"-", "name,id\n", CSV},
		{"-", "12;x\n", CSV},
		{"-", "[\"12\"]", JSON},
		{"-", "\ufeff  [\n", JSON},
		{"-", "{\"data\":[]}", JSON},
		{"-", "{\n\"data\":[]}\n", JSON},
		{"-", "{\"id\":\"12\"}", JSON},
		{"-", "{\"id\":\"12\"}\n{\"id\":\"13\"}\n", JSONL},
		{"-", "{\"id_str\":\"12\"},\n{\"id_str\":\"13\"},\n", JSONL},
		{"-", "{\"id\":\"12\"} ,\r\n\r\n{\"id\":\"13\"}\r\n", JSONL},
		{"-", "window.YTD.following.part0 = [", Archive},
		{"-", "", Text},
		{"stdin", "@jack\n", Text},
		// Content that can be nothing else wins over the name.
		{"following.txt", "window.YTD.following.part0 = [\n", Archive},
		{"following.json", "\ufeffwindow.YTD.following.part0 = [\n", Archive},
		{"ids.txt", "[\"12\", \"13\"]\n", JSON},
		{"ids.txt", "{\"id\":\"12\"}\n{\"id\":\"13\"}\n", JSONL},
		{"ids.json", "{\"id\":\"12\"}\n{\"id\":\"13\"}\n", JSONL},
		{"ids.json", "{\"data\":[{\"id\":\"12\"}]}", JSON},
		{"excel.csv", "sep=;\nName;Twitter ID\n", CSV},
	}
	for _, tt := range tests {
		info, _ := ReadInfo(strings.NewReader(tt.in), tt.file, Auto, Options{}, func(Entry) error { return nil })
		if info.Format != tt.want {
			t.Errorf("detect(%q, %q) = %v, want %v", tt.file, tt.in, info.Format, tt.want)
		}
	}
}

func TestFormatOverridesDetection(t *testing.T) {
	// A .txt file holding JSON Lines, read as JSON Lines.
	tc := readCase{file: "list.txt", format: JSONL, in: "\"12\"\n{\"id\":13}\n", want: []string{"1:12", "2:13"}}
	tc.run(t)
}

func TestReadInfo(t *testing.T) {
	tests := []struct {
		name, file, in string
		want           Info
	}{
		{"empty", "a.csv", "", Info{Format: CSV}},
		{"header only", "a.csv", "name,user_id\n", Info{Format: CSV, Comma: ',', Header: []string{"name", "user_id"}, Column: "user_id", Lines: 1}},
		{"data", "a.csv", "12\n13\n@x\n", Info{Format: CSV, Comma: ',', Lines: 3, Entries: 3}},
		{"invalid", "a.txt", "12\nx\n", Info{Format: Text, Lines: 2, Entries: 1, Invalid: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			info, _ := ReadInfo(strings.NewReader(tt.in), tt.file, Auto, Options{}, func(Entry) error { calls++; return nil })
			if fmt.Sprint(info) != fmt.Sprint(tt.want) {
				t.Errorf("info = %+v, want %+v", info, tt.want)
			}
			if calls != tt.want.Entries {
				t.Errorf("fn called %d times, want %d", calls, tt.want.Entries)
			}
		})
	}
}

func TestMaxErrors(t *testing.T) {
	in := strings.Repeat("x1\n", 250) + "12\n"
	tests := []struct {
		max, kept int
	}{{0, DefaultMaxErrors}, {5, 5}, {-1, 250}}
	for _, tt := range tests {
		n := 0
		err := Read(strings.NewReader(in), "big.txt", Auto, Options{MaxErrors: tt.max}, func(Entry) error { n++; return nil })
		var ie *InvalidError
		if !errors.As(err, &ie) {
			t.Fatalf("max %d: err = %v", tt.max, err)
		}
		if ie.Total != 250 || len(ie.Errors) != tt.kept || n != 1 {
			t.Errorf("max %d: total %d kept %d entries %d; want 250 %d 1", tt.max, ie.Total, len(ie.Errors), n, tt.kept)
		}
		if ie.Errors[len(ie.Errors)-1].Line != tt.kept {
			t.Errorf("max %d: last kept error on line %d, want %d", tt.max, ie.Errors[len(ie.Errors)-1].Line, tt.kept)
		}
		want := `read big.txt: 250 invalid entries (first: big.txt:1: "x1" is not an id`
		if !strings.HasPrefix(ie.Error(), want) {
			t.Errorf("Error() = %q, want prefix %q", ie.Error(), want)
		}
	}
}

func TestCallbackErrorAborts(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Read(strings.NewReader("12\n13\n14\n"), "a.txt", Auto, Options{}, func(Entry) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Fatalf("err = %v after %d calls, want the callback's error after 2", err, n)
	}
}

type failReader struct{ err error }

func (r failReader) Read([]byte) (int, error) { return 0, r.err }

func TestIOErrorWrapped(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, f := range Formats {
		err := Read(failReader{boom}, "x", f, Options{}, func(Entry) error { return nil })
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read x: ") {
			t.Errorf("%v: err = %v, want wrapped %v", f, err, boom)
		}
	}
}

func TestLineErrorFormat(t *testing.T) {
	if got := (LineError{File: "a.csv", Line: 3, Reason: "bad"}).Error(); got != "a.csv:3: bad" {
		t.Errorf("got %q", got)
	}
	if got := (LineError{File: "a.csv", Reason: "bad"}).Error(); got != "a.csv: bad" {
		t.Errorf("got %q", got)
	}
	ie := &InvalidError{File: "a.csv", Errors: []LineError{{File: "a.csv", Line: 2, Reason: "bad"}}, Total: 1}
	var le LineError
	if !errors.As(ie, &le) || le.Line != 2 {
		t.Errorf("errors.As(InvalidError, LineError) = %v", le)
	}
}

func TestLongLine(t *testing.T) {
	in := "12\n" + strings.Repeat("1", MaxLineBytes+10) + "\n13\n"
	tc := readCase{file: "a.txt", in: in, want: []string{"1:12"}, errs: []string{"2:line longer than 1 MiB"}}
	tc.run(t)
	tc.file = "a.csv"
	tc.run(t)
	tc = readCase{file: "a.txt", in: "12\n" + strings.Repeat("1", 100000) + "\n13\n", want: []string{"1:12", "3:13"}, errs: []string{"2:100000 digits"}}
	tc.run(t)
}

func TestReadConcurrent(t *testing.T) {
	in := "id\n12\n13\n@jack\n"
	t.Parallel()
	for i := 0; i < 8; i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			tc := readCase{file: "a.csv", in: in, want: []string{"2:12", "3:13", "4:@jack"}}
			tc.run(t)
		})
	}
}
