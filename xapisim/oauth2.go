package xapisim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Client is a registered OAuth 2.0 client (an app in X's developer console).
// A client with a Secret is confidential and must authenticate to the token
// and revoke endpoints with HTTP Basic; one without is public and sends
// client_id in the form body.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string // exact matches only, as X requires
}

// AllScopes are the OAuth 2.0 scopes the simulator knows; IssueToken grants
// all of them.
var AllScopes = []string{"tweet.read", "users.read", "follows.read", "follows.write", "offline.access"}

// token is an issued access or refresh token.
type token struct {
	kind     tokenKind
	userID   string // "" for app-only tokens
	clientID string
	scopes   []string
	expires  time.Time // zero: never (refresh and app tokens)
	grant    string    // groups the tokens of one authorization
	revoked  bool
	spent    bool // a refresh token already exchanged
}

type tokenKind uint8

const (
	accessToken tokenKind = iota + 1
	refreshToken
	appToken
)

type authCode struct {
	clientID, redirectURI, challenge, userID string
	scopes                                   []string
	expires                                  time.Time
}

// AddClient registers an OAuth 2.0 client, replacing one with the same ID.
func (s *Server) AddClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	s.clients[c.ID] = c
}

// IssueToken returns a new OAuth 2.0 access token for userID with every
// scope, valid for TokenLifetime, as if the user had logged in. The user
// must be known (AddUser) when the token is used, or the answer is 401.
func (s *Server) IssueToken(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "sim-at-" + randomToken(24)
	s.tokens[tok] = &token{kind: accessToken, userID: userID, scopes: AllScopes,
		expires: s.now().Add(s.cfg.TokenLifetime), grant: randomToken(8)}
	return tok
}

// IssueAppToken returns an app-only bearer token: accepted where X accepts
// one (users/by, following list), 403 unsupported-authentication elsewhere.
func (s *Server) IssueAppToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "sim-app-" + randomToken(24)
	s.tokens[tok] = &token{kind: appToken}
	return tok
}

// oauthError is the token endpoint's error body (RFC 6749 §5.2, as X words it).
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

const invalidTokenDescription = "Value passed for the token was invalid."

// clientAuth authenticates the client of a token or revoke request: HTTP
// Basic for confidential clients, client_id in the body for public ones.
// It writes the error response and returns false when that fails.
func (s *Server) clientAuth(w http.ResponseWriter, r *http.Request) (Client, bool) {
	if id, secret, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
		c, known := s.clients[id]
		if !known || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
			return Client{}, false
		}
		return c, true
	}
	id := r.PostForm.Get("client_id")
	if id == "" {
		oauthError(w, http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header")
		return Client{}, false
	}
	c, known := s.clients[id]
	if !known {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return Client{}, false
	}
	if c.Secret != "" {
		// X refuses client_secret_post and body-only auth for confidential clients.
		oauthError(w, http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header")
		return Client{}, false
	}
	return c, true
}

// handleToken is POST /2/oauth2/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls["token"]++
	c, ok := s.clientAuth(w, r)
	if !ok {
		return
	}
	now := s.now()
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "authorization_code":
		for _, p := range []string{"code", "redirect_uri", "code_verifier"} {
			if r.PostForm.Get(p) == "" {
				oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter ["+p+"].")
				return
			}
		}
		code := r.PostForm.Get("code")
		ac, ok := s.codes[code]
		delete(s.codes, code) // single use, whatever happens next
		if !ok || ac.clientID != c.ID || !now.Before(ac.expires) || !pkceMatches(r.PostForm.Get("code_verifier"), ac.challenge) {
			oauthError(w, http.StatusBadRequest, "invalid_request", invalidTokenDescription)
			return
		}
		if r.PostForm.Get("redirect_uri") != ac.redirectURI {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Value passed for the redirect uri did not match the uri of the authorization code.")
			return
		}
		// A new authorization of the same app by the same user ends the
		// previous grant's refresh tokens.
		for _, t := range s.tokens {
			if t.kind == refreshToken && t.clientID == c.ID && t.userID == ac.userID {
				t.revoked = true
			}
		}
		s.stats.TokensIssued++
		s.writeTokens(w, c.ID, ac.userID, ac.scopes, randomToken(8), now)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if rt == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter [refresh_token].")
			return
		}
		t, ok := s.tokens[rt]
		if !ok || t.kind != refreshToken || t.clientID != c.ID || t.spent || t.revoked {
			oauthError(w, http.StatusBadRequest, "invalid_request", invalidTokenDescription)
			return
		}
		t.spent = true
		s.stats.Refreshes++
		s.writeTokens(w, c.ID, t.userID, t.scopes, t.grant, now)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+gt)
	}
}

// writeTokens issues an access token (and a refresh token when
// offline.access was granted) and writes the token response. s.mu is held.
func (s *Server) writeTokens(w http.ResponseWriter, clientID, userID string, scopes []string, grant string, now time.Time) {
	at := "sim-at-" + randomToken(24)
	s.tokens[at] = &token{kind: accessToken, userID: userID, clientID: clientID, scopes: scopes,
		expires: now.Add(s.cfg.TokenLifetime), grant: grant}
	resp := map[string]any{
		"token_type":   "bearer",
		"expires_in":   int(s.cfg.TokenLifetime / time.Second),
		"access_token": at,
		"scope":        strings.Join(scopes, " "),
	}
	if slices.Contains(scopes, "offline.access") {
		rt := "sim-rt-" + randomToken(24)
		s.tokens[rt] = &token{kind: refreshToken, userID: userID, clientID: clientID, scopes: scopes, grant: grant}
		resp["refresh_token"] = rt
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// handleRevoke is POST /2/oauth2/revoke (RFC 7009). Revoking a refresh
// token ends its whole grant (its access tokens too); revoking an access
// token ends that token. Unknown tokens are not an error.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls["revoke"]++
	c, ok := s.clientAuth(w, r)
	if !ok {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter [token].")
		return
	}
	if t, ok := s.tokens[tok]; ok && t.clientID == c.ID {
		t.revoked = true
		if t.kind == refreshToken {
			for _, o := range s.tokens {
				if o.grant == t.grant && o.clientID == c.ID {
					o.revoked = true
				}
			}
		}
		s.stats.Revoked++
	}
	writeJSON(w, http.StatusOK, map[string]bool{"revoked": true})
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize app — X API simulator</title></head>
<body>
<h1>Authorize {{.ClientID}} to access your account?</h1>
<p>Signed in as @{{.Username}} (simulated). The app asks for: {{.Scope}}</p>
<form method="post" action="/i/oauth2/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit" name="decision" value="allow">Authorize app</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>
</body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong — X API simulator</title></head>
<body><h1>Something went wrong</h1><p>{{.}}</p></body></html>
`))

var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// handleAuthorize is the consent page: GET shows it (or, with AutoApprove,
// approves at once); POST is its form. Errors that can be sent back go to
// redirect_uri with error= and state; an unknown client or redirect_uri
// gets an error page instead, as OAuth requires.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.authorizePage(w, "The request could not be read.")
		return
	}
	q := r.Form
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls["authorize"]++
	c, ok := s.clients[q.Get("client_id")]
	if !ok {
		s.authorizePage(w, "This app is not known (client_id).")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, redirect) {
		s.authorizePage(w, "The redirect_uri does not match any callback URL registered for this app.")
		return
	}
	back := func(params url.Values) {
		if st := q.Get("state"); st != "" {
			params.Set("state", st)
		}
		u, err := url.Parse(redirect)
		if err != nil {
			s.authorizePage(w, "The redirect_uri is not a URL.")
			return
		}
		qs := u.Query()
		for k, v := range params {
			qs[k] = v
		}
		u.RawQuery = qs.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, description string) {
		back(url.Values{"error": {code}, "error_description": {description}})
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case q.Get("state") == "":
		fail("invalid_request", "Missing required parameter [state].")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case !pkceChallenge.MatchString(q.Get("code_challenge")):
		fail("invalid_request", "Missing or malformed code_challenge.")
		return
	case len(scopes) == 0:
		fail("invalid_scope", "Missing required parameter [scope].")
		return
	}
	for _, sc := range scopes {
		if !slices.Contains(AllScopes, sc) {
			fail("invalid_scope", "Unknown scope: "+sc)
			return
		}
	}
	if r.Method == http.MethodGet && !s.cfg.AutoApprove {
		params := map[string]string{}
		for _, k := range []string{"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"} {
			params[k] = q.Get(k)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = consentPage.Execute(w, map[string]any{
			"ClientID": c.ID, "Username": s.users[s.cfg.UserID].Username,
			"Scope": strings.Join(scopes, ", "), "Params": params,
		})
		return
	}
	if r.Method == http.MethodPost && q.Get("decision") != "allow" {
		fail("access_denied", "The user denied the request.")
		return
	}
	code := randomToken(32)
	s.codes[code] = &authCode{clientID: c.ID, redirectURI: redirect, challenge: q.Get("code_challenge"),
		userID: s.cfg.UserID, scopes: scopes, expires: s.now().Add(s.cfg.CodeLifetime)}
	s.stats.CodesIssued++
	back(url.Values{"code": {code}})
}

func (s *Server) authorizePage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, msg)
}
