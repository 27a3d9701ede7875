package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// progress is what the progress display shows about a run. The counts
// are this run's, of the targets it means to send (the plan's figure).
type progress struct {
	Finished    int       // targets finished this run (done + failed)
	Total       int       // targets this run means to send
	Sent        int       // unfollow requests sent this run
	Failed      int       // targets failed this run
	WindowLeft  int       // requests left in the server's window; -1 unknown
	WindowLimit int       // the window's limit; 0 unknown
	Reset       time.Time // when the window resets; zero unknown
	Waiting     string    // what the run waits for, if it waits ("window", "daily cap", ...)
	Stopping    bool      // a first signal: the run ends after the request in flight
	ETA         time.Time // estimated finish; zero unknown
}

// progressBar redraws one status line on a terminal, cut to the
// terminal's width at every redraw (so it follows a resize within a
// tick). It is safe for concurrent use; Clear removes the line before
// other output.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	cols  func() int // the terminal's width now
	shown bool
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	return &progressBar{w: w, now: now, cols: terminalWidth(w)}
}

// terminalWidth returns a function that asks the terminal behind w for its
// width (80 when w is no terminal or does not say).
func terminalWidth(w io.Writer) func() int {
	f, ok := w.(*os.File)
	return func() int {
		if ok {
			if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
				return cols
			}
		}
		return 80
	}
}

// Update redraws the line with p.
func (b *progressBar) Update(p progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// One column short of the width: a line that fills the last column
	// leaves some terminals waiting to wrap, and the next \r then lands
	// on the wrong row.
	fmt.Fprintf(b.w, "\r\033[K%s", renderProgress(p, b.now(), b.cols()-1))
	b.shown = true
}

// Show redraws the line with text, cut to the terminal's width.
func (b *progressBar) Show(text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.w, "\r\033[K%s", cutColumns(text, b.cols()-1))
	b.shown = true
}

// Clear erases the line so that other output starts on a clean line.
func (b *progressBar) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shown {
		fmt.Fprint(b.w, "\r\033[K")
		b.shown = false
	}
}

// The bar's width in columns: barMax when there is room, down to barMin
// before a field is dropped.
const (
	barMax = 24
	barMin = 10
)

// renderProgress formats p as one line of at most width columns: bar,
// done/total, then, as they fit, what the run waits for (or that it is
// stopping), window use, time to reset and ETA. The least important go
// first when the line is too wide: ETA, reset, window, the waiting reason;
// then the bar shrinks; below that the line is cut.
func renderProgress(p progress, now time.Time, width int) string {
	count := fmt.Sprintf(" %d/%d done", p.Finished, p.Total)
	if p.Failed > 0 {
		count += fmt.Sprintf(" (%d failed)", p.Failed)
	}
	var fields []string // most important first
	switch {
	case p.Stopping:
		fields = append(fields, " · stopping…")
	case p.Waiting != "":
		fields = append(fields, " · waiting: "+p.Waiting)
	}
	if p.WindowLeft >= 0 && p.WindowLimit > 0 {
		fields = append(fields, fmt.Sprintf(" · window %d/%d left", p.WindowLeft, p.WindowLimit))
	}
	// Stopping, the run waits for nothing: no countdowns.
	if !p.Reset.IsZero() && !p.Stopping {
		fields = append(fields, " · reset in "+shortDuration(p.Reset.Sub(now)))
	}
	if !p.ETA.IsZero() && !p.Stopping {
		fields = append(fields, " · ETA "+shortDuration(p.ETA.Sub(now)))
	}
	for k := len(fields); k >= 0; k-- {
		tail := count + strings.Join(fields[:k], "")
		if room := width - columns(tail) - 2; room >= barMin {
			return drawBar(p, min(room, barMax)) + tail
		}
	}
	return cutColumns(strings.TrimPrefix(count, " "), width)
}

// drawBar draws the bar itself, width columns between the brackets.
func drawBar(p progress, width int) string {
	frac := 0.0
	if p.Total > 0 {
		frac = float64(p.Finished) / float64(p.Total)
	}
	fill := max(0, min(int(frac*float64(width)), width))
	var sb strings.Builder
	sb.WriteString("[")
	sb.WriteString(strings.Repeat("=", fill))
	if fill < width {
		sb.WriteString(">")
		sb.WriteString(strings.Repeat(" ", width-fill-1))
	}
	sb.WriteString("]")
	return sb.String()
}

// columns is how many terminal columns s takes (its runes: the bar's text
// has no wide or combining characters).
func columns(s string) int { return utf8.RuneCountInString(s) }

// cutColumns cuts s to at most width columns.
func cutColumns(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if columns(s) <= width {
		return s
	}
	return string([]rune(s)[:width])
}

// shortDuration prints d as 1h02m, 4m05s or 7s (never negative).
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	s := int(d % time.Minute / time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// barClearingWriter clears the progress line before every write, so log
// lines never run into it.
type barClearingWriter struct {
	bar *progressBar
	w   io.Writer
}

func (c barClearingWriter) Write(p []byte) (int, error) {
	c.bar.mu.Lock()
	defer c.bar.mu.Unlock()
	if c.bar.shown {
		fmt.Fprint(c.bar.w, "\r\033[K")
		c.bar.shown = false
	}
	return c.w.Write(p)
}

// env reads the environment variable k ("" when c has no environment).
func (c *cli) env(k string) string {
	if c.getenv == nil {
		return ""
	}
	return c.getenv(k)
}

// animates reports whether stderr may be redrawn: a person's terminal
// that is not TERM=dumb. Otherwise progress is a plain line per milestone,
// with no \r and no cursor movement.
func (c *cli) animates() bool {
	return c.interactive && c.env("TERM") != "dumb"
}

// colorOK reports whether stderr may carry colour (SGR sequences): a
// terminal, not TERM=dumb, no NO_COLOR (https://no-color.org: any
// non-empty value) and no --no-color.
// (Log lines that clear the progress line first still go to a terminal.)
func (c *cli) colorOK(noColorFlag bool) bool {
	w := c.stderr
	if bw, ok := w.(barClearingWriter); ok {
		w = bw.w
	}
	return isTerminal(w) && c.env("TERM") != "dumb" && c.env("NO_COLOR") == "" && !noColorFlag
}
