// Package xclient connects a run to X: it adapts an *apiclient.Client to
// the worker's Client interface, so the worker knows nothing of HTTP, only
// of users, replies, rate observations and failure kinds.
//
// Every error the Client returns carries a *worker.Failure in its chain
// (what the worker acts on) and keeps the API client's own error and text
// (what a person reads, and errors.As(err, **apiclient.Error) still finds).
package xclient

import (
	"context"
	"errors"
	"slices"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// Client is an *apiclient.Client in the worker's terms.
type Client struct{ c *apiclient.Client }

var _ worker.Client = Client{}

// New adapts c. Give c WithRateObserver(Observer(windows)) so the reads'
// headers reach the run's read windows.
func New(c *apiclient.Client) Client { return Client{c} }

// Unfollow sends the DELETE.
func (a Client) Unfollow(ctx context.Context, source, target string) (worker.Reply, error) {
	res, err := a.c.Unfollow(ctx, source, target)
	if err != nil {
		return worker.Reply{}, unfollowFailure(err)
	}
	return worker.Reply{Following: res.Following, Observation: observation(res.Rate)}, nil
}

// Me asks who is signed in.
func (a Client) Me(ctx context.Context) (worker.User, error) {
	u, err := a.c.Me(ctx)
	if err != nil {
		return worker.User{}, readFailure(err)
	}
	return user(u), nil
}

// UsersByUsernames resolves names.
func (a Client) UsersByUsernames(ctx context.Context, names []string) ([]worker.User, []worker.UnknownUser, error) {
	users, notFound, err := a.c.UsersByUsernames(ctx, names)
	if err != nil {
		return nil, nil, readFailure(err)
	}
	return lookedUp(users, notFound, func(nf apiclient.NotFound) string { return nf.Username })
}

// UsersByIDs looks ids up; an id not found is an UnknownUser whose
// Username is the id.
func (a Client) UsersByIDs(ctx context.Context, ids []string) ([]worker.User, []worker.UnknownUser, error) {
	users, notFound, err := a.c.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, nil, readFailure(err)
	}
	return lookedUp(users, notFound, func(nf apiclient.NotFound) string { return nf.ID })
}

// lookedUp converts a lookup's answer; asked is the name or id a NotFound
// was asked by.
func lookedUp(users []apiclient.User, notFound []apiclient.NotFound, asked func(apiclient.NotFound) string) ([]worker.User, []worker.UnknownUser, error) {
	out := make([]worker.User, 0, len(users))
	for _, u := range users {
		out = append(out, user(u))
	}
	unknown := make([]worker.UnknownUser, 0, len(notFound))
	for _, nf := range notFound {
		unknown = append(unknown, worker.UnknownUser{Username: asked(nf), Type: nf.Type, Title: nf.Title, Detail: nf.Detail})
	}
	return out, unknown, nil
}

// Following reads one page of a following list.
func (a Client) Following(ctx context.Context, userID, pageToken string, max int) (worker.Page, error) {
	pg, err := a.c.FollowingPage(ctx, userID, pageToken, max)
	if err != nil {
		return worker.Page{}, readFailure(err)
	}
	out := worker.Page{NextToken: pg.NextToken, Users: make([]worker.User, 0, len(pg.Users))}
	for _, u := range pg.Users {
		out.Users = append(out.Users, user(u))
	}
	return out, nil
}

// FollowingProfiles reads one page of a following list with profiles.
func (a Client) FollowingProfiles(ctx context.Context, userID, pageToken string, max int, lastPost bool) (worker.ProfilePage, error) {
	pg, err := a.c.FollowingProfiles(ctx, userID, pageToken, max, lastPost)
	if err != nil {
		return worker.ProfilePage{}, readFailure(err)
	}
	out := worker.ProfilePage{NextToken: pg.NextToken, Posts: pg.Posts, Profiles: make([]worker.Profile, 0, len(pg.Users))}
	for _, u := range pg.Users {
		out.Profiles = append(out.Profiles, profile(u))
	}
	return out, nil
}

// profile converts a user read with FollowingProfiles: FollowsYou from
// connection_status ("followed_by" in it: yes; the field without it: no).
func profile(u apiclient.User) worker.Profile {
	p := worker.Profile{User: user(u), Name: u.Name, Followers: -1, Following: -1, Posts: -1, Listed: -1}
	if u.Connection != nil {
		p.FollowsYou = worker.FollowedNo
		if slices.Contains(u.Connection, "followed_by") {
			p.FollowsYou = worker.FollowedYes
		}
	}
	if pr := u.Profile; pr != nil {
		p.CreatedAt, p.Description, p.Protected, p.VerifiedType = pr.CreatedAt, pr.Description, pr.Protected, pr.VerifiedType
		p.Followers, p.Following, p.Posts, p.Listed = pr.Followers, pr.Following, pr.Posts, pr.Listed
		p.MostRecentPostID = pr.MostRecentPostID
	}
	return p
}

// user converts a user: Followed from connection_status ("following" in
// it: yes; the field without it: no; no field: unknown), FollowingCount
// as the client gives it (-1 when X did not say).
func user(u apiclient.User) worker.User {
	w := worker.User{ID: u.ID, Username: u.Username, FollowingCount: u.FollowingCount}
	switch follows, known := u.Follows(); {
	case !known:
		w.Followed = worker.FollowedUnknown
	case follows:
		w.Followed = worker.FollowedYes
	default:
		w.Followed = worker.FollowedNo
	}
	return w
}

// readEndpoints maps the client's rate buckets to the run's read windows.
var readEndpoints = map[apiclient.Endpoint]worker.Endpoint{
	apiclient.EndpointMe:        worker.EndpointMe,
	apiclient.EndpointUsersBy:   worker.EndpointUsersBy,
	apiclient.EndpointUsers:     worker.EndpointUsers,
	apiclient.EndpointFollowing: worker.EndpointFollowing,
}

// Observer is the API client's rate observer that feeds every read
// response's headers to w (the unfollow's reach the drain's limiter with
// its reply).
func Observer(w *worker.ReadWindows) func(apiclient.Endpoint, apiclient.RateInfo) {
	return func(ep apiclient.Endpoint, r apiclient.RateInfo) {
		if rep, ok := readEndpoints[ep]; ok {
			w.Observe(rep, observation(r))
		}
	}
}

// observation converts the client's parsed headers into the limiter's terms.
func observation(r apiclient.RateInfo) ratelimit.Observation {
	o := ratelimit.Observation{
		Present:   r.Present,
		Limit:     r.Limit,
		Remaining: r.Remaining,
		Reset:     r.Reset,
		Received:  r.Received,
		UserDay:   day(r.UserDay),
		AppDay:    day(r.AppDay),
	}
	if r.HasDate {
		o.Date = r.Date
	}
	if r.HasRetryAfter {
		o.RetryAfter = r.RetryAfter
	}
	return o
}

func day(d apiclient.DayLimit) ratelimit.Day {
	return ratelimit.Day{Present: d.Present, Limit: d.Limit, Remaining: d.Remaining, Reset: d.Reset}
}

// kinds maps the client's classification to what the worker does.
var kinds = map[apiclient.Class]worker.Kind{
	apiclient.ClassWindowLimited: worker.Window,
	apiclient.ClassQuota:         worker.Quota,
	apiclient.ClassUnauthorized:  worker.Unauthorized,
	apiclient.ClassForbidden:     worker.Forbidden,
	apiclient.ClassNotFound:      worker.NotFound,
	apiclient.ClassTransient:     worker.Transient,
	apiclient.ClassPermanent:     worker.Permanent,
	apiclient.ClassCanceled:      worker.Canceled,
	apiclient.ClassConfig:        worker.Config,
}

// failure classifies err for the worker, keeping the server's answer.
func failure(err error) *worker.Failure {
	f := &worker.Failure{Kind: worker.Transient, Err: err, MayHaveTakenEffect: apiclient.MayHaveTakenEffect(err)}
	if k, ok := kinds[apiclient.Classify(err)]; ok {
		f.Kind = k
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		f.Status = ae.Status
		f.Type, f.Title, f.Detail = ae.Problem.Type, ae.Problem.Title, ae.Problem.Detail
		if f.Detail == "" && len(ae.Legacy) > 0 {
			f.Detail = ae.Legacy[0].Message
		}
		f.RefusesTarget = ae.RefusesTarget()
		f.Hint = ae.Hint()
		if ae.Rate.HasRetryAfter {
			f.RetryAfter = ae.Rate.RetryAfter
		}
	}
	return f
}

// unfollowFailure is an unfollow's failure: the headers of an answer that
// had them go to the drain's limiter.
func unfollowFailure(err error) *worker.Failure {
	f := failure(err)
	var ae *apiclient.Error
	if errors.As(err, &ae) && ae.Header != nil {
		o := observation(ae.Rate)
		o.Rejected = f.Kind == worker.Window
		f.Obs = &o
	}
	return f
}

// readFailure is a read's failure: its text stays the client's ("users/me:
// 401 …"), and a window 429's headers go to that endpoint's window.
func readFailure(err error) error {
	f := failure(err)
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		o := observation(ae.Rate)
		f.Obs = &o
	}
	return &readError{f}
}

// readError is a read's *worker.Failure with the API client's message.
type readError struct{ f *worker.Failure }

func (e *readError) Error() string { return e.f.Err.Error() }

func (e *readError) Unwrap() error { return e.f }
