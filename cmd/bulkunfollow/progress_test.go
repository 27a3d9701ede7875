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
		{"empty queue", progress{WindowLeft: -1}, []string{"[>", "0/0 finished"}},
		{"half with window", progress{Finished: 50, Total: 100, WindowLeft: 12, WindowLimit: 50,
			Reset: now.Add(7 * time.Second), ETA: now.Add(15*time.Minute + 3*time.Second)},
			[]string{"50/100 finished", "window 12/50 left", "reset in 7s", "ETA 15m03s", "============>"}},
		{"waiting", progress{Finished: 100, Total: 100, WindowLeft: 0, WindowLimit: 50, Waiting: "window",
			Reset: now.Add(2 * time.Hour)}, []string{"100/100", "waiting: window", "reset in 2h00m", "[========================]"}},
		{"past reset clamps", progress{Total: 1, WindowLeft: -1, Reset: now.Add(-time.Minute)}, []string{"reset in 0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderProgress(tt.p, now, 24)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("renderProgress() = %q, missing %q", got, w)
				}
			}
		})
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
	if !strings.Contains(got, "1/2 finished\r\033[Ka log line\nanother\n") {
		t.Errorf("output %q: a log line must start on a cleared line, once", got)
	}
}
