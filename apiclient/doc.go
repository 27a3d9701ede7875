// Package apiclient speaks X API v2 over HTTP for bulkunfollow: unfollow,
// the authenticated user, users by username and by id, and the following
// list.
//
// Guarantees:
//
//   - Every call takes a context.Context and sends the configured
//     User-Agent; each request is bounded by a per-request timeout
//     (WithTimeout) that is told apart from the caller's context ending.
//   - Every response, success or error, has its rate-limit headers parsed
//     into a RateInfo (window, 24-hour user and app limits, Date,
//     Retry-After, local receive time). Missing or garbage headers are
//     reported absent, never guessed, and never panic.
//   - Every failure is one *Error keeping the operation, method, URL path
//     (no query, no host), status, response headers, RateInfo, the problem
//     body (RFC 7807 with its extra members), legacy {code,message} entries,
//     200 + "errors" entries and the transport error. Error() is one line
//     and never contains request headers, tokens or secrets.
//   - Classify(err) gives exactly one Class per error, deciding what a
//     batch does: wait for the window, stop for quota / unauthorized /
//     forbidden / config, fail the target (not found, permanent), retry
//     (transient), or stop because the caller canceled.
//   - MayHaveTakenEffect(err) says, in one place, whether a request may
//     have been applied although no complete answer says so: no answer, a
//     gateway's 502 / 504, or an answer not read whole or not understood.
//   - User ids are decimal strings of 1–19 digits; JSON is decoded without
//     passing ids through float64. Ids and usernames are validated before
//     anything is sent.
//   - OAuth 1.0a user-context requests are signed with HMAC-SHA1 by
//     github.com/dghubble/oauth1 (OAuth1Transport); OAuth 2.0 is the
//     caller's *http.Client (golang.org/x/oauth2).
//
// A Client is safe for concurrent use. It never retries or sleeps: retry,
// backoff and pacing belong to the caller (worker and ratelimit packages),
// which act on Class and RateInfo.
package apiclient
