package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
)

// DefaultLoginTimeout is how long Login waits for the browser or a paste.
const DefaultLoginTimeout = 5 * time.Minute

// LoginOptions configure an OAuth 2.0 Authorization Code + PKCE login.
type LoginOptions struct {
	ClientID string
	// ClientSecret makes the client confidential: the token and revoke
	// endpoints are then called with HTTP Basic. Empty = public client.
	ClientSecret string
	APIBaseURL   string        // "" = DefaultAPIBaseURL; token URL is <base>/2/oauth2/token
	AuthorizeURL string        // "" = AuthorizeURLFor(APIBaseURL)
	RedirectURI  string        // "" = DefaultRedirectURI; must be http on a loopback host
	Scopes       []string      // nil = DefaultScopes
	Timeout      time.Duration // 0 = DefaultLoginTimeout

	// OpenBrowser opens the authorize URL; nil means do not try. Its
	// failure is reported and the login goes on (the URL is printed).
	OpenBrowser func(ctx context.Context, url string) error
	// Paste is read line by line while waiting (usually stdin): a person
	// without a browser on this machine pastes the address the browser
	// was redirected to, or just the code. nil = listener only.
	Paste io.Reader
	// Out gets the URL and instructions (usually stderr).
	Out io.Writer

	Transport http.RoundTripper // for the token exchange and /2/users/me
	Now       func() time.Time
	Log       zerolog.Logger

	onListen func(net.Addr) // tests: the listener's address
	// after, set by tests, replaces time.After for the login's timeout.
	after func(time.Duration) <-chan time.Time
}

// Login runs the OAuth 2.0 Authorization Code flow with PKCE (S256) and a
// random state: it listens on the loopback redirect URI, prints the
// authorize URL (and opens a browser when asked), waits for the redirect
// or a pasted URL/code, whichever comes first, exchanges the code, and
// labels the credential through GET /2/users/me. The listener is closed
// before Login returns. The credential is returned, not stored.
func Login(ctx context.Context, o LoginOptions) (Credential, error) {
	if o.ClientID == "" {
		return Credential{}, &ConfigError{Msg: "login: no OAuth 2.0 client id: set --client-id or BULKUNFOLLOW_CLIENT_ID (from your app's \"Keys and tokens\" page)"}
	}
	if o.APIBaseURL == "" {
		o.APIBaseURL = DefaultAPIBaseURL
	}
	if o.RedirectURI == "" {
		o.RedirectURI = DefaultRedirectURI
	}
	if o.Scopes == nil {
		o.Scopes = DefaultScopes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultLoginTimeout
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	redirect, bind, err := parseRedirect(o.RedirectURI)
	if err != nil {
		return Credential{}, err
	}

	// The timeout ends everything the login does (waiting, the exchange,
	// users/me) by cancelling ctx with errLoginTimeout as the cause.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	after := o.after
	if after == nil {
		after = time.After
	}
	expired := after(o.Timeout)
	go func() {
		select {
		case <-expired:
			cancel(errLoginTimeout)
		case <-ctx.Done():
		}
	}()

	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return Credential{}, fmt.Errorf("login: listen on %s for the redirect: %w (is another login running? change it with --redirect-uri, registered in your app too)", bind, err)
	}
	if o.onListen != nil {
		o.onListen(ln.Addr())
	}
	if redirect.Port() == "0" { // tests: take the port the system chose
		redirect.Host = ln.Addr().String()
	}
	callbacks := make(chan callback)
	done := make(chan struct{})
	srv := &http.Server{Handler: callbackHandler(redirect.Path, callbacks, done), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer scancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
	}()
	// Runs before the shutdown above: a late request stops waiting for
	// Login at once instead of holding the shutdown up.
	defer close(done)
	o.Log.Debug().Str("listen", ln.Addr().String()).Msg("waiting for the OAuth redirect")

	state, err := randomState()
	if err != nil {
		return Credential{}, err
	}
	verifier := oauth2.GenerateVerifier()
	cfg := oauthConfig(o.ClientID, o.ClientSecret, o.APIBaseURL, o.AuthorizeURL, redirect.String(), o.Scopes)
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	fmt.Fprintf(o.Out, "Open this address in a browser to let bulkunfollow act for your X account:\n\n  %s\n\n", authURL)
	if o.OpenBrowser != nil {
		if err := o.OpenBrowser(ctx, authURL); err != nil {
			fmt.Fprintf(o.Out, "(Could not open a browser: %v.)\n", err)
		} else {
			fmt.Fprintf(o.Out, "A browser window should have opened.\n")
		}
	}
	fmt.Fprintf(o.Out, "Waiting up to %s for X to send the browser back to %s ...\n", o.Timeout, redirect.String())
	if o.Paste != nil {
		fmt.Fprintf(o.Out, "No browser on this machine? Open the address anywhere, authorize, then paste here the whole address\n"+
			"the browser ended on (it starts with %s?) or just its code, and press Enter.\n", redirect.String())
	}

	pastes := make(chan string)
	if o.Paste != nil {
		go readPastes(o.Paste, pastes, done)
	}

	secrets := []string{o.ClientSecret, verifier}
	foreign := 0 // answers ignored because their state is not this login's
	for {
		var cb callback
		select {
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), errLoginTimeout) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return Credential{}, timeoutError(o.Timeout, foreign)
			}
			return Credential{}, fmt.Errorf("login: %w", ctx.Err())
		case cb = <-callbacks:
		case line, ok := <-pastes:
			if !ok {
				pastes = nil // stdin ended: keep waiting for the browser
				continue
			}
			var perr error
			cb, perr = parsePaste(line)
			if perr != nil {
				fmt.Fprintf(o.Out, "%v. Paste the whole address from the browser's address bar, or just the code.\n", perr)
				continue
			}
		}
		cred, err := o.finish(ctx, cfg, cb, state, verifier, secrets)
		if errors.Is(err, errLoginTimeout) || (err != nil && errors.Is(context.Cause(ctx), errLoginTimeout)) {
			err = timeoutError(o.Timeout, foreign)
		}
		if cb.reply != nil {
			cb.reply <- pageResult{cred: cred, err: err}
		}
		if errors.Is(err, errForeignState) {
			// Anyone on this machine can reach the listener (any local
			// process, or a web page the browser shows): an answer that
			// does not carry this login's state is refused and ignored, so
			// that it cannot end the login the person is doing.
			foreign++
			o.Log.Warn().Str("via", cb.via).Int("ignored", foreign).Msg("ignored an answer that does not belong to this login (wrong state)")
			if cb.via == "paste" {
				fmt.Fprintf(o.Out, "That address belongs to another sign-in (its state does not match): use the address printed above. Still waiting.\n")
			} else if foreign == 1 {
				fmt.Fprintf(o.Out, "(Ignored an answer at %s that does not belong to this sign-in; still waiting for the real one.)\n", redirect.String())
			}
			continue
		}
		if errors.Is(err, errKeepWaiting) {
			continue
		}
		return cred, err
	}
}

var (
	errKeepWaiting = errors.New("not a login answer")
	// errForeignState is an answer whose state is not this login's.
	errForeignState = fmt.Errorf("%w: wrong state", errKeepWaiting)
	errLoginTimeout = errors.New("login timed out")
)

// timeoutError says that no answer came within d, and how many answers
// with a wrong state were ignored meanwhile.
func timeoutError(d time.Duration, foreign int) error {
	msg := fmt.Sprintf("login: no answer within %s", d)
	switch {
	case foreign == 1:
		msg += " (1 answer with a wrong state was ignored: it came from another sign-in, an old browser tab, or another program on this machine)"
	case foreign > 1:
		msg += fmt.Sprintf(" (%d answers with a wrong state were ignored: they came from another sign-in, an old browser tab, or another program on this machine)", foreign)
	}
	return errors.New(msg + ": run bulkunfollow auth login again and use the newest address (with --no-browser, paste the address instead)")
}

// finish checks one answer, exchanges its code and labels the credential.
func (o LoginOptions) finish(ctx context.Context, cfg *oauth2.Config, cb callback, state, verifier string, secrets []string) (Credential, error) {
	if cb.checkState && cb.state != state {
		// An answer that is not for this login (a stale tab, or any local
		// process poking the listener), error or code, must not abort it;
		// its code is never exchanged.
		return Credential{}, errForeignState
	}
	if cb.errCode != "" {
		if cb.errCode == "access_denied" {
			return Credential{}, errors.New("login: the authorization was cancelled in the browser (access_denied)")
		}
		return Credential{}, fmt.Errorf("login: X refused the authorization: %s %s", cb.errCode, truncate(cb.errDesc, 200))
	}
	if cb.code == "" {
		return Credential{}, errKeepWaiting
	}
	secrets = append(secrets, cb.code)
	o.Log.Debug().Str("via", cb.via).Msg("received authorization code; exchanging it")
	hc := &http.Client{Transport: tokenRedactor(o.Transport, newSecretSet(secrets...))}
	tok, err := cfg.Exchange(withHTTPClient(ctx, hc), cb.code, oauth2.VerifierOption(verifier))
	if err != nil {
		err = sanitize("exchange code", err, secrets...)
		var te *TokenError
		if errors.As(err, &te) && te.Rejected() {
			return Credential{}, &LoginRequiredError{Login: "--client-id " + o.ClientID, Reason: "X did not accept the authorization code (codes expire after 30 seconds and work once)", Err: err}
		}
		if errors.As(err, &te) && te.ClientRejected() {
			return Credential{}, &ConfigError{Msg: fmt.Sprintf("login: X refused the client credentials (%s): check --client-id, and the secret in BULKUNFOLLOW_CLIENT_SECRET or --client-secret-file (public clients have none)", te.Code)}
		}
		return Credential{}, fmt.Errorf("login: %w", err)
	}
	if err := checkIssued("login: exchange code", tok); err != nil {
		return Credential{}, err
	}
	now := o.Now()
	c := Credential{
		Method: MethodOAuth2, APIBaseURL: normalizeBase(o.APIBaseURL),
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.Scopes, Created: now.UTC(),
	}
	applyToken(&c, tok, now)
	me := &http.Client{Transport: &bearerTransport{
		base:  redactor(o.Transport, newSecretSet(append(secrets, c.AccessToken, c.RefreshToken)...)),
		token: staticToken(c.AccessToken),
	}}
	u, err := fetchMe(ctx, me, o.APIBaseURL)
	if err != nil {
		return Credential{}, fmt.Errorf("login: find out which account authorized: %w", err)
	}
	c.UserID, c.Username = u.ID, u.Username
	o.Log.Debug().Str("account", c.Label()).Time("expiry", c.Expiry).Bool("refresh_token", c.RefreshToken != "").Msg("logged in")
	return c, nil
}

// LoginOAuth1 checks OAuth 1.0a keys with GET /2/users/me and returns the
// labelled credential to store.
func LoginOAuth1(ctx context.Context, keys apiclient.OAuth1Credentials, apiBase string, transport http.RoundTripper, now func() time.Time) (Credential, error) {
	if keys.Validate() != nil {
		return Credential{}, &ConfigError{Msg: "login: OAuth 1.0a needs all four of " + strings.Join([]string{EnvOAuth1ConsumerKey, EnvOAuth1ConsumerSecret, EnvOAuth1Token, EnvOAuth1TokenSecret}, ", ")}
	}
	if apiBase == "" {
		apiBase = DefaultAPIBaseURL
	}
	if now == nil {
		now = time.Now
	}
	u, err := fetchMe(ctx, &http.Client{Transport: oauth1Transport(transport, keys)}, apiBase)
	if err != nil {
		return Credential{}, fmt.Errorf("login: check the OAuth 1.0a keys: %w", err)
	}
	return Credential{
		Method: MethodOAuth1, UserID: u.ID, Username: u.Username, APIBaseURL: normalizeBase(apiBase),
		ConsumerKey: keys.ConsumerKey, ConsumerSecret: keys.ConsumerSecret, Token: keys.Token, TokenSecret: keys.TokenSecret,
		Created: now().UTC(),
	}, nil
}

// parseRedirect checks that uri is an http URL on a loopback host and
// returns it with the address to listen on.
func parseRedirect(uri string) (*url.URL, string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, "", &ConfigError{Msg: fmt.Sprintf("login: redirect URI %q: want http://127.0.0.1:PORT/PATH (the callback URL registered for your app)", uri)}
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
	}
	bindHost := host
	if strings.EqualFold(host, "localhost") {
		bindHost = "127.0.0.1"
	} else if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, "", &ConfigError{Msg: fmt.Sprintf("login: redirect URI %q: the host must be a loopback address (127.0.0.1, [::1] or localhost) so that only this machine receives the code", uri)}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, net.JoinHostPort(bindHost, port), nil
}

func randomState() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("login: random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// callback is one answer to the login: from the redirect listener or
// pasted.
type callback struct {
	code, state      string
	errCode, errDesc string
	checkState       bool   // false for a bare pasted code
	via              string // "redirect" or "paste"
	reply            chan pageResult
}

type pageResult struct {
	cred Credential
	err  error
}

// callbackHandler serves the redirect path: it hands the answer to Login
// and shows the outcome in the browser.
func callbackHandler(path string, callbacks chan<- callback, done <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		cb := callback{
			code: q.Get("code"), state: q.Get("state"), errCode: q.Get("error"), errDesc: q.Get("error_description"),
			checkState: true, via: "redirect", reply: make(chan pageResult, 1),
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if cb.code == "" && cb.errCode == "" {
			w.WriteHeader(http.StatusBadRequest)
			_ = resultPage.Execute(w, page{Title: "Nothing to do here", Message: "This address receives the answer of an X sign-in. Start one with: bulkunfollow auth login"})
			return
		}
		select {
		case callbacks <- cb:
		case <-done:
			w.WriteHeader(http.StatusGone)
			_ = resultPage.Execute(w, page{Title: "This sign-in is over", Message: "Return to the terminal."})
			return
		}
		var res pageResult
		select {
		case res = <-cb.reply:
		case <-r.Context().Done():
			return
		}
		if errors.Is(res.err, errKeepWaiting) {
			w.WriteHeader(http.StatusBadRequest)
			_ = resultPage.Execute(w, page{Title: "Not for this sign-in", Message: "This answer belongs to another sign-in; the current one is still waiting."})
			return
		}
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_ = resultPage.Execute(w, page{Title: "Sign-in failed", Message: res.err.Error() + ". Return to the terminal."})
			return
		}
		_ = resultPage.Execute(w, page{
			Title:   "Signed in as " + res.cred.Label(),
			Message: "bulkunfollow can now act for " + res.cred.Label() + ". You can close this tab and return to the terminal.",
			Next:    "Next: bulkunfollow import LIST.csv, then bulkunfollow run",
		})
	})
	return mux
}

type page struct{ Title, Message, Next string }

var resultPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} — bulkunfollow</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Next}}<p><code>{{.Next}}</code></p>{{end}}
</body></html>
`))

// readPastes sends every non-empty line of r to out until r ends or done
// closes; it then closes out. A read blocked on a terminal stays blocked
// until the process ends: io.Reader cannot be interrupted.
func readPastes(r io.Reader, out chan<- string, done <-chan struct{}) {
	defer close(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		select {
		case out <- line:
		case <-done:
			return
		}
	}
}

// parsePaste reads a pasted redirect address ("http://127.0.0.1:8976/callback?state=…&code=…"),
// a bare query ("code=…&state=…") or a bare code. Its errors never repeat
// the input.
func parsePaste(line string) (callback, error) {
	line = strings.Trim(strings.TrimSpace(line), `"'<>`)
	if i := strings.IndexByte(line, '?'); i >= 0 || strings.Contains(line, "=") {
		query := line
		if i >= 0 {
			query = line[i+1:]
		}
		if j := strings.IndexByte(query, '#'); j >= 0 {
			query = query[:j]
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return callback{}, errors.New("that does not look like the address the browser was sent to")
		}
		cb := callback{code: q.Get("code"), state: q.Get("state"), errCode: q.Get("error"), errDesc: q.Get("error_description"), checkState: true, via: "paste"}
		if cb.code == "" && cb.errCode == "" {
			return callback{}, errors.New("that address has no code in it")
		}
		return cb, nil
	}
	for _, r := range line {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return callback{}, errors.New("that does not look like an address or a code")
		}
	}
	return callback{code: line, via: "paste"}, nil
}

// OpenBrowser opens url in the person's browser: xdg-open on Linux and
// BSDs (only with a graphical session, so that a text browser never takes
// over the terminal), open on macOS, rundll32 on Windows.
func OpenBrowser(ctx context.Context, url string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name, args = "open", []string{url}
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler", url}
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no graphical session")
		}
		name, args = "xdg-open", []string{url}
	}
	cmd := exec.CommandContext(context.WithoutCancel(ctx), name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
