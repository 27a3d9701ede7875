package worker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// sheetAPI is a fake X: the signed-in account 1 follows n accounts
// (ids 101…), served in pages of at most max; every third never posted
// (no most recent post), the others posted i days before testStart; odd
// ones follow back.
func sheetAPI(t *testing.T, n int, calls *int) *fakeClient {
	profiles := make([]Profile, n)
	for i := range profiles {
		p := Profile{User: User{ID: fmt.Sprint(101 + i), Username: fmt.Sprintf("u%d", i)}, Name: fmt.Sprintf("U %d", i),
			Followers: i, Following: 2 * i, Posts: 0, Listed: 1, FollowsYou: FollowedNo, CreatedAt: testStart.AddDate(-5, 0, 0)}
		if i%2 == 1 {
			p.FollowsYou = FollowedYes
		}
		if i%3 != 0 {
			p.Posts = 10
			p.MostRecentPostID = sheet.PostID(testStart.AddDate(0, 0, -i))
		}
		profiles[i] = p
	}
	return &fakeClient{t: t,
		me: func() (User, error) { return User{ID: "1", Username: "me", FollowingCount: n}, nil },
		profiles: func(userID, token string, max int, lastPost bool) (ProfilePage, error) {
			*calls++
			if userID != "1" {
				t.Errorf("list of %s", userID)
			}
			start := 0
			if token != "" {
				fmt.Sscan(token, &start)
			}
			end := min(start+max, n)
			pg := ProfilePage{}
			for _, p := range profiles[start:end] {
				if !lastPost {
					p.MostRecentPostID = ""
				} else if p.MostRecentPostID != "" {
					pg.Posts = append(pg.Posts, p.MostRecentPostID)
				}
				pg.Profiles = append(pg.Profiles, p)
			}
			if end < n {
				pg.NextToken = fmt.Sprint(end)
			}
			return pg, nil
		}}
}

func TestReadSheet(t *testing.T) {
	calls := 0
	api := sheetAPI(t, 2500, &calls)
	clk := testkit.NewClock(testStart)
	var asked SheetCost
	var progress []int
	res, err := ReadSheet(t.Context(), api, SheetOptions{
		LastPost: true, Spending: Spending{Prices: spend.Default(), OwnApp: true}, MaxAttempts: 1, Clock: clk, Log: zerolog.Nop(),
		Confirm:  func(sc SheetCost) error { asked = sc; return nil },
		Progress: func(read, total int) { progress = append(progress, read, total) },
	})
	if err != nil {
		t.Fatal(err)
	}
	// The cost is stated before the list is read: 2,500 Owned Reads, and
	// at most 2,500 posts.
	if asked.Count != 2500 || asked.List != 2_500_000 || asked.Posts != 12_500_000 || asked.Kind != spend.OwnedRead || asked.Spent != 10_000 {
		t.Errorf("cost %+v", asked)
	}
	if calls != 3 || fmt.Sprint(progress) != "[1000 2500 2000 2500 2500 2500]" {
		t.Errorf("%d pages, progress %v", calls, progress)
	}
	// Billed: the sign-in, 2,500 Owned Reads, 1,666 posts.
	if res.Posts != 1666 || res.Spent != 10_000+2_500_000+1666*5_000 || len(res.Rows) != 2500 {
		t.Errorf("posts %d, spent %s, rows %d", res.Posts, res.Spent, len(res.Rows))
	}
	// Sorted by last post: the 834 that never posted first (in X's order),
	// then the oldest post first.
	first, last := res.Rows[0], res.Rows[len(res.Rows)-1]
	if first.ID != "101" || !first.LastPostAt.IsZero() || !res.Rows[833].LastPostAt.IsZero() || !res.Rows[834].LastPostAt.Equal(testStart.AddDate(0, 0, -2498)) {
		t.Errorf("first %+v, 834th %+v", first, res.Rows[834])
	}
	if last.ID != "102" || !last.LastPostAt.Equal(testStart.AddDate(0, 0, -1)) || last.FollowsYou != sheet.Yes || last.Followers != 1 || last.Following != 2 {
		t.Errorf("last %+v", last)
	}
}

func TestReadSheetFollowersFileAndQueue(t *testing.T) {
	calls := 0
	api := sheetAPI(t, 30, &calls)
	clk := testkit.NewClock(testStart)
	dir := t.TempDir()
	q := queuetest.Open(t, filepath.Join(dir, "q.db"), queue.Options{Now: clk.Now})
	path := filepath.Join(dir, "follower.js")
	js := `window.YTD.follower.part0 = [ {"follower": {"accountId": "101"}}, {"follower": {"accountId": "104"}} ]`
	if err := os.WriteFile(path, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	who, err := ReadFollowers(path)
	if err != nil || who.Len() != 2 {
		t.Fatalf("ReadFollowers = %+v, %v", who, err)
	}
	res, err := ReadSheet(t.Context(), api, SheetOptions{Followers: who, Sort: "id", Queue: q,
		Spending: Spending{Prices: spend.Default(), OwnApp: false}, MaxAttempts: 1, Clock: clk, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		want := sheet.No
		if r.ID == "101" || r.ID == "104" {
			want = sheet.Yes
		}
		if r.FollowsYou != want || !r.LastPostAt.IsZero() {
			t.Errorf("row %s: follows_you %v, last post %v", r.ID, r.FollowsYou, r.LastPostAt)
		}
	}
	// Without last-post dates no post is billed; someone else's app: $0.010
	// per account. The queue records it, and keeps the list as the job's
	// snapshot for its next run.
	if res.Spent != 10_000+30*10_000 || res.Posts != 0 {
		t.Errorf("spent %s, posts %d", res.Spent, res.Posts)
	}
	sp, _ := q.Spent()
	snap, followed, ok, err := q.Following()
	if sp.MicroUSD != int64(res.Spent) || !ok || err != nil || snap.Account != "1" || snap.Count != 30 || followed["115"] != "u14" || !snap.At.Equal(testStart) {
		t.Errorf("spent %+v; snapshot %+v, %v, %v", sp, snap, ok, err)
	}
	if id, _, _ := q.Account(); id != "1" {
		t.Errorf("queue bound to %q", id)
	}
	// Declining stops before the list: only the sign-in was read.
	calls = 0
	res, err = ReadSheet(t.Context(), api, SheetOptions{MaxAttempts: 1, Clock: clk, Log: zerolog.Nop(), Spending: Spending{Prices: spend.Default(), OwnApp: true},
		Confirm: func(SheetCost) error { return ErrDeclined }})
	if !errors.Is(err, ErrDeclined) || calls != 0 || res.Spent != 10_000 {
		t.Errorf("declined: %v, %d pages, spent %s", err, calls, res.Spent)
	}
}

// A followers list that names no account (an empty file, an archive's
// follower.js of nobody) would mark every row follows_you no: it is
// refused, and without --followers X says who follows back.
func TestReadFollowersRefusesAnEmptyList(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"empty.txt": "", "follower.js": "window.YTD.follower.part0 = []\n", "blank.csv": "id\n\n"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if who, err := ReadFollowers(path); err == nil || !strings.Contains(err.Error(), "names no account") {
			t.Errorf("%s: %+v, %v", name, who, err)
		}
	}
}
