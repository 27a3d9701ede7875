package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// End-to-end tests of "bulkunfollow import" on the review sheets of
// queue/input/testdata/sheets (see its README.md): the rows marked unfollow
// are queued by id, the others counted; a sheet re-saved by a spreadsheet
// still reads; a damaged or unmarked sheet is refused with FILE:LINE and
// what to do, the queue untouched. Then the way back: run, and export the
// follow links.

func sheetFixture(name string) string {
	return filepath.Join("..", "..", "queue", "input", "testdata", "sheets", name)
}

// The accounts of the sheets, as queued when marked unfollow: by id, in
// the sheet's order.
var (
	sheetUnfollow = []string{"1111111111111111111", "1602345678912345601", "1700000000000000001"}
	sheetAll      = []string{"1111111111111111111", "1602345678912345601", "1700000000000000001", "1234567890123456789", "783214", "2244994945", "1453212345678901250", "1500000000000000007"}
	sheetNames    = []string{"never_posted", "quiet_since2019", "locked_acct", "emoji_fan", "X", "XDevelopers", "newsbot_42", "friend_of_mine"}
)

func TestImportSheetFiles(t *testing.T) {
	read := "8 entries (csv): 3 marked unfollow, 2 kept, 3 undecided"
	summary := []string{"Added 3 targets\n", "  kept:             2 (marked keep)\n", "  undecided:        3 (no decision)\n", "3 targets: 3 pending"}
	tests := []struct {
		file   string
		code   int
		stdout []string
		errs   []string // exactly the FILE:LINE references in stderr (code 65)
		stderr []string
		queued []string // the queue's keys, when not sheetUnfollow by id
	}{
		{file: "following.csv", stdout: append([]string{read}, summary...)},
		{file: "excel-utf8.csv", stdout: append([]string{read}, summary...)},
		{file: "excel-semicolon-1252.csv", stdout: append([]string{read}, summary...)},
		{file: "google-sheets.csv", stdout: append([]string{read}, summary...)},
		{file: "excel-unicode-text.txt", stdout: append([]string{"8 entries (csv, UTF-16LE): 3 marked unfollow, 2 kept, 3 undecided"}, summary...)},
		{file: "libreoffice-quote-all-text.csv", stdout: append([]string{read}, summary...)},
		{file: "all-quoted.csv", stdout: append([]string{read}, summary...)},
		{file: "trailing-columns.csv", stdout: append([]string{read}, summary...)},
		{file: "reviewed.csv", stdout: append([]string{read}, summary...)},
		{file: "following.jsonl", stdout: append([]string{"8 entries (jsonl): 3 marked unfollow, 2 kept, 3 undecided"}, summary...)},

		// Ids a spreadsheet wrote as 1.6E+18: queued by the row's username.
		{file: "excel-scientific.csv", stdout: []string{read, "Added 3 targets (3 @handles to resolve at the next run)\n", "  by username:      3 (a spreadsheet rounded their ids"},
			queued: []string{"@never_posted", "@quiet_since2019", "@locked_acct"}},
		{file: "excel-rounded.csv", code: exitBadInput, errs: []string{"2", "3", "4", "5", "9", "10"},
			stderr: []string{":3: id 1602345678912350000 was rounded by a spreadsheet", "format the id column as Text before saving, or import the file as it was before a spreadsheet opened it"}},
		{file: "bad-decisions.csv", code: exitBadInput, errs: []string{"3", "4", "7", "9"},
			stderr: []string{`:3: decision "maybe" is not one of the allowed values: write unfollow, keep, or leave it empty (undecided)`, `:9: decision "1"`, "4 invalid entries"}},
		{file: "mixed-decisions.jsonl", code: exitBadInput, errs: []string{"2", "3", "4"}, stderr: []string{`no "decision" field, while the first entry has one`}},
		{file: "unmarked.csv", code: exitBadInput, stderr: []string{
			"unmarked.csv: no row is marked unfollow in the decision column (0 kept, 8 undecided)\n",
			"import: nothing is marked to unfollow: nothing imported, the queue is unchanged",
			"Hint:  write unfollow in the decision column of each account to unfollow, keep for the rest; or use bulkunfollow review", "; then import the file again"}},
		{file: "only-keep.csv", code: exitBadInput, stderr: []string{"only-keep.csv: no row is marked unfollow in the decision column (4 kept, 4 undecided)", "write unfollow in the decision column"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			env, path := queueEnv(t)
			file := sheetFixture(tt.file)
			code, stdout, stderr := runCLI(t, env, "", "import", file)
			wantOutput(t, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			if tt.code != exitOK {
				var want []string
				for _, line := range tt.errs {
					want = append(want, file+":"+line)
				}
				if got := rwLineRefs(stderr); !slices.Equal(got, want) {
					t.Errorf("FILE:LINE references:\n got %q\nwant %q\nstderr: %s", got, want, stderr)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("a refused first import left a queue file (%v)", err)
				}
				return
			}
			if tt.queued != nil {
				if got := rwExportKeys(t, env); !slices.Equal(got, tt.queued) {
					t.Errorf("queue = %q, want %q", got, tt.queued)
				}
				return
			}
			if got := rwExportKeys(t, env); !slices.Equal(got, sheetUnfollow) {
				t.Errorf("queue = %q, want the rows marked unfollow %q", got, sheetUnfollow)
			}
			q := queuetest.Open(t, path, queue.Options{ReadOnly: true})
			defer q.Close()
			var got []string
			q.Export(0, func(tg queue.Target) error {
				p := ""
				if tg.Protected {
					p = " protected"
				}
				got = append(got, tg.ID+" @"+tg.Username+p)
				return nil
			})
			want := []string{sheetUnfollow[0] + " @never_posted", sheetUnfollow[1] + " @quiet_since2019", sheetUnfollow[2] + " @locked_acct protected"}
			if !slices.Equal(got, want) {
				t.Errorf("targets = %q, want %q", got, want)
			}
		})
	}
}

// A refused sheet leaves an existing queue byte for byte; a good one after
// it adds only what it marks; importing it again adds nothing.
func TestImportSheetIntoExistingQueue(t *testing.T) {
	env, path := queueEnv(t)
	list := writeFile(t, "list.txt", "42\n1602345678912345601\n")
	if code, _, stderr := runCLI(t, env, "", "import", list); code != exitOK {
		t.Fatalf("first import: %d %s", code, stderr)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"unmarked.csv", "bad-decisions.csv", "excel-rounded.csv"} {
		if code, _, _ := runCLI(t, env, "", "import", sheetFixture("following.csv"), sheetFixture(bad)); code != exitBadInput {
			t.Errorf("import following.csv %s: exit %d, want %d", bad, code, exitBadInput)
		}
		if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
			t.Fatalf("a refused import (%s) changed the queue (%v)", bad, err)
		}
	}
	code, stdout, stderr := runCLI(t, env, "", "import", "--dry-run", sheetFixture("following.csv"))
	wantOutput(t, code, stdout, stderr, exitOK, []string{"Would add 2 targets", "already pending:  1", "kept:             2"}, nil)
	code, stdout, stderr = runCLI(t, env, "", "import", sheetFixture("following.csv"))
	wantOutput(t, code, stdout, stderr, exitOK, []string{"Added 2 targets", "already pending:  1", "4 targets: 4 pending"}, nil)
	if got, want := rwExportKeys(t, env), []string{"42", sheetUnfollow[1], sheetUnfollow[0], sheetUnfollow[2]}; !slices.Equal(got, want) {
		t.Errorf("queue = %q, want %q", got, want)
	}
	code, stdout, _ = runCLI(t, env, "", "import", sheetFixture("excel-utf8.csv"))
	wantOutput(t, code, stdout, "", exitOK, []string{"Added 0 targets", "already pending:  3"}, nil)
}

// With JSON logs the summary is an "import" event with the counts, and a
// refused sheet an "unmarked_list" event per file before the error.
func TestImportSheetEvents(t *testing.T) {
	env, _ := queueEnv(t)
	env["BULKUNFOLLOW_LOG_FORMAT"] = "json"
	events := func(stderr string) map[string]map[string]any {
		t.Helper()
		out := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("stderr line %q is not JSON: %v", line, err)
			}
			ev, _ := m["event"].(string)
			out[ev] = m
		}
		return out
	}
	code, _, stderr := runCLI(t, env, "", "import", sheetFixture("following.csv"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ev := events(stderr)["import"]
	for k, want := range map[string]any{"read": 8.0, "added": 3.0, "kept": 2.0, "undecided": 3.0, "duplicate": 0.0, "dry_run": false, "message": "Added 3 targets"} {
		if ev[k] != want {
			t.Errorf("import event %s = %v, want %v (%v)", k, ev[k], want, ev)
		}
	}
	if files, _ := ev["files"].([]any); len(files) != 1 || files[0] != sheetFixture("following.csv") {
		t.Errorf("import event files = %v", ev["files"])
	}

	code, _, stderr = runCLI(t, env, "", "import", sheetFixture("only-keep.csv"))
	all := events(stderr)
	u := all["unmarked_list"]
	if code != exitBadInput || u["file"] != sheetFixture("only-keep.csv") || u["kept"] != 4.0 || u["undecided"] != 4.0 {
		t.Errorf("exit %d, unmarked_list event %v", code, u)
	}
	if e := all["error"]; e["exit_code"] != 65.0 || !strings.Contains(e["hint"].(string), "write unfollow in the decision column") {
		t.Errorf("error event %v", e)
	}
}

// The whole way with a sheet: import the marked sheet, run, and exactly
// the rows marked unfollow are unfollowed at X; then export the way back.
func TestSheetImportRunAndFollowLinks(t *testing.T) {
	x := newE2E(t, xapisim.Config{}, 0, 0, nil)
	for i, id := range sheetAll {
		x.sim.AddUser(id, sheetNames[i])
	}
	x.sim.SetFollowing(x.me, sheetAll)
	if code, stdout, stderr := x.cli(t, "import", sheetFixture("excel-utf8.csv")); code != exitOK {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, out := x.run(t, "--yes"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	st := x.sim.Stats()
	for _, id := range sheetAll {
		want := 0
		if slices.Contains(sheetUnfollow, id) {
			want = 1
		}
		if st.UnfollowCallsByTarget[id] != want {
			t.Errorf("%s: %d DELETEs, want %d", id, st.UnfollowCallsByTarget[id], want)
		}
	}
	if got, want := x.sim.Following(x.me), sheetAll[3:]; !sameSet(got, want) {
		t.Errorf("still followed: %q, want %q", got, want)
	}
	wantCounts(t, x, queue.Counts{Total: 3, Done: 3})

	// follow-links: the done targets, by default.
	code, stdout, stderr := x.cli(t, "export", "--format", "follow-links")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"username", "id", "follow_link"}}
	for i, id := range sheetUnfollow {
		want = append(want, []string{sheetNames[i], id, "https://x.com/intent/follow?user_id=" + id})
	}
	if !slices.EqualFunc(rows, want, slices.Equal[[]string]) {
		t.Errorf("follow-links:\n got %q\nwant %q", rows, want)
	}
	// html, from the -o name: a page with the three links, the protected one marked.
	out := filepath.Join(t.TempDir(), "follow-again.html")
	if code, _, stderr := x.cli(t, "export", "-o", out); code != exitOK {
		t.Fatalf("export -o %s: exit %d: %s", out, code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, w := range []string{"<h2>Day 1: accounts 1–3</h2>", `href="https://x.com/intent/follow?user_id=1700000000000000001"`,
		"@locked_acct</a> <span class=\"id\">1700000000000000001</span> <span class=\"protected\">protected: a follow request</span>"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if n := strings.Count(page, "protected: a follow request"); n != 1 {
		t.Errorf("%d accounts marked protected, want 1", n)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("page mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
