package review

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

var start = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// accounts are n rows as following writes them: user0, user1, ...
func accounts(n int) []sheet.Row {
	rows := make([]sheet.Row, n)
	for i := range rows {
		rows[i] = sheet.Row{
			ID: fmt.Sprint(1000 + i), Username: fmt.Sprintf("user%d", i), Name: fmt.Sprintf("User Number %d", i),
			Followers: 1234 * i, Following: 567, Posts: 8901, Listed: 3,
			CreatedAt: time.Date(2010, 1, 2, 0, 0, 0, 0, time.UTC), LastPostAt: start.Add(-412 * 24 * time.Hour),
			VerifiedType: "blue", FollowsYou: sheet.Yes,
			Description: "Writes about Go, terminals and the occasional sourdough loaf; posts rarely these days, mostly links.",
		}
	}
	return rows
}

// fileOf is rows written by sheet.Write and read back.
func fileOf(t testing.TB, rows []sheet.Row) *sheet.File {
	t.Helper()
	var b bytes.Buffer
	if err := sheet.Write(&b, sheet.CSV, rows, start); err != nil {
		t.Fatal(err)
	}
	f, err := sheet.Read(&b, "sheet.csv")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// harness is a model on a fake clock whose saves are recorded.
type harness struct {
	t     *testing.T
	m     *Model
	clock *testkit.Clock
	saves []string // the decisions the sheet held at each save
	fail  error    // the next saves fail with it
}

func newHarness(t *testing.T, f *sheet.File, o Options) *harness {
	t.Helper()
	h := &harness{t: t, clock: testkit.NewClock(start)}
	o.Name, o.Now = "sheet.csv", h.clock.Now
	if o.Sort == "" {
		o.Sort = "none" // the file's order
	}
	o.Save = func(f *sheet.File) error {
		if h.fail != nil {
			return h.fail
		}
		var ds []string
		for _, r := range f.Rows {
			ds = append(ds, or(r.Decision, "-"))
		}
		// Saved before the next account shows: the model still shows
		// the account just decided.
		h.saves = append(h.saves, fmt.Sprintf("%s@%d", strings.Join(ds, " "), h.m.pos))
		return nil
	}
	m, err := New(f, o)
	if err != nil {
		t.Fatal(err)
	}
	h.m = m
	h.size(80, 24)
	return h
}

func (h *harness) size(w, ht int) { h.m.Update(tea.WindowSizeMsg{Width: w, Height: ht}) }

// press sends keys: single runes, or names such as "left", "enter".
func (h *harness) press(keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = h.m.Update(keyMsg(k))
	}
	return cmd
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func decisions(f *sheet.File) string {
	var ds []string
	for _, r := range f.Rows {
		ds = append(ds, or(r.Decision, "-"))
	}
	return strings.Join(ds, " ")
}

func (h *harness) screen() string { return h.m.View() }

func (h *harness) shows(s string) bool { return strings.Contains(h.screen(), s) }

func (h *harness) current() string { return h.m.f.Rows[h.m.order[h.m.pos]].Username }

func TestDecideSkipBack(t *testing.T) {
	f := fileOf(t, accounts(6))
	h := newHarness(t, f, Options{})
	if h.current() != "user0" || !h.shows("1 / 6 · 0 unfollow · 0 keep · 6 undecided") {
		t.Fatalf("first screen:\n%s", h.screen())
	}
	h.press("u", "k")
	h.clock.Advance(time.Minute)
	h.press("u", "s", "u")
	if got := decisions(f); got != "unfollow keep unfollow - unfollow -" {
		t.Errorf("decisions %s", got)
	}
	// One save per decision, each before the next account showed.
	want := []string{"unfollow - - - - -@0", "unfollow keep - - - -@1", "unfollow keep unfollow - - -@2", "unfollow keep unfollow - unfollow -@4"}
	if strings.Join(h.saves, "|") != strings.Join(want, "|") {
		t.Errorf("saves\n%q\nwant\n%q", h.saves, want)
	}
	for i, at := range []time.Time{start, start, start.Add(time.Minute), {}, start.Add(time.Minute)} {
		if !f.DecidedAt(i).Equal(at) {
			t.Errorf("row %d decided at %v, want %v", i, f.DecidedAt(i), at)
		}
	}
	if h.current() != "user5" || !h.shows("6 / 6 · 3 unfollow · 1 keep · 2 undecided") || !h.shows("@user4: unfollow, saved.") {
		t.Errorf("after u k u s u:\n%s", h.screen())
	}
	// Back (b and ←) shows the earlier accounts and their decisions; a
	// new key changes one, with a new decided_at.
	h.press("b", "left")
	if h.current() != "user3" || !h.shows("Decision undecided") {
		t.Errorf("back twice:\n%s", h.screen())
	}
	h.press("b")
	if h.current() != "user2" || !h.shows("Decision unfollow · decided 2026-12-04 12:01 UTC") {
		t.Errorf("back to user2:\n%s", h.screen())
	}
	h.clock.Advance(time.Hour)
	h.press("k")
	if got := decisions(f); got != "unfollow keep keep - unfollow -" || !f.DecidedAt(2).Equal(start.Add(61*time.Minute)) || h.current() != "user3" {
		t.Errorf("changed: %s at %v, now on %s", got, f.DecidedAt(2), h.current())
	}
	// The same decision again saves nothing and keeps its time.
	n := len(h.saves)
	h.press("b", "k")
	if len(h.saves) != n || !f.DecidedAt(2).Equal(start.Add(61*time.Minute)) {
		t.Errorf("%d saves, decided at %v", len(h.saves)-n, f.DecidedAt(2))
	}
	// Skipping a decided account keeps its decision.
	h.press("b", "s", "right")
	if got := decisions(f); got != "unfollow keep keep - unfollow -" || h.current() != "user4" {
		t.Errorf("skips: %s on %s", got, h.current())
	}
	// Back at the first account stays there.
	for range 8 {
		h.press("b")
	}
	if h.current() != "user0" || !h.shows("This is the first account.") {
		t.Errorf("back past the first:\n%s", h.screen())
	}
	// Past the last account: the end, b comes back, u and k do nothing.
	h.press("s", "s", "s", "s", "s", "s", "u", "k")
	if h.m.pos != 6 || !h.shows("That was the last of the 6 accounts shown.") || !h.shows("Next: bulkunfollow import sheet.csv, then bulkunfollow run.") ||
		!h.shows("6 / 6 · 2 unfollow · 2 keep · 2 undecided") {
		t.Errorf("the end:\n%s", h.screen())
	}
	h.press("b")
	if h.current() != "user5" {
		t.Errorf("back from the end: %s", h.current())
	}
}

// Keys typed faster than the terminal is read come as one message.
func TestKeysInOneMessage(t *testing.T) {
	f := fileOf(t, accounts(6))
	h := newHarness(t, f, Options{})
	h.press("ukusu")
	if got := decisions(f); got != "unfollow keep unfollow - unfollow -" || len(h.saves) != 4 {
		t.Errorf("decisions %s, %d saves", got, len(h.saves))
	}
	h.press("/user1")
	if !h.m.jumping || h.m.jump.Value() != "user1" {
		t.Fatalf("jumping %v, %q", h.m.jumping, h.m.jump.Value())
	}
	h.press("enter")
	if h.current() != "user1" {
		t.Errorf("jumped to %s", h.current())
	}
	// A paste outside the jump decides nothing.
	h.m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("uuu"), Paste: true})
	if len(h.saves) != 4 {
		t.Errorf("a paste decided: %v", h.saves)
	}
	// Nothing after q counts.
	h = newHarness(t, fileOf(t, accounts(6)), Options{})
	_, cmd := h.m.Update(keyMsg("uqu"))
	if _, ok := cmd().(tea.QuitMsg); !ok || len(h.saves) != 1 || decisions(h.m.f) != "unfollow - - - - -" {
		t.Errorf("uqu: %v saves, %s", h.saves, decisions(h.m.f))
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		h := newHarness(t, fileOf(t, accounts(2)), Options{})
		cmd := h.press(k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}

func TestSaveFails(t *testing.T) {
	f := fileOf(t, accounts(3))
	h := newHarness(t, f, Options{})
	h.fail = errors.New("disk full")
	h.press("u")
	if got := decisions(f); got != "- - -" || h.current() != "user0" || !f.DecidedAt(0).IsZero() || h.m.Err() == nil {
		t.Errorf("a failed save: %s on %s, err %v", got, h.current(), h.m.Err())
	}
	if !h.shows("Not saved, so not marked unfollow: disk full") {
		t.Errorf("screen:\n%s", h.screen())
	}
	// A change that fails puts the old decision back, with its time.
	h.fail = nil
	h.press("k", "b")
	h.fail = errors.New("disk full")
	h.clock.Advance(time.Hour)
	h.press("u")
	if got := decisions(f); got != "keep - -" || !f.DecidedAt(0).Equal(start) {
		t.Errorf("%s at %v", got, f.DecidedAt(0))
	}
	h.fail = nil
	h.press("u")
	if h.m.Err() != nil || decisions(f) != "unfollow - -" {
		t.Errorf("after a good save: %v %s", h.m.Err(), decisions(f))
	}
}

func TestResume(t *testing.T) {
	rows := accounts(6)
	rows[0].Decision, rows[1].Decision, rows[3].Decision = sheet.Unfollow, sheet.Keep, sheet.Unfollow
	for _, tc := range []struct {
		only   Only
		sort   string
		shown  []string
		first  string
		status string
	}{
		{OnlyUndecided, "last_post_at", []string{"user2", "user4", "user5"}, "user2", "1 / 3 · 2 unfollow · 1 keep · 3 undecided"},
		{OnlyAll, "none", []string{"user0", "user1", "user2", "user3", "user4", "user5"}, "user2", "3 / 6 ·"},
		{OnlyAll, "-username", []string{"user5", "user4", "user3", "user2", "user1", "user0"}, "user5", "1 / 6 ·"},
		{OnlyUnfollow, "", []string{"user0", "user3"}, "user0", "1 / 2 ·"},
		{OnlyKeep, "", []string{"user1"}, "user1", "1 / 1 ·"},
	} {
		h := newHarness(t, fileOf(t, rows), Options{Only: tc.only, Sort: tc.sort})
		var shown []string
		for _, i := range h.m.order {
			shown = append(shown, h.m.f.Rows[i].Username)
		}
		if strings.Join(shown, " ") != strings.Join(tc.shown, " ") || h.current() != tc.first || !h.shows(tc.status) {
			t.Errorf("--only %s --sort %q: shows %v from %s:\n%s", tc.only, tc.sort, shown, h.current(), h.screen())
		}
	}
	// Nothing undecided: the end at once.
	for i := range rows {
		rows[i].Decision = sheet.Keep
	}
	h := newHarness(t, fileOf(t, rows), Options{})
	if !h.shows("Nothing to review in sheet.csv: every account is decided.") || !h.shows("0 / 0 · 0 unfollow · 6 keep · 0 undecided") || !h.shows("--only all") {
		t.Errorf("nothing undecided:\n%s", h.screen())
	}
	h.press("b", "u")
	if len(h.saves) != 0 {
		t.Error("saved with nothing shown")
	}
	if _, err := New(fileOf(t, rows), Options{Sort: "age"}); err == nil {
		t.Error("--sort age accepted")
	}
	if _, err := ParseOnly("later"); err == nil {
		t.Error("--only later accepted")
	}
	if o, err := ParseOnly(" ALL "); err != nil || o != OnlyAll {
		t.Errorf("ParseOnly(ALL) = %v, %v", o, err)
	}
}

func TestStatusLine(t *testing.T) {
	rows := accounts(5000)
	for i := range 120 {
		rows[i].Decision = sheet.Keep
		if i%3 == 0 {
			rows[i].Decision = sheet.Unfollow
		}
	}
	h := newHarness(t, fileOf(t, rows), Options{Only: OnlyAll})
	h.press("s", "s")
	lines := strings.Split(h.screen(), "\n")
	if got := lines[len(lines)-2]; got != "123 / 5,000 · 40 unfollow · 80 keep · 4,880 undecided" {
		t.Errorf("status line %q", got)
	}
	if got := lines[len(lines)-1]; got != "u unfollow • k keep • s/→ skip • b/← back • q quit • ? more" {
		t.Errorf("help line %q", got)
	}
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 4877: "4,877", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %s", n, got)
		}
	}
}

// sgr matches a colour or attribute sequence.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func columns(s string) int { return lipgloss.Width(s) }

// checkFits fails when the screen has a line wider than w or more than h
// lines.
func checkFits(t *testing.T, what, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) > h {
		t.Errorf("%s: %d lines on %d rows:\n%s", what, len(lines), h, screen)
	}
	for i, l := range lines {
		if n := columns(l); n > w {
			t.Errorf("%s: line %d is %d columns wide on %d: %q", what, i+1, n, w, l)
		}
	}
}

func TestCardFits(t *testing.T) {
	rows := accounts(3)
	rows[0].Name = "A Name Long Enough To Need Cutting On A Narrow Terminal, Surely"
	rows[0].Username = "averyverylongusername"
	rows[0].Followers, rows[0].Following, rows[0].Posts = 123456789, 123456, 1234567
	rows[0].Description = strings.Repeat("Bio words here, ", 10) + "the end"
	card := []string{
		"A Name Long Enough", "@averyverylongusername", "https://x.com/averyverylongusername",
		"Followers 123,456,789 · Following 123,456 · Posts 1,234,567", "Account age 16 years (since 2010-01-02)",
		"Last post 412 days ago (2025-10-18)", "Protected no · Verified blue · Follows you yes", "Decision undecided",
		"the end", "1 / 3 · 0 unfollow · 0 keep · 3 undecided", "u unfollow • k keep",
	}
	for _, size := range [][2]int{{80, 24}, {60, 20}, {120, 40}} {
		h := newHarness(t, fileOf(t, rows), Options{})
		h.size(size[0], size[1])
		s := h.screen()
		checkFits(t, fmt.Sprint(size), s, size[0], size[1])
		flat := strings.Join(strings.Fields(s), " ") // the bio wraps
		for _, want := range card {
			if !strings.Contains(flat, strings.Join(strings.Fields(want), " ")) {
				t.Errorf("%v: no %q on\n%s", size, want, s)
			}
		}
		// ? adds every key; the card still fits.
		h.press("?")
		s = h.screen()
		checkFits(t, fmt.Sprint(size, " ?"), s, size[0], size[1])
		for _, want := range []string{"jump to @username", "? fewer keys", "1 / 3 · 0 unfollow"} {
			if !strings.Contains(s, want) {
				t.Errorf("%v ?: no %q on\n%s", size, want, s)
			}
		}
	}
	// Smaller: nothing wraps, the bio goes first (with an ellipsis), the
	// status and help lines stay.
	for _, size := range [][2]int{{40, 24}, {40, 12}, {60, 14}, {80, 10}, {20, 5}, {60, 3}, {1, 1}} {
		h := newHarness(t, fileOf(t, rows), Options{})
		h.size(size[0], size[1])
		for _, keys := range [][]string{nil, {"?"}, {"/", "averyverylongusername"}} {
			h.press(keys...)
			s := h.screen()
			checkFits(t, fmt.Sprint(size, keys), s, size[0], size[1])
			if size[1] >= 3 && !strings.Contains(s, "1 / 3") && size[0] >= 10 {
				t.Errorf("%v %v: no status line:\n%s", size, keys, s)
			}
			h.press("esc")
		}
	}
	h := newHarness(t, fileOf(t, rows), Options{})
	h.size(60, 14)
	s := h.screen()
	if !strings.Contains(s, "…") || strings.Contains(s, "the end") || !strings.Contains(s, "Followers 123,456,789") || !strings.Contains(s, "Decision undecided") {
		t.Errorf("60×14: the bio should be cut, the facts kept:\n%s", s)
	}
	// A resize follows.
	h.size(80, 24)
	if s := h.screen(); !strings.Contains(s, "the end") || len(strings.Split(s, "\n")) > 24 {
		t.Errorf("resized to 80×24:\n%s", s)
	}
}

// A bio far longer than any X allows (pasted into the sheet, a word of
// megabytes without a space) is wrapped only as far as the screen can show:
// the card shows its first lines cut with "…", the facts and the status.
func TestHugeBio(t *testing.T) {
	if got := len(wrap(strings.Repeat("x", 1<<20), 80, 24)); got != 24 {
		t.Errorf("wrap of a 1 MiB word to 24 lines: %d lines", got)
	}
	if got := len(wrap(strings.Repeat("word ", 1<<18), 80, 24)); got != 24 {
		t.Errorf("wrap of 256 Ki words to 24 lines: %d lines", got)
	}
	if got := wrap("a\n\nb c", 80, 1); len(got) != 1 || got[0] != "a" {
		t.Errorf("wrap to 1 line: %q", got)
	}
	rows := accounts(2)
	rows[0].Description = strings.Repeat("x", 4<<20)
	rows[1].Description = strings.Repeat("many words ", 1<<18)
	h := newHarness(t, fileOf(t, rows), Options{})
	for k := range rows {
		for _, size := range [][2]int{{80, 24}, {60, 20}} {
			h.size(size[0], size[1])
			s := h.screen()
			checkFits(t, fmt.Sprint(k, size), s, size[0], size[1])
			for _, want := range []string{"…", "Followers ", "Decision undecided", fmt.Sprintf("%d / 2 ·", k+1)} {
				if !strings.Contains(s, want) {
					t.Errorf("%d %v: no %q on\n%s", k, size, want, s)
				}
			}
		}
		h.press("s")
	}
}

func TestNoColor(t *testing.T) {
	rows := accounts(3)
	rows[0].Decision = sheet.Unfollow
	rows[1].Description = "\x1b[31mred\x1b[0m \x1b]0;title\x07 \u202eevil"
	screens := func(o Options) string {
		h := newHarness(t, fileOf(t, rows), o)
		var all []string
		for _, keys := range [][]string{nil, {"?"}, {"s", "/"}, {"x", "esc", "u"}, {"b", "b", "b"}} {
			h.press(keys...)
			all = append(all, h.screen())
		}
		return strings.Join(all, "\n")
	}
	plain := screens(Options{Only: OnlyAll})
	if m := sgr.FindString(plain); m != "" || strings.Contains(plain, "\x1b") || strings.Contains(plain, "\u202e") {
		t.Errorf("colour without a renderer: %q in\n%q", m, plain)
	}
	if !strings.Contains(plain, "[31mred [0m ]0;title evil") {
		t.Errorf("the bio's control characters are not shown as spaces:\n%s", plain)
	}
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.ANSI256)
	if coloured := screens(Options{Only: OnlyAll, Renderer: r}); !sgr.MatchString(coloured) {
		t.Errorf("no colour with a colour renderer:\n%s", coloured)
	}
}

func TestCardFacts(t *testing.T) {
	now := start
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now, "today (2026-12-04)"}, {now.Add(-30 * time.Hour), "1 day ago (2026-12-03)"},
		{now.Add(-1412 * 24 * time.Hour), "1,412 days ago (2023-01-22)"}, {time.Time{}, "never"},
	} {
		if got := lastPost(tc.t, true, now); got != tc.want {
			t.Errorf("lastPost(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
	if got := lastPost(now, false, now); got != "unknown" {
		t.Errorf("undated sheet: %q", got)
	}
	for created, want := range map[time.Time]string{
		{}: "unknown", time.Date(2025, 12, 4, 0, 0, 0, 0, time.UTC): "1 year (since 2025-12-04)",
		time.Date(2025, 12, 5, 0, 0, 0, 0, time.UTC):  "11 months (since 2025-12-05)",
		time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC): "14 days (since 2026-11-20)",
		time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC):  "1 day (since 2026-12-03)",
	} {
		if got := age(created, now); got != want {
			t.Errorf("age(%v) = %q, want %q", created, got, want)
		}
	}
	// A sheet without last-post dates says unknown, one with them never
	// for an account that never posted; unknown facts say so.
	rows := accounts(2)
	rows[0].LastPostAt, rows[1].LastPostAt = time.Time{}, time.Time{}
	rows[0].Followers, rows[0].FollowsYou, rows[0].VerifiedType, rows[0].Username = -1, sheet.Unknown, "", ""
	h := newHarness(t, fileOf(t, rows), Options{})
	for _, want := range []string{"Last post unknown", "Followers unknown", "Follows you unknown", "Verified unknown", "https://x.com/i/user/1000", "User Number 0  id 1000"} {
		if !h.shows(want) {
			t.Errorf("no %q:\n%s", want, h.screen())
		}
	}
	rows = accounts(2)
	rows[1].LastPostAt = time.Time{}
	h = newHarness(t, fileOf(t, rows), Options{})
	h.press("s")
	if !h.shows("Last post never") {
		t.Errorf("no never:\n%s", h.screen())
	}
}

func TestJump(t *testing.T) {
	rows := accounts(5)
	rows[1].Decision = sheet.Keep
	h := newHarness(t, fileOf(t, rows), Options{})
	h.press("/", "U", "s", "e", "r", "4")
	if !h.shows("Jump to @User4") || !h.shows("Enter: go there · Esc: cancel") {
		t.Errorf("jumping:\n%s", h.screen())
	}
	h.press("enter")
	if h.current() != "user4" || len(h.saves) != 0 {
		t.Errorf("on %s, %v", h.current(), h.saves)
	}
	h.press("/", "@user1", "enter")
	if h.current() != "user4" || !h.shows("@user1 is marked keep, so not shown (--only all shows it).") {
		t.Errorf("jump to a decided account:\n%s", h.screen())
	}
	h.press("/", "nobody", "enter")
	if !h.shows("No @nobody in sheet.csv.") {
		t.Errorf("jump to nobody:\n%s", h.screen())
	}
	h.press("/", "user0", "esc", "u")
	if h.m.pos != 4 || decisions(h.m.f) != "- keep - - unfollow" {
		t.Errorf("esc: at %d, %s", h.m.pos, decisions(h.m.f))
	}
	h.press("/", "enter")
	if h.m.jumping {
		t.Error("still jumping")
	}
}

func TestOpen(t *testing.T) {
	var opened []string
	h := newHarness(t, fileOf(t, accounts(2)), Options{Open: func(url string) error {
		opened = append(opened, url)
		if len(opened) > 1 {
			return errors.New("no browser")
		}
		return nil
	}})
	h.press("?")
	if !h.shows("open in browser") {
		t.Errorf("? does not show o:\n%s", h.screen())
	}
	for range 2 {
		cmd := h.press("o")
		h.m.Update(cmd())
	}
	if strings.Join(opened, " ") != "https://x.com/user0 https://x.com/user0" || !h.shows("Could not open https://x.com/user0: no browser") {
		t.Errorf("opened %v:\n%s", opened, h.screen())
	}
	// Without an opener there is no o.
	h = newHarness(t, fileOf(t, accounts(2)), Options{})
	h.press("?")
	if cmd := h.press("o"); cmd != nil || h.shows("open in browser") {
		t.Errorf("o without an opener:\n%s", h.screen())
	}
}

func TestOpenBrowser(t *testing.T) {
	for goos, want := range map[string]string{"linux": "xdg-open U", "freebsd": "xdg-open U", "darwin": "open U", "windows": "rundll32 url.dll,FileProtocolHandler U"} {
		if got := strings.Join(browserCommand(goos, "U"), " "); got != want {
			t.Errorf("%s: %s, want %s", goos, got, want)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	opener := filepath.Join(dir, "opener")
	script := "#!/bin/sh\necho \"$@\" > " + out + "\n[ \"$1\" != https://x.com/fail ] || { echo no handler >&2; exit 3; }\n"
	if err := os.WriteFile(opener, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := runOpener([]string{opener, "https://x.com/user0"}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "https://x.com/user0\n" {
		t.Errorf("opened %q, %v", b, err)
	}
	if err := runOpener([]string{opener, "https://x.com/fail"}); err == nil || !strings.Contains(err.Error(), "opener: exit status 3: no handler") {
		t.Errorf("failure: %v", err)
	}
	if err := runOpener([]string{filepath.Join(dir, "missing"), "u"}); err == nil {
		t.Error("a missing opener succeeded")
	}
}
