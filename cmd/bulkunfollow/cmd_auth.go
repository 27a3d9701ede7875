package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/auth"
)

// openBrowser opens the authorize page; tests replace it.
var openBrowser = auth.OpenBrowser

// runAuth dispatches "auth login|status|logout".
func runAuth(ctx context.Context, c *cli, args []string) error {
	subs := []struct {
		name, summary string
		run           func(context.Context, *cli, []string) error
	}{
		{"login", "sign in to X (OAuth 2.0 in a browser, or OAuth 1.0a keys) and store it", runAuthLogin},
		{"status", "show stored credentials: account, method, expiry, scopes", runAuthStatus},
		{"logout", "revoke a stored credential at X and delete it locally", runAuthLogout},
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := c.stdout
		if len(args) == 0 {
			w = c.stderr
		}
		fmt.Fprintf(w, "Usage: bulkunfollow auth <login|status|logout> [flags]\n\n"+
			"Sign in to X once, then let every run use the stored credential (refreshed\n"+
			"automatically); show what is stored, or revoke and delete it.\n\nCommands:\n")
		for _, s := range subs {
			fmt.Fprintf(w, "  %-7s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(w, "\nCredentials, in order of precedence for every command:\n"+
			"  1. BULKUNFOLLOW_ACCESS_TOKEN     a ready OAuth 2.0 user token (not refreshed)\n"+
			"  2. BULKUNFOLLOW_OAUTH1_CONSUMER_KEY, _CONSUMER_SECRET, _TOKEN, _TOKEN_SECRET\n"+
			"                                   OAuth 1.0a keys from your app (no expiry)\n"+
			"  3. the credential store          written by \"bulkunfollow auth login\"\n"+
			"\nExamples:\n"+
			"  bulkunfollow auth login --client-id YOUR_CLIENT_ID\n"+
			"  bulkunfollow auth status\n"+
			"  bulkunfollow auth logout --account @jack\n"+
			"\nDetails: bulkunfollow auth <command> --help, and docs/auth.md\n")
		if len(args) == 0 {
			return quietExit(exitUsage)
		}
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, c, args[1:])
		}
	}
	names := []string{"login", "status", "logout"}
	return usageErrorf("unknown auth command %q", args[0]).withHint(suggest(args[0], names, "bulkunfollow auth %s"), "bulkunfollow auth --help")
}

// configDirFlag adds --config-dir, where credentials are stored. Every
// command that uses credentials should offer it.
func (fs *flagSet) configDirFlag() *string {
	return fs.String("config-dir", "", "credential store directory (default $XDG_CONFIG_HOME/bulkunfollow or ~/.config/bulkunfollow)")
}

// authOptions are the auth.Options for a command's flags: use them with
// auth.HTTPClient to get the authenticated client.
func (c *cli) authOptions(configDir, account, apiBase string, log zerolog.Logger) auth.Options {
	return auth.Options{Dir: configDir, Account: account, APIBaseURL: apiBase, Getenv: c.getenv, Log: log}
}

// authError maps auth errors to exit 1 with the command that fixes them.
func authError(err error) error {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return withExit(exitPerson, err, h.Hint())
	}
	return err
}

func runAuthLogin(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("auth login", "",
		`Sign in to X and store the credential for later runs.

By default this is an OAuth 2.0 login with PKCE: the browser opens X's
authorize page (the address is also printed), and X sends it back to a
listener on this machine (--redirect-uri, which must be registered as a
callback URL of your app). Without a browser here, open the address
anywhere and paste the address the browser ended on (or just its code).

The client id comes from --client-id / BULKUNFOLLOW_CLIENT_ID. A
confidential client's secret comes only from BULKUNFOLLOW_CLIENT_SECRET or
--client-secret-file, never from the command line.

With --oauth1, the OAuth 1.0a keys in BULKUNFOLLOW_OAUTH1_CONSUMER_KEY,
_CONSUMER_SECRET, _TOKEN and _TOKEN_SECRET are checked and stored instead.

Against the simulator ("bulkunfollow simulate --addr 127.0.0.1:8080"):
  bulkunfollow auth login --client-id bulkunfollow-sim \
    --api-base-url http://127.0.0.1:8080`,
		"bulkunfollow auth login --client-id YOUR_CLIENT_ID",
		"bulkunfollow auth login --client-id ID --client-secret-file s.txt --no-browser",
		"bulkunfollow auth login --oauth1    # with the four BULKUNFOLLOW_OAUTH1_* set",
	)
	clientID := fs.String("client-id", "", "OAuth 2.0 client id of your X app")
	secretFile := fs.String("client-secret-file", "", "file holding the OAuth 2.0 client secret (confidential clients; or set BULKUNFOLLOW_CLIENT_SECRET)")
	redirect := fs.String("redirect-uri", auth.DefaultRedirectURI, "callback URL registered for your app; bulkunfollow listens there (loopback only)")
	authorizeURL := fs.String("authorize-url", "", "OAuth 2.0 authorize page (default X's, or <api-base-url>/i/oauth2/authorize for a non-default API)")
	timeout := fs.Duration("timeout", auth.DefaultLoginTimeout, "how long to wait for the browser or a pasted answer")
	noBrowser := fs.Bool("no-browser", false, "do not open a browser; print the address and wait for the redirect or a paste")
	oauth1 := fs.Bool("oauth1", false, "store OAuth 1.0a keys from the BULKUNFOLLOW_OAUTH1_* variables instead")
	apiBase := fs.apiBaseURLFlag()
	configDir := fs.configDirFlag()
	lf := fs.logFlags()
	err := fs.parse(args)
	c.useLogFormat(lf)
	if err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("auth login takes no arguments").withHint("bulkunfollow auth login --help")
	}
	log, err := lf.logger(c)
	if err != nil {
		return err
	}
	dir, err := c.storeDir(*configDir)
	if err != nil {
		return err
	}
	store := auth.NewStore(dir, nil)
	if err := store.Prepare(); err != nil {
		return authError(err)
	}
	// SIGINT/SIGTERM end the wait for X (nothing stored, exit 75); tokens
	// that arrived are stored all the same.
	ctx, stop := c.trapSignals(ctx, func() {})
	defer stop()
	interrupted := func() error {
		return withExit(exitTempFail, errors.New("auth login: interrupted: nothing was stored"), "run bulkunfollow auth login again")
	}

	var cred auth.Credential
	if *oauth1 {
		keys, ok, err := auth.OAuth1FromEnv(c.getenv)
		if err != nil {
			return withExit(exitUsage, err, "bulkunfollow auth login --help")
		}
		if !ok {
			return usageErrorf("auth login --oauth1: set %s, %s, %s and %s", auth.EnvOAuth1ConsumerKey, auth.EnvOAuth1ConsumerSecret, auth.EnvOAuth1Token, auth.EnvOAuth1TokenSecret).
				withHint("your app's \"Keys and tokens\" page has them; see docs/auth.md")
		}
		cred, err = auth.LoginOAuth1(ctx, keys, *apiBase, nil, nil)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted()
			}
			return authError(err)
		}
	} else {
		if *clientID == "" {
			return usageErrorf("auth login: no client id").withHint(
				"bulkunfollow auth login --client-id YOUR_CLIENT_ID   (or set BULKUNFOLLOW_CLIENT_ID)",
				"it is on your app's \"Keys and tokens\" page under OAuth 2.0 Client ID; see docs/auth.md")
		}
		secret, err := c.clientSecret(*secretFile)
		if err != nil {
			return err
		}
		o := auth.LoginOptions{
			ClientID: *clientID, ClientSecret: secret, APIBaseURL: *apiBase, AuthorizeURL: *authorizeURL,
			RedirectURI: *redirect, Timeout: *timeout, Paste: c.stdin, Out: c.stderr, Log: log,
		}
		if !*noBrowser {
			o.OpenBrowser = openBrowser
		}
		cred, err = auth.Login(ctx, o)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted()
			}
			var ce *auth.ConfigError
			if errors.As(err, &ce) {
				return withExit(exitPerson, err, "bulkunfollow auth login --help; docs/auth.md explains the app settings")
			}
			return authError(err)
		}
	}
	if err := store.Put(context.WithoutCancel(ctx), cred); err != nil {
		return authError(fmt.Errorf("store credential: %w", err))
	}
	fmt.Fprintf(c.stderr, "\nLogged in as %s with %s. Saved in %s.\n", cred.Label(), methodText(cred.Identity(store.Path())), store.Path())
	if cred.Method == auth.MethodOAuth2 && cred.RefreshToken == "" {
		fmt.Fprintf(c.stderr, "No refresh token was granted (offline.access missing): this login lasts until %s.\n", cred.Expiry.Local().Format(time.DateTime))
	}
	if envOverrides(c) != "" {
		fmt.Fprintf(c.stderr, "Note: %s is set and takes precedence over stored credentials.\n", envOverrides(c))
	}
	// Next names the API and the store of this login: without them, run
	// would look for a login to X in the default store.
	fmt.Fprintf(c.stderr, "Next: %s, then %s\n", c.hints.command("import", "LIST.csv"), c.hints.command("run"))
	return nil
}

// storeDir is --config-dir, or the default directory.
func (c *cli) storeDir(flagValue string) (string, error) {
	if flagValue != "" {
		return absPath(flagValue), nil
	}
	dir, err := auth.DefaultDir(c.getenv)
	if err != nil {
		return "", withExit(exitPerson, err, "set --config-dir or BULKUNFOLLOW_CONFIG_DIR")
	}
	return dir, nil
}

// clientSecret reads the OAuth 2.0 client secret from --client-secret-file
// or BULKUNFOLLOW_CLIENT_SECRET; "" means a public client.
func (c *cli) clientSecret(file string) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", withExit(exitPerson, fmt.Errorf("read client secret: %w", err), "")
		}
		s := strings.TrimSpace(string(data))
		if s == "" {
			return "", withExit(exitPerson, fmt.Errorf("read client secret: %s is empty", file), "")
		}
		if err := auth.CheckCredential("the client secret in "+file, s); err != nil {
			return "", authError(err)
		}
		return s, nil
	}
	s := strings.TrimSpace(c.getenv(auth.EnvClientSecret))
	if err := auth.CheckCredential(auth.EnvClientSecret, s); err != nil {
		return "", authError(err)
	}
	return s, nil
}

// envOverrides names the environment credential that wins over the store,
// or "".
func envOverrides(c *cli) string {
	src, _ := auth.EnvSource(c.getenv)
	return src
}

func methodText(id auth.Identity) string {
	switch id.Method {
	case auth.MethodOAuth2:
		kind := "public client"
		if id.Confidential {
			kind = "confidential client"
		}
		if id.Refreshable {
			return "OAuth 2.0 (" + kind + ", refreshed automatically)"
		}
		return "OAuth 2.0 (" + kind + ", no refresh token)"
	case auth.MethodOAuth1:
		return "OAuth 1.0a user context (does not expire)"
	case auth.MethodBearer:
		return "a ready bearer token (not refreshed)"
	}
	return string(id.Method)
}

// statusDoc is "auth status --json".
type statusDoc struct {
	Store    string          `json:"store"`
	InUse    string          `json:"in_use"` // "BULKUNFOLLOW_ACCESS_TOKEN", "BULKUNFOLLOW_OAUTH1_*", "store" or ""
	Accounts []auth.Identity `json:"accounts"`
}

func runAuthStatus(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("auth status", "",
		`Show the stored credentials: account, method, expiry, scopes, API and
where they are stored, and which credential runs will use. Secrets are
never shown. Exits 1 when there is no credential to use.`,
		"bulkunfollow auth status",
		"bulkunfollow auth status --account @jack --json",
	)
	account := fs.accountFlag()
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	configDir := fs.configDirFlag()
	if err := fs.parse(args); err != nil {
		return err
	}
	dir, err := c.storeDir(*configDir)
	if err != nil {
		return err
	}
	store := auth.NewStore(dir, nil)
	all, err := store.List()
	if err != nil {
		return withExit(exitPerson, err, "")
	}
	inUse, err := auth.EnvSource(c.getenv)
	if err != nil {
		// Every command would refuse it: say so here, not "in use".
		return authError(err)
	}
	doc := statusDoc{Store: store.Path(), InUse: inUse, Accounts: []auth.Identity{}}
	if *account != "" {
		c, err := store.Select(*account, "")
		if err != nil {
			return authError(err)
		}
		all = []auth.Credential{c}
	}
	for _, c := range all {
		doc.Accounts = append(doc.Accounts, c.Identity(store.Path()))
	}
	if doc.InUse == "" && len(all) > 0 {
		doc.InUse = "store"
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		printStatus(c.stdout, doc, time.Now(), c.hints)
	}
	if doc.InUse == "" {
		if *asJSON {
			return quietExit(exitPerson)
		}
		return withExit(exitPerson, errors.New("no credentials: nothing stored and none in the environment"), "bulkunfollow auth login --client-id YOUR_CLIENT_ID (or --oauth1; docs/auth.md)")
	}
	return nil
}

func printStatus(w io.Writer, doc statusDoc, now time.Time, h hintFlags) {
	switch doc.InUse {
	case "store", "":
	default:
		fmt.Fprintf(w, "In use: %s from the environment (it takes precedence over the stored credentials below).\n\n", doc.InUse)
	}
	fmt.Fprintf(w, "Credential file: %s\n", doc.Store)
	if len(doc.Accounts) == 0 {
		fmt.Fprintf(w, "No stored accounts.\n")
		return
	}
	for _, id := range doc.Accounts {
		fmt.Fprintf(w, "\n%s\n", id.Account())
		fmt.Fprintf(w, "  method:  %s\n", methodText(id))
		fmt.Fprintf(w, "  api:     %s\n", id.APIBaseURL)
		switch {
		case id.Method == auth.MethodOAuth1:
			fmt.Fprintf(w, "  expires: never\n")
		case id.Expiry.IsZero():
			fmt.Fprintf(w, "  expires: unknown\n")
		case id.Expiry.After(now):
			fmt.Fprintf(w, "  expires: %s (in %s)%s\n", id.Expiry.Local().Format(time.DateTime), shortDuration(id.Expiry.Sub(now)), refreshNote(id))
		default:
			fmt.Fprintf(w, "  expires: %s (expired)%s\n", id.Expiry.Local().Format(time.DateTime), refreshNote(id))
		}
		if len(id.Scopes) > 0 {
			fmt.Fprintf(w, "  scopes:  %s\n", strings.Join(id.Scopes, " "))
		}
		if id.NeedsLogin != "" {
			login := "--client-id YOUR_CLIENT_ID"
			if id.Method == auth.MethodOAuth1 {
				login = "--oauth1"
			}
			h.apiBaseURL = id.APIBaseURL
			fmt.Fprintf(w, "  status:  needs a new login: %s (%s)\n", id.NeedsLogin, h.command("auth login", login))
		}
	}
}

func refreshNote(id auth.Identity) string {
	if id.Refreshable {
		return ", refreshed automatically"
	}
	return ""
}

func runAuthLogout(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("auth logout", "",
		`Revoke a stored credential at X, then delete it from the credential
store. When X cannot be reached the credential is still deleted locally,
after saying so. OAuth 1.0a keys cannot be revoked through the API:
regenerate them on your app's "Keys and tokens" page.`,
		"bulkunfollow auth logout",
		"bulkunfollow auth logout --account @jack",
		"bulkunfollow auth logout --all",
	)
	account := fs.accountFlag()
	all := fs.Bool("all", false, "log out every stored account")
	fs.withoutEnv("all") // never from the environment: it removes every account
	configDir := fs.configDirFlag()
	if err := fs.parse(args); err != nil {
		return err
	}
	if *all && *account != "" {
		return usageErrorf("auth logout: --all and --account exclude each other").withHint("bulkunfollow auth logout --account @USERNAME", "bulkunfollow auth logout --all")
	}
	dir, err := c.storeDir(*configDir)
	if err != nil {
		return err
	}
	store := auth.NewStore(dir, nil)
	var creds []auth.Credential
	if *all {
		if creds, err = store.List(); err != nil {
			return withExit(exitPerson, err, "")
		}
		if len(creds) == 0 {
			fmt.Fprintf(c.stderr, "No stored accounts in %s.\n", store.Path())
			return nil
		}
	} else {
		cred, err := store.Select(*account, "")
		if errors.Is(err, auth.ErrNoCredentials) && *account == "" {
			fmt.Fprintf(c.stderr, "No stored accounts in %s.\n", store.Path())
			return nil
		}
		if err != nil {
			var ae *auth.AccountError
			if errors.As(err, &ae) && len(ae.Available) > 1 && ae.Wanted == "" {
				return withExit(exitPerson, err, "bulkunfollow auth logout --account @USERNAME (or --all)")
			}
			return authError(err)
		}
		creds = []auth.Credential{cred}
	}
	secret, err := c.clientSecret("")
	if err != nil {
		return err
	}
	// A signal lets the account in hand be revoked and removed, then stops.
	ctx, stop := c.trapSignals(ctx, func() {})
	defer stop()
	for _, cred := range creds {
		if ctx.Err() != nil {
			return withExit(exitTempFail, errors.New("auth logout: interrupted"), "run bulkunfollow auth logout again for the accounts still listed by bulkunfollow auth status")
		}
		switch err := auth.Revoke(context.WithoutCancel(ctx), cred, nil, secret); {
		case errors.Is(err, auth.ErrNotRevocable):
			fmt.Fprintf(c.stderr, "%s uses OAuth 1.0a keys, which cannot be revoked through the API: regenerate them on your app's \"Keys and tokens\" page if they may have leaked.\n", cred.Label())
		case err != nil:
			fmt.Fprintf(c.stderr, "Warning: could not revoke the tokens of %s at X: %v.\n"+
				"  The access token stays valid until it expires (at most 2 hours); to cut it off now, remove the app at https://x.com/settings/connected_apps.\n", cred.Label(), err)
		default:
			fmt.Fprintf(c.stderr, "Revoked the tokens of %s at X.\n", cred.Label())
		}
		if err := store.Delete(context.WithoutCancel(ctx), cred); err != nil {
			return withExit(exitPerson, fmt.Errorf("delete %s: %w", cred.Label(), err), "")
		}
		fmt.Fprintf(c.stderr, "Removed %s from %s.\n", cred.Label(), store.Path())
	}
	return nil
}
