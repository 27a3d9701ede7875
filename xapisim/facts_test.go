package xapisim

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// apiUser and apiPost are a user and a post as a response returns them.
type apiUser struct {
	ID               string    `json:"id"`
	ConnectionStatus *[]string `json:"connection_status"`
	CreatedAt        *string   `json:"created_at"`
	Description      *string   `json:"description"`
	MostRecentPostID *string   `json:"most_recent_post_id"`
	Protected        *bool     `json:"protected"`
	PublicMetrics    *struct {
		Followers int `json:"followers_count"`
		Following int `json:"following_count"`
		Posts     int `json:"post_count"`
		Listed    int `json:"listed_count"`
	} `json:"public_metrics"`
	Verified     *bool   `json:"verified"`
	VerifiedType *string `json:"verified_type"`
}

type apiPost struct {
	ID          string   `json:"id"`
	Text        string   `json:"text"`
	EditHistory []string `json:"edit_history_tweet_ids"`
	CreatedAt   *string  `json:"created_at"`
}

// usersOf decodes a 200 response of a user operation: its users (data is
// one object for users/me) and its includes.posts.
func usersOf(t *testing.T, r result) ([]apiUser, []apiPost) {
	t.Helper()
	var body struct {
		Data     json.RawMessage `json:"data"`
		Includes struct {
			Posts []apiPost `json:"posts"`
		} `json:"includes"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var users []apiUser
	if err := json.Unmarshal(body.Data, &users); err != nil {
		var one apiUser
		if err := json.Unmarshal(body.Data, &one); err != nil {
			t.Fatalf("data %s", body.Data)
		}
		users = []apiUser{one}
	}
	return users, body.Includes.Posts
}

// postTime is the moment a snowflake post id carries.
func postTime(t *testing.T, id string) time.Time {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("post id %q: %v", id, err)
	}
	return time.UnixMilli(int64(n>>22) + 1288834974657).UTC()
}

// userOperations are the four user operations, for the signed-in user
// following ids (each asks for all of them, or for the user itself).
func userOperations(ids []string) map[string]string {
	return map[string]string{
		"me":        "/2/users/me?",
		"by ids":    "/2/users?ids=" + strings.Join(ids, ",") + "&",
		"by names":  "/2/users/by?usernames=" + strings.Join(sampleNames(len(ids)), ",") + "&",
		"following": "/2/users/" + DefaultUserID + "/following?max_results=1000&",
	}
}

func sampleNames(n int) []string {
	var names []string
	for _, u := range SampleUsers(n) {
		names = append(names, u.Username)
	}
	return names
}

// TestUserFieldsPerOperation: each user field is served by each of the
// four operations when asked, with the simulator's facts, and not when
// not asked.
func TestUserFieldsPerOperation(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	users := SampleUsers(40)
	sim.SeedFollowing(DefaultUserID, users)
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	tok := sim.IssueToken(DefaultUserID)
	check := map[string]func(u apiUser, f AccountFacts) bool{
		"created_at": func(u apiUser, f AccountFacts) bool {
			return u.CreatedAt != nil && *u.CreatedAt == f.CreatedAt.Format("2006-01-02T15:04:05.000Z")
		},
		"description": func(u apiUser, f AccountFacts) bool { return u.Description != nil && *u.Description == f.Description },
		"protected":   func(u apiUser, f AccountFacts) bool { return u.Protected != nil && *u.Protected == f.Protected },
		"verified": func(u apiUser, f AccountFacts) bool {
			return u.Verified != nil && *u.Verified == (f.VerifiedType != VerifiedNone)
		},
		"verified_type": func(u apiUser, f AccountFacts) bool {
			return u.VerifiedType != nil && *u.VerifiedType == f.VerifiedType
		},
		"public_metrics": func(u apiUser, f AccountFacts) bool {
			m := u.PublicMetrics
			return m != nil && m.Followers == f.FollowersCount && m.Following == f.FollowingCount &&
				m.Posts == f.PostCount && m.Listed == f.ListedCount
		},
		"connection_status": func(u apiUser, f AccountFacts) bool {
			if u.ConnectionStatus == nil {
				return false
			}
			cs := *u.ConnectionStatus
			return slices.Contains(cs, "following") == f.Followed && slices.Contains(cs, "followed_by") == f.FollowsYou
		},
	}
	for op, path := range userOperations(ids) {
		for field, ok := range check {
			got, posts := usersOf(t, do(t, ts, "GET", path+"user.fields="+field, tok))
			if want := len(ids); op == "me" && len(got) != 1 || op != "me" && len(got) != want || len(posts) != 0 {
				t.Fatalf("%s %s: %d users, %d posts", op, field, len(got), len(posts))
			}
			for _, u := range got {
				f, known := sim.Account(u.ID)
				if !known || !ok(u, f) {
					t.Errorf("%s: %s of %s: %+v, facts %+v", op, field, u.ID, u, f)
				}
			}
		}
		// Not asked, not served.
		r := do(t, ts, "GET", strings.TrimSuffix(strings.TrimSuffix(path, "?"), "&"), tok)
		for _, name := range []string{"created_at", "description", "protected", "verified", "public_metrics", "connection_status", "most_recent_post_id", "includes"} {
			if strings.Contains(string(r.body), `"`+name+`"`) {
				t.Errorf("%s without user.fields serves %s: %s", op, name, r.body)
			}
		}
	}
	// The four verified types all occur among 40 sample accounts, and the
	// following file's values are what the fields serve (TestFactsOverrides).
	seen := map[string]bool{}
	for _, id := range ids {
		f, _ := sim.Account(id)
		seen[f.VerifiedType] = true
	}
	if len(seen) < 3 {
		t.Errorf("verified types among 40 accounts: %v", seen)
	}
}

// TestMostRecentPostExpansion: expansions=most_recent_post_id gives every
// account that posted a most_recent_post_id whose snowflake time is its
// last post, and returns those posts in includes.posts, billed as post
// reads once per post per UTC day; an account that never posted adds
// neither.
func TestMostRecentPostExpansion(t *testing.T) {
	sim, ts, clock := start(t, Config{TokenLifetime: 48 * time.Hour})
	users := SampleUsers(60)
	sim.SeedFollowing(DefaultUserID, users)
	tok := sim.IssueToken(DefaultUserID)
	never, posted := 0, 0
	for _, u := range users {
		if f, _ := sim.Account(u.ID); f.LastPostAt.IsZero() {
			never++
		} else {
			posted++
		}
	}
	if never == 0 || posted == 0 {
		t.Fatalf("%d never posted, %d posted: want both", never, posted)
	}

	path := "/2/users/" + DefaultUserID + "/following?max_results=1000&expansions=most_recent_post_id"
	got, posts := usersOf(t, do(t, ts, "GET", path, tok))
	byID := map[string]apiPost{}
	for _, p := range posts {
		if p.Text == "" || !slices.Equal(p.EditHistory, []string{p.ID}) || p.CreatedAt != nil {
			t.Errorf("post %+v: want id, text and edit_history_tweet_ids only", p)
		}
		byID[p.ID] = p
	}
	for _, u := range got {
		f, _ := sim.Account(u.ID)
		switch {
		case f.LastPostAt.IsZero():
			if u.MostRecentPostID != nil {
				t.Errorf("%s never posted, has most_recent_post_id %s", u.ID, *u.MostRecentPostID)
			}
		case u.MostRecentPostID == nil || *u.MostRecentPostID != f.MostRecentPostID:
			t.Errorf("%s: most_recent_post_id %v, want %s", u.ID, u.MostRecentPostID, f.MostRecentPostID)
		case !postTime(t, f.MostRecentPostID).Equal(f.LastPostAt):
			t.Errorf("%s: post id %s carries %v, last post %v", u.ID, f.MostRecentPostID, postTime(t, f.MostRecentPostID), f.LastPostAt)
		case byID[f.MostRecentPostID].ID == "":
			t.Errorf("%s: post %s not in includes", u.ID, f.MostRecentPostID)
		}
	}
	if len(posts) != posted {
		t.Fatalf("%d posts in includes, want %d", len(posts), posted)
	}
	wantBill(t, sim, "list with posts", int64(60*1_000+posted*5_000), map[string]int{"owned_read": 60, "post_read": posted})

	// The same posts again that day are free, also through another
	// operation; post.fields=created_at adds the post's time.
	some := users[:10]
	var ids []string
	wantPosts := 0
	for _, u := range some {
		ids = append(ids, u.ID)
		if f, _ := sim.Account(u.ID); !f.LastPostAt.IsZero() {
			wantPosts++
		}
	}
	_, posts = usersOf(t, do(t, ts, "GET", "/2/users?ids="+strings.Join(ids, ",")+"&expansions=most_recent_post_id&post.fields=created_at,lang", tok))
	for _, p := range posts {
		if p.CreatedAt == nil || *p.CreatedAt != postTime(t, p.ID).Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("post %s created_at %v", p.ID, p.CreatedAt)
		}
	}
	if len(posts) != wantPosts {
		t.Fatalf("%d posts, want %d", len(posts), wantPosts)
	}
	wantBill(t, sim, "posts again", int64(60*1_000+10*10_000+posted*5_000), map[string]int{"owned_read": 60, "user_read": 10, "post_read": posted})

	// The next UTC day, they are billed again.
	clock.Advance(12 * time.Hour)
	usersOf(t, do(t, ts, "GET", "/2/users?ids="+strings.Join(ids, ",")+"&expansions=most_recent_post_id", tok))
	wantBill(t, sim, "next day", int64(60*1_000+20*10_000+(posted+wantPosts)*5_000),
		map[string]int{"owned_read": 60, "user_read": 20, "post_read": posted + wantPosts})

	// users/me: the signed-in account's own post, if it has one.
	me, _ := sim.Account(DefaultUserID)
	got, posts = usersOf(t, do(t, ts, "GET", "/2/users/me?expansions=most_recent_post_id", tok))
	if me.LastPostAt.IsZero() != (got[0].MostRecentPostID == nil) || me.LastPostAt.IsZero() != (len(posts) == 0) {
		t.Errorf("me: %+v, %d posts; facts %+v", got[0], len(posts), me)
	}
	// Other expansions are accepted and add nothing here.
	if r := do(t, ts, "GET", "/2/users/me?expansions=affiliation,pinned_post_id", tok); r.status != 200 || strings.Contains(string(r.body), "includes") {
		t.Errorf("affiliation, pinned_post_id: %d %s", r.status, r.body)
	}
}

// TestPostReadsNeedCredits: a response whose posts the balance cannot pay
// answers 402 and bills nothing, users included.
func TestPostReadsNeedCredits(t *testing.T) {
	sim, ts, _ := start(t, Config{Credits: 0.012})
	users := SampleUsers(8)
	sim.SeedFollowing(DefaultUserID, users)
	tok := sim.IssueToken(DefaultUserID)
	posted := 0
	for _, u := range users {
		if f, _ := sim.Account(u.ID); !f.LastPostAt.IsZero() {
			posted++
		}
	}
	if posted < 3 {
		t.Fatalf("only %d of 8 posted", posted)
	}
	// 8 Owned Reads ($0.008) fit, the posts ($0.005 each) do not.
	if r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following?expansions=most_recent_post_id", tok); r.status != 402 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	wantBill(t, sim, "unpaid", 0, nil)
	if r := do(t, ts, "GET", "/2/users/"+DefaultUserID+"/following", tok); r.status != 200 {
		t.Fatalf("without posts: %d %s", r.status, r.body)
	}
	wantBill(t, sim, "list alone", 8_000, map[string]int{"owned_read": 8})
}

// TestFieldParametersValidated: user.fields, expansions and post.fields
// take their spec enums, and the user operations take only the parameters
// the spec lists: anything else is X's 400 invalid-request.
func TestFieldParametersValidated(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	sim.SetFollowing(DefaultUserID, []string{"11"})
	tok := sim.IssueToken(DefaultUserID)
	fieldsTail := ",expansions,post.fields]"
	for _, tc := range []struct{ path, param, value, message string }{
		// 2.167 has most_recent_tweet_id only on stream operations.
		{"/2/users/me?user.fields=most_recent_tweet_id", "user.fields", "most_recent_tweet_id",
			"The `user.fields` query parameter value [most_recent_tweet_id] is not one of [" + strings.Join(userFieldNames, ",") + "]"},
		{"/2/users?ids=11&expansions=most_recent_tweet_id", "expansions", "most_recent_tweet_id",
			"The `expansions` query parameter value [most_recent_tweet_id] is not one of [affiliation,most_recent_post_id,pinned_post_id]"},
		{"/2/users/by?usernames=sim_user&expansions=most_recent_post_id,pinned_tweet_id", "expansions", "pinned_tweet_id",
			"The `expansions` query parameter value [pinned_tweet_id] is not one of [affiliation,most_recent_post_id,pinned_post_id]"},
		{"/2/users/" + DefaultUserID + "/following?expansions=most_recent_post_id&post.fields=author_id", "post.fields", "author_id",
			"The `post.fields` query parameter value [author_id] is not one of [" + strings.Join(postFieldNames, ",") + "]"},
		{"/2/users/me?tweet.fields=created_at", "tweet.fields", "created_at",
			"The query parameter [tweet.fields] is not one of [user.fields" + fieldsTail},
		{"/2/users?ids=11&max_results=5", "max_results", "5",
			"The query parameter [max_results] is not one of [ids,user.fields" + fieldsTail},
		{"/2/users/by?usernames=sim_user&ids=11", "ids", "11",
			"The query parameter [ids] is not one of [usernames,user.fields" + fieldsTail},
		{"/2/users/" + DefaultUserID + "/following?tweet.fields=id", "tweet.fields", "id",
			"The query parameter [tweet.fields] is not one of [id,max_results,pagination_token,user.fields" + fieldsTail},
	} {
		r := do(t, ts, "GET", tc.path, tok)
		if want := invalidBody(tc.param, tc.value, tc.message); r.status != 400 || string(r.body) != want {
			t.Errorf("%s: %d %s\nwant %s", tc.path, r.status, r.body, want)
		}
	}
	for _, param := range []string{"expansions", "post.fields"} {
		r := do(t, ts, "GET", "/2/users/me?"+param+"=", tok)
		want := `{"detail":"One or more parameters to your request was invalid.","errors":[{"message":"The ` + "`" + param + "`" +
			` query parameter can not be empty","parameters":{"` + param + `":[]}}],"title":"Invalid Request","type":"https://api.x.com/2/problems/invalid-request"}`
		if r.status != 400 || string(r.body) != want {
			t.Errorf("empty %s: %d %s", param, r.status, r.body)
		}
	}
	wantBill(t, sim, "400s are free", 0, nil)
}

// TestFactsDeterministic: the facts come from the id alone, whatever the
// order accounts are added in: another simulator on the same clock gives
// the same ones. Started later, it gives the same creation times,
// descriptions, counts and flags, and the same last-post ages unless an
// account's creation leaves no room for its age.
func TestFactsDeterministic(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	later := at.Add(400 * 24 * time.Hour)
	a := New(Config{Now: func() time.Time { return at }})
	same := New(Config{Now: func() time.Time { return at }})
	b := New(Config{Now: func() time.Time { return later }})
	users := SampleUsers(300)
	a.SeedFollowing(DefaultUserID, users)
	reversed := slices.Clone(users)
	slices.Reverse(reversed)
	same.SeedFollowing(DefaultUserID, reversed)
	b.SeedFollowing(DefaultUserID, users)
	sameAge := 0
	for _, u := range users {
		fa, _ := a.Account(u.ID)
		fs, _ := same.Account(u.ID)
		fb, _ := b.Account(u.ID)
		if fa != fs {
			t.Fatalf("%s: %+v and %+v", u.ID, fa, fs)
		}
		if at.Sub(fa.LastPostAt) == later.Sub(fb.LastPostAt) {
			sameAge++
		}
		fa.LastPostAt, fb.LastPostAt, fa.MostRecentPostID, fb.MostRecentPostID = time.Time{}, time.Time{}, "", ""
		if fa != fb {
			t.Fatalf("%s: %+v and, later, %+v", u.ID, fa, fb)
		}
	}
	if sameAge < 270 {
		t.Errorf("%d of 300 last-post ages stay, want nine in ten", sameAge)
	}
}

// TestFactsRealistic: over many accounts the facts spread as the doc
// says, and each account's hold together.
func TestFactsRealistic(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sim := New(Config{Now: func() time.Time { return now }})
	users := SampleUsers(3000)
	sim.SeedFollowing(DefaultUserID, users)
	var never, protected, back, week, months, years int
	types := map[string]int{}
	var followers []int
	var comma, quote, newline, emoji, empty bool
	for _, u := range users {
		f, _ := sim.Account(u.ID)
		if f.CreatedAt.Year() < 2007 || f.CreatedAt.Year() > 2025 {
			t.Errorf("%s created %v", u.ID, f.CreatedAt)
		}
		if f.LastPostAt.IsZero() {
			never++
			if f.PostCount != 0 || f.MostRecentPostID != "" {
				t.Errorf("%s never posted: %+v", u.ID, f)
			}
		} else {
			if !f.LastPostAt.After(f.CreatedAt) || f.LastPostAt.After(now) || f.PostCount < 1 ||
				!postTime(t, f.MostRecentPostID).Equal(f.LastPostAt) {
				t.Errorf("%s: %+v", u.ID, f)
			}
			switch age := now.Sub(f.LastPostAt); {
			case age < 7*day:
				week++
			case age < 365*day:
				months++
			case age > 2*365*day:
				years++
			}
		}
		if f.Protected {
			protected++
		}
		if f.FollowsYou {
			back++
		}
		types[f.VerifiedType]++
		followers = append(followers, f.FollowersCount)
		d := f.Description
		comma, quote, newline, empty = comma || strings.Contains(d, ","), quote || strings.Contains(d, `"`),
			newline || strings.Contains(d, "\n"), empty || d == ""
		emoji = emoji || strings.ContainsAny(d, "📷🌱🎸🐈☕")
	}
	between := func(what string, n int, lo, hi float64) {
		t.Helper()
		if p := float64(n) / float64(len(users)); p < lo || p > hi {
			t.Errorf("%s: %d of %d (%.3f), want %.2f to %.2f", what, n, len(users), p, lo, hi)
		}
	}
	between("never posted", never, 0.07, 0.13)
	between("posted within the week", week, 0.2, 0.4)
	between("posted within the year", months, 0.3, 0.6)
	between("posted years ago", years, 0.05, 0.25)
	between("protected", protected, 0.03, 0.07)
	between("follows back", back, 0.35, 0.45)
	between("not verified", types[VerifiedNone], 0.8, 0.9)
	if types[VerifiedBlue] == 0 || types[VerifiedBusiness] == 0 || types[VerifiedGovernment] == 0 || len(types) != 4 {
		t.Errorf("verified types %v", types)
	}
	slices.Sort(followers)
	if median, top := followers[len(followers)/2], followers[len(followers)-1]; median < 50 || top < 1000*median {
		t.Errorf("followers: median %d, largest %d: want a heavy tail", median, top)
	}
	if !comma || !quote || !newline || !emoji || !empty {
		t.Errorf("descriptions: comma %v, quote %v, newline %v, emoji %v, empty %v", comma, quote, newline, emoji, empty)
	}
}

// TestFactsBeforeTheirTime: a clock in 2008 gives no creation date after
// it and no post (post ids carry their time only from late 2010).
func TestFactsBeforeTheirTime(t *testing.T) {
	now := time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC)
	sim := New(Config{Now: func() time.Time { return now }})
	users := SampleUsers(200)
	sim.SeedFollowing(DefaultUserID, users)
	for _, u := range users {
		f, _ := sim.Account(u.ID)
		if !f.CreatedAt.Before(now) || !f.LastPostAt.IsZero() || f.PostCount != 0 {
			t.Fatalf("%s: %+v", u.ID, f)
		}
	}
}

// TestFollowsBackAgreesWithGraph: seeding makes about two in five
// followed accounts follow the user back, in the simulator's own lists;
// connection_status, Account and /sim/users all say the same, before and
// after an unfollow, and SetFollowing makes no one follow back.
func TestFollowsBackAgreesWithGraph(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	users := SampleUsers(50)
	users[1].NotFollowed = true
	sim.SeedFollowing(DefaultUserID, users)
	tok := sim.IssueToken(DefaultUserID)
	check := func(step string) {
		t.Helper()
		var ids []string
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		got, _ := usersOf(t, do(t, ts, "GET", "/2/users?ids="+strings.Join(ids, ",")+"&user.fields=connection_status", tok))
		var sheet struct{ Data []AccountFacts }
		if err := json.Unmarshal(do(t, ts, "GET", "/sim/users?ids="+strings.Join(ids, ","), "").body, &sheet); err != nil || len(sheet.Data) != len(ids) {
			t.Fatalf("%s: /sim/users: %v", step, err)
		}
		backs := 0
		for i, u := range got {
			f, _ := sim.Account(u.ID)
			inGraph := slices.Contains(sim.Following(u.ID), DefaultUserID)
			if f.FollowsYou != inGraph || slices.Contains(*u.ConnectionStatus, "followed_by") != inGraph ||
				sheet.Data[i].FollowsYou != inGraph || f.Followed != slices.Contains(sim.Following(DefaultUserID), u.ID) {
				t.Errorf("%s: %s: facts %+v, connection_status %v, in graph %v", step, u.ID, f, *u.ConnectionStatus, inGraph)
			}
			if inGraph {
				backs++
			}
		}
		if backs < 12 || backs > 28 {
			t.Errorf("%s: %d of 50 follow back", step, backs)
		}
	}
	check("seeded")
	if slices.Contains(sim.Following(users[1].ID), DefaultUserID) {
		t.Error("an account not followed was made to follow back")
	}
	for _, u := range users[:10] {
		do(t, ts, "DELETE", unfollowPath(u.ID), tok)
	}
	check("after unfollows")

	// An explicit graph stays as it was set.
	sim2 := New(Config{})
	sim2.SetFollowing(DefaultUserID, []string{users[0].ID, users[2].ID, users[3].ID})
	for _, id := range []string{users[0].ID, users[2].ID, users[3].ID} {
		if f, _ := sim2.Account(id); f.FollowsYou {
			t.Errorf("SetFollowing made %s follow back", id)
		}
	}
}

const sheetCSV = "ID,Username,Name,followers_count,following_count,post_count,listed_count,Created_At,last_post_at,days_since_last_post,protected,verified_type,follows_you,description,decision\r\n" +
	"1600000000000000101,alice,Alice A,12,34,56,7,2013-12-14T04:35:55.000Z,2026-02-27T08:00:00.123Z,2,yes,business,no,\"Coffee, code\nand \"\"cats\"\"\",unfollow\r\n" +
	"1600000000000000102,bob,Bob,,,0,,2020-01-02T03:04:05Z,,,false,NONE,yes,,keep\r\n" +
	"1600000000000000103,carol,Carol,,,,,,,,,,,plain,\r\n"

// TestFactsOverrides: the columns of a review sheet (written back as a
// following file) set the facts, and the user fields serve them: quoted
// descriptions with commas, quotes and a newline, an empty last_post_at
// for never posted, follows_you in the simulator's lists; empty cells keep
// the derived facts. The same rows as JSON Lines, or with ; between the
// fields, read the same.
func TestFactsOverrides(t *testing.T) {
	jsonl := `{"id":"1600000000000000101","username":"alice","name":"Alice A","followers_count":12,"following_count":34,"post_count":56,"listed_count":7,"created_at":"2013-12-14T04:35:55.000Z","last_post_at":"2026-02-27T08:00:00.123Z","protected":true,"verified_type":"business","follows_you":"no","description":"Coffee, code\nand \"cats\"","decision":"unfollow"}` + "\n" +
		`{"id":1600000000000000102,"username":"bob","name":"Bob","post_count":"0","created_at":"2020-01-02T03:04:05Z","last_post_at":null,"protected":"false","verified_type":"none","follows_you":true,"description":""}` + "\n\n" +
		`{"id":"1600000000000000103","username":"carol","name":"Carol","description":"plain"}` + "\n"
	semicolons := strings.ReplaceAll(sheetCSV, ",", ";")
	for name, in := range map[string]string{"csv": sheetCSV, "jsonl": jsonl, "semicolons": semicolons} {
		t.Run(name, func(t *testing.T) {
			users, err := ReadUsers(strings.NewReader(in))
			if err != nil || len(users) != 3 {
				t.Fatalf("ReadUsers: %d users, %v", len(users), err)
			}
			sim, ts, _ := start(t, Config{})
			derived := New(Config{Now: sim.cfg.Now})
			sim.SeedFollowing(DefaultUserID, users)
			derived.SeedFollowing(DefaultUserID, []User{{ID: users[0].ID}, {ID: users[1].ID}, {ID: users[2].ID}})

			alice, _ := sim.Account("1600000000000000101")
			desc := "Coffee, code\nand \"cats\""
			if name == "semicolons" {
				desc = "Coffee; code\nand \"cats\""
			}
			want := AccountFacts{
				ID: "1600000000000000101", Username: "alice", Name: "Alice A",
				CreatedAt: time.Date(2013, 12, 14, 4, 35, 55, 0, time.UTC), Description: desc,
				FollowersCount: 12, FollowingCount: 34, PostCount: 56, ListedCount: 7, Protected: true, VerifiedType: VerifiedBusiness,
				LastPostAt: time.Date(2026, 2, 27, 8, 0, 0, 123_000_000, time.UTC), FollowsYou: false, Followed: true,
			}
			want.MostRecentPostID = alice.MostRecentPostID
			if alice != want || !postTime(t, alice.MostRecentPostID).Equal(want.LastPostAt) {
				t.Errorf("alice:\n%+v\nwant\n%+v", alice, want)
			}
			bob, _ := sim.Account("1600000000000000102")
			derivedBob, _ := derived.Account("1600000000000000102")
			if !bob.LastPostAt.IsZero() || bob.MostRecentPostID != "" || bob.PostCount != 0 || bob.Protected ||
				bob.VerifiedType != VerifiedNone || !bob.FollowsYou || bob.Description != "" ||
				!bob.CreatedAt.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) ||
				bob.ListedCount != derivedBob.ListedCount || !slices.Contains(sim.Following(bob.ID), DefaultUserID) {
				t.Errorf("bob: %+v (derived %+v)", bob, derivedBob)
			}
			carol, _ := sim.Account("1600000000000000103")
			derivedCarol, _ := derived.Account("1600000000000000103")
			derivedCarol.Description, derivedCarol.Username, derivedCarol.Name = "plain", "carol", "Carol"
			if name != "jsonl" { // an empty last_post_at cell: never posted
				derivedCarol.LastPostAt, derivedCarol.MostRecentPostID, derivedCarol.PostCount = time.Time{}, "", 0
			}
			if carol != derivedCarol {
				t.Errorf("carol: %+v, want the derived facts but the description and the cells given: %+v", carol, derivedCarol)
			}

			// The fields serve them.
			got, posts := usersOf(t, do(t, ts, "GET", "/2/users/by?usernames=alice,bob&user.fields=created_at,description,public_metrics,protected,verified,verified_type,connection_status&expansions=most_recent_post_id&post.fields=created_at", sim.IssueToken(DefaultUserID)))
			a, b := got[0], got[1]
			if *a.CreatedAt != "2013-12-14T04:35:55.000Z" || *a.Description != desc || !*a.Protected || !*a.Verified || *a.VerifiedType != "business" ||
				a.PublicMetrics.Followers != 12 || a.PublicMetrics.Following != 34 || a.PublicMetrics.Posts != 56 || a.PublicMetrics.Listed != 7 ||
				*a.MostRecentPostID != alice.MostRecentPostID || !slices.Equal(*a.ConnectionStatus, []string{"following"}) {
				t.Errorf("alice served %+v", a)
			}
			if b.MostRecentPostID != nil || *b.Verified || !slices.Equal(*b.ConnectionStatus, []string{"following", "followed_by"}) {
				t.Errorf("bob served %+v", b)
			}
			if len(posts) != 1 || posts[0].ID != alice.MostRecentPostID || *posts[0].CreatedAt != "2026-02-27T08:00:00.123Z" {
				t.Errorf("posts %+v", posts)
			}
		})
	}
}

// TestReadUsersFactErrors: a bad fact is refused with its line (a quoted
// newline counts), as a *ReadError marked Sheet, since the file names the
// simulator's own columns.
func TestReadUsersFactErrors(t *testing.T) {
	head := "id,description,protected,verified_type,followers_count,created_at,last_post_at,follows_you\n"
	okRow := "11,\"two\nlines\",no,none,1,2013-12-14T04:35:55Z,2026-01-01T00:00:00Z,yes\n"
	for _, tc := range []struct{ name, row, message string }{
		{"protected", "12,,maybe,,,,,", `protected "maybe" is not yes or no`},
		{"verified_type", "12,,,gold,,,,", `verified_type "gold" is not blue, business, government or none`},
		{"count", "12,,,,-3,,,", `followers_count "-3" is not a whole number, 0 or more`},
		{"count text", "12,,,,many,,,", `followers_count "many" is not a whole number, 0 or more`},
		{"created_at", "12,,,,,2013-12-14,,", `created_at "2013-12-14" is not an RFC 3339 time`},
		{"last_post_at", "12,,,,,,yesterday,", `last_post_at "yesterday" is not an RFC 3339 time`},
		{"before snowflakes", "12,,,,,,2009-01-01T00:00:00Z,", "last_post_at 2009-01-01T00:00:00Z is before 2010-11-04T01:42:54.657Z"},
		{"follows_you", "12,,,,,,,sometimes", `follows_you "sometimes" is not yes or no`},
		{"bad id", "1x,,,,,,,", `id "1x" is not 1-19 digits`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadUsers(strings.NewReader(head + okRow + tc.row + "\n"))
			var re *ReadError
			if !errors.As(err, &re) || re.Line != 4 || !re.Sheet || !strings.Contains(err.Error(), "line 4: "+tc.message) {
				t.Fatalf("error %v (%+v), want line 4: %s", err, re, tc.message)
			}
		})
	}
	// JSON: Lines by line, arrays by item.
	var re *ReadError
	if _, err := ReadUsers(strings.NewReader(`{"id":"11"}` + "\n" + `{"id":"12","protected":"maybe"}`)); !errors.As(err, &re) || re.Line != 2 || !re.Sheet {
		t.Errorf("JSON Lines: %v", err)
	}
	if _, err := ReadUsers(strings.NewReader(`{"id":"11"}` + "\n" + `not json`)); !errors.As(err, &re) || re.Line != 2 || re.Sheet {
		t.Errorf("JSON Lines, a bad line: %v", err)
	}
	if _, err := ReadUsers(strings.NewReader(`[{"id":"11"},{"id":"12","post_count":[1]}]`)); !errors.As(err, &re) || re.Item != 2 || !re.Sheet ||
		!strings.Contains(err.Error(), "item 2: post_count is not a string, number or boolean") {
		t.Errorf("JSON array: %v", err)
	}
	// A file without the simulator's columns is not a sheet: a caller may
	// read it another way.
	if _, err := ReadUsers(strings.NewReader("id,username\n11,no-dash\n")); !errors.As(err, &re) || re.Line != 2 || re.Sheet {
		t.Errorf("plain CSV: %v", err)
	}
}

// TestSimUsers: GET /sim/users tells the facts, free: of the ids asked
// (unknown ones in not_found), or of the whole following list in order.
func TestSimUsers(t *testing.T) {
	sim, ts, _ := start(t, Config{})
	users := SampleUsers(5)
	sim.SeedFollowing(DefaultUserID, users)
	var all struct {
		Data     []AccountFacts `json:"data"`
		NotFound []string       `json:"not_found"`
	}
	r := do(t, ts, "GET", "/sim/users", "")
	if err := json.Unmarshal(r.body, &all); err != nil || r.status != 200 || len(all.Data) != 5 || len(all.NotFound) != 0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for i, f := range all.Data {
		want, _ := sim.Account(users[i].ID)
		if !f.CreatedAt.Equal(want.CreatedAt) || !f.LastPostAt.Equal(want.LastPostAt) {
			t.Errorf("%s: times %v %v, want %v %v", f.ID, f.CreatedAt, f.LastPostAt, want.CreatedAt, want.LastPostAt)
		}
		f.CreatedAt, f.LastPostAt, want.CreatedAt, want.LastPostAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if f != want {
			t.Errorf("/sim/users %+v, Account %+v", f, want)
		}
	}
	// Times as X writes them; null for never posted.
	var raw struct{ Data []map[string]any }
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	for i, m := range raw.Data {
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", m["created_at"].(string)); err != nil {
			t.Errorf("created_at %v", m["created_at"])
		}
		if all.Data[i].LastPostAt.IsZero() != (m["last_post_at"] == nil) || (m["last_post_at"] == nil) != (m["most_recent_post_id"] == nil) {
			t.Errorf("last_post_at %v, most_recent_post_id %v", m["last_post_at"], m["most_recent_post_id"])
		}
	}

	r = do(t, ts, "GET", "/sim/users?ids="+users[3].ID+",404,"+DefaultUserID, "")
	if err := json.Unmarshal(r.body, &all); err != nil || len(all.Data) != 2 || all.Data[0].ID != users[3].ID ||
		all.Data[1].ID != DefaultUserID || !slices.Equal(all.NotFound, []string{"404"}) {
		t.Fatalf("ids: %s", r.body)
	}
	if r := do(t, ts, "GET", "/sim/users?ids=11,x", ""); r.status != 400 || !strings.Contains(string(r.body), `\"x\" is not 1-19 digits`) {
		t.Fatalf("bad id: %d %s", r.status, r.body)
	}
	if st := sim.Stats(); st.BilledMicroUSD != 0 || len(st.Calls) != 0 {
		t.Fatalf("/sim/users was counted: %+v", st)
	}
}

// BenchmarkFollowingAllFields reads a 5,000-account following list, 1,000
// per page, with every served user field and the most recent posts.
func BenchmarkFollowingAllFields(b *testing.B) {
	sim := New(Config{})
	sim.SeedFollowing(DefaultUserID, SampleUsers(5000))
	ts := httptest.NewServer(sim)
	defer ts.Close()
	tok := sim.IssueToken(DefaultUserID)
	base := ts.URL + "/2/users/" + DefaultUserID + "/following?max_results=1000" +
		"&user.fields=created_at,description,public_metrics,protected,verified,verified_type,connection_status" +
		"&expansions=most_recent_post_id&post.fields=created_at"
	c := ts.Client()
	for b.Loop() {
		next, pages := "", 0
		for {
			u := base
			if next != "" {
				u += "&pagination_token=" + next
			}
			req, err := http.NewRequest("GET", u, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var body struct {
				Meta struct {
					NextToken string `json:"next_token"`
				} `json:"meta"`
			}
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%d %v", resp.StatusCode, err)
			}
			pages++
			if next = body.Meta.NextToken; next == "" {
				break
			}
		}
		if pages != 5 {
			b.Fatalf("%d pages", pages)
		}
	}
}
