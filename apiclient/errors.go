package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Sentinel causes kept in Error.Err.
var (
	// ErrRequestTimeout means the client's own per-request timeout expired
	// (a transient failure), as opposed to the caller's context ending.
	ErrRequestTimeout = errors.New("request timed out")
	// ErrBadBaseURL means the configured base URL is unusable.
	ErrBadBaseURL = errors.New("invalid API base URL")
	// ErrInvalidID means an id argument is not a decimal of 1–19 digits.
	ErrInvalidID = errors.New("invalid user id")
	// ErrMalformedBody means a 2xx response body could not be understood
	// (not JSON, truncated, or without the expected members).
	ErrMalformedBody = errors.New("malformed response body")
	// ErrUnsendable means Go's HTTP client refused to send the request as
	// built: a header value it rejects (a credential with a line break or
	// another control character), an invalid method or URL. Nothing left
	// the machine, and retrying sends the same request: a configuration
	// error (ClassConfig).
	ErrUnsendable = errors.New("request not sent")

	errNotObject = errors.New("not a JSON object")
)

// Class is what a caller should do about an error. Exactly one class
// applies to every error; see Classify.
type Class int

const (
	// ClassNone: no error.
	ClassNone Class = iota
	// ClassWindowLimited: 429 of a rate-limit window. Wait for the reset (or
	// back off briefly when Error.WindowExhausted is false: a hidden short
	// limit) and retry without counting an attempt.
	ClassWindowLimited
	// ClassQuota: usage cap (429 usage-capped) or credits (402). Waiting for
	// the window does not help: stop and tell the person.
	ClassQuota
	// ClassUnauthorized: 401. Refresh the token once and retry once, else stop.
	ClassUnauthorized
	// ClassForbidden: the account or app may not do this (403 of any kind,
	// 400 invalid-request). Stop and explain; retrying will not help.
	ClassForbidden
	// ClassNotFound: the target does not exist (200 with a
	// resource-not-found entry for it, or a 404 about it). Fail the target.
	ClassNotFound
	// ClassTransient: 5xx, dropped connection, timeout, truncated or
	// unreadable body. Retry with backoff.
	ClassTransient
	// ClassPermanent: any other failure. Fail the target, do not retry.
	ClassPermanent
	// ClassCanceled: the caller's context was canceled or hit its deadline.
	// Not a failure of the request: do not retry, do not count an attempt.
	ClassCanceled
	// ClassConfig: the setup is wrong, not the target: the HTTP client
	// refused to send the request (ErrUnsendable: an invalid header value
	// such as a mangled credential), or an unfollow got a 404 that does not
	// name its target (a wrong base URL, or X's answer to a DELETE the app
	// may not make). Stop and explain; retrying will not help.
	ClassConfig
)

var classNames = [...]string{
	ClassNone:          "none",
	ClassWindowLimited: "window-limited",
	ClassQuota:         "quota",
	ClassUnauthorized:  "unauthorized",
	ClassForbidden:     "forbidden",
	ClassNotFound:      "not-found",
	ClassTransient:     "transient",
	ClassPermanent:     "permanent",
	ClassCanceled:      "canceled",
	ClassConfig:        "config",
}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// StopsRun reports whether the class is about the account, the app or the
// caller rather than one target: a batch should stop (targets stay pending).
func (c Class) StopsRun() bool {
	switch c {
	case ClassQuota, ClassUnauthorized, ClassForbidden, ClassCanceled, ClassConfig:
		return true
	}
	return false
}

// Error is every failure of a Client call. It keeps what the server said
// (status, response headers, rate limits, problem body) or the transport
// error. It never holds request headers, so no credential can leak through
// it.
type Error struct {
	Op       string   // "unfollow 123", "me", "users by", "users by ids", "following 42"
	Endpoint Endpoint // which rate-limit bucket answered
	Method   string
	Path     string // URL path only: no query, no host
	Target   string // the target user id of an unfollow, else ""

	Status int         // HTTP status; 0 when no response arrived
	Header http.Header // response headers (nil when no response)
	Rate   RateInfo    // parsed from Header

	// Problem is the top-level problem body; for a 200 with an "errors"
	// array and no top-level problem it is the entry the error is about
	// (the target's, else the first).
	Problem Problem
	Legacy  []LegacyError // {"errors":[{"code":..,"message":..}]}
	Errors  []Problem     // problem entries of an "errors" array
	// Body is the start of a response body that was not JSON (e.g. a
	// proxy's HTML page), for diagnosis.
	Body string

	Err error // transport error, timeout, context end or decode failure

	// noEffect is true when the client knows the request did nothing: it
	// never left (an unusable base URL or id, the caller's context already
	// over, a request the HTTP client refused to send) or the auth transport
	// gave up on it (no usable credential, a 401 it could not refresh). The
	// zero value (false) is the safe one: see MayHaveTakenEffect.
	noEffect bool
}

// Error returns a concise one-line description such as
// "unfollow 123: 429 Too Many Requests: Too Many Requests".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Status == 0 {
		b.WriteString(": ")
		if e.Method != "" {
			b.WriteString(e.Method + " " + e.Path + ": ")
		}
		if e.Err != nil {
			b.WriteString(e.Err.Error())
		} else {
			b.WriteString("no response")
		}
		return b.String()
	}
	fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	if msg := e.message(); msg != "" {
		b.WriteString(": " + msg)
	}
	return b.String()
}

func (e *Error) message() string {
	var parts []string
	if t := e.Problem.Text(); t != "" {
		parts = append(parts, t)
		if n := e.Problem.Name(); n != "" && !strings.Contains(t, n) {
			parts[0] += " (" + n + ")"
		}
	}
	for _, l := range e.Legacy {
		parts = append(parts, fmt.Sprintf("%s (code %d)", l.Message, l.Code))
	}
	if len(parts) == 0 && e.Body != "" && e.Err == nil {
		parts = append(parts, "non-JSON body")
	}
	if e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the transport, timeout, context or decode error.
func (e *Error) Unwrap() error { return e.Err }

// WindowExhausted reports whether the 15-minute rate-limit window is known
// to be used up (x-rate-limit-remaining: 0). False when the header was
// absent. See also DayExhausted.
func (e *Error) WindowExhausted() bool { return e.Rate.WindowExhausted() }

// DayExhausted reports whether a 24-hour limit (x-user-limit-24hour-* or
// x-app-limit-24hour-*) is known to be used up.
func (e *Error) DayExhausted() bool { return e.Rate.DayExhausted() }

// Classify returns the class of any error a Client call returned: the
// class of an *Error in its chain, ClassCanceled for context.Canceled or
// context.DeadlineExceeded, ClassNone for nil, ClassPermanent otherwise.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassCanceled
	}
	return ClassPermanent
}

// needsPerson reports whether err says that only a person can fix it, as
// the auth transport's errors do (a NeedsPerson method returning true).
// apiclient does not import auth: the method is the contract.
func needsPerson(err error) bool {
	var np interface{ NeedsPerson() bool }
	return errors.As(err, &np) && np.NeedsPerson()
}

// Class returns what the caller should do about e.
func (e *Error) Class() Class {
	if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
		return ClassCanceled // only ever the caller's context: see Client.transportErr
	}
	if e.Status == 0 {
		if errors.Is(e.Err, ErrBadBaseURL) || errors.Is(e.Err, ErrInvalidID) {
			return ClassPermanent
		}
		if errors.Is(e.Err, ErrUnsendable) {
			return ClassConfig
		}
		if needsPerson(e.Err) {
			// The transport could not authenticate the request (a refused
			// refresh token, no usable credential): a new login is needed,
			// exactly as after a 401.
			return ClassUnauthorized
		}
		return ClassTransient // connection refused/reset, EOF, our timeout
	}
	name := e.Problem.Name()
	switch {
	case e.Status == http.StatusPaymentRequired:
		return ClassQuota
	case isQuotaName(name) || e.hasErrorNamed(isQuotaName):
		return ClassQuota
	case e.Status == http.StatusTooManyRequests:
		return ClassWindowLimited
	case e.Status == http.StatusUnauthorized:
		return ClassUnauthorized
	case e.Status == http.StatusForbidden:
		return ClassForbidden
	case e.Status == http.StatusBadRequest && name == "invalid-request":
		return ClassForbidden
	case e.Status == http.StatusNotFound && e.Target != "":
		// An unfollow: only a 404 that names the target is about it. Any
		// other (empty, HTML, a generic problem, a legacy code) says the
		// path or the app is wrong and would fail target after target.
		if e.namesTarget() {
			return ClassNotFound
		}
		return ClassConfig
	case e.Status == http.StatusNotFound:
		if c, _ := legacyClass(e.Legacy); e.aboutTarget() || c == ClassNotFound {
			return ClassNotFound
		}
		return ClassPermanent
	case e.Status >= 500, e.Status == http.StatusRequestTimeout:
		return ClassTransient
	case e.Status >= 200 && e.Status < 300:
		return e.class2xx()
	}
	if c, ok := legacyClass(e.Legacy); ok {
		return c
	}
	return ClassPermanent
}

// class2xx classifies a 2xx that still failed: an "errors" entry instead
// of data, or an unreadable body.
func (e *Error) class2xx() Class {
	if e.Err != nil {
		return ClassTransient // truncated, unreadable or malformed body
	}
	if e.aboutTarget() {
		return ClassNotFound
	}
	switch e.Problem.Name() {
	case "client-forbidden", "unsupported-authentication", "user-suspended", "invalid-request":
		return ClassForbidden
	}
	if c, ok := legacyClass(e.Legacy); ok {
		return c
	}
	return ClassPermanent
}

func isQuotaName(n string) bool {
	return n == "usage-capped" || n == "credits" || n == "credits-depleted"
}

func (e *Error) hasErrorNamed(f func(string) bool) bool {
	for _, p := range e.Errors {
		if f(p.Name()) {
			return true
		}
	}
	return false
}

// aboutTarget reports whether the primary problem says the resource does
// not exist or is unavailable, and (when an id is given) that it is the
// target's. For calls without a target any such problem counts.
func (e *Error) aboutTarget() bool {
	switch e.Problem.Name() {
	case "resource-not-found", "resource-unavailable":
	default:
		return false
	}
	if e.Target == "" {
		return true
	}
	id := e.Problem.Str("resource_id")
	if id == "" {
		id = e.Problem.Str("value")
	}
	return id == "" || id == e.Target
}

// RefusesTarget reports whether a refusal (403, or 400 invalid-request)
// concerns only the unfollow's target, so the next target may well
// succeed: X's words (the problem's detail, or the first legacy message
// when there is none, or the title) name the target's id as a whole
// number, and the problem is not one that always concerns the account or
// the app (unsupported authentication, a client not allowed, a suspended
// account, a usage cap, credits, an invalid request), whichever API
// version's problem URI names it. Any other refusal stops a run: it would
// refuse every target.
func (e *Error) RefusesTarget() bool {
	if e.Target == "" {
		return false
	}
	name := e.Problem.Type
	if i := strings.LastIndex(name, "/problems/"); i >= 0 {
		name = strings.TrimSuffix(name[i+len("/problems/"):], "/")
	}
	switch name {
	case "unsupported-authentication", "client-forbidden", "user-suspended", "invalid-request":
		return false
	}
	if isQuotaName(name) {
		return false
	}
	detail := e.Problem.Detail
	if detail == "" && len(e.Legacy) > 0 {
		detail = e.Legacy[0].Message
	}
	return mentionsID(detail, e.Target) || mentionsID(e.Problem.Title, e.Target)
}

// namesTarget reports whether the answer names the target: a problem (top
// level or an "errors" entry) whose resource_id or value is the target id,
// or whose detail mentions the id as a whole number.
func (e *Error) namesTarget() bool {
	if e.Target == "" {
		return false
	}
	for _, p := range append([]Problem{e.Problem}, e.Errors...) {
		if p.Str("resource_id") == e.Target || p.Str("value") == e.Target || mentionsID(p.Detail, e.Target) {
			return true
		}
	}
	return false
}

// mentionsID reports whether id occurs in s as a whole number (not inside
// a longer run of digits).
func mentionsID(s, id string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], id)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(id)
		if (start == 0 || !isDigit(s[start-1])) && (end == len(s) || !isDigit(s[end])) {
			return true
		}
		i = start + 1
	}
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// MayHaveTakenEffect reports whether the request may have been applied by X
// although no complete answer says what happened: it went out and got no
// answer (a dropped connection, a timeout), a gateway's 502 or 504, or an
// answer that was not read whole or not understood (a body cut off, a
// timeout or cancel while reading it, a 2xx body that is not the expected
// JSON). An answer read whole (a refusal, 404, 429, X's own 500/503) and a
// request the client never sent do not count. This is the one place that
// decides it: a caller must not record such a target as "not following".
func (e *Error) MayHaveTakenEffect() bool {
	switch {
	case e.noEffect:
		return false
	case e.Status == 0:
		return true // sent (or possibly sent), no answer
	case e.Status == http.StatusBadGateway, e.Status == http.StatusGatewayTimeout:
		return true // a gateway's word, not X's
	}
	return e.Err != nil // the answer was not read whole, or not understood
}

// MayHaveTakenEffect reports whether the request behind err may have been
// applied (see Error.MayHaveTakenEffect). nil: false. An error that is not
// a Client's *Error says nothing either way: true.
func MayHaveTakenEffect(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.MayHaveTakenEffect()
	}
	return true
}

// legacyClass maps well-known v1.1 error codes.
func legacyClass(ls []LegacyError) (Class, bool) {
	for _, l := range ls {
		switch l.Code {
		case 88:
			return ClassWindowLimited, true
		case 32, 89, 135:
			return ClassUnauthorized, true
		case 64, 326, 87, 261:
			return ClassForbidden, true
		case 185, 161:
			return ClassQuota, true
		case 130, 131:
			return ClassTransient, true
		case 34, 50, 63:
			return ClassNotFound, true
		}
	}
	return 0, false
}

// Hint tells a person what to do about an account- or app-level error, in
// one or two sentences; "" for classes a batch handles by itself.
func (e *Error) Hint() string {
	switch e.Class() {
	case ClassUnauthorized:
		return "The access token was rejected (expired or revoked; a stored login is refreshed first). Run \"bulkunfollow auth login --client-id YOUR_CLIENT_ID\" again, or set a new BULKUNFOLLOW_ACCESS_TOKEN; with OAuth 1.0a keys, regenerate the access token and secret on the app's \"Keys and tokens\" page."
	case ClassQuota:
		if e.Status == http.StatusPaymentRequired || e.Problem.Name() == "credits" || e.Problem.Name() == "credits-depleted" {
			return "The app's X API credits are used up. Add credits in the X developer console, then run again; the queue resumes where it stopped."
		}
		what := "usage cap"
		if p := e.Problem.Str("period"); p != "" {
			what = strings.ToLower(p) + " usage cap"
		}
		return "The app reached its " + what + "; waiting for the rate-limit window does not help. Run again after the cap resets or raise the plan in the X developer console."
	case ClassForbidden:
		switch e.Problem.Name() {
		case "unsupported-authentication":
			return "This endpoint needs a user token, not an app-only bearer token. Log in with \"bulkunfollow auth login --client-id YOUR_CLIENT_ID\" (OAuth 2.0 user context) or use OAuth 1.0a user access token and secret."
		case "client-forbidden":
			return "The app is not attached to a Project or lacks the needed access level. In the X developer console, add the app to a Project with API v2 access, then regenerate its keys."
		case "user-suspended":
			return "X says the authenticated account is suspended; unfollowing is not possible until X lifts the suspension."
		case "invalid-request":
			return "X rejected the request as invalid (for example the source id is not the logged-in account). Check that the queue belongs to the account you logged in with."
		}
		return "X refused the request for this account or app. Check that the app has \"Read and write\" permission (regenerate tokens after changing it) and that the account is in good standing."
	case ClassWindowLimited:
		return "The rate-limit window is used up; the run waits for the reset and continues."
	case ClassConfig:
		if e.Status == http.StatusNotFound {
			return "X answered 404 without naming the target: the API base URL may be wrong (check --api-base-url), or the app may not unfollow for this account (X answers some unauthorized DELETEs with 404): check that the app has \"Read and write\" permission, regenerate the tokens and log in again."
		}
		return "The request could not be sent: a header value is invalid, usually a credential with a stray line break, quote or control character. Check the credentials in the environment or files (bulkunfollow auth status), or log in again."
	}
	return ""
}
