package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/auth"
	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/spend"
	"github.com/bulkunfollow/bulkunfollow/worker"
	"github.com/bulkunfollow/bulkunfollow/worker/xclient"
)

const followingDescription = `Read the accounts you follow into a review sheet: one row per account with the
facts to decide on, and an empty decision column. Write unfollow or keep in it
(in a spreadsheet, or with "bulkunfollow review"), then "bulkunfollow import"
queues the rows marked unfollow. Nothing is unfollowed here.

Columns: id, username, name, followers_count, following_count, post_count,
listed_count, created_at, last_post_at, days_since_last_post, protected,
verified_type, follows_you, description, decision (docs/choosing.md says what
each means). Rows are sorted by last_post_at, oldest first, accounts that never
posted first; --sort takes any column.

Reading the list costs money, and it says how much before reading: $0.001 per
account with your own X app (Owned Read), $0.010 with someone else's
(--own-app=false). The date of each account's last post comes from its most
recent post id, which X sends only with the post itself, billed as a post read
($0.005 per account that has posted): --last-post=false skips the dates and
their cost. follows_you comes from X, or from --followers FILE (your archive's
follower.js, free). With --queue, the list is kept as that job's following
snapshot, so its next run does not pay to read it again.

-o writes the file atomically, readable only by you (0600), and refuses to
replace a sheet that already holds decisions (--force replaces it).`

// followingOptions are following's settings; demo fills them itself.
type followingOptions struct {
	apiBaseURL, account, configDir string
	out                            string // "" standard output
	format                         sheet.Format
	sortBy                         string
	followersFile                  string
	lastPost                       bool
	queuePath                      string // "" none
	spending                       worker.Spending
	yes, force                     bool
	maxAttempts                    int
	timeout                        time.Duration
	logFlags                       logFlags
	// Set by demo: an authenticated client instead of auth.HTTPClient.
	httpClient *http.Client
	// clock drives the reads, their windows and days_since_last_post; nil
	// is the system clock. Tests share a fake one with the simulator.
	clock worker.Clock
	// demo: the demo says what comes next itself (its sheet stays unmarked).
	demo bool
}

func runFollowing(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("following", "", followingDescription,
		"bulkunfollow following -o sheet.csv",
		"bulkunfollow following --yes --format jsonl -o sheet.jsonl   # scripts",
		"bulkunfollow following -o sheet.csv --followers archive/data/follower.js",
		"bulkunfollow following -o sheet.csv --last-post=false   # cheaper, no dates",
		"bulkunfollow following -o sheet.csv --queue unfollow.db --sort username",
	)
	var o followingOptions
	apiBase := fs.apiBaseURLFlag()
	account := fs.accountFlag()
	configDir := fs.configDirFlag()
	fs.StringVar(&o.out, "output", "", "write the sheet to this file (atomically, 0600) instead of standard output")
	fs.alias("o", "output")
	fs.envAs("output", "BULKUNFOLLOW_FOLLOWING_OUTPUT") // export's -o is another file
	format := fs.String("format", "", "csv or jsonl (default: from the -o file name, else csv)")
	fs.envAs("format", "BULKUNFOLLOW_FOLLOWING_FORMAT") // import's --format means something else
	fs.StringVar(&o.sortBy, "sort", sheet.DefaultSort, "order rows by this column (- before it: descending; none: X's order)")
	fs.StringVar(&o.followersFile, "followers", "", "file of the accounts that follow you (the archive's follower.js, or any list import reads): follows_you comes from it")
	fs.BoolVar(&o.lastPost, "last-post", true, "date each account's last post (X bills the post it sends with the id: $0.005 per account that has posted)")
	fs.StringVar(&o.queuePath, "queue", "", "keep the list as this queue's following snapshot (its next run does not read it again)")
	ownApp := fs.Bool("own-app", true, "the X app is the signed-in account's own: reading your following list is then an Owned Read ($0.001 per account instead of $0.010)")
	prices := fs.String("prices", "", "X's prices to use, as KIND=USD,... (default: X's published prices, docs/costs.md)")
	fs.BoolVar(&o.yes, "yes", false, "do not ask before reading (needed when not on a terminal)")
	fs.BoolVar(&o.force, "force", false, "replace an -o file that holds decisions")
	fs.withoutEnv("force") // losing decisions is asked for on the command line
	fs.IntVar(&o.maxAttempts, "max-attempts", worker.DefaultMaxAttempts, "tries of each read that fails transiently")
	fs.DurationVar(&o.timeout, "request-timeout", apiclient.DefaultTimeout, "timeout of each API request")
	o.logFlags = fs.logFlags()
	err := fs.parse(args)
	c.useLogFormat(o.logFlags)
	if err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("following: unexpected argument %q", fs.Args()[0]).withHint("bulkunfollow following -o " + fs.Args()[0])
	}
	if o.format, err = sheet.ParseFormat(*format); err != nil {
		return usageErrorf("following: --format %q: want csv or jsonl", *format).withHint("bulkunfollow following --format jsonl -o sheet.jsonl")
	}
	if *format == "" && o.out != "" {
		o.format = sheet.FormatOf(o.out)
	}
	if err := sheet.Sort(nil, o.sortBy); err != nil {
		return usageErrorf("following: --%v", err).withHint("bulkunfollow following --sort last_post_at")
	}
	if o.maxAttempts < 1 || o.timeout <= 0 {
		return usageErrorf("following: --max-attempts wants 1 or more and --request-timeout a positive duration").withHint("bulkunfollow following --help")
	}
	if _, err := apiclient.CheckBaseURL(*apiBase); err != nil {
		return usageErrorf("--api-base-url: %v", err) // err shows the URL without its secrets.withHint("--api-base-url https://api.x.com")
	}
	if o.spending, err = parseSpending(*prices, "0", *ownApp); err != nil {
		return err
	}
	o.apiBaseURL, o.account, o.configDir = *apiBase, *account, *configDir
	if o.out == "-" {
		o.out = ""
	}
	return c.writeSheet(ctx, o)
}

// writeSheet reads the following list into a sheet and writes it (the
// work of following; demo calls it too).
func (c *cli) writeSheet(ctx context.Context, o followingOptions) (err error) {
	if o.clock == nil {
		o.clock = worker.SystemClock()
	}
	if o.out != "" {
		if err := refuseQueueOutput("following", "-o", o.out, o.queuePath, "sheet.csv"); err != nil {
			return err
		}
		if err := refuseDecidedSheet(o.out, o.force); err != nil {
			return err
		}
		// An output that cannot be written is found before the list is
		// read and paid for (a temporary file made and thrown away).
		probe, err := atomicfile.Create(o.out, 0o600)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // not the temporary file's name
			}
			return withExit(exitPerson, fmt.Errorf("following: cannot write %s: %w; nothing was read", o.out, err), "name a file in a directory that exists and that you can write")
		}
		probe.Abort()
	}
	if !o.yes && !c.interactive {
		return usageErrorf("following needs --yes when no one is at a terminal to confirm its cost").
			withHint("bulkunfollow following --yes -o sheet.csv")
	}
	var who *worker.AccountSet
	if o.followersFile != "" {
		if who, err = worker.ReadFollowers(o.followersFile); err != nil {
			return withExit(exitBadInput, err, "give --followers a list import reads: your archive's data/follower.js, or a CSV with an id column")
		}
	}
	bar, log, err := c.progressAndLog(o.logFlags, o.clock.Now)
	if err != nil {
		return err
	}
	var q *queue.Store
	if o.queuePath != "" {
		if q, err = openQueue(o.queuePath, "following", false); err != nil {
			return err
		}
		defer closeQueue(q, &err)
	}
	ctx, stop := c.trapSignals(ctx, func() {})
	defer stop()

	hc := o.httpClient
	if hc == nil {
		var id auth.Identity
		if hc, id, err = auth.HTTPClient(ctx, c.authOptions(o.configDir, o.account, o.apiBaseURL, log)); err != nil {
			return withExit(exitPerson, fmt.Errorf("sign in: %w", err), auth.Hint(err))
		}
		log.Debug().Str("auth", string(id.Method)+" from "+id.Source).Msg("credential")
	}
	windows := worker.NewReadWindows(o.clock.Now)
	api := apiclient.New(hc, o.apiBaseURL, userAgent(), apiclient.WithTimeout(o.timeout), apiclient.WithClock(o.clock.Now),
		apiclient.WithRateObserver(xclient.Observer(windows)))
	so := worker.SheetOptions{
		LastPost: o.lastPost, Followers: who, Sort: o.sortBy, Spending: o.spending, Queue: q,
		Windows: windows, MaxAttempts: o.maxAttempts, Clock: o.clock, Log: log,
		Confirm: func(sc worker.SheetCost) error { return c.confirmSheet(ctx, sc, o.yes, o.lastPost) },
	}
	if bar != nil {
		so.Progress = func(read, total int) { bar.Show(readingLine(read, total)) }
	}
	res, err := worker.ReadSheet(ctx, xclient.New(api), so)
	if bar != nil {
		bar.Clear()
	}
	if err != nil {
		return c.sheetError(ctx, err, res, o.out)
	}
	now := o.clock.Now()
	write := func(w io.Writer) error { return sheet.Write(w, o.format, res.Rows, now) }
	if o.out == "" {
		bw := bufio.NewWriter(c.stdout)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	} else if err := atomicfile.Write(o.out, 0o600, write); err != nil {
		return withExit(exitPerson, fmt.Errorf("following: %w", err), "")
	}
	c.tellSheet(res, o.out, o.format, q, !o.demo)
	return nil
}

// refuseDecidedSheet refuses to replace a file that holds decisions a
// person made (unless force): exit 2, nothing read from X.
func refuseDecidedSheet(path string, force bool) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // nothing there to lose (or the write will say why)
	}
	defer f.Close()
	// Decisions counted before a line that cannot be read are decisions
	// all the same.
	n, _ := sheet.CountDecisions(f)
	if n == 0 || force {
		return nil
	}
	return usageErrorf("following: %s already holds %s: writing a new sheet there would lose them; nothing was read", path, countNoun(n, "decision", "decisions")).
		withHint("bulkunfollow import "+path+"   # queue the rows marked unfollow", "bulkunfollow following -o sheet-new.csv", "bulkunfollow following -o "+path+" --force")
}

// readingLine is the progress line of the list read.
func readingLine(read, total int) string {
	if total > 0 {
		return fmt.Sprintf("Reading your following list: %s of %s accounts", worker.GroupDigits(read), worker.GroupDigits(total))
	}
	return fmt.Sprintf("Reading your following list: %s accounts", worker.GroupDigits(read))
}

// confirmSheet states what the list read costs and, on a terminal without
// --yes, asks to go ahead.
func (c *cli) confirmSheet(ctx context.Context, sc worker.SheetCost, yes, lastPost bool) error {
	statement := sheetCostText(sc, lastPost)
	if yes || sc.Count == 0 {
		c.tellWrapped("cost", nil, statement+".")
		return nil
	}
	// The question wraps at 80 columns, the answer on its last line.
	question := strings.TrimSuffix(wrapText(statement+" — continue? [y/N]", "", 80), "\n") + " "
	ok, err := confirm(ctx, c, question)
	if ctx.Err() != nil {
		return interrupted()
	}
	if err != nil || !ok {
		c.tell("declined", nil, "Nothing read but who you are (%s). Run again when ready.", sc.Spent)
		return quietExit(exitDeclined)
	}
	return nil
}

// sheetCostText is "Reading your 5,000 follows costs about $5.00 (Owned
// Read, own app)", with the last-post dates' bound.
func sheetCostText(sc worker.SheetCost, lastPost bool) string {
	how := "Owned Read, own app"
	if sc.Kind != spend.OwnedRead {
		how = "$0.010 per account, someone else's app"
	}
	if sc.Count < 0 {
		return "X did not say how many accounts you follow; reading them costs " + how
	}
	s := fmt.Sprintf("Reading your %s costs about %s (%s)", groupedNoun(sc.Count, "follow", "follows"), sc.List, how)
	if lastPost && sc.Posts > 0 {
		s += fmt.Sprintf(", and up to %s more to date their last posts (post reads; --last-post=false skips them)", sc.Posts)
	}
	return s
}

// tellSheet says what was written and what it cost, and what to do next:
// review the sheet (or mark it in a spreadsheet), then import it into the
// queue that keeps the list, if any.
func (c *cli) tellSheet(res worker.SheetResult, out string, f sheet.Format, q *queue.Store, withNext bool) {
	where := "standard output"
	if out != "" {
		where = out
	}
	kept := ""
	if q != nil {
		kept = fmt.Sprintf(" The list is kept in %s: its next run does not read it again.", q.Path())
	}
	next := ""
	if withNext {
		name := shellQuote(out)
		if out == "" {
			name = "sheet.csv"
			next = "\nNext: save it with -o sheet.csv, then"
		} else {
			next = "\nNext:"
		}
		next += " decide account by account with bulkunfollow review " + name +
			" (or write unfollow or keep in its decision column, in a spreadsheet), then queue the rows marked unfollow with " +
			c.hints.command("import", name)
	}
	accounts := groupedNoun(len(res.Rows), "account", "accounts")
	cost := fmt.Sprintf("it cost %s at X's prices", res.Spent)
	if q == nil {
		// Without a queue nothing remembers an earlier read today, which X
		// does not bill again.
		cost = fmt.Sprintf("at X's prices that is %s (less if you read the list earlier today: X bills an account once a UTC day)", res.Spent)
	}
	c.tellWrapped("following", nil, fmt.Sprintf("Wrote %s to %s (%s), %s dated by their last post; %s.%s%s",
		accounts, where, strings.ToUpper(string(f)), worker.GroupDigits(res.Posts), cost, kept, next))
}

// sheetError maps what stopped the list read to an exit code; nothing was
// written.
func (c *cli) sheetError(ctx context.Context, err error, res worker.SheetResult, out string) error {
	var x *exitError
	if errors.As(err, &x) {
		return err // declined, interrupted at the prompt
	}
	nothing := "nothing was written"
	if out != "" {
		nothing = "nothing was written to " + out
	}
	if ctx.Err() != nil {
		return withExit(exitTempFail, fmt.Errorf("following: interrupted after %s; %s", res.Spent, nothing),
			"run it again: the accounts already read today are not billed again")
	}
	var mm *queue.AccountMismatchError
	if errors.As(err, &mm) {
		return withExit(exitPerson, err, "use the credentials of the account this queue belongs to (--account), or another --queue")
	}
	return apiStop(ctx, fmt.Errorf("%w; %s (spent %s; read again today, the accounts already read are not billed again)", err, nothing, res.Spent))
}
