package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is N requests per window Per, e.g. 50 per 15 minutes.
type Rate struct {
	N   int
	Per time.Duration
}

// DefaultRate is X's documented unfollow limit per user: 50 requests per
// 15-minute window. It only paces requests until the first response
// carries the server's own numbers.
var DefaultRate = Rate{N: 50, Per: 15 * time.Minute}

// DefaultDailyCap is the default rolling-24-hour cap on unfollow requests.
//
// X documented a cap of 500 unfollows per day per app for years, removed it
// from its docs in 2026 without saying whether it still applies, and folk
// "safe" values range from 250 to 800. 400 stays a fifth below the historic
// hard cap, so a person running the tool alongside manual unfollows (or a
// second client of the same app) still stays under it, while 400 per day
// drains a 2,000-account list in five nightly runs. 0 disables the cap.
const DefaultDailyCap = 400

// ParseRate parses "N/DURATION": "50/15m", "50/10s", "1/1h". A bare unit
// ("50/m", "300/h", "5/s") means one of it.
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("parse rate %q: want N/DURATION, e.g. 50/15m", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count <= 0 {
		return Rate{}, fmt.Errorf("parse rate %q: count must be a positive integer", s)
	}
	per = strings.TrimSpace(per)
	if per != "" && !strings.ContainsAny(per[:1], "0123456789.") {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil {
		return Rate{}, fmt.Errorf("parse rate %q: %w", s, err)
	}
	if d <= 0 {
		return Rate{}, fmt.Errorf("parse rate %q: duration must be positive", s)
	}
	return Rate{N: count, Per: d}, nil
}

// String returns the rate in the form ParseRate reads: "50/15m0s".
func (r Rate) String() string {
	return fmt.Sprintf("%d/%s", r.N, shortDuration(r.Per))
}

// Interval is the average time between requests at this rate.
func (r Rate) Interval() time.Duration {
	if r.N <= 0 {
		return 0
	}
	return r.Per / time.Duration(r.N)
}

func (r Rate) valid() error {
	if r.N <= 0 || r.Per <= 0 {
		return fmt.Errorf("invalid rate %d/%s: both parts must be positive", r.N, r.Per)
	}
	return nil
}

// shortDuration prints 15m instead of 15m0s and 1h instead of 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
