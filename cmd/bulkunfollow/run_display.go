package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// printPlan shows what the run is about to do, before it asks.
func printPlan(w io.Writer, pl worker.Plan) {
	c := pl.Counts
	fmt.Fprintf(w, "Account:  @%s (%s)\n", pl.Account.Username, pl.Account.ID)
	fmt.Fprintf(w, "Queue:    %s — %d targets: %d pending, %d done, %d skipped, %d failed\n",
		pl.Queue, c.Total, c.Pending, c.Done, c.Skipped, c.Failed)
	if n := pl.Resolved + pl.NotFound; n > 0 || pl.HandlesLeft > 0 {
		fmt.Fprintf(w, "Handles:  %d resolved, %d not found on X", pl.Resolved, pl.NotFound)
		if pl.HandlesLeft > 0 {
			fmt.Fprintf(w, "; %d more are resolved after you confirm (100 per request, at X's users/by pace), then sent in input order", pl.HandlesLeft)
		}
		fmt.Fprintln(w)
	}
	if n := pl.Duplicates; n > 0 {
		fmt.Fprintf(w, "Duplicates: %d @handles name accounts already in the queue (skipped)\n", n)
	}
	if n := pl.Confirmed; n > 0 {
		fmt.Fprintf(w, "Resumed:  %d already unfollowed by a request of an interrupted run\n", n)
	}
	if n := pl.Kept; n > 0 {
		fmt.Fprintf(w, "Kept:     %d on the keep-list\n", n)
	}
	if n := pl.OwnAccount; n > 0 {
		fmt.Fprintf(w, "Skipped:  %d (the account itself)\n", n)
	}
	switch {
	case pl.Following >= 0:
		fmt.Fprintf(w, "Saved:    %d requests: targets you do not follow (your following list has %d accounts)\n", pl.NotFollowing, pl.Following)
	case pl.PrefilterNote != "":
		fmt.Fprintf(w, "Prefilter: %s\n", pl.PrefilterNote)
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
	fmt.Fprintf(w, "Pace:     %s; %s\n", pace, daily)
	if pl.Send == 0 && pl.HandlesLeft == 0 {
		fmt.Fprintf(w, "Plan:     nothing to send\n")
		return
	}
	fmt.Fprintf(w, "Plan:     unfollow %d accounts", pl.Send)
	if pl.HandlesLeft > 0 {
		fmt.Fprintf(w, " (and those of the %d @handles still to resolve)", pl.HandlesLeft)
	}
	if pl.Sendable < pl.Send {
		fmt.Fprintf(w, "; %d in this run (%s), the rest in later runs", pl.Sendable, stopWords(pl.StopBy))
	}
	fmt.Fprintf(w, "\nFinish:   about %s (%s)\n", shortDuration(pl.Finish.Sub(pl.Now)), pl.Finish.Local().Format("Mon 15:04"))
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
