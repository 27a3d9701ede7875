package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// End-to-end tests of "bulkunfollow import" on the hand-made real-world
// files of queue/input/testdata/realworld (see its README.md), and on
// hostile inputs: exit codes, FILE:LINE messages, all-or-nothing across
// files, a queue left exactly as it was after any failure.

const (
	rwBig1 = "1453212345678901250"
	rwBig2 = "1602345678912345601"
	rwBig3 = "9007199254740993"
)

func rwFixture(name string) string {
	return filepath.Join("..", "..", "queue", "input", "testdata", "realworld", filepath.FromSlash(name))
}

// rwExportKeys returns the queue's targets as "id" or "@handle", in order,
// read with "bulkunfollow export".
func rwExportKeys(t *testing.T, env map[string]string) []string {
	t.Helper()
	code, out, stderr := runCLI(t, env, "", "export", "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var row struct{ ID, Handle string }
		if err := dec.Decode(&row); err != nil {
			t.Fatalf("export output: %v", err)
		}
		if row.ID != "" {
			keys = append(keys, row.ID)
		} else {
			keys = append(keys, "@"+row.Handle)
		}
	}
	return keys
}

// rwView is what a person sees of a queue: "status --json" (without
// its as_of time) and the full "export".
type rwView struct{ status, export string }

func rwViewOf(t *testing.T, env map[string]string) rwView {
	t.Helper()
	code, st, stderr := runCLI(t, env, "", "status", "--json")
	if code != exitOK {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(st), &m); err != nil {
		t.Fatalf("status --json: %v\n%s", err, st)
	}
	delete(m, "as_of")
	delete(m, "from_snapshot")
	b, _ := json.Marshal(m)
	code, exp, stderr := runCLI(t, env, "", "export", "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	return rwView{string(b), exp}
}

var rwLineRef = regexp.MustCompile(`(?m)^(.+?):(\d+): \S`)

// rwLineRefs returns every "FILE:LINE" that starts a line of stderr.
func rwLineRefs(stderr string) []string {
	var out []string
	for _, m := range rwLineRef.FindAllStringSubmatch(stderr, -1) {
		out = append(out, m[1]+":"+m[2])
	}
	return out
}

func TestImportRealWorldFiles(t *testing.T) {
	tests := []struct {
		name   string
		files  []string // fixtures
		args   []string // extra flags
		code   int
		keys   []string // the queue afterwards, in order (code 0)
		stdout []string
		errs   []string // exactly the FILE:LINE references in stderr (code 65), FILE relative to realworld
		stderr []string
	}{
		{name: "x archive 2024", files: []string{"archive/x-2024/data/following.js"},
			keys: []string{"783214", rwBig1, "2244994945", rwBig3}, stdout: []string{"4 entries (archive)", "Added 4 targets"}},
		{name: "archive parts and follower.js, overlapping", files: []string{"archive/multipart/data/following.js", "archive/multipart/data/following-part1.js", "archive/x-2024/data/following.js", "archive/twitter-2022/data/following.js"},
			keys:   []string{"101", "102", "103", rwBig1, "783214", "2244994945", rwBig3, "12", rwBig2},
			stdout: []string{"Added 9 targets", "duplicate:        2"}},
		{name: "empty archive", files: []string{"archive/empty/data/following.js"}, stdout: []string{"0 entries (archive)", "Added 0 targets"}},
		{name: "api v2 pages", files: []string{"api/v2-following-page1.json", "api/v2-following-page2.json", "api/v2-following-empty.json", "api/v2-following-partial-errors.json"},
			keys: []string{"2244994945", rwBig1, "783214", rwBig2, "12"}},
		{name: "api v1.1 ids", files: []string{"api/v1-friends-ids-stringify.json", "api/v1-friends-ids.json"},
			keys: []string{"12", rwBig1, "783214", "2244994945", rwBig2}, stdout: []string{"duplicate:        1"}},
		{name: "api v1.1 list through javascript keeps id_str", files: []string{"api/v1-friends-list-via-javascript.json"}, keys: []string{rwBig2}},
		{name: "excel unicode text", files: []string{"csv/excel-unicode-text.txt"}, keys: []string{"783214", rwBig2},
			stdout: []string{"2 entries (csv, UTF-16LE)"}},
		{name: "spreadsheets", files: []string{"csv/excel-sep-semicolon.csv", "csv/excel-utf8-bom.csv", "csv/google-sheets.csv", "csv/excel-mac-cr.csv", "csv/pandas-float-ids.csv", "csv/list.tsv", "csv/usernames.csv"},
			keys: []string{"12", rwBig1, "2244994945", rwBig2, "@XDevelopers", "783214", "@jack", "@someone_42"}},
		{name: "header only, empty, whitespace", files: []string{"csv/header-only.csv", "csv/empty.csv", "csv/whitespace-only.csv"}, stdout: []string{"Added 0 targets"}},
		{name: "text, jsonl, json", files: []string{"text/mixed-windows.txt", "jsonl/export.jsonl", "json/hand-edited.json", "json/graphql-users.json"},
			keys: []string{"12", "@XDevelopers", "@jack", "@someone_42", "@Other_Acct", "783214", rwBig1, "@fourth", "@fifth", "@sixth", rwBig2, "@seventh", "@eighth", "2244994945"}},

		{name: "bad text lines", files: []string{"text/nul-and-latin1.txt"}, code: exitBadInput,
			errs: []string{"text/nul-and-latin1.txt:3", "text/nul-and-latin1.txt:5"}, stderr: []string{"2 invalid entries in the input: nothing imported, the queue is unchanged"}},
		{name: "good files then a bad one: nothing", files: []string{"archive/x-2024/data/following.js", "csv/excel-utf8-bom.csv", "csv/excel-scientific.csv"}, code: exitBadInput,
			errs: []string{"csv/excel-scientific.csv:3", "csv/excel-scientific.csv:4"}, stderr: []string{"scientific notation"}},
		{name: "bad lines in two files", files: []string{"jsonl/bad-lines.jsonl", "csv/pandas-float-big-id.csv", "csv/ragged-missing-column.csv"}, code: exitBadInput,
			errs: []string{"jsonl/bad-lines.jsonl:2", "jsonl/bad-lines.jsonl:3", "jsonl/bad-lines.jsonl:4", "jsonl/bad-lines.jsonl:5", "csv/pandas-float-big-id.csv:3", "csv/pandas-float-big-id.csv:4", "csv/ragged-missing-column.csv:3"}},
		{name: "xlsx", files: []string{"csv/workbook.xlsx"}, code: exitBadInput, errs: []string{"csv/workbook.xlsx:1"}, stderr: []string{"save the sheet as \"CSV UTF-8\""}},
		{name: "utf-16 without bom", files: []string{"csv/utf16le-no-bom.csv"}, code: exitBadInput, errs: []string{"csv/utf16le-no-bom.csv:1"}, stderr: []string{"save it as UTF-8"}},
		{name: "api error responses", files: []string{"api/v2-error-suspended.json", "api/v2-problem-401.json", "api/v1-friends-ids-20-digits.json"}, code: exitBadInput,
			errs: []string{"api/v2-error-suspended.json:1", "api/v2-problem-401.json:1", "api/v1-friends-ids-20-digits.json:1"}, stderr: []string{"X API error response", "20 digits"}},
		{name: "--max-errors caps the list, not the count", files: []string{"jsonl/bad-lines.jsonl"}, args: []string{"--max-errors", "2"}, code: exitBadInput,
			errs: []string{"jsonl/bad-lines.jsonl:2", "jsonl/bad-lines.jsonl:3"}, stderr: []string{"... and 2 more", "4 invalid entries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, path := queueEnv(t)
			args := append([]string{"import"}, tt.args...)
			for _, f := range tt.files {
				args = append(args, rwFixture(f))
			}
			code, stdout, stderr := runCLI(t, env, "", args...)
			wantOutput(t, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			if tt.code != exitOK {
				var want []string
				for _, e := range tt.errs {
					f, line, _ := strings.Cut(e, ":")
					want = append(want, rwFixture(f)+":"+line)
				}
				if got := rwLineRefs(stderr); !slices.Equal(got, want) {
					t.Errorf("FILE:LINE references:\n got %q\nwant %q\nstderr: %s", got, want, stderr)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("a rejected first import left a queue file (%v)", err)
				}
				return
			}
			if got := rwExportKeys(t, env); !slices.Equal(got, tt.keys) && !(len(got) == 0 && len(tt.keys) == 0) {
				t.Errorf("queue:\n got %q\nwant %q", got, tt.keys)
			}
		})
	}
}

// After any failed import the queue is exactly as it was: status and
// export are the same, finished targets stay finished. Re-importing what
// is already there changes nothing either.
func TestImportFailuresLeaveQueueUnchanged(t *testing.T) {
	env, path := queueEnv(t)
	if code, _, stderr := runCLI(t, env, "", "import", rwFixture("archive/x-2024/data/following.js")); code != exitOK {
		t.Fatalf("first import: %d %s", code, stderr)
	}
	s, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Record(2, queue.Result{State: queue.Done, Reason: "unfollowed", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := rwViewOf(t, env)

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", []byte("5000\n5001\n@newone\n"))
	bad := write("bad.csv", []byte("\ufeffid,name\r\n5002,a\r\n\"5003\",\"two\r\nlines\"\r\n1.5E+18,b\r\n"))
	huge := write("huge.txt", []byte("5004\n"+strings.Repeat("9", 2<<20)+"\n5005\n"))
	binary := write("export.zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"))
	queueFile, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	notQueue := write("copy-of-list.db", []byte("5000\n"))
	_ = queueFile

	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  []string // in stderr
	}{
		{name: "good then bad", args: []string{good, bad}, code: exitBadInput, want: []string{bad + ":5: \"1.5E+18\" is in scientific notation"}},
		{name: "bad then good", args: []string{bad, good}, code: exitBadInput, want: []string{bad + ":5: "}},
		{name: "stdin bad", args: []string{"-"}, stdin: "5006\nnope\n", code: exitBadInput, want: []string{"<stdin>:2: \"nope\" is not an id"}},
		{name: "huge line", args: []string{good, huge}, code: exitBadInput, want: []string{huge + ":2: line longer than 1 MiB"}},
		{name: "binary", args: []string{good, binary}, code: exitBadInput, want: []string{binary + ":1: this is a ZIP file"}},
		{name: "missing file among good ones", args: []string{good, filepath.Join(dir, "nope.csv")}, code: exitBadInput, want: []string{"nope.csv: no such file"}},
		{name: "directory", args: []string{good, dir}, code: exitBadInput, want: []string{dir + " is a directory"}},
		{name: "wrong --format", args: []string{"--format", "json", good}, code: exitBadInput, want: []string{good + ":1: invalid JSON"}},
		{name: "dry run", args: []string{"--dry-run", good}, code: exitOK},
		{name: "queue is the input", args: []string{"--queue", good, good}, code: exitUsage, want: []string{"is also an input file"}},
		{name: "queue is some other list", args: []string{"--queue", notQueue, good}, code: exitPerson, want: []string{"not a bulkunfollow queue"}},
		{name: "re-import", args: []string{rwFixture("archive/x-2024/data/following.js")}, code: exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notQueueBefore, _ := os.ReadFile(notQueue)
			goodBefore, _ := os.ReadFile(good)
			code, stdout, stderr := runCLI(t, env, tt.stdin, append([]string{"import"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if after := rwViewOf(t, env); after != before {
				t.Errorf("the queue changed:\nbefore %+v\nafter  %+v", before, after)
			}
			if b, _ := os.ReadFile(notQueue); !bytes.Equal(b, notQueueBefore) {
				t.Error("a list given as --queue was modified")
			}
			if b, _ := os.ReadFile(good); !bytes.Equal(b, goodBefore) {
				t.Error("an input given as --queue was modified")
			}
			for _, side := range []string{notQueue + ".status", good + ".status"} {
				if _, err := os.Stat(side); err == nil {
					t.Errorf("%s was created", side)
				}
			}
			switch tt.name {
			case "dry run":
				if !strings.Contains(stdout, "Dry run, nothing written. Would add 3 targets (1 @handle") {
					t.Errorf("dry run output:\n%s", stdout)
				}
			case "re-import":
				for _, w := range []string{"Added 0 targets", "duplicate:        0", "already pending:  3", "already finished: 1"} {
					if !strings.Contains(stdout, w) {
						t.Errorf("re-import output lacks %q:\n%s", w, stdout)
					}
				}
			}
		})
	}
}

// Every bad entry is reported at its own line, whatever the line ends,
// BOM, quoted line breaks, blank lines, comments and formats around it.
func TestImportLineNumbers(t *testing.T) {
	tests := []struct {
		name, file, content string
		lines               []int
	}{
		{"csv bom crlf quoted newlines", "l.csv",
			"\ufeffsep=;\r\n# comment\r\nName;ID\r\n\r\n\"multi\r\nline\";12\r\nx;bad\r\n\"a;b\";-1\r\n;;\r\n\"three\nline\nname\";0\r\ny;13",
			[]int{7, 8, 10}}, // a record's line is the line it starts on
		{"text cr only", "l.txt", "12\rbad\r\r# c\r13\r1.5e18\r", []int{2, 6}},
		{"pretty json", "l.json", "{\n  \"data\": [\n    {\n      \"id\": \"12\"\n    },\n    {\n      \"name\": \"x\",\n      \"id\": \"-4\"\n    },\n    {\n      \"id\": 1.5e18\n    }\n  ]\n}\n",
			[]int{8, 11}},
		{"jsonl with blank lines", "l.jsonl", "\n\"12\"\n\n{\"id\": \"x\"},\n   \n[1]\n", []int{4, 6}},
		{"archive crlf", "following.js",
			"window.YTD.following.part0 = [\r\n  {\r\n    \"following\" : {\r\n      \"accountId\" : \"12\"\r\n    }\r\n  },\r\n  {\r\n    \"following\" : {\r\n      \"accountId\" : \"1.2E+18\"\r\n    }\r\n  }\r\n]",
			[]int{9}},
		{"utf-16 text", "l.txt", string(rwUTF16LE("12\r\nbad\r\n13\r\n@\r\n")), []int{2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := queueEnv(t)
			p := writeFile(t, tt.file, tt.content)
			code, stdout, stderr := runCLI(t, env, "", "import", p)
			if code != exitBadInput {
				t.Fatalf("exit %d, want 65\n%s%s", code, stdout, stderr)
			}
			var want []string
			for _, l := range tt.lines {
				want = append(want, p+":"+strconv.Itoa(l))
			}
			if got := rwLineRefs(stderr); !slices.Equal(got, want) {
				t.Errorf("FILE:LINE references:\n got %q\nwant %q\nstderr: %s", got, want, stderr)
			}
		})
	}
}

func rwUTF16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, r := range s { // ASCII only
		b = append(b, byte(r), 0)
	}
	return b
}

// Standard input is detected by content like a file without extension.
func TestImportStdinFormats(t *testing.T) {
	archive, err := os.ReadFile(rwFixture("archive/x-2024/data/following.js"))
	if err != nil {
		t.Fatal(err)
	}
	unicode, err := os.ReadFile(rwFixture("csv/excel-unicode-text.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stdin string
		args        []string
		keys        []string
		stdout      string
	}{
		{"archive", string(archive), nil, []string{"783214", rwBig1, "2244994945", rwBig3}, "(archive)"},
		{"utf-16 tab separated", string(unicode), nil, []string{"783214", rwBig2}, "(csv, UTF-16LE)"},
		{"api page", `{"data":[{"id":"12","username":"jack"}],"meta":{"result_count":1}}`, nil, []string{"12"}, "(json)"},
		{"v1.1 ids", `{"ids":[` + rwBig1 + `,12],"next_cursor":0,"next_cursor_str":"0"}`, nil, []string{rwBig1, "12"}, "(json)"},
		{"csv with header", "Twitter ID,Name\n12,jack\n", nil, []string{"12"}, "(csv)"},
		{"jsonl forced", "\"12\"\n{\"id\":\"13\"}\n", []string{"--format", "jsonl"}, []string{"12", "13"}, "(jsonl)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := queueEnv(t)
			code, stdout, stderr := runCLI(t, env, tt.stdin, append(append([]string{"import"}, tt.args...), "-")...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "Read <stdin>: ") || !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout)
			}
			if got := rwExportKeys(t, env); !slices.Equal(got, tt.keys) {
				t.Errorf("queue %q, want %q", got, tt.keys)
			}
		})
	}
}

// A directory, a missing file and a queue path that names an input: clear
// errors, nothing created, nothing overwritten.
func TestImportBadArguments(t *testing.T) {
	archiveDir := rwFixture("archive/x-2024")
	empty := writeFile(t, "empty.txt", "")
	list := writeFile(t, "list.csv", "id\n12\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"archive directory", []string{archiveDir}, exitBadInput, []string{"is a directory, not a list", "bulkunfollow import --queue ", " " + filepath.Join(archiveDir, "data", "following.js")}},
		{"missing", []string{"no-such-file.csv"}, exitBadInput, []string{"cannot read input", "no-such-file.csv"}},
		{"empty list as its own queue", []string{"--queue", empty, empty}, exitUsage, []string{"is also an input file"}},
		{"list as its own queue", []string{"--queue", list, list}, exitUsage, []string{"is also an input file"}},
		{"new queue named like a list", []string{"--queue", filepath.Join(t.TempDir(), "following.js"), list}, exitUsage, []string{"is named like an input list (.js)"}},
		{"empty file named like a list as queue", []string{"--queue", empty, list}, exitUsage, []string{"is named like an input list (.txt)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, path := queueEnv(t)
			emptyBefore, _ := os.ReadFile(empty)
			listBefore, _ := os.ReadFile(list)
			code, stdout, stderr := runCLI(t, env, "", append([]string{"import"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("queue file created (%v)", err)
			}
			if b, _ := os.ReadFile(empty); !bytes.Equal(b, emptyBefore) {
				t.Errorf("empty.txt changed: %d bytes", len(b))
			}
			if b, _ := os.ReadFile(list); !bytes.Equal(b, listBefore) {
				t.Errorf("list.csv changed")
			}
		})
	}
}

// 200,000 good lines and one bad line at the very end: the bad line is
// reported with its number, nothing is written (the queue is not even
// created); without it, everything is imported, and importing again adds
// nothing.
func TestImportBigFileOneBadLineAtTheEnd(t *testing.T) {
	const n = 200_000
	var b strings.Builder
	b.WriteString("user_id,screen_name\r\n")
	for i := range n - 2 {
		fmt.Fprintf(&b, "%d,u%d\r\n", 1_400_000_000_000_000_000+uint64(i)*7, i)
	}
	good := b.String()
	env, path := queueEnv(t)
	bad := writeFile(t, "big.csv", good+"1.4E+18,last\r\n")
	code, stdout, stderr := runCLI(t, env, "", "import", bad)
	if code != exitBadInput {
		t.Fatalf("exit %d, want 65\n%s%s", code, stdout, stderr)
	}
	if got, want := rwLineRefs(stderr), []string{bad + ":" + strconv.Itoa(n)}; !slices.Equal(got, want) {
		t.Fatalf("FILE:LINE references %q, want %q\n%s", got, want, stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("queue file created (%v)", err)
	}

	ok := writeFile(t, "big-ok.csv", good)
	code, stdout, stderr = runCLI(t, env, "", "import", ok)
	if code != exitOK || !strings.Contains(stdout, "Added "+strconv.Itoa(n-2)+" targets") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	before := rwViewOf(t, env)
	code, stdout, stderr = runCLI(t, env, "", "import", bad)
	if code != exitBadInput {
		t.Fatalf("second bad import: exit %d\n%s%s", code, stdout, stderr)
	}
	if after := rwViewOf(t, env); after != before {
		t.Error("a failed import changed a 200k-target queue")
	}
	code, stdout, _ = runCLI(t, env, "", "import", ok)
	if code != exitOK || !strings.Contains(stdout, "Added 0 targets") || !strings.Contains(stdout, "already pending:  "+strconv.Itoa(n-2)) {
		t.Fatalf("re-import: exit %d\n%s", code, stdout)
	}
	if after := rwViewOf(t, env); after != before {
		t.Error("re-importing the same list changed the queue")
	}
}
