package main

import (
	"strings"
	"testing"
	"time"
)

func TestRenderProgress(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    progress
		want []string
	}{
		{"empty queue", progress{WindowLeft: -1}, []string{"[>", "0/0 done"}},
		{"half with window", progress{Finished: 50, Total: 100, WindowLeft: 12, WindowLimit: 50,
			Reset: now.Add(7 * time.Second), ETA: now.Add(15*time.Minute + 3*time.Second)},
			[]string{"50/100 done", "window 12/50 left", "reset in 7s", "ETA 15m03s", "============>"}},
		{"waiting", progress{Finished: 100, Total: 100, WindowLeft: 0, WindowLimit: 50, Waiting: "window",
			Reset: now.Add(2 * time.Hour)}, []string{"100/100", "waiting: window", "reset in 2h00m", "[========================]"}},
		{"past reset clamps", progress{Total: 1, WindowLeft: -1, Reset: now.Add(-time.Minute)}, []string{"reset in 0s"}},
		{"failures", progress{Finished: 5, Failed: 2, Total: 9, WindowLeft: -1}, []string{"5/9 done (2 failed)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderProgress(tt.p, now, 119)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("renderProgress() = %q, missing %q", got, w)
				}
			}
		})
	}
}

// TestRenderProgressFitsTheWidth (issue 11): the line never passes the
// width it is given, and drops the least important fields first: ETA,
// reset, window, the waiting reason; done/total and a bar stay down to 40
// columns.
func TestRenderProgressFitsTheWidth(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	p := progress{Finished: 1234, Failed: 3, Total: 5000, WindowLeft: 12, WindowLimit: 50, Waiting: "daily cap",
		Reset: now.Add(14*time.Minute + 7*time.Second), ETA: now.Add(26*time.Hour + 3*time.Minute)}
	fields := []string{"waiting: daily cap", "window 12/50 left", "reset in 14m07s", "ETA 26h03m"} // most important first
	prevShown := len(fields)
	for width := 140; width >= 20; width-- {
		got := renderProgress(p, now, width)
		if n := columns(got); n > width {
			t.Fatalf("width %d: %d columns: %q", width, n, got)
		}
		if width >= 39 && (!strings.Contains(got, "1234/5000 done") || !strings.HasPrefix(got, "[")) {
			t.Errorf("width %d: %q lacks the bar or done/total", width, got)
		}
		shown := 0
		for shown < len(fields) && strings.Contains(got, fields[shown]) {
			shown++
		}
		for _, f := range fields[shown:] {
			if strings.Contains(got, f) {
				t.Errorf("width %d: %q shows %q but drops a more important field", width, got, f)
			}
		}
		if shown > prevShown {
			t.Errorf("width %d: %q shows more than a wider line", width, got)
		}
		prevShown = shown
	}
	if got := renderProgress(p, now, 119); !strings.Contains(got, "ETA 26h03m") {
		t.Errorf("at 120 columns the line drops fields: %q", got)
	}
}

// TestRenderProgressStopping (issue 11): after a first signal the line
// says "stopping…" instead of counting down.
func TestRenderProgressStopping(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	p := progress{Finished: 3, Total: 9, WindowLeft: 0, WindowLimit: 50, Waiting: "window", Stopping: true,
		Reset: now.Add(7 * time.Second), ETA: now.Add(time.Minute)}
	for _, width := range []int{119, 39} {
		got := renderProgress(p, now, width)
		if !strings.Contains(got, "stopping…") || strings.Contains(got, "reset in") || strings.Contains(got, "ETA") || strings.Contains(got, "waiting") {
			t.Errorf("width %d: %q, want stopping… and no countdown", width, got)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 1500 * time.Millisecond: "2s", 65 * time.Second: "1m05s",
		3*time.Hour + 4*time.Minute: "3h04m", -time.Second: "0s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLogLinesClearTheProgressLine(t *testing.T) {
	var out strings.Builder
	bar := newProgressBar(&out, time.Now)
	w := barClearingWriter{bar: bar, w: &out}
	bar.Update(progress{Finished: 1, Total: 2, WindowLeft: -1})
	if _, err := w.Write([]byte("a log line\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("another\n")); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "1/2 done\r\033[Ka log line\nanother\n") {
		t.Errorf("output %q: a log line must start on a cleared line, once", got)
	}
}
