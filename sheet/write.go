package sheet

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Write writes rows as format f (a header line first for CSV) as of now:
// days_since_last_post counts to now.
func Write(w io.Writer, f Format, rows []Row, now time.Time) error {
	bw := bufio.NewWriter(w)
	var err error
	if f == JSONL {
		err = writeJSONL(bw, rows, now)
	} else {
		err = writeCSV(bw, rows, now)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func writeCSV(w io.Writer, rows []Row, now time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.cells(now)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonRow is a row as JSON Lines writes it: the CSV's names as keys, in
// the same order; counts are numbers, protected a boolean; what is
// unknown or absent (a count X did not give, a last post of an account
// that never posted, follows_you unknown) is null.
type jsonRow struct {
	ID                string  `json:"id"`
	Username          string  `json:"username"`
	Name              string  `json:"name"`
	FollowersCount    *int    `json:"followers_count"`
	FollowingCount    *int    `json:"following_count"`
	PostCount         *int    `json:"post_count"`
	ListedCount       *int    `json:"listed_count"`
	CreatedAt         *string `json:"created_at"`
	LastPostAt        *string `json:"last_post_at"`
	DaysSinceLastPost *int    `json:"days_since_last_post"`
	Protected         bool    `json:"protected"`
	VerifiedType      *string `json:"verified_type"`
	FollowsYou        *bool   `json:"follows_you"`
	Description       string  `json:"description"`
	Decision          string  `json:"decision"`
}

func writeJSONL(w io.Writer, rows []Row, now time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r.json(now)); err != nil {
			return fmt.Errorf("write %s: %w", r.ID, err)
		}
	}
	return nil
}

func (r Row) json(now time.Time) jsonRow {
	count := func(n int) *int {
		if n < 0 {
			return nil
		}
		return &n
	}
	text := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	j := jsonRow{
		ID: r.ID, Username: r.Username, Name: r.Name,
		FollowersCount: count(r.Followers), FollowingCount: count(r.Following),
		PostCount: count(r.Posts), ListedCount: count(r.Listed),
		Protected: r.Protected, VerifiedType: text(r.VerifiedType),
		Description: r.Description, Decision: r.Decision,
	}
	if !r.CreatedAt.IsZero() {
		j.CreatedAt = text(r.CreatedAt.UTC().Format(time.RFC3339))
	}
	if !r.LastPostAt.IsZero() {
		j.LastPostAt = text(r.LastPostAt.UTC().Format(time.RFC3339))
		j.DaysSinceLastPost = count(DaysSince(r.LastPostAt, now))
	}
	if r.FollowsYou != Unknown {
		b := r.FollowsYou == Yes
		j.FollowsYou = &b
	}
	return j
}
