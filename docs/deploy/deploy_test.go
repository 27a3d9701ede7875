package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// runFlags are the flags of "bulkunfollow run". When the real
// binary builds and its "run --help" lists flags, the recipes are checked
// against that too.
var runFlags = []string{
	"queue", "api-base-url", "account", "rate", "daily-cap", "max", "deadline",
	"jitter", "keep", "no-prefilter", "yes", "dry-run", "log-format",
	"log-level", "metrics-file", "config-dir", "max-attempts", "request-timeout",
}

// credentialEnv are the variables the auth package reads besides run's
// flags (docs/auth.md).
var credentialEnv = []string{
	"BULKUNFOLLOW_OAUTH1_CONSUMER_KEY", "BULKUNFOLLOW_OAUTH1_CONSUMER_SECRET",
	"BULKUNFOLLOW_OAUTH1_TOKEN", "BULKUNFOLLOW_OAUTH1_TOKEN_SECRET",
	"BULKUNFOLLOW_ACCESS_TOKEN", "BULKUNFOLLOW_CLIENT_SECRET", "BULKUNFOLLOW_CLIENT_ID",
}

// recipeFiles are every file in this directory an operator copies.
var recipeFiles = []string{"crontab", "bulkunfollow.service", "bulkunfollow.timer", "cronjob.yaml", "bulkunfollow.env.example"}

const queuePath = "/var/lib/bulkunfollow/queue.db"

func readRecipe(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- flags and variables -------------------------------------------------

// argFlags returns the flag names in args ("--yes", "--queue=x" → yes, queue)
// and the value following each flag that takes one.
func argFlags(args []string) (names []string, values map[string]string) {
	values = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			names = append(names, k)
			values[k] = v
			continue
		}
		names = append(names, name)
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			values[name] = args[i+1]
		}
	}
	return names, values
}

// checkRunArgs asserts a recipe's "run" argument list: only known flags,
// --yes (nobody is there to confirm), --deadline and the queue path.
func checkRunArgs(t *testing.T, recipe string, args []string, wantQueue string) time.Duration {
	t.Helper()
	if len(args) == 0 || args[0] != "run" {
		t.Fatalf("%s: command %q does not start with run", recipe, args)
	}
	names, values := argFlags(args[1:])
	known := helpFlags(t)
	for _, n := range names {
		if !slices.Contains(runFlags, n) {
			t.Errorf("%s: flag --%s is not a run flag %v", recipe, n, runFlags)
		}
		if known != nil && !known[n] {
			t.Errorf("%s: flag --%s is not in the built binary's run --help", recipe, n)
		}
	}
	for _, need := range []string{"yes", "deadline", "queue"} {
		if !slices.Contains(names, need) {
			t.Errorf("%s: run lacks --%s", recipe, need)
		}
	}
	if got := values["queue"]; got != wantQueue {
		t.Errorf("%s: --queue %q, want %q", recipe, got, wantQueue)
	}
	d, err := time.ParseDuration(values["deadline"])
	if err != nil || d <= 0 {
		t.Fatalf("%s: --deadline %q: %v", recipe, values["deadline"], err)
	}
	return d
}

var envRefRE = regexp.MustCompile(`BULKUNFOLLOW_[A-Z0-9_]+`)

// TestRecipeVariablesExist: every BULKUNFOLLOW_* variable a recipe mentions
// is a flag's variable or a credential variable; a misspelt one would be
// silently ignored at 3 a.m.
func TestRecipeVariablesExist(t *testing.T) {
	known := map[string]bool{}
	for _, f := range runFlags {
		known["BULKUNFOLLOW_"+strings.ToUpper(strings.ReplaceAll(f, "-", "_"))] = true
	}
	for _, v := range credentialEnv {
		known[v] = true
	}
	for _, name := range recipeFiles {
		for _, v := range envRefRE.FindAllString(readRecipe(t, name), -1) {
			if strings.HasSuffix(v, "_") { // "BULKUNFOLLOW_OAUTH1_*" in prose
				continue
			}
			if !known[v] {
				t.Errorf("%s mentions %s, which nothing reads", name, v)
			}
		}
	}
}

// TestEnvExample: the example environment file is KEY=value lines that both
// systemd's EnvironmentFile= and the shell's "." read the same way.
func TestEnvExample(t *testing.T) {
	text := readRecipe(t, "bulkunfollow.env.example")
	keyRE := regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	var active []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !keyRE.MatchString(k) {
			t.Errorf("line %d: %q is not KEY=value", i+1, line)
			continue
		}
		if strings.ContainsAny(v, " \t\"'$`\\") {
			t.Errorf("line %d: value of %s has characters systemd and sh read differently", i+1, k)
		}
		active = append(active, k)
	}
	want := []string{"BULKUNFOLLOW_OAUTH1_CONSUMER_KEY", "BULKUNFOLLOW_OAUTH1_CONSUMER_SECRET", "BULKUNFOLLOW_OAUTH1_TOKEN", "BULKUNFOLLOW_OAUTH1_TOKEN_SECRET"}
	if !slices.Equal(active, want) {
		t.Errorf("active keys %v, want %v", active, want)
	}
}

// ---- crontab --------------------------------------------------------------

type cronEntry struct {
	line    int
	fields  [5]string
	command string
}

// parseCrontab reads crontab(5): comments, NAME=value lines and entries of
// five time fields plus a command.
func parseCrontab(text string) (env map[string]string, entries []cronEntry, err error) {
	env = map[string]string{}
	envRE := regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		s := strings.TrimSpace(line)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if m := envRE.FindStringSubmatch(s); m != nil && !strings.Contains(m[1], " ") {
			env[m[1]] = m[2]
			continue
		}
		f := strings.Fields(s)
		if len(f) < 6 {
			return nil, nil, fmt.Errorf("line %d: want 5 time fields and a command", n)
		}
		var e cronEntry
		e.line = n
		copy(e.fields[:], f[:5])
		// The command is the rest of the line, spacing kept.
		rest := s
		for k := 0; k < 5; k++ {
			rest = strings.TrimLeft(rest, " \t")
			rest = rest[len(f[k]):]
		}
		e.command = strings.TrimLeft(rest, " \t")
		entries = append(entries, e)
	}
	return env, entries, nil
}

// checkCronField validates one time field: *, numbers, ranges, lists, steps.
func checkCronField(f string, min, max int) error {
	for _, part := range strings.Split(f, ",") {
		base, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			if n, err := strconv.Atoi(step); err != nil || n < 1 {
				return fmt.Errorf("bad step in %q", f)
			}
		}
		if base == "*" {
			continue
		}
		lo, hi, isRange := strings.Cut(base, "-")
		for _, v := range []string{lo, hi} {
			if !isRange && v == hi {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < min || n > max {
				return fmt.Errorf("%q: %q outside %d-%d", f, v, min, max)
			}
		}
	}
	return nil
}

// shellWords splits the "bulkunfollow run ..." part of a shell command into
// words; the recipes use no quoting inside it.
func bulkunfollowArgs(command string) []string {
	for _, stmt := range strings.Split(command, ";") {
		f := strings.Fields(stmt)
		if len(f) > 1 && filepath.Base(f[0]) == "bulkunfollow" {
			var args []string
			for _, w := range f[1:] {
				if strings.HasPrefix(w, ">") || strings.HasPrefix(w, "2>") {
					break
				}
				args = append(args, w)
			}
			return args
		}
	}
	return nil
}

func TestCrontab(t *testing.T) {
	text := readRecipe(t, "crontab")
	env, entries, err := parseCrontab(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	e := entries[0]
	ranges := [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}
	for i, f := range e.fields {
		if err := checkCronField(f, ranges[i][0], ranges[i][1]); err != nil {
			t.Errorf("line %d field %d: %v", e.line, i+1, err)
		}
	}
	if e.fields[2] != "*" || e.fields[3] != "*" || e.fields[4] != "*" {
		t.Errorf("schedule %v is not daily", e.fields)
	}
	if strings.Contains(e.command, "%") {
		t.Errorf("command contains %%, which cron turns into a newline")
	}
	if env["SHELL"] != "/bin/sh" || env["PATH"] == "" {
		t.Errorf("crontab should set SHELL=/bin/sh and PATH, got %v", env)
	}
	checkRunArgs(t, "crontab", bulkunfollowArgs(e.command), queuePath)
	for _, want := range []string{"--log-format json", ". /etc/bulkunfollow/env", ">>/var/log/bulkunfollow/run.log 2>&1"} {
		if !strings.Contains(e.command, want) {
			t.Errorf("command lacks %q", want)
		}
	}
	for _, want := range []string{"75", "flock", "0600"} {
		if !strings.Contains(text, want) {
			t.Errorf("crontab notes do not mention %q", want)
		}
	}
}

// TestCrontabCommandRuns runs the crontab command under /bin/sh as cron
// would, with the absolute paths moved into a temporary directory and a
// stand-in bulkunfollow that records its arguments and exits with a chosen
// code: the environment file is exported, the log is appended to, and only
// codes other than 0 and 75 print the line cron mails.
func TestCrontabCommandRuns(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("crontab recipe: no /bin/sh on Windows")
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("crontab recipe: no /bin/sh: %v", err)
	}
	_, entries, err := parseCrontab(readRecipe(t, "crontab"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("parse: %v, %d entries", err, len(entries))
	}
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	for _, d := range []string{"bin", "etc/bulkunfollow", "var/log/bulkunfollow", "var/lib/bulkunfollow"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	record := filepath.Join(root, "args")
	stub := "#!/bin/sh\n" +
		"printf '%s\\n' \"$@\" > " + record + "\n" +
		"printf 'token=%s\\n' \"$BULKUNFOLLOW_OAUTH1_TOKEN\" >> " + record + "\n" +
		"echo '{\"level\":\"info\",\"message\":\"run ended\"}' >&2\n" +
		"exit $STUB_EXIT\n"
	if err := os.WriteFile(filepath.Join(bin, "bulkunfollow"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	envFile, err := os.ReadFile("bulkunfollow.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/bulkunfollow/env"), envFile, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := entries[0].command
	for _, p := range []string{"/etc/bulkunfollow/", "/var/log/bulkunfollow/", "/var/lib/bulkunfollow/"} {
		cmd = strings.ReplaceAll(cmd, p, filepath.Join(root, p)+"/")
	}
	logFile := filepath.Join(root, "var/log/bulkunfollow/run.log")

	tests := []struct {
		code int
		mail bool
	}{{0, false}, {75, false}, {3, true}, {1, true}, {65, true}}
	for i, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			c := exec.Command("/bin/sh", "-c", cmd)
			c.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "STUB_EXIT=" + strconv.Itoa(tt.code), "HOME=" + root}
			var out bytes.Buffer
			c.Stdout, c.Stderr = &out, &out
			if err := c.Run(); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					t.Fatal(err)
				}
			}
			mailed := strings.TrimSpace(out.String())
			if tt.mail {
				want := fmt.Sprintf("bulkunfollow run exited %d: see ", tt.code)
				if !strings.HasPrefix(mailed, want) || strings.Count(mailed, "\n") != 0 {
					t.Errorf("cron output %q, want one line starting %q", mailed, want)
				}
			} else if mailed != "" {
				t.Errorf("exit %d printed %q; cron would mail it", tt.code, mailed)
			}
			got := strings.Split(strings.TrimSpace(mustRead(t, record)), "\n")
			wantArgs := append(bulkunfollowArgs(entries[0].command), "token=replace-with-access-token")
			for k, a := range wantArgs {
				wantArgs[k] = strings.ReplaceAll(a, "/var/lib/bulkunfollow/", filepath.Join(root, "/var/lib/bulkunfollow/")+"/")
			}
			if !slices.Equal(got, wantArgs) {
				t.Errorf("stand-in got %q, want %q", got, wantArgs)
			}
			if n := strings.Count(mustRead(t, logFile), "run ended"); n != i+1 {
				t.Errorf("log holds %d run lines after %d runs: not appended", n, i+1)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- systemd --------------------------------------------------------------

// unit is a parsed systemd unit file: section → key → values in order.
type unit map[string]map[string][]string

func (u unit) get(section, key string) []string { return u[section][key] }

func (u unit) last(section, key string) string {
	v := u.get(section, key)
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseUnit reads systemd's INI dialect: [Section] headers, Key=Value,
// # and ; comments, backslash line continuation, repeated keys kept in order.
func parseUnit(r io.Reader) (unit, error) {
	u := unit{}
	section := ""
	sc := bufio.NewScanner(r)
	n := 0
	var pending strings.Builder
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending.Len() == 0 && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		if pending.Len() > 0 {
			line = pending.String() + line
			pending.Reset()
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = line[1 : len(line)-1]
			if _, dup := u[section]; dup {
				return nil, fmt.Errorf("line %d: section [%s] twice", n, section)
			}
			u[section] = map[string][]string{}
			continue
		}
		if section == "" {
			return nil, fmt.Errorf("line %d: key outside a section", n)
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want Key=Value, got %q", n, line)
		}
		k = strings.TrimSpace(k)
		if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`).MatchString(k) {
			return nil, fmt.Errorf("line %d: bad key %q", n, k)
		}
		u[section][k] = append(u[section][k], strings.TrimSpace(v))
	}
	if pending.Len() > 0 {
		return nil, fmt.Errorf("file ends inside a continued line")
	}
	return u, sc.Err()
}

func TestParseUnitRejects(t *testing.T) {
	for _, text := range []string{
		"Key=v\n",
		"[Service\nType=oneshot\n",
		"[Service]\nnot a key\n",
		"[Service]\n[Service]\n",
		"[Service]\nExecStart=/bin/true \\\n",
	} {
		if _, err := parseUnit(strings.NewReader(text)); err == nil {
			t.Errorf("accepted %q", text)
		}
	}
	u, err := parseUnit(strings.NewReader("[Service]\n# c\n; c\nExecStart=/bin/echo a \\\n  b\nX=1\nX=2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.last("Service", "ExecStart"); got != "/bin/echo a  b" {
		t.Errorf("continued line = %q", got)
	}
	if got := u.get("Service", "X"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("repeated key = %q", got)
	}
}

func loadUnit(t *testing.T, name string) unit {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := parseUnit(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return u
}

func TestSystemdService(t *testing.T) {
	u := loadUnit(t, "bulkunfollow.service")
	for s := range u {
		if s != "Unit" && s != "Service" {
			t.Errorf("unexpected section [%s] (the timer starts the service; no [Install])", s)
		}
	}
	if u.last("Unit", "Description") == "" {
		t.Error("no Description")
	}
	if !slices.Contains(u.get("Unit", "After"), "network-online.target") || !slices.Contains(u.get("Unit", "Wants"), "network-online.target") {
		t.Error("should want and start after network-online.target")
	}
	exact := map[string]string{
		"Type":            "oneshot",
		"StateDirectory":  "bulkunfollow",
		"ProtectSystem":   "strict",
		"NoNewPrivileges": "yes",
		"PrivateTmp":      "yes",
		"ProtectHome":     "yes",
		"EnvironmentFile": "/etc/bulkunfollow/env",
	}
	for k, want := range exact {
		if got := u.last("Service", k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if u.last("Service", "DynamicUser") != "yes" && u.last("Service", "User") == "" {
		t.Error("runs as root: set DynamicUser=yes or User=")
	}
	if got := strings.Fields(strings.Join(u.get("Service", "SuccessExitStatus"), " ")); !slices.Contains(got, "75") {
		t.Errorf("SuccessExitStatus %q lacks 75 (stopped early, resumes next time)", got)
	}
	if got := u.get("Service", "CapabilityBoundingSet"); len(got) != 1 || got[0] != "" {
		t.Errorf("CapabilityBoundingSet=%q, want empty (no capabilities)", got)
	}
	exec := u.get("Service", "ExecStart")
	if len(exec) != 1 {
		t.Fatalf("ExecStart %q, want exactly one", exec)
	}
	argv := strings.Fields(exec[0])
	if !filepath.IsAbs(argv[0]) || filepath.Base(argv[0]) != "bulkunfollow" {
		t.Errorf("ExecStart binary %q: want an absolute path to bulkunfollow", argv[0])
	}
	deadline := checkRunArgs(t, "bulkunfollow.service", argv[1:], queuePath)
	if !strings.HasPrefix(queuePath, "/var/lib/"+u.last("Service", "StateDirectory")+"/") {
		t.Errorf("queue %s is outside StateDirectory, which is the only writable place", queuePath)
	}
	timeout, err := time.ParseDuration(u.last("Service", "TimeoutStartSec"))
	if err != nil {
		t.Fatalf("TimeoutStartSec: %v", err)
	}
	if timeout <= deadline {
		t.Errorf("TimeoutStartSec %v must exceed --deadline %v so the run can stop itself first", timeout, deadline)
	}
}

func TestSystemdTimer(t *testing.T) {
	u := loadUnit(t, "bulkunfollow.timer")
	want := map[[2]string]string{
		{"Timer", "OnCalendar"}:  "*-*-* 03:00:00",
		{"Timer", "Persistent"}:  "true",
		{"Timer", "Unit"}:        "bulkunfollow.service",
		{"Install", "WantedBy"}:  "timers.target",
		{"Timer", "AccuracySec"}: "1min",
	}
	for k, v := range want {
		if got := u.last(k[0], k[1]); got != v {
			t.Errorf("[%s] %s=%q, want %q", k[0], k[1], got, v)
		}
	}
	d, err := time.ParseDuration(u.last("Timer", "RandomizedDelaySec"))
	if err != nil || d <= 0 {
		t.Errorf("RandomizedDelaySec %q: want a positive spread", u.last("Timer", "RandomizedDelaySec"))
	}
}

// TestSystemdAnalyze runs systemd-analyze verify (unknown keys, bad values,
// missing referenced units) and the offline security score, when installed.
// ExecStart must point at an executable, so a copy of the unit points at a
// stand-in.
func TestSystemdAnalyze(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIPPED sub-check: systemd-analyze is not installed; the units were still parsed and checked by TestSystemdService/TestSystemdTimer")
	}
	dir := t.TempDir()
	stub := filepath.Join(dir, "bulkunfollow")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bulkunfollow.service", "bulkunfollow.timer"} {
		text := strings.ReplaceAll(readRecipe(t, name), "/usr/local/bin/bulkunfollow", stub)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("ExecStart points at a stand-in %s for verify", stub)
	c := exec.Command(tool, "verify", "--man=no", "./bulkunfollow.service", "./bulkunfollow.timer")
	c.Dir = dir
	out, err := c.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	c = exec.Command(tool, "security", "--offline=true", "--threshold=20", "./bulkunfollow.service")
	c.Dir = dir
	out, err = c.CombinedOutput()
	if err != nil && bytes.Contains(out, []byte("unrecognized option")) {
		t.Logf("SKIPPED sub-check: this systemd-analyze has no offline security mode: %s", bytes.TrimSpace(out))
		return
	}
	if err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 or error: %v\n%s", err, out)
	}
}

// ---- Kubernetes -------------------------------------------------------------

type doc = map[string]any

// at walks a decoded YAML document along a dotted path; [n] indexes lists.
func at(t *testing.T, d any, path string) any {
	t.Helper()
	cur := d
	for _, p := range strings.Split(path, ".") {
		name, idx, isIdx := strings.Cut(p, "[")
		if name != "" {
			m, ok := cur.(doc)
			if !ok {
				t.Fatalf("%s: %q is not a mapping", path, name)
			}
			cur, ok = m[name]
			if !ok {
				t.Fatalf("%s: no %q", path, name)
			}
		}
		if isIdx {
			n, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			l, ok := cur.([]any)
			if !ok || n >= len(l) {
				t.Fatalf("%s: no item %d", path, n)
			}
			cur = l[n]
		}
	}
	return cur
}

func loadManifests(t *testing.T) map[string]doc {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(readRecipe(t, "cronjob.yaml")))
	byKind := map[string]doc{}
	for {
		var d doc
		err := dec.Decode(&d)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("cronjob.yaml: %v", err)
		}
		kind, _ := d["kind"].(string)
		if _, dup := byKind[kind]; dup {
			t.Fatalf("two %s documents", kind)
		}
		byKind[kind] = d
	}
	return byKind
}

func TestKubernetesCronJob(t *testing.T) {
	m := loadManifests(t)
	for _, kind := range []string{"PersistentVolumeClaim", "Secret", "CronJob"} {
		if m[kind] == nil {
			t.Fatalf("no %s document", kind)
		}
	}
	if len(m) != 3 {
		t.Errorf("%d documents, want PVC, Secret and CronJob", len(m))
	}
	pvc, secret, cj := m["PersistentVolumeClaim"], m["Secret"], m["CronJob"]

	eq := func(d doc, path string, want any) {
		t.Helper()
		if got := at(t, d, path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	eq(pvc, "apiVersion", "v1")
	eq(pvc, "spec.accessModes", []any{"ReadWriteOnce"})
	if s, _ := at(t, pvc, "spec.resources.requests.storage").(string); s == "" {
		t.Error("PVC requests no storage")
	}

	eq(secret, "apiVersion", "v1")
	eq(secret, "type", "Opaque")
	data, _ := at(t, secret, "stringData").(doc)
	for k := range data {
		if !slices.Contains(credentialEnv, k) {
			t.Errorf("Secret key %s is not a credential variable", k)
		}
	}
	if len(data) == 0 {
		t.Error("Secret holds no credentials")
	}

	eq(cj, "apiVersion", "batch/v1")
	eq(cj, "spec.concurrencyPolicy", "Forbid")
	sched, _ := at(t, cj, "spec.schedule").(string)
	if f := strings.Fields(sched); len(f) != 5 || f[2] != "*" || f[3] != "*" || f[4] != "*" {
		t.Errorf("schedule %q is not daily", sched)
	}
	if n, _ := at(t, cj, "spec.startingDeadlineSeconds").(int); n <= 0 {
		t.Error("startingDeadlineSeconds not set")
	}
	job := "spec.jobTemplate.spec."
	eq(cj, job+"backoffLimit", 0)
	pod := job + "template.spec."
	eq(cj, pod+"restartPolicy", "Never")
	eq(cj, pod+"securityContext.runAsNonRoot", true)
	if uid, _ := at(t, cj, pod+"securityContext.runAsUser").(int); uid == 0 {
		t.Error("runAsUser is root")
	}

	c := pod + "containers[0]."
	eq(cj, c+"securityContext.readOnlyRootFilesystem", true)
	eq(cj, c+"securityContext.allowPrivilegeEscalation", false)
	eq(cj, c+"securityContext.capabilities.drop", []any{"ALL"})
	eq(cj, c+"envFrom[0].secretRef.name", at(t, secret, "metadata.name"))

	var args []string
	for _, a := range at(t, cj, c+"args").([]any) {
		args = append(args, fmt.Sprint(a))
	}
	_, values := argFlags(args)
	deadline := checkRunArgs(t, "cronjob.yaml", args, values["queue"])
	if !strings.HasPrefix(values["queue"], "/") {
		t.Errorf("--queue %q is not absolute", values["queue"])
	}

	active, _ := at(t, cj, job+"activeDeadlineSeconds").(int)
	limit := time.Duration(active) * time.Second
	if limit <= deadline || limit > deadline+15*time.Minute {
		t.Errorf("activeDeadlineSeconds %v: want a little more than --deadline %v, so the run stops itself first", limit, deadline)
	}

	// The queue file lives on the PVC: the volume mounted at the queue's
	// directory is the claim.
	var queueVolume string
	for _, vm := range at(t, cj, c+"volumeMounts").([]any) {
		vm := vm.(doc)
		if p := vm["mountPath"].(string); strings.HasPrefix(values["queue"], strings.TrimSuffix(p, "/")+"/") {
			queueVolume = vm["name"].(string)
		}
		if ro, _ := vm["readOnly"].(bool); ro && vm["name"] == queueVolume {
			t.Error("queue volume mounted read-only")
		}
	}
	if queueVolume == "" {
		t.Fatalf("no volume mounted at the queue directory of %s", values["queue"])
	}
	found := false
	for _, v := range at(t, cj, pod+"volumes").([]any) {
		v := v.(doc)
		if v["name"] == queueVolume {
			found = true
			claim, _ := v["persistentVolumeClaim"].(doc)
			if claim == nil || claim["claimName"] != at(t, pvc, "metadata.name") {
				t.Errorf("volume %s is not the PVC %v", queueVolume, at(t, pvc, "metadata.name"))
			}
		}
	}
	if !found {
		t.Errorf("volume %s not defined", queueVolume)
	}
}

// ---- the real binary's flags ---------------------------------------------

var (
	helpOnce  bool
	helpCache map[string]bool
)

// helpFlags returns the flags the built binary's "run --help" lists, or nil
// when the binary does not build or run has no flags yet (then the recipes
// are checked against runFlags only, as logged). Skipped with -short.
func helpFlags(t *testing.T) map[string]bool {
	t.Helper()
	if helpOnce {
		return helpCache
	}
	helpOnce = true
	if testing.Short() {
		t.Log("-short: recipe flags checked against the list in this test only, not the binary's run --help")
		return nil
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Logf("no module root at %s: recipe flags checked against the list only", root)
		return nil
	}
	bin := filepath.Join(t.TempDir(), "bulkunfollow")
	build := exec.Command("go", "build", "-o", bin, "./cmd/bulkunfollow")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Logf("cmd/bulkunfollow does not build (%v): recipe flags checked against the list only\n%s", err, out)
		return nil
	}
	out, _ := exec.Command(bin, "run", "--help").CombinedOutput()
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--([a-z][a-z0-9-]*)`).FindAllSubmatch(out, -1) {
		flags[string(m[1])] = true
	}
	if len(flags) == 0 {
		t.Logf("run --help lists no flags yet (%q): recipe flags checked against the list only", firstLine(out))
		return nil
	}
	t.Logf("recipe flags also checked against the binary's run --help (%d flags)", len(flags))
	helpCache = flags
	return flags
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}
