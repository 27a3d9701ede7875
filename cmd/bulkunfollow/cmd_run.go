package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/auth"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
	"github.com/bulkunfollow/bulkunfollow/worker"
	"github.com/bulkunfollow/bulkunfollow/worker/xclient"
)

const runDescription = `Unfollow the queue's pending targets, in input order, paced to X's rate
limits, checkpointing every answer in the queue file.

Every X API request costs money. Before sending anything, run binds the queue
to the signed-in account (a queue belongs to one account), skips the accounts
on --keep and the account itself, and decides whether reading your following
list is worth its price: it skips the targets you do not follow (an unfollow
of one costs as much as one that works), but costs per account you follow.
--prefilter auto (the default) looks up a small sample of the targets to tell;
the list is read at most once per job. Then it shows the plan with its cost
and asks for confirmation on a terminal; without a terminal it needs --yes.
--budget caps what the whole job may spend (docs/costs.md).

Pacing: a token bucket (--rate, default 50/15m, X's documented unfollow limit)
until the first answer, then the server's own window from its headers; a
rolling 24-hour cap (--daily-cap, default 400; 0 turns it off). Interrupted,
killed or stopped by --deadline, --max, the daily cap or --budget, it exits
75: run it again and it resumes exactly where it stopped.

Credentials: BULKUNFOLLOW_ACCESS_TOKEN, the BULKUNFOLLOW_OAUTH1_* variables, or
an account stored by "bulkunfollow auth login" (see "bulkunfollow auth --help").`

// runOptions are run's settings; demo fills them itself.
type runOptions struct {
	queuePath  string
	apiBaseURL string
	account    string
	configDir  string
	rate       ratelimit.Rate
	// adoptServerLimit lets a higher limit announced by X raise rate (when
	// --rate was not given).
	adoptServerLimit bool
	dailyCap         int
	max              int
	deadline         time.Duration
	jitter           time.Duration
	keepFile         string
	prefilter        worker.PrefilterMode
	refreshFollowing bool
	spending         worker.Spending
	yes              bool
	dryRun           bool
	maxAttempts      int
	timeout          time.Duration
	metricsFile      string
	logFlags         logFlags

	// Set by demo: an authenticated client instead of auth.HTTPClient, and
	// a label for the plan.
	httpClient *http.Client
	authLabel  string
	// clock drives the worker, the API client's timestamps and the plan;
	// nil is the system clock. Tests share a fake one with the simulator.
	clock worker.Clock
}

func runRun(ctx context.Context, c *cli, args []string) error {
	o, err := parseRunFlags(c, args)
	if err != nil {
		c.useLogFormat(o.logFlags)
		return err
	}
	return c.runJob(ctx, o)
}

// parseRunFlags reads run's flags and environment into runOptions.
func parseRunFlags(c *cli, args []string) (runOptions, error) {
	fs := c.newFlagSet("run", "", runDescription,
		"bulkunfollow run",
		"bulkunfollow run --yes --deadline 50m --queue /srv/unfollow.db   # cron",
		"bulkunfollow run --keep friends.txt --max 100",
		"bulkunfollow run --dry-run",
		"bulkunfollow run --budget 5 --own-app=false   # someone else's X app",
	)
	o := runOptions{}
	queuePath := fs.queueFlag()
	apiBase := fs.apiBaseURLFlag()
	account := fs.accountFlag()
	configDir := fs.configDirFlag()
	rate := fs.String("rate", ratelimit.DefaultRate.String(), "pace before X's headers are known, as N/DURATION; X's window governs after, and a higher limit it announces is followed unless --rate is given")
	fs.IntVar(&o.dailyCap, "daily-cap", ratelimit.DefaultDailyCap, "most unfollow requests in any 24 hours (0 = no cap of ours; X's 24-hour headers still apply)")
	fs.IntVar(&o.max, "max", 0, "send to at most N targets in this run (retries of a target do not count; 0 = no limit)")
	fs.DurationVar(&o.deadline, "deadline", 0, "stop cleanly before this much time has passed, e.g. 50m (0 = none)")
	fs.DurationVar(&o.jitter, "jitter", 0, "random extra pause of up to this much before each request, e.g. 5s")
	fs.StringVar(&o.keepFile, "keep", "", "file of accounts never to unfollow (any import format; re-read every run)")
	prefilter := fs.String("prefilter", string(worker.PrefilterAuto), "read your following list to skip the targets you do not follow: auto (when it is expected to cost less than it saves), always, never")
	noPrefilter := fs.Bool("no-prefilter", false, "same as --prefilter never")
	fs.BoolVar(&o.refreshFollowing, "refresh-following", false, "read the following list again (a job reads it once and keeps it)")
	ownApp := fs.Bool("own-app", true, "the X app is the signed-in account's own: reading its following list is then an Owned Read ($0.001 per account instead of $0.010)")
	budget := fs.String("budget", "0", "the most the whole job (this queue, over every run) may spend at X, in USD (0 = no budget)")
	prices := fs.String("prices", "", "X's prices to use, as KIND=USD,... for unfollow, user_read, following_read, owned_read, post_read (default: X's published prices, docs/costs.md)")
	fs.BoolVar(&o.yes, "yes", false, "do not ask for confirmation (needed when not on a terminal)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "do everything except the unfollow requests; change nothing in the queue")
	fs.IntVar(&o.maxAttempts, "max-attempts", worker.DefaultMaxAttempts, "requests per target before it fails (transient errors, still following); also tries per read before sending (users/me, users/by, following list)")
	fs.DurationVar(&o.timeout, "request-timeout", apiclient.DefaultTimeout, "timeout of each API request")
	fs.StringVar(&o.metricsFile, "metrics-file", "", "write Prometheus metrics here (node_exporter textfile collector; name it *.prom)")
	o.logFlags = fs.logFlags()
	if err := fs.parse(args); err != nil {
		return o, err
	}
	if len(fs.Args()) > 0 {
		return o, usageErrorf("run takes no file arguments (got %q)", fs.Args()[0]).
			withHint("bulkunfollow import "+strings.Join(fs.Args(), " "), "bulkunfollow run")
	}
	r, err := ratelimit.ParseRate(*rate)
	if err != nil {
		// ParseRate's words are Go's ("time: missing unit"): say what
		// --rate takes instead.
		return o, usageErrorf("run: --rate %q: want COUNT/DURATION with a unit, such as 50/15m, 300/3h or 5/10s", *rate).
			withHint(c.hints.command("run", "--rate 50/15m"))
	}
	if err := checkRunNumbers(o); err != nil {
		return o, err
	}
	if _, err := apiclient.CheckBaseURL(*apiBase); err != nil {
		return o, usageErrorf("--api-base-url: %v", err) // err shows the URL without its secrets.withHint("--api-base-url https://api.x.com")
	}
	if err := metricsPathError(o.metricsFile, *queuePath); err != nil {
		return o, err
	}
	o.rate, o.queuePath, o.apiBaseURL, o.account, o.configDir = r, *queuePath, *apiBase, *account, *configDir
	// The server's headers are authoritative: without an explicit --rate,
	// a higher limit X announces raises our pace too; an explicit --rate is
	// a ceiling the person chose.
	o.adoptServerLimit = !fs.isGiven("rate")
	if o.prefilter, err = worker.ParsePrefilter(*prefilter); err != nil {
		return o, usageErrorf("run: --prefilter %q: want auto, always or never", *prefilter).withHint(c.hints.command("run", "--prefilter auto"))
	}
	if *noPrefilter {
		if fs.isGiven("prefilter") && o.prefilter != worker.PrefilterNever {
			return o, usageErrorf("run: --no-prefilter and --prefilter %s say opposite things", o.prefilter).withHint(c.hints.command("run", "--prefilter "+string(o.prefilter)))
		}
		o.prefilter = worker.PrefilterNever
	}
	if o.refreshFollowing && o.prefilter == worker.PrefilterNever {
		return o, usageErrorf("run: --refresh-following reads the following list, which --prefilter never (or --no-prefilter) turns off").withHint(c.hints.command("run", "--refresh-following"))
	}
	if o.spending, err = parseSpending(*prices, *budget, *ownApp); err != nil {
		return o, err
	}
	return o, nil
}

// parseSpending reads --prices, --budget and --own-app.
func parseSpending(prices, budget string, ownApp bool) (worker.Spending, error) {
	p, err := spend.ParsePrices(prices)
	if err != nil {
		return worker.Spending{}, usageErrorf("--prices: %v", err).withHint("--prices unfollow=0.010,user_read=0.010,following_read=0.010,owned_read=0.001")
	}
	b, err := spend.ParseUSD(budget)
	if err != nil {
		return worker.Spending{}, usageErrorf("--budget: %v", err).withHint("--budget 5   (USD; 0 = no budget)")
	}
	return worker.Spending{Prices: p, OwnApp: ownApp, Budget: b}, nil
}

// checkRunNumbers refuses a numeric flag out of range, naming it and its
// value (only the first bad one: fix it and the next is named).
func checkRunNumbers(o runOptions) error {
	for _, f := range []struct {
		name, value string
		bad         bool
		want        string
	}{
		{"daily-cap", fmt.Sprint(o.dailyCap), o.dailyCap < 0, "0 or more (0 = no cap of ours)"},
		{"max", fmt.Sprint(o.max), o.max < 0, "0 or more (0 = no limit)"},
		{"deadline", o.deadline.String(), o.deadline < 0, "0 or a positive duration such as 50m (0 = none)"},
		{"jitter", o.jitter.String(), o.jitter < 0, "0 or a positive duration such as 5s"},
		{"max-attempts", fmt.Sprint(o.maxAttempts), o.maxAttempts < 1, "1 or more"},
		{"request-timeout", o.timeout.String(), o.timeout <= 0, "a positive duration such as 30s"},
	} {
		if f.bad {
			return usageErrorf("run: --%s %s: want %s", f.name, f.value, f.want).withHint("bulkunfollow run --help")
		}
	}
	return nil
}

// runJob is the main job: prepare, plan, confirm, drain, report. run and
// demo both use it.
func (c *cli) runJob(ctx context.Context, o runOptions) error {
	// On a terminal the progress line and log lines share stderr: every
	// log line first clears the progress line (the next redraw restores it).
	if o.clock == nil {
		o.clock = worker.SystemClock()
	}
	c.useLogFormat(o.logFlags)
	bar, log, err := c.progressAndLog(o.logFlags, o.clock.Now)
	if err != nil {
		return err
	}
	if !o.yes && !o.dryRun && !c.interactive {
		return usageErrorf("run needs --yes when no one is at a terminal to confirm").
			withHint("bulkunfollow run --yes", "bulkunfollow run --dry-run   # see the plan first")
	}
	start := o.clock.Now()
	var deadline time.Time
	if o.deadline > 0 {
		deadline = start.Add(o.deadline)
	}

	if !queueExists(o.queuePath) {
		return queueError(o.queuePath, fs.ErrNotExist)
	}
	// A dry run opens the queue read-only: it changes nothing, not even
	// bbolt's transaction counter.
	q, err := openQueue(o.queuePath, "run", o.dryRun)
	if err != nil {
		return err
	}
	defer q.Close()

	// From here on the first SIGINT/SIGTERM stops the run cleanly (exit 75,
	// nothing lost) and the second aborts the request in flight.
	abort := make(chan struct{})
	var abortOnce sync.Once
	notice := &stopNotice{}
	ctx, release := c.trapSignalsThen(ctx, notice.first, func() {
		abortOnce.Do(func() {
			log.Warn().Msg("second signal: aborting; a request in flight is sent again next run (a third signal kills the process)")
			close(abort)
		})
	})
	defer release()

	job, err := c.prepareJob(ctx, q, o, log, start, deadline, abort)
	if err != nil {
		return err
	}
	pl := job.Plan()
	if c.events != nil {
		logPlan(*c.events, pl)
	} else {
		printPlan(c.stderr, pl)
	}
	if o.dryRun {
		c.tell("dry_run", nil, "Dry run: nothing was sent and the queue is unchanged.")
		return nil
	}
	if err := c.confirmPlan(ctx, o, job); err != nil {
		return err
	}
	rep := runReport{q: q, log: log, o: o, job: job, account: "@" + job.Account().Username, saved: pl.NotFollowing, status: pl.Status}
	if noneThisRun(pl) {
		// Nothing can be sent before the stop: nothing is read or decided
		// either (the list and the lookups cost money), nothing asked.
		return c.finishRun(rep, worker.Summary{Stop: pl.StopBy})
	}
	stop, err := job.Apply(ctx)
	switch {
	case err != nil && isAPIFailure(err):
		return apiStop(ctx, err)
	case err != nil:
		return withExit(exitPerson, err, diskHint)
	case stop != "":
		rep.saved = job.Saved()
		return c.finishRun(rep, worker.Summary{Stop: stop, Err: job.StopErr()})
	}
	rep.saved = job.Saved() // (the list read after the yes decides more)
	if job.ToSend() == 0 {  // (more, if Apply resolved some)
		return c.finishRun(rep, worker.Summary{Stop: worker.StopFinished})
	}
	return c.drain(ctx, rep, bar, notice)
}

// progressAndLog returns the progress line (nil unless stderr is a
// terminal that may be redrawn and the logs are not JSON) and the logger,
// whose every line first clears the progress line (the next redraw
// restores it).
func (c *cli) progressAndLog(lf logFlags, now func() time.Time) (*progressBar, zerolog.Logger, error) {
	var bar *progressBar
	le := c
	if c.animates() && !lf.isJSON(c) {
		bar = newProgressBar(c.stderr, now)
		copied := *c
		copied.stderr = barClearingWriter{bar: bar, w: c.stderr}
		le = &copied
	}
	log, err := lf.logger(le)
	return bar, log, err
}

// prepareJob signs in and prepares the run (worker.Prepare), mapping what
// stops it to an exit code.
func (c *cli) prepareJob(ctx context.Context, q *queue.Store, o runOptions, log zerolog.Logger, start, deadline time.Time, abort <-chan struct{}) (*worker.Job, error) {
	var keep *worker.KeepList
	if o.keepFile != "" {
		var err error
		if keep, err = worker.ReadKeepList(o.keepFile); err != nil {
			return nil, keepListError(err)
		}
	}
	hc, label := o.httpClient, o.authLabel
	if hc == nil {
		opts := c.authOptions(o.configDir, o.account, o.apiBaseURL, log)
		opts.Now = o.clock.Now
		var id auth.Identity
		var err error
		if hc, id, err = auth.HTTPClient(ctx, opts); err != nil {
			return nil, withExit(exitPerson, fmt.Errorf("sign in: %w", err), auth.Hint(err))
		}
		label = string(id.Method) + " from " + id.Source
	}
	windows := worker.NewReadWindows(o.clock.Now)
	api := apiclient.New(hc, o.apiBaseURL, userAgent(), apiclient.WithTimeout(o.timeout), apiclient.WithClock(o.clock.Now),
		apiclient.WithRateObserver(xclient.Observer(windows)))
	job, err := worker.Prepare(ctx, q, xclient.New(api), worker.JobOptions{
		Rate: o.rate, AdoptServerLimit: o.adoptServerLimit, DailyCap: o.dailyCap,
		Max: o.max, Deadline: deadline, Jitter: o.jitter,
		MaxAttempts: o.maxAttempts, RequestTimeout: o.timeout,
		Keep: keep, Prefilter: o.prefilter, RefreshFollowing: o.refreshFollowing, Spending: o.spending, Windows: windows,
		Start: start, Credential: label, Abort: abort, Clock: o.clock, Log: log,
	})
	var mm *queue.AccountMismatchError
	var be *worker.BudgetError
	switch {
	case err == nil:
		return job, nil
	case errors.As(err, &be):
		return nil, withExit(exitTempFail, fmt.Errorf("%w; nothing was sent", err),
			c.hints.command("run", fmt.Sprintf("--budget %s", strings.TrimPrefix((be.Budget+be.Next).String(), "$"))))
	case errors.As(err, &mm):
		return nil, withExit(exitPerson, err, "use the credentials of the account this queue belongs to (--account), or another --queue")
	}
	return nil, apiStop(ctx, err)
}

// confirmPlan asks the person at the terminal to go ahead (unless --yes or
// nothing is to be sent); a no, or a signal, ends the run with the queue
// unchanged.
func (c *cli) confirmPlan(ctx context.Context, o runOptions, job *worker.Job) error {
	if ctx.Err() != nil {
		return interrupted()
	}
	pl, me := job.Plan(), job.Account()
	// (None can go in this run: nothing to ask; the drain stops at once.)
	if (pl.Send == 0 && pl.HandlesLeft == 0 && pl.Cost.Run() == 0) || noneThisRun(pl) || o.yes {
		return nil
	}
	cost := ""
	if pl.Cost.Run() > 0 {
		cost = fmt.Sprintf(" for about %s", pl.Cost.Run())
	}
	upTo := ""
	if pl.ReadsList {
		upTo = "up to "
	}
	question := fmt.Sprintf("Unfollow %s%s as @%s now%s? [y/N] ", upTo, countNoun(pl.Send, "account", "accounts"), me.Username, cost)
	if pl.HandlesLeft > 0 {
		question = fmt.Sprintf("Unfollow %s%s, and those of %s once resolved, as @%s now%s? [y/N] ",
			upTo, countNoun(pl.Send, "account", "accounts"), countNoun(pl.HandlesLeft, "more @handle", "more @handles"), me.Username, cost)
	}
	ok, err := confirm(ctx, c, question)
	if ctx.Err() != nil {
		return interrupted()
	}
	if err != nil || !ok {
		// Not 75: nothing stopped the run, the person chose; a wrapper
		// that runs again on 75 would only ask again.
		c.tell("declined", nil, "Nothing sent and the queue is unchanged (but for what preparing the plan cost: %s). Run again when ready (or see the plan: %s).", pl.Cost.Preparing, c.hints.command("run", "--dry-run"))
		return quietExit(exitDeclined)
	}
	return nil
}

// drain sends the pending targets, showing progress on bar (or as log
// lines) and, with --metrics-file, a snapshot per window; notice passes it
// a first signal.
func (c *cli) drain(ctx context.Context, rep runReport, bar *progressBar, notice *stopNotice) error {
	q, o, log, job := rep.q, rep.o, rep.log, rep.job
	// The display counts this run's targets, as the plan does.
	display := newRunDisplay(bar, log, o, runTargets(job, o), job.Plan().RoundTrip)
	defer display.done()
	notice.attach(display)
	if o.metricsFile != "" {
		// A snapshot per window: the textfile collector sees a long run move.
		display.onWindow = func(ev worker.Event) {
			c, err := q.Counts()
			if err != nil {
				return
			}
			m := rep.metrics(c, worker.Summary{Sent: ev.Sent, Done: ev.Done, Failed: ev.Failed, RateLimited: ev.RateLimited}, queue.RunInfo{Started: job.Started()}, ev.Limiter)
			m.InProgress = true
			if err := writeMetrics(o.metricsFile, m); err != nil {
				log.Warn().Err(err).Str("file", o.metricsFile).Msg("could not write metrics")
			}
		}
	}
	sum, err := job.Drain(ctx, display.event)
	display.done()
	if err != nil {
		return withExit(exitPerson, fmt.Errorf("drain the queue: %w", err), diskHint)
	}
	rep.status = display.lastStatus()
	return c.finishRun(rep, sum)
}

// diskHint is the hint of a queue that could not be written.
const diskHint = "the queue file could not be written; check the disk, then run again"

// isAPIFailure reports whether err is X's answer (or its absence) rather
// than the queue's or the disk's.
func isAPIFailure(err error) bool {
	var f *worker.Failure
	return errors.As(err, &f)
}

// keepListError maps a --keep file that cannot be read to exit 65, every
// bad line listed.
func keepListError(err error) error {
	var ke *worker.KeepListError
	if !errors.As(err, &ke) {
		return withExit(exitPerson, err, "")
	}
	bad := ke.InvalidEntries()
	if bad == nil {
		return withExit(exitBadInput, fmt.Errorf("read keep-list: %w", ke.Err),
			"--keep names a file of accounts never to unfollow, in any import format: check the path, or leave --keep out")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "keep-list %s has %s:", ke.Path, countNoun(bad.Total, "invalid entry", "invalid entries"))
	for _, le := range bad.Errors {
		b.WriteString("\n  " + le.Error())
	}
	if more := bad.Total - len(bad.Errors); more > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", more)
	}
	return withExit(exitBadInput, errors.New(b.String()), "fix the listed lines of "+ke.Path+" (same formats as import)")
}

// metrics gathers what --metrics-file reports.
func (rep runReport) metrics(c queue.Counts, sum worker.Summary, info queue.RunInfo, st ratelimit.Status) runMetrics {
	m := runMetrics{
		Queue: rep.q.Path(), Account: rep.account,
		Pending: c.Pending, Done: c.Done, Skipped: c.Skipped, Failed: c.Failed,
		RunStart: info.Started, Sent: sum.Sent, RateLimited: sum.RateLimited, Saved: rep.saved,
		RunEnd: info.Ended, ExitCode: info.ExitCode,
		DailyUsed: st.DailyUsed, DailyCap: st.DailyCap,
	}
	m.LastSuccess, _ = rep.q.LastSuccess()
	if rep.o.spending.Prices != nil {
		if sp, err := rep.q.Spent(); err == nil {
			m.SpendKnown, m.Spent, m.Budget = true, map[string]float64{}, rep.o.spending.Budget.USD()
			for k, ks := range sp.Kinds {
				m.Spent[k] = spend.Amount(ks.MicroUSD).USD()
			}
			run, _ := rep.job.Spend()
			m.RunSpent = run.USD()
		}
	}
	if t, err := rep.q.Totals(); err == nil {
		// The stored totals include this run once it has ended.
		m.TotalsKnown, m.SentTotal, m.RateLimitedTotal = true, t.Sent, t.RateLimited
		if info.Ended.IsZero() {
			m.SentTotal += uint64(sum.Sent)
			m.RateLimitedTotal += uint64(sum.RateLimited)
		}
	}
	if sum.Done > 0 {
		m.LastUnfollow = sum.LastSend
	}
	if st.Limit > 0 && !st.Reset.IsZero() {
		m.WindowKnown, m.WindowLimit, m.WindowRemaining, m.WindowReset = true, st.Limit, st.Remaining, st.Reset
	}
	return m
}

// runReport is what finishRun needs to record and report a run.
type runReport struct {
	q       *queue.Store
	log     zerolog.Logger
	o       runOptions
	job     *worker.Job
	account string
	saved   int
	status  ratelimit.Status
}

// finishRun records the run, writes metrics, prints the summary and maps
// the outcome to an exit code.
func (c *cli) finishRun(rep runReport, sum worker.Summary) error {
	q, log, o, start := rep.q, rep.log, rep.o, rep.job.Started()
	counts, cerr := q.Counts()
	if cerr != nil {
		return withExit(exitPerson, cerr, "")
	}
	runSpent, jobSpent := rep.job.Spend()
	spent := ""
	if o.spending.Prices != nil {
		spent = fmt.Sprintf("%s spent in this run, %s by the job", runSpent, jobSpent)
	}
	code, msg := runOutcome(sum, counts, spent, o.spending.Prices, rep.status, c.hints)
	info := rep.job.Record(sum, code, msg)
	if o.metricsFile != "" {
		if err := writeMetrics(o.metricsFile, rep.metrics(counts, sum, info, rep.status)); err != nil {
			log.Warn().Err(err).Str("file", o.metricsFile).Msg("could not write metrics")
		}
	}
	fields := func(e *zerolog.Event) {
		e.Str("outcome", string(sum.Stop)).Int("exit_code", code).
			Int("sent", sum.Sent).Int("done", sum.Done).Int("failed", sum.Failed).Int("rate_limited", sum.RateLimited).
			Int("saved", rep.saved).
			Int("total", counts.Total).Int("pending", counts.Pending).Int("done_total", counts.Done).
			Int("skipped_total", counts.Skipped).Int("failed_total", counts.Failed).
			Float64("elapsed_s", seconds(o.clock.Now().Sub(start))).
			Float64("run_spent_usd", runSpent.USD()).Float64("spent_usd", jobSpent.USD())
	}
	if c.events == nil {
		// Text: the summary's fields as a log line, then the sentence.
		e := log.Info().Str("event", "summary")
		fields(e)
		e.Msg("run summary")
	}
	// JSON: one "summary" event, the sentence its message.
	c.tellWrapped("summary", fields, msg)
	switch code {
	case exitOK:
		return nil
	case exitPerson:
		hint := ""
		var ae *worker.AccountError
		if errors.As(sum.Err, &ae) {
			hint = ae.Hint
		}
		return withExit(exitPerson, sum.Err, hint)
	default:
		return quietExit(code)
	}
}

// runOutcome maps a run's summary and the queue's counts (and what was
// spent, in words) to the exit code and one line for a person. st is the limiter when the run stopped: it
// tells our daily cap from X's 24-hour limit, and when either frees up; h
// the flags of the commands it names.
func runOutcome(sum worker.Summary, c queue.Counts, spent string, prices spend.Prices, st ratelimit.Status, h hintFlags) (int, string) {
	left := fmt.Sprintf("%d done, %d skipped, %d failed, %d pending of %d", c.Done, c.Skipped, c.Failed, c.Pending, c.Total)
	if spent != "" {
		left += "; " + spent
	}
	switch sum.Stop {
	case worker.StopFinished:
		if c.Failed > 0 {
			msg := fmt.Sprintf("Finished with failures: %s.", left)
			if see := h.command("export", "--state failed"); see != "" {
				msg += " See them: " + see
			}
			return exitFailures, msg
		}
		if c.Pending > 0 {
			return exitTempFail, fmt.Sprintf("Stopped with targets pending: %s. Run again to continue.", left)
		}
		return exitOK, fmt.Sprintf("Finished: %s.", left)
	case worker.StopAccountError, worker.StopQuotaExhausted:
		// The error and its hint follow on their own lines.
		marked := "nothing was marked failed in this run"
		if sum.Failed > 0 {
			marked = fmt.Sprintf("%d marked failed in this run before it stopped", sum.Failed)
		}
		return exitPerson, fmt.Sprintf("Stopped: a problem with the account, the app or the setup (below). %s; %s.", left, marked)
	case worker.StopCanceled:
		return exitTempFail, fmt.Sprintf("Interrupted: %s. Run again to resume.", left)
	case worker.StopDeadline:
		return exitTempFail, fmt.Sprintf("Deadline reached: %s. Run again to resume.", left)
	case worker.StopMaxReached:
		return exitTempFail, fmt.Sprintf("--max reached: %s. Run again to continue.", left)
	case worker.StopDailyCap:
		when := "tomorrow"
		if !st.Until.IsZero() {
			when = "after " + st.Until.Local().Format("Mon 15:04")
		}
		if st.Why == ratelimit.ReasonServerDaily {
			return exitTempFail, fmt.Sprintf("X's 24-hour unfollow limit reached: %s. Run again %s.", left, when)
		}
		return exitTempFail, fmt.Sprintf("Daily cap reached (%d in 24 hours): %s. Run again %s (or raise --daily-cap).", st.DailyCap, left, when)
	case worker.StopUnavailable:
		return exitTempFail, fmt.Sprintf("Stopped: %v. %s. Run again later to resume.", sum.Err, left)
	case worker.StopBudget:
		var be *worker.BudgetError
		if !errors.As(sum.Err, &be) {
			return exitTempFail, fmt.Sprintf("Budget reached: %s. Raise --budget to go on.", left)
		}
		return exitTempFail, fmt.Sprintf("Budget reached: the job has spent %s of its %s budget (%s left; %s could cost %s). %s. To go on, raise it: %s",
			be.Spent, be.Budget, be.Left(), be.What, be.Next, left, h.command("run", "--budget "+raisedBudget(be, c, prices)))
	default:
		return exitTempFail, fmt.Sprintf("Stopped (%s): %s. Run again to resume.", sum.Stop, left)
	}
}

// raisedBudget suggests a budget that lets the job finish: what it spent
// and what its pending targets may cost, in whole dollars.
func raisedBudget(be *worker.BudgetError, c queue.Counts, prices spend.Prices) string {
	need := be.Spent + worker.RemainingCost(c, false, prices)
	return fmt.Sprint(int64(math.Ceil(max(need, be.Budget+be.Next).USD())))
}

// interrupted is the error of a run stopped by a signal before it sent
// anything.
func interrupted() error {
	return withExit(exitTempFail, errors.New("interrupted before sending anything; the queue is unchanged"), "run the same command again to start")
}

// apiStop maps a failure before the drain (who am I, handles, following
// list) to an exit code: a signal or transient trouble is "run again"
// (75), anything about credentials or the account needs a person (1).
func apiStop(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return interrupted()
	}
	if errors.Is(err, worker.ErrWindowPastDeadline) {
		return withExit(exitTempFail, err, "run again later (or with a later --deadline); nothing was sent")
	}
	switch worker.KindOf(err) {
	case worker.Transient, worker.Window, worker.Canceled:
		return withExit(exitTempFail, err, "X could not be reached or asked us to wait; run again later")
	}
	hint := auth.Hint(err)
	var f *worker.Failure
	if hint == "" && errors.As(err, &f) {
		hint = f.Hint
	}
	return withExit(exitPerson, err, hint)
}

// confirm asks a yes/no question on stderr and reads the answer from stdin.
// A signal (ctx ends) stops waiting for the answer: the read itself cannot
// be interrupted, so it is left to end with the process.
func confirm(ctx context.Context, c *cli, question string) (bool, error) {
	fmt.Fprint(c.stderr, question)
	type answer struct {
		line string
		err  error
	}
	answers := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		answers <- answer{line, err}
	}()
	var a answer
	select {
	case <-ctx.Done():
		fmt.Fprintln(c.stderr)
		return false, ctx.Err()
	case a = <-answers:
	}
	if a.err != nil && a.line == "" {
		fmt.Fprintln(c.stderr)
		return false, a.err
	}
	switch strings.ToLower(strings.TrimSpace(a.line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
