package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress is what the progress display shows about a run.
type progress struct {
	Finished    int       // targets finished this queue (done + skipped + failed)
	Total       int       // targets in the queue
	Sent        int       // unfollow requests sent this run
	Failed      int       // targets failed this run
	WindowLeft  int       // requests left in the server's window; -1 unknown
	WindowLimit int       // the window's limit; 0 unknown
	Reset       time.Time // when the window resets; zero unknown
	Waiting     string    // what the run waits for, if it waits ("window", "daily cap", ...)
	ETA         time.Time // estimated finish; zero unknown
}

// progressBar redraws one status line on a terminal. It is safe for
// concurrent use; Clear removes the line before other output.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	width int
	shown bool
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	return &progressBar{w: w, now: now, width: 24}
}

// Update redraws the line with p.
func (b *progressBar) Update(p progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.w, "\r\033[K%s", renderProgress(p, b.now(), b.width))
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

// renderProgress formats p as one line: bar, done/total, window use, time
// to reset and ETA.
func renderProgress(p progress, now time.Time, width int) string {
	frac := 0.0
	if p.Total > 0 {
		frac = float64(p.Finished) / float64(p.Total)
	}
	fill := int(frac * float64(width))
	fill = max(0, min(fill, width))
	var sb strings.Builder
	sb.WriteString("[")
	sb.WriteString(strings.Repeat("=", fill))
	if fill < width {
		sb.WriteString(">")
		sb.WriteString(strings.Repeat(" ", width-fill-1))
	}
	sb.WriteString("]")
	fmt.Fprintf(&sb, " %d/%d finished", p.Finished, p.Total)
	if p.WindowLeft >= 0 && p.WindowLimit > 0 {
		fmt.Fprintf(&sb, " · window %d/%d left", p.WindowLeft, p.WindowLimit)
	}
	if !p.Reset.IsZero() {
		fmt.Fprintf(&sb, " · reset in %s", shortDuration(p.Reset.Sub(now)))
	}
	if p.Waiting != "" {
		fmt.Fprintf(&sb, " · waiting: %s", p.Waiting)
	}
	if !p.ETA.IsZero() {
		fmt.Fprintf(&sb, " · ETA %s", shortDuration(p.ETA.Sub(now)))
	}
	return sb.String()
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
