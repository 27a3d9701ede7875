package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// printPlan shows what the run is about to do, before it asks.
func printPlan(w io.Writer, pl worker.Plan) {
	c := pl.Counts
	fmt.Fprint(w, planLine("Account:", fmt.Sprintf("@%s (%s)", pl.Account.Username, pl.Account.ID)))
	fmt.Fprint(w, planLine("Queue:", fmt.Sprintf("%s — %d targets: %d pending, %d done, %d skipped, %d failed",
		pl.Queue, c.Total, c.Pending, c.Done, c.Skipped, c.Failed)))
	if n := pl.Resolved + pl.NotFound; n > 0 || pl.HandlesLeft > 0 {
		var parts []string
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d resolved, %d not found on X", pl.Resolved, pl.NotFound))
		}
		switch left := countNoun(pl.HandlesLeft, "@handle", "@handles"); {
		case pl.HandlesLeft > 0 && pl.ReadsList:
			parts = append(parts, left+" named by the following list, read once you confirm (no lookup needed)")
		case pl.HandlesLeft > 0:
			parts = append(parts, left+" looked up after you confirm (100 per request, with whether you follow them), then sent in input order")
		}
		fmt.Fprint(w, planLine("Handles:", strings.Join(parts, "; ")))
	}
	if n := pl.Duplicates; n > 0 {
		fmt.Fprint(w, planLine("Duplicates:", fmt.Sprintf("%s name accounts already in the queue (skipped)", countNoun(n, "@handle", "@handles"))))
	}
	if n := pl.Confirmed; n > 0 {
		fmt.Fprint(w, planLine("Resumed:", fmt.Sprintf("%d already unfollowed by a request of an interrupted run", n)))
	}
	if n := pl.Kept; n > 0 {
		fmt.Fprint(w, planLine("Kept:", fmt.Sprintf("%d on the keep-list", n)))
	}
	if n := pl.OwnAccount; n > 0 {
		fmt.Fprint(w, planLine("Skipped:", fmt.Sprintf("%d (the account itself)", n)))
	}
	if pl.Prefilter != "" {
		fmt.Fprint(w, planLine("Prefilter:", pl.Prefilter))
	}
	switch {
	case pl.ReadsList:
	case pl.NotFollowing > 0 && pl.Following >= 0:
		fmt.Fprint(w, planLine("Saved:", fmt.Sprintf("%d requests: targets you do not follow (your following list has %d accounts)", pl.NotFollowing, pl.Following)))
	case pl.NotFollowing > 0:
		fmt.Fprint(w, planLine("Saved:", fmt.Sprintf("%d requests: targets you do not follow", pl.NotFollowing)))
	}
	st := pl.Status
	pace := fmt.Sprintf("%s until X's headers say otherwise", pl.Rate)
	if st.Observed {
		pace = fmt.Sprintf("X's window: %d/%d left, resets %s", st.Remaining, st.Limit, st.Reset.Local().Format(time.TimeOnly))
	}
	daily := "no daily cap"
	if st.DailyCap > 0 {
		daily = fmt.Sprintf("daily cap %d (%d used in the last 24 h)", st.DailyCap, st.DailyUsed)
	}
	fmt.Fprint(w, planLine("Pace:", pace+"; "+daily))
	printCost(w, pl.Cost)
	if pl.Send == 0 && pl.HandlesLeft == 0 {
		fmt.Fprint(w, planLine("Plan:", "nothing to send"))
		return
	}
	line := fmt.Sprintf("unfollow %d accounts", pl.Send)
	switch {
	case pl.ReadsList:
		line = fmt.Sprintf("unfollow up to %d accounts", pl.Send+pl.HandlesLeft)
		if pl.HandlesLeft > 0 {
			line += fmt.Sprintf(" (%d of them @handles)", pl.HandlesLeft)
		}
		line += ": the following list, read once you confirm, skips those you do not follow"
	case pl.HandlesLeft > 0:
		line += fmt.Sprintf(" (and those of the %s still to resolve)", countNoun(pl.HandlesLeft, "@handle", "@handles"))
	}
	if noneThisRun(pl) {
		line += fmt.Sprintf("; none in this run (%s): the next can go at %s (in %s)",
			stopWords(pl.StopBy), pl.NextAt.Local().Format("Mon 15:04"), shortDuration(pl.NextAt.Sub(pl.Now)))
		fmt.Fprint(w, planLine("Plan:", line))
		return
	}
	if pl.Sendable < pl.Send {
		line += fmt.Sprintf("; %d in this run (%s), the rest in later runs", pl.Sendable, stopWords(pl.StopBy))
	}
	fmt.Fprint(w, planLine("Plan:", line))
	fmt.Fprint(w, planLine("Finish:", fmt.Sprintf("about %s (%s)", shortDuration(pl.Finish.Sub(pl.Now)), pl.Finish.Local().Format("Mon 15:04"))))
}

// planLine writes a plan line, label then text, wrapped at 80 columns
// under the text. A label longer than the column ("Prefilter:",
// "Duplicates:") takes room from the first line, not the width.
func planLine(label, text string) string {
	const indent = "          "
	head := fmt.Sprintf("%-9s ", label)
	first := wrapText(text, strings.Repeat(" ", len(head)), helpWidth)
	line, rest, _ := strings.Cut(first, "\n")
	if rest != "" {
		rest = wrapText(rest, indent, helpWidth)
	}
	return head + strings.TrimLeft(line, " ") + "\n" + rest
}

// printCost writes the plan's cost: this run's and the whole job's, and
// what has been spent.
func printCost(w io.Writer, c worker.Cost) {
	var parts []string
	if c.List > 0 {
		parts = append(parts, "following list "+c.List.String())
	}
	if c.Lookups > 0 {
		parts = append(parts, "@handle lookups up to "+c.Lookups.String())
	}
	if c.Unfollowed > 0 {
		parts = append(parts, fmt.Sprintf("%s %s", countNoun(c.Unfollowed, "unfollow", "unfollows"), c.Unfollows))
	}
	about := "about "
	if c.AtMost {
		about = "at most "
	}
	run := "this run " + about + c.Run().String()
	if c.Preparing > 0 {
		// On top of what making the plan cost, which the run's summary
		// counts as spent in this run too.
		run += " more"
	}
	if len(parts) > 0 {
		run += " (" + strings.Join(parts, ", ") + ")"
	}
	job := fmt.Sprintf("the job %s%s in all, %s spent so far", about, c.Job(), c.Spent)
	if c.Preparing > 0 {
		job += fmt.Sprintf(" (%s of it to make this plan)", c.Preparing)
	}
	if c.Budget > 0 {
		job += fmt.Sprintf("; budget %s", c.Budget)
	}
	fmt.Fprint(w, planLine("Cost:", run+"; "+job))
}

// logPlan is printPlan's plan as one "plan" event, for JSON logs: the same
// figures as fields (docs/monitoring.md lists them).
func logPlan(l zerolog.Logger, pl worker.Plan) {
	c, st := pl.Counts, pl.Status
	e := l.Info().Str("event", "plan").
		Str("account", "@"+pl.Account.Username).Str("account_id", pl.Account.ID).Str("queue", pl.Queue).
		Int("total", c.Total).Int("pending", c.Pending).Int("done", c.Done).Int("skipped", c.Skipped).Int("failed", c.Failed).
		Int("resolved", pl.Resolved).Int("not_found", pl.NotFound).Int("handles_left", pl.HandlesLeft).
		Int("duplicates", pl.Duplicates).Int("resumed", pl.Confirmed).
		Int("on_keep_list", pl.Kept).Int("own_account", pl.OwnAccount).
		Int("following", pl.Following).Int("saved", pl.NotFollowing).
		Str("rate", pl.Rate.String()).Bool("window_observed", st.Observed).
		Int("daily_used", st.DailyUsed).Int("daily_cap", st.DailyCap).
		Int("send", pl.Send).Int("sendable", pl.Sendable).
		Str("prefilter", pl.Prefilter).Bool("reads_list", pl.ReadsList).
		Float64("cost_run_usd", pl.Cost.Run().USD()).Float64("cost_job_usd", pl.Cost.Job().USD()).
		Float64("cost_list_usd", pl.Cost.List.USD()).Float64("cost_lookups_usd", pl.Cost.Lookups.USD()).
		Float64("cost_unfollows_usd", pl.Cost.Unfollows.USD()).Int("cost_unfollows", pl.Cost.Unfollowed).
		Float64("cost_later_usd", pl.Cost.Later.USD()).
		Float64("spent_usd", pl.Cost.Spent.USD()).Float64("spent_preparing_usd", pl.Cost.Preparing.USD()).
		Float64("budget_usd", pl.Cost.Budget.USD())
	if st.Observed {
		e = e.Int("window_remaining", st.Remaining).Int("window_limit", st.Limit).Time("window_reset", st.Reset)
	}
	if pl.Sendable < pl.Send {
		e = e.Str("stop_by", string(pl.StopBy))
	}
	if !pl.NextAt.IsZero() {
		e = e.Time("next_at", pl.NextAt)
	}
	if (pl.Send > 0 || pl.HandlesLeft > 0) && !noneThisRun(pl) {
		e = e.Time("finish", pl.Finish).Float64("finish_in_s", seconds(pl.Finish.Sub(pl.Now)))
	}
	e.Msg("plan")
}

// noneThisRun reports whether the plan has targets to send but none can go
// in this run (the deadline comes before the window reopens, the daily cap
// is spent): the run then asks nothing, and stops before sending.
func noneThisRun(pl worker.Plan) bool {
	return pl.Send > 0 && pl.Sendable == 0 && pl.HandlesLeft == 0 && !pl.NextAt.IsZero()
}

func stopWords(s worker.StopReason) string {
	switch s {
	case worker.StopDailyCap:
		return "daily cap"
	case worker.StopDeadline:
		return "--deadline"
	case worker.StopMaxReached:
		return "--max"
	case worker.StopBudget:
		return "--budget"
	}
	return string(s)
}

// runDisplay shows a run's progress: a redrawn line on a terminal, a log
// line per window otherwise. Its counts are this run's, of the targets it
// means to send (runTargets): the plan's figures.
type runDisplay struct {
	log        zerolog.Logger
	bar        *progressBar // nil without a terminal
	total      int
	toSend     int           // targets this run means to send
	per        time.Duration // the rate's window, for the ETA
	roundTrip  time.Duration // a request's time so far (the plan's, then measured), for the ETA
	mu         sync.Mutex
	last       progress
	status     ratelimit.Status
	inFlight   bool          // a request is out
	sentAt     time.Time     // when it went
	answered   int           // requests answered, for roundTrip
	spent      time.Duration // their time
	stopping   bool          // a first signal arrived
	over       bool          // done: the line is gone for good
	stopTicker chan struct{}
	tickerDone chan struct{}
	stopOnce   sync.Once
	// onWindow, if set, is called when the run starts waiting for a window
	// (or the daily cap): once per window.
	onWindow func(worker.Event)
	// Without a terminal: the last progress milestone (this run's
	// answered targets, in tenths of toSend) and when it was logged (zero:
	// none yet; the first event starts the clock).
	milestoneTenth int
	milestoneAt    time.Time
}

// milestoneEvery is the least time between two progress milestones
// without a terminal: a line per 10 % of the run or per minute, whichever
// is rarer.
const milestoneEvery = time.Minute

// runTargets is how many targets this run means to send: the drain's
// (with the @handles Apply resolved), no more than --max, no more than
// the plan's figure for this run when the deadline or a 24-hour limit
// stops it first.
func runTargets(job *worker.Job, o runOptions) int {
	n, pl := job.ToSend(), job.Plan()
	if o.max > 0 {
		n = min(n, o.max)
	}
	if pl.StopBy == worker.StopDeadline || pl.StopBy == worker.StopDailyCap {
		n = min(n, pl.Sendable+n-pl.Send)
	}
	return max(n, 0)
}

// newRunDisplay shows the progress of a run that means to send toSend
// targets (runTargets) on bar, or as log lines when bar is nil; roundTrip
// is the plan's time per request.
func newRunDisplay(bar *progressBar, log zerolog.Logger, o runOptions, toSend int, roundTrip time.Duration) *runDisplay {
	d := &runDisplay{log: log, total: toSend, toSend: toSend, per: o.rate.Per, roundTrip: roundTrip}
	d.last = progress{Total: d.total, WindowLeft: -1}
	if bar != nil {
		d.bar = bar
		d.stopTicker, d.tickerDone = make(chan struct{}), make(chan struct{})
		go d.tick()
	}
	return d
}

// stop is told of a first signal: the run ends once the request in
// flight is answered. While one is out, it says so at once, and the bar
// shows "stopping…" instead of countdowns.
func (d *runDisplay) stop() {
	d.mu.Lock()
	d.stopping, d.last.Stopping = true, true
	inFlight, p, over := d.inFlight, d.last, d.over
	d.mu.Unlock()
	if over {
		return
	}
	if inFlight {
		// (On a terminal the log line clears the bar first.)
		d.log.Warn().Msg("stopping after the request in flight; Ctrl-C again aborts it")
	}
	if d.bar != nil {
		d.bar.Update(p)
	}
}

// stopNotice passes a first signal to the run's display once there is
// one (the signal may come before the drain starts, or after it).
type stopNotice struct {
	mu        sync.Mutex
	d         *runDisplay
	signalled bool
}

// first is trapSignalsThen's first: the run stops after the request in
// flight.
func (n *stopNotice) first() {
	n.mu.Lock()
	n.signalled = true
	d := n.d
	n.mu.Unlock()
	if d != nil {
		d.stop()
	}
}

// attach makes d the display a signal is shown on.
func (n *stopNotice) attach(d *runDisplay) {
	n.mu.Lock()
	n.d = d
	signalled := n.signalled
	n.mu.Unlock()
	if signalled {
		d.stop()
	}
}

// tick redraws every second so countdowns move during long waits.
func (d *runDisplay) tick() {
	defer close(d.tickerDone)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-d.stopTicker:
			return
		case <-t.C:
			d.mu.Lock()
			p := d.last
			d.mu.Unlock()
			d.bar.Update(p)
		}
	}
}

// done stops redrawing and clears the line. It may be called again.
func (d *runDisplay) done() {
	d.mu.Lock()
	d.over = true
	d.mu.Unlock()
	if d.bar == nil {
		return
	}
	d.stopOnce.Do(func() {
		close(d.stopTicker)
		<-d.tickerDone
		d.bar.Clear()
	})
}

// lastStatus is the limiter as the last event saw it.
func (d *runDisplay) lastStatus() ratelimit.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// event is the worker's OnEvent callback.
func (d *runDisplay) event(ev worker.Event) {
	d.mu.Lock()
	d.status = ev.Limiter
	st := ev.Limiter
	d.track(ev)
	p := progress{
		Finished: ev.Done + ev.Failed, Total: d.total, Sent: ev.Sent, Failed: ev.Failed,
		WindowLeft: -1, Stopping: d.stopping,
	}
	if st.Limit > 0 {
		p.WindowLeft, p.WindowLimit, p.Reset = st.Remaining, st.Limit, st.Reset
	}
	if ev.Kind == worker.EventWait {
		p.Waiting = string(ev.Why)
	}
	p.ETA = d.eta(ev, p.Finished)
	d.last = p
	d.mu.Unlock()

	if ev.Kind == worker.EventWait && ev.Wait >= 5*time.Second && d.onWindow != nil {
		d.onWindow(ev)
	}
	if d.bar != nil {
		if ev.Kind == worker.EventResult && ev.Outcome == worker.OutcomeFailed {
			d.bar.Clear()
			d.log.Warn().Str("target", ev.Target.Key()).Str("reason", ev.Reason).Msg("failed")
		}
		d.bar.Update(p)
		return
	}
	// Without a terminal: log lines only, never a redraw (JSON events, or
	// plain text lines with --log-format text).
	switch {
	case ev.Kind == worker.EventWait && ev.Wait >= 5*time.Second:
		d.log.Info().Str("event", "wait").Str("why", string(ev.Why)).Time("until", ev.Until).Float64("wait_s", seconds(ev.Wait)).
			Int("sent", ev.Sent).Int("done", ev.Done).Int("failed", ev.Failed).
			Int("finished", p.Finished).Int("total", p.Total).Msg("waiting")
	case ev.Kind == worker.EventResult && ev.Outcome == worker.OutcomeFailed:
		d.log.Warn().Str("event", "failed").Str("target", ev.Target.Key()).Str("reason", ev.Reason).Msg("failed")
	case ev.Kind == worker.EventResult:
		d.log.Debug().Str("event", "answer").Str("target", ev.Target.Key()).Str("outcome", string(ev.Outcome)).Str("reason", ev.Reason).Msg("answer")
	}
	if ev.Kind == worker.EventResult {
		d.milestone(ev, p)
	}
}

// milestone logs a "progress" event when this run has answered another
// tenth of its targets and a minute has passed since the last one.
func (d *runDisplay) milestone(ev worker.Event, p progress) {
	if d.milestoneAt.IsZero() {
		d.milestoneAt = ev.At
	}
	if d.toSend <= 0 {
		return
	}
	answered := ev.Done + ev.Failed
	tenth := min(10, answered*10/d.toSend)
	if tenth <= d.milestoneTenth || ev.At.Sub(d.milestoneAt) < milestoneEvery {
		return
	}
	d.milestoneTenth, d.milestoneAt = tenth, ev.At
	e := d.log.Info().Str("event", "progress").
		Int("percent", answered*100/d.toSend).Int("answered", answered).Int("to_send", d.toSend).
		Int("sent", ev.Sent).Int("done", ev.Done).Int("failed", ev.Failed).
		Int("finished", p.Finished).Int("total", p.Total)
	if p.WindowLeft >= 0 {
		e = e.Int("window_remaining", p.WindowLeft).Int("window_limit", p.WindowLimit)
	}
	if !p.ETA.IsZero() {
		e = e.Time("eta", p.ETA)
	}
	e.Msg("progress")
}

// track follows the request in flight and measures the requests' time.
// d.mu is held.
func (d *runDisplay) track(ev worker.Event) {
	switch ev.Kind {
	case worker.EventSend:
		d.inFlight, d.sentAt = true, ev.At
	case worker.EventResult, worker.EventStop:
		if d.inFlight && ev.Kind == worker.EventResult {
			d.answered++
			d.spent += max(ev.At.Sub(d.sentAt), 0)
			d.roundTrip = d.spent / time.Duration(d.answered)
		}
		d.inFlight = false
	}
}

// eta estimates when the last request of the run is answered: after what
// the run waits for now (a window, a backoff, a pause), what is left of
// the window, then whole windows, a round trip per request. finished
// counts the targets of this run already finished (a retried target
// counts once, when it finishes).
func (d *runDisplay) eta(ev worker.Event, finished int) time.Time {
	left := d.toSend - finished
	if left <= 0 {
		return time.Time{}
	}
	st, start := ev.Limiter, ev.At
	if ev.Kind == worker.EventWait && ev.Until.After(start) {
		start = ev.Until // a backoff or a pause: nothing goes before it
	}
	if st.Until.After(start) {
		start = st.Until
	}
	if ev.Kind == worker.EventSend {
		left-- // on its way: one round trip
		start = start.Add(d.roundTrip)
	}
	if st.Limit <= 0 || st.Reset.IsZero() {
		return start.Add(time.Duration(left) * d.roundTrip)
	}
	remaining, reset := st.Remaining, st.Reset
	if !reset.After(start) { // a new window by then
		remaining, reset = st.Limit, start.Add(d.per)
	}
	if left <= remaining {
		return start.Add(time.Duration(left) * d.roundTrip)
	}
	windows := (left - remaining - 1) / st.Limit
	last := left - remaining - windows*st.Limit // in the last window
	return reset.Add(time.Duration(windows)*d.per + time.Duration(last)*d.roundTrip)
}
