package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// SheetOptions says how ReadSheet reads the signed-in account's following
// list into a review sheet.
type SheetOptions struct {
	// LastPost asks X for each account's most recent post id (the
	// most_recent_post_id expansion), which dates its last post; X returns
	// the posts too and bills each as a post read.
	LastPost bool
	// Followers, when set, says who follows the account (a list read with
	// ReadFollowers): follows_you comes from it instead of X.
	Followers *AccountSet
	// Sort orders the rows (sheet.Sort; "" is sheet.DefaultSort).
	Sort string
	// Spending prices the reads (no budget applies).
	Spending Spending
	// Queue, when set, keeps the list as that job's following snapshot
	// (so its next run does not read it again) and records the spend; the
	// queue must be unbound or bound to the signed-in account.
	Queue *queue.Store
	// Confirm is asked, after users/me, whether to read the list at the
	// cost it states; an error (ErrDeclined, say) stops before the list
	// is read. Nil: go ahead.
	Confirm func(SheetCost) error
	// Progress is told how many accounts have been read, after each page.
	Progress    func(read, total int)
	Windows     *ReadWindows // nil: windows no response feeds
	MaxAttempts int          // tries of each read
	Clock       Clock
	Log         zerolog.Logger
}

// SheetCost is what reading the list is expected to cost, known before
// reading it (users/me's following_count).
type SheetCost struct {
	Account User
	// Count is how many accounts the account follows (-1: X did not say).
	Count int
	// Kind is the price of the list's users: an Owned Read or not.
	Kind spend.Kind
	List spend.Amount
	// Posts is what the posts the last-post dates bring could cost, at
	// most (one post read per account; an account that never posted adds
	// none); 0 without LastPost.
	Posts spend.Amount
	// Spent is what signing in cost.
	Spent spend.Amount
}

// ErrDeclined is what Confirm returns when the person said no.
var ErrDeclined = errors.New("not confirmed")

// SheetResult is the sheet and what reading it cost.
type SheetResult struct {
	Account User
	Rows    []sheet.Row
	// Spent is what the sign-in, the list and its posts cost, counted as
	// X bills them.
	Spent spend.Amount
	// Posts counts the posts X returned (and billed) with the list.
	Posts int
}

// ReadSheet signs in, states the cost (Confirm), reads the signed-in
// account's following list once with every account's profile, and returns
// it as review-sheet rows: no decision made, sorted as asked. With a
// Queue the list becomes that job's following snapshot.
func ReadSheet(ctx context.Context, api Client, o SheetOptions) (SheetResult, error) {
	if o.Clock == nil {
		o.Clock = SystemClock()
	}
	if o.Windows == nil {
		o.Windows = NewReadWindows(o.Clock.Now)
	}
	o.Spending.Budget = 0
	var res SheetResult
	// Without a queue a Spending with no prices still counts what X bills.
	if o.Spending.Prices == nil {
		o.Spending.Prices = spend.Default()
	}
	led, err := newLedger(o.Queue, o.Spending, o.Clock.Now)
	if err != nil {
		return res, err
	}
	if o.Queue != nil {
		o.Windows.restore(o.Queue)
		defer func() { _ = o.Windows.save(o.Queue) }()
	}
	r := reader{api: api, clock: o.Clock, log: o.Log, attempts: o.MaxAttempts, windows: o.Windows, led: led}
	start := led.spent
	me, err := r.me(ctx)
	if err != nil {
		return res, fmt.Errorf("ask X who is signed in: %w", err)
	}
	res.Account = me
	if o.Queue != nil {
		if err := checkAccount(o.Queue, me); err != nil {
			return res, err
		}
	}
	kind := o.Spending.listKind()
	cost := SheetCost{Account: me, Count: me.FollowingCount, Kind: kind, Spent: led.spent - start}
	if n := max(me.FollowingCount, 0); n > 0 {
		cost.List = o.Spending.Prices.Of(kind).Times(n)
		if o.LastPost {
			cost.Posts = o.Spending.Prices.Of(spend.PostRead).Times(n)
		}
	}
	if o.Confirm != nil {
		if err := o.Confirm(cost); err != nil {
			res.Spent = led.spent - start
			return res, err
		}
	}
	at := o.Clock.Now()
	var profiles []Profile
	err = r.walkProfiles(ctx, me.ID, kind, o.LastPost, func(pg ProfilePage) {
		profiles = append(profiles, pg.Profiles...)
		res.Posts += len(pg.Posts)
		if o.Progress != nil {
			o.Progress(len(profiles), me.FollowingCount)
		}
	})
	res.Spent = led.spent - start
	if err != nil {
		return res, fmt.Errorf("read your following list (%d accounts read): %w", len(profiles), err)
	}
	res.Rows = make([]sheet.Row, 0, len(profiles))
	for _, p := range profiles {
		row, err := sheetRow(p, o.Followers)
		if err != nil {
			return res, err
		}
		res.Rows = append(res.Rows, row)
	}
	if err := sheet.Sort(res.Rows, o.Sort); err != nil {
		return res, err
	}
	if o.Queue != nil {
		followed := make(map[string]string, len(profiles))
		for _, p := range profiles {
			followed[p.ID] = p.Username
		}
		if err := o.Queue.SetFollowing(me.ID, at, followed); err != nil {
			return res, fmt.Errorf("keep the following list in the queue: %w", err)
		}
		if err := o.Queue.BindAccount(me.ID, me.Username); err != nil {
			return res, err
		}
	}
	o.Log.Debug().Int("accounts", len(res.Rows)).Int("posts", res.Posts).Str("spent", res.Spent.String()).Msg("read your following list")
	return res, nil
}

// sheetRow is p as a sheet row; follows_you from followers when given.
func sheetRow(p Profile, followers *AccountSet) (sheet.Row, error) {
	row := sheet.Row{
		ID: p.ID, Username: p.Username, Name: p.Name,
		Followers: p.Followers, Following: p.Following, Posts: p.Posts, Listed: p.Listed,
		CreatedAt: p.CreatedAt, Protected: p.Protected, VerifiedType: p.VerifiedType,
		Description: p.Description,
	}
	switch {
	case followers != nil:
		row.FollowsYou = sheet.TristateOf(followers.Has(p.ID, p.Username))
	case p.FollowsYou == FollowedYes:
		row.FollowsYou = sheet.Yes
	case p.FollowsYou == FollowedNo:
		row.FollowsYou = sheet.No
	}
	if p.MostRecentPostID != "" {
		t, err := sheet.PostTime(p.MostRecentPostID)
		if err != nil {
			return row, fmt.Errorf("@%s: %w", p.Username, err)
		}
		row.LastPostAt = t
	}
	return row, nil
}

// AccountSet is a list of accounts read from a file (ids and @handles).
type AccountSet struct {
	ids     map[string]bool
	handles map[string]bool // lower case, without '@'
}

// Len is how many accounts the set names.
func (s *AccountSet) Len() int { return len(s.ids) + len(s.handles) }

// Has reports whether the set names the account with this id or username.
func (s *AccountSet) Has(id, username string) bool {
	return s != nil && (s.ids[id] || (username != "" && s.handles[strings.ToLower(username)]))
}

// ReadFollowers reads a followers list (the archive's follower.js, or any
// list import reads) for follows_you; it costs nothing. A list that names
// no account is an error.
func ReadFollowers(path string) (*AccountSet, error) {
	ids, handles, _, err := readAccounts(path)
	if err != nil {
		return nil, fmt.Errorf("read followers list %s: %w", path, err)
	}
	if len(ids)+len(handles) == 0 {
		// It would mark every account as not following back.
		return nil, fmt.Errorf("followers list %s names no account (without --followers, X says who follows you back)", path)
	}
	return &AccountSet{ids: ids, handles: handles}, nil
}
