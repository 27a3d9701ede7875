package apiclient

import (
	"context"
	"errors"
	"net/http"

	"github.com/dghubble/oauth1"
)

// OAuth1Credentials are OAuth 1.0a user-context credentials: the app's
// consumer key and secret and the user's access token and secret (from
// the app's "Keys and tokens" page; they do not expire). String and
// GoString never print the secrets.
type OAuth1Credentials struct {
	ConsumerKey    string
	ConsumerSecret string
	Token          string
	TokenSecret    string
}

// ErrIncompleteOAuth1 means a credential field is empty.
var ErrIncompleteOAuth1 = errors.New("oauth1 credentials incomplete: consumer key, consumer secret, access token and access token secret are all required")

// Validate reports whether every field is set.
func (c OAuth1Credentials) Validate() error {
	if c.ConsumerKey == "" || c.ConsumerSecret == "" || c.Token == "" || c.TokenSecret == "" {
		return ErrIncompleteOAuth1
	}
	return nil
}

// String shows the consumer key only.
func (c OAuth1Credentials) String() string {
	return "oauth1(consumer=" + c.ConsumerKey + ", token=" + redact(c.Token) + ")"
}

// GoString keeps %#v from printing secrets.
func (c OAuth1Credentials) GoString() string { return c.String() }

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// OAuth1Transport returns a RoundTripper that signs every request with
// OAuth 1.0a HMAC-SHA1 (github.com/dghubble/oauth1) using creds, then
// sends it through base (http.DefaultTransport when nil). The request's
// query parameters (and a form body) are part of the signature.
func OAuth1Transport(base http.RoundTripper, creds OAuth1Credentials) http.RoundTripper {
	cfg := oauth1.NewConfig(creds.ConsumerKey, creds.ConsumerSecret)
	return oauth1Transport(base, cfg, creds)
}

func oauth1Transport(base http.RoundTripper, cfg *oauth1.Config, creds OAuth1Credentials) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	// Config.Client wraps an *oauth1.Transport; reuse it with our base.
	hc := cfg.Client(context.Background(), oauth1.NewToken(creds.Token, creds.TokenSecret))
	t := hc.Transport.(*oauth1.Transport)
	t.Base = base
	return t
}

// NewOAuth1HTTPClient returns an *http.Client signing with creds, for New.
func NewOAuth1HTTPClient(base http.RoundTripper, creds OAuth1Credentials) *http.Client {
	return &http.Client{Transport: OAuth1Transport(base, creds)}
}
