package xapisim

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUsersByIDs(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.AddUser("11", "eleven")
	sim.AddUser("12", "twelve")
	tok := sim.IssueToken(DefaultUserID)

	r := do(t, ts, "GET", "/2/users?ids=12,404,11", tok)
	var body struct {
		Data   []map[string]any `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if len(body.Data) != 2 || body.Data[0]["username"] != "twelve" || body.Data[1]["id"] != "11" ||
		len(body.Errors) != 1 || body.Errors[0]["resource_id"] != "404" || body.Errors[0]["parameter"] != "ids" ||
		!strings.HasSuffix(body.Errors[0]["type"].(string), "/2/problems/resource-not-found") {
		t.Fatalf("lookup %s", r.body)
	}
	if _, has := body.Data[0]["connection_status"]; has {
		t.Fatalf("connection_status without asking: %s", r.body)
	}
	// App-only tokens may look users up.
	if r := do(t, ts, "GET", "/2/users?ids=11", sim.IssueAppToken()); r.status != 200 {
		t.Fatalf("app-only: %d %s", r.status, r.body)
	}
	wantBill(t, sim, "lookup", 20_000, map[string]int{"user_read": 2})

	for _, tc := range []struct{ query, param, message string }{
		{"ids=", "ids", "The `ids` query parameter can not be empty"},
		{"", "ids", "The `ids` query parameter can not be empty"},
		{"ids=11,abc", "ids", "The `ids` query parameter value [abc] does not match ^[0-9]{1,19}$"},
		{"ids=" + strings.Repeat("11,", 100) + "11", "ids", "The number of values in the `ids` query parameter list [101] is not between 1 and 100"},
		{"ids=11&user.fields=color", "user.fields", "The `user.fields` query parameter value [color] is not one of ["},
	} {
		r := do(t, ts, "GET", "/2/users?"+tc.query, tok)
		p := r.json(t)
		errs, _ := p["errors"].([]any)
		if r.status != 400 || len(errs) != 1 || !strings.HasPrefix(errs[0].(map[string]any)["message"].(string), tc.message) ||
			errs[0].(map[string]any)["parameters"].(map[string]any)[tc.param] == nil {
			t.Fatalf("%q: %d %s", tc.query, r.status, r.body)
		}
	}
	// 100 ids are fine.
	if r := do(t, ts, "GET", "/2/users?ids="+strings.Repeat("11,", 99)+"11", tok); r.status != 200 {
		t.Fatalf("100 ids: %d %s", r.status, r.body)
	}
	if st := sim.Stats(); st.Calls["users"] != 8 {
		t.Fatalf("calls %v", st.Calls)
	}
}

// connectionStatus returns each user's connection_status by id; a user
// without the field maps to nil.
func connectionStatus(t *testing.T, r result) map[string][]string {
	t.Helper()
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	type user struct {
		ID               string    `json:"id"`
		ConnectionStatus *[]string `json:"connection_status"`
	}
	var users []user
	if err := json.Unmarshal(body.Data, &users); err != nil {
		var one user
		if err := json.Unmarshal(body.Data, &one); err != nil {
			t.Fatalf("data %s", body.Data)
		}
		users = []user{one}
	}
	out := map[string][]string{}
	for _, u := range users {
		if u.ConnectionStatus == nil {
			out[u.ID] = nil
		} else {
			out[u.ID] = append([]string{}, *u.ConnectionStatus...)
		}
	}
	return out
}

func TestConnectionStatus(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.SetFollowing(DefaultUserID, []string{"11", "12"})
	sim.SetFollowing("12", []string{DefaultUserID})
	sim.SetFollowing("13", []string{DefaultUserID})
	sim.AddUser("12", "twelve")
	tok := sim.IssueToken(DefaultUserID)
	want := map[string][]string{"11": {"following"}, "12": {"following", "followed_by"}, "13": {"followed_by"}, "14": {}, DefaultUserID: {}}
	sim.AddUser("14", "")
	check := func(name string, got map[string][]string) {
		t.Helper()
		for id, cs := range got {
			if w, ok := want[id]; !ok || strings.Join(cs, ",") != strings.Join(w, ",") || cs == nil {
				t.Errorf("%s: %s connection_status %v, want %v", name, id, cs, w)
			}
		}
	}
	got := connectionStatus(t, do(t, ts, "GET", "/2/users?ids=11,12,13,14&user.fields=connection_status", tok))
	if len(got) != 4 {
		t.Fatalf("by ids: %v", got)
	}
	check("by ids", got)
	check("by", connectionStatus(t, do(t, ts, "GET", "/2/users/by?usernames=twelve&user.fields=id,connection_status", tok)))
	check("following", connectionStatus(t, do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following?user.fields=connection_status", tok)))
	check("someone's following", connectionStatus(t, do(t, ts, "GET", "/2/users/12/following?user.fields=connection_status", tok)))
	check("me", connectionStatus(t, do(t, ts, "GET", "/2/users/me?user.fields=connection_status", tok)))
	// Without a signed-in user there is no relation to report.
	for id, cs := range connectionStatus(t, do(t, ts, "GET", "/2/users?ids=11&user.fields=connection_status", sim.IssueAppToken())) {
		if cs != nil {
			t.Errorf("app-only: %s connection_status %v", id, cs)
		}
	}
}

func TestPublicMetrics(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.SetFollowing(DefaultUserID, []string{"11", "12", "13"})
	sim.SetFollowing("12", []string{DefaultUserID})
	r := do(t, ts, "GET", "/2/users/me?user.fields=public_metrics", sim.IssueToken(DefaultUserID))
	var body struct {
		Data struct {
			PublicMetrics map[string]int `json:"public_metrics"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Data.PublicMetrics["following_count"] != 3 ||
		body.Data.PublicMetrics["followers_count"] != 1 {
		t.Fatalf("me %s", r.body)
	}
	if r := do(t, ts, "GET", "/2/users/me", sim.IssueToken(DefaultUserID)); strings.Contains(string(r.body), "public_metrics") {
		t.Fatalf("public_metrics without asking: %s", r.body)
	}
}
