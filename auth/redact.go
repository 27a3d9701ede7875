package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Redacted replaces a credential in anything that came from a server.
const Redacted = "[REDACTED]"

// minSecret is the shortest value treated as a secret: anything shorter
// would match ordinary text.
const minSecret = 6

// maxRedactBody bounds the response body the redactor reads (more than
// apiclient ever accepts); a longer body is cut there.
const maxRedactBody = 16 << 20

// secretSet is the credentials one client holds. It grows when a refresh
// brings new tokens; it has its own lock so that the token source can add
// to it while it holds its own.
type secretSet struct {
	mu   sync.Mutex
	vals []string
}

func newSecretSet(vals ...string) *secretSet {
	s := &secretSet{}
	s.add(vals...)
	return s
}

// add records vals and the forms a server could echo them in.
func (s *secretSet) add(vals ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		for _, f := range secretForms(v) {
			if !slices.Contains(s.vals, f) {
				s.vals = append(s.vals, f)
			}
		}
	}
}

func (s *secretSet) snapshot() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.vals)
}

// secretForms is v as sent and as a server could write it back: percent-
// encoded (OAuth 1.0a headers, form bodies), percent-decoded, and escaped
// inside a JSON string.
func secretForms(v string) []string {
	if len(v) < minSecret {
		return nil
	}
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if d, err := url.QueryUnescape(v); err == nil {
		forms = append(forms, d)
	}
	if b, err := json.Marshal(v); err == nil {
		j := string(b[1 : len(b)-1])
		forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
	}
	var out []string
	for _, f := range forms {
		if len(f) >= minSecret && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// headerSecrets are the credentials in an Authorization header value: the
// whole value, its token or Basic blob, and each OAuth 1.0a parameter
// value that is secret (token, signature).
func headerSecrets(h string) []string {
	if h == "" {
		return nil
	}
	out := []string{h}
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok {
		return out
	}
	out = append(out, strings.TrimSpace(rest))
	if strings.EqualFold(scheme, "OAuth") {
		for _, p := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok {
				continue
			}
			switch k {
			case "oauth_token", "oauth_signature":
				out = append(out, strings.Trim(v, `"`))
			}
		}
	}
	return out
}

// redactString replaces every secret in s, longest first.
func redactString(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= minSecret {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

func sortLongestFirst(secrets []string) []string {
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	return secrets
}

// redactingTransport sits directly above the network: every response it
// passes up has each credential the client holds, and the whole
// Authorization header the request was sent with, replaced by Redacted in
// its headers, trailers and body, so that a server that echoes them (in a
// problem detail, a text page, a header) cannot get them into an error,
// a log line or the queue. Errors of the transport below are redacted the
// same way.
type redactingTransport struct {
	base    http.RoundTripper
	secrets *secretSet
	// tokenEndpoint keeps the body of a successful answer as it is: the
	// token endpoint's answer carries the new tokens (possibly the same
	// refresh token again), which must be read, not redacted.
	tokenEndpoint bool
}

func redactor(base http.RoundTripper, secrets *secretSet) *redactingTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &redactingTransport{base: base, secrets: secrets}
}

func tokenRedactor(base http.RoundTripper, secrets *secretSet) *redactingTransport {
	t := redactor(base, secrets)
	t.tokenEndpoint = true
	return t
}

func (t *redactingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	secrets := t.secrets.snapshot()
	for _, h := range headerSecrets(req.Header.Get("Authorization")) {
		secrets = append(secrets, secretForms(h)...)
	}
	secrets = sortLongestFirst(secrets)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		if msg := err.Error(); redactString(msg, secrets) != msg {
			return nil, &redactedError{msg: redactString(msg, secrets), err: err}
		}
		return nil, err
	}
	redactHeader(resp.Header, secrets)
	if t.tokenEndpoint && resp.StatusCode/100 == 2 {
		return resp, nil
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return resp, nil
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxRedactBody))
	_ = resp.Body.Close()
	redactHeader(resp.Trailer, secrets) // filled in once the body was read
	red := []byte(redactString(string(body), secrets))
	if rerr != nil {
		if msg := rerr.Error(); redactString(msg, secrets) != msg {
			rerr = &redactedError{msg: redactString(msg, secrets), err: rerr}
		}
	}
	resp.Body = &redactedBody{r: bytes.NewReader(red), err: rerr}
	if rerr == nil && !bytes.Equal(red, body) {
		resp.ContentLength = int64(len(red))
		if resp.Header.Get("Content-Length") != "" {
			resp.Header.Set("Content-Length", strconv.Itoa(len(red)))
		}
	}
	return resp, nil
}

func redactHeader(h http.Header, secrets []string) {
	for k, vs := range h {
		for i, v := range vs {
			vs[i] = redactString(v, secrets)
		}
		h[k] = vs
	}
}

// redactedBody is a response body already read and redacted; a read
// error of the original comes after its bytes.
type redactedBody struct {
	r   *bytes.Reader
	err error
}

func (b *redactedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *redactedBody) Close() error { return nil }

// redactedError is an error whose message had a credential in it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap keeps errors.Is/As working (timeouts, context errors) on the
// original; its message is never used.
func (e *redactedError) Unwrap() error { return e.err }

// Timeout keeps net.Error's classification.
func (e *redactedError) Timeout() bool {
	var te interface{ Timeout() bool }
	return errors.As(e.err, &te) && te.Timeout()
}
