package auth

import (
	"fmt"
	"strings"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
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

// OAuth1FromEnv reads the four BULKUNFOLLOW_OAUTH1_* variables. ok is
// false when none is set; an error names the missing ones when only some
// are (never a value).
func OAuth1FromEnv(getenv func(string) string) (keys apiclient.OAuth1Credentials, ok bool, err error) {
	keys = apiclient.OAuth1Credentials{
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
		return apiclient.OAuth1Credentials{}, false, nil
	case 0:
		for _, v := range []struct{ name, val string }{
			{EnvOAuth1ConsumerKey, keys.ConsumerKey}, {EnvOAuth1ConsumerSecret, keys.ConsumerSecret},
			{EnvOAuth1Token, keys.Token}, {EnvOAuth1TokenSecret, keys.TokenSecret},
		} {
			if err := CheckCredential(v.name, v.val); err != nil {
				return apiclient.OAuth1Credentials{}, false, err
			}
		}
		return keys, true, nil
	}
	return apiclient.OAuth1Credentials{}, false, &ConfigError{Msg: "OAuth 1.0a credentials are incomplete: set " + strings.Join(missing, ", ") + " too (all four are needed)"}
}

// ConfigError is a setup mistake a person must fix (missing or partial
// configuration). Its message never includes a secret.
type ConfigError struct {
	Msg string
	Fix string // what to do, "" when Msg says it
}

func (e *ConfigError) Error() string { return e.Msg }

// Hint is what to do about it, or "".
func (e *ConfigError) Hint() string { return e.Fix }

// NeedsPerson reports that a person must fix the configuration.
func (e *ConfigError) NeedsPerson() bool { return true }

// CheckCredential reports a credential value (after TrimSpace) that cannot
// be sent: a control character (a line break, tab, NUL, DEL...) or a
// non-ASCII character, which no token or key of X contains and which HTTP
// headers cannot carry. Sent anyway, every request would fail before it
// leaves, looking like a network error that retries cannot cure. name
// says where the value came from (an environment variable, a file); the
// error never shows the value. Errors are *ConfigError.
func CheckCredential(name, value string) error {
	what, at := badByte(value)
	if what == "" {
		return nil
	}
	return &ConfigError{
		Msg: fmt.Sprintf("%s contains %s (byte %d of %d): it is not a valid credential", name, what, at, len(value)),
		Fix: "set it again with only the credential's own characters (copy it from your app's \"Keys and tokens\" page; " +
			"from a file: \"$(tr -d '\\r\\n' < FILE)\"); see docs/troubleshooting.md",
	}
}

// badByte describes the first byte of value that no credential may hold,
// with its 1-based position; what is "" when there is none.
func badByte(value string) (what string, at int) {
	for i := 0; i < len(value); i++ {
		switch b := value[i]; {
		case b == '\n' || b == '\r':
			return "a line break", i + 1
		case b < 0x20 || b == 0x7f:
			return fmt.Sprintf("a control character (0x%02x)", b), i + 1
		case b >= 0x80:
			return "a non-ASCII character", i + 1
		}
	}
	return "", 0
}
