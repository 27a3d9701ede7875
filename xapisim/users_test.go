package xapisim

import (
	"slices"
	"strings"
	"testing"
)

func TestReadUsers(t *testing.T) {
	big := "12345678901234567890"[:19] // above 2^53: every digit must survive
	tests := []struct {
		name, in string
		want     []User
		err      bool
	}{
		{"lines", "\ufeff# mine\n11\r\n\n" + big + "\n", []User{{ID: "11"}, {ID: big}}, false},
		{"csv with header", "id,username,name\n11,@jack,Jack\n12,bob\n", []User{{ID: "11", Username: "jack", Name: "Jack"}, {ID: "12", Username: "bob"}}, false},
		{"json strings and numbers", `["11", ` + big + `]`, []User{{ID: "11"}, {ID: big}}, false},
		{"json objects", `[{"id":"11","username":"jack"},{"id":12}]`, []User{{ID: "11", Username: "jack"}, {ID: "12"}}, false},
		{"api response", `{"data":[{"id":"11","name":"J","username":"jack"}],"meta":{"result_count":1}}`, []User{{ID: "11", Name: "J", Username: "jack"}}, false},
		{"followed column", "id,username,followed\n11,jack,yes\n12,,no\n13,bob,NO\n14,amy,\n", []User{{ID: "11", Username: "jack"}, {ID: "12", NotFollowed: true}, {ID: "13", Username: "bob", NotFollowed: true}, {ID: "14", Username: "amy"}}, false},
		{"columns in any order", "followed,id\nno,11\n", []User{{ID: "11", NotFollowed: true}}, false},
		{"unknown header", "user_id,note\n11,a\n", []User{{ID: "11", Username: "a"}}, false},
		{"json followed", `[{"id":"11","followed":false},{"id":"12","followed":true}]`, []User{{ID: "11", NotFollowed: true}, {ID: "12"}}, false},
		{"bad followed", "id,followed\n11,maybe\n", nil, true},
		{"header without id", "username,followed\njack,no\n", nil, true},
		{"bad id", "11\n12x\n", nil, true},
		{"bad first id", "12x\n11\n", nil, true},
		{"bad username", "11,no-dash\n", nil, true},
		{"json float", `[1.5]`, nil, true},
		{"json scalar", `{"data":3}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadUsers(strings.NewReader(tt.in))
			if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestSeedFollowing(t *testing.T) {
	sim := New(Config{})
	users := SampleUsers(3)
	if users[0].ID == users[1].ID || len(users[2].ID) != 19 {
		t.Fatalf("sample users %v", users)
	}
	sim.SeedFollowing(DefaultUserID, append(users, User{ID: "5"}, users[0]))
	if got := sim.Following(DefaultUserID); len(got) != 4 || got[3] != "5" {
		t.Fatalf("following %v", got)
	}
	sim.SeedFollowing("77", []User{{ID: DefaultUserID}})
	if sim.users[DefaultUserID].Username != DefaultUsername {
		t.Fatalf("seeding by id renamed the default user to %q", sim.users[DefaultUserID].Username)
	}
	if st := sim.Stats(); st.FollowingCount != 4 {
		t.Fatalf("following_count %d", st.FollowingCount)
	}
}

func TestSeedFollowingNotFollowed(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	users := []User{{ID: "11", Username: "jack"}, {ID: "12", Username: "amy", NotFollowed: true}, {ID: "13"}}
	sim.SeedFollowing(DefaultUserID, users)
	if got := sim.Following(DefaultUserID); !slices.Equal(got, []string{"11", "13"}) || Followed(users) != 2 {
		t.Fatalf("following %v", got)
	}
	// The account exists: it is found, and unfollowing it is the
	// not-followed answer, not unknown-user.
	tok := sim.IssueToken(DefaultUserID)
	if r := do(t, ts, "GET", "/2/users/by?usernames=amy", tok); r.status != 200 || !strings.Contains(string(r.body), `"id":"12"`) {
		t.Fatalf("lookup: %d %s", r.status, r.body)
	}
	if r := do(t, ts, "DELETE", unfollowPath("12"), tok); string(r.body) != `{"data":{"following":false}}` {
		t.Fatalf("unfollow: %d %s", r.status, r.body)
	}
	if st := sim.Stats(); st.Unfollowed != 0 {
		t.Fatalf("unfollowed %d", st.Unfollowed)
	}
}
