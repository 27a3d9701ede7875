package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/charmbracelet/lipgloss"
)

// styles are the screen's looks; from a renderer without colour every
// one of them is plain text.
type styles struct {
	plain, faint, bold, key, unfollow, keep, bad, cursor lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) styles {
	return styles{
		plain:    r.NewStyle(),
		faint:    r.NewStyle().Faint(true),
		bold:     r.NewStyle().Bold(true),
		key:      r.NewStyle().Bold(true),
		unfollow: r.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		keep:     r.NewStyle().Bold(true).Foreground(lipgloss.Color("2")),
		bad:      r.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		cursor:   r.NewStyle().Reverse(true),
	}
}

// seg is a piece of a line and its style.
type seg struct {
	text  string
	style lipgloss.Style
}

// When the terminal is short, lines go in this order (the highest
// first): the bio's lines from its last, blank lines, the title, the
// note, the bio's first line, then the card's facts; the status and help
// lines stay.
const (
	keepAlways = 0
	dropHelp   = 2 // the full help of ?
	dropName   = 5
	dropURL    = 6
	dropChoice = 7
	dropLast   = 8
	dropCounts = 9
	dropFlags  = 10
	dropAge    = 11
	dropBio    = 20
	dropNote   = 30
	dropTitle  = 45
	dropBlank  = 50
	dropMore   = 60 // + the bio line's number
)

// screenLine is a line of the screen and when it goes.
type screenLine struct {
	text string
	drop int
	bio  string // a bio line's text (rendered once the cut is known)
}

// View is the screen: a function of the model's state and the terminal's
// size alone. No line is wider than the terminal and there are no more
// lines than it has rows.
func (m *Model) View() string {
	return strings.Join(m.lines(), "\n")
}

func (m *Model) lines() []string {
	w, h := max(m.w, 1), max(m.h, 1)
	var ls []screenLine
	add := func(drop int, segs ...seg) { ls = append(ls, screenLine{text: m.line(w, segs...), drop: drop}) }
	blank := func() { ls = append(ls, screenLine{drop: dropBlank}) }
	st := m.st

	add(dropTitle, seg{"bulkunfollow review", st.bold}, seg{" · " + m.o.Name + m.onlyText(), st.faint})
	blank()
	if m.pos < len(m.order) {
		i := m.order[m.pos]
		r := m.f.Rows[i]
		if r.Name != "" {
			// The name gives way to the handle, down to half the line.
			room := max(w-lipgloss.Width(handle(r))-2, w/2)
			add(dropName, seg{cut(r.Name, room), st.bold}, seg{"  ", st.plain}, seg{handle(r), st.faint})
		} else {
			add(dropName, seg{handle(r), st.bold})
		}
		add(dropURL, seg{profileURL(r), st.plain})
		// No more of the bio than the screen has rows is wrapped (one
		// more, so that a cut shows): a bio of megabytes costs no more.
		if bio := wrap(r.Description, w, h+1); len(bio) > 0 {
			blank()
			for k, b := range bio {
				drop := dropBio
				if k > 0 {
					drop = dropMore + k
				}
				ls = append(ls, screenLine{drop: drop, bio: b})
			}
		}
		blank()
		now := m.o.Now()
		label := func(s string) seg { return seg{s, st.faint} }
		value := func(s string) seg { return seg{s, st.plain} }
		dot := seg{" · ", st.faint}
		add(dropCounts, label("Followers "), value(count(r.Followers)), dot, label("Following "), value(count(r.Following)), dot, label("Posts "), value(count(r.Posts)))
		add(dropAge, label("Account age "), value(age(r.CreatedAt, now)))
		add(dropLast, label("Last post "), value(lastPost(r.LastPostAt, m.f.HasLastPost(), now)))
		add(dropFlags, label("Protected "), value(sheet.TristateOf(r.Protected).String()), dot,
			label("Verified "), value(or(r.VerifiedType, "unknown")), dot, label("Follows you "), value(or(r.FollowsYou.String(), "unknown")))
		blank()
		switch d := r.Decision; d {
		case "":
			add(dropChoice, label("Decision "), value("undecided"))
		default:
			style := st.keep
			if d == sheet.Unfollow {
				style = st.unfollow
			}
			add(dropChoice, label("Decision "), seg{d, style}, label(" · decided "+when(m.f.DecidedAt(i))))
		}
	} else {
		for _, s := range m.endText() {
			add(dropName, seg{s, st.plain})
		}
	}
	switch {
	case m.jumping:
		add(dropNote, seg{"Enter: go there · Esc: cancel", st.faint})
	case m.note != "" && m.noteBad:
		add(dropNote, seg{m.note, st.bad})
	case m.note != "":
		add(dropNote, seg{m.note, st.faint})
	default:
		blank()
	}
	add(keepAlways, m.status()...)
	if m.jumping {
		in := m.jump
		in.Width = max(w-lipgloss.Width(in.Prompt)-1, 1)
		ls = append(ls, screenLine{text: m.fit(w, in.View()), drop: keepAlways})
	} else {
		hm, keys := m.help, m.keys
		hm.Width = w
		if hm.ShowAll {
			keys.Help.SetHelp("?", "fewer keys")
		}
		for k, l := range strings.Split(hm.View(keys), "\n") {
			drop := keepAlways
			if k > 0 {
				drop = dropHelp
			}
			ls = append(ls, screenLine{text: m.fit(w, strings.TrimRight(l, " ")), drop: drop})
		}
	}

	// Shrink to the terminal's height, then render the bio with an
	// ellipsis where it was cut.
	bioCut := false
	for len(ls) > h {
		at := -1
		for k, l := range ls {
			if l.drop > 0 && (at < 0 || l.drop >= ls[at].drop) {
				at = k
			}
		}
		if at < 0 {
			ls = ls[len(ls)-h:]
			break
		}
		bioCut = bioCut || ls[at].bio != ""
		ls = append(ls[:at], ls[at+1:]...)
	}
	lastBio := -1
	for k, l := range ls {
		if l.bio != "" {
			lastBio = k
		}
	}
	out := make([]string, len(ls))
	for k, l := range ls {
		switch {
		case l.bio != "" && k == lastBio && bioCut:
			out[k] = m.line(w, seg{cut(l.bio, w-1) + "…", st.plain})
		case l.bio != "":
			out[k] = m.line(w, seg{l.bio, st.plain})
		default:
			out[k] = l.text
		}
	}
	return out
}

// status is "123 / 5,000 · 40 unfollow · 80 keep · 4,877 undecided": the
// account's place among those shown, and the whole sheet's decisions.
func (m *Model) status() []seg {
	unfollow, keep, undecided := m.f.Counts()
	at := min(m.pos+1, len(m.order))
	st := m.st
	return []seg{
		{group(at) + " / " + group(len(m.order)) + " · ", st.plain},
		{group(unfollow) + " unfollow", st.unfollow}, {" · ", st.plain},
		{group(keep) + " keep", st.keep}, {" · ", st.plain},
		{group(undecided) + " undecided", st.plain},
	}
}

// onlyText names the filter in the title.
func (m *Model) onlyText() string {
	switch m.o.Only {
	case OnlyAll:
		return ""
	case OnlyUndecided:
		return " · undecided"
	}
	return " · marked " + string(m.o.Only)
}

// endText is what shows past the last account.
func (m *Model) endText() []string {
	var s []string
	if len(m.order) == 0 {
		what := "no account is " + orUndecided(string(m.o.Only))
		if m.o.Only == OnlyUndecided {
			what = "every account is decided"
		}
		s = append(s, fmt.Sprintf("Nothing to review in %s: %s.", m.o.Name, what), "--only all shows every account.")
	} else {
		s = append(s, fmt.Sprintf("That was the last of the %s accounts shown.", group(len(m.order))))
	}
	if unfollow, _, _ := m.f.Counts(); unfollow > 0 {
		s = append(s, "Next: bulkunfollow import "+m.o.Name+", then bulkunfollow run.")
	}
	if len(m.order) > 0 {
		return append(s, "b goes back; q quits.")
	}
	return append(s, "q quits.")
}

// line renders segs on one line of at most w columns: the text that does
// not fit is cut, with an ellipsis.
func (m *Model) line(w int, segs ...seg) string {
	var b strings.Builder
	left := w
	for _, s := range segs {
		t := clean(s.text)
		if t == "" {
			continue
		}
		tw := lipgloss.Width(t)
		if tw > left {
			if t = cut(t, left); t != "" {
				b.WriteString(s.style.Render(t))
			}
			break
		}
		b.WriteString(s.style.Render(t))
		left -= tw
	}
	return b.String()
}

// fit cuts an already styled line to w columns.
func (m *Model) fit(w int, s string) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return m.st.plain.MaxWidth(w).Render(s)
}

// cut shortens s to at most w columns, ending in an ellipsis when it was
// cut.
func cut(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	rs := []rune(s)
	for n := min(len(rs), w); n >= 0; n-- {
		if t := strings.TrimRight(string(rs[:n]), " ") + "…"; lipgloss.Width(t) <= w {
			return t
		}
	}
	return ""
}

// clean makes text from a sheet safe to show: control characters
// (a bio's escape sequences could drive the terminal), line and
// paragraph separators and bidirectional overrides become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return ' '
		}
		return r
	}, s)
}

// wrap breaks a bio into lines of at most w columns at spaces (a word
// longer than a line is split), at most n of them; its own line breaks
// stay, blank lines go. Its work is bounded by n lines, not by s.
func wrap(s string, w, n int) []string {
	var lines []string
	for para := range strings.Lines(s) {
		line := ""
		for _, word := range strings.Fields(clean(para)) {
			if len(lines) >= n {
				return lines[:n]
			}
			for len(lines) < n && lipgloss.Width(word) > w {
				if line != "" {
					lines = append(lines, line)
					line = ""
				}
				head := splitAt(word, w)
				lines = append(lines, head)
				word = word[len(head):]
			}
			switch {
			case word == "":
			case line == "":
				line = word
			case lipgloss.Width(line)+1+lipgloss.Width(word) <= w:
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines[:min(len(lines), n)]
}

// splitAt is the longest head of word at most w columns wide (at least
// one rune).
func splitAt(word string, w int) string {
	var rs []rune
	for _, r := range word { // no more of a long word than a line takes
		if len(rs) == w {
			break
		}
		rs = append(rs, r)
	}
	for n := len(rs); n > 1; n-- {
		if head := string(rs[:n]); lipgloss.Width(head) <= w {
			return head
		}
	}
	return string(rs[:1])
}

// handle is @username, or the id when the sheet has no username.
func handle(r sheet.Row) string {
	if r.Username != "" {
		return "@" + r.Username
	}
	return "id " + r.ID
}

// group writes n with thousands separators: 4,877.
func group(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// count is a public count, or "unknown" (-1).
func count(n int) string {
	if n < 0 {
		return "unknown"
	}
	return group(n)
}

func or(s, instead string) string {
	if s == "" {
		return instead
	}
	return s
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return group(n) + " " + one + "s"
}

// age is how old an account is: "12 years (since 2010-01-02)".
func age(created, now time.Time) string {
	if created.IsZero() {
		return "unknown"
	}
	y, mo, d := now.UTC().Date()
	cy, cm, cd := created.UTC().Date()
	months := (y-cy)*12 + int(mo-cm)
	if d < cd {
		months--
	}
	since := " (since " + created.UTC().Format(time.DateOnly) + ")"
	switch {
	case months >= 12:
		return plural(months/12, "year") + since
	case months >= 1:
		return plural(months, "month") + since
	}
	return plural(sheet.DaysSince(created, now), "day") + since
}

// lastPost is "412 days ago (2025-10-18)", "never", or "unknown" when
// the sheet has no last-post dates at all.
func lastPost(t time.Time, dated bool, now time.Time) string {
	switch {
	case !dated:
		return "unknown"
	case t.IsZero():
		return "never"
	}
	day := " (" + t.UTC().Format(time.DateOnly) + ")"
	switch n := sheet.DaysSince(t, now); n {
	case 0:
		return "today" + day
	case 1:
		return "1 day ago" + day
	default:
		return group(n) + " days ago" + day
	}
}

// when is a decision's time, "2026-12-04 12:00 UTC" ("at an unknown
// time" when the sheet does not say).
func when(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
