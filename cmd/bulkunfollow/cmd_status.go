package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
)

func runStatus(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("status", "", `
Show the queue: targets per state, the account it belongs to, the run holding
it (if any) and the last run. It works while a run is going: the figures then
come from the run's last checkpoint. --json prints one JSON object whose
schema is stable (docs/queue.md).`,
		"bulkunfollow status",
		"bulkunfollow status --queue nightly.db --json | jq .pending",
	)
	queuePath := fs.queueFlag()
	asJSON := fs.Bool("json", false, "print one JSON object (stable schema, see docs/queue.md)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("status: unexpected argument %q", fs.Args()[0]).withHint("bulkunfollow status --queue " + fs.Args()[0])
	}
	st, err := queue.ReadStatus(*queuePath)
	if err != nil {
		return queueError(*queuePath, err)
	}
	if *asJSON {
		b, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		_, err = fmt.Fprintf(c.stdout, "%s\n", b)
		return err
	}
	printQueueStatus(c.stdout, st, time.Now(), &c.hints)
	return nil
}

// printQueueStatus writes st for a person; with next, also the commands to
// type next, with its flags.
func printQueueStatus(w io.Writer, st queue.Status, now time.Time, next *hintFlags) {
	fmt.Fprintf(w, "Queue:     %s\n", absPath(st.Queue))
	if st.Account != nil {
		fmt.Fprintf(w, "Account:   %s\n", queueAccountLabel(st.Account.ID, st.Account.Username))
	} else {
		fmt.Fprintf(w, "Account:   not bound yet (the first run binds it)\n")
	}
	fmt.Fprintf(w, "Targets:   %s\n", queueCountsLine(st))
	if st.ActiveRun != nil {
		who := "a run"
		if st.ActiveRun.Command != "" {
			who = `"bulkunfollow ` + st.ActiveRun.Command + `"`
		}
		fmt.Fprintf(w, "Now:       %s is using the queue (pid %d, since %s)\n", who, st.ActiveRun.PID, statusClock(st.ActiveRun.Since, now))
	}
	if st.FromSnapshot {
		fmt.Fprintf(w, "           figures as of %s, its last checkpoint\n", statusClock(st.AsOf, now))
	}
	if r := st.LastRun; r != nil {
		line := "started " + statusClock(r.Started, now)
		if !r.Ended.IsZero() {
			line += ", ended " + statusClock(r.Ended, now)
		}
		if r.Outcome != "" {
			line += ", " + r.Outcome
			if r.ExitCode != 0 {
				line += fmt.Sprintf(" (exit %d)", r.ExitCode)
			}
		}
		line += fmt.Sprintf(": %d sent, %d done, %d skipped, %d failed", r.Attempted, r.Done, r.Skipped, r.Failed)
		fmt.Fprintf(w, "Last run:  %s\n", line)
		if r.Message != "" {
			fmt.Fprintf(w, "           %s\n", r.Message)
		}
	} else {
		fmt.Fprintf(w, "Last run:  none yet\n")
	}
	if rl := rateLimitLine(st.RateLimit, now); rl != "" {
		fmt.Fprintf(w, "Rate:      %s\n", rl)
	}
	switch {
	case next == nil, st.ActiveRun != nil:
	case st.Pending > 0:
		fmt.Fprintf(w, "Next:      %s\n", next.command("run"))
	case st.Failed > 0:
		fmt.Fprintf(w, "Next:      %s   (why they failed)\n", next.command("export", "--state failed"))
		fmt.Fprintf(w, "           %s && %s   (to try them again)\n", next.command("retry"), next.command("run"))
	}
}

func queueAccountLabel(id, username string) string {
	if username != "" {
		return fmt.Sprintf("@%s (id %s)", username, id)
	}
	return "id " + id
}

// statusClock formats t in local time, with the date unless it is today.
func statusClock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// rateLimitLine summarises the worker's persisted rate-limit state (the
// queue's "ratelimit" meta key, JSON of ratelimit.State), read back through
// the limiter itself so status and run agree on what it means.
func rateLimitLine(raw json.RawMessage, now time.Time) string {
	if len(raw) == 0 {
		return ""
	}
	lim, err := ratelimit.FromJSON(raw)
	if err != nil {
		return ""
	}
	s := lim.Status(now)
	var parts []string
	if s.Observed && s.Limit > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s left in X's window", s.Remaining, countNoun(s.Limit, "request", "requests")))
	}
	if !s.Reset.IsZero() && s.Reset.After(now) {
		parts = append(parts, fmt.Sprintf("next reset %s (in %s)", statusClock(s.Reset, now), s.Reset.Sub(now).Round(time.Second)))
	}
	if s.DailyUsed > 0 {
		parts = append(parts, countNoun(s.DailyUsed, "unfollow request", "unfollow requests")+" in the last 24 hours")
	}
	return strings.Join(parts, ", ")
}
