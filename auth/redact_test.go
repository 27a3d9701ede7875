package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
)

// echoServer is a malicious (or careless) X: every answer echoes what the
// request carried — the Authorization header, the request body (token
// endpoint forms), and extra, the secrets a server could have seen before
// — in a problem+json detail, a text body (path /text) or an OAuth error
// (token and revoke endpoints), and in response headers.
func echoServer(t *testing.T, extra ...string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		echo := "you sent " + auth + " body " + string(body) + " known " + strings.Join(extra, " ")
		w.Header().Set("X-Echo", auth)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+auth+`"`)
		switch {
		case strings.HasPrefix(r.URL.Path, "/2/oauth2/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": echo})
		case r.URL.Path == "/text":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "proxy error: "+echo)
		default:
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"type": "about:blank", "title": "Invalid Request", "detail": echo})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// echoedRequest asks the echo server for path through hc and returns the
// error, what apiclient kept of the answer, and the raw body and headers
// as anything upstream of hc sees them.
func echoedRequest(t *testing.T, hc *http.Client, base string) (string, []string) {
	t.Helper()
	var seen []string
	_, err := apiclient.New(hc, base, "").Me(context.Background())
	var ae *apiclient.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Fatalf("users/me: %v, want the echoed 400", err)
	}
	seen = append(seen, err.Error(), fmt.Sprintf("%+v %#v", err, ae.Problem), ae.Problem.Detail, fmt.Sprint(ae.Header))
	if !strings.Contains(ae.Problem.Detail, "you sent "+Redacted) || !strings.Contains(ae.Problem.Detail, " known ") {
		t.Errorf("the rest of the detail did not survive: %q", ae.Problem.Detail)
	}
	if got := ae.Header.Get("X-Echo"); got != Redacted {
		t.Errorf("echo header = %q, want %s", got, Redacted)
	}
	for _, path := range []string{"/text", "/2/users/me"} {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) {
			t.Errorf("%s: Content-Length %d for a %d-byte body", path, resp.ContentLength, len(body))
		}
		if path == "/text" && !strings.Contains(string(body), "proxy error: you sent "+Redacted) {
			t.Errorf("text body: %q", body)
		}
		seen = append(seen, string(body), fmt.Sprint(resp.Header))
	}
	return err.Error(), seen
}

func TestRedactsEchoedCredentials(t *testing.T) {
	const (
		bearer = "env-bearer-token-123456"
		ck, cs = "consumer-key-123456", "consumer-secret-123456"
		tk, ts = "oauth1-token-123456", "oauth1-token-secret-123456"
	)
	t.Run("BULKUNFOLLOW_ACCESS_TOKEN", func(t *testing.T) {
		srv := echoServer(t)
		log := &testkit.SyncBuffer{}
		hc, _, err := HTTPClient(context.Background(), Options{Dir: t.TempDir(), APIBaseURL: srv.URL,
			Getenv: func(k string) string { return map[string]string{EnvAccessToken: bearer}[k] }, Log: zerolog.New(log).Level(zerolog.TraceLevel)})
		if err != nil {
			t.Fatal(err)
		}
		msg, seen := echoedRequest(t, hc, srv.URL)
		assertNoSecrets(t, strings.Join(seen, "\n")+log.String(), bearer, "Bearer "+bearer)
		if !strings.Contains(msg, "you sent "+Redacted) {
			t.Errorf("error %q lacks the redacted detail", msg)
		}
	})
	t.Run("OAuth 1.0a signature header", func(t *testing.T) {
		srv := echoServer(t)
		env := map[string]string{EnvOAuth1ConsumerKey: ck, EnvOAuth1ConsumerSecret: cs, EnvOAuth1Token: tk, EnvOAuth1TokenSecret: ts}
		hc, _, err := HTTPClient(context.Background(), Options{Dir: t.TempDir(), APIBaseURL: srv.URL, Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		_, seen := echoedRequest(t, hc, srv.URL)
		all := strings.Join(seen, "\n")
		assertNoSecrets(t, all, cs, tk, ts, url.QueryEscape(tk))
		if strings.Contains(all, "oauth_signature=") {
			t.Errorf("the signature header came back:\n%s", all)
		}
	})
	t.Run("stored OAuth 2.0, refreshed", func(t *testing.T) {
		// The API echoes; the token endpoint is a working one that rotates
		// the pair, so the echo carries the new access token.
		echo := echoServer(t)
		const newAccess = "rotated-access-token-1"
		mux := http.NewServeMux()
		mux.HandleFunc("/2/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"refresh_token":"rotated-refresh-token-1","token_type":"bearer","expires_in":7200}`, newAccess)
		})
		mux.Handle("/", echo.Config.Handler)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		dir := t.TempDir()
		c := testCred("1", "one")
		c.APIBaseURL, c.Expiry = srv.URL, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := NewStore(dir, nil).Put(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		log := &testkit.SyncBuffer{}
		hc, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: srv.URL, Getenv: noEnv, Log: zerolog.New(log).Level(zerolog.TraceLevel)})
		if err != nil {
			t.Fatal(err)
		}
		_, seen := echoedRequest(t, hc, srv.URL)
		if got := stored(t, dir); got.AccessToken != newAccess || got.RefreshToken != "rotated-refresh-token-1" {
			t.Fatalf("the refreshed pair was not stored as the server sent it (redacted?)")
		}
		assertNoSecrets(t, strings.Join(seen, "\n")+log.String(), newAccess, c.AccessToken, c.RefreshToken, c.ClientSecret, "rotated-refresh-token-1")
	})
}

// The token endpoint echoing the refresh token, the client secret and the
// Basic header in its OAuth error: the refresh error and the log carry none
// of them, and the description's other words survive.
func TestRedactsEchoingTokenEndpoint(t *testing.T) {
	c := testCred("1", "one")
	srv := echoServer(t, c.RefreshToken, c.ClientSecret, c.AccessToken)
	dir := t.TempDir()
	c.APIBaseURL, c.Expiry = srv.URL, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := NewStore(dir, nil).Put(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	log := &testkit.SyncBuffer{}
	hc, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: srv.URL, Getenv: noEnv, Log: zerolog.New(log).Level(zerolog.TraceLevel)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = apiclient.New(hc, srv.URL, "").Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "invalid_request: you sent "+Redacted) || !strings.Contains(err.Error(), " known ") {
		t.Fatalf("err = %v, want the redacted OAuth error", err)
	}
	assertNoSecrets(t, err.Error()+fmt.Sprintf("%+v", err)+log.String(), c.RefreshToken, c.ClientSecret, c.AccessToken)

	// Revoking against it: the warning auth logout prints is clean too.
	err = Revoke(context.Background(), c, nil, "")
	if err == nil || !strings.Contains(err.Error(), "you sent "+Redacted) {
		t.Fatalf("revoke err = %v", err)
	}
	assertNoSecrets(t, err.Error(), c.RefreshToken, c.ClientSecret, c.AccessToken)
}

// The code exchange of a login against an echoing token endpoint: the
// error has neither the code, the PKCE verifier nor the client secret.
func TestRedactsEchoedLoginExchange(t *testing.T) {
	const code, secret = "pasted-code-1234567", "login-client-secret-1"
	srv := echoServer(t)
	out := &testkit.SyncBuffer{}
	_, err := Login(context.Background(), LoginOptions{
		ClientID: testClientID, ClientSecret: secret, APIBaseURL: srv.URL, RedirectURI: "http://127.0.0.1:0/callback",
		Paste: strings.NewReader(code + "\n"), Out: out, Log: zerolog.New(out).Level(zerolog.TraceLevel),
	})
	if err == nil || !strings.Contains(err.Error(), "you sent "+Redacted) {
		t.Fatalf("Login err = %v, want the redacted exchange error", err)
	}
	assertNoSecrets(t, err.Error()+out.String(), code, secret)
	if i := strings.Index(err.Error(), "code_verifier="); i >= 0 && !strings.HasPrefix(err.Error()[i+len("code_verifier="):], Redacted) {
		t.Errorf("the PKCE verifier came back: %v", err)
	}
}

// An error of the transport below that quotes the Authorization header
// (a proxy, a custom dialer) is redacted too, keeping its type for the
// timeout classification.
func TestRedactsTransportErrors(t *testing.T) {
	const bearer = "env-bearer-token-654321"
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, timeoutErr("proxy refused " + r.Header.Get("Authorization"))
	})
	hc, _, err := HTTPClient(context.Background(), Options{Dir: t.TempDir(), APIBaseURL: "http://x.test", Transport: base,
		Getenv: func(k string) string { return map[string]string{EnvAccessToken: bearer}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = hc.Get("http://x.test/2/users/me")
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() || !strings.Contains(err.Error(), "proxy refused "+Redacted) {
		t.Fatalf("err = %v, want a redacted timeout *url.Error", err)
	}
	assertNoSecrets(t, err.Error(), bearer)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type timeoutErr string

func (e timeoutErr) Error() string { return string(e) }
func (e timeoutErr) Timeout() bool { return true }
