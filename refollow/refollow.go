// Package refollow writes the way back from an unfollow: for each account
// a job unfollowed, X's follow intent link, as CSV rows or as one HTML page
// in daily batches, for a person to open and click.
//
// Guarantees:
//   - Nothing here follows anyone: X removed following through the API
//     from its self-serve tiers, so a re-follow is a person's click on X's
//     own page (https://x.com/intent/follow?user_id=ID).
//   - Accounts come in the order given (the queue's input order); a target
//     without an id (an @handle never resolved) has no link and is left out.
//   - The HTML page is self-contained: no script, and nothing loaded from
//     anywhere (its content security policy forbids it). Every value it
//     shows is escaped, whatever it holds.
//   - A batch of the page holds at most DailyFollowLimit links, X's daily
//     limit of follows, so a person can do one batch a day.
//   - Protected accounts are marked: following one again sends a request
//     that the account has to accept.
package refollow

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/url"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// DailyFollowLimit is how many accounts X lets an account follow a day:
// the size of a batch of the HTML page.
const DailyFollowLimit = 400

// Format is a way to write the links.
type Format string

// The formats Write writes.
const (
	CSV  Format = "follow-links" // rows username,id,follow_link under a header
	HTML Format = "html"         // one page of links in batches of DailyFollowLimit
)

// Columns are the CSV format's header, in order.
var Columns = []string{"username", "id", "follow_link"}

// Account is one account to follow again.
type Account struct {
	ID        string // decimal id
	Username  string // without '@'; "" when the queue never learnt it
	Protected bool   // a follow is a request the account has to accept
}

// FollowLink returns X's follow intent URL for the account with id: it
// opens X's page to follow that account, for a person to confirm.
func FollowLink(id string) string {
	return "https://x.com/intent/follow?user_id=" + url.QueryEscape(id)
}

// AccountOf returns the account target t names, or false when t has no id
// to link to.
func AccountOf(t queue.Target) (Account, bool) {
	if t.ID == "" {
		return Account{}, false
	}
	name := t.Username
	if name == "" {
		name = t.Handle
	}
	return Account{ID: t.ID, Username: name, Protected: t.Protected}, true
}

// Write writes, in format f to w, the accounts of the targets that walk
// passes to its function (a queue.Store's Export of one state). walk's
// error, or its function's, is returned as is.
func Write(w io.Writer, f Format, walk func(func(queue.Target) error) error) error {
	switch f {
	case CSV:
		return writeCSV(w, walk)
	case HTML:
		var accounts []Account
		err := walk(func(t queue.Target) error {
			if a, ok := AccountOf(t); ok {
				accounts = append(accounts, a)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return WriteHTML(w, accounts)
	}
	return fmt.Errorf("refollow: unknown format %q", string(f))
}

func writeCSV(w io.Writer, walk func(func(queue.Target) error) error) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	err := walk(func(t queue.Target) error {
		a, ok := AccountOf(t)
		if !ok {
			return nil
		}
		return cw.Write([]string{a.Username, a.ID, FollowLink(a.ID)})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// Batch is one day's share of the accounts: numbers From to To (1-based,
// inclusive) of the list.
type Batch struct {
	Day      int
	From, To int
	Accounts []Account
}

// Batches splits accounts into batches of at most size, in order.
func Batches(accounts []Account, size int) []Batch {
	var out []Batch
	for start := 0; start < len(accounts); start += size {
		end := min(start+size, len(accounts))
		out = append(out, Batch{Day: len(out) + 1, From: start + 1, To: end, Accounts: accounts[start:end]})
	}
	return out
}

// label is how the page names an account: @username, or its id.
func (a Account) label() string {
	if a.Username != "" {
		return "@" + a.Username
	}
	return "id " + a.ID
}

// plural is "1 account" or "N accounts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
