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
	case ClassQuota, ClassUnauthorized, ClassForbidden, ClassCanceled:
		return true
	}
	return false
}

// Error is every failure of a Client call. It keeps what the server said
// (status, response headers, rate limits, problem body) or the transport
// error. It never holds request headers, so no credential can leak through
// it.
type Error struct {
	Op       string   // "unfollow 123", "me", "users by", "following 42"
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
// absent. See also DayExhausted and RateInfo.ResumeAt.
func (e *Error) WindowExhausted() bool { return e.Rate.WindowExhausted() }

// DayExhausted reports whether a 24-hour limit (x-user-limit-24hour-* or
// x-app-limit-24hour-*) is known to be used up.
func (e *Error) DayExhausted() bool { return e.Rate.DayExhausted() }

// HiddenLimit reports a window-limited 429 although neither the window nor
// a 24-hour limit is known to be exhausted (remaining > 0, no cap body): a
// hidden short limit. Back off briefly rather than waiting for the reset.
func (e *Error) HiddenLimit() bool {
	return e.Class() == ClassWindowLimited && e.Rate.HasRemaining && e.Rate.Remaining > 0 && !e.DayExhausted()
}

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
		return "The access token was rejected (expired or revoked; a stored login is refreshed first). Run \"bulkunfollow auth login\" again, or set a new BULKUNFOLLOW_ACCESS_TOKEN; with OAuth 1.0a keys, regenerate the access token and secret on the app's \"Keys and tokens\" page."
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
			return "This endpoint needs a user token, not an app-only bearer token. Log in with \"bulkunfollow auth login\" (OAuth 2.0 user context) or use OAuth 1.0a user access token and secret."
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
	}
	return ""
}
