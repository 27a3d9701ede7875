// Package review is "bulkunfollow review": a full-screen terminal view
// of a review sheet (package sheet) that shows one account at a time and
// takes one key per decision, saving the sheet after every decision before
// the next account shows. It is a Bubble Tea model (state, key handling,
// and a rendering that is a function of state and terminal size alone), so
// it is tested without a terminal; the command wires it to one.
//
// Beside the model: Save, the atomic rewrite of the sheet, and Lock, which
// keeps a second review off a sheet in review.
package review

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Only says which accounts a review shows.
type Only string

// The --only values.
const (
	OnlyUndecided Only = "undecided" // the rows undecided when the review opens
	OnlyAll       Only = "all"
	OnlyUnfollow  Only = "unfollow" // the rows marked unfollow (to look them over)
	OnlyKeep      Only = "keep"
)

// ParseOnly reads an --only value ("" is undecided).
func ParseOnly(s string) (Only, error) {
	switch o := Only(strings.ToLower(strings.TrimSpace(s))); o {
	case OnlyUndecided, OnlyAll, OnlyUnfollow, OnlyKeep:
		return o, nil
	case "":
		return OnlyUndecided, nil
	}
	return "", fmt.Errorf("only %q: want undecided, all, unfollow or keep", s)
}

// shows reports whether a row with decision d is in the review.
func (o Only) shows(d string) bool {
	switch o {
	case OnlyAll:
		return true
	case OnlyUnfollow:
		return d == sheet.Unfollow
	case OnlyKeep:
		return d == sheet.Keep
	}
	return d == ""
}

// Options configure a review.
type Options struct {
	Name string // the sheet as named to the person (its path)
	Only Only   // "" is OnlyUndecided
	Sort string // the order, as sheet.Order takes it ("none": the file's)
	// Save writes the sheet; it is called after every decision, and the
	// next account shows only once it returned. An error undoes the
	// decision and says so on screen.
	Save func(*sheet.File) error
	// Open opens a profile's address in a browser (the o key); nil: no
	// o key.
	Open func(url string) error
	Now  func() time.Time // decided_at, ages; nil: time.Now
	// Renderer colours the screen; nil: no colour (NO_COLOR, TERM=dumb,
	// --no-color).
	Renderer *lipgloss.Renderer
}

// Model is the review's state: the sheet, the accounts it shows in their
// order, where the person is, the terminal's size.
type Model struct {
	f     *sheet.File
	o     Options
	order []int // indices into f.Rows, in the order shown
	pos   int   // index into order; len(order): past the last account
	w, h  int

	keys    keyMap
	help    help.Model
	jump    textinput.Model
	jumping bool
	note    string // what the last key did
	noteBad bool   // note is a failure
	err     error  // the last save failed (its decision was undone)
	st      styles
}

// New opens a review of f: the rows o.Only selects, in o.Sort's order,
// starting at the first one still undecided (the first one if none is).
func New(f *sheet.File, o Options) (*Model, error) {
	if o.Only == "" {
		o.Only = OnlyUndecided
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	all, err := sheet.Order(f.Rows, o.Sort)
	if err != nil {
		return nil, err
	}
	m := &Model{f: f, o: o, w: 80, h: 24, keys: newKeyMap(o.Open != nil)}
	for _, i := range all {
		if o.Only.shows(f.Rows[i].Decision) {
			m.order = append(m.order, i)
		}
	}
	for p, i := range m.order {
		if f.Rows[i].Decision == "" {
			m.pos = p
			break
		}
	}
	r := o.Renderer
	if r == nil {
		r = lipgloss.NewRenderer(io.Discard) // no terminal: no colour
	}
	m.st = newStyles(r)
	m.help = help.New()
	m.help.Styles = help.Styles{
		Ellipsis: m.st.faint, ShortKey: m.st.key, ShortDesc: m.st.plain, ShortSeparator: m.st.faint,
		FullKey: m.st.key, FullDesc: m.st.plain, FullSeparator: m.st.plain,
	}
	m.jump = textinput.New()
	m.jump.Prompt = "Jump to @"
	m.jump.Placeholder = "username"
	m.jump.PromptStyle, m.jump.TextStyle, m.jump.PlaceholderStyle, m.jump.CompletionStyle = m.st.key, m.st.plain, m.st.faint, m.st.faint
	m.jump.Cursor.Style, m.jump.Cursor.TextStyle = m.st.cursor, m.st.plain
	m.jump.Cursor.SetMode(cursor.CursorStatic)
	return m, nil
}

// Err is the last save's failure, if the review ended on one: that
// decision is not in the file.
func (m *Model) Err() error { return m.err }

// Init starts nothing: the screen waits for keys.
func (m *Model) Init() tea.Cmd { return nil }

// openedMsg is the o key's outcome.
type openedMsg struct {
	url string
	err error
}

// Update handles a key, a resize, or the o key's outcome.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case openedMsg:
		if msg.err != nil {
			m.say(true, "Could not open %s: %v", msg.url, msg.err)
		}
	case tea.KeyMsg:
		// Keys typed faster than the terminal is read come as one message
		// of several runes: each is a key of its own.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.jumping {
			var cmds []tea.Cmd
			for i, r := range msg.Runes {
				one := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
				if m.jumping { // "/" opened the jump: the rest is its text
					one.Runes = msg.Runes[i:]
				} else if key.Matches(one, m.keys.Quit) {
					return m, tea.Sequence(append(cmds, tea.Quit)...) // nothing after q
				}
				_, cmd := m.Update(one)
				cmds = append(cmds, cmd)
				if m.jumping && len(one.Runes) > 1 {
					break
				}
			}
			return m, tea.Sequence(cmds...)
		}
		return m, m.key(msg)
	}
	return m, nil
}

// key handles one key.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.jumping {
		return m.jumpKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Unfollow):
		m.decide(sheet.Unfollow)
	case key.Matches(msg, k.Keep):
		m.decide(sheet.Keep)
	case key.Matches(msg, k.Skip):
		if m.pos < len(m.order) {
			i := m.order[m.pos]
			m.say(false, "Skipped %s: still %s.", m.who(i), orUndecided(m.f.Rows[i].Decision))
			m.pos++
		}
	case key.Matches(msg, k.Back):
		if m.pos == 0 {
			m.say(false, "This is the first account.")
		} else {
			m.pos--
			m.say(false, "")
		}
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.Open):
		if m.pos < len(m.order) {
			url := profileURL(m.f.Rows[m.order[m.pos]])
			m.say(false, "Opening %s", url)
			open := m.o.Open
			return func() tea.Msg { return openedMsg{url: url, err: open(url)} }
		}
	case key.Matches(msg, k.Jump):
		m.jumping = true
		m.jump.Reset()
		return m.jump.Focus()
	}
	return nil
}

// decide marks the account shown with d, saves the sheet and moves on;
// a failed save undoes the decision and stays.
func (m *Model) decide(d string) {
	if m.pos >= len(m.order) {
		return
	}
	i := m.order[m.pos]
	prev, prevAt := m.f.Rows[i].Decision, m.f.DecidedAt(i)
	if prev != d {
		_ = m.f.Decide(i, d, m.o.Now()) // d is a decision
		if err := m.o.Save(m.f); err != nil {
			_ = m.f.Decide(i, prev, prevAt)
			m.err = err
			m.say(true, "Not saved, so not marked %s: %v", d, err)
			return
		}
	}
	m.err = nil
	m.say(false, "%s: %s, saved.", m.who(i), d)
	m.pos++
}

// jumpKey edits the jump's username; enter goes there, esc cancels.
func (m *Model) jumpKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc, tea.KeyCtrlC:
		m.jumping = false
		m.jump.Blur()
		return nil
	case tea.KeyEnter:
		m.jumping = false
		m.jump.Blur()
		m.jumpTo(m.jump.Value())
		return nil
	}
	var cmd tea.Cmd
	m.jump, cmd = m.jump.Update(msg)
	return cmd
}

// jumpTo shows the account named username (with or without @).
func (m *Model) jumpTo(username string) {
	name := strings.TrimPrefix(strings.TrimSpace(username), "@")
	if name == "" {
		return
	}
	for p, i := range m.order {
		if strings.EqualFold(m.f.Rows[i].Username, name) {
			m.pos = p
			m.say(false, "")
			return
		}
	}
	for _, r := range m.f.Rows {
		if strings.EqualFold(r.Username, name) {
			m.say(true, "@%s is %s, so not shown (--only all shows it).", r.Username, orUndecided(r.Decision))
			return
		}
	}
	m.say(true, "No @%s in %s.", name, m.o.Name)
}

func orUndecided(d string) string {
	if d == "" {
		return "undecided"
	}
	return "marked " + d
}

func (m *Model) say(bad bool, format string, a ...any) {
	m.note, m.noteBad = fmt.Sprintf(format, a...), bad
}

// who names row i: @username, or its id.
func (m *Model) who(i int) string {
	if r := m.f.Rows[i]; r.Username != "" {
		return "@" + r.Username
	}
	return "id " + m.f.Rows[i].ID
}

// profileURL is the account's page on X.
func profileURL(r sheet.Row) string {
	if r.Username != "" {
		return "https://x.com/" + r.Username
	}
	return "https://x.com/i/user/" + r.ID
}

// keyMap is every key, as bubbles/help shows them.
type keyMap struct {
	Unfollow, Keep, Skip, Back, Open, Jump, Help, Quit key.Binding
}

func newKeyMap(open bool) keyMap {
	k := keyMap{
		Unfollow: key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unfollow")),
		Keep:     key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "keep")),
		Skip:     key.NewBinding(key.WithKeys("s", "right"), key.WithHelp("s/→", "skip")),
		Back:     key.NewBinding(key.WithKeys("b", "left"), key.WithHelp("b/←", "back")),
		Open:     key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open in browser")),
		Jump:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "jump to @username")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	k.Open.SetEnabled(open)
	return k
}

// ShortHelp is the help line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Unfollow, k.Keep, k.Skip, k.Back, k.Quit, k.Help}
}

// FullHelp is what ? shows.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Unfollow, k.Keep, k.Skip, k.Back}, {k.Open, k.Jump, k.Help, k.Quit}}
}
