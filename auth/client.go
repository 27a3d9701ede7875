package auth

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
)

// EnvClientSecret holds the OAuth 2.0 client secret of a confidential
// client. Secrets are never taken from a command-line flag value.
const EnvClientSecret = "BULKUNFOLLOW_CLIENT_SECRET"

// Options says where credentials come from. The zero value reads the
// process environment and the default store, for the real X API.
type Options struct {
	Dir        string              // credential store directory; "" = DefaultDir
	Account    string              // stored account, "@username" or id; "" = the only one
	APIBaseURL string              // "" = DefaultAPIBaseURL
	Getenv     func(string) string // nil = os.Getenv
	Transport  http.RoundTripper   // base transport; nil = http.DefaultTransport
	Now        func() time.Time    // clock for expiry; nil = time.Now
	Log        zerolog.Logger      // debug events, never secrets; zero value = silent

	failAt func(step string) error // tests: fail a step of saving the store
}

func (o Options) withDefaults() (Options, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.APIBaseURL == "" {
		o.APIBaseURL = DefaultAPIBaseURL
	}
	o.APIBaseURL = normalizeBase(o.APIBaseURL)
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dir == "" {
		d, err := DefaultDir(o.Getenv)
		if err != nil {
			return o, err
		}
		o.Dir = d
	}
	return o, nil
}

// Identity describes the credential an HTTPClient uses, for status output
// and account checks. It never holds a secret.
type Identity struct {
	Method Method `json:"method"`
	// Source is where the credential came from: an environment variable
	// name (BULKUNFOLLOW_ACCESS_TOKEN, BULKUNFOLLOW_OAUTH1_*) or the
	// credential file.
	Source string `json:"source"`
	// UserID and Username are known for stored credentials; for the
	// environment methods they are empty until someone asks /2/users/me.
	UserID       string    `json:"user_id,omitempty"`
	Username     string    `json:"username,omitempty"`
	APIBaseURL   string    `json:"api_base_url"`
	Expiry       time.Time `json:"expiry,omitzero"` // zero: does not expire or unknown
	Scopes       []string  `json:"scopes,omitempty"`
	Refreshable  bool      `json:"refreshable"`
	Confidential bool      `json:"confidential_client,omitempty"` // OAuth 2.0 client with a secret
	// NeedsLogin is why a stored credential stopped working, if it did.
	NeedsLogin string `json:"needs_login,omitempty"`
}

// Account is "@username (id)", or "" when not known.
func (i Identity) Account() string {
	return Credential{UserID: i.UserID, Username: i.Username}.Label()
}

// HTTPClient returns the authenticated client the rest of bulkunfollow
// uses, choosing the credential by this precedence:
//
//  1. BULKUNFOLLOW_ACCESS_TOKEN: a ready OAuth 2.0 bearer token, never refreshed;
//  2. BULKUNFOLLOW_OAUTH1_CONSUMER_KEY, _CONSUMER_SECRET, _TOKEN, _TOKEN_SECRET:
//     OAuth 1.0a user context (all four, or an error naming the missing ones);
//  3. the credential store: opts.Account, or the only account stored for
//     opts.APIBaseURL.
//
// Stored OAuth 2.0 credentials are refreshed RefreshMargin before expiry
// and once when the server answers 401 (the request is then retried once
// if its body can be replayed); the new token pair is saved before it is
// used, under a lock shared with other processes. Errors that need a new
// login match errors.Is(err, ErrLoginRequired), also when they come back
// from a request through the client (wrapped in *url.Error).
func HTTPClient(ctx context.Context, opts Options) (*http.Client, Identity, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, Identity{}, err
	}
	if tok := strings.TrimSpace(opts.Getenv(EnvAccessToken)); tok != "" {
		if err := CheckCredential(EnvAccessToken, tok); err != nil {
			return nil, Identity{}, err
		}
		opts.Log.Debug().Str("source", EnvAccessToken).Msg("using the access token from the environment")
		id := Identity{Method: MethodBearer, Source: EnvAccessToken, APIBaseURL: opts.APIBaseURL}
		return &http.Client{Transport: &bearerTransport{base: redactor(opts.Transport, newSecretSet(tok)), token: staticToken(tok)}}, id, nil
	}
	keys, ok, err := OAuth1FromEnv(opts.Getenv)
	if err != nil {
		return nil, Identity{}, err
	}
	if ok {
		opts.Log.Debug().Str("source", "BULKUNFOLLOW_OAUTH1_*").Msg("using OAuth 1.0a keys from the environment")
		id := Identity{Method: MethodOAuth1, Source: "BULKUNFOLLOW_OAUTH1_*", APIBaseURL: opts.APIBaseURL}
		return &http.Client{Transport: oauth1Transport(opts.Transport, keys)}, id, nil
	}

	// The client secret is only used to refresh a stored OAuth 2.0 token.
	clientSecret := strings.TrimSpace(opts.Getenv(EnvClientSecret))
	if err := CheckCredential(EnvClientSecret, clientSecret); err != nil {
		return nil, Identity{}, err
	}
	store := NewStore(opts.Dir, opts.Now)
	store.failAt = opts.failAt
	c, err := store.Select(opts.Account, opts.APIBaseURL)
	if err != nil {
		return nil, Identity{}, err
	}
	hc, err := storedClient(store, c, opts, clientSecret)
	if err != nil {
		return nil, Identity{}, err
	}
	return hc, identityOf(c, store.Path()), nil
}

// EnvSource names the environment credential HTTPClient would use:
// EnvAccessToken, "BULKUNFOLLOW_OAUTH1_*", or "" when none is set. err
// (a *ConfigError) says why it cannot be used: a value CheckCredential
// refuses, or some of the four OAuth 1.0a variables missing.
func EnvSource(getenv func(string) string) (string, error) {
	if tok := strings.TrimSpace(getenv(EnvAccessToken)); tok != "" {
		return EnvAccessToken, CheckCredential(EnvAccessToken, tok)
	}
	if _, ok, err := OAuth1FromEnv(getenv); err != nil || ok {
		return "BULKUNFOLLOW_OAUTH1_*", err
	}
	return "", nil
}

// identityOf describes a stored credential.
func identityOf(c Credential, path string) Identity {
	return Identity{
		Method: c.Method, Source: path, UserID: c.UserID, Username: c.Username,
		APIBaseURL: c.APIBaseURL, Expiry: c.Expiry, Scopes: c.Scopes, Refreshable: c.Refreshable(),
		Confidential: c.Method == MethodOAuth2 && c.ClientSecret != "", NeedsLogin: c.NeedsLogin,
	}
}

// storedClient is the client for a stored credential.
func storedClient(store *Store, c Credential, opts Options, clientSecret string) (*http.Client, error) {
	if err := c.check(store.Path()); err != nil {
		return nil, err
	}
	switch c.Method {
	case MethodOAuth1:
		k := apiclient.OAuth1Credentials{ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret, Token: c.Token, TokenSecret: c.TokenSecret}
		if k.Validate() != nil {
			return nil, &LoginRequiredError{Account: c.Label(), Login: loginFlags(c), Reason: "the stored OAuth 1.0a keys are incomplete"}
		}
		opts.Log.Debug().Str("account", c.Label()).Msg("using stored OAuth 1.0a keys")
		return &http.Client{Transport: oauth1Transport(opts.Transport, k)}, nil
	case MethodOAuth2:
		if c.NeedsLogin != "" {
			return nil, &LoginRequiredError{Account: c.Label(), Login: loginFlags(c), Reason: c.NeedsLogin}
		}
		// One set of secrets for the API and the token endpoint, grown by
		// every refresh.
		secrets := newSecretSet(c.AccessToken, c.RefreshToken, c.ClientSecret, clientSecret)
		src := &storeSource{
			store: store, hc: &http.Client{Transport: tokenRedactor(opts.Transport, secrets)}, now: opts.Now, log: opts.Log,
			clientSecret: clientSecret, cred: c, secrets: secrets,
		}
		opts.Log.Debug().Str("account", c.Label()).Time("expiry", c.Expiry).Msg("using stored OAuth 2.0 token")
		return &http.Client{Transport: &bearerTransport{base: redactor(opts.Transport, src.secrets), token: src.token}}, nil
	}
	return nil, &ConfigError{Msg: "stored credential for " + c.Label() + " has an unknown method " + string(c.Method)}
}

// check reports a stored secret or key that CheckCredential would refuse,
// naming the field, never its value.
func (c Credential) check(path string) error {
	for _, f := range []struct{ name, val string }{
		{"access_token", c.AccessToken}, {"refresh_token", c.RefreshToken}, {"client_id", c.ClientID}, {"client_secret", c.ClientSecret},
		{"consumer_key", c.ConsumerKey}, {"consumer_secret", c.ConsumerSecret}, {"token", c.Token}, {"token_secret", c.TokenSecret},
	} {
		if what, at := badByte(f.val); what != "" {
			return &LoginRequiredError{Account: c.Label(), Login: loginFlags(c), Reason: fmt.Sprintf(
				"the stored %s in %s contains %s (byte %d of %d): the file was edited or damaged", f.name, path, what, at, len(f.val))}
		}
	}
	return nil
}
