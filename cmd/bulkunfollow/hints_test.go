package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/auth"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// TestHintsWorkWhenFollowed runs every hint the tool prints in a scenario
// against the simulator (in-process), takes the command lines out of its
// "Next:", "Try:", "Hint:" (and "See them:", "Explore:", "see the plan:")
// lines, and runs them as typed: none fails for the reason the hint was
// about (a queue, an API or a credential store other than the one in use,
// a login that cannot start). The context flags are given on the command
// line only, never in the environment, so a hint that drops one fails.
// Words in capitals are filled in as a person would: YOUR_CLIENT_ID (the
// app's client id), LIST.csv (a list), FILE.
//
// Hints covered:
//   - retry --queue Q:            Next: bulkunfollow run --queue Q
//   - status --queue Q (pending): Next: bulkunfollow run --queue Q
//   - status --queue Q (failed):  Next: bulkunfollow export --queue Q --state failed;
//     bulkunfollow retry --queue Q && bulkunfollow run --queue Q
//   - run ending with failures:   See them: bulkunfollow export --queue Q --state failed
//   - run without --yes off a terminal: Try: bulkunfollow run --queue Q --api-base-url U --yes
//   - run, prompt declined:       see the plan: bulkunfollow run --queue Q --api-base-url U --dry-run
//   - run on a missing queue:     Hint: create it with: bulkunfollow import --queue Q FILE
//   - auth login --api-base-url U --config-dir D:
//     Next: bulkunfollow import LIST.csv, then bulkunfollow run --api-base-url U --config-dir D
//   - run with nothing stored:    Hint: bulkunfollow auth login --api-base-url U --config-dir D --client-id YOUR_CLIENT_ID
//   - run with a login that needs renewing (auth.LoginRequiredError):
//     Hint: bulkunfollow auth login --api-base-url U --config-dir D --client-id ID
//   - run without --api-base-url, login stored for the simulator (auth.AccountError.OtherAPIs):
//     Hint: … bulkunfollow run --config-dir D --api-base-url U …
//   - auth status with nothing stored: Hint: bulkunfollow auth login --config-dir D --client-id YOUR_CLIENT_ID
//   - demo (temporary queue): no hint names its queue; demo --dir DIR: Explore: bulkunfollow export --queue DIR/demo.db
//   - following --queue Q -o S: Next: … bulkunfollow review S … bulkunfollow import --queue Q S
//   - help: Typical use: bulkunfollow auth login --client-id YOUR_CLIENT_ID && bulkunfollow import list.csv && bulkunfollow run
func TestHintsWorkWhenFollowed(t *testing.T) {
	t.Chdir(t.TempDir()) // the default queue of a hint without --queue lands here
	s, api := authSim(t)
	for i := range 3 {
		s.AddUser(fmt.Sprintf("%d", 1700000000000000001+i), "")
	}
	s.SetFollowing(xapisim.DefaultUserID, []string{"1700000000000000001", "1700000000000000002", "1700000000000000003"})
	list := writeFile(t, "list.csv", "id\n1700000000000000001\n1700000000000000002\n1700000000000000003\n1700000000000000404\n")
	// What a person's environment holds that no hint is about: the
	// redirect URI of their app, the log format.
	env := map[string]string{"BULKUNFOLLOW_REDIRECT_URI": "http://127.0.0.1:0/callback", "BULKUNFOLLOW_LOG_FORMAT": "json"}
	token := map[string]string{"BULKUNFOLLOW_ACCESS_TOKEN": s.IssueToken(xapisim.DefaultUserID)}
	for k, v := range env {
		token[k] = v
	}
	fill := strings.NewReplacer("YOUR_CLIENT_ID", authTestClient, "LIST.csv", list, "list.csv", list, "FILE", list)

	// run runs a command line as typed: at a terminal answering stdin
	// (when not ""), else without one. Logins see the fake browser.
	run := func(environ map[string]string, stdin string, args ...string) (int, string) {
		useFakeBrowser(t, s, "")
		var out, errOut bytes.Buffer
		c := &cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, interactive: stdin != "",
			getenv: func(k string) string { return environ[k] }}
		code := c.main(context.Background(), args)
		return code, out.String() + errOut.String()
	}
	// answer is what the person types: yes to run's prompt; nothing to a
	// login (it would read a pasted code).
	answer := func(args []string) string {
		if args[0] == "run" {
			return "y\n"
		}
		return ""
	}
	// follow runs every command of the hint lines in out and checks each
	// with ok (exit code and output).
	followed := 0
	follow := func(name, out string, environ map[string]string, ok func(cmd string, code int, out string) bool) {
		t.Helper()
		var cmds []string
		for _, cmd := range hintCommands(out) {
			// A login to X itself cannot be followed offline: it is the
			// "log in for this one" of a run without --api-base-url.
			if strings.Contains(cmd, "auth login") && !strings.Contains(cmd, "--api-base-url") && environ["BULKUNFOLLOW_API_BASE_URL"] == "" {
				continue
			}
			cmds = append(cmds, cmd)
		}
		if len(cmds) == 0 {
			t.Errorf("%s: no hint to follow in:\n%s", name, out)
		}
		for _, cmd := range cmds {
			args := strings.Fields(fill.Replace(cmd))[1:]
			code, got := run(environ, answer(args), args...)
			followed++
			if !ok(cmd, code, got) {
				t.Errorf("%s: following %q: exit %d\n%s\n(the hint came from:\n%s)", name, cmd, code, got, out)
			}
		}
	}
	notAbout := func(words ...string) func(string, int, string) bool {
		return func(_ string, code int, out string) bool {
			for _, w := range words {
				if strings.Contains(out, w) {
					return false
				}
			}
			return code == exitOK || code == exitFailures
		}
	}
	queueFine := notAbout("does not exist", "no stored credentials", "unknown flag")

	dir := t.TempDir()
	q := filepath.Join(dir, "work.db")
	apiEnv := map[string]string{"BULKUNFOLLOW_API_BASE_URL": api} // retry and status know no API
	for k, v := range token {
		apiEnv[k] = v
	}

	// The review sheet: following names the review of the file it wrote
	// and its import into the queue that keeps the list (not the
	// default one, whose run would pay for the list again). The person
	// marks a row before following them; the review needs a terminal.
	sheetQueue, sheetFile := filepath.Join(dir, "sheet.db"), filepath.Join(dir, "sheet.csv")
	code, out := run(token, "", "following", "--queue", sheetQueue, "--api-base-url", api, "--yes", "-o", sheetFile)
	if code != exitOK {
		t.Fatalf("following: exit %d\n%s", code, out)
	}
	markFirstRow(t, sheetFile, "unfollow")
	follow("following", out, token, func(cmd string, code int, got string) bool {
		if strings.Contains(cmd, " review ") {
			return code == exitUsage && strings.Contains(got, "needs a terminal")
		}
		return code == exitOK && strings.Contains(cmd, "--queue "+sheetQueue) && strings.Contains(got, "1 marked unfollow")
	})

	// A queue that does not exist yet.
	_, out = run(token, "", "run", "--queue", q, "--api-base-url", api, "--yes")
	follow("run on a missing queue", out, token, queueFine)

	fresh := func(name string) string {
		p := filepath.Join(dir, name)
		if code, out := run(token, "", "import", "--queue", p, list); code != exitOK {
			t.Fatalf("import: exit %d\n%s", code, out)
		}
		return p
	}
	// failing is a queue whose run ended with a failed target (the
	// unknown id).
	failing := func(name string) (string, string) {
		p := fresh(name)
		code, out := run(token, "", "run", "--queue", p, "--api-base-url", api, "--yes", "--no-prefilter")
		if code != exitFailures {
			t.Fatalf("run: exit %d\n%s", code, out)
		}
		return p, out
	}
	_, out = failing("failed1.db")
	follow("run with failures", out, token, queueFine)
	f2, _ := failing("failed2.db")
	_, out = run(token, "", "status", "--queue", f2)
	follow("status with failures", out, apiEnv, queueFine)
	f3, _ := failing("failed3.db")
	_, out = run(token, "", "retry", "--queue", f3)
	follow("retry", out, apiEnv, queueFine)
	_, out = run(token, "", "status", "--queue", fresh("pending.db"))
	follow("status with pending", out, apiEnv, queueFine)

	// Off a terminal without --yes; at a terminal, declined (every
	// target is sent: the simulated account follows nobody by now).
	_, out = run(token, "", "run", "--queue", fresh("noyes.db"), "--api-base-url", api, "--no-prefilter")
	follow("run without --yes", out, token, queueFine)
	_, out = run(token, "n\n", "run", "--queue", fresh("declined.db"), "--api-base-url", api, "--no-prefilter")
	follow("run declined", out, token, func(_ string, code int, out string) bool {
		return code == exitOK && strings.Contains(out, "Dry run")
	})

	// Logins: nothing stored, stored for another API, needing renewal,
	// and the Next of a login. No credential in the environment.
	cfg := filepath.Join(dir, "cfg")
	loginFine := notAbout("no client id", "no stored credentials", "no stored account", "need a new login")
	_, out = run(env, "", "auth", "status", "--config-dir", cfg)
	// auth status knows no API: its login is to X unless the API is set
	// elsewhere, as here.
	follow("auth status, nothing stored", out, map[string]string{"BULKUNFOLLOW_API_BASE_URL": api, "BULKUNFOLLOW_REDIRECT_URI": env["BULKUNFOLLOW_REDIRECT_URI"]}, loginFine)
	os.RemoveAll(cfg)
	_, out = run(env, "", "run", "--queue", q, "--api-base-url", api, "--config-dir", cfg, "--yes")
	follow("run, nothing stored", out, env, loginFine)
	_, out = run(env, "", "run", "--queue", q, "--config-dir", cfg, "--yes")
	follow("run, login stored for the simulator", out, env, func(cmd string, code int, out string) bool {
		return loginFine(cmd, code, out) || strings.Contains(cmd, "auth login") && code == exitOK
	})
	store := auth.NewStore(cfg, nil)
	creds, err := store.List()
	if err != nil || len(creds) != 1 {
		t.Fatalf("stored: %v, %v", creds, err)
	}
	creds[0].NeedsLogin = "the server rejected the refresh token"
	if err := store.Put(context.Background(), creds[0]); err != nil {
		t.Fatal(err)
	}
	_, out = run(env, "", "run", "--queue", q, "--api-base-url", api, "--config-dir", cfg, "--yes")
	follow("run, login to renew", out, env, loginFine)
	cfg2 := filepath.Join(dir, "cfg2")
	_, out = run(env, "", "auth", "login", "--api-base-url", api, "--config-dir", cfg2, "--client-id", authTestClient)
	follow("auth login", out, env, loginFine)

	// The demo: a temporary queue is never named; --dir's is.
	_, out = run(env, "", "demo", "--limit", "1000", "--window", "1s")
	if strings.Contains(out, "--queue "+os.TempDir()) {
		t.Errorf("the demo names its temporary queue in a hint:\n%s", out)
	}
	_, out = run(env, "", "demo", "--limit", "1000", "--window", "1s", "--dir", filepath.Join(dir, "demo-out"))
	follow("demo --dir", out, env, queueFine)

	// The top-level help's typical use, against the simulator (the API and
	// the store set once in the environment, as for a rehearsal).
	_, help := run(env, "", "help")
	typical := regexp.MustCompile(`Typical use: (.*)`).FindStringSubmatch(help)
	if typical == nil {
		t.Fatal("no Typical use in help")
	}
	rehearsal := map[string]string{"BULKUNFOLLOW_API_BASE_URL": api, "BULKUNFOLLOW_CONFIG_DIR": filepath.Join(dir, "cfg3")}
	for k, v := range env {
		rehearsal[k] = v
	}
	for _, cmd := range strings.Split(typical[1], "&&") {
		args := strings.Fields(fill.Replace(cmd))[1:]
		if code, out := run(rehearsal, answer(args), args...); code != exitOK && code != exitFailures {
			t.Errorf("typical use %q: exit %d\n%s", cmd, code, out)
		}
	}
	t.Logf("followed %d hinted commands", followed)
}

// hintCommands are the bulkunfollow command lines of out's hint lines,
// each cut where the prose around it starts. A message wrapped at 80
// columns puts a command that would not fit on a line of its own: such a
// line is read as the end of the one before it.
func hintCommands(out string) []string {
	var cmds []string
	cmdRE := regexp.MustCompile(`bulkunfollow [a-z][^,;()&#]*`)
	var lines []string
	for _, line := range strings.Split(eventsAsText(out), "\n") {
		if n := len(lines); n > 0 && strings.HasPrefix(strings.TrimLeft(line, " "), "bulkunfollow ") {
			lines[n-1] += " " + line
			continue
		}
		lines = append(lines, line)
	}
	for _, line := range lines {
		i := -1
		for _, p := range []string{"Next:", "Try:", "Hint:", "See them:", "Explore:", "see the plan:"} {
			if j := strings.Index(line, p); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 {
			continue
		}
		for _, m := range cmdRE.FindAllString(line[i:], -1) {
			m = strings.TrimRight(strings.TrimSpace(m), ".\"`")
			if strings.HasSuffix(m, " again") || strings.Contains(m, "--help") {
				continue
			}
			cmds = append(cmds, m)
		}
	}
	return cmds
}

// TestContextFlagsAreDefined: every context flag a hint adds to a command
// is one that command defines, and inHint adds each flag once.
func TestContextFlagsAreDefined(t *testing.T) {
	for sub, names := range contextFlags {
		var fs *flagSet
		c := &cli{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" },
			onFlagSet: func(f *flagSet) { fs = f }}
		c.main(context.Background(), append(strings.Fields(sub), "--help"))
		if fs == nil {
			t.Fatalf("%s made no flag set", sub)
		}
		for _, n := range names {
			if fs.Lookup(n) == nil {
				t.Errorf("bulkunfollow %s has no --%s, but hints add it", sub, n)
			}
		}
	}
	h := hintFlags{queue: "my q.db", apiBaseURL: "http://127.0.0.1:8080", configDir: "/c", account: "@me"}
	got := h.inHint("run `bulkunfollow retry` then bulkunfollow run --account @other; bulkunfollow auth login --client-id X; the file bulkunfollow keeps")
	want := "run `bulkunfollow retry --queue 'my q.db'` then bulkunfollow run --queue 'my q.db' --api-base-url http://127.0.0.1:8080 --config-dir /c --account @other; " +
		"bulkunfollow auth login --api-base-url http://127.0.0.1:8080 --config-dir /c --client-id X; the file bulkunfollow keeps"
	if got != want {
		t.Errorf("inHint:\n got %s\nwant %s", got, want)
	}
}

// eventsAsText turns JSON event lines (stderr without a terminal) back
// into the lines a person would read: "Try:" per command, "Hint:", and
// the message; other lines are kept.
func eventsAsText(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		var ev struct {
			Message string   `json:"message"`
			Try     []string `json:"try"`
			Hint    string   `json:"hint"`
		}
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &ev) != nil {
			b.WriteString(line + "\n")
			continue
		}
		b.WriteString(ev.Message + "\n")
		for _, t := range ev.Try {
			b.WriteString("Try:   " + t + "\n")
		}
		if ev.Hint != "" {
			b.WriteString("Hint:  " + ev.Hint + "\n")
		}
	}
	return b.String()
}

// markFirstRow writes decision in the first row of the sheet at path, as a
// person would in a spreadsheet or the review screen.
func markFirstRow(t *testing.T, path, decision string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sheet.Read(fh, path)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Decide(0, decision, time.Now()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
