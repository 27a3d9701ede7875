package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
)

// UnfollowResult is a successful unfollow answer.
type UnfollowResult struct {
	// Following is the server's data.following: false once the source no
	// longer follows the target (also when it never did: the endpoint is
	// idempotent).
	Following bool
	Rate      RateInfo
	// Errors are "errors" entries X sent beside data (kept, not acted on).
	Errors []Problem
}

// Unfollow makes source (the authenticated user's id) stop following
// target (DELETE /2/users/:source/following/:target). A 200 whose body
// has no data but an "errors" entry (resource-not-found for the target)
// is an *Error with Status 200 classified ClassNotFound, keeping X's
// detail; so is a 200 with data and an entry naming the target as not
// found. Other entries beside data are returned in UnfollowResult.Errors.
func (c *Client) Unfollow(ctx context.Context, source, target string) (UnfollowResult, error) {
	op := "unfollow " + target
	for _, id := range []string{source, target} {
		if !ValidID(id) {
			return UnfollowResult{}, &Error{Op: op, Endpoint: EndpointUnfollow, Target: target,
				Err: fmt.Errorf("%w %.40q: want 1 to 19 decimal digits", ErrInvalidID, id), noEffect: true}
		}
	}
	r, err := c.send(ctx, call{endpoint: EndpointUnfollow, op: op, method: "DELETE",
		path: "/2/users/" + source + "/following/" + target, target: target})
	if err != nil {
		return UnfollowResult{}, err
	}
	bd, perr := parseBody(r.body)
	if perr != nil {
		return UnfollowResult{}, r.malformed(perr.Error())
	}
	if bd.Data == nil {
		return UnfollowResult{}, r.errorsOrMalformed(bd, "no data")
	}
	var data struct {
		Following *bool `json:"following"`
	}
	if err := json.Unmarshal(bd.Data, &data); err != nil || data.Following == nil {
		return UnfollowResult{}, r.malformed("data without following")
	}
	// data and errors together: an entry saying the target itself does not
	// exist wins (it is the more specific answer); other entries are kept.
	for _, p := range bd.Errors {
		if e := (&Error{Problem: p, Target: target}); e.aboutTarget() && (p.Str("resource_id") != "" || p.Str("value") != "") {
			r.err.Problem, r.err.Errors, r.err.Legacy = p, bd.Errors, bd.Legacy
			return UnfollowResult{}, r.err
		}
	}
	return UnfollowResult{Following: *data.Following, Rate: r.rate, Errors: bd.Errors}, nil
}
