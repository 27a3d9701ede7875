package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/auth"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

const authTestClient = "cli-test-client"

// authSim is a simulator that approves at once.
func authSim(t *testing.T) (*xapisim.Server, string) {
	t.Helper()
	s := xapisim.New(xapisim.Config{AutoApprove: true})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// fakeBrowser replaces openBrowser for one test: it registers the client
// with the redirect URI the login chose and follows the authorize page to
// the loopback listener, recording the codes it saw.
type fakeBrowser struct {
	mu     sync.Mutex
	codes  []string
	opened int
	done   chan struct{}
}

func useFakeBrowser(t *testing.T, s *xapisim.Server, secret string) *fakeBrowser {
	t.Helper()
	fb := &fakeBrowser{done: make(chan struct{})}
	old := openBrowser
	t.Cleanup(func() { openBrowser = old })
	openBrowser = func(_ context.Context, authURL string) error {
		u, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		s.AddClient(xapisim.Client{ID: authTestClient, Secret: secret, RedirectURIs: []string{u.Query().Get("redirect_uri")}})
		fb.mu.Lock()
		fb.opened++
		fb.mu.Unlock()
		go func() {
			defer close(fb.done)
			hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				if c := req.URL.Query().Get("code"); c != "" {
					fb.mu.Lock()
					fb.codes = append(fb.codes, c)
					fb.mu.Unlock()
				}
				return nil
			}}
			if resp, err := hc.Get(authURL); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
	return fb
}

func (fb *fakeBrowser) seen() []string {
	<-fb.done
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return append([]string(nil), fb.codes...)
}

// storedSecrets reads every token and secret in the credential file.
func storedSecrets(t *testing.T, dir string) []string {
	t.Helper()
	all, err := auth.NewStore(dir, nil).List()
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, c := range all {
		s = append(s, c.AccessToken, c.RefreshToken, c.ClientSecret, c.ConsumerSecret, c.Token, c.TokenSecret)
	}
	return s
}

func assertNoSecret(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 6 && strings.Contains(out, s) {
			t.Errorf("output contains the secret %q…:\n%s", s[:4], out)
		}
	}
}

// The whole life of a credential through the command line, at the most
// verbose log level: no token, secret or code ever shows.
func TestAuthLoginStatusLogout(t *testing.T) {
	for _, secret := range []string{"", "cli-confidential-secret"} {
		name := "public"
		if secret != "" {
			name = "confidential"
		}
		t.Run(name, func(t *testing.T) {
			s, api := authSim(t)
			fb := useFakeBrowser(t, s, secret)
			dir := filepath.Join(t.TempDir(), "cfg")
			environ := map[string]string{
				"BULKUNFOLLOW_CONFIG_DIR":    dir,
				"BULKUNFOLLOW_CLIENT_ID":     authTestClient,
				"BULKUNFOLLOW_CLIENT_SECRET": secret,
				"BULKUNFOLLOW_API_BASE_URL":  api,
			}
			var all strings.Builder
			code, stdout, stderr := runCLI(t, environ, "", "auth", "login", "--redirect-uri", "http://127.0.0.1:0/callback", "--log-level", "debug", "--log-format", "json")
			all.WriteString(stdout + stderr)
			if code != exitOK {
				t.Fatalf("login exit %d:\n%s", code, stderr)
			}
			for _, want := range []string{"/i/oauth2/authorize?", "Logged in as @" + xapisim.DefaultUsername, "Saved in " + filepath.Join(dir, "credentials.json"), "Next: bulkunfollow import"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("login stderr lacks %q:\n%s", want, stderr)
				}
			}
			if !strings.Contains(stderr, `"level":"debug"`) {
				t.Errorf("no debug log lines captured:\n%s", stderr)
			}
			codes := fb.seen()
			if len(codes) != 1 {
				t.Fatalf("browser saw %d codes", len(codes))
			}
			secrets := append(storedSecrets(t, dir), codes...)

			code, stdout, stderr = runCLI(t, environ, "", "auth", "status")
			all.WriteString(stdout + stderr)
			wantMethod := "OAuth 2.0 (public client, refreshed automatically)"
			if secret != "" {
				wantMethod = "OAuth 2.0 (confidential client, refreshed automatically)"
			}
			for _, want := range []string{"@" + xapisim.DefaultUsername + " (" + xapisim.DefaultUserID + ")", wantMethod, "follows.write offline.access", "Credential file: " + filepath.Join(dir, "credentials.json"), "api:     " + api, "(in 2h00m)"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("status lacks %q:\n%s", want, stdout)
				}
			}
			if code != exitOK {
				t.Errorf("status exit %d", code)
			}

			code, stdout, _ = runCLI(t, environ, "", "auth", "status", "--json")
			all.WriteString(stdout)
			var doc statusDoc
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != exitOK {
				t.Fatalf("status --json: %v (exit %d)\n%s", err, code, stdout)
			}
			if doc.InUse != "store" || len(doc.Accounts) != 1 || doc.Accounts[0].UserID != xapisim.DefaultUserID || doc.Accounts[0].Confidential != (secret != "") {
				t.Errorf("status --json: %+v", doc)
			}

			code, stdout, stderr = runCLI(t, environ, "", "auth", "logout")
			all.WriteString(stdout + stderr)
			if code != exitOK || !strings.Contains(stderr, "Revoked the tokens of @"+xapisim.DefaultUsername) || !strings.Contains(stderr, "Removed @") {
				t.Errorf("logout exit %d:\n%s", code, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "credentials.json")); !os.IsNotExist(err) {
				t.Errorf("credential file still there: %v", err)
			}
			// The server no longer accepts the revoked refresh token.
			if st := refreshStatus(t, api, secrets[1], secret); st != http.StatusBadRequest {
				t.Errorf("revoked refresh token: token endpoint answered %d", st)
			}

			code, _, stderr = runCLI(t, environ, "", "auth", "logout")
			if code != exitOK || !strings.Contains(stderr, "No stored accounts") {
				t.Errorf("second logout: exit %d\n%s", code, stderr)
			}
			code, _, stderr = runCLI(t, environ, "", "auth", "status")
			all.WriteString(stderr)
			if code != exitPerson || !strings.Contains(stderr, "bulkunfollow auth login") {
				t.Errorf("status after logout: exit %d\n%s", code, stderr)
			}
			assertNoSecret(t, all.String(), append(secrets, secret)...)
		})
	}
}

func refreshStatus(t *testing.T, api, refreshToken, secret string) int {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	if secret == "" {
		form.Set("client_id", authTestClient)
	}
	req, _ := http.NewRequest(http.MethodPost, api+"/2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(authTestClient, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// pasteWriter is stderr for a headless login: when the authorize address
// appears, a "browser elsewhere" approves it and the person pastes the
// address it ended on into stdin.
type pasteWriter struct {
	t    *testing.T
	s    *xapisim.Server
	buf  bytes.Buffer
	mu   sync.Mutex
	pw   *io.PipeWriter
	once sync.Once
	code string
}

func (p *pasteWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for _, f := range strings.Fields(p.buf.String()) {
		if strings.Contains(f, "/i/oauth2/authorize?") {
			p.once.Do(func() { go p.approve(f) })
		}
	}
	return len(b), nil
}

func (p *pasteWriter) approve(authURL string) {
	u, _ := url.Parse(authURL)
	p.s.AddClient(xapisim.Client{ID: authTestClient, RedirectURIs: []string{u.Query().Get("redirect_uri")}})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		p.t.Error(err)
		return
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	lu, _ := url.Parse(loc)
	p.mu.Lock()
	p.code = lu.Query().Get("code")
	p.mu.Unlock()
	io.WriteString(p.pw, loc+"\n")
}

func TestAuthLoginPasteNoBrowser(t *testing.T) {
	s, api := authSim(t)
	old := openBrowser
	t.Cleanup(func() { openBrowser = old })
	openBrowser = func(context.Context, string) error { t.Error("browser opened despite --no-browser"); return nil }
	dir := t.TempDir()
	pr, pw := io.Pipe()
	defer pw.Close()
	stderr := &pasteWriter{t: t, s: s, pw: pw}
	var stdout bytes.Buffer
	e := &cli{stdin: pr, stdout: &stdout, stderr: stderr, getenv: func(k string) string {
		return map[string]string{"BULKUNFOLLOW_CONFIG_DIR": dir, "BULKUNFOLLOW_CLIENT_ID": authTestClient}[k]
	}}
	code := e.main(context.Background(), []string{"auth", "login", "--no-browser", "--api-base-url", api, "--redirect-uri", "http://127.0.0.1:0/cb", "--log-level", "debug"})
	out := stderr.buf.String()
	if code != exitOK || !strings.Contains(out, "Logged in as @"+xapisim.DefaultUsername) || !strings.Contains(out, "paste here the whole address") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	assertNoSecret(t, out+stdout.String(), append(storedSecrets(t, dir), stderr.code)...)
}

func TestAuthLoginOAuth1(t *testing.T) {
	s := xapisim.New(xapisim.Config{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	environ := map[string]string{
		"BULKUNFOLLOW_CONFIG_DIR":             t.TempDir(),
		"BULKUNFOLLOW_API_BASE_URL":           srv.URL,
		"BULKUNFOLLOW_OAUTH1_CONSUMER_KEY":    "consumer-key-1",
		"BULKUNFOLLOW_OAUTH1_CONSUMER_SECRET": "consumer-secret-1",
		"BULKUNFOLLOW_OAUTH1_TOKEN":           "access-token-1",
		"BULKUNFOLLOW_OAUTH1_TOKEN_SECRET":    "token-secret-1",
	}
	s.AddOAuth1(xapisim.OAuth1Credentials{ConsumerKey: "consumer-key-1", ConsumerSecret: "consumer-secret-1",
		Token: "access-token-1", TokenSecret: "token-secret-1", UserID: xapisim.DefaultUserID})
	code, stdout, stderr := runCLI(t, environ, "", "auth", "login", "--oauth1", "--log-level", "debug")
	if code != exitOK || !strings.Contains(stderr, "OAuth 1.0a user context") || !strings.Contains(stderr, "takes precedence") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	// Stored: the environment can go.
	for k := range environ {
		if strings.HasPrefix(k, "BULKUNFOLLOW_OAUTH1_") {
			delete(environ, k)
		}
	}
	code, status, _ := runCLI(t, environ, "", "auth", "status")
	if code != exitOK || !strings.Contains(status, "expires: never") {
		t.Errorf("status exit %d:\n%s", code, status)
	}
	code, _, logout := runCLI(t, environ, "", "auth", "logout")
	if code != exitOK || !strings.Contains(logout, "cannot be revoked through the API") {
		t.Errorf("logout exit %d:\n%s", code, logout)
	}
	assertNoSecret(t, stdout+stderr+status+logout, "consumer-secret-1", "access-token-1", "token-secret-1")
}

func TestAuthLoginUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		environ map[string]string
		code    int
		want    string
	}{
		{"no client id", []string{"auth", "login"}, nil, exitUsage, "--client-id YOUR_CLIENT_ID"},
		{"secret as a flag is refused", []string{"auth", "login", "--client-secret", "x"}, nil, exitUsage, "unknown flag --client-secret"},
		{"non-loopback redirect", []string{"auth", "login", "--client-id", "c", "--redirect-uri", "http://192.168.1.5:8976/callback"}, nil, exitPerson, "must be a loopback address"},
		{"partial OAuth 1.0a keys", []string{"auth", "login", "--oauth1"}, map[string]string{"BULKUNFOLLOW_OAUTH1_TOKEN": "t-123456"}, exitUsage, "BULKUNFOLLOW_OAUTH1_CONSUMER_KEY"},
		{"unknown subcommand", []string{"auth", "logn"}, nil, exitUsage, "bulkunfollow auth login"},
		{"no subcommand", []string{"auth"}, nil, exitUsage, "BULKUNFOLLOW_ACCESS_TOKEN"},
		{"missing secret file", []string{"auth", "login", "--client-id", "c", "--client-secret-file", "/nonexistent/secret"}, nil, exitPerson, "read client secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			environ := map[string]string{"BULKUNFOLLOW_CONFIG_DIR": t.TempDir()}
			for k, v := range tt.environ {
				environ[k] = v
			}
			code, _, stderr := runCLI(t, environ, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s", code, tt.code, stderr)
			}
		})
	}
}

func putCred(t *testing.T, dir string, c auth.Credential) {
	t.Helper()
	if err := auth.NewStore(dir, nil).Put(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func TestAuthSeveralAccounts(t *testing.T) {
	dir := t.TempDir()
	// An API that cannot be reached: revoking fails, deleting goes on.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	for _, c := range []auth.Credential{
		{Method: auth.MethodOAuth2, UserID: "11", Username: "alice", APIBaseURL: dead.URL, ClientID: "c", AccessToken: "alice-access-token", RefreshToken: "alice-refresh-token"},
		{Method: auth.MethodOAuth2, UserID: "22", Username: "bob", APIBaseURL: dead.URL, ClientID: "c", AccessToken: "bob-access-token", RefreshToken: "bob-refresh-token"},
	} {
		putCred(t, dir, c)
	}
	environ := map[string]string{"BULKUNFOLLOW_CONFIG_DIR": dir}
	code, stdout, _ := runCLI(t, environ, "", "auth", "status")
	if code != exitOK || !strings.Contains(stdout, "@alice (11)") || !strings.Contains(stdout, "@bob (22)") {
		t.Errorf("status exit %d:\n%s", code, stdout)
	}
	code, _, stderr := runCLI(t, environ, "", "auth", "logout")
	if code != exitPerson || !strings.Contains(stderr, "@alice (11), @bob (22)") || !strings.Contains(stderr, "--account") {
		t.Errorf("logout without --account: exit %d\n%s", code, stderr)
	}
	code, stdout, _ = runCLI(t, environ, "", "auth", "status", "--account", "@BOB")
	if code != exitOK || strings.Contains(stdout, "alice") || !strings.Contains(stdout, "@bob") {
		t.Errorf("status --account: exit %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, environ, "", "auth", "logout", "--account", "bob")
	if code != exitOK || !strings.Contains(stderr, "Warning: could not revoke the tokens of @bob") || !strings.Contains(stderr, "Removed @bob") {
		t.Errorf("logout with X unreachable: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, environ, "", "auth", "logout", "--all")
	if code != exitOK || !strings.Contains(stderr, "Removed @alice") {
		t.Errorf("logout --all: exit %d\n%s", code, stderr)
	}
	assertNoSecret(t, stdout+stderr, "alice-access-token", "alice-refresh-token", "bob-access-token", "bob-refresh-token")
}

func TestAuthStatusEnvironment(t *testing.T) {
	environ := map[string]string{"BULKUNFOLLOW_CONFIG_DIR": t.TempDir(), "BULKUNFOLLOW_ACCESS_TOKEN": "ready-bearer-token"}
	code, stdout, stderr := runCLI(t, environ, "", "auth", "status")
	if code != exitOK || !strings.Contains(stdout, "In use: BULKUNFOLLOW_ACCESS_TOKEN") {
		t.Errorf("exit %d:\n%s%s", code, stdout, stderr)
	}
	assertNoSecret(t, stdout+stderr, "ready-bearer-token")
}

// "auth login --config-dir shared/" on a 1777 directory holding another
// user's file is refused before any browser opens: exit 1, the reason and
// what to do instead, and the directory keeps its mode and sticky bit.
func TestAuthLoginRefusesSharedConfigDir(t *testing.T) {
	s, api := authSim(t)
	fb := useFakeBrowser(t, s, "")
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	const mode = 0o777 | os.ModeSticky
	if err := os.Chmod(shared, mode); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(shared, "someone-elses.txt")
	if err := os.WriteFile(other, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(other, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, map[string]string{"BULKUNFOLLOW_CLIENT_ID": authTestClient, "BULKUNFOLLOW_API_BASE_URL": api},
		"", "auth", "login", "--log-format", "text", "--config-dir", shared, "--redirect-uri", "http://127.0.0.1:0/callback")
	if code != exitPerson {
		t.Errorf("exit %d, want %d", code, exitPerson)
	}
	for _, want := range []string{"credential directory " + shared, "sticky bit, so it is a shared directory", "Hint:", "directory of your own"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if fi, err := os.Stat(shared); err != nil || fi.Mode() != os.ModeDir|mode {
		t.Errorf("shared directory mode %v (%v), want %v", fi.Mode(), err, os.ModeDir|mode)
	}
	if fb.opened != 0 {
		t.Errorf("the browser was opened before the directory was checked")
	}
}

// A token with a line break (pasted from a file) is a configuration error
// found before any request: before the fix, run sent users/me five times
// (each failing locally, like a network error) and exited 75 with "X could
// not be reached". Now run and auth status exit 1 naming the variable and
// never showing the value, and X hears nothing.
func TestControlCharacterInTokenIsAConfigError(t *testing.T) {
	var requests atomic.Int64
	x := newE2E(t, xapisim.Config{}, 2, 2, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			h.ServeHTTP(w, r)
		})
	})
	x.environ["BULKUNFOLLOW_ACCESS_TOKEN"] = "abc\ndef"
	code, out := x.run(t, "--log-format", "text", "--yes")
	if code != exitPerson {
		t.Errorf("run exit %d, want %d:\n%s", code, exitPerson, out)
	}
	for _, want := range []string{"BULKUNFOLLOW_ACCESS_TOKEN contains a line break", "not a valid credential", "Hint:"} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "could not be reached") {
		t.Errorf("reported as an outage:\n%s", out)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached X, want none", n)
	}

	code, stdout, stderr := x.cli(t, "auth", "status")
	if code != exitPerson || !strings.Contains(stderr, "BULKUNFOLLOW_ACCESS_TOKEN contains a line break") || strings.Contains(stdout, "In use") {
		t.Errorf("auth status exit %d:\n%s%s", code, stdout, stderr)
	}
	assertNoSecret(t, out+stdout+stderr, "abc\ndef")
	for _, s := range []string{out, stdout, stderr} {
		if strings.Contains(s, "abc") {
			t.Errorf("output shows a part of the token:\n%s", s)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached X, want none", n)
	}
}

// An X that echoes the Authorization header into a problem detail and a
// response header: the run's error and every log line (debug, JSON; the
// first answers are 503s, retried and logged) show the detail with the
// token replaced, never the token.
func TestRunRedactsEchoedToken(t *testing.T) {
	var calls atomic.Int64
	x := newE2E(t, xapisim.Config{}, 2, 2, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/2/users/me" {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("X-Echo", r.Header.Get("Authorization"))
			w.Header().Set("Content-Type", "application/problem+json")
			status := http.StatusForbidden
			if calls.Add(1) <= 2 {
				status = http.StatusServiceUnavailable
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"title": "Forbidden", "type": "about:blank",
				"detail": "request with " + r.Header.Get("Authorization") + " is not allowed"})
		})
	})
	code, out := x.run(t, "--yes", "--log-level", "debug")
	if code == exitOK {
		t.Fatalf("run succeeded against a refusing X:\n%s", out)
	}
	if !strings.Contains(out, `"event":"error","exit_code":1,`) || !strings.Contains(out, `"message":"ask X who is signed in: me: 403 Forbidden: request with [REDACTED] is not allowed"`) {
		t.Errorf("the redacted detail is not shown:\n%s", out)
	}
	if n := strings.Count(out, `"level":"warn"`); n < 2 || strings.Count(out, "request with [REDACTED]") < 3 {
		t.Errorf("the retried 503s are not logged with their detail (%d warnings):\n%s", n, out)
	}
	assertNoSecret(t, out, x.token)
}

// TestAuthLoginInterrupted: Ctrl-C while the login waits for X takes the
// signal path of every command that writes: exit 75, nothing stored.
func TestAuthLoginInterrupted(t *testing.T) {
	s, api := authSim(t)
	s.AddClient(xapisim.Client{ID: authTestClient, RedirectURIs: []string{"http://127.0.0.1:0/cb"}})
	sigs := make(chan chan<- os.Signal, 1)
	old := openBrowser
	t.Cleanup(func() { openBrowser = old })
	openBrowser = func(context.Context, string) error {
		(<-sigs) <- os.Interrupt // the person gives up instead of signing in
		return nil
	}
	dir := t.TempDir()
	var stderr bytes.Buffer
	e := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
		getenv: func(k string) string {
			return map[string]string{"BULKUNFOLLOW_CONFIG_DIR": dir, "BULKUNFOLLOW_CLIENT_ID": authTestClient}[k]
		},
		notify: func(ch chan<- os.Signal) { sigs <- ch },
	}
	code := e.main(t.Context(), []string{"auth", "login", "--api-base-url", api, "--redirect-uri", "http://127.0.0.1:0/cb"})
	if code != exitTempFail || !strings.Contains(stderr.String(), "interrupted: nothing was stored") {
		t.Fatalf("exit %d, want %d and interrupted:\n%s", code, exitTempFail, stderr.String())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		for _, ent := range ents {
			if strings.HasPrefix(ent.Name(), "credentials.json") {
				t.Errorf("an interrupted login stored %s", ent.Name())
			}
		}
	}
}
