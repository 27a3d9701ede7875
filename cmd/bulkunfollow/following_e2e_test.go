package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// sheetWorld is a simulator where the signed-in account (the simulator's
// default one, whose view its Account facts give) follows n sample
// accounts (their facts derived by the simulator, two in five following
// back), and the environment to run commands against it.
type sheetWorld struct {
	sim     *xapisim.Server
	environ map[string]string
	dir     string
	users   []xapisim.User
}

func newSheetWorld(t *testing.T, n int, cfg xapisim.Config) *sheetWorld {
	t.Helper()
	sim := xapisim.New(cfg)
	users := xapisim.SampleUsers(n)
	sim.SeedFollowing(xapisim.DefaultUserID, users)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	return &sheetWorld{sim: sim, dir: dir, users: users, environ: map[string]string{
		"BULKUNFOLLOW_ACCESS_TOKEN": sim.IssueToken(xapisim.DefaultUserID),
		"BULKUNFOLLOW_API_BASE_URL": srv.URL,
		"BULKUNFOLLOW_CONFIG_DIR":   filepath.Join(dir, "config"),
		"BULKUNFOLLOW_LOG_FORMAT":   "json",
	}}
}

// readSheetCSV reads a CSV sheet: its header and rows.
func readSheetCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("read %s: %v", path, err)
	}
	return recs[0], recs[1:]
}

// TestFollowingSheetAgreesWithTheSimulator (issue 13): 2,500 follows; the
// sheet has the header and a row per account; last_post_at, follows_you
// and the other facts agree with the simulator's own data for every row;
// the rows are sorted by last post, never-posted first; the bill is the
// sign-in, 2,500 Owned Reads and a post read per account that posted.
func TestFollowingSheetAgreesWithTheSimulator(t *testing.T) {
	w := newSheetWorld(t, 2500, xapisim.Config{})
	out := filepath.Join(w.dir, "f.csv")
	code, stdout, stderr := runCLI(t, w.environ, "", "following", "--yes", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout with -o: %q", stdout)
	}
	if !strings.Contains(stderr, "Wrote 2,500 accounts to ") {
		t.Errorf("the summary does not group its digits as the cost does:\n%s", stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sheet mode %v, %v", fi.Mode(), err)
	}
	header, rows := readSheetCSV(t, out)
	if strings.Join(header, ",") != "id,username,name,followers_count,following_count,post_count,listed_count,created_at,last_post_at,days_since_last_post,protected,verified_type,follows_you,description,decision" {
		t.Fatalf("header %q", header)
	}
	if len(rows) != 2500 {
		t.Fatalf("%d rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	posted, followsBack := 0, 0
	seen := map[string]bool{}
	var prev time.Time
	for i, r := range rows {
		f, ok := w.sim.Account(r[col["id"]])
		if !ok || seen[f.ID] {
			t.Fatalf("row %d: id %s unknown to the simulator or repeated", i+1, r[col["id"]])
		}
		seen[f.ID] = true
		wantLast, wantYou, wantProt := "", "no", "no"
		if !f.LastPostAt.IsZero() {
			wantLast = f.LastPostAt.UTC().Truncate(time.Second).Format(time.RFC3339)
			posted++
		}
		if f.FollowsYou {
			wantYou = "yes"
			followsBack++
		}
		if f.Protected {
			wantProt = "yes"
		}
		got := func(c string) string { return r[col[c]] }
		if got("last_post_at") != wantLast || got("follows_you") != wantYou || got("protected") != wantProt ||
			got("username") != f.Username || got("description") != f.Description || got("verified_type") != f.VerifiedType ||
			got("created_at") != f.CreatedAt.UTC().Truncate(time.Second).Format(time.RFC3339) || got("decision") != "" {
			t.Errorf("row %d %v\nsimulator %+v", i+1, r, f)
		}
		// Sorted: never posted first, then oldest first.
		if last := f.LastPostAt; !last.IsZero() {
			if last.Before(prev) {
				t.Errorf("row %d: last post %v before the row above's %v", i+1, last, prev)
			}
			prev = last
		} else if !prev.IsZero() {
			t.Errorf("row %d never posted, after rows that did", i+1)
		}
	}
	if posted == 0 || posted == 2500 || followsBack == 0 || followsBack == 2500 {
		t.Errorf("%d posted, %d follow back: the simulator's spread is gone", posted, followsBack)
	}
	st := w.sim.Stats()
	want := int64(10_000 + 2500*1_000 + posted*5_000)
	if st.BilledMicroUSD != want || st.Billed["owned_read"] != 2500 || st.Billed["post_read"] != posted || st.Calls["following"] != 3 {
		t.Errorf("billed %d µ$ %v in %v, want %d", st.BilledMicroUSD, st.Billed, st.Calls, want)
	}
	if !strings.Contains(stderr, "Reading your 2,500 follows costs about $2.50 (Owned Read, own app)") {
		t.Errorf("no cost statement:\n%s", stderr)
	}
}

// TestFollowingWithoutDatesCostsTheOwnedReads (issue 13): without the
// last-post dates, the bill is within 1.05 × 2,500 Owned Reads (+ the
// sign-in), and last_post_at is empty.
func TestFollowingWithoutDatesCostsTheOwnedReads(t *testing.T) {
	w := newSheetWorld(t, 2500, xapisim.Config{})
	out := filepath.Join(w.dir, "f.jsonl")
	code, _, stderr := runCLI(t, w.environ, "", "following", "--yes", "--last-post=false", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2500 || !strings.HasPrefix(lines[0], `{"id":"`) || !strings.Contains(lines[0], `"last_post_at":null`) {
		t.Fatalf("%d lines, first %s", len(lines), lines[0])
	}
	st := w.sim.Stats()
	if limit := int64(1.05*2500*1_000) + 10_000; st.BilledMicroUSD > limit || st.Billed["post_read"] != 0 {
		t.Errorf("billed %d µ$ %v, want at most %d", st.BilledMicroUSD, st.Billed, limit)
	}
}

// TestFollowingAsksAndKeepsDecisions: on a terminal the cost is asked
// about first (no: exit 4, nothing read, nothing written); a sheet with
// decisions is never replaced without --force; --queue keeps the list, so
// the next run reads no list.
func TestFollowingAsksAndKeepsDecisions(t *testing.T) {
	w := newSheetWorld(t, 30, xapisim.Config{})
	out := filepath.Join(w.dir, "sheet.csv")
	ask := func(answer string, args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		e := &cli{stdin: strings.NewReader(answer), stdout: &stdout, stderr: &stderr, interactive: true,
			getenv: func(k string) string { return w.environ[k] }}
		code := e.main(context.Background(), append([]string{"following"}, args...))
		return code, strings.Join(strings.Fields(stderr.String()), " ") // the question wraps at 80 columns
	}
	code, stderr := ask("n\n", "-o", out)
	if code != exitDeclined || !strings.Contains(stderr, "Reading your 30 follows costs about $0.03 (Owned Read, own app)") || !strings.Contains(stderr, "— continue? [y/N]") {
		t.Fatalf("no: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) || w.sim.Stats().Calls["following"] != 0 {
		t.Fatalf("declined, yet the list was read or the sheet written (%v)", err)
	}
	if code, stderr = ask("y\n", "-o", out); code != exitOK {
		t.Fatalf("yes: exit %d\n%s", code, stderr)
	}
	// A person marks a row; a new sheet over it is refused, and --force
	// replaces it.
	b, _ := os.ReadFile(out)
	marked := strings.Replace(string(b), ",\n", ",keep\n", 1)
	if err := os.WriteFile(out, []byte(marked), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, w.environ, "", "following", "--yes", "-o", out)
	if after, _ := os.ReadFile(out); code != exitUsage || string(after) != marked || !strings.Contains(stderr, "already holds 1 decision") || !strings.Contains(stderr, "--force") {
		t.Fatalf("over a marked sheet: exit %d\n%s", code, stderr)
	}
	if code, _, stderr = runCLI(t, w.environ, "", "following", "--yes", "--force", "-o", out); code != exitOK {
		t.Fatalf("--force: exit %d\n%s", code, stderr)
	}
	// --queue keeps the list: the run that follows reads none.
	qPath := filepath.Join(w.dir, "q.db")
	_, rows := readSheetCSV(t, out)
	list := filepath.Join(w.dir, "list.txt")
	if err := os.WriteFile(list, []byte(rows[0][0]+"\n"+rows[1][0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = runCLI(t, w.environ, "", "import", "--queue", qPath, list); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	if code, _, stderr = runCLI(t, w.environ, "", "following", "--yes", "--force", "--queue", qPath, "-o", out); code != exitOK {
		t.Fatalf("following --queue: exit %d\n%s", code, stderr)
	}
	lists := w.sim.Stats().Calls["following"]
	if code, _, stderr = runCLI(t, w.environ, "", "run", "--yes", "--queue", qPath); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	st := w.sim.Stats()
	if st.Calls["following"] != lists || st.Unfollowed != 2 || !strings.Contains(stderr, "no read needed") {
		t.Errorf("run after following --queue: %d list reads (had %d), %d unfollowed\n%s", st.Calls["following"], lists, st.Unfollowed, stderr)
	}
	q, err := queue.Open(qPath, queue.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if snap, ok, err := q.FollowingInfo(); err != nil || !ok || snap.Count != 30 || snap.Account != xapisim.DefaultUserID {
		t.Errorf("snapshot %+v, %v, %v", snap, ok, err)
	}
}

// TestFollowingKeepsDecisionsOfAnySheetImportReads: a marked sheet in
// any form import reads it in (a CR alone ending lines, tabs, UTF-16) is
// not replaced without --force, nor is one whose decisions come before
// a line that cannot be read (a JSON line longer than any sheet's).
func TestFollowingKeepsDecisionsOfAnySheetImportReads(t *testing.T) {
	w := newSheetWorld(t, 3, xapisim.Config{})
	utf16LE := func(s string) string {
		b := []byte{0xFF, 0xFE}
		for _, r := range s { // ASCII
			b = append(b, byte(r), 0)
		}
		return string(b)
	}
	for name, marked := range map[string]string{
		"old-mac.csv":  "id,username,decision\r1,a,unfollow\r2,b,\r",
		"tabs.txt":     "id\tusername\tdecision\n1\ta\tkeep\n",
		"unicode.txt":  utf16LE("id\tdecision\r\n1\tunfollow\r\n"),
		"unread.jsonl": `{"id":"1","decision":"unfollow"}` + "\n" + `{"id":"2","description":"` + strings.Repeat("x", 17<<20) + `"}` + "\n",
	} {
		out := filepath.Join(w.dir, name)
		if err := os.WriteFile(out, []byte(marked), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, w.environ, "", "following", "--yes", "-o", out)
		if after, _ := os.ReadFile(out); code != exitUsage || string(after) != marked || !strings.Contains(stderr, "already holds 1 decision") {
			t.Errorf("%s: exit %d, sheet kept %v\n%.300s", name, code, string(after) == marked, stderr)
		}
	}
	if n := w.sim.Stats().Calls["following"]; n != 0 {
		t.Errorf("%d list reads", n)
	}
}

// TestFollowingChecksTheOutputFirst: an -o that cannot be written (its
// directory missing) is refused before the list is read and paid for.
func TestFollowingChecksTheOutputFirst(t *testing.T) {
	w := newSheetWorld(t, 3, xapisim.Config{})
	out := filepath.Join(w.dir, "missing", "sheet.csv")
	code, _, stderr := runCLI(t, w.environ, "", "following", "--yes", "-o", out)
	if st := w.sim.Stats(); code != exitPerson || st.Calls["following"] != 0 || st.Calls["users_me"] != 0 || !strings.Contains(stderr, "nothing was read") {
		t.Errorf("exit %d, %d list reads, %d users/me\n%s", code, st.Calls["following"], st.Calls["users_me"], stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(w.dir, "*", ".sheet.csv*")); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
}

// TestFollowingFollowersFile: --followers decides follows_you, for free.
func TestFollowingFollowersFile(t *testing.T) {
	w := newSheetWorld(t, 20, xapisim.Config{})
	js := filepath.Join(w.dir, "follower.js")
	archive := `window.YTD.follower.part0 = [ {"follower": {"accountId": "` + w.users[3].ID + `"}} ]`
	if err := os.WriteFile(js, []byte(archive), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, w.environ, "", "following", "--yes", "--followers", js, "--sort", "none")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(recs) != 21 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		want := "no"
		if r[0] == w.users[3].ID {
			want = "yes"
		}
		if r[12] != want {
			t.Errorf("%s follows_you %q, want %q", r[0], r[12], want)
		}
	}
	bad := filepath.Join(w.dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("12\nnot an id!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = runCLI(t, w.environ, "", "following", "--yes", "--followers", bad); code != exitBadInput || !strings.Contains(stderr, "bad.txt:2") {
		t.Errorf("bad followers file: exit %d\n%s", code, stderr)
	}
}

// TestFollowingMarkedRowsAreUnfollowed (issue 13): in the sheet following
// wrote, 7 rows marked unfollow and 3 keep (in every spreadsheet re-save:
// as written, Excel's ; with a BOM and CRLF, every field quoted); import +
// run unfollow exactly those 7 at the simulator.
func TestFollowingMarkedRowsAreUnfollowed(t *testing.T) {
	resaves := map[string]func(recs [][]string) []byte{
		"as written": func(recs [][]string) []byte { return writeCSV(t, recs, ',', false, "\n") },
		"excel ;": func(recs [][]string) []byte {
			return append([]byte("\xef\xbb\xbf"), writeCSV(t, recs, ';', false, "\r\n")...)
		},
		"all quoted": func(recs [][]string) []byte { return writeCSV(t, recs, ',', true, "\r\n") },
	}
	for name, resave := range resaves {
		t.Run(name, func(t *testing.T) {
			w := newSheetWorld(t, 40, xapisim.Config{})
			sheetPath := filepath.Join(w.dir, "f.csv")
			if code, _, stderr := runCLI(t, w.environ, "", "following", "--yes", "-o", sheetPath); code != exitOK {
				t.Fatalf("following: exit %d\n%s", code, stderr)
			}
			header, rows := readSheetCSV(t, sheetPath)
			marked := map[string]bool{}
			for i := range rows {
				switch {
				case i%4 == 1 && len(marked) < 7:
					rows[i][len(header)-1] = "unfollow"
					marked[rows[i][0]] = true
				case i%4 == 2 && i < 14:
					rows[i][len(header)-1] = "Keep"
				}
			}
			if len(marked) != 7 {
				t.Fatalf("marked %d", len(marked))
			}
			if err := os.WriteFile(sheetPath, resave(append([][]string{header}, rows...)), 0o600); err != nil {
				t.Fatal(err)
			}
			qPath := filepath.Join(w.dir, "q.db")
			code, _, stderr := runCLI(t, w.environ, "", "import", "--queue", qPath, sheetPath)
			if code != exitOK || !strings.Contains(stderr, `"kept":3`) || !strings.Contains(stderr, `"undecided":30`) {
				t.Fatalf("import: exit %d, want 3 kept and 30 undecided reported\n%s", code, stderr)
			}
			if code, _, stderr = runCLI(t, w.environ, "", "run", "--yes", "--queue", qPath); code != exitOK {
				t.Fatalf("run: exit %d\n%s", code, stderr)
			}
			st := w.sim.Stats()
			if st.Unfollowed != 7 || len(st.UnfollowCallsByTarget) != 7 {
				t.Fatalf("unfollowed %d (%v)", st.Unfollowed, st.UnfollowCallsByTarget)
			}
			for id := range st.UnfollowCallsByTarget {
				if !marked[id] {
					t.Errorf("unfollowed %s, which was not marked", id)
				}
			}
		})
	}
}

// writeCSV writes records as a spreadsheet would save them.
func writeCSV(t *testing.T, recs [][]string, comma rune, quoteAll bool, eol string) []byte {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		for i, f := range r {
			if i > 0 {
				b.WriteRune(comma)
			}
			if quoteAll || strings.ContainsAny(f, string(comma)+"\"\r\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteString(eol)
	}
	return []byte(b.String())
}

// TestFollowingProgressInTheTerminal: on a real terminal of 80 and 40
// columns, following shows how far the list read is (a line that never
// wraps) and leaves no piece of it behind once the sheet is written.
func TestFollowingProgressInTheTerminal(t *testing.T) {
	bin := builtBinary(t)
	for _, cols := range []int{80, 40} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			t.Parallel()
			sim := xapisim.New(xapisim.Config{})
			sim.SeedFollowing(xapisim.DefaultUserID, xapisim.SampleUsers(2500))
			// Each page answers slowly (as X's do across the world), so
			// the progress line is on screen long enough to be seen.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/following") {
					time.Sleep(400 * time.Millisecond) // latency of the fake X, not a wait for behaviour
				}
				sim.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			out := filepath.Join(t.TempDir(), "sheet.csv")
			p := newTmuxPane(t, cols, "env -u NO_COLOR TERM=xterm-256color BULKUNFOLLOW_ACCESS_TOKEN="+sim.IssueToken(xapisim.DefaultUserID)+
				" BULKUNFOLLOW_API_BASE_URL="+srv.URL+" BULKUNFOLLOW_CONFIG_DIR="+filepath.Join(t.TempDir(), "cfg")+" "+bin+" following --yes -o "+out)
			p.waitProgressLine(cols, "Reading your following list", func(line string) bool {
				return cols < 80 || strings.Contains(line, "of 2,500 accounts")
			})
			end := p.waitFor("end", p.scrollback, func(s string) bool { return strings.Contains(s, "DEMO-EXIT-") })
			if !strings.Contains(end, "DEMO-EXIT-0") {
				t.Fatalf("following failed:\n%s", end)
			}
			if strings.Contains(end, "Reading your following list") {
				t.Errorf("a progress line was left behind:\n%s", end)
			}
			if _, rows := readSheetCSV(t, out); len(rows) != 2500 {
				t.Errorf("%d rows", len(rows))
			}
		})
	}
}
