package main

import (
	"context"
	"errors"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// unfollowAPI adapts the API client to the worker's small interface: the
// worker knows nothing of HTTP, only of replies, observations and failure
// kinds.
type unfollowAPI struct{ c *apiclient.Client }

func (a unfollowAPI) Unfollow(ctx context.Context, source, target string) (worker.Reply, error) {
	res, err := a.c.Unfollow(ctx, source, target)
	if err != nil {
		return worker.Reply{}, toFailure(err)
	}
	return worker.Reply{Following: res.Following, Observation: observation(res.Rate)}, nil
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

// toFailure classifies err for the worker, keeping the server's answer.
func toFailure(err error) *worker.Failure {
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
		if ae.Header != nil {
			o := observation(ae.Rate)
			o.Rejected = f.Kind == worker.Window
			f.Obs = &o
		}
		f.Hint = ae.Hint()
		if ae.Rate.HasRetryAfter {
			f.RetryAfter = ae.Rate.RetryAfter
		}
	}
	return f
}

// errorInfo is what the queue keeps of an API error (for example a handle
// that did not resolve).
func errorInfo(nf apiclient.NotFound) *queue.ErrorInfo {
	return &queue.ErrorInfo{Type: nf.Type, Title: nf.Title, Detail: nf.Detail}
}
