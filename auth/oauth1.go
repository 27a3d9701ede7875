package auth

import (
	"strings"
)

// Environment variables of the OAuth 1.0a user-context method: an app's
// consumer key and secret with the access token and secret generated on
// its "Keys and tokens" page.
const (
	EnvOAuth1ConsumerKey    = "BULKUNFOLLOW_OAUTH1_CONSUMER_KEY"
	EnvOAuth1ConsumerSecret = "BULKUNFOLLOW_OAUTH1_CONSUMER_SECRET"
	EnvOAuth1Token          = "BULKUNFOLLOW_OAUTH1_TOKEN"
	EnvOAuth1TokenSecret    = "BULKUNFOLLOW_OAUTH1_TOKEN_SECRET"
	// EnvAccessToken is a ready OAuth 2.0 user access token (no refresh).
	EnvAccessToken = "BULKUNFOLLOW_ACCESS_TOKEN"
)

// OAuth1Keys are OAuth 1.0a user-context credentials. They do not expire.
type OAuth1Keys struct {
	ConsumerKey, ConsumerSecret, Token, TokenSecret string
}

// String never shows the secrets.
func (k OAuth1Keys) String() string { return "OAuth 1.0a keys" }

// GoString never shows the secrets.
func (k OAuth1Keys) GoString() string { return k.String() }

func (k OAuth1Keys) complete() bool {
	return k.ConsumerKey != "" && k.ConsumerSecret != "" && k.Token != "" && k.TokenSecret != ""
}

// OAuth1FromEnv reads the four BULKUNFOLLOW_OAUTH1_* variables. ok is
// false when none is set; an error names the missing ones when only some
// are (never a value).
func OAuth1FromEnv(getenv func(string) string) (keys OAuth1Keys, ok bool, err error) {
	keys = OAuth1Keys{
		ConsumerKey:    strings.TrimSpace(getenv(EnvOAuth1ConsumerKey)),
		ConsumerSecret: strings.TrimSpace(getenv(EnvOAuth1ConsumerSecret)),
		Token:          strings.TrimSpace(getenv(EnvOAuth1Token)),
		TokenSecret:    strings.TrimSpace(getenv(EnvOAuth1TokenSecret)),
	}
	var missing []string
	for _, v := range []struct{ name, val string }{
		{EnvOAuth1ConsumerKey, keys.ConsumerKey}, {EnvOAuth1ConsumerSecret, keys.ConsumerSecret},
		{EnvOAuth1Token, keys.Token}, {EnvOAuth1TokenSecret, keys.TokenSecret},
	} {
		if v.val == "" {
			missing = append(missing, v.name)
		}
	}
	switch len(missing) {
	case 4:
		return OAuth1Keys{}, false, nil
	case 0:
		return keys, true, nil
	}
	return OAuth1Keys{}, false, &ConfigError{Msg: "OAuth 1.0a credentials are incomplete: set " + strings.Join(missing, ", ") + " too (all four are needed)"}
}

// ConfigError is a setup mistake a person must fix (missing or partial
// configuration). Its message never includes a secret.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// NeedsPerson reports that a person must fix the configuration.
func (e *ConfigError) NeedsPerson() bool { return true }
