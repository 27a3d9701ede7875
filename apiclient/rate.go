package apiclient

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response header names X uses for rate limits. Header lookups are
// case-insensitive; these are the canonical spellings X sends.
const (
	HeaderLimit          = "x-rate-limit-limit"
	HeaderRemaining      = "x-rate-limit-remaining"
	HeaderReset          = "x-rate-limit-reset"
	HeaderUserDayLimit   = "x-user-limit-24hour-limit"
	HeaderUserDayRemain  = "x-user-limit-24hour-remaining"
	HeaderUserDayReset   = "x-user-limit-24hour-reset"
	HeaderAppDayLimit    = "x-app-limit-24hour-limit"
	HeaderAppDayRemain   = "x-app-limit-24hour-remaining"
	HeaderAppDayReset    = "x-app-limit-24hour-reset"
	headerRetryAfter     = "Retry-After"
	headerDate           = "Date"
	maxPlausibleEpochSec = 1 << 36 // year ~4147: anything later is garbage
)

// RateInfo is what one response said about rate limits, parsed from its
// headers. Every field comes with a presence flag: a missing or unparsable
// header leaves its flag false and its value zero; nothing is invented.
// Times from the server (Reset, Date, the 24 h resets) are on the server's
// clock; Received is the local clock when the response headers arrived, so
// a limiter can correct for skew (ratelimit does, from Date and Received).
type RateInfo struct {
	Limit     int       // x-rate-limit-limit: requests per window
	Remaining int       // x-rate-limit-remaining
	Reset     time.Time // x-rate-limit-reset (epoch seconds, server clock)
	// Present is true when Limit, Remaining and Reset were all parsed.
	Present                          bool
	HasLimit, HasRemaining, HasReset bool

	UserDay DayLimit // x-user-limit-24hour-*
	AppDay  DayLimit // x-app-limit-24hour-*

	Date    time.Time // server Date header
	HasDate bool

	// RetryAfter is the Retry-After header as a duration (an HTTP-date is
	// converted relative to the server Date when present, else to Received;
	// never negative).
	RetryAfter    time.Duration
	HasRetryAfter bool

	Received time.Time // local time the response arrived
}

// DayLimit is one family of 24-hour limit headers.
type DayLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time
	// Present is true when Limit, Remaining and Reset were all parsed.
	Present                          bool
	HasLimit, HasRemaining, HasReset bool
}

// ParseRate parses the rate-limit headers of a response received at the
// local time received. It never fails: garbage values are treated as absent.
func ParseRate(h http.Header, received time.Time) RateInfo {
	r := RateInfo{Received: received}
	r.Limit, r.HasLimit = headerCount(h, HeaderLimit)
	r.Remaining, r.HasRemaining = headerCount(h, HeaderRemaining)
	r.Reset, r.HasReset = headerEpoch(h, HeaderReset)
	r.Present = r.HasLimit && r.HasRemaining && r.HasReset
	r.UserDay = parseDay(h, HeaderUserDayLimit, HeaderUserDayRemain, HeaderUserDayReset)
	r.AppDay = parseDay(h, HeaderAppDayLimit, HeaderAppDayRemain, HeaderAppDayReset)

	if v := strings.TrimSpace(h.Get(headerDate)); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			r.Date, r.HasDate = t, true
		}
	}
	r.RetryAfter, r.HasRetryAfter = parseRetryAfter(h.Get(headerRetryAfter), r)
	return r
}

func parseDay(h http.Header, limit, remaining, reset string) DayLimit {
	var d DayLimit
	d.Limit, d.HasLimit = headerCount(h, limit)
	d.Remaining, d.HasRemaining = headerCount(h, remaining)
	d.Reset, d.HasReset = headerEpoch(h, reset)
	d.Present = d.HasLimit && d.HasRemaining && d.HasReset
	return d
}

// headerCount parses a non-negative decimal integer that fits an int32.
func headerCount(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		return 0, false
	}
	return int(n), true
}

// headerEpoch parses positive Unix epoch seconds.
func headerEpoch(h http.Header, name string) (time.Time, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > maxPlausibleEpochSec {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// parseRetryAfter accepts delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, r RateInfo) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > maxPlausibleEpochSec {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	ref := r.Received
	if r.HasDate {
		ref = r.Date
	}
	if ref.IsZero() {
		return 0, false
	}
	return max(t.Sub(ref), 0), true
}

// WindowExhausted reports x-rate-limit-remaining: 0.
func (r RateInfo) WindowExhausted() bool { return r.HasRemaining && r.Remaining == 0 }

// DayExhausted reports a 24-hour limit (user or app) with remaining 0.
func (r RateInfo) DayExhausted() bool {
	return r.UserDay.HasRemaining && r.UserDay.Remaining == 0 ||
		r.AppDay.HasRemaining && r.AppDay.Remaining == 0
}
