package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// runMetrics is what "run --metrics-file" reports: a snapshot of the queue
// and of the run, written in Prometheus text format for node_exporter's
// textfile collector. It is a plain value; the run fills it from the queue
// counts, the worker's tallies and the limiter's state.
//
// Zero times mean "unknown" and their metrics are left out of the file, so
// an alert never sees a fake 1970 timestamp.
type runMetrics struct {
	// Queue is the queue file and Account the bound account (@username or
	// id). Both become labels on every sample, so several queues on one host
	// stay apart; empty values are left out.
	Queue   string
	Account string

	// Targets in the queue by state, now.
	Pending, Done, Skipped, Failed int

	// This run's tallies.
	RunStart    time.Time // when this run started
	InProgress  bool      // true for snapshots written during the run
	Sent        int       // unfollow requests sent by this run
	RateLimited int       // 429 answers received by this run
	Saved       int       // unfollow requests saved by the prefilter this run

	// Lifetime tallies kept in the queue file; exported as counters only
	// when TotalsKnown is set.
	TotalsKnown      bool
	SentTotal        uint64
	RateLimitedTotal uint64

	// RunEnd and ExitCode describe the last run that ended: this one at the
	// end of a run, or the previous one (from the queue) in snapshots taken
	// during a run. Both are left out while RunEnd is zero.
	RunEnd   time.Time
	ExitCode int

	// LastSuccess is when a run last ended with exit 0, 3 or 75 (the run
	// did its work). Pass the stored value; writeMetrics uses RunEnd instead
	// when this run qualifies and ended later.
	LastSuccess time.Time
	// LastUnfollow is when a target last became done.
	LastUnfollow time.Time

	// The server's window for the unfollow endpoint, when one was seen.
	WindowKnown     bool
	WindowLimit     int
	WindowRemaining int
	WindowReset     time.Time

	// The rolling 24-hour count of unfollow requests and the cap (0 = off).
	DailyUsed int
	DailyCap  int

	// Spend: what the job has been charged, per price kind (with
	// SpendKnown), what this run spent, and the job's budget (0: none).
	SpendKnown bool
	Spent      map[string]float64
	RunSpent   float64
	Budget     float64
}

// successfulExit reports whether a run that ended with code did its work:
// finished (0), finished with failed targets (3, alerted on separately), or
// stopped early to resume later (75).
func successfulExit(code int) bool {
	return code == exitOK || code == exitFailures || code == exitTempFail
}

// metricsPathError checks a --metrics-file value before a run starts, so a
// typo fails at once instead of after hours of work. node_exporter's
// textfile collector reads only files ending in .prom. It may not name the
// queue's own files.
func metricsPathError(path, queuePath string) error {
	if path == "" {
		return nil
	}
	if !strings.HasSuffix(path, ".prom") {
		return usageErrorf("--metrics-file %q: the name must end in .prom (node_exporter's textfile collector reads only those)", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErrorf("--metrics-file %q: directory %s does not exist", path, dir)
	}
	return refuseQueueOutput("run", "--metrics-file", path, queuePath, "/var/lib/node_exporter/textfile/bulkunfollow.prom")
}

// writeMetrics writes m to path in Prometheus text exposition format,
// atomically: a temporary file in the same directory (its name does not end
// in .prom, so the collector never reads it half-written), fsync, rename
// over path, fsync of the directory. The file is 0644 so node_exporter,
// usually another user, can read it.
func writeMetrics(path string, m runMetrics) error {
	data := formatMetrics(m)
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// formatMetrics renders m. The output is deterministic: metrics in a fixed
// order, each with # HELP and # TYPE before its samples.
func formatMetrics(m runMetrics) []byte {
	w := &promWriter{}
	if m.Queue != "" {
		w.base = append(w.base, label{"queue", m.Queue})
	}
	if m.Account != "" {
		w.base = append(w.base, label{"account", m.Account})
	}

	ver, _, _, _ := buildVersion()
	w.one("bulkunfollow_build_info", "gauge", "Always 1; the version label says which bulkunfollow wrote this file.", 1, label{"version", ver})

	w.metric("bulkunfollow_targets", "gauge", "Targets in the queue by state.")
	for _, s := range []struct {
		state string
		n     int
	}{{"pending", m.Pending}, {"done", m.Done}, {"skipped", m.Skipped}, {"failed", m.Failed}} {
		w.sample("bulkunfollow_targets", float64(s.n), label{"state", s.state})
	}

	w.one("bulkunfollow_run_in_progress", "gauge", "1 while a run is writing snapshots, 0 after it ended.", boolValue(m.InProgress))
	if !m.RunStart.IsZero() {
		w.one("bulkunfollow_run_start_timestamp_seconds", "gauge", "When the current or last run started (Unix seconds).", unixSeconds(m.RunStart))
	}
	w.one("bulkunfollow_run_requests_sent", "gauge", "Unfollow requests sent by the current or last run.", float64(m.Sent))
	w.one("bulkunfollow_run_rate_limited", "gauge", "HTTP 429 answers received by the current or last run.", float64(m.RateLimited))
	w.one("bulkunfollow_run_requests_saved", "gauge", "Unfollow requests the current or last run saved by skipping targets the account does not follow.", float64(m.Saved))

	if m.TotalsKnown {
		w.one("bulkunfollow_requests_sent_total", "counter", "Unfollow requests sent over the life of this queue.", float64(m.SentTotal))
		w.one("bulkunfollow_rate_limited_total", "counter", "HTTP 429 answers received over the life of this queue.", float64(m.RateLimitedTotal))
	}

	lastSuccess := m.LastSuccess
	if !m.RunEnd.IsZero() {
		w.one("bulkunfollow_last_run_end_timestamp_seconds", "gauge", "When the last run ended (Unix seconds).", unixSeconds(m.RunEnd))
		w.one("bulkunfollow_last_run_exit_code", "gauge", "Exit code of the last run: 0 finished, 3 some failed, 75 stopped early (run again), 1 needs a person, 2 usage, 65 bad input.", float64(m.ExitCode))
		if successfulExit(m.ExitCode) && m.RunEnd.After(lastSuccess) {
			lastSuccess = m.RunEnd
		}
	}
	if !lastSuccess.IsZero() {
		w.one("bulkunfollow_last_success_timestamp_seconds", "gauge", "When a run last ended with exit 0, 3 or 75 (Unix seconds).", unixSeconds(lastSuccess))
	}
	if !m.LastUnfollow.IsZero() {
		w.one("bulkunfollow_last_unfollow_timestamp_seconds", "gauge", "When a target last became done (Unix seconds).", unixSeconds(m.LastUnfollow))
	}

	if m.WindowKnown {
		w.one("bulkunfollow_window_limit", "gauge", "Unfollow requests the server allows per window, from its last answer.", float64(m.WindowLimit))
		w.one("bulkunfollow_window_remaining", "gauge", "Unfollow requests left in the server's current window, from its last answer.", float64(m.WindowRemaining))
		if !m.WindowReset.IsZero() {
			w.one("bulkunfollow_window_reset_timestamp_seconds", "gauge", "When the server's current window resets (Unix seconds, local clock).", unixSeconds(m.WindowReset))
		}
	}

	if m.SpendKnown {
		w.metric("bulkunfollow_spent_usd_total", "counter", "What X has charged this queue's job, in USD, per price kind (unfollow, user_read, following_read, owned_read, post_read).")
		for _, k := range spend.Kinds {
			w.sample("bulkunfollow_spent_usd_total", m.Spent[string(k)], label{"kind", string(k)})
		}
		w.one("bulkunfollow_run_spent_usd", "gauge", "What the current or last run spent at X, in USD.", m.RunSpent)
		w.one("bulkunfollow_budget_usd", "gauge", "The job's budget in USD (0 = none).", m.Budget)
	}
	w.one("bulkunfollow_daily_used", "gauge", "Unfollow requests sent in the last 24 hours.", float64(m.DailyUsed))
	w.one("bulkunfollow_daily_cap", "gauge", "The daily cap on unfollow requests (0 = off).", float64(m.DailyCap))
	return w.buf.Bytes()
}

type label struct{ name, value string }

// promWriter writes the text exposition format: # HELP and # TYPE lines,
// then samples with the base labels first.
type promWriter struct {
	buf  bytes.Buffer
	base []label
}

func (w *promWriter) metric(name, typ, help string) {
	fmt.Fprintf(&w.buf, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// one writes a metric with a single sample.
func (w *promWriter) one(name, typ, help string, v float64, extra ...label) {
	w.metric(name, typ, help)
	w.sample(name, v, extra...)
}

func (w *promWriter) sample(name string, v float64, extra ...label) {
	w.buf.WriteString(name)
	labels := append(append([]label(nil), w.base...), extra...)
	if len(labels) > 0 {
		w.buf.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			fmt.Fprintf(&w.buf, "%s=\"%s\"", l.name, escapeLabel(l.value))
		}
		w.buf.WriteByte('}')
	}
	w.buf.WriteByte(' ')
	w.buf.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	w.buf.WriteByte('\n')
}

// escapeHelp escapes a HELP text: backslash and newline.
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// escapeLabel escapes a label value: backslash, double quote and newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// unixSeconds is t as Unix seconds with millisecond precision.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
