package xapisim

import (
	"encoding/base32"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// pageTokenSpec is what the official spec says of pagination_token on
// GET /2/users/{id}/following: "A base32hex-encoded pagination token",
// minLength 16. base32hex is RFC 4648's alphabet 0-9A-V.
var pageTokenSpec = regexp.MustCompile(`^[0-9A-V]{16,}$`)

func invalidBody(param, value, message string) string {
	return `{"detail":"One or more parameters to your request was invalid.","errors":[{"message":"` + message +
		`","parameters":{"` + param + `":["` + value + `"]}}],"title":"Invalid Request","type":"https://api.x.com/2/problems/invalid-request"}`
}

// TestPaginationTokensFollowSpec: the tokens the following list hands out
// are spec-valid (a server that validates would accept them back), and
// incoming tokens are validated as the spec says: shorter than 16, or not
// base32hex, is a 400 invalid-request. A well-formed token that was never
// handed out is also a 400 invalid-request (our choice: X's answer to
// one is not documented).
func TestPaginationTokensFollowSpec(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	var ids []string
	for i := range 30 {
		ids = append(ids, "17"+strings.Repeat("0", 15)+string(rune('0'+i/10))+string(rune('0'+i%10)))
	}
	sim.SetFollowing(DefaultUserID, ids)
	tok := sim.IssueToken(DefaultUserID)
	path := "/2/users/" + DefaultUserID + "/following"
	var tokens []string
	q := "?max_results=7"
	for {
		r := do(t, ts, "GET", path+q, tok)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		meta := r.json(t)["meta"].(map[string]any)
		if p, ok := meta["previous_token"].(string); ok {
			tokens = append(tokens, p)
		}
		next, ok := meta["next_token"].(string)
		if !ok {
			break
		}
		tokens = append(tokens, next)
		q = "?max_results=7&pagination_token=" + next
	}
	if len(tokens) < 8 {
		t.Fatalf("only %d tokens", len(tokens))
	}
	for _, tk := range tokens {
		if !pageTokenSpec.MatchString(tk) {
			t.Errorf("token %q is not base32hex of at least 16 characters", tk)
		}
		if _, err := base32.HexEncoding.WithPadding(base32.NoPadding).DecodeString(tk); err != nil {
			t.Errorf("token %q does not decode as base32hex: %v", tk, err)
		}
	}

	const msg = "The `pagination_token` query parameter value [%s] is not valid"
	for _, bad := range []string{
		"0123456789ABCDE",          // 15 characters
		"ZZZZZZZZZZZZZZZZ",         // W-Z are not base32hex
		strings.ToLower(tokens[0]), // lower case is not RFC 4648 base32hex
		"0123456789ABCDE-",         // punctuation
		"0000000000000000",         // well-formed, never handed out
	} {
		r := do(t, ts, "GET", path+"?pagination_token="+bad, tok)
		want := invalidBody("pagination_token", bad, strings.Replace(msg, "%s", bad, 1))
		if r.status != 400 || string(r.body) != want {
			t.Errorf("token %q: %d %s\nwant 400 %s", bad, r.status, r.body, want)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("token %q: Content-Type %q", bad, ct)
		}
	}
}

// TestErrorContentTypes: X sends its 400 invalid-request as
// application/json; charset=utf-8 (real captures) and its other problems
// (401, 403, 429, ...) as application/problem+json.
func TestErrorContentTypes(t *testing.T) {
	sim, ts, _ := start(t, Config{UnfollowLimit: 3}) // a 400 counts against the window too
	sim.SetFollowing(DefaultUserID, []string{"11"})
	tok := sim.IssueToken(DefaultUserID)
	const js, pj = "application/json; charset=utf-8", "application/problem+json"
	tests := []struct {
		name, method, path, token string
		status                    int
		ct                        string
	}{
		{"400 path", "DELETE", unfollowPath("abc"), tok, 400, js},
		{"400 source", "DELETE", "/2/users/12/following/11", tok, 400, js},
		{"200", "DELETE", unfollowPath("11"), tok, 200, js},
		{"429", "DELETE", unfollowPath("11"), tok, 429, pj},
		{"400 usernames", "GET", "/2/users/by?usernames=", tok, 400, js},
		{"400 max_results", "GET", "/2/users/" + DefaultUserID + "/following?max_results=0", tok, 400, js},
		{"401", "GET", "/2/users/me", "", 401, pj},
		{"403", "GET", "/2/users/me", sim.IssueAppToken(), 403, pj},
		{"404", "GET", "/2/nothing", tok, 404, pj},
	}
	for _, tt := range tests {
		r := do(t, ts, tt.method, tt.path, tt.token)
		if r.status != tt.status || r.header.Get("Content-Type") != tt.ct {
			t.Errorf("%s: %d %q, want %d %q (%s)", tt.name, r.status, r.header.Get("Content-Type"), tt.status, tt.ct, r.body)
		}
	}
	sim.SetFaultRates(1, 0)
	if r := do(t, ts, "GET", "/2/users/me", tok); r.status < 500 || r.header.Get("Content-Type") != pj {
		t.Errorf("5xx: %d %q", r.status, r.header.Get("Content-Type"))
	}
}

// TestEmptyUsernames: an empty usernames list echoes no value, as X does
// ("usernames": [], not [""]).
func TestEmptyUsernames(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	for _, q := range []string{"?usernames=", ""} {
		r := do(t, ts, "GET", "/2/users/by"+q, sim.IssueToken(DefaultUserID))
		want := `{"detail":"One or more parameters to your request was invalid.","errors":[{"message":"The ` + "`usernames`" +
			` query parameter can not be empty","parameters":{"usernames":[]}}],"title":"Invalid Request","type":"https://api.x.com/2/problems/invalid-request"}`
		if r.status != http.StatusBadRequest || string(r.body) != want {
			t.Errorf("%q: %d %s\nwant 400 %s", q, r.status, r.body, want)
		}
	}
}
