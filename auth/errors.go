package auth

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
)

// ErrLoginRequired matches (errors.Is) every error that only a new
// "bulkunfollow auth login" can fix: a spent or revoked refresh token, an
// expired token without a refresh token, a refreshed token that could not be
// saved.
var ErrLoginRequired = errors.New("log in again")

// ErrNoCredentials means nothing is stored and no credential is in the
// environment.
var ErrNoCredentials = errors.New("no credentials")

// LoginRequiredError says a credential can no longer be used and why. Its
// message names the account and the command to run, never a token.
type LoginRequiredError struct {
	Account string // "@jack (12)" or "" when unknown
	Reason  string // "the server rejected the refresh token"
	Err     error  // the cause, already free of secrets
	// Login is the flags of the "bulkunfollow auth login" that renews the
	// credential ("--client-id ID", "--oauth1"); "" when not known.
	Login string
}

func (e *LoginRequiredError) Error() string {
	s := "credentials"
	if e.Account != "" {
		s += " for " + e.Account
	}
	s += " need a new login: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *LoginRequiredError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrLoginRequired) true.
func (e *LoginRequiredError) Is(target error) bool { return target == ErrLoginRequired }

// NeedsPerson reports that no retry helps: a person must log in again.
func (e *LoginRequiredError) NeedsPerson() bool { return true }

// Hint is the command that fixes it. The caller adds the flags of its
// own context (--api-base-url, --config-dir): this package does not know
// how the person named them.
func (e *LoginRequiredError) Hint() string {
	login := e.Login
	if login == "" {
		login = "--client-id YOUR_CLIENT_ID"
	}
	return "bulkunfollow auth login " + login
}

// loginFlags are the flags of the "bulkunfollow auth login" that renews c.
func loginFlags(c Credential) string {
	switch {
	case c.Method == MethodOAuth1:
		return "--oauth1"
	case c.ClientID != "":
		return "--client-id " + c.ClientID
	}
	return ""
}

// AccountError means the stored credential to use could not be chosen: none
// stored, several and none chosen, or the chosen one is not there.
type AccountError struct {
	Wanted    string   // the --account value, "" when none was given
	Available []string // labels of the stored accounts ("@jack (12)")
	Path      string   // the credential file
	Other     []string // accounts stored for another API base URL
	// OtherAPIs are the API base URLs of Other, each once, in order.
	OtherAPIs []string
}

func (e *AccountError) Error() string {
	switch {
	case e.Wanted != "" && len(e.Available) > 0:
		return fmt.Sprintf("no stored account matches %q (stored: %s)", e.Wanted, strings.Join(e.Available, ", "))
	case e.Wanted != "":
		return fmt.Sprintf("no stored account matches %q", e.Wanted) + e.otherText()
	case len(e.Available) > 1:
		return fmt.Sprintf("several accounts are stored (%s): choose one with --account", strings.Join(e.Available, ", "))
	default:
		return "no stored credentials in " + e.Path + e.otherText()
	}
}

func (e *AccountError) otherText() string {
	if len(e.Other) == 0 {
		return ""
	}
	return " (stored for another API base URL: " + strings.Join(e.Other, ", ") + ")"
}

// Is makes errors.Is(err, ErrNoCredentials) true when nothing is stored.
func (e *AccountError) Is(target error) bool {
	return target == ErrNoCredentials && len(e.Available) == 0
}

// NeedsPerson reports that a person must choose or log in.
func (e *AccountError) NeedsPerson() bool { return true }

// Hint is the command that fixes it.
func (e *AccountError) Hint() string {
	if len(e.Available) > 1 && e.Wanted == "" {
		return "bulkunfollow run --account @USERNAME (see bulkunfollow auth status)"
	}
	if len(e.Available) > 0 {
		return "bulkunfollow auth status"
	}
	if len(e.OtherAPIs) == 1 {
		return "the stored login is for " + e.OtherAPIs[0] + ": give that API, e.g. bulkunfollow run --api-base-url " + e.OtherAPIs[0] +
			", or log in for this one: bulkunfollow auth login --client-id YOUR_CLIENT_ID"
	}
	return "bulkunfollow auth login --client-id YOUR_CLIENT_ID (or --oauth1; docs/auth.md)"
}

// TokenError is a failed call to the token or revoke endpoint, with the
// server's status and OAuth error code but never the response body, which
// could echo a token. It replaces *oauth2.RetrieveError, whose message
// prints the raw body.
type TokenError struct {
	Op          string // "exchange code", "refresh token", "revoke token"
	Status      int    // HTTP status, 0 when unknown
	Code        string // OAuth "error", e.g. "invalid_grant"
	Description string // OAuth "error_description", secrets removed
}

func (e *TokenError) Error() string {
	s := e.Op + ": "
	if e.Status != 0 {
		s += fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	} else {
		s += "failed"
	}
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Rejected reports whether the server refused the grant itself (spent,
// expired or revoked code or refresh token) as opposed to failing.
func (e *TokenError) Rejected() bool {
	switch e.Code {
	case "invalid_grant":
		return true
	case "invalid_request":
		// X answers a spent refresh token with invalid_request and this text.
		return strings.Contains(strings.ToLower(e.Description), "token was invalid")
	}
	return false
}

// ClientRejected reports whether the server refused the client id/secret.
func (e *TokenError) ClientRejected() bool {
	return e.Code == "invalid_client" || e.Code == "unauthorized_client"
}

// sanitize turns errors from golang.org/x/oauth2 into errors safe to print:
// *oauth2.RetrieveError becomes *TokenError, and any secret that appears
// in a message is replaced. Other errors keep their chain.
func sanitize(op string, err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Op: op, Code: redact(re.ErrorCode, secrets), Description: redact(truncate(re.ErrorDescription, 200), secrets)}
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		return te
	}
	msg := err.Error()
	if redacted := redact(msg, secrets); redacted != msg {
		return fmt.Errorf("%s: %s", op, redacted)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// redact replaces every non-empty secret in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// DirError means the credential directory cannot be made private safely:
// bulkunfollow leaves it as it is rather than change the mode of a
// directory others use. Its message says why; Hint says what to do.
type DirError struct {
	Dir    string
	Mode   fs.FileMode // the directory's mode, 0 when not known
	Reason string      // "it has the sticky bit, so it is a shared directory (like /tmp)"
	Fix    string
}

func (e *DirError) Error() string {
	s := "credential directory " + e.Dir
	if e.Mode != 0 {
		s += fmt.Sprintf(" (mode %v)", e.Mode)
	}
	if e.Mode.Perm()&0o077 != 0 {
		return s + " is open to other users, and bulkunfollow will not change its mode: " + e.Reason
	}
	return s + " cannot hold credentials: " + e.Reason
}

// NeedsPerson reports that a person must choose another directory or fix
// this one.
func (e *DirError) NeedsPerson() bool { return true }

// Hint is what to do instead.
func (e *DirError) Hint() string { return e.Fix }

// Hint says what a person should do about a credential problem in err's
// chain (this package's errors), "" when there is none: the one source of
// auth's advice, as apiclient.Error.Hint is for X's refusals.
func Hint(err error) string {
	var (
		lr *LoginRequiredError
		ae *AccountError
		de *DirError
		ce *ConfigError
	)
	switch {
	case errors.As(err, &lr):
		return lr.Hint()
	case errors.As(err, &ae):
		return ae.Hint()
	case errors.As(err, &de) && de.Hint() != "":
		return de.Hint()
	case errors.As(err, &ce) && ce.Hint() != "":
		return ce.Hint()
	case errors.Is(err, ErrLoginRequired):
		return "sign in again: bulkunfollow auth login --client-id YOUR_CLIENT_ID"
	case errors.Is(err, ErrNoCredentials):
		return "sign in with bulkunfollow auth login --client-id YOUR_CLIENT_ID, or set BULKUNFOLLOW_ACCESS_TOKEN or the BULKUNFOLLOW_OAUTH1_* variables (docs/auth.md)"
	}
	return ""
}
