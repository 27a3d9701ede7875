package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/spend"
	"github.com/bulkunfollow/bulkunfollow/worker"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// demodata holds the demo's world: who the demo account follows, the list
// to unfollow (ids, @handles, a duplicate, accounts not followed, an
// unknown handle, the account itself) and a keep-list.
//
//go:embed demodata
var demodata embed.FS

const (
	demoAccountID   = "1400000000000000001"
	demoAccountName = "demo_account"
)

func runDemo(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("demo", "", `
Run the whole job on a built-in example, with no account and no network:
start the X API simulator on loopback with compressed rate-limit windows,
import a sample list (ids, @handles, a duplicate, accounts you do not follow,
an unknown handle, your own id), write the review sheet of who the demo
account follows ("following": the quietest accounts first; the list is kept
for the run), and run the real "run" pipeline with a keep-list (progress,
pacing by the server's headers and all), then print the queue's status. It
takes about 10 seconds.

With --dir, the queue an earlier demo left there (DIR/demo.db) is replaced
only after you say yes at the terminal; without a terminal demo refuses and
leaves it alone. Nothing else in DIR is touched but keep.txt and sheet.csv.`,
		"bulkunfollow demo",
		"bulkunfollow demo --window 5s --limit 20",
		"bulkunfollow demo --dir ./demo-out   # keep the queue for status and export",
	)
	window := fs.Duration("window", 10*time.Second, "the simulator's rate-limit window (X's is 15m)")
	limit := fs.Int("limit", 50, "unfollow requests per window (X's is 50)")
	dir := fs.String("dir", "", "keep the demo's queue and keep-list in this directory (default: a temporary one, removed after)")
	lf := fs.logFlags()
	err := fs.parse(args)
	c.useLogFormat(lf)
	if err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("demo takes no arguments (got %q)", fs.Args()[0]).withHint("bulkunfollow demo")
	}
	if *window < time.Second || *limit < 1 {
		return usageErrorf("--window must be at least 1s and --limit at least 1")
	}

	workDir := *dir
	if workDir == "" {
		tmp, err := os.MkdirTemp("", "bulkunfollow-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer os.RemoveAll(tmp)
		workDir = tmp
	} else if err := os.MkdirAll(workDir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	sim := xapisim.New(xapisim.Config{Window: *window, UnfollowLimit: *limit})
	if err := seedDemoWorld(sim); err != nil {
		return err
	}
	baseURL, stop, err := serveLoopback(sim)
	if err != nil {
		return err
	}
	defer stop()

	queuePath := filepath.Join(workDir, "demo.db")
	// The demo's hints name its queue, and none names a temporary one,
	// which is deleted at the end; its simulator goes away too, so no hint
	// repeats its --api-base-url.
	c.hints = hintFlags{queue: queuePath, scratch: *dir == ""}
	keepPath := filepath.Join(workDir, "keep.txt")
	if err := c.removeOldDemoQueue(ctx, queuePath); err != nil {
		return err
	}
	keep, _ := demodata.ReadFile("demodata/keep.txt")
	if err := atomicfile.WriteFile(keepPath, keep, 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	c.tellWrapped("demo", func(e *zerolog.Event) {
		e.Str("api_base_url", baseURL).Int("limit", *limit).Float64("window_s", seconds(*window)).Str("queue", queuePath)
	}, fmt.Sprintf("Demo: X API simulator at %s (%d unfollows per %s window), queue %s\n\n", baseURL, *limit, *window, queuePath))
	list, _ := demodata.ReadFile("demodata/unfollow.csv")
	// The import takes the signal path too (the run sets up its own): a
	// Ctrl-C now stops the demo and still removes its temporary directory.
	ictx, release := c.trapSignals(ctx, func() {})
	err = demoImport(ictx, c, queuePath, list)
	release()
	if err != nil {
		return err
	}

	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sim.IssueToken(demoAccountID), TokenType: "bearer"}))
	sheetPath := filepath.Join(workDir, "sheet.csv")
	if err := c.demoSheet(ctx, baseURL, hc, sheetPath, queuePath, lf); err != nil {
		return err
	}
	runErr := c.runJob(ctx, runOptions{
		queuePath:   queuePath,
		apiBaseURL:  baseURL,
		rate:        ratelimit.Rate{N: *limit, Per: *window},
		dailyCap:    0,
		keepFile:    keepPath,
		prefilter:   worker.PrefilterAuto,
		spending:    worker.Spending{Prices: spend.Default(), OwnApp: true},
		yes:         true,
		maxAttempts: 5,
		timeout:     10 * time.Second,
		logFlags:    lf,
		httpClient:  hc,
		authLabel:   "simulator token",
	})
	code := exitCode(runErr)
	if code != exitOK && code != exitFailures {
		return runErr
	}

	fmt.Fprintf(c.stdout, "\n")
	qs, err := queue.ReadStatus(queuePath)
	if err != nil {
		return queueError(queuePath, err)
	}
	printQueueStatus(c.stdout, qs, remainingCost(qs, spend.Default()), time.Now(), nil)
	st := sim.Stats()
	fmt.Fprintf(c.stdout, "\nSimulator: %s received, %d rate-limited (429),\n           %s still followed.\n",
		countNoun(st.UnfollowCalls, "unfollow request", "unfollow requests"), st.RateLimited, countNoun(st.FollowingCount, "account", "accounts"))
	fmt.Fprintf(c.stdout, "Cost:      the simulator billed %s at X's prices; the queue counted %s\n           (status shows it as spent_usd; docs/costs.md).\n",
		spend.Amount(st.BilledMicroUSD), spend.Amount(math.Round(qs.SpentUSD*1e6)))
	if qs.Failed > 0 {
		fmt.Fprintf(c.stdout, "The failed target is the unknown @handle, as planned: a retry would not help.\n")
	} else {
		fmt.Fprintf(c.stdout, "The unknown @handle is in no following list: skipped, no request spent on it.\n")
	}
	if *dir != "" {
		fmt.Fprintf(c.stdout, "Explore: %s\n", c.hints.command("export"))
	} else {
		fmt.Fprintf(c.stdout, "The demo's queue was temporary and is deleted now; to keep it:\n  bulkunfollow demo --dir ./demo-out\n")
	}
	fmt.Fprintf(c.stdout, "Your own list: set up an X app and log in (docs/auth.md,\n  bulkunfollow auth login --help), then: bulkunfollow import LIST.csv\n")
	return nil
}

// seedDemoWorld creates the demo account and the accounts of demodata's
// world.csv, following those marked followed.
func seedDemoWorld(sim *xapisim.Server) error {
	sim.AddUser(demoAccountID, demoAccountName)
	raw, err := demodata.ReadFile("demodata/world.csv")
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	users, err := xapisim.ReadUsers(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	// The simulator gives each account its facts (last post, follows you,
	// counts) from its id: the review sheet has something to show.
	sim.SeedFollowing(demoAccountID, users)
	return nil
}

// demoImport imports the sample list, printing what import prints.
// removeOldDemoQueue removes the queue an earlier demo left in --dir, so
// the demo starts afresh, once the person at the terminal has said yes
// (without one, it refuses: a queue is never replaced unasked). Anything
// else at that name is left alone: a queue another process holds (exit
// 75), a file that is no queue, or a queue of a real account.
// demoSheet is the review-sheet step: following writes who the demo
// account follows to sheetPath (keeping the list in the queue, so the run
// does not read it again) and the quietest few are shown. A person would
// mark the sheet and import it; the demo goes on with its prepared list.
func (c *cli) demoSheet(ctx context.Context, baseURL string, hc *http.Client, sheetPath, queuePath string, lf logFlags) error {
	err := c.writeSheet(ctx, followingOptions{
		apiBaseURL: baseURL, out: sheetPath, format: sheet.CSV, sortBy: sheet.DefaultSort, lastPost: true,
		queuePath: queuePath, spending: worker.Spending{Prices: spend.Default(), OwnApp: true}, yes: true, force: true,
		maxAttempts: 5, timeout: 10 * time.Second, logFlags: lf, httpClient: hc, demo: true,
	})
	if err != nil {
		return err
	}
	f, err := os.Open(sheetPath)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 {
		return fmt.Errorf("demo: read %s: %v", sheetPath, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The quietest of the %d accounts you follow (%s, oldest post first):\n", len(recs)-1, filepath.Base(sheetPath))
	for _, r := range recs[1:min(len(recs), 6)] {
		last := "never posted"
		if d := r[col["days_since_last_post"]]; d != "" {
			last = "last post " + d + " days ago"
		}
		fmt.Fprintf(&b, "  @%-16s %-26s follows you: %s\n", r[col["username"]], last, r[col["follows_you"]])
	}
	b.WriteString("A real cleanup marks unfollow or keep in that sheet (in a spreadsheet, or with\nthe review command) and imports it; the demo goes on with its prepared list.\n")
	c.tell("sheet", func(e *zerolog.Event) { e.Str("file", sheetPath).Int("accounts", len(recs)-1) }, "%s", b.String())
	return nil
}

func (c *cli) removeOldDemoQueue(ctx context.Context, path string) error {
	if !queueExists(path) {
		return nil
	}
	q, err := openQueue(path, "demo", false)
	if err != nil {
		return err
	}
	id, name, err := q.Account()
	q.Close()
	if err != nil {
		return withExit(exitPerson, err, "")
	}
	if id != "" && id != demoAccountID {
		return withExit(exitPerson, fmt.Errorf("demo: %s is the queue of @%s (%s), not one a demo made; it was left alone", path, name, id),
			"give demo another --dir")
	}
	if !c.interactive {
		return withExit(exitPerson, fmt.Errorf("demo: %s holds the queue of an earlier demo; it was left alone", path),
			"remove it (rm "+shellQuote(path)+"), or give demo another --dir")
	}
	ok, err := confirm(ctx, c, fmt.Sprintf("%s holds the queue of an earlier demo. Replace it? [y/N] ", path))
	if err != nil || !ok {
		fmt.Fprintf(c.stderr, "Left %s alone.\n", path)
		return quietExit(exitDeclined)
	}
	for _, f := range queue.Files(path) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

func demoImport(ctx context.Context, c *cli, queuePath string, list []byte) error {
	q, err := openQueue(queuePath, "import", false)
	if err != nil {
		return err
	}
	defer q.Close()
	sum, err := q.Import(ctx, []queue.Source{{Name: "unfollow.csv", R: bytes.NewReader(list)}}, queue.ImportOptions{})
	if err != nil {
		return fmt.Errorf("demo import: %w", err)
	}
	c.tell("import", func(e *zerolog.Event) {
		e.Str("file", "unfollow.csv").Int("read", sum.Read).Int("added", sum.Added).Int("added_handles", sum.AddedHandles).Int("duplicate", sum.Duplicate)
	}, "Imported unfollow.csv: %s, %d added (%s), %d duplicate.",
		countNoun(sum.Read, "entry", "entries"), sum.Added, countNoun(sum.AddedHandles, "@handle", "@handles"), sum.Duplicate)
	return nil
}

// serveLoopback serves h on 127.0.0.1 on a free port and returns its base
// URL and a function that shuts it down.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}
