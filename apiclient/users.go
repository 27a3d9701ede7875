package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxUsernamesPerRequest is X's limit for GET /2/users/by.
const MaxUsernamesPerRequest = 100

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
}

// wireUser decodes a user whose id may come as a string or (defensively)
// a bare JSON number, keeping every digit.
type wireUser struct {
	ID       jsonID `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

func (w wireUser) user() User { return User{ID: string(w.ID), Name: w.Name, Username: w.Username} }

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

// Me returns the authenticated user (GET /2/users/me).
func (c *Client) Me(ctx context.Context) (User, error) {
	r, err := c.send(ctx, call{endpoint: EndpointMe, op: "me", method: "GET", path: "/2/users/me"})
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

// NotFound is a username that did not resolve to a user.
type NotFound struct {
	Username string // as the caller gave it
	// Invalid is true when the name is not a possible username; it was not
	// sent to X.
	Invalid bool
	// What X said (resource-not-found for unknown names; suspended accounts
	// also come back here with their own detail). Empty when X returned
	// neither the user nor an error entry for it.
	Type, Title, Detail string
}

// UsersByUsernames resolves usernames (a leading '@' is ignored; matching
// is case-insensitive) with GET /2/users/by, in batches of
// MaxUsernamesPerRequest. Every input name ends up either in users (once,
// even when repeated in names) or in notFound: names that are not
// possible usernames are reported Invalid without being sent, names X
// reports in its "errors" array carry X's words, and names X neither
// returned nor reported are listed with an empty Detail. On an error the
// results of the batches done so far are returned with it.
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
	for start := 0; start < len(batch); start += MaxUsernamesPerRequest {
		chunk := batch[start:min(start+MaxUsernamesPerRequest, len(batch))]
		u, nf, err := c.usersBy(ctx, chunk, given)
		users = append(users, u...)
		notFound = append(notFound, nf...)
		if err != nil {
			return users, notFound, err
		}
	}
	return users, notFound, nil
}

func (c *Client) usersBy(ctx context.Context, chunk []string, given map[string]string) ([]User, []NotFound, error) {
	q := url.Values{"usernames": {strings.Join(chunk, ",")}}
	r, err := c.send(ctx, call{endpoint: EndpointUsersBy, op: "users by", method: "GET", path: "/2/users/by", query: q})
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
	for _, n := range chunk {
		pending[n] = true
	}
	var users []User
	for _, w := range ws {
		if w.ID == "" {
			return nil, nil, r.malformed("user without id")
		}
		users = append(users, w.user())
		delete(pending, strings.ToLower(w.Username))
	}
	var nf []NotFound
	for _, p := range bd.Errors {
		key := strings.ToLower(p.Str("value"))
		if key == "" {
			key = strings.ToLower(p.Str("resource_id"))
		}
		if !pending[key] {
			continue
		}
		delete(pending, key)
		nf = append(nf, NotFound{Username: given[key], Type: p.Type, Title: p.Title, Detail: p.Text()})
	}
	for _, n := range chunk { // keep input order for names X did not mention
		if pending[n] {
			nf = append(nf, NotFound{Username: given[n]})
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
}

// Following returns one page of the accounts userID follows
// (GET /2/users/:id/following, max_results=FollowingPageSize). Pass ""
// for the first page and Page.NextToken for the next ones.
func (c *Client) Following(ctx context.Context, userID, pageToken string) (Page, error) {
	op := "following " + userID
	if !ValidID(userID) {
		return Page{}, &Error{Op: op, Endpoint: EndpointFollowing, Err: fmt.Errorf("%w %.40q: want 1 to 19 decimal digits", ErrInvalidID, userID), noEffect: true}
	}
	q := url.Values{"max_results": {fmt.Sprint(FollowingPageSize)}}
	if pageToken != "" {
		q.Set("pagination_token", pageToken)
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
		p.Users = append(p.Users, w.user())
	}
	return p, nil
}

// ErrPaginationLoop means the server handed back a page token already used
// (a caller walking the following list with Following reports it).
var ErrPaginationLoop = errors.New("pagination token repeated")
