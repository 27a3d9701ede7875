package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// plan is what run is about to do, shown before it asks.
type plan struct {
	account  string
	queue    string
	counts   queue.Counts
	prep     *preparation
	send     int               // pending targets to send
	sendable int               // of those, how many this run can send (max, deadline, daily cap)
	stopBy   worker.StopReason // why not all, if not all
	finish   time.Time         // estimated time of the last request of this run
	rate     ratelimit.Rate    // the pace
	status   ratelimit.Status  // the limiter now (restored window, daily use)
	now      time.Time
}

// makePlan estimates the run: how many requests, and when the last one goes,
// by stepping a copy of the limiter through them.
func makePlan(me apiclient.User, path string, c queue.Counts, p *preparation, lim *ratelimit.Limiter, now time.Time, o runOptions, deadline time.Time) plan {
	pl := plan{
		account: fmt.Sprintf("@%s (%s)", me.Username, me.ID),
		queue:   path, counts: c, prep: p, send: p.toSend,
		rate: o.rate, status: lim.Status(now), now: now,
	}
	n := p.toSend
	if o.max > 0 && o.max < n {
		n, pl.stopBy = o.max, worker.StopMaxReached
	}
	sendable, finish, stop := estimateDrain(lim.Clone(), now, n, deadline, o.jitter/2)
	pl.sendable, pl.finish = sendable, finish
	if stop != "" {
		pl.stopBy = stop
	}
	return pl
}

// estimateDrain steps lim through n requests from now and returns how many
// fit before a stop (daily cap, deadline) and when the last one goes.
// pause is the expected extra pause before each request (half of --jitter).
func estimateDrain(lim *ratelimit.Limiter, now time.Time, n int, deadline time.Time, pause time.Duration) (int, time.Time, worker.StopReason) {
	last := now
	for i := 0; i < n; i++ {
		d, why := lim.Delay(now)
		if worker.StopsForDaily(d, why, false) {
			return i, last, worker.StopDailyCap
		}
		d += pause // the worker's jitter comes after the limiter's wait
		if !deadline.IsZero() && !now.Add(d).Before(deadline) {
			return i, last, worker.StopDeadline
		}
		now = now.Add(d)
		lim.Take(now)
		last = now
	}
	return n, last, ""
}

func (pl plan) print(w io.Writer) {
	c := pl.counts
	fmt.Fprintf(w, "Account:  %s\n", pl.account)
	fmt.Fprintf(w, "Queue:    %s — %d targets: %d pending, %d done, %d skipped, %d failed\n",
		pl.queue, c.Total, c.Pending, c.Done, c.Skipped, c.Failed)
	p := pl.prep
	if n := len(p.resolved) + len(p.unknown); n > 0 || p.handlesLeft > 0 {
		fmt.Fprintf(w, "Handles:  %d resolved, %d not found on X", len(p.resolved), len(p.unknown))
		if p.handlesLeft > 0 {
			fmt.Fprintf(w, "; %d more are resolved after you confirm (100 per request, at X's users/by pace), then sent in input order", p.handlesLeft)
		}
		fmt.Fprintln(w)
	}
	if n := len(p.duplicates); n > 0 {
		fmt.Fprintf(w, "Duplicates: %d @handles name accounts already in the queue (skipped)\n", n)
	}
	if n := len(p.confirmed); n > 0 {
		fmt.Fprintf(w, "Resumed:  %d already unfollowed by a request of an interrupted run\n", n)
	}
	if n := len(p.skips[queue.ReasonKept]); n > 0 {
		fmt.Fprintf(w, "Kept:     %d on the keep-list\n", n)
	}
	if n := len(p.skips[queue.ReasonOwnAccount]); n > 0 {
		fmt.Fprintf(w, "Skipped:  %d (the account itself)\n", n)
	}
	switch {
	case p.following >= 0:
		fmt.Fprintf(w, "Saved:    %d requests: targets you do not follow (your following list has %d accounts)\n", p.saved(), p.following)
	case p.prefilterNote != "":
		fmt.Fprintf(w, "Prefilter: %s\n", p.prefilterNote)
	}
	st := pl.status
	pace := fmt.Sprintf("%s until X's headers say otherwise", pl.rate)
	if st.Observed {
		pace = fmt.Sprintf("X's window: %d/%d left, resets %s", st.Remaining, st.Limit, st.Reset.Local().Format(time.TimeOnly))
	}
	daily := "no daily cap"
	if st.DailyCap > 0 {
		daily = fmt.Sprintf("daily cap %d (%d used in the last 24 h)", st.DailyCap, st.DailyUsed)
	}
	fmt.Fprintf(w, "Pace:     %s; %s\n", pace, daily)
	if pl.send == 0 && p.handlesLeft == 0 {
		fmt.Fprintf(w, "Plan:     nothing to send\n")
		return
	}
	fmt.Fprintf(w, "Plan:     unfollow %d accounts", pl.send)
	if p.handlesLeft > 0 {
		fmt.Fprintf(w, " (and those of the %d @handles still to resolve)", p.handlesLeft)
	}
	if pl.sendable < pl.send {
		fmt.Fprintf(w, "; %d in this run (%s), the rest in later runs", pl.sendable, stopWords(pl.stopBy))
	}
	fmt.Fprintf(w, "\nFinish:   about %s (%s)\n", shortDuration(pl.finish.Sub(pl.now)), pl.finish.Local().Format("Mon 15:04"))
}

func stopWords(s worker.StopReason) string {
	switch s {
	case worker.StopDailyCap:
		return "daily cap"
	case worker.StopDeadline:
		return "--deadline"
	case worker.StopMaxReached:
		return "--max"
	}
	return string(s)
}

// runDisplay shows a run's progress: a redrawn line on a terminal, a log
// line per window otherwise.
type runDisplay struct {
	log        zerolog.Logger
	bar        *progressBar // nil without a terminal
	total      int
	finished0  int           // finished targets when the run started
	toSend     int           // targets this run means to send
	per        time.Duration // the rate's window, for the ETA
	mu         sync.Mutex
	last       progress
	status     ratelimit.Status
	stopTicker chan struct{}
	tickerDone chan struct{}
	stopOnce   sync.Once
	// onWindow, if set, is called when the run starts waiting for a window
	// (or the daily cap): once per window.
	onWindow func(worker.Event)
}

// newRunDisplay shows progress on bar, or as log lines when bar is nil.
func newRunDisplay(bar *progressBar, log zerolog.Logger, o runOptions, c queue.Counts, toSend int) *runDisplay {
	d := &runDisplay{log: log, total: c.Total, finished0: c.Done + c.Skipped + c.Failed, toSend: toSend, per: o.rate.Per}
	d.last = progress{Finished: d.finished0, Total: d.total, WindowLeft: -1}
	if bar != nil {
		d.bar = bar
		d.stopTicker, d.tickerDone = make(chan struct{}), make(chan struct{})
		go d.tick()
	}
	return d
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
	p := progress{
		Finished: d.finished0 + ev.Done + ev.Failed, Total: d.total, Sent: ev.Sent, Failed: ev.Failed,
		WindowLeft: -1,
	}
	if st.Limit > 0 {
		p.WindowLeft, p.WindowLimit, p.Reset = st.Remaining, st.Limit, st.Reset
	}
	if ev.Kind == worker.EventWait {
		p.Waiting = string(ev.Why)
	}
	p.ETA = d.eta(ev.At, ev.Sent, st)
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
	switch {
	case ev.Kind == worker.EventWait && ev.Wait >= 5*time.Second:
		d.log.Info().Str("why", string(ev.Why)).Time("until", ev.Until).Str("wait", ev.Wait.Round(time.Second).String()).
			Int("sent", ev.Sent).Int("done", ev.Done).Int("failed", ev.Failed).
			Int("finished", p.Finished).Int("total", p.Total).Msg("waiting")
	case ev.Kind == worker.EventResult && ev.Outcome == worker.OutcomeFailed:
		d.log.Warn().Str("target", ev.Target.Key()).Str("reason", ev.Reason).Msg("failed")
	case ev.Kind == worker.EventResult:
		d.log.Debug().Str("target", ev.Target.Key()).Str("outcome", string(ev.Outcome)).Str("reason", ev.Reason).Msg("answer")
	}
}

// eta estimates when the last request goes: what is left of the window now,
// then whole windows.
func (d *runDisplay) eta(now time.Time, sent int, st ratelimit.Status) time.Time {
	left := d.toSend - sent
	if left <= 0 {
		return time.Time{}
	}
	if st.Limit <= 0 || st.Reset.IsZero() || left <= st.Remaining {
		return now
	}
	windows := (left - st.Remaining - 1) / st.Limit
	return st.Reset.Add(time.Duration(windows) * d.per)
}
