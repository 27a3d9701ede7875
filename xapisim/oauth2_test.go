package xapisim

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const (
	testRedirect = "http://127.0.0.1:8976/callback"
	allScopes    = "tweet.read users.read follows.read follows.write offline.access"
)

// authorize walks the consent page like a browser: GET the page, press
// "Authorize app", and return the redirect's query.
func authorize(t *testing.T, ts *httptest.Server, params url.Values) url.Values {
	t.Helper()
	c := noRedirects(ts)
	page := send(t, c, mustRequest(t, "GET", ts.URL+"/i/oauth2/authorize?"+params.Encode(), ""))
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "Authorize app") {
		t.Fatalf("consent page: %d %s", page.status, page.body)
	}
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("decision", "allow")
	req := mustRequest(t, "POST", ts.URL+"/i/oauth2/authorize", form.Encode())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return redirectQuery(t, send(t, c, req))
}

func redirectQuery(t *testing.T, r result) url.Values {
	t.Helper()
	if r.status != http.StatusFound {
		t.Fatalf("want a redirect, got %d %s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != testRedirect {
		t.Fatalf("redirected to %s, want %s", got, testRedirect)
	}
	return u.Query()
}

func noRedirects(ts *httptest.Server) *http.Client {
	c := *ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func mustRequest(t *testing.T, method, u, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func authParams(clientID, verifier string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {testRedirect},
		"scope":                 {allScopes},
		"state":                 {"st-123"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}
}

func oauthConfig(ts *httptest.Server, c Client) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if c.Secret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: testRedirect,
		Scopes: strings.Fields(allScopes),
		Endpoint: oauth2.Endpoint{
			AuthURL: ts.URL + "/i/oauth2/authorize", TokenURL: ts.URL + "/2/oauth2/token", AuthStyle: style,
		},
	}
}

// TestOAuth2FullFlow logs in with golang.org/x/oauth2, as the auth package
// will, for a confidential (Basic) and a public (client_id in body) client,
// uses the token, refreshes it and checks the rotation.
func TestOAuth2FullFlow(t *testing.T) {
	for _, c := range []Client{
		{ID: "confidential", Secret: "s3cr:et/+", RedirectURIs: []string{testRedirect}},
		{ID: "public", RedirectURIs: []string{testRedirect}},
	} {
		t.Run(c.ID, func(t *testing.T) {
			sim, ts, clock := start(t, Config{})
			sim.AddClient(c)
			conf := oauthConfig(ts, c)
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, ts.Client())
			verifier := oauth2.GenerateVerifier()
			q := authorize(t, ts, authParams(c.ID, verifier))
			if q.Get("state") != "st-123" || q.Get("code") == "" {
				t.Fatalf("redirect query %v: want code and state", q)
			}
			tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.TokenType != "bearer" || tok.RefreshToken == "" || tok.Extra("scope") != allScopes {
				t.Fatalf("token response: type %q refresh %v scope %v", tok.TokenType, tok.RefreshToken != "", tok.Extra("scope"))
			}
			if got := time.Until(tok.Expiry); got < 7190*time.Second || got > 7200*time.Second {
				t.Errorf("expires in %v, want 2h", got)
			}
			if r := do(t, ts, "GET", "/2/users/me", tok.AccessToken); r.status != 200 {
				t.Fatalf("me with the new token: %d %s", r.status, r.body)
			}

			// Refresh: a new pair; the old refresh token is spent.
			old := tok.RefreshToken
			tok.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if fresh.RefreshToken == "" || fresh.RefreshToken == old || fresh.AccessToken == tok.AccessToken {
				t.Fatal("refresh did not rotate both tokens")
			}
			stale := &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Minute)}
			_, err = conf.TokenSource(ctx, stale).Token()
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.Response.StatusCode != 400 || re.ErrorCode != "invalid_request" ||
				re.ErrorDescription != "Value passed for the token was invalid." {
				t.Fatalf("reusing a spent refresh token: %v, want X's 400 invalid_request", err)
			}
			// The new one works once.
			if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err != nil {
				t.Fatalf("refresh with the rotated token: %v", err)
			}

			// Access tokens expire after TokenLifetime.
			clock.Advance(2 * time.Hour)
			r := do(t, ts, "GET", "/2/users/me", fresh.AccessToken)
			if r.status != 401 || string(r.body) != `{"detail":"Unauthorized","status":401,"title":"Unauthorized","type":"about:blank"}` {
				t.Fatalf("expired token: %d %s", r.status, r.body)
			}
			if st := sim.Stats(); st.CodesIssued != 1 || st.TokensIssued != 1 || st.Refreshes != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestOAuth2CodeExchange(t *testing.T) {
	const verifier = "dBjftJeZ4CK-P9-ad0Mw9P3vk8z_Xy0g2qzLxTRkAbc"
	conf := Client{ID: "app", Secret: "sec", RedirectURIs: []string{testRedirect}}
	tests := []struct {
		name       string
		wait       time.Duration
		verifier   string
		redirect   string
		user, pass string // Basic
		bodyClient string
		twice      bool
		status     int
		errCode    string
	}{
		{name: "right verifier", verifier: verifier, user: "app", pass: "sec", status: 200},
		{name: "wrong verifier", verifier: verifier + "x", user: "app", pass: "sec", status: 400, errCode: "invalid_request"},
		{name: "exchanged at 29s", wait: 29 * time.Second, verifier: verifier, user: "app", pass: "sec", status: 200},
		{name: "expired code", wait: 30 * time.Second, verifier: verifier, user: "app", pass: "sec", status: 400, errCode: "invalid_request"},
		{name: "reused code", verifier: verifier, user: "app", pass: "sec", twice: true, status: 400, errCode: "invalid_request"},
		{name: "redirect mismatch", verifier: verifier, redirect: "http://127.0.0.1:9999/callback", user: "app", pass: "sec", status: 400, errCode: "invalid_request"},
		{name: "wrong secret", verifier: verifier, user: "app", pass: "nope", status: 401, errCode: "invalid_client"},
		{name: "confidential client in body", verifier: verifier, bodyClient: "app", status: 401, errCode: "unauthorized_client"},
		{name: "no client at all", verifier: verifier, status: 401, errCode: "unauthorized_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts, clock := start(t, Config{})
			sim.AddClient(conf)
			code := authorize(t, ts, authParams("app", verifier)).Get("code")
			clock.Advance(tt.wait)
			redirect := testRedirect
			if tt.redirect != "" {
				redirect = tt.redirect
			}
			form := map[string]string{"grant_type": "authorization_code", "code": code,
				"redirect_uri": redirect, "code_verifier": tt.verifier}
			if tt.bodyClient != "" {
				form["client_id"] = tt.bodyClient
			}
			r := postForm(t, ts, "/2/oauth2/token", tt.user, tt.pass, form)
			if tt.twice {
				if r.status != 200 {
					t.Fatalf("first exchange: %d %s", r.status, r.body)
				}
				r = postForm(t, ts, "/2/oauth2/token", tt.user, tt.pass, form)
			}
			if r.status != tt.status {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.status)
			}
			body := r.json(t)
			if tt.status == 200 {
				if body["token_type"] != "bearer" || body["expires_in"] != float64(7200) || body["access_token"] == "" || body["refresh_token"] == nil {
					t.Fatalf("token response %v", body)
				}
				return
			}
			if body["error"] != tt.errCode || body["error_description"] == "" {
				t.Fatalf("error body %v, want error %q", body, tt.errCode)
			}
		})
	}
}

func TestOAuth2NoOfflineAccessNoRefreshToken(t *testing.T) {
	sim, ts, _ := start(t, Config{AutoApprove: true})
	sim.AddClient(Client{ID: "pub", RedirectURIs: []string{testRedirect}})
	const verifier = "dBjftJeZ4CK-P9-ad0Mw9P3vk8z_Xy0g2qzLxTRkAbc"
	p := authParams("pub", verifier)
	p.Set("scope", "tweet.read users.read")
	q := redirectQuery(t, send(t, noRedirects(ts), mustRequest(t, "GET", ts.URL+"/i/oauth2/authorize?"+p.Encode(), "")))
	r := postForm(t, ts, "/2/oauth2/token", "", "", map[string]string{"grant_type": "authorization_code",
		"code": q.Get("code"), "redirect_uri": testRedirect, "code_verifier": verifier, "client_id": "pub"})
	body := r.json(t)
	if r.status != 200 || body["refresh_token"] != nil || body["scope"] != "tweet.read users.read" {
		t.Fatalf("%d %v: want a token without refresh_token", r.status, body)
	}
	// Without follows.write the token cannot unfollow.
	del := do(t, ts, "DELETE", "/2/users/"+DefaultUserID+"/following/12", body["access_token"].(string))
	if del.status != 403 {
		t.Fatalf("unfollow without follows.write: %d %s", del.status, del.body)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	const verifier = "dBjftJeZ4CK-P9-ad0Mw9P3vk8z_Xy0g2qzLxTRkAbc"
	tests := []struct {
		name   string
		change func(url.Values)
		page   bool   // an error page, no redirect
		err    string // error= in the redirect
	}{
		{name: "unknown client", change: func(v url.Values) { v.Set("client_id", "nope") }, page: true},
		{name: "unregistered redirect", change: func(v url.Values) { v.Set("redirect_uri", "http://evil.example/cb") }, page: true},
		{name: "response_type token", change: func(v url.Values) { v.Set("response_type", "token") }, err: "unsupported_response_type"},
		{name: "plain challenge", change: func(v url.Values) { v.Set("code_challenge_method", "plain") }, err: "invalid_request"},
		{name: "no challenge", change: func(v url.Values) { v.Del("code_challenge") }, err: "invalid_request"},
		{name: "no state", change: func(v url.Values) { v.Del("state") }, err: "invalid_request"},
		{name: "unknown scope", change: func(v url.Values) { v.Set("scope", "tweet.read dm.write") }, err: "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts, _ := start(t, Config{})
			sim.AddClient(Client{ID: "app", RedirectURIs: []string{testRedirect}})
			p := authParams("app", verifier)
			tt.change(p)
			r := send(t, noRedirects(ts), mustRequest(t, "GET", ts.URL+"/i/oauth2/authorize?"+p.Encode(), ""))
			if tt.page {
				if r.status != 400 || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
					t.Fatalf("want an error page, got %d %s", r.status, r.header.Get("Location"))
				}
				return
			}
			q := redirectQuery(t, r)
			if q.Get("error") != tt.err || q.Get("code") != "" || q.Get("state") != p.Get("state") {
				t.Fatalf("redirect query %v, want error=%s", q, tt.err)
			}
		})
	}
	t.Run("cancel", func(t *testing.T) {
		sim, ts, _ := start(t, Config{})
		sim.AddClient(Client{ID: "app", RedirectURIs: []string{testRedirect}})
		form := authParams("app", verifier)
		form.Set("decision", "deny")
		req := mustRequest(t, "POST", ts.URL+"/i/oauth2/authorize", form.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if q := redirectQuery(t, send(t, noRedirects(ts), req)); q.Get("error") != "access_denied" {
			t.Fatalf("cancel: %v", q)
		}
	})
}

func TestRevoke(t *testing.T) {
	sim, ts, _ := start(t, Config{AutoApprove: true})
	sim.AddClient(Client{ID: "app", Secret: "sec", RedirectURIs: []string{testRedirect}})
	login := func() (access, refresh string) {
		const verifier = "dBjftJeZ4CK-P9-ad0Mw9P3vk8z_Xy0g2qzLxTRkAbc"
		p := authParams("app", verifier)
		q := redirectQuery(t, send(t, noRedirects(ts), mustRequest(t, "GET", ts.URL+"/i/oauth2/authorize?"+p.Encode(), "")))
		body := postForm(t, ts, "/2/oauth2/token", "app", "sec", map[string]string{"grant_type": "authorization_code",
			"code": q.Get("code"), "redirect_uri": testRedirect, "code_verifier": verifier}).json(t)
		return body["access_token"].(string), body["refresh_token"].(string)
	}
	at, rt := login()
	r := postForm(t, ts, "/2/oauth2/revoke", "app", "sec", map[string]string{"token": at, "token_type_hint": "access_token"})
	if r.status != 200 || string(r.body) != `{"revoked":true}` {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := do(t, ts, "GET", "/2/users/me", at); r.status != 401 {
		t.Fatalf("revoked access token: %d", r.status)
	}
	// Revoking a refresh token ends its grant: access token and refresh.
	at2, rt2 := login()
	if r := postForm(t, ts, "/2/oauth2/token", "app", "sec", map[string]string{"grant_type": "refresh_token", "refresh_token": rt}); r.status != 400 {
		t.Fatalf("refresh token of a grant replaced by a new login: %d %s", r.status, r.body)
	}
	postForm(t, ts, "/2/oauth2/revoke", "app", "sec", map[string]string{"token": rt2})
	if r := do(t, ts, "GET", "/2/users/me", at2); r.status != 401 {
		t.Fatalf("access token of a revoked grant: %d", r.status)
	}
	if r := postForm(t, ts, "/2/oauth2/token", "app", "sec", map[string]string{"grant_type": "refresh_token", "refresh_token": rt2}); r.status != 400 {
		t.Fatalf("revoked refresh token: %d %s", r.status, r.body)
	}
	// Wrong client credentials: 401, token untouched.
	at3, _ := login()
	if r := postForm(t, ts, "/2/oauth2/revoke", "app", "bad", map[string]string{"token": at3}); r.status != 401 {
		t.Fatalf("revoke with a bad secret: %d", r.status)
	}
	if r := do(t, ts, "GET", "/2/users/me", at3); r.status != 200 {
		t.Fatalf("token after a refused revoke: %d", r.status)
	}
}
