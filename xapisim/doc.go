// Package xapisim is an in-process simulator of the X API v2 endpoints
// bulkunfollow uses, faithful to the real service's headers, error bodies,
// rate-limit windows and OAuth endpoints. Tests, "bulkunfollow simulate"
// and "bulkunfollow demo" run against it; the real API is never reached.
//
// A *Server is an http.Handler: serve it with httptest.NewServer(New(cfg))
// or an http.Server on loopback. It serves
//
//	DELETE /2/users/{source_user_id}/following/{target_user_id}
//	GET    /2/users/me
//	GET    /2/users/by?usernames=a,b
//	GET    /2/users?ids=1,2
//	GET    /2/users/{id}/following?max_results=&pagination_token=
//	GET    /i/oauth2/authorize       (consent page; POST is its form)
//	POST   /2/oauth2/token           (authorization_code + PKCE S256, refresh_token)
//	POST   /2/oauth2/revoke
//	GET    /sim/stats                (Stats as JSON; no auth, limits or faults)
//	GET    /sim/users?ids=a,b        (AccountFacts as JSON; also free)
//
// Guarantees:
//
//   - Every response carries a Date header from the server clock
//     (Config.Now shifted by Config.Skew), shifted further by
//     Config.DateOffset (the Date header only).
//   - Every authenticated API response carries x-rate-limit-limit,
//     -remaining and -reset. Windows are per user and per endpoint, fixed,
//     anchored at the first request after the previous window ended; the
//     window ends at the whole epoch second announced in -reset, and a new
//     one opens at exactly that second. 429s do not consume the window.
//     With Config.DailyUnfollowLimit, unfollows also carry
//     x-user-limit-24hour-* headers from a 24-hour window of the same kind.
//   - Bodies validate against the official OpenAPI spec (v2.167) for the
//     five API operations; problem types the spec does not list (about:blank,
//     usage-capped, credits, unsupported-authentication, client-forbidden,
//     user-suspended) carry the fields every spec Problem has. Types the
//     spec lists use https://api.x.com/2/problems/..., the others
//     https://api.twitter.com/2/problems/... as real responses do: clients
//     must match on the suffix. A 400 invalid-request is sent as
//     application/json; charset=utf-8, every other problem as
//     application/problem+json, as real responses are. Pagination tokens
//     are 16 characters of base32hex, as the spec's pagination_token
//     requires, and incoming ones are checked the same way (400).
//   - The four user operations take exactly the parameters the spec
//     gives them (user.fields, expansions, post.fields and their own),
//     each list checked against its enum (400 invalid-request). They serve
//     the user fields connection_status, created_at, description,
//     protected, public_metrics, verified and verified_type when asked,
//     and with expansions=most_recent_post_id each account's
//     most_recent_post_id (a snowflake carrying its time) with the posts
//     in includes.posts, billed as post reads. The facts are derived from
//     each id (the same in every run) as of the server clock when the
//     account became known, or given by a following file (ReadUsers);
//     Account and /sim/users tell them.
//   - Users exist if and only if they were added (AddUser, SetFollowing,
//     SeedFollowing). Unfollowing an unknown id answers 200 with a
//     resource-not-found entry in "errors"; unfollowing a known account
//     that is not followed answers 200 {"data":{"following":false}}. A
//     followed target made sticky (SetSticky) answers
//     {"data":{"following":true}} and stays followed.
//   - Faults are drawn from math/rand/v2 seeded with Config.Seed, one draw
//     per API request: the same seed and request order give the same
//     faults. A 500/503 takes no effect; a dropped connection happens after
//     the request took effect (closed before any response byte, or after
//     the headers and half the body, half of the time each). OAuth
//     and /sim/stats endpoints never fault.
//   - OAuth 2.0 authorization codes live Config.CodeLifetime (30 s) and are
//     spent by the first exchange attempt, right or wrong. Refresh tokens
//     are single use; a new code exchange by the same client and user ends
//     the previous refresh tokens; revoking a refresh token ends its grant.
//   - OAuth 1.0a HMAC-SHA1 signatures are verified per RFC 5849 (query and
//     form parameters signed, timestamps within Config.OAuth1Window, nonces
//     single use).
//   - Requests are billed as X's pay-per-use API bills them (spend.Default,
//     Config.Prices): only successful responses that return data, reads
//     once per resource per UTC day of the server clock, own following
//     lists as Owned Reads when Config.AppOwner is "self". With
//     Config.Credits, a request the balance cannot pay answers 402 credits
//     and takes no effect. Stats.BilledUSD and Stats.Billed show the bill.
//   - A Server is safe for concurrent use; its state lives behind one mutex
//     and latency is slept outside it.
package xapisim
