package xapisim

import (
	"context"
	"testing"

	"golang.org/x/oauth2"
)

// TestUserIDZero: Config.UserID makes the default account id "0", as X's
// own local simulator has it: users/me, a login through the consent page,
// the following list, unfollows and Stats all use it.
func TestUserIDZero(t *testing.T) {
	sim, ts, _ := start(t, Config{UserID: "0"})
	if sim.UserID() != "0" {
		t.Fatalf("UserID() = %q", sim.UserID())
	}
	sim.SeedFollowing(sim.UserID(), SampleUsers(3))
	c := Client{ID: "public", RedirectURIs: []string{testRedirect}}
	sim.AddClient(c)
	verifier := oauth2.GenerateVerifier()
	q := authorize(t, ts, authParams(c.ID, verifier))
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, ts.Client())
	tok, err := oauthConfig(ts, c).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	for _, bearer := range []string{tok.AccessToken, sim.IssueToken("0")} {
		r := do(t, ts, "GET", "/2/users/me", bearer)
		if want := `{"data":{"id":"0","name":"Simulated User","username":"sim_user"}}`; r.status != 200 || string(r.body) != want {
			t.Fatalf("me: %d %s, want %s", r.status, r.body, want)
		}
	}
	target := SampleUsers(3)[1].ID
	if r := do(t, ts, "DELETE", "/2/users/0/following/"+target, tok.AccessToken); r.status != 200 || string(r.body) != `{"data":{"following":false}}` {
		t.Fatalf("unfollow as 0: %d %s", r.status, r.body)
	}
	r := do(t, ts, "GET", "/2/users/0/following", tok.AccessToken)
	if data, _ := r.json(t)["data"].([]any); r.status != 200 || len(data) != 2 {
		t.Fatalf("following of 0: %d %s", r.status, r.body)
	}
	if st := sim.Stats(); st.FollowingCount != 2 || st.Unfollowed != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The usual default account is not there.
	if r := do(t, ts, "GET", "/2/users/me", sim.IssueToken(DefaultUserID)); r.status != 401 {
		t.Fatalf("me as %s: %d %s", DefaultUserID, r.status, r.body)
	}
}
