package worker

import (
	"context"
	"errors"
	"time"
)

// Client is what a whole run asks of X: the unfollow the drain sends, and
// the reads that prepare it (who is signed in, @handles, the following
// list). Like API, every error is classified into a *Failure somewhere in
// its chain; errors.As finds it (the package xclient adapts apiclient).
type Client interface {
	API
	Me(ctx context.Context) (User, error)
	// UsersByUsernames resolves at most MaxUsernamesPerRequest names in one
	// request; every name comes back in users or in notFound.
	UsersByUsernames(ctx context.Context, names []string) (users []User, notFound []UnknownUser, err error)
	// UsersByIDs looks up at most MaxIDsPerRequest ids in one request;
	// every id comes back in users or in notFound (UnknownUser.Username
	// then holds the id).
	UsersByIDs(ctx context.Context, ids []string) (users []User, notFound []UnknownUser, err error)
	// Following returns one page of userID's following list ("" for the
	// first page, Page.NextToken for the next) of at most max users (1 to
	// FollowingPageSize).
	Following(ctx context.Context, userID, pageToken string, max int) (Page, error)
	// FollowingProfiles is Following with each account's Profile; with
	// lastPost, also its most recent post id (X returns and bills the
	// posts: ProfilePage.Posts).
	FollowingProfiles(ctx context.Context, userID, pageToken string, max int, lastPost bool) (ProfilePage, error)
}

// MaxUsernamesPerRequest is how many names one UsersByUsernames request
// takes (X's limit for GET /2/users/by).
const MaxUsernamesPerRequest = 100

// MaxIDsPerRequest is how many ids one UsersByIDs request takes (X's limit
// for GET /2/users).
const MaxIDsPerRequest = 100

// User is an X account. ID is the decimal id, as X and queue.Target carry
// it: the one form an id has throughout a run.
type User struct {
	ID, Username string
	// Followed is whether the signed-in account follows this one, from
	// X's connection_status (users/by and users by ids ask for it).
	Followed Followed
	// FollowingCount is how many accounts this one follows, from X's
	// public_metrics (users/me asks for it); -1 when X did not say.
	FollowingCount int
}

// Followed says whether the signed-in account follows a user.
type Followed int8

// Followed values.
const (
	FollowedUnknown Followed = iota // X did not say
	FollowedYes                     // connection_status holds "following"
	FollowedNo                      // connection_status without "following"
)

// UnknownUser is a username that did not resolve, with what X said about it
// (empty when X returned neither the user nor an error for it).
type UnknownUser struct {
	Username            string
	Type, Title, Detail string
}

// Page is one page of a following list.
type Page struct {
	Users     []User
	NextToken string // "" on the last page
}

// Profile is an account of a following list with the facts the review
// sheet shows.
type Profile struct {
	User
	Name string
	// FollowsYou is whether the account follows the signed-in one, from
	// connection_status (followed_by).
	FollowsYou  Followed
	CreatedAt   time.Time // zero: X did not say
	Description string
	// The public_metrics counts; -1 when X did not say.
	Followers, Following, Posts, Listed int
	Protected                           bool
	VerifiedType                        string // "" when X did not say
	// MostRecentPostID is the id of its most recent post ("" none, or not
	// asked for).
	MostRecentPostID string
}

// ProfilePage is one page of a following list with profiles.
type ProfilePage struct {
	Profiles  []Profile
	NextToken string   // "" on the last page
	Posts     []string // the posts X returned with the page (billed as post reads)
}

// Endpoint names a read endpoint: X limits each endpoint separately, and
// the run keeps a window for each (ReadWindows).
type Endpoint string

// The read endpoints. Their names are the keys of the windows saved in the
// queue.
const (
	EndpointMe        Endpoint = "users/me"  // GET /2/users/me
	EndpointUsersBy   Endpoint = "users/by"  // GET /2/users/by
	EndpointUsers     Endpoint = "users"     // GET /2/users (by ids)
	EndpointFollowing Endpoint = "following" // GET /2/users/:id/following
)

// FollowingPageSize is the most users a page of the following list holds
// (the max_results the client asks for).
const FollowingPageSize = 1000

// ErrPaginationLoop stops a walk of the following list whose next-page
// token repeats one already seen.
var ErrPaginationLoop = errors.New("pagination token repeated")

// KindOf is the kind of a failure the Client returned: the Kind of the
// *Failure in err's chain; Canceled for a context's error; Permanent for
// anything else (it was not classified, so it is not retried).
func KindOf(err error) Kind {
	var f *Failure
	switch {
	case errors.As(err, &f):
		return f.Kind
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Canceled
	}
	return Permanent
}

// StopsRun reports whether a failure of this kind needs a person (the
// account, the app, the setup) rather than a later run.
func (k Kind) StopsRun() bool {
	switch k {
	case Quota, Unauthorized, Forbidden, Canceled, Config:
		return true
	}
	return false
}
