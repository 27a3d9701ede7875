package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// expo is a parsed exposition: samples keyed by name plus sorted-as-written
// labels ("name{a=\"x\",b=\"y\"}"), and each metric's TYPE.
type expo struct {
	samples map[string]float64
	types   map[string]string
	help    map[string]string
}

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition is a strict line-based validator of the Prometheus text
// format (version 0.0.4) as node_exporter's textfile collector reads it:
// every metric has # HELP and # TYPE before its samples, a metric's samples
// are contiguous, names and labels are well formed, label values are quoted
// with only \\, \" and \n escapes, values parse as floats, no series repeats,
// and the text ends with a newline.
func parseExposition(text string) (expo, error) {
	e := expo{samples: map[string]float64{}, types: map[string]string{}, help: map[string]string{}}
	if text == "" || !strings.HasSuffix(text, "\n") {
		return e, fmt.Errorf("text must end with a newline")
	}
	finished := map[string]bool{} // metrics whose block is over
	current := ""
	enter := func(name string) error {
		if name == current {
			return nil
		}
		if finished[name] {
			return fmt.Errorf("metric %s appears in two separate blocks", name)
		}
		if current != "" {
			finished[current] = true
		}
		current = name
		return nil
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) < 3 || (f[1] != "HELP" && f[1] != "TYPE") {
				continue // a plain comment
			}
			name := f[2]
			if !metricNameRE.MatchString(name) {
				return e, fmt.Errorf("line %d: bad metric name %q", n, name)
			}
			if err := enter(name); err != nil {
				return e, fmt.Errorf("line %d: %w", n, err)
			}
			rest := ""
			if len(f) == 4 {
				rest = f[3]
			}
			switch f[1] {
			case "HELP":
				if _, dup := e.help[name]; dup {
					return e, fmt.Errorf("line %d: second HELP for %s", n, name)
				}
				if rest == "" {
					return e, fmt.Errorf("line %d: empty HELP for %s", n, name)
				}
				e.help[name] = rest
			case "TYPE":
				if _, dup := e.types[name]; dup {
					return e, fmt.Errorf("line %d: second TYPE for %s", n, name)
				}
				switch rest {
				case "counter", "gauge", "untyped", "histogram", "summary":
				default:
					return e, fmt.Errorf("line %d: bad TYPE %q", n, rest)
				}
				e.types[name] = rest
			}
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			return e, fmt.Errorf("line %d: %w", n, err)
		}
		if err := enter(name); err != nil {
			return e, fmt.Errorf("line %d: %w", n, err)
		}
		if _, ok := e.help[name]; !ok {
			return e, fmt.Errorf("line %d: sample of %s before its HELP", n, name)
		}
		if _, ok := e.types[name]; !ok {
			return e, fmt.Errorf("line %d: sample of %s before its TYPE", n, name)
		}
		key := name + "{" + labels + "}"
		if _, dup := e.samples[key]; dup {
			return e, fmt.Errorf("line %d: series %s repeated", n, key)
		}
		e.samples[key] = value
	}
	for name := range e.types {
		if _, ok := e.help[name]; !ok {
			return e, fmt.Errorf("metric %s has TYPE but no HELP", name)
		}
	}
	return e, nil
}

// parseSample splits `name{l="v",...} value [timestamp]`, validating labels.
// labels comes back as written, canonical (`a="x",b="y"`).
func parseSample(line string) (name, labels string, value float64, err error) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", "", 0, fmt.Errorf("no value in %q", line)
	}
	name = line[:i]
	if !metricNameRE.MatchString(name) {
		return "", "", 0, fmt.Errorf("bad metric name %q", name)
	}
	rest := line[i:]
	var parts []string
	if rest[0] == '{' {
		rest = rest[1:]
		seen := map[string]bool{}
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.IndexByte(rest, '=')
			if eq < 0 {
				return "", "", 0, fmt.Errorf("label without '=' in %q", line)
			}
			ln := rest[:eq]
			if !labelNameRE.MatchString(ln) || strings.HasPrefix(ln, "__") {
				return "", "", 0, fmt.Errorf("bad label name %q", ln)
			}
			if seen[ln] {
				return "", "", 0, fmt.Errorf("label %s repeated", ln)
			}
			seen[ln] = true
			rest = rest[eq+1:]
			if !strings.HasPrefix(rest, `"`) {
				return "", "", 0, fmt.Errorf("label %s value not quoted", ln)
			}
			rest = rest[1:]
			var v strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				if c == '\\' {
					if j+1 >= len(rest) {
						return "", "", 0, fmt.Errorf("dangling escape in label %s", ln)
					}
					switch rest[j+1] {
					case '\\', '"':
						v.WriteByte(rest[j+1])
					case 'n':
						v.WriteByte('\n')
					default:
						return "", "", 0, fmt.Errorf("bad escape \\%c in label %s", rest[j+1], ln)
					}
					j++
					continue
				}
				if c == '"' {
					rest = rest[j+1:]
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return "", "", 0, fmt.Errorf("unterminated value of label %s", ln)
			}
			parts = append(parts, fmt.Sprintf("%s=%q", ln, v.String()))
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				return "", "", 0, fmt.Errorf("expected ',' or '}' after label %s", ln)
			}
		}
	}
	if !strings.HasPrefix(rest, " ") {
		return "", "", 0, fmt.Errorf("no space before the value in %q", line)
	}
	f := strings.Fields(rest)
	if len(f) < 1 || len(f) > 2 {
		return "", "", 0, fmt.Errorf("want value [timestamp] in %q", line)
	}
	value, err = strconv.ParseFloat(f[0], 64)
	if err != nil {
		return "", "", 0, fmt.Errorf("value %q: %w", f[0], err)
	}
	if len(f) == 2 {
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			return "", "", 0, fmt.Errorf("timestamp %q: %w", f[1], err)
		}
	}
	return name, strings.Join(parts, ","), value, nil
}

func TestParseExpositionRejects(t *testing.T) {
	tests := []struct {
		name, text string
	}{
		{"no trailing newline", "# HELP a x\n# TYPE a gauge\na 1"},
		{"sample before TYPE", "# HELP a x\na 1\n"},
		{"sample before HELP", "# TYPE a gauge\na 1\n"},
		{"bad name", "# HELP 1a x\n# TYPE 1a gauge\n1a 1\n"},
		{"bad value", "# HELP a x\n# TYPE a gauge\na one\n"},
		{"unquoted label", "# HELP a x\n# TYPE a gauge\na{s=x} 1\n"},
		{"bad escape", "# HELP a x\n# TYPE a gauge\na{s=\"\\t\"} 1\n"},
		{"unterminated label", "# HELP a x\n# TYPE a gauge\na{s=\"x} 1\n"},
		{"repeated series", "# HELP a x\n# TYPE a gauge\na 1\na 2\n"},
		{"split block", "# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{s=\"y\"} 2\n"},
		{"bad type", "# HELP a x\n# TYPE a meter\na 1\n"},
		{"reserved label", "# HELP a x\n# TYPE a gauge\na{__name__=\"x\"} 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseExposition(tt.text); err == nil {
				t.Fatalf("accepted:\n%s", tt.text)
			}
		})
	}
	ok := "# HELP a x\n# TYPE a gauge\na{s=\"q\\\"\\\\\\n\"} 1.5e3 1700000000000\n# comment\n\n# HELP b y\n# TYPE b counter\nb NaN\n"
	e, err := parseExposition(ok)
	if err != nil {
		t.Fatalf("rejected valid text: %v", err)
	}
	if got := e.samples[`a{s="q\"\\\n"}`]; got != 1500 {
		t.Errorf("a = %v, want 1500 (samples %v)", got, e.samples)
	}
	if !math.IsNaN(e.samples["b{}"]) {
		t.Errorf("b = %v, want NaN", e.samples["b{}"])
	}
}

func TestFormatMetricsValues(t *testing.T) {
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	end := start.Add(50 * time.Minute)
	ver, _, _, _ := buildVersion()
	base := `queue="/var/lib/bulkunfollow/queue.db",account="jack"`
	tests := []struct {
		name    string
		m       runMetrics
		want    map[string]float64
		missing []string
	}{
		{
			name: "run ended early with everything known",
			m: runMetrics{
				Queue: "/var/lib/bulkunfollow/queue.db", Account: "jack",
				Pending: 120, Done: 300, Skipped: 40, Failed: 2,
				RunStart: start, Sent: 150, RateLimited: 1, Saved: 40,
				TotalsKnown: true, SentTotal: 450, RateLimitedTotal: 3,
				RunEnd: end, ExitCode: exitTempFail,
				LastSuccess:  start.Add(-24 * time.Hour),
				LastUnfollow: end.Add(-time.Second),
				WindowKnown:  true, WindowLimit: 50, WindowRemaining: 0, WindowReset: end.Add(7 * time.Minute),
				DailyUsed: 150, DailyCap: 400,
				SpendKnown: true, Spent: map[string]float64{"unfollow": 4.5, "owned_read": 0.3}, RunSpent: 1.5, Budget: 10,
			},
			want: map[string]float64{
				`bulkunfollow_spent_usd_total{` + base + `,kind="unfollow"}`:       4.5,
				`bulkunfollow_spent_usd_total{` + base + `,kind="owned_read"}`:     0.3,
				`bulkunfollow_spent_usd_total{` + base + `,kind="user_read"}`:      0,
				`bulkunfollow_spent_usd_total{` + base + `,kind="following_read"}`: 0,
				`bulkunfollow_run_spent_usd{` + base + `}`:                         1.5,
				`bulkunfollow_budget_usd{` + base + `}`:                            10,
				`bulkunfollow_build_info{` + base + `,version="` + ver + `"}`:      1,
				`bulkunfollow_targets{` + base + `,state="pending"}`:               120,
				`bulkunfollow_targets{` + base + `,state="done"}`:                  300,
				`bulkunfollow_targets{` + base + `,state="skipped"}`:               40,
				`bulkunfollow_targets{` + base + `,state="failed"}`:                2,
				`bulkunfollow_run_in_progress{` + base + `}`:                       0,
				`bulkunfollow_run_start_timestamp_seconds{` + base + `}`:           float64(start.Unix()),
				`bulkunfollow_run_requests_sent{` + base + `}`:                     150,
				`bulkunfollow_run_rate_limited{` + base + `}`:                      1,
				`bulkunfollow_run_requests_saved{` + base + `}`:                    40,
				`bulkunfollow_requests_sent_total{` + base + `}`:                   450,
				`bulkunfollow_rate_limited_total{` + base + `}`:                    3,
				`bulkunfollow_last_run_end_timestamp_seconds{` + base + `}`:        float64(end.Unix()),
				`bulkunfollow_last_run_exit_code{` + base + `}`:                    75,
				// exit 75 is a success: this run's end replaces the older one.
				`bulkunfollow_last_success_timestamp_seconds{` + base + `}`:  float64(end.Unix()),
				`bulkunfollow_last_unfollow_timestamp_seconds{` + base + `}`: float64(end.Unix() - 1),
				`bulkunfollow_window_limit{` + base + `}`:                    50,
				`bulkunfollow_window_remaining{` + base + `}`:                0,
				`bulkunfollow_window_reset_timestamp_seconds{` + base + `}`:  float64(end.Add(7 * time.Minute).Unix()),
				`bulkunfollow_daily_used{` + base + `}`:                      150,
				`bulkunfollow_daily_cap{` + base + `}`:                       400,
			},
		},
		{
			name: "failed run keeps the stored last success",
			m: runMetrics{
				Pending: 5, RunEnd: end, ExitCode: exitPerson,
				LastSuccess: start.Add(-36 * time.Hour),
			},
			want: map[string]float64{
				`bulkunfollow_targets{state="pending"}`:          5,
				`bulkunfollow_last_run_exit_code{}`:              1,
				`bulkunfollow_last_success_timestamp_seconds{}`:  float64(start.Add(-36 * time.Hour).Unix()),
				`bulkunfollow_last_run_end_timestamp_seconds{}`:  float64(end.Unix()),
				`bulkunfollow_daily_cap{}`:                       0,
				`bulkunfollow_run_requests_sent{}`:               0,
				`bulkunfollow_build_info{version="` + ver + `"}`: 1,
				`bulkunfollow_targets{state="done"}`:             0,
				`bulkunfollow_run_in_progress{}`:                 0,
				`bulkunfollow_daily_used{}`:                      0,
				`bulkunfollow_targets{state="skipped"}`:          0,
				`bulkunfollow_targets{state="failed"}`:           0,
				`bulkunfollow_run_rate_limited{}`:                0,
				`bulkunfollow_run_requests_saved{}`:              0,
			},
			missing: []string{"bulkunfollow_requests_sent_total", "bulkunfollow_window_limit", "bulkunfollow_window_reset_timestamp_seconds", "bulkunfollow_run_start_timestamp_seconds", "bulkunfollow_last_unfollow_timestamp_seconds"},
		},
		{
			name: "snapshot during a first run: no end, no exit code, no success yet",
			m: runMetrics{
				InProgress: true, RunStart: start, Pending: 10, Done: 3, Sent: 3,
				WindowKnown: true, WindowLimit: 50, WindowRemaining: 47,
			},
			want: map[string]float64{
				`bulkunfollow_run_in_progress{}`:   1,
				`bulkunfollow_run_requests_sent{}`: 3,
				`bulkunfollow_window_remaining{}`:  47,
			},
			missing: []string{"bulkunfollow_last_run_exit_code", "bulkunfollow_last_run_end_timestamp_seconds", "bulkunfollow_last_success_timestamp_seconds", "bulkunfollow_window_reset_timestamp_seconds"},
		},
		{
			name: "label values are escaped",
			m:    runMetrics{Queue: `C:\queues\"odd"` + "\nname.db"},
			want: map[string]float64{
				`bulkunfollow_targets{queue="C:\\queues\\\"odd\"\nname.db",state="failed"}`: 0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := string(formatMetrics(tt.m))
			e, err := parseExposition(text)
			if err != nil {
				t.Fatalf("invalid exposition: %v\n%s", err, text)
			}
			for k, want := range tt.want {
				got, ok := e.samples[k]
				if !ok {
					t.Errorf("missing %s\n%s", k, text)
					continue
				}
				if got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			for _, name := range tt.missing {
				if _, ok := e.types[name]; ok {
					t.Errorf("%s present, want it left out\n%s", name, text)
				}
			}
			for name, typ := range e.types {
				if !strings.HasPrefix(name, "bulkunfollow_") {
					t.Errorf("metric %s lacks the bulkunfollow_ prefix", name)
				}
				if (typ == "counter") != strings.HasSuffix(name, "_total") {
					t.Errorf("metric %s is a %s: counters and only counters end in _total", name, typ)
				}
			}
		})
	}
}

func TestFormatMetricsSubSecondTimes(t *testing.T) {
	at := time.Unix(1767225600, 250_000_000)
	e, err := parseExposition(string(formatMetrics(runMetrics{RunEnd: at, ExitCode: exitOK})))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.samples["bulkunfollow_last_run_end_timestamp_seconds{}"]; got != 1767225600.25 {
		t.Fatalf("end = %v, want 1767225600.25", got)
	}
}

func TestWriteMetricsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bulkunfollow.prom")

	// An existing file is replaced, never appended to or left half-written.
	if err := os.WriteFile(path, []byte("stale partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, m := range []runMetrics{
		{Pending: 10, InProgress: true},
		{Pending: 0, Done: 10, RunEnd: time.Unix(1767225600, 0), ExitCode: exitOK},
	} {
		if err := writeMetrics(path, m); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != string(formatMetrics(m)) {
			t.Fatalf("write %d: file differs from the formatted metrics:\n%s", i, data)
		}
		if _, err := parseExposition(string(data)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o644 {
			t.Errorf("write %d: mode %v, want 0644 (node_exporter reads it as another user)", i, perm)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "bulkunfollow.prom" {
			var names []string
			for _, en := range entries {
				names = append(names, en.Name())
			}
			t.Fatalf("write %d: directory holds %v, want only bulkunfollow.prom (no temp files left)", i, names)
		}
	}
	e, err := parseExposition(mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if e.samples[`bulkunfollow_targets{state="done"}`] != 10 || e.samples["bulkunfollow_last_run_exit_code{}"] != 0 {
		t.Fatalf("final file has the wrong values: %v", e.samples)
	}
}

func TestWriteMetricsErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails, the old content stays and
	// no temporary file is left behind.
	path := filepath.Join(dir, "x.prom")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeMetrics(path, runMetrics{}); err == nil || !strings.HasPrefix(err.Error(), "write metrics: ") {
		t.Fatalf("err = %v, want a write metrics error", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only x.prom", len(entries))
	}
	if err := writeMetrics(filepath.Join(dir, "missing", "x.prom"), runMetrics{}); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestMetricsPathError(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		path string
		ok   bool
	}{
		{"", true},
		{filepath.Join(dir, "bulkunfollow.prom"), true},
		{filepath.Join(dir, "bulkunfollow.txt"), false},
		{filepath.Join(dir, "nope", "bulkunfollow.prom"), false},
		// A queue named *.prom: the metrics file may not be the queue,
		// nor its status snapshot, by any name.
		{filepath.Join(dir, "q.prom"), false},
		{filepath.Join(dir, "sub", "..", "q.prom"), false},
		{filepath.Join(dir, "link.prom"), false},
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	os.WriteFile(filepath.Join(dir, "q.prom"), []byte("queue"), 0o600)
	os.Symlink(filepath.Join(dir, "q.prom"), filepath.Join(dir, "link.prom"))
	for _, tt := range tests {
		err := metricsPathError(tt.path, filepath.Join(dir, "q.prom"))
		if (err == nil) != tt.ok {
			t.Errorf("metricsPathError(%q) = %v, want ok=%v", tt.path, err, tt.ok)
		}
		if err != nil && exitCode(err) != exitUsage {
			t.Errorf("metricsPathError(%q) exits %d, want %d", tt.path, exitCode(err), exitUsage)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
