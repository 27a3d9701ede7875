package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// DefaultBaseURL is the real X API.
const DefaultBaseURL = "https://api.x.com"

// Defaults applied by New.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultUserAgent    = "bulkunfollow"
	DefaultMaxBodyBytes = 8 << 20
)

// Endpoint names a rate-limit bucket: X limits each endpoint separately.
type Endpoint string

// The endpoints the client calls.
const (
	EndpointUnfollow  Endpoint = "unfollow"  // DELETE /2/users/:id/following/:target_user_id
	EndpointMe        Endpoint = "users/me"  // GET /2/users/me
	EndpointUsersBy   Endpoint = "users/by"  // GET /2/users/by
	EndpointUsers     Endpoint = "users"     // GET /2/users (by ids)
	EndpointFollowing Endpoint = "following" // GET /2/users/:id/following
)

// Client calls X API v2. It is safe for concurrent use.
type Client struct {
	hc        *http.Client
	base      string // scheme://host[/prefix], no trailing slash
	basePath  string // the /prefix part of base
	baseErr   error
	userAgent string
	timeout   time.Duration
	now       func() time.Time
	observe   func(Endpoint, RateInfo)
	maxBody   int64
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout bounds each request (headers and body) to d; 0 disables the
// per-request timeout. Expiry is a transient error wrapping
// ErrRequestTimeout, distinct from the caller's context ending.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithClock sets the clock used to stamp RateInfo.Received.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithRateObserver calls fn with the rate information of every response,
// success or error, before the call returns. fn must be quick and safe for
// concurrent use.
func WithRateObserver(fn func(Endpoint, RateInfo)) Option {
	return func(c *Client) { c.observe = fn }
}

// WithMaxBodyBytes caps how much of a response body is read.
func WithMaxBodyBytes(n int64) Option { return func(c *Client) { c.maxBody = n } }

// New returns a client for the API at baseURL (DefaultBaseURL when empty;
// a trailing slash is ignored). hc carries authentication (an oauth2 client
// or one built on OAuth1Transport); nil means an unauthenticated default
// client. userAgent is sent on every request (DefaultUserAgent when empty).
// An unusable baseURL makes every call fail with ErrBadBaseURL; check it
// up front with CheckBaseURL.
func New(hc *http.Client, baseURL, userAgent string, opts ...Option) *Client {
	if hc == nil {
		hc = &http.Client{}
	}
	// Never follow redirects: an auth transport (oauth2, OAuth1Transport)
	// would sign the redirected request too, handing credentials to
	// wherever the redirect points. X's API does not redirect; a 3xx is
	// returned as a permanent *Error instead. The caller's client is not
	// modified.
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc = &noRedirect
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}
	c := &Client{
		hc:        hc,
		userAgent: userAgent,
		timeout:   DefaultTimeout,
		now:       time.Now,
		maxBody:   DefaultMaxBodyBytes,
	}
	c.base, c.baseErr = CheckBaseURL(baseURL)
	if u, err := url.Parse(c.base); err == nil && c.baseErr == nil {
		c.basePath = u.Path
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the normalised base URL ("" when it was unusable).
func (c *Client) BaseURL() string { return c.base }

// CheckBaseURL validates an API base URL and returns it normalised (no
// trailing slash). It must be absolute http(s) without query or fragment;
// a path prefix is allowed. Empty means DefaultBaseURL.
func CheckBaseURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(s)
	// The errors show the URL without what may hold a secret (user info,
	// query, fragment), or not at all.
	bad := func(why string) error {
		if u == nil || u.Host == "" || u.Opaque != "" {
			return fmt.Errorf("%w: %s", ErrBadBaseURL, why)
		}
		return fmt.Errorf("%w %q: %s", ErrBadBaseURL, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(), why)
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return "", bad(err.Error())
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", bad("scheme must be http or https")
	case u.Host == "":
		return "", bad("no host")
	case u.User != nil:
		return "", bad("credentials in the URL are not allowed")
	case u.RawQuery != "" || u.Fragment != "":
		return "", bad("no query or fragment allowed")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// call describes one request.
type call struct {
	endpoint Endpoint
	op       string
	method   string
	path     string // starts with /2/, already escaped
	query    url.Values
	target   string
}

// response is a 2xx answer whose body the caller decodes; fail turns a
// decoding problem into an *Error carrying everything known.
type response struct {
	body []byte
	rate RateInfo
	err  *Error
}

func (r *response) malformed(why string) *Error {
	r.err.Err = fmt.Errorf("%w: %s", ErrMalformedBody, why)
	r.err.Body = snippet(r.body)
	return r.err
}

// send performs the request. Any non-2xx status or transport failure is
// returned as *Error; a 2xx returns the body for decoding.
func (c *Client) send(ctx context.Context, k call) (*response, error) {
	e := &Error{Op: k.op, Endpoint: k.endpoint, Method: k.method, Path: c.basePath + k.path, Target: k.target}
	if c.baseErr != nil {
		e.Err, e.noEffect = c.baseErr, true
		return nil, e
	}
	if err := ctx.Err(); err != nil {
		e.Err, e.noEffect = callerErr(ctx), true
		return nil, e
	}
	u := c.base + k.path
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}

	rctx, cancel := ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		rctx, cancel = context.WithTimeoutCause(ctx, c.timeout, ErrRequestTimeout)
	}
	defer cancel()

	req, err := http.NewRequestWithContext(rctx, k.method, u, nil)
	if err != nil {
		e.Err, e.noEffect = fmt.Errorf("%w: %v", ErrBadBaseURL, err), true
		return nil, e
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")

	resp, err := c.hc.Do(req)
	if err != nil {
		e.Err = c.transportErr(ctx, rctx, err)
		e.noEffect = errors.Is(e.Err, ErrUnsendable) || needsPerson(e.Err)
		return nil, e
	}
	defer resp.Body.Close()

	e.Status = resp.StatusCode
	e.Header = resp.Header
	e.Rate = ParseRate(resp.Header, c.now())
	if c.observe != nil {
		c.observe(k.endpoint, e.Rate)
	}

	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if err != nil {
		e.Err = c.transportErr(ctx, rctx, err)
		if ok {
			return nil, e
		}
	}
	if int64(len(b)) > c.maxBody {
		b = b[:c.maxBody]
		if ok {
			e.Err = fmt.Errorf("%w: body exceeds %d bytes", ErrMalformedBody, c.maxBody)
			return nil, e
		}
	}
	if ok {
		return &response{body: b, rate: e.Rate, err: e}, nil
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		if bd, perr := parseBody(b); perr == nil {
			e.Problem, e.Legacy, e.Errors = bd.Problem, bd.Legacy, bd.Errors
			if e.Problem.IsZero() && len(e.Errors) > 0 {
				e.Problem = pickProblem(e.Errors, k.target)
			}
		} else {
			e.Body = snippet(b)
		}
	}
	return nil, e
}

// transportErr turns a client error into the cause kept in Error.Err:
// the caller's context end (ClassCanceled), ErrRequestTimeout for our own
// timeout, ErrUnsendable for a request the HTTP client would not send, or
// the underlying network error without the URL.
func (c *Client) transportErr(ctx, rctx context.Context, err error) error {
	if ctx.Err() != nil {
		return callerErr(ctx)
	}
	if rctx.Err() != nil {
		return fmt.Errorf("%w after %s", ErrRequestTimeout, c.timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// http.Client.Timeout or similar: not the caller's context.
		return fmt.Errorf("%w: %s", ErrRequestTimeout, err.Error())
	}
	if unsendable(err) {
		return fmt.Errorf("%w: %w", ErrUnsendable, err)
	}
	return err
}

// unsendable reports whether err is Go's HTTP client refusing a request
// as built, before dialing: it checks header and trailer fields (names and
// values: a credential with a line break fails here), the method and the
// URL. Those errors are plain strings, recognised by their wording.
func unsendable(err error) bool {
	msg := err.Error()
	for _, s := range []string{"net/http: invalid header", "net/http: invalid trailer", "net/http: invalid method",
		"unsupported protocol scheme", "http: nil Request.", "http: no Host in request URL"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// callerErr is the caller's context error, with its cause when it has one.
func callerErr(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// pickProblem returns the entry about target (by resource_id or value),
// else the first.
func pickProblem(ps []Problem, target string) Problem {
	if target != "" {
		for _, p := range ps {
			if p.Str("resource_id") == target || p.Str("value") == target {
				return p
			}
		}
	}
	return ps[0]
}

// snippet keeps the start of a non-JSON body, printable, on one line.
func snippet(b []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(b[:min(len(b), 4*n)]), "?")
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
