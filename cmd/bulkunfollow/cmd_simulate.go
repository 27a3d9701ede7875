package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue/input"
	"github.com/bulkunfollow/bulkunfollow/spend"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// Defaults of "simulate": the OAuth 2.0 client it registers when none is
// given, and the callback X apps typically register for a CLI.
const (
	simDefaultClientID    = "bulkunfollow-sim"
	simDefaultRedirectURI = "http://127.0.0.1:8976/callback"
)

// simInfo is the first line "simulate" prints: everything a client needs.
type simInfo struct {
	BaseURL      string   `json:"base_url"`
	AccessToken  string   `json:"access_token"`
	UserID       string   `json:"user_id"`
	Username     string   `json:"username"`
	ClientID     string   `json:"client_id"`
	RedirectURIs []string `json:"redirect_uris"`
	AuthorizeURL string   `json:"authorize_url"`
	TokenURL     string   `json:"token_url"`
	StatsURL     string   `json:"stats_url"`
	Following    int      `json:"following_count"`
}

func runSimulate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("simulate", "", `
Serve the X API simulator on a loopback address until interrupted (Ctrl-C or
SIGTERM). It answers unfollow, users/me, users/by, users by ids, the
following list and the OAuth 2.0 authorize/token/revoke endpoints the way X
does: same headers, error bodies and per-user 15-minute windows, with
optional faults. It bills like X's pay-per-use API (see --app-owner and
--credits).

The user operations serve, when user.fields asks, created_at, description,
public_metrics, protected, verified, verified_type and connection_status,
and with expansions=most_recent_post_id each account's most recent post id
(its time is in the id) plus the post in includes.posts, billed as a post
read ($0.005 a post, once a day). The values are made up from each id, the
same every run (a tenth never posted, two in five followed accounts follow
back); the following file's columns created_at, description,
followers_count, following_count, post_count, listed_count, protected,
verified_type, last_post_at (empty: never posted) and follows_you set them,
so a review sheet written by "following" can be fed back.

The first line on stdout is one JSON object with base_url, access_token (a
user token for the simulated account), user_id, username, client_id and the
OAuth URLs. Point --api-base-url (BULKUNFOLLOW_API_BASE_URL) at base_url to
rehearse a run. GET <base_url>/sim/stats shows what the simulator received
and billed (billed_usd, billed); GET <base_url>/sim/users[?ids=a,b] what it
knows of each followed account (free).
Details: docs/simulator.md.`,
		"bulkunfollow simulate --following-file list.csv --unfollow-limit 5 --window 1m",
		"bulkunfollow simulate --fail-rate 0.05 --reset-rate 0.02 --latency 150ms",
		"bulkunfollow simulate --auto-approve --client-id app --client-secret-file sec",
	)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	followingFile := fs.String("following-file", "", "accounts the simulated user follows, by id: ids one per line, id,username CSV, JSON, JSON Lines, or any list import reads that gives ids (CSV with an id column, following.js); a followed column (yes/no) also adds accounts not followed, and the fact columns (created_at, description, followers_count, following_count, post_count, listed_count, protected, verified_type, last_post_at, follows_you) set what the user fields serve")
	unfollowLimit := fs.Int("unfollow-limit", xapisim.DefaultUnfollowLimit, "unfollow requests allowed per user per window")
	window := fs.Duration("window", xapisim.DefaultWindow, "rate-limit window of every endpoint")
	dailyLimit := fs.Int("daily-limit", 0, "unfollows per 24 hours, announced in x-user-limit-24hour-* headers (0: none)")
	tokenLifetime := fs.Duration("token-lifetime", xapisim.DefaultTokenLifetime, "lifetime of issued OAuth 2.0 access tokens")
	failRate := fs.Float64("fail-rate", 0, "probability (0-1) that an API request gets a 500 or 503 and takes no effect")
	resetRate := fs.Float64("reset-rate", 0, "probability (0-1) that the connection drops (before or in the middle of the response) after the request took effect")
	latency := fs.Duration("latency", 0, "delay added to every API response")
	seed := fs.Int64("seed", 1, "seed of the fault sequence (same seed and request order, same faults)")
	skew := fs.Duration("skew", 0, "shift the server clock (Date header, reset times) by this much, e.g. -90s")
	dateOffset := fs.Duration("date-offset", 0, "shift the Date header only (reset times stay on the --skew clock), e.g. 650000h")
	mode := fs.String("mode", "", "fail every API request as X does when: usage-cap (429), credits (402), suspended (403), client-not-enrolled (403)")
	appOwner := fs.String("app-owner", xapisim.AppOwnerSelf, "whose X app the requests come through: self (reading the signed-in user's own following list is billed as Owned Reads, $0.001 per user) or other ($0.010 per user)")
	pricesFlag := fs.String("prices", "", "what the simulator bills, as KIND=USD,... for unfollow, user_read, following_read, owned_read, post_read (default: X's published prices)")
	credits := fs.Float64("credits", 0, "starting credit balance in USD (0: unlimited); a request the balance cannot pay answers 402 and takes no effect")
	autoApprove := fs.Bool("auto-approve", false, "authorize endpoint redirects at once instead of showing the consent page")
	clientID := fs.String("client-id", simDefaultClientID, "OAuth 2.0 client id to accept")
	clientSecretFile := fs.String("client-secret-file", "", "file holding the client secret: makes the client confidential (HTTP Basic)")
	redirectURIs := fs.String("redirect-uri", simDefaultRedirectURI, "registered OAuth 2.0 callback URLs, comma separated (exact match)")
	o1Key := fs.String("oauth1-consumer-key", "", "accept OAuth 1.0a requests signed with this consumer key (needs the three below)")
	o1SecretFile := fs.String("oauth1-consumer-secret-file", "", "file holding the OAuth 1.0a consumer secret")
	o1Token := fs.String("oauth1-token", "", "OAuth 1.0a access token of the simulated user")
	o1TokenSecretFile := fs.String("oauth1-token-secret-file", "", "file holding the OAuth 1.0a access token secret")
	// BULKUNFOLLOW_OAUTH1_* are the client's credentials: the simulator's
	// flags get variables of their own so exporting those never changes it.
	// The simulator's billing flags get variables of their own too, so
	// that no client-side spending variable ever changes them.
	fs.envAs("app-owner", "BULKUNFOLLOW_SIM_APP_OWNER")
	fs.envAs("credits", "BULKUNFOLLOW_SIM_CREDITS")
	fs.envAs("prices", "BULKUNFOLLOW_SIM_PRICES")
	for _, f := range []string{"oauth1-consumer-key", "oauth1-consumer-secret-file", "oauth1-token", "oauth1-token-secret-file"} {
		fs.envAs(f, "BULKUNFOLLOW_SIM_"+strings.ToUpper(strings.ReplaceAll(f, "-", "_")))
	}
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("simulate takes no arguments, got %q", fs.Args()[0]).withHint("bulkunfollow simulate --help")
	}
	hint := "bulkunfollow simulate --help"
	if err := simCheckLoopback(*addr); err != nil {
		return usageErrorf("simulate: --addr: %v", err).withHint("bulkunfollow simulate --addr 127.0.0.1:0")
	}
	m, err := xapisim.ParseMode(*mode)
	if err != nil {
		return usageErrorf("simulate: --mode: %v", err).withHint(hint)
	}
	owner, err := xapisim.ParseAppOwner(*appOwner)
	if err != nil {
		return usageErrorf("simulate: --app-owner: %v", err).withHint(hint)
	}
	prices, err := spend.ParsePrices(*pricesFlag)
	if err != nil {
		return usageErrorf("simulate: --prices: %v", err).withHint("bulkunfollow simulate --prices unfollow=0.015")
	}
	if _, err := spend.FromUSD(*credits); err != nil {
		return usageErrorf("simulate: --credits must be an amount in USD, 0 or more (0: unlimited), got %v", *credits).withHint("bulkunfollow simulate --credits 5")
	}
	switch {
	case *unfollowLimit < 1:
		return usageErrorf("simulate: --unfollow-limit must be at least 1").withHint(hint)
	case *window <= 0 || *tokenLifetime <= 0:
		return usageErrorf("simulate: --window and --token-lifetime must be positive").withHint(hint)
	case *dailyLimit < 0 || *latency < 0:
		return usageErrorf("simulate: --daily-limit and --latency cannot be negative").withHint(hint)
	case *failRate < 0 || *resetRate < 0 || *failRate+*resetRate > 1:
		return usageErrorf("simulate: --fail-rate and --reset-rate must be between 0 and 1, together at most 1").withHint(hint)
	case *clientID == "":
		return usageErrorf("simulate: --client-id cannot be empty").withHint(hint)
	}
	client := xapisim.Client{ID: *clientID}
	for u := range strings.SplitSeq(*redirectURIs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			client.RedirectURIs = append(client.RedirectURIs, u)
		}
	}
	if *clientSecretFile != "" {
		if client.Secret, err = simReadSecretFile(*clientSecretFile); err != nil {
			return withExit(exitPerson, fmt.Errorf("simulate: --client-secret-file: %w", err), "")
		}
	}
	var oauth1 *xapisim.OAuth1Credentials
	if *o1Key != "" || *o1Token != "" || *o1SecretFile != "" || *o1TokenSecretFile != "" {
		if *o1Key == "" || *o1Token == "" || *o1SecretFile == "" || *o1TokenSecretFile == "" {
			return usageErrorf("simulate: OAuth 1.0a needs all of --oauth1-consumer-key, --oauth1-consumer-secret-file, --oauth1-token and --oauth1-token-secret-file").withHint(hint)
		}
		oauth1 = &xapisim.OAuth1Credentials{ConsumerKey: *o1Key, Token: *o1Token, UserID: xapisim.DefaultUserID}
		if oauth1.ConsumerSecret, err = simReadSecretFile(*o1SecretFile); err != nil {
			return withExit(exitPerson, fmt.Errorf("simulate: --oauth1-consumer-secret-file: %w", err), "")
		}
		if oauth1.TokenSecret, err = simReadSecretFile(*o1TokenSecretFile); err != nil {
			return withExit(exitPerson, fmt.Errorf("simulate: --oauth1-token-secret-file: %w", err), "")
		}
	}
	var following []xapisim.User
	if *followingFile != "" {
		var err error
		if following, err = readFollowingFile(*followingFile); err != nil {
			return withExit(exitBadInput, fmt.Errorf("simulate: %w", err), "")
		}
	}

	sim := xapisim.New(xapisim.Config{
		Skew: *skew, DateOffset: *dateOffset, Window: *window, UnfollowLimit: *unfollowLimit, DailyUnfollowLimit: *dailyLimit,
		TokenLifetime: *tokenLifetime, AutoApprove: *autoApprove,
		FailRate: *failRate, ResetRate: *resetRate, Latency: *latency, Seed: *seed,
		AppOwner: owner, Credits: *credits, Prices: prices,
	})
	sim.SetMode(m)
	sim.AddClient(client)
	if oauth1 != nil {
		sim.AddOAuth1(*oauth1)
	}
	sim.SeedFollowing(xapisim.DefaultUserID, following)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return withExit(exitPerson, fmt.Errorf("simulate: listen: %w", err), "choose another --addr port, or 127.0.0.1:0 for a free one")
	}
	base := "http://" + ln.Addr().String()
	info := simInfo{
		BaseURL: base, AccessToken: sim.IssueToken(xapisim.DefaultUserID),
		UserID: xapisim.DefaultUserID, Username: xapisim.DefaultUsername,
		ClientID: client.ID, RedirectURIs: client.RedirectURIs,
		AuthorizeURL: base + "/i/oauth2/authorize", TokenURL: base + "/2/oauth2/token",
		StatsURL: base + "/sim/stats", Following: xapisim.Followed(following),
	}
	line, err := json.Marshal(info)
	if err != nil {
		ln.Close()
		return fmt.Errorf("simulate: encode info: %w", err)
	}
	if _, err := fmt.Fprintf(c.stdout, "%s\n", line); err != nil {
		ln.Close()
		return fmt.Errorf("simulate: write info: %w", err)
	}
	c.tell("simulator", func(e *zerolog.Event) {
		e.Str("api_base_url", base).Str("user", "@"+xapisim.DefaultUsername).Int("following", info.Following).
			Int("limit", *unfollowLimit).Float64("window_s", seconds(*window))
	}, "X API simulator serving %s (user @%s, %d followed, unfollow limit %d per %s). Ctrl-C stops it.",
		base, xapisim.DefaultUsername, info.Following, *unfollowLimit, *window)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("simulate: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("simulate: shut down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("simulate: serve: %w", err)
	}
	c.tell("simulator_stopped", nil, "simulator stopped")
	return nil
}

// simCheckLoopback refuses any listen address that is not on loopback: the
// simulator hands out tokens and must not be reachable from the network.
func simCheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address (use 127.0.0.1, ::1 or localhost)", host)
}

// simReadSecretFile returns a file's content without surrounding whitespace.
func simReadSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// readFollowingFile reads the simulated user's following list: the
// simulator's own lists (which keep usernames, the followed column and the
// facts of a review sheet), or else any list import reads (CSV, text,
// JSON, JSON Lines, the X archive's following.js), so the same file can
// seed the simulator and be imported.
func readFollowingFile(path string) ([]xapisim.User, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read following file: %w", err)
	}
	users, simErr := xapisim.ReadUsers(bytes.NewReader(raw))
	if simErr == nil {
		return users, nil
	}
	// A file naming the simulator's own columns (followed, the facts) is
	// meant for it: read as another list, it would lose them.
	var bad *xapisim.ReadError
	if errors.As(simErr, &bad) && bad.Sheet {
		if bad.Line == 0 {
			return nil, fmt.Errorf("following file: %s: item %d: %w", path, bad.Item, bad.Err)
		}
		return nil, fmt.Errorf("following file: %s:%d: %w", path, bad.Line, bad.Err)
	}
	users = users[:0]
	err = input.Read(bytes.NewReader(raw), path, input.Auto, input.Options{}, func(e input.Entry) error {
		if e.Handle != "" {
			return fmt.Errorf("%s:%d: @%s: the simulator's following list needs ids", path, e.Line, e.Handle)
		}
		users = append(users, xapisim.User{ID: strconv.FormatUint(e.ID, 10)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("following file: %w", err)
	}
	return users, nil
}
