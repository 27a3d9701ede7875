package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestSanitizeRetrieveError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     string
		rejected bool
	}{
		{
			name: "body with a token is never shown",
			err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 502, Status: "502 Bad Gateway"},
				Body: []byte(`{"access_token":"leaked-access-token","refresh_token":"leaked-refresh-token"}`)},
			want: "refresh token: 502 Bad Gateway",
		},
		{
			name: "X's spent refresh token",
			err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_request",
				ErrorDescription: "Value passed for the token was invalid.", Body: []byte("leaked-refresh-token")},
			want:     "refresh token: 400 Bad Request: invalid_request: Value passed for the token was invalid.",
			rejected: true,
		},
		{
			name: "invalid_grant echoing the token",
			err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_grant",
				ErrorDescription: "token leaked-refresh-token expired"},
			want:     "invalid_grant: token [REDACTED] expired",
			rejected: true,
		},
		{
			name: "transport error quoting a secret",
			err:  fmt.Errorf("post: dial: leaked-refresh-token"),
			want: "refresh token: wrapped: post: dial: [REDACTED]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sanitize("refresh token", fmt.Errorf("wrapped: %w", tt.err), "leaked-refresh-token", "leaked-access-token")
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
			assertNoSecrets(t, msg+fmt.Sprintf(" %v %+v", err, err), "leaked-access-token", "leaked-refresh-token")
			var te *TokenError
			if got := errors.As(err, &te) && te.Rejected(); got != tt.rejected {
				t.Errorf("Rejected() = %t, want %t", got, tt.rejected)
			}
			var re *oauth2.RetrieveError
			if errors.As(err, &re) {
				t.Error("the raw *oauth2.RetrieveError is still in the chain")
			}
		})
	}
}

func TestLoginRequiredError(t *testing.T) {
	err := fmt.Errorf("get me: %w", &LoginRequiredError{Account: "@jack (12)", Reason: "the server no longer accepts the refresh token"})
	if !errors.Is(err, ErrLoginRequired) {
		t.Fatal("errors.Is(ErrLoginRequired) is false")
	}
	var lr *LoginRequiredError
	if !errors.As(err, &lr) || !lr.NeedsPerson() || !strings.HasPrefix(lr.Hint(), "bulkunfollow auth login --client-id ") {
		t.Errorf("policy methods: %v", lr)
	}
	if want := "credentials for @jack (12) need a new login: the server no longer accepts the refresh token"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q", err)
	}
}

// A credential with a control character (a line break from a copied file,
// a tab, DEL) or a non-ASCII byte is a configuration error found when it
// is loaded: before the fix it reached the request, which failed before
// it left and looked like a network error to retry. The error names the
// variable and never shows the value.
func TestCredentialsWithControlCharactersAreRefused(t *testing.T) {
	const value = "abcdef-secret-token"
	bad := map[string]string{
		"line break": "abcdef-secret\ntoken", "carriage return": "abcdef-secret-token\r\nx", "tab": "abcdef\tsecret-token",
		"NUL": "abcdef-secret\x00token", "DEL": "abcdef-secret\x7ftoken", "non-ASCII": "abcdef-sécret-token",
	}
	for name, v := range bad {
		t.Run(name, func(t *testing.T) {
			envs := []struct {
				variable string
				env      map[string]string
			}{
				{EnvAccessToken, map[string]string{EnvAccessToken: v}},
				{EnvOAuth1TokenSecret, map[string]string{EnvOAuth1ConsumerKey: "ck-123456", EnvOAuth1ConsumerSecret: "cs-123456", EnvOAuth1Token: "tok-123456", EnvOAuth1TokenSecret: v}},
				{EnvClientSecret, map[string]string{EnvClientSecret: v}},
			}
			for _, tt := range envs {
				_, _, err := HTTPClient(context.Background(), Options{Dir: t.TempDir(), Getenv: func(k string) string { return tt.env[k] }})
				var ce *ConfigError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.variable+" contains ") || !strings.Contains(err.Error(), "not a valid credential") {
					t.Errorf("%s: err = %v, want a *ConfigError naming it", tt.variable, err)
					continue
				}
				if ce.Hint() == "" {
					t.Errorf("%s: no hint", tt.variable)
				}
				if src, err := EnvSource(func(k string) string { return tt.env[k] }); tt.variable != EnvClientSecret && err == nil {
					t.Errorf("EnvSource accepted %s (%s)", tt.variable, src)
				}
				assertNoSecrets(t, err.Error()+ce.Hint(), append(strings.FieldsFunc(v, func(r rune) bool { return r < 0x20 || r >= 0x7f }), v)...)
			}
		})
	}
	// Whitespace around a value is still trimmed, and a clean value passes.
	if _, _, err := HTTPClient(context.Background(), Options{Dir: t.TempDir(), Getenv: func(k string) string {
		return map[string]string{EnvAccessToken: "  " + value + "\n"}[k]
	}}); err != nil {
		t.Errorf("clean token refused: %v", err)
	}
}

// A stored credential whose token holds a line break (a hand-edited file)
// is refused when it is loaded, as needing a new login, without its value.
func TestStoredCredentialWithControlCharacterIsRefused(t *testing.T) {
	dir := t.TempDir()
	c := testCred("1", "one")
	c.AccessToken = "access-token\n-one"
	if err := NewStore(dir, nil).Put(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	_, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: c.APIBaseURL, Getenv: noEnv})
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "stored access_token in "+filepath.Join(dir, credentialsFile)+" contains a line break") {
		t.Fatalf("err = %v, want a login-required error naming the field", err)
	}
	assertNoSecrets(t, err.Error(), "access-token", "-one", c.RefreshToken)
}

// A token endpoint that answers a refresh with a token holding a control
// character gets no retry loop either: the credential needs a new login,
// and the store says so for later runs.
func TestRefreshedTokenWithControlCharacterNeedsLogin(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"new-access\ntoken","refresh_token":"new-refresh-token","token_type":"bearer","expires_in":7200}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	c := testCred("1", "one")
	c.APIBaseURL = srv.URL
	c.Expiry = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := NewStore(dir, nil).Put(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	hc, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: srv.URL, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	_, err = getMe(context.Background(), hc, srv.URL)
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "cannot be sent") {
		t.Fatalf("err = %v, want a login-required error", err)
	}
	if got := stored(t, dir); got.NeedsLogin == "" {
		t.Errorf("the store does not record that a new login is needed")
	}
	assertNoSecrets(t, err.Error(), "new-access", "new-refresh-token")
}

// TestHint: every credential problem has one piece of advice, found
// through wrapping; anything else has none.
func TestHint(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("sign in: %w", &LoginRequiredError{Reason: "refresh token rejected"}), "bulkunfollow auth login --client-id YOUR_CLIENT_ID"},
		// A hint that works when followed: the login that renews it.
		{&LoginRequiredError{Login: loginFlags(Credential{Method: MethodOAuth2, ClientID: "my-app"})}, "bulkunfollow auth login --client-id my-app"},
		{&LoginRequiredError{Login: loginFlags(Credential{Method: MethodOAuth1})}, "bulkunfollow auth login --oauth1"},
		{&AccountError{Path: "c.json", OtherAPIs: []string{"http://127.0.0.1:8080"}}, "bulkunfollow run --api-base-url http://127.0.0.1:8080"},
		{&AccountError{Path: "c.json"}, "bulkunfollow auth login --client-id YOUR_CLIENT_ID"},
		{&AccountError{Available: []string{"@a (1)", "@b (2)"}}, "--account @USERNAME"},
		{fmt.Errorf("load: %w", ErrNoCredentials), "BULKUNFOLLOW_ACCESS_TOKEN"},
		{fmt.Errorf("x: %w", ErrLoginRequired), "bulkunfollow auth login"},
		{&DirError{Dir: "/tmp", Fix: "use --config-dir"}, "--config-dir"},
		{errors.New("disk full"), ""},
	} {
		got := Hint(tc.err)
		if (tc.want == "" && got != "") || !strings.Contains(got, tc.want) {
			t.Errorf("Hint(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
	}
}

// TestSelectNamesOtherAPIs: a login stored for another API names that API
// once, so the hint can say which --api-base-url finds it.
func TestSelectNamesOtherAPIs(t *testing.T) {
	all := []Credential{
		{Method: MethodOAuth2, UserID: "1", Username: "a", APIBaseURL: "http://127.0.0.1:8080"},
		{Method: MethodOAuth2, UserID: "2", Username: "b", APIBaseURL: "http://127.0.0.1:8080"},
	}
	_, err := selectCredential(all, "", "https://api.x.com", "c.json")
	var ae *AccountError
	if !errors.As(err, &ae) || !slices.Equal(ae.OtherAPIs, []string{"http://127.0.0.1:8080"}) {
		t.Fatalf("err = %v, OtherAPIs = %v", err, ae)
	}
}
