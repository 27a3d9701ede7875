package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

const testClientID = "test-client-id"

func loginOptions(s *sim, b *browser, secret string, log io.Writer) LoginOptions {
	return LoginOptions{
		ClientID:     testClientID,
		ClientSecret: secret,
		APIBaseURL:   s.URL,
		RedirectURI:  "http://127.0.0.1:0/callback",
		OpenBrowser:  b.open,
		Out:          log,
		Now:          s.clock.Now,
		Log:          zerolog.New(log).Level(zerolog.TraceLevel),
	}
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name    string
		auto    bool // AutoApprove, else the consent button
		secret  string
		wantRef bool
	}{
		{name: "auto-approve public client", auto: true},
		{name: "consent button public client"},
		{name: "confidential client with Basic", auto: true, secret: "s3cr3t-client-secret"},
		{name: "confidential client via consent", secret: "another-client-secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, xapisim.Config{AutoApprove: tt.auto})
			b := newBrowser(t, s, testClientID, tt.secret)
			b.consent = !tt.auto
			out := &testkit.SyncBuffer{}
			o := loginOptions(s, b, tt.secret, out)
			var bound net.Addr
			o.onListen = func(a net.Addr) { bound = a }

			c, err := Login(context.Background(), o)
			if err != nil {
				t.Fatalf("Login: %v\n%s", err, out)
			}
			if c.UserID != xapisim.DefaultUserID || c.Username != xapisim.DefaultUsername {
				t.Errorf("labelled %s, want @%s (%s)", c.Label(), xapisim.DefaultUsername, xapisim.DefaultUserID)
			}
			if c.Method != MethodOAuth2 || c.AccessToken == "" || c.RefreshToken == "" {
				t.Errorf("credential lacks tokens: %v access=%t refresh=%t", c, c.AccessToken != "", c.RefreshToken != "")
			}
			if want := s.clock.Now().Add(xapisim.DefaultTokenLifetime); !c.Expiry.Equal(want) {
				t.Errorf("expiry %v, want %v (on the injected clock)", c.Expiry, want)
			}
			if strings.Join(c.Scopes, " ") != strings.Join(DefaultScopes, " ") {
				t.Errorf("scopes %v", c.Scopes)
			}
			if c.ClientSecret != tt.secret {
				t.Errorf("client secret not kept for refreshes")
			}
			if tcp, ok := bound.(*net.TCPAddr); !ok || !tcp.IP.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Errorf("listener bound to %v, want 127.0.0.1", bound)
			}
			status, page := b.result()
			if status != http.StatusOK || !strings.Contains(page, "Signed in as @"+xapisim.DefaultUsername) ||
				!strings.Contains(page, "return to the terminal") || !strings.Contains(page, "bulkunfollow run") {
				t.Errorf("success page (%d) does not say what to do next:\n%s", status, page)
			}
			// The listener is closed once Login returns.
			if conn, err := net.DialTimeout("tcp", bound.String(), time.Second); err == nil {
				conn.Close()
				t.Errorf("listener %v still accepts connections after Login", bound)
			}
			if !strings.Contains(out.String(), "/i/oauth2/authorize?") {
				t.Errorf("authorize URL not printed:\n%s", out)
			}
			assertNoSecrets(t, out.String(), append(b.codes, c.AccessToken, c.RefreshToken, tt.secret)...)
		})
	}
}

func TestLoginRejects(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(s *sim, b *browser)
		want    string
		relogin bool
	}{
		{
			name: "expired code",
			setup: func(s *sim, b *browser) {
				b.beforeRedirect = func() { s.clock.Advance(xapisim.DefaultCodeLifetime + time.Second) }
			},
			want:    "did not accept the authorization code",
			relogin: true,
		},
		{
			name:  "denied in the browser",
			setup: func(*sim, *browser) {},
			want:  "cancelled",
		},
		{
			name:  "wrong client secret",
			setup: func(_ *sim, b *browser) { b.secret = "the-registered-secret" },
			want:  "refused the client credentials",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, xapisim.Config{AutoApprove: tt.name != "denied in the browser"})
			b := newBrowser(t, s, testClientID, "")
			tt.setup(s, b)
			out := &testkit.SyncBuffer{}
			o := loginOptions(s, b, "", out)
			if tt.name == "wrong client secret" {
				o.ClientSecret = "not-the-secret"
			}
			if tt.name == "denied in the browser" {
				o.OpenBrowser = func(ctx context.Context, u string) error {
					pu, _ := url.Parse(u)
					s.AddClient(xapisim.Client{ID: testClientID, RedirectURIs: []string{pu.Query().Get("redirect_uri")}})
					go denyConsent(t, s, u)
					return nil
				}
			}
			_, err := Login(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Login error %v, want %q", err, tt.want)
			}
			if got := isLoginRequired(err); got != tt.relogin {
				t.Errorf("errors.Is(ErrLoginRequired) = %t, want %t", got, tt.relogin)
			}
			assertNoSecrets(t, out.String()+err.Error(), append(b.codes, "not-the-secret")...)
		})
	}
}

// denyConsent presses "Cancel" on the consent page and follows the
// redirect to the listener.
func denyConsent(t *testing.T, s *sim, authURL string) {
	resp, err := http.Get(authURL)
	if err != nil {
		t.Errorf("deny: %v", err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := consentForm(t, string(body))
	form.Set("decision", "deny")
	resp, err = http.PostForm(s.URL+"/i/oauth2/authorize", form)
	if err != nil {
		t.Errorf("deny: %v", err)
		return
	}
	resp.Body.Close()
}

func TestLoginPaste(t *testing.T) {
	tests := []struct {
		name  string
		paste func(location string) string
	}{
		{"full redirect address", func(loc string) string { return loc }},
		{"bare code", func(loc string) string { u, _ := url.Parse(loc); return u.Query().Get("code") }},
		{"query only, quoted", func(loc string) string { u, _ := url.Parse(loc); return `"` + u.RawQuery + `"` }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, xapisim.Config{AutoApprove: true})
			pr, pw := io.Pipe()
			defer pw.Close()
			out := &testkit.SyncBuffer{}
			var location string
			o := loginOptions(s, nil, "", out)
			o.Paste = pr
			// No browser here: the person opens the address elsewhere and
			// pastes where it ended. The listener never hears from it.
			o.OpenBrowser = func(_ context.Context, authURL string) error {
				u, _ := url.Parse(authURL)
				s.AddClient(xapisim.Client{ID: testClientID, RedirectURIs: []string{u.Query().Get("redirect_uri")}})
				go func() {
					location = authorizeElsewhere(t, authURL)
					io.WriteString(pw, "\nnot a code!\n"+tt.paste(location)+"\n")
				}()
				return errors.New("no graphical session")
			}
			c, err := Login(context.Background(), o)
			if err != nil {
				t.Fatalf("Login: %v\n%s", err, out)
			}
			if c.UserID != xapisim.DefaultUserID {
				t.Errorf("user %q", c.UserID)
			}
			if !strings.Contains(out.String(), "Could not open a browser: no graphical session") ||
				!strings.Contains(out.String(), "does not look like an address or a code") {
				t.Errorf("output does not explain the fallback:\n%s", out)
			}
			u, _ := url.Parse(location)
			assertNoSecrets(t, out.String(), u.Query().Get("code"), c.AccessToken, c.RefreshToken)
		})
	}
}

// The listener and the paste race: the browser answer wins while stdin
// stays silent.
func TestLoginListenerWinsOverSilentStdin(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	b := newBrowser(t, s, testClientID, "")
	pr, pw := io.Pipe()
	defer pw.Close()
	o := loginOptions(s, b, "", io.Discard)
	o.Paste = pr
	if _, err := Login(context.Background(), o); err != nil {
		t.Fatal(err)
	}
}

func TestLoginTimeout(t *testing.T) {
	s := newSim(t, xapisim.Config{})
	o := loginOptions(s, nil, "", io.Discard)
	o.OpenBrowser = nil
	o.Paste = strings.NewReader("") // stdin at EOF (cron): keep waiting for the listener
	o.Timeout = time.Millisecond
	_, err := Login(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "no answer within 1ms") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRedirect(t *testing.T) {
	tests := []struct {
		uri, bind string // bind "" = refused
	}{
		{"http://127.0.0.1:8976/callback", "127.0.0.1:8976"},
		{"http://localhost:8976/callback", "127.0.0.1:8976"},
		{"http://[::1]:9000/cb", "[::1]:9000"},
		{"http://127.0.0.1/cb", "127.0.0.1:80"},
		{"http://0.0.0.0:8976/callback", ""},
		{"http://192.168.1.10:8976/callback", ""},
		{"http://example.com:8976/callback", ""},
		{"https://127.0.0.1:8976/callback", ""},
		{"127.0.0.1:8976/callback", ""},
	}
	for _, tt := range tests {
		_, bind, err := parseRedirect(tt.uri)
		if tt.bind == "" {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%s: err = %v, want a refusal", tt.uri, err)
			}
			continue
		}
		if err != nil || bind != tt.bind {
			t.Errorf("%s: bind %q, %v; want %q", tt.uri, bind, err, tt.bind)
		}
	}
}

func TestParsePaste(t *testing.T) {
	tests := []struct {
		in                string
		code, state, fail string
		checkState        bool
	}{
		{in: "http://127.0.0.1:8976/callback?state=st&code=abc-DEF_1", code: "abc-DEF_1", state: "st", checkState: true},
		{in: "  <http://127.0.0.1:8976/callback?code=c1&state=s1#_>  ", code: "c1", state: "s1", checkState: true},
		{in: "code=c2&state=s2", code: "c2", state: "s2", checkState: true},
		{in: "Zm9vYmFyLmJhei1xdXV4", code: "Zm9vYmFyLmJhei1xdXV4"},
		{in: "http://127.0.0.1:8976/callback?state=s", fail: "no code"},
		{in: "a code with spaces", fail: "does not look like"},
	}
	for _, tt := range tests {
		cb, err := parsePaste(tt.in)
		if tt.fail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.fail) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.fail)
			}
			if err != nil && strings.Contains(err.Error(), tt.in) {
				t.Errorf("%q: the error repeats the input", tt.in)
			}
			continue
		}
		if err != nil || cb.code != tt.code || cb.state != tt.state || cb.checkState != tt.checkState {
			t.Errorf("%q: got %+v, %v", tt.in, cb, err)
		}
	}
}

func TestLoginOAuth1(t *testing.T) {
	s := newSim(t, xapisim.Config{Now: time.Now}) // OAuth 1.0a timestamps are on the real clock
	keys := apiclient.OAuth1Credentials{ConsumerKey: "ck-123456", ConsumerSecret: "cs-123456", Token: "tok-123456", TokenSecret: "ts-123456"}
	s.AddOAuth1(xapisim.OAuth1Credentials{ConsumerKey: keys.ConsumerKey, ConsumerSecret: keys.ConsumerSecret,
		Token: keys.Token, TokenSecret: keys.TokenSecret, UserID: xapisim.DefaultUserID})
	c, err := LoginOAuth1(context.Background(), keys, s.URL, nil, s.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != MethodOAuth1 || c.UserID != xapisim.DefaultUserID || c.Username != xapisim.DefaultUsername || c.TokenSecret != keys.TokenSecret {
		t.Errorf("got %v", c)
	}
	bad := keys
	bad.TokenSecret = "wrong-secret"
	_, err = LoginOAuth1(context.Background(), bad, s.URL, nil, s.clock.Now)
	var me *apiclient.Error
	if !errors.As(err, &me) || me.Status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: err = %v, want a 401 *apiclient.Error", err)
	}
	assertNoSecrets(t, err.Error(), bad.TokenSecret, bad.ConsumerSecret)
}

// An error answer with a foreign state (a stale tab, or another local
// process poking the listener) does not abort the login: the real answer
// still completes it.
func TestLoginIgnoresForeignErrorAnswer(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	b := newBrowser(t, s, testClientID, "")
	o := loginOptions(s, b, "", io.Discard)
	forged := make(chan int, 1)
	o.OpenBrowser = func(ctx context.Context, u string) error {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		go func() {
			status := 0
			if resp, err := http.Get(pu.Query().Get("redirect_uri") + "?error=access_denied&state=not-this-login"); err == nil {
				resp.Body.Close()
				status = resp.StatusCode
			}
			forged <- status
			_ = b.open(ctx, u)
		}()
		return nil
	}
	c, err := Login(context.Background(), o)
	if err != nil {
		t.Fatalf("Login after a foreign error answer: %v", err)
	}
	if status := <-forged; status != http.StatusBadRequest || c.UserID != xapisim.DefaultUserID {
		t.Errorf("forged answer status %d, credential for %q", status, c.UserID)
	}
}

// forgeAnswer sends the listener at redirectURI an answer with a code and
// a state that are not this login's, as any local process or web page
// could, and returns the status and page it got.
func forgeAnswer(t *testing.T, redirectURI string) (int, string) {
	resp, err := http.Get(redirectURI + "?code=forged-code-123456&state=not-this-login")
	if err != nil {
		t.Errorf("forged answer: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(page)
}

// A forged answer with a valid-looking code and a wrong state is refused
// with an error page and ignored: the real answer that follows completes
// the login, and the forged code is never exchanged.
func TestLoginIgnoresForgedCodeAnswer(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	b := newBrowser(t, s, testClientID, "")
	out := &testkit.SyncBuffer{}
	o := loginOptions(s, b, "", out)
	type answer struct {
		status int
		page   string
	}
	forged := make(chan answer, 1)
	o.OpenBrowser = func(ctx context.Context, u string) error {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		go func() {
			st, page := forgeAnswer(t, pu.Query().Get("redirect_uri"))
			forged <- answer{st, page}
			_ = b.open(ctx, u)
		}()
		return nil
	}
	c, err := Login(context.Background(), o)
	if err != nil {
		t.Fatalf("Login after a forged answer: %v\n%s", err, out)
	}
	if c.UserID != xapisim.DefaultUserID {
		t.Errorf("credential for %q", c.UserID)
	}
	f := <-forged
	if f.status != http.StatusBadRequest || !strings.Contains(f.page, "Not for this sign-in") {
		t.Errorf("forged answer got %d:\n%s", f.status, f.page)
	}
	if status, page := b.result(); status != http.StatusOK || !strings.Contains(page, "Signed in as") {
		t.Errorf("real answer got %d:\n%s", status, page)
	}
	if n := s.exchanges.Load(); n != 1 {
		t.Errorf("%d code exchanges, want 1 (the forged code must not be exchanged)", n)
	}
	if !strings.Contains(out.String(), "does not belong to this sign-in") {
		t.Errorf("the ignored answer is not mentioned:\n%s", out)
	}
}

// With only a forged answer, the login waits for the real one until its
// timeout, and then says that an answer with a wrong state was ignored.
func TestLoginForgedAnswerOnlyEndsAtTimeout(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	o := loginOptions(s, nil, "", io.Discard)
	expire := make(chan time.Time)
	o.after = func(d time.Duration) <-chan time.Time {
		if d != DefaultLoginTimeout {
			t.Errorf("timeout %v, want %v", d, DefaultLoginTimeout)
		}
		return expire
	}
	forged := make(chan int, 1)
	o.OpenBrowser = func(_ context.Context, u string) error {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		go func() {
			// The listener answers only after Login has handled the
			// answer: the timeout fires after it was ignored.
			st, _ := forgeAnswer(t, pu.Query().Get("redirect_uri"))
			forged <- st
			close(expire)
		}()
		return nil
	}
	_, err := Login(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "no answer within 5m0s") ||
		!strings.Contains(err.Error(), "1 answer with a wrong state was ignored") {
		t.Fatalf("Login err = %v, want the timeout naming the ignored answer", err)
	}
	if strings.Contains(err.Error(), "state mismatch") {
		t.Errorf("the forged answer ended the login: %v", err)
	}
	if st := <-forged; st != http.StatusBadRequest {
		t.Errorf("forged answer got %d, want 400", st)
	}
	if n := s.exchanges.Load(); n != 0 {
		t.Errorf("the forged code was exchanged (%d exchanges)", n)
	}
}

// A pasted address with a wrong state does not end the login either: the
// person is told and can paste the right one.
func TestLoginPasteWrongStateKeepsWaiting(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &testkit.SyncBuffer{}
	o := loginOptions(s, nil, "", out)
	o.Paste = pr
	o.OpenBrowser = func(_ context.Context, authURL string) error {
		u, _ := url.Parse(authURL)
		s.AddClient(xapisim.Client{ID: testClientID, RedirectURIs: []string{u.Query().Get("redirect_uri")}})
		go func() {
			loc := authorizeElsewhere(t, authURL)
			io.WriteString(pw, "http://127.0.0.1:8976/callback?code=forged-code-123456&state=old-login\n"+loc+"\n")
		}()
		return nil
	}
	c, err := Login(context.Background(), o)
	if err != nil || c.UserID != xapisim.DefaultUserID {
		t.Fatalf("Login: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "belongs to another sign-in") {
		t.Errorf("the wrong paste is not explained:\n%s", out)
	}
	if n := s.exchanges.Load(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}
