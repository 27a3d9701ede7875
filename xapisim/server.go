package xapisim

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulkunfollow/bulkunfollow/spend"
)

// The default account: the user that IssueToken is usually called for, that
// the consent page logs in as, and whose following list --following-file
// fills. Its id is above 2^53 so that a client passing ids through float64
// loses digits and fails visibly; Config.UserID replaces it.
const (
	DefaultUserID   = "1790000000000000001"
	DefaultUsername = "sim_user"
	defaultName     = "Simulated User"
)

// Defaults for Config's zero values, as X documents them (per user, per 15
// minutes).
const (
	DefaultWindow         = 15 * time.Minute
	DefaultUnfollowLimit  = 50
	DefaultMeLimit        = 75
	DefaultUsersByLimit   = 900
	DefaultFollowingLimit = 300
	DefaultTokenLifetime  = 2 * time.Hour
	DefaultCodeLifetime   = 30 * time.Second
	DefaultOAuth1Window   = 5 * time.Minute
)

// Config sets up a Server. The zero value is a usable simulator with X's
// documented limits and no faults.
type Config struct {
	// Now is the clock; nil means time.Now. Tests inject a fake clock.
	Now func() time.Time
	// Sleep waits for d or until ctx ends; it delays responses when
	// Latency is set. nil means a real timer. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Skew shifts the server's clock (Date header, reset times, token
	// expiry) by this much relative to Now.
	Skew time.Duration
	// DateOffset shifts the Date header only, on top of Skew: reset
	// times, token expiry and windows stay on the Skew clock. It mimics a
	// server (or a proxy) whose Date header is off while its rate limits
	// run on the real clock, e.g. 75 years ahead.
	DateOffset time.Duration

	// UserID is the id of the default account, the one the consent page
	// logs in as and Stats counts the following of (default
	// DefaultUserID). X's own local simulator answers users/me with id
	// "0", which the spec's ^[0-9]{1,19}$ allows: set "0" to try a client
	// with it. It is served as given, even outside that pattern.
	UserID string

	// Window is the rate-limit window of every endpoint (default 15m).
	Window time.Duration
	// Requests allowed per user per window, per endpoint (defaults 50,
	// 75, 900, 300 as X documents).
	UnfollowLimit, MeLimit, UsersByLimit, FollowingLimit int
	// DailyUnfollowLimit > 0 adds a 24-hour fixed window on unfollows,
	// announced in x-user-limit-24hour-* headers. 0 means no such limit
	// and no such headers.
	DailyUnfollowLimit int

	// TokenLifetime is how long issued OAuth 2.0 access tokens live
	// (default 2h, answered as expires_in).
	TokenLifetime time.Duration
	// CodeLifetime is how long an authorization code may wait before
	// being exchanged (default 30s).
	CodeLifetime time.Duration
	// OAuth1Window is how far an OAuth 1.0a timestamp may be from the
	// server clock (default 5m); nonces are remembered that long.
	OAuth1Window time.Duration
	// AutoApprove makes the authorize endpoint redirect at once instead of
	// showing the consent page.
	AutoApprove bool

	// FailRate is the probability that an API request is answered 500 or
	// 503 without taking effect. ResetRate is the probability that the
	// connection is dropped after the request took effect: half of the
	// drops close it before any byte of the response, half after the
	// headers and half the body. Latency delays
	// every API response. Seed makes the fault sequence reproducible: the
	// same seed and the same order of requests give the same faults.
	FailRate, ResetRate float64
	Latency             time.Duration
	Seed                int64

	// AppOwner says whose developer app the requests come through:
	// AppOwnerSelf ("" too) when the signed-in user owns it, so that
	// reading that user's own following list is billed as Owned Reads;
	// AppOwnerOther bills every read at the standard price. Any other
	// value makes New panic.
	AppOwner string
	// Credits is the starting balance in USD; 0 means unlimited. A
	// request whose bill the balance cannot pay answers 402 (credits)
	// and takes no effect. A negative, infinite or NaN amount makes New
	// panic.
	Credits float64
	// Prices overrides spend.Default per kind; kinds it lacks keep the
	// default.
	Prices spend.Prices
}

// Mode is an account- or app-wide state that makes every API request fail
// the way X fails it. Switch it at run time with SetMode.
type Mode string

// Modes.
const (
	ModeNormal            Mode = ""
	ModeUsageCap          Mode = "usage-cap"           // 429 usage-capped, x-rate-limit-remaining > 0
	ModeCredits           Mode = "credits"             // 402 credits depleted
	ModeSuspended         Mode = "suspended"           // 403 user-suspended
	ModeClientNotEnrolled Mode = "client-not-enrolled" // 403 client-forbidden
)

// ParseMode accepts the names above ("" and "normal" for ModeNormal).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeNormal, "normal", "none":
		return ModeNormal, nil
	case ModeUsageCap, ModeCredits, ModeSuspended, ModeClientNotEnrolled:
		return m, nil
	}
	return ModeNormal, fmt.Errorf("parse mode %q: want usage-cap, credits, suspended, client-not-enrolled or normal", s)
}

// User is an account the simulator knows.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	// NotFollowed, in a list given to SeedFollowing, makes the account
	// exist without being followed.
	NotFollowed bool `json:"-"`
	// set are the facts a following file gives (ReadUsers); SeedFollowing
	// applies them over the derived ones.
	set overrides
}

// Server is the simulator. It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu        sync.Mutex
	rng       *mrand.Rand
	mode      Mode
	users     map[string]*User    // by id
	byName    map[string]*User    // by lower-case username
	accounts  map[string]*account // facts, by id
	following map[string][]string
	followers map[string]int  // how many lists hold an account
	listed    map[string]bool // accounts whose own following list was set
	sticky    map[string]bool // targets whose unfollow does not take
	windows   map[windowKey]*window
	tokens    map[string]*token // access and refresh tokens
	clients   map[string]Client
	codes     map[string]*authCode
	oauth1    map[string]OAuth1Credentials // by consumer key + "&" + token
	nonces    map[string]time.Time
	stats     Stats
	bill      billing
}

// New returns a simulator that knows the default user, following nobody.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = realSleep
	}
	setDefault(&cfg.UserID, DefaultUserID)
	setDefault(&cfg.Window, DefaultWindow)
	setDefault(&cfg.UnfollowLimit, DefaultUnfollowLimit)
	setDefault(&cfg.MeLimit, DefaultMeLimit)
	setDefault(&cfg.UsersByLimit, DefaultUsersByLimit)
	setDefault(&cfg.FollowingLimit, DefaultFollowingLimit)
	setDefault(&cfg.TokenLifetime, DefaultTokenLifetime)
	setDefault(&cfg.CodeLifetime, DefaultCodeLifetime)
	setDefault(&cfg.OAuth1Window, DefaultOAuth1Window)
	owner, err := ParseAppOwner(cfg.AppOwner)
	if err != nil {
		panic("xapisim: Config.AppOwner: " + err.Error())
	}
	cfg.AppOwner = owner
	seed := uint64(cfg.Seed)
	s := &Server{
		cfg:       cfg,
		rng:       mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		users:     map[string]*User{},
		byName:    map[string]*User{},
		accounts:  map[string]*account{},
		following: map[string][]string{},
		followers: map[string]int{},
		listed:    map[string]bool{cfg.UserID: true},
		sticky:    map[string]bool{},
		windows:   map[windowKey]*window{},
		tokens:    map[string]*token{},
		clients:   map[string]Client{},
		codes:     map[string]*authCode{},
		oauth1:    map[string]OAuth1Credentials{},
		nonces:    map[string]time.Time{},
		stats:     newStats(),
		bill:      newBilling(cfg),
	}
	s.addUser(cfg.UserID, DefaultUsername, defaultName)
	s.routes()
	return s
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// now is the server's clock: the injected clock shifted by Skew.
func (s *Server) now() time.Time { return s.cfg.Now().Add(s.cfg.Skew) }

// ServeHTTP answers one request. Every response carries a Date header from
// the server's (skewed) clock, shifted by DateOffset.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", s.now().Add(s.cfg.DateOffset).UTC().Format(http.TimeFormat))
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("DELETE /2/users/{source}/following/{target}", s.api(epUnfollow, s.handleUnfollow))
	m.HandleFunc("GET /2/users/me", s.api(epMe, s.handleMe))
	m.HandleFunc("GET /2/users/by", s.api(epUsersBy, s.handleUsersBy))
	m.HandleFunc("GET /2/users", s.api(epUsers, s.handleUsers))
	m.HandleFunc("GET /2/users/{id}/following", s.api(epFollowing, s.handleFollowing))
	m.HandleFunc("GET /i/oauth2/authorize", s.handleAuthorize)
	m.HandleFunc("POST /i/oauth2/authorize", s.handleAuthorize)
	m.HandleFunc("POST /2/oauth2/token", s.handleToken)
	m.HandleFunc("POST /2/oauth2/revoke", s.handleRevoke)
	m.HandleFunc("GET /sim/stats", s.handleStats)
	m.HandleFunc("GET /sim/users", s.handleSimUsers)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, problemNotFound())
	})
	s.mux = m
}

// UserID returns the id of the default account (Config.UserID).
func (s *Server) UserID() string { return s.cfg.UserID }

// AddUser makes an account known (or renames it). An empty username keeps
// the known one, or gets a generated one ("u" and the id's last 14 digits).
func (s *Server) AddUser(id, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(id, username, "")
}

// addUser adds or renames a user; empty fields keep what a known user has.
// A new user gets the facts its id gives as of the server clock.
func (s *Server) addUser(id, username, name string) {
	if old, ok := s.users[id]; ok {
		username = cmp.Or(username, old.Username)
		name = cmp.Or(name, old.Name)
	}
	if username == "" {
		username = "u" + id[max(0, len(id)-14):]
	}
	if name == "" {
		name = "User " + username
	}
	if old, ok := s.users[id]; ok {
		delete(s.byName, strings.ToLower(old.Username))
	}
	u := &User{ID: id, Name: name, Username: username}
	s.users[id] = u
	if _, ok := s.accounts[id]; !ok {
		s.accounts[id] = newAccount(id, s.now(), overrides{})
	}
	s.byName[strings.ToLower(username)] = u
}

// SetFollowing replaces userID's following list with ids, in the order
// given without repeats (the following endpoint lists them in this order;
// X lists the most recent follow first). Ids not yet known become users.
// userID's public_metrics count its followers and following in the
// simulator's lists from then on; no one is made to follow back.
func (s *Server) SetFollowing(userID string, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFollowing(userID, ids)
}

func (s *Server) setFollowing(userID string, ids []string) {
	seen := make(map[string]bool, len(ids))
	list := make([]string, 0, len(ids))
	for _, id := range append([]string{userID}, ids...) {
		if _, ok := s.users[id]; !ok {
			s.addUser(id, "", "")
		}
	}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			list = append(list, id)
		}
	}
	for _, id := range s.following[userID] {
		s.followers[id]--
	}
	for _, id := range list {
		s.followers[id]++
	}
	s.following[userID] = list
	s.listed[userID] = true
}

// Following returns userID's current following list.
func (s *Server) Following(userID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.following[userID])
}

// SetSticky makes unfollowing the given target ids not take effect: a
// DELETE for one of them that the source follows answers 200
// {"data":{"following":true}} and the follow stays, as X does when it did
// not apply the request. nil clears the list.
func (s *Server) SetSticky(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sticky = map[string]bool{}
	for _, id := range ids {
		s.sticky[id] = true
	}
}

// SetMode switches the simulator into m for every later request.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("xapisim: encode response: %v", err)) // a bug in the simulator
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeProblem(w http.ResponseWriter, status int, p map[string]any) {
	body, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("xapisim: encode problem: %v", err))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// SetFaultRates changes Config.FailRate and Config.ResetRate for later
// requests; the seeded sequence continues.
func (s *Server) SetFaultRates(fail, reset float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.FailRate, s.cfg.ResetRate = fail, reset
}
