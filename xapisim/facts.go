package xapisim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// snowflakeEpoch is X's post id epoch in Unix milliseconds: a post id's
// bits above the lowest 22 are milliseconds since 2010-11-04T01:42:54.657Z.
const snowflakeEpoch = 1288834974657

// snowflakeStart is the first moment a post id can carry.
var snowflakeStart = time.UnixMilli(snowflakeEpoch).UTC()

// timeFormat is how X writes created_at: RFC 3339, UTC, milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

// Verified types, as X names them in verified_type.
const (
	VerifiedNone       = "none"
	VerifiedBlue       = "blue"
	VerifiedBusiness   = "business"
	VerifiedGovernment = "government"
)

// AccountFacts is what the simulator knows of an account and serves as its
// user fields: the truth a test checks a client's output against. Counts
// are public_metrics as served; FollowsYou and Followed are the following
// graph seen from the default account (Config.UserID).
type AccountFacts struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	Name           string    `json:"name"`
	CreatedAt      time.Time `json:"created_at"`
	Description    string    `json:"description"`
	FollowersCount int       `json:"followers_count"`
	FollowingCount int       `json:"following_count"`
	PostCount      int       `json:"post_count"`
	ListedCount    int       `json:"listed_count"`
	Protected      bool      `json:"protected"`
	// VerifiedType is VerifiedNone, VerifiedBlue, VerifiedBusiness or
	// VerifiedGovernment; verified is served as VerifiedType != "none".
	VerifiedType string `json:"verified_type"`
	// LastPostAt is when the account last posted, to the millisecond (the
	// time its MostRecentPostID carries); zero (JSON null) when it never
	// posted, and then MostRecentPostID is "" (null).
	LastPostAt       time.Time `json:"last_post_at"`
	MostRecentPostID string    `json:"most_recent_post_id"`
	// FollowsYou: the account follows the default account.
	FollowsYou bool `json:"follows_you"`
	// Followed: the default account follows it.
	Followed bool `json:"followed"`
}

// MarshalJSON writes the times as X writes created_at, and null for an
// account that never posted.
func (f AccountFacts) MarshalJSON() ([]byte, error) {
	type plain AccountFacts // without this method
	var w struct {
		plain
		CreatedAt        string  `json:"created_at"`
		LastPostAt       *string `json:"last_post_at"`
		MostRecentPostID *string `json:"most_recent_post_id"`
	}
	w.plain = plain(f)
	w.CreatedAt = f.CreatedAt.UTC().Format(timeFormat)
	if !f.LastPostAt.IsZero() {
		at := f.LastPostAt.UTC().Format(timeFormat)
		w.LastPostAt, w.MostRecentPostID = &at, &f.MostRecentPostID
	}
	return json.Marshal(w)
}

// overrides are the facts a following file sets for an account (nil: the
// derived one is kept).
type overrides struct {
	createdAt                           *time.Time
	description                         *string
	followers, following, posts, listed *int
	protected                           *bool
	verifiedType                        *string
	lastPostAt                          *time.Time // the zero time: never posted
	followsYou                          *bool
}

func (o overrides) any() bool { return o != overrides{} }

// account is what the simulator keeps of an account beyond its names.
type account struct {
	asOf         time.Time // the server clock when the account became known
	createdAt    time.Time
	description  string
	followers    int
	following    int
	posts        int
	listed       int
	protected    bool
	verifiedType string
	lastPost     time.Time // zero: never posted
	postID       string
	postText     string
	// exactFollowers and exactFollowing: the counts were given; served as
	// they are, whatever the following graph holds.
	exactFollowers, exactFollowing bool
	// followsBack: seeding a following list makes this account follow the
	// seeding user back.
	followsBack bool
}

const day = 24 * time.Hour

// draws are an account's random numbers: the same id gives the same
// numbers in every run, on every machine.
type draws uint64

func newDraws(id string) draws {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id)) // never fails
	return draws(h.Sum64())
}

// bits returns the salt-th 64 random bits (splitmix64).
func (d draws) bits(salt uint64) uint64 {
	x := uint64(d) + salt*0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit returns the salt-th number in [0, 1).
func (d draws) unit(salt uint64) float64 { return float64(d.bits(salt)>>11) / (1 << 53) }

// within returns a moment in [from, to) chosen by u in [0, 1).
func within(from, to time.Time, u float64) time.Time {
	return from.Add(time.Duration(u * float64(to.Sub(from))))
}

// Draw salts: one per fact, so that each fact depends only on the id.
const (
	saltCreated = iota + 1
	saltPosted
	saltAge
	saltAgeWithin
	saltAgeRetry
	saltFollowers
	saltFollowing
	saltPosts
	saltListed
	saltProtected
	saltVerified
	saltDescription
	saltFollowsBack
	saltPostText
	saltPostBits

	secondDraw = 1 << 32 // added to a salt: another draw for the same fact
)

// descriptions are the profile texts accounts get: a fifth empty, others
// with commas, quotes, a newline or emoji, so that writers of CSV meet
// what real bios hold.
var descriptions = []string{
	"",
	"",
	"",
	"Coffee, code, and cats.",
	`Writer. "Words are cheap; edits are not."`,
	"Photographer 📷 | travel | he/him",
	"Building things on the internet.\nViews my own.",
	"Opinions my own, reposts aren't endorsements.",
	"🌱 gardener · 🎸 player · 🐈 person",
	`Say "hi", DMs open`,
	"Official account.",
	"Dad, runner, nerd.",
	"Rust, Go and the occasional shell script.",
	"News and notes from the lab.",
	"Café ☕ owner in Lyon",
}

// postTexts are what most recent posts say.
var postTexts = []string{
	"Good morning!",
	"New post on the blog, link in bio.",
	"Thread 🧵 1/3",
	"Anyone else up this early?",
	"Thanks, everyone, for ten years!",
	"gm",
	`"Ship it," they said.`,
}

// newAccount derives an account's facts from its id as of now (the
// server clock), then applies o: created_at from 2007 to 2025 (before
// now); a tenth never posted, the others last posted minutes to twelve
// years before now, after created_at; 5% protected; mostly not verified;
// heavy-tailed counts; two in five follow back whoever seeds a following
// list with them.
func newAccount(id string, now time.Time, o overrides) *account {
	d := newDraws(id)
	now = now.UTC()
	a := &account{asOf: now}

	from, to := time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if latest := now.Add(-day); latest.Before(to) {
		to = latest
	}
	if !to.After(from) { // a clock before 2007: the year before it
		from = to.Add(-365 * day)
	}
	a.createdAt = within(from, to, d.unit(saltCreated)).Truncate(time.Second)
	if o.createdAt != nil {
		a.createdAt = *o.createdAt
	}

	switch {
	case o.lastPostAt != nil:
		a.lastPost = *o.lastPostAt
	case d.unit(saltPosted) >= 0.10: // a tenth never posted
		a.lastPost = lastPost(d, a.createdAt, now)
	}
	if !a.lastPost.IsZero() {
		a.postID = strconv.FormatUint(uint64(a.lastPost.UnixMilli()-snowflakeEpoch)<<22|d.bits(saltPostBits)&(1<<22-1), 10)
		a.postText = postTexts[d.bits(saltPostText)%uint64(len(postTexts))]
	}

	a.followers = d.logNormal(saltFollowers, 2.5, 1.2, 200_000_000) // median 316, 1 in 100 above 190,000
	a.following = d.logNormal(saltFollowing, 2.4, 0.6, 100_000)     // median 251
	if !a.lastPost.IsZero() {
		a.posts = max(1, d.logNormal(saltPosts, 3, 0.9, 5_000_000)) // median 1,000
	}
	a.listed = int(float64(a.followers) * d.unit(saltListed) / 100)
	a.protected = d.unit(saltProtected) < 0.05
	switch u := d.unit(saltVerified); {
	case u < 0.85:
		a.verifiedType = VerifiedNone
	case u < 0.95:
		a.verifiedType = VerifiedBlue
	case u < 0.99:
		a.verifiedType = VerifiedBusiness
	default:
		a.verifiedType = VerifiedGovernment
	}
	a.description = descriptions[d.bits(saltDescription)%uint64(len(descriptions))]
	a.followsBack = d.unit(saltFollowsBack) < 0.40

	set := func(dst *int, v *int) bool {
		if v != nil {
			*dst = *v
		}
		return v != nil
	}
	a.exactFollowers = set(&a.followers, o.followers)
	a.exactFollowing = set(&a.following, o.following)
	set(&a.listed, o.listed)
	set(&a.posts, o.posts)
	if o.protected != nil {
		a.protected = *o.protected
	}
	if o.verifiedType != nil {
		a.verifiedType = *o.verifiedType
	}
	if o.description != nil {
		a.description = *o.description
	}
	if o.followsYou != nil {
		a.followsBack = *o.followsYou
	}
	return a
}

// lastPost is when an account created at created last posted, as of now:
// a third within the week, two in five within six months, the others up
// to twelve years ago; never before created (plus a minute) or before post
// ids carried their time, and zero (never) when no such moment is left.
func lastPost(d draws, created, now time.Time) time.Time {
	var from, to time.Duration
	switch u := d.unit(saltAge); {
	case u < 1.0/3:
		from, to = time.Minute, 7*day
	case u < 0.72:
		from, to = 7*day, 180*day
	case u < 0.89:
		from, to = 180*day, 3*365*day
	default:
		from, to = 3*365*day, 12*365*day
	}
	at := now.Add(-from - time.Duration(d.unit(saltAgeWithin)*float64(to-from)))
	floor := created.Add(time.Minute)
	if floor.Before(snowflakeStart) {
		floor = snowflakeStart.Add(time.Second)
	}
	if at.Before(floor) {
		if !now.After(floor) {
			return time.Time{}
		}
		at = within(floor, now, d.unit(saltAgeRetry))
	}
	return at.Truncate(time.Millisecond)
}

// logNormal returns the salt-th count whose decimal logarithm is normal
// with mean mu and deviation sigma (heavy-tailed: most counts near 10^mu, a
// few far above), at most limit.
func (d draws) logNormal(salt uint64, mu, sigma float64, limit int) int {
	// Box-Muller, from two draws; 1-u keeps the logarithm finite.
	z := math.Sqrt(-2*math.Log(1-d.unit(salt))) * math.Cos(2*math.Pi*d.unit(salt|secondDraw))
	return min(limit, int(math.Pow(10, mu+sigma*z)))
}

// facts returns what the simulator serves of the account id; followed
// says the default account follows it. s.mu is held.
func (s *Server) facts(id string, followed bool) AccountFacts {
	u, a := s.users[id], s.accounts[id]
	m := s.metrics(id, a)
	return AccountFacts{
		ID: id, Username: u.Username, Name: u.Name,
		CreatedAt: a.createdAt, Description: a.description,
		FollowersCount: m.Followers, FollowingCount: m.Following, PostCount: m.Posts, ListedCount: m.Listed,
		Protected: a.protected, VerifiedType: a.verifiedType,
		LastPostAt: a.lastPost, MostRecentPostID: a.postID,
		FollowsYou: s.follows(id, s.cfg.UserID), Followed: followed,
	}
}

// Account returns what the simulator knows of the account id, as its user
// fields serve it; ok is false for an unknown id.
func (s *Server) Account(id string) (facts AccountFacts, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.users[id]; !known {
		return AccountFacts{}, false
	}
	return s.facts(id, s.follows(s.cfg.UserID, id)), true
}

// handleSimUsers is GET /sim/users?ids=a,b: what the simulator knows of
// those accounts (AccountFacts, in the order asked; unknown ids in
// not_found), or of every account the default user follows, in list
// order, without ids. No authentication, limits, faults or billing.
func (s *Server) handleSimUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	ids := slices.Clone(s.following[s.cfg.UserID])
	if _, given := q["ids"]; given {
		ids = strings.Split(q.Get("ids"), ",")
	}
	body := struct {
		Data     []AccountFacts `json:"data"`
		NotFound []string       `json:"not_found"`
	}{Data: make([]AccountFacts, 0, len(ids)), NotFound: []string{}}
	follows := s.followingSet(s.cfg.UserID)
	for _, id := range ids {
		if !idPattern.MatchString(id) {
			s.mu.Unlock()
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("ids: %q is not 1-19 digits", id)})
			return
		}
		if _, known := s.users[id]; known {
			body.Data = append(body.Data, s.facts(id, follows[id]))
		} else {
			body.NotFound = append(body.NotFound, id)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}
