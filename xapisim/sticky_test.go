package xapisim

import (
	"slices"
	"testing"
)

// A sticky target's unfollow answers following:true and the follow stays;
// other targets and a cleared list behave as usual.
func TestSticky(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	const a, b = "1700000000000000001", "1700000000000000002"
	sim.SetFollowing(DefaultUserID, []string{a, b})
	sim.SetSticky([]string{a})
	tok := sim.IssueToken(DefaultUserID)
	path := func(id string) string { return "/2/users/" + DefaultUserID + "/following/" + id }

	for _, tc := range []struct {
		id        string
		following bool
	}{{a, true}, {a, true}, {b, false}} {
		r := do(t, ts, "DELETE", path(tc.id), tok)
		data, _ := r.json(t)["data"].(map[string]any)
		if r.status != 200 || data["following"] != tc.following {
			t.Errorf("DELETE %s: %d %s, want following %v", tc.id, r.status, r.body, tc.following)
		}
	}
	if got := sim.Following(DefaultUserID); !slices.Equal(got, []string{a}) {
		t.Errorf("following %v, want only the sticky %s", got, a)
	}
	sim.SetSticky(nil)
	r := do(t, ts, "DELETE", path(a), tok)
	if data, _ := r.json(t)["data"].(map[string]any); data["following"] != false || len(sim.Following(DefaultUserID)) != 0 {
		t.Errorf("after SetSticky(nil): %s, following %v", r.body, sim.Following(DefaultUserID))
	}
	if st := sim.Stats(); st.Unfollowed != 2 || st.UnfollowCalls != 4 {
		t.Errorf("stats: %d unfollowed of %d calls, want 2 of 4", st.Unfollowed, st.UnfollowCalls)
	}
}
