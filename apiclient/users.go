package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxUsernamesPerRequest is X's limit for GET /2/users/by.
const MaxUsernamesPerRequest = 100

// MaxIDsPerRequest is X's limit for GET /2/users.
const MaxIDsPerRequest = 100

// FollowingPageSize is the max_results sent to GET /2/users/:id/following.
const FollowingPageSize = 1000

var (
	idRe       = regexp.MustCompile(`^[0-9]{1,19}$`)
	usernameRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
)

// ValidID reports whether s is a user id as X spells it: 1–19 decimal digits.
func ValidID(s string) bool { return idRe.MatchString(s) }

// ValidUsername reports whether s (without '@') is a possible X username.
func ValidUsername(s string) bool { return usernameRe.MatchString(s) }

// User is an X account. ID is the decimal id, never converted to a number.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	// FollowingCount is public_metrics.following_count, how many accounts
	// this one follows; -1 when the answer had none (only Me asks for it).
	FollowingCount int `json:"following_count"`
	// Connection is connection_status as X returned it: how the signed-in
	// account relates to this one ("following", "followed_by",
	// "follow_request_sent", ...). Empty but not nil when X returned the
	// field with no relation; nil when the answer had no connection_status
	// (UsersByUsernames and UsersByIDs ask for it).
	Connection []string `json:"connection_status"`
	// Profile holds the facts FollowingProfiles asks for; nil otherwise.
	Profile *Profile `json:"profile,omitempty"`
}

// Profile is what X says of an account beyond its names, as the review
// sheet shows it (user.fields created_at, description, public_metrics,
// protected, verified, verified_type; the most_recent_post_id expansion).
type Profile struct {
	CreatedAt   time.Time // zero when X did not say
	Description string
	// The public_metrics counts; -1 when X did not say.
	Followers, Following, Posts, Listed int
	Protected                           bool
	Verified                            bool
	VerifiedType                        string // "" when X did not say
	// MostRecentPostID is the id of the account's most recent post; ""
	// when it has none (or it was not asked for).
	MostRecentPostID string
}

// Follows reports what connection_status says of whether the signed-in
// account follows u: known is false when the answer did not carry it.
func (u User) Follows() (follows, known bool) {
	if u.Connection == nil {
		return false, false
	}
	for _, c := range u.Connection {
		if c == "following" {
			return true, true
		}
	}
	return false, true
}

// The user.fields each lookup asks for beyond id, name and username.
const (
	meFields     = "public_metrics"    // following_count
	lookupFields = "connection_status" // whether the signed-in account follows
)

// wireUser decodes a user whose id may come as a string or (defensively)
// a bare JSON number, keeping every digit.
type wireUser struct {
	ID       jsonID `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	// nil when absent (or null); a pointer to an empty slice for [].
	ConnectionStatus *[]string `json:"connection_status"`
	PublicMetrics    *struct {
		FollowingCount *jsonCount `json:"following_count"`
		// The others only describe: any whole number X sends is kept
		// (following_count prices a read and must be sane).
		FollowersCount *metric `json:"followers_count"`
		PostCount      *metric `json:"post_count"`
		ListedCount    *metric `json:"listed_count"`
	} `json:"public_metrics"`
	// The profile fields (FollowingProfiles).
	CreatedAt        string `json:"created_at"`
	Description      string `json:"description"`
	Protected        bool   `json:"protected"`
	Verified         bool   `json:"verified"`
	VerifiedType     string `json:"verified_type"`
	MostRecentPostID jsonID `json:"most_recent_post_id"`
}

func (w wireUser) user() User {
	u := User{ID: string(w.ID), Name: w.Name, Username: w.Username, FollowingCount: -1}
	if w.PublicMetrics != nil && w.PublicMetrics.FollowingCount != nil {
		u.FollowingCount = int(*w.PublicMetrics.FollowingCount)
	}
	if w.ConnectionStatus != nil {
		u.Connection = append([]string{}, *w.ConnectionStatus...)
	}
	return u
}

// profile is w's Profile; a created_at that is not RFC 3339 is a body
// not understood.
func (w wireUser) profile() (*Profile, error) {
	p := &Profile{Description: w.Description, Protected: w.Protected, Verified: w.Verified,
		VerifiedType: w.VerifiedType, MostRecentPostID: string(w.MostRecentPostID),
		Followers: -1, Following: -1, Posts: -1, Listed: -1}
	if w.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, w.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("user %s: created_at %.40q is not an RFC 3339 time", w.ID, w.CreatedAt)
		}
		p.CreatedAt = t.UTC()
	}
	if m := w.PublicMetrics; m != nil {
		if m.FollowingCount != nil {
			p.Following = int(*m.FollowingCount)
		}
		for _, f := range []struct {
			dst *int
			src *metric
		}{{&p.Followers, m.FollowersCount}, {&p.Posts, m.PostCount}, {&p.Listed, m.ListedCount}} {
			if f.src != nil {
				*f.dst = int(*f.src)
			}
		}
	}
	return p, nil
}

// jsonID is a user id decoded from its JSON text, never through float64.
type jsonID string

func (j *jsonID) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	if !ValidID(s) {
		return fmt.Errorf("id %.40q is not 1-19 decimal digits", s)
	}
	*j = jsonID(s)
	return nil
}

// jsonCount is a count X sends as a JSON integer: a non-negative whole
// number that fits an int32 (X's counts are far smaller), else the body
// is not understood.
type jsonCount int

func (n *jsonCount) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil || v < 0 {
		return fmt.Errorf("count %.40q is not a non-negative integer", s)
	}
	*n = jsonCount(v)
	return nil
}

// metric is a descriptive count: a non-negative whole number; anything
// else X might send there (a fraction, a negative, text) reads as unknown
// rather than failing a page of the list.
type metric int

func (m *metric) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil || v < 0 {
		*m = -1
		return nil
	}
	*m = metric(v)
	return nil
}

// Me returns the authenticated user (GET /2/users/me), with its
// FollowingCount.
func (c *Client) Me(ctx context.Context) (User, error) {
	r, err := c.send(ctx, call{endpoint: EndpointMe, op: "me", method: "GET", path: "/2/users/me",
		query: url.Values{"user.fields": {meFields}}})
	if err != nil {
		return User{}, err
	}
	bd, perr := parseBody(r.body)
	if perr != nil {
		return User{}, r.malformed(perr.Error())
	}
	if bd.Data == nil {
		return User{}, r.errorsOrMalformed(bd, "no data")
	}
	var w wireUser
	if err := json.Unmarshal(bd.Data, &w); err != nil {
		return User{}, r.malformed(err.Error())
	}
	if w.ID == "" {
		return User{}, r.malformed("user without id")
	}
	return w.user(), nil
}

// errorsOrMalformed turns a 2xx body without data into an *Error: its
// "errors" entries when present, else a malformed-body error.
func (r *response) errorsOrMalformed(bd body, why string) *Error {
	if len(bd.Errors) == 0 && len(bd.Legacy) == 0 && bd.Problem.IsZero() {
		return r.malformed(why)
	}
	r.err.Problem, r.err.Legacy, r.err.Errors = bd.Problem, bd.Legacy, bd.Errors
	if r.err.Problem.IsZero() && len(bd.Errors) > 0 {
		r.err.Problem = pickProblem(bd.Errors, r.err.Target)
	}
	return r.err
}

// NotFound is a username or an id that did not resolve to a user.
type NotFound struct {
	Username string // as the caller gave it (UsersByUsernames)
	ID       string // as the caller gave it (UsersByIDs)
	// Invalid is true when the name or id is not a possible one; it was not
	// sent to X.
	Invalid bool
	// What X said (resource-not-found for unknown names and ids; suspended
	// accounts also come back here with their own detail). Empty when X
	// returned neither the user nor an error entry for it.
	Type, Title, Detail string
}

// UsersByUsernames resolves usernames (a leading '@' is ignored; matching
// is case-insensitive) with GET /2/users/by, in batches of
// MaxUsernamesPerRequest, asking for connection_status. Every input name
// ends up either in users (once, even when repeated in names) or in
// notFound: names that are not possible usernames are reported Invalid
// without being sent, names X reports in its "errors" array carry X's
// words, and names X neither returned nor reported are listed with an
// empty Detail. On an error the results of the batches done so far are
// returned with it.
func (c *Client) UsersByUsernames(ctx context.Context, names []string) (users []User, notFound []NotFound, err error) {
	var batch []string           // lower-case names to send
	given := map[string]string{} // lower-case -> as given (first spelling)
	for _, n := range names {
		clean := strings.TrimPrefix(strings.TrimSpace(n), "@")
		if !ValidUsername(clean) {
			notFound = append(notFound, NotFound{Username: n, Invalid: true, Detail: "not a valid username"})
			continue
		}
		key := strings.ToLower(clean)
		if _, dup := given[key]; dup {
			continue
		}
		given[key] = clean
		batch = append(batch, key)
	}
	lk := lookup{endpoint: EndpointUsersBy, op: "users by", path: "/2/users/by", param: "usernames",
		userKey:  func(u User) string { return strings.ToLower(u.Username) },
		valueKey: strings.ToLower,
		notFound: func(key string) NotFound { return NotFound{Username: given[key]} }}
	return c.lookupAll(ctx, lk, batch, MaxUsernamesPerRequest, users, notFound)
}

// UsersByIDs looks users up by id with GET /2/users, in batches of
// MaxIDsPerRequest, asking for connection_status. Like UsersByUsernames,
// every input id ends up either in users (once, even when repeated) or in
// notFound (NotFound.ID): ids that are not 1 to 19 decimal digits are
// reported Invalid without being sent, ids X reports in its "errors"
// array carry X's words, and ids X neither returned nor reported are
// listed with an empty Detail. On an error the results of the batches
// done so far are returned with it.
func (c *Client) UsersByIDs(ctx context.Context, ids []string) (users []User, notFound []NotFound, err error) {
	var batch []string
	seen := map[string]bool{}
	for _, id := range ids {
		if !ValidID(id) {
			notFound = append(notFound, NotFound{ID: id, Invalid: true, Detail: "not a valid user id: want 1 to 19 decimal digits"})
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		batch = append(batch, id)
	}
	lk := lookup{endpoint: EndpointUsers, op: "users by ids", path: "/2/users", param: "ids",
		userKey:  func(u User) string { return u.ID },
		valueKey: func(v string) string { return v },
		notFound: func(key string) NotFound { return NotFound{ID: key} }}
	return c.lookupAll(ctx, lk, batch, MaxIDsPerRequest, users, notFound)
}

// lookup is one of X's users lookups by a list parameter (usernames, ids).
type lookup struct {
	endpoint        Endpoint
	op, path, param string
	userKey         func(User) string     // the value (as sent) a returned user answers
	valueKey        func(string) string   // an errors entry's value as sent
	notFound        func(string) NotFound // a value's NotFound, before what X said
}

// lookupAll sends batch (values as sent, no duplicates) in requests of at
// most size values, appending to users and notFound.
func (c *Client) lookupAll(ctx context.Context, lk lookup, batch []string, size int, users []User, notFound []NotFound) ([]User, []NotFound, error) {
	for start := 0; start < len(batch); start += size {
		u, nf, err := c.lookupBatch(ctx, lk, batch[start:min(start+size, len(batch))])
		users = append(users, u...)
		notFound = append(notFound, nf...)
		if err != nil {
			return users, notFound, err
		}
	}
	return users, notFound, nil
}

// lookupBatch sends one request for chunk. A 200 whose "errors" report
// every value (no data) is an answer, not a failure: all not found.
func (c *Client) lookupBatch(ctx context.Context, lk lookup, chunk []string) ([]User, []NotFound, error) {
	q := url.Values{lk.param: {strings.Join(chunk, ",")}, "user.fields": {lookupFields}}
	r, err := c.send(ctx, call{endpoint: lk.endpoint, op: lk.op, method: "GET", path: lk.path, query: q})
	if err != nil {
		return nil, nil, err
	}
	bd, perr := parseBody(r.body)
	if perr != nil {
		return nil, nil, r.malformed(perr.Error())
	}
	if bd.Data == nil && len(bd.Errors) == 0 {
		return nil, nil, r.errorsOrMalformed(bd, "neither data nor errors")
	}
	var ws []wireUser
	if bd.Data != nil {
		if err := json.Unmarshal(bd.Data, &ws); err != nil {
			return nil, nil, r.malformed(err.Error())
		}
	}
	pending := make(map[string]bool, len(chunk))
	for _, v := range chunk {
		pending[v] = true
	}
	var users []User
	for _, w := range ws {
		if w.ID == "" {
			return nil, nil, r.malformed("user without id")
		}
		u := w.user()
		users = append(users, u)
		delete(pending, lk.userKey(u))
	}
	var nf []NotFound
	for _, p := range bd.Errors {
		key := p.Str("value")
		if key == "" {
			key = p.Str("resource_id")
		}
		key = lk.valueKey(key)
		if !pending[key] {
			continue
		}
		delete(pending, key)
		n := lk.notFound(key)
		n.Type, n.Title, n.Detail = p.Type, p.Title, p.Text()
		nf = append(nf, n)
	}
	for _, v := range chunk { // keep input order for values X did not mention
		if pending[v] {
			nf = append(nf, lk.notFound(v))
		}
	}
	return users, nf, nil
}

// Page is one page of a following list.
type Page struct {
	Users       []User
	ResultCount int    // meta.result_count
	NextToken   string // "" on the last page
	Rate        RateInfo
	// Posts are the ids of the posts the page's includes carried (the
	// most_recent_post_id expansion): X bills each as a post read.
	Posts []string
}

// The user.fields and expansion FollowingProfiles asks for: every fact
// the review sheet shows. The spec's following operation takes the most
// recent post id only as the most_recent_post_id expansion (no user
// field), which also returns the post in includes.
const (
	profileFields    = "created_at,description,public_metrics,protected,verified,verified_type,connection_status"
	lastPostExpanded = "most_recent_post_id"
)

// Following returns one page of the accounts userID follows
// (GET /2/users/:id/following, max_results=FollowingPageSize). Pass ""
// for the first page and Page.NextToken for the next ones.
func (c *Client) Following(ctx context.Context, userID, pageToken string) (Page, error) {
	return c.FollowingPage(ctx, userID, pageToken, FollowingPageSize)
}

// FollowingPage is Following with a page of at most max users (1 to
// FollowingPageSize; X's max_results): a caller paying per user returned
// asks for no more than it can pay for.
func (c *Client) FollowingPage(ctx context.Context, userID, pageToken string, max int) (Page, error) {
	return c.following(ctx, userID, pageToken, max, nil)
}

// FollowingProfiles is FollowingPage asking for every user's Profile and
// connection_status; with lastPost, also for the most recent post id (the
// most_recent_post_id expansion: X returns the posts in includes and
// bills each as a post read; Page.Posts lists them).
func (c *Client) FollowingProfiles(ctx context.Context, userID, pageToken string, max int, lastPost bool) (Page, error) {
	q := url.Values{"user.fields": {profileFields}}
	if lastPost {
		q.Set("expansions", lastPostExpanded)
	}
	return c.following(ctx, userID, pageToken, max, q)
}

// following reads a page of userID's following list with the extra query
// parameters extra (nil: none, and no Profile is decoded).
func (c *Client) following(ctx context.Context, userID, pageToken string, max int, extra url.Values) (Page, error) {
	op := "following " + userID
	if max < 1 || max > FollowingPageSize {
		return Page{}, &Error{Op: op, Endpoint: EndpointFollowing, Err: fmt.Errorf("page size %d: want 1 to %d", max, FollowingPageSize), noEffect: true}
	}
	if !ValidID(userID) {
		return Page{}, &Error{Op: op, Endpoint: EndpointFollowing, Err: fmt.Errorf("%w %.40q: want 1 to 19 decimal digits", ErrInvalidID, userID), noEffect: true}
	}
	q := url.Values{"max_results": {fmt.Sprint(max)}}
	if pageToken != "" {
		q.Set("pagination_token", pageToken)
	}
	for k, v := range extra {
		q[k] = v
	}
	r, err := c.send(ctx, call{endpoint: EndpointFollowing, op: op, method: "GET",
		path: "/2/users/" + userID + "/following", query: q})
	if err != nil {
		return Page{}, err
	}
	bd, perr := parseBody(r.body)
	if perr != nil {
		return Page{}, r.malformed(perr.Error())
	}
	if bd.Data == nil && (len(bd.Errors) > 0 || len(bd.Legacy) > 0 || !bd.Problem.IsZero()) {
		return Page{}, r.errorsOrMalformed(bd, "")
	}
	var meta struct {
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	}
	if bd.Meta != nil {
		if err := json.Unmarshal(bd.Meta, &meta); err != nil {
			return Page{}, r.malformed("meta: " + err.Error())
		}
	} else if bd.Data == nil {
		return Page{}, r.malformed("neither data nor meta")
	}
	var ws []wireUser
	if bd.Data != nil {
		if err := json.Unmarshal(bd.Data, &ws); err != nil {
			return Page{}, r.malformed(err.Error())
		}
	}
	p := Page{ResultCount: meta.ResultCount, NextToken: meta.NextToken, Rate: r.rate}
	for _, w := range ws {
		if w.ID == "" {
			return Page{}, r.malformed("user without id")
		}
		u := w.user()
		if extra != nil {
			var err error
			if u.Profile, err = w.profile(); err != nil {
				return Page{}, r.malformed(err.Error())
			}
		}
		p.Users = append(p.Users, u)
	}
	if bd.Includes != nil {
		var inc struct {
			Posts []struct {
				ID jsonID `json:"id"`
			} `json:"posts"`
		}
		if err := json.Unmarshal(bd.Includes, &inc); err != nil {
			return Page{}, r.malformed("includes: " + err.Error())
		}
		for _, post := range inc.Posts {
			p.Posts = append(p.Posts, string(post.ID))
		}
	}
	return p, nil
}

// ErrPaginationLoop means the server handed back a page token already used
// (a caller walking the following list with Following reports it).
var ErrPaginationLoop = errors.New("pagination token repeated")
