package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Defaults for the real X API.
const (
	DefaultAPIBaseURL   = "https://api.x.com"
	DefaultAuthorizeURL = "https://x.com/i/oauth2/authorize"
	DefaultRedirectURI  = "http://127.0.0.1:8976/callback"
	// RefreshMargin is how long before expiry a token is refreshed.
	RefreshMargin = 30 * time.Second
)

// DefaultScopes are what bulkunfollow needs: reading the account and its
// following list, unfollowing, and offline.access for a refresh token.
var DefaultScopes = []string{"tweet.read", "users.read", "follows.read", "follows.write", "offline.access"}

// AuthorizeURLFor is the authorize page for an API base URL: X's own page
// for the real API, <base>/i/oauth2/authorize for anything else (where the
// simulator serves it).
func AuthorizeURLFor(apiBase string) string {
	if normalizeBase(apiBase) == DefaultAPIBaseURL || apiBase == "" {
		return DefaultAuthorizeURL
	}
	return normalizeBase(apiBase) + "/i/oauth2/authorize"
}

func tokenURL(apiBase string) string  { return normalizeBase(apiBase) + "/2/oauth2/token" }
func revokeURL(apiBase string) string { return normalizeBase(apiBase) + "/2/oauth2/revoke" }

// oauthConfig builds the client configuration with the token endpoint
// authentication chosen explicitly: HTTP Basic for a confidential client
// (one with a secret), client_id in the form body for a public one.
// Auto-detection is unreliable against X.
func oauthConfig(clientID, clientSecret, apiBase, authorizeURL, redirectURI string, scopes []string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if clientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	if authorizeURL == "" {
		authorizeURL = AuthorizeURLFor(apiBase)
	}
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   authorizeURL,
			TokenURL:  tokenURL(apiBase),
			AuthStyle: style,
		},
		RedirectURL: redirectURI,
		Scopes:      scopes,
	}
}

// withHTTPClient makes golang.org/x/oauth2 use hc for token requests.
func withHTTPClient(ctx context.Context, hc *http.Client) context.Context {
	if hc == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

// applyToken copies a token response into c, computing the expiry on our
// clock from expires_in (golang.org/x/oauth2 uses the wall clock).
func applyToken(c *Credential, tok *oauth2.Token, now time.Time) {
	c.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		c.RefreshToken = tok.RefreshToken
	}
	c.TokenType = tok.TokenType
	switch {
	case tok.ExpiresIn > 0:
		c.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second).UTC()
	case !tok.Expiry.IsZero():
		c.Expiry = tok.Expiry.UTC()
	default:
		c.Expiry = time.Time{}
	}
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		c.Scopes = strings.Fields(s)
	}
}

// checkIssued reports tokens from the token endpoint that could never be
// sent (a control or non-ASCII character, see CheckCredential).
func checkIssued(op string, tok *oauth2.Token) error {
	for _, f := range []struct{ name, val string }{{"access token", tok.AccessToken}, {"refresh token", tok.RefreshToken}} {
		if what, _ := badByte(f.val); what != "" {
			return fmt.Errorf("%s: the server returned an %s containing %s, which cannot be sent", op, f.name, what)
		}
	}
	return nil
}

// refreshToken exchanges c's refresh token for a new pair. It does not
// touch the store. Errors are free of secrets.
func refreshToken(ctx context.Context, hc *http.Client, c Credential, clientSecret string) (*oauth2.Token, error) {
	cfg := oauthConfig(c.ClientID, clientSecret, c.APIBaseURL, "", "", nil)
	tok, err := cfg.TokenSource(withHTTPClient(ctx, hc), &oauth2.Token{RefreshToken: c.RefreshToken}).Token()
	if err != nil {
		return nil, sanitize("refresh token", err, c.RefreshToken, c.AccessToken, clientSecret)
	}
	return tok, nil
}

// revoke asks the server to revoke token at <base>/2/oauth2/revoke,
// authenticating the client the same way as at the token endpoint.
func revoke(ctx context.Context, hc *http.Client, c Credential, clientSecret, token, hint string) error {
	if hc == nil {
		hc = http.DefaultClient
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	if clientSecret == "" {
		form.Set("client_id", c.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL(c.APIBaseURL), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(clientSecret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return sanitize("revoke token", err, token, clientSecret)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Title       string `json:"title"`
		Detail      string `json:"detail"`
	}
	_ = json.Unmarshal(body, &e)
	secrets := []string{token, clientSecret}
	te := &TokenError{Op: "revoke token", Status: resp.StatusCode, Code: redact(e.Error, secrets), Description: redact(truncate(e.Description, 200), secrets)}
	if te.Code == "" && te.Description == "" {
		te.Description = redact(truncate(strings.TrimSpace(e.Title+" "+e.Detail), 200), secrets)
	}
	return te
}

// ErrNotRevocable means the credential has no revoke endpoint (OAuth 1.0a
// keys are regenerated on the app's "Keys and tokens" page instead).
var ErrNotRevocable = errors.New("these credentials cannot be revoked through the API")

// Revoke ends a stored OAuth 2.0 credential at the server: the refresh
// token (which ends its grant) and the access token, authenticating the
// client as the token endpoint does. clientSecret, when not empty,
// replaces the stored one. Errors are free of secrets; the first one is
// returned after both tokens were tried.
func Revoke(ctx context.Context, c Credential, transport http.RoundTripper, clientSecret string) error {
	if c.Method != MethodOAuth2 {
		return ErrNotRevocable
	}
	if c.ClientSecret == "" || clientSecret == "" {
		clientSecret = c.ClientSecret
	}
	if transport == nil {
		transport = http.DefaultTransport
	}
	hc := &http.Client{Transport: tokenRedactor(transport, newSecretSet(c.AccessToken, c.RefreshToken, c.ClientSecret, clientSecret))}
	var first error
	for _, t := range []struct{ tok, hint string }{{c.RefreshToken, "refresh_token"}, {c.AccessToken, "access_token"}} {
		if t.tok == "" {
			continue
		}
		if err := revoke(ctx, hc, c, clientSecret, t.tok, t.hint); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Identity describes a stored credential (path is the credential file),
// without any secret.
func (c Credential) Identity(path string) Identity { return identityOf(c, path) }
