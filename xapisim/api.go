package xapisim

import (
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/spend"
)

// Endpoint names: keys of rate-limit windows and of Stats.Calls.
const (
	epUnfollow  = "unfollow"
	epMe        = "users_me"
	epUsersBy   = "users_by"
	epFollowing = "following"
	epUsers     = "users" // users by ids
)

// scopesFor are the OAuth 2.0 scopes each endpoint requires (from the
// official spec's security section).
var scopesFor = map[string][]string{
	epUnfollow:  {"follows.write", "users.read", "tweet.read"},
	epMe:        {"tweet.read", "users.read"},
	epUsersBy:   {"users.read", "tweet.read"},
	epUsers:     {"tweet.read", "users.read"},
	epFollowing: {"follows.read", "users.read", "tweet.read"},
}

// appOnlyAllowed lists the endpoints that accept an app-only bearer token.
var appOnlyAllowed = map[string]bool{epUsersBy: true, epUsers: true, epFollowing: true}

var (
	idPattern       = regexp.MustCompile(`^[0-9]{1,19}$`)
	usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
)

// principal is who a request acts as.
type principal struct {
	userID   string // "" for app-only
	clientID string
	scopes   []string // nil: not an OAuth 2.0 user token (no scope check)
}

func (p principal) rateKey() string {
	if p.userID == "" {
		return "app"
	}
	return p.userID
}

// response is what a handler decided; api writes it after unlocking.
type response struct {
	status  int
	body    any
	problem bool // application/problem+json
}

func success(body any) response { return response{status: http.StatusOK, body: body} }

func problem(status int, p map[string]any) response {
	return response{status: status, body: p, problem: true}
}

// invalidRequest is the 400 for a bad parameter. X sends this problem as
// application/json; charset=utf-8 (real captures), unlike its other
// problems (401, 403, 429, ...), which are application/problem+json.
// values are the parameter's values as sent: none for an empty one.
func invalidRequest(param, message string, values ...string) response {
	return response{status: http.StatusBadRequest, body: problemInvalidRequest(param, values, message)}
}

// api wraps an API endpoint handler with what every X API request goes
// through, in this order: latency, fault draw, 5xx fault, authentication,
// app-only check, scopes, account/app mode, rate-limit windows, the handler,
// then a possible dropped connection. Handlers run with s.mu held.
func (s *Server) api(ep string, h func(r *http.Request, p principal) response) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Latency > 0 {
			if err := s.cfg.Sleep(r.Context(), s.cfg.Latency); err != nil {
				return // the client went away
			}
		}
		body := formBody(r)
		resp, drop := s.decide(ep, w.Header(), r, body, h)
		s.write(w, resp, drop)
	}
}

// dropKind is how a dropped connection looks to the client.
type dropKind uint8

const (
	noDrop      dropKind = iota
	dropSilent           // closed before any byte of the response
	dropPartial          // headers and half the body, then closed
)

func (s *Server) decide(ep string, hdr http.Header, r *http.Request, body []byte, h func(*http.Request, principal) response) (resp response, drop dropKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		switch {
		case resp.status == http.StatusTooManyRequests:
			s.stats.RateLimited++
		case resp.status >= 500:
			s.stats.Served5xx++
		case resp.status == http.StatusUnauthorized:
			s.stats.Unauthorized++
		case resp.status == http.StatusForbidden:
			s.stats.Forbidden++
		case resp.status == http.StatusPaymentRequired:
			s.stats.PaymentRequired++
		}
		if drop != noDrop {
			s.stats.Dropped++
		}
	}()
	s.stats.Calls[ep]++
	if ep == epUnfollow {
		s.stats.UnfollowCalls++
		s.stats.UnfollowCallsByTarget[r.PathValue("target")]++
	}

	// Faults: one draw per API request, so the sequence depends only on
	// the seed and the order of requests.
	if s.cfg.FailRate > 0 || s.cfg.ResetRate > 0 {
		u := s.rng.Float64()
		switch {
		case u < s.cfg.FailRate:
			if s.rng.IntN(2) == 0 {
				return problem(http.StatusInternalServerError, problemInternal()), noDrop
			}
			return problem(http.StatusServiceUnavailable, problemUnavailable()), noDrop
		case u < s.cfg.FailRate+s.cfg.ResetRate:
			drop = dropSilent + dropKind(s.rng.IntN(2))
		}
	}

	p, status := s.authenticate(r, body)
	if status != 0 {
		return problem(http.StatusUnauthorized, problemUnauthorized()), drop
	}
	if p.userID == "" && !appOnlyAllowed[ep] {
		return problem(http.StatusForbidden, problemUnsupportedAuth()), drop
	}
	if p.scopes != nil {
		var missing []string
		for _, sc := range scopesFor[ep] {
			if !slices.Contains(p.scopes, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			return problem(http.StatusForbidden, problemMissingScope(missing)), drop
		}
	}
	switch s.mode {
	case ModeSuspended:
		return problem(http.StatusForbidden, problemSuspended()), drop
	case ModeClientNotEnrolled:
		return problem(http.StatusForbidden, problemClientForbidden(p.clientID)), drop
	case ModeCredits:
		return creditsProblem(), drop
	case ModeUsageCap:
		w := s.window(p.rateKey(), ep, s.limit(ep), s.cfg.Window)
		w.setHeaders(hdr, "x-rate-limit-")
		return problem(http.StatusTooManyRequests, problemUsageCapped()), drop
	}

	win := s.window(p.rateKey(), ep, s.limit(ep), s.cfg.Window)
	var day *window
	if ep == epUnfollow && s.cfg.DailyUnfollowLimit > 0 {
		day = s.window(p.rateKey(), ep+"-24h", s.cfg.DailyUnfollowLimit, 24*time.Hour)
	}
	if win.full() || (day != nil && day.full()) {
		win.setHeaders(hdr, "x-rate-limit-")
		if day != nil {
			day.setHeaders(hdr, "x-user-limit-24hour-")
		}
		return problem(http.StatusTooManyRequests, problemTooMany()), drop
	}
	win.count++
	win.setHeaders(hdr, "x-rate-limit-")
	if day != nil {
		day.count++
		day.setHeaders(hdr, "x-user-limit-24hour-")
	}
	return h(r, p), drop
}

// write sends resp, or drops the connection: before any byte of the
// response, or after the headers and half the body, as a reset looks to a
// client.
func (s *Server) write(w http.ResponseWriter, resp response, drop dropKind) {
	if drop == dropSilent {
		panic(http.ErrAbortHandler) // net/http closes the connection, logs nothing
	}
	body, err := json.Marshal(resp.body)
	if err != nil {
		panic(fmt.Sprintf("xapisim: encode response: %v", err)) // a bug in the simulator
	}
	if resp.problem {
		w.Header().Set("Content-Type", "application/problem+json")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	if drop == dropPartial {
		_, _ = w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler) // net/http closes the connection, logs nothing
	}
	_, _ = w.Write(body)
}

// authenticate finds who r acts as. status is 401 when the credentials are
// missing, unknown, expired, revoked or badly signed. s.mu is held.
func (s *Server) authenticate(r *http.Request, body []byte) (principal, int) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		t, ok := s.tokens[strings.TrimSpace(cred)]
		if !ok || t.revoked {
			return principal{}, http.StatusUnauthorized
		}
		switch t.kind {
		case appToken:
			return principal{}, 0
		case accessToken:
			if !s.now().Before(t.expires) {
				return principal{}, http.StatusUnauthorized
			}
			if _, known := s.users[t.userID]; !known {
				return principal{}, http.StatusUnauthorized
			}
			return principal{userID: t.userID, clientID: t.clientID, scopes: t.scopes}, 0
		}
	case strings.EqualFold(scheme, "OAuth"):
		params, ok := oauth1Params(h)
		if !ok {
			return principal{}, http.StatusUnauthorized
		}
		c, ok := s.verifyOAuth1(r, params, body)
		if !ok {
			return principal{}, http.StatusUnauthorized
		}
		if _, known := s.users[c.UserID]; !known {
			return principal{}, http.StatusUnauthorized
		}
		return principal{userID: c.UserID, clientID: c.ConsumerKey}, 0
	}
	return principal{}, http.StatusUnauthorized
}

// handleUnfollow is DELETE /2/users/{source}/following/{target}.
func (s *Server) handleUnfollow(r *http.Request, p principal) response {
	source, target := r.PathValue("source"), r.PathValue("target")
	for _, pv := range [][2]string{{"source_user_id", source}, {"target_user_id", target}} {
		if !idPattern.MatchString(pv[1]) {
			return invalidRequest(pv[0],
				fmt.Sprintf("The `%s` path parameter value [%s] does not match ^[0-9]{1,19}$", pv[0], pv[1]), pv[1])
		}
	}
	if source != p.userID {
		return invalidRequest("source_user_id",
			fmt.Sprintf("The `source_user_id` path parameter value [%s] must be the id of the authenticated user.", source), source)
	}
	if _, known := s.users[target]; !known {
		return success(map[string]any{"errors": []any{notFoundError("id", target, "id")}})
	}
	if !s.charge(bill{spend.Unfollow, []string{target}}) {
		return creditsProblem() // before any effect: the follow stays
	}
	if s.follows(source, target) {
		if s.sticky[target] {
			return success(map[string]any{"data": map[string]bool{"following": true}})
		}
		s.unfollow(source, target)
		s.stats.Unfollowed++
	}
	return success(map[string]any{"data": map[string]bool{"following": false}})
}

// handleMe is GET /2/users/me.
func (s *Server) handleMe(r *http.Request, p principal) response {
	if bad := checkParams(r.URL.Query(), meParams); bad != nil {
		return *bad
	}
	f, bad := parseFields(r)
	if bad != nil {
		return *bad
	}
	out := s.render([]User{*s.users[p.userID]}, p, f)
	if !s.charge(bill{spend.UserRead, []string{p.userID}}, bill{spend.PostRead, out.postIDs()}) {
		return creditsProblem()
	}
	return success(out.withIncludes(map[string]any{"data": out.users[0]}))
}

// handleUsersBy is GET /2/users/by?usernames=a,b.
func (s *Server) handleUsersBy(r *http.Request, p principal) response {
	return s.lookup(r, p, "usernames", usersByParams, usernamePattern, `^[A-Za-z0-9_]{1,15}$`, func(n string) (*User, bool) {
		u, ok := s.byName[strings.ToLower(n)]
		return u, ok
	})
}

// handleUsers is GET /2/users?ids=1,2.
func (s *Server) handleUsers(r *http.Request, p principal) response {
	return s.lookup(r, p, "ids", usersParams, idPattern, `^[0-9]{1,19}$`, func(id string) (*User, bool) {
		u, ok := s.users[id]
		return u, ok
	})
}

// lookup answers a users lookup by the list parameter param (1 to 100
// values matching pattern; allowed are the operation's parameters): the
// users found in data, in the order asked, the others as
// resource-not-found entries in errors.
func (s *Server) lookup(r *http.Request, p principal, param string, allowed []string, pattern *regexp.Regexp, patternText string, find func(string) (*User, bool)) response {
	if bad := checkParams(r.URL.Query(), allowed); bad != nil {
		return *bad
	}
	raw := r.URL.Query().Get(param)
	if raw == "" {
		return invalidRequest(param,
			fmt.Sprintf("The `%s` query parameter can not be empty", param))
	}
	values := strings.Split(raw, ",")
	if len(values) > 100 {
		return invalidRequest(param,
			fmt.Sprintf("The number of values in the `%s` query parameter list [%d] is not between 1 and 100", param, len(values)), raw)
	}
	for _, v := range values {
		if !pattern.MatchString(v) {
			return invalidRequest(param,
				fmt.Sprintf("The `%s` query parameter value [%s] does not match %s", param, v, patternText), v)
		}
	}
	f, bad := parseFields(r)
	if bad != nil {
		return *bad
	}
	var data []User
	var errs []any
	for _, v := range values {
		if u, ok := find(v); ok {
			data = append(data, *u)
		} else {
			errs = append(errs, notFoundError(param, v, param))
		}
	}
	out := s.render(data, p, f)
	if !s.charge(bill{spend.UserRead, userIDs(data)}, bill{spend.PostRead, out.postIDs()}) {
		return creditsProblem()
	}
	body := map[string]any{}
	if len(data) > 0 {
		body["data"] = out.users
	}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	return success(out.withIncludes(body))
}

// Pagination tokens are opaque to clients; here they encode an offset.
// The spec's pagination_token is "a base32hex-encoded pagination token"
// of at least 16 characters (a server that validates answers 400 to a
// shorter one): RFC 4648 base32hex, upper case, unpadded, of 10 bytes or
// more, like X's own 16-character tokens.
var (
	pageEncoding     = base32.HexEncoding.WithPadding(base32.NoPadding)
	pageTokenPattern = regexp.MustCompile(`^[0-9A-V]{16,}$`)
)

func encodePageToken(offset int) string {
	return pageEncoding.EncodeToString(fmt.Appendf(nil, "sim:%06d", offset))
}

// decodePageToken checks tok as the spec says (base32hex, at least 16
// characters) and returns the offset it encodes; ok is false for a token
// that breaks the spec or was not handed out by the simulator.
func decodePageToken(tok string) (offset int, ok bool) {
	if !pageTokenPattern.MatchString(tok) {
		return 0, false
	}
	b, err := pageEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	rest, found := strings.CutPrefix(string(b), "sim:")
	n, err := strconv.Atoi(rest)
	return n, found && err == nil && n >= 0
}

// handleFollowing is GET /2/users/{id}/following.
func (s *Server) handleFollowing(r *http.Request, p principal) response {
	id := r.PathValue("id")
	q := r.URL.Query()
	if bad := checkParams(q, followingParams); bad != nil {
		return *bad
	}
	if !idPattern.MatchString(id) {
		return invalidRequest("id",
			fmt.Sprintf("The `id` path parameter value [%s] does not match ^[0-9]{1,19}$", id), id)
	}
	size := 100
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return invalidRequest("max_results",
				fmt.Sprintf("The `max_results` query parameter value [%s] is not between 1 and 1000", v), v)
		}
		size = n
	}
	offset := 0
	if v := q.Get("pagination_token"); v != "" {
		n, valid := decodePageToken(v)
		if !valid {
			return invalidRequest("pagination_token",
				fmt.Sprintf("The `pagination_token` query parameter value [%s] is not valid", v), v)
		}
		offset = n
	}
	f, bad := parseFields(r)
	if bad != nil {
		return *bad
	}
	if _, known := s.users[id]; !known {
		return success(map[string]any{"errors": []any{notFoundError("id", id, "id")}})
	}
	list := s.following[id]
	offset = min(offset, len(list))
	end := min(offset+size, len(list))
	data := make([]User, 0, end-offset)
	for _, fid := range list[offset:end] {
		data = append(data, *s.users[fid])
	}
	kind := spend.FollowingRead
	if id == p.userID && s.cfg.AppOwner == AppOwnerSelf {
		kind = spend.OwnedRead
	}
	out := s.render(data, p, f)
	if !s.charge(bill{kind, userIDs(data)}, bill{spend.PostRead, out.postIDs()}) {
		return creditsProblem()
	}
	meta := map[string]any{"result_count": len(data)}
	if end < len(list) {
		meta["next_token"] = encodePageToken(end)
	}
	if offset > 0 {
		meta["previous_token"] = encodePageToken(max(0, offset-size))
	}
	body := map[string]any{"meta": meta}
	if len(data) > 0 {
		body["data"] = out.users
	}
	return success(out.withIncludes(body))
}

func userIDs(users []User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}
