// Package sheet is the review sheet: one row of facts per account the
// signed-in user follows, and a decision column a person fills in
// (unfollow or keep). "bulkunfollow following" writes it as CSV or JSON
// Lines; a spreadsheet or "bulkunfollow review" marks it; "bulkunfollow
// import" queues the rows marked unfollow.
//
// The columns and their names are a contract (scripts and spreadsheets
// rely on them): Columns, in that order.
package sheet

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Columns are the sheet's columns, in order.
var Columns = []string{
	"id", "username", "name", "followers_count", "following_count", "post_count", "listed_count",
	"created_at", "last_post_at", "days_since_last_post", "protected", "verified_type", "follows_you",
	"description", "decision",
}

// The decisions a person writes in the decision column.
const (
	Unfollow = "unfollow"
	Keep     = "keep"
)

// Row is one account.
type Row struct {
	ID, Username, Name string
	// The public_metrics counts; -1 when X did not say.
	Followers, Following, Posts, Listed int
	CreatedAt                           time.Time // zero: X did not say
	// LastPostAt is when the account last posted, from its most recent
	// post id (a snowflake); zero when it never posted (or the sheet was
	// read without last-post dates).
	LastPostAt   time.Time
	Protected    bool
	VerifiedType string // blue, business, government, none; "" unknown
	FollowsYou   Tristate
	Description  string
	Decision     string // "", Unfollow or Keep
}

// Tristate is yes, no or unknown.
type Tristate int8

// Tristate values.
const (
	Unknown Tristate = iota
	Yes
	No
)

// String is "yes", "no" or "" (unknown), as the sheet writes it.
func (t Tristate) String() string {
	switch t {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return ""
}

// TristateOf is Yes for true, No for false.
func TristateOf(b bool) Tristate {
	if b {
		return Yes
	}
	return No
}

// twitterEpoch is the snowflake epoch: post ids count milliseconds from it.
const twitterEpoch = 1288834974657

// PostTime is when the post with snowflake id id was made: milliseconds
// since the Unix epoch = (id >> 22) + 1288834974657.
func PostTime(id string) (time.Time, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}, fmt.Errorf("post id %.40q is not a snowflake id", id)
	}
	return time.UnixMilli(int64(n>>22) + twitterEpoch).UTC(), nil
}

// PostID is the smallest snowflake id of a post made at t (the inverse of
// PostTime, for tests and the simulator).
func PostID(t time.Time) string {
	return strconv.FormatUint(uint64(t.UnixMilli()-twitterEpoch)<<22, 10)
}

// DaysSince is how many whole days lie between t and now (0 for a t after
// now).
func DaysSince(t, now time.Time) int {
	return max(int(now.Sub(t)/(24*time.Hour)), 0)
}

// cells returns the row's values as the CSV writes them, in Columns
// order, as of now (days_since_last_post).
func (r Row) cells(now time.Time) []string {
	count := func(n int) string {
		if n < 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	var created, last, days string
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt.UTC().Format(time.RFC3339)
	}
	if !r.LastPostAt.IsZero() {
		last = r.LastPostAt.UTC().Format(time.RFC3339)
		days = strconv.Itoa(DaysSince(r.LastPostAt, now))
	}
	return []string{
		r.ID, r.Username, r.Name, count(r.Followers), count(r.Following), count(r.Posts), count(r.Listed),
		created, last, days, TristateOf(r.Protected).String(), r.VerifiedType, r.FollowsYou.String(),
		r.Description, r.Decision,
	}
}

// ParseFormat reads a --format value: csv or jsonl ("" is csv).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, JSONL:
		return f, nil
	case "":
		return CSV, nil
	case "json", "ndjson":
		return JSONL, nil
	}
	return "", fmt.Errorf("format %q: want csv or jsonl", s)
}

// Format is how a sheet is written.
type Format string

// The formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// FormatOf guesses the format from a file name: .jsonl, .ndjson and .json
// are JSON Lines, anything else CSV.
func FormatOf(path string) Format {
	p := strings.ToLower(path)
	for _, ext := range []string{".jsonl", ".ndjson", ".json"} {
		if strings.HasSuffix(p, ext) {
			return JSONL
		}
	}
	return CSV
}
