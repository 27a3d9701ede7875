package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/ratelimit"
	"github.com/bulkunfollow/bulkunfollow/spend"
	"github.com/bulkunfollow/bulkunfollow/worker"
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
	pricesFlag := fs.String("prices", "", "X's prices for the estimate of what is left, as run takes them (default: X's published prices)")
	if err := fs.parse(args); err != nil {
		return err
	}
	prices, err := spend.ParsePrices(*pricesFlag)
	if err != nil {
		return usageErrorf("status: --prices: %v", err).withHint("bulkunfollow status --prices unfollow=0.010")
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("status: unexpected argument %q", fs.Args()[0]).withHint("bulkunfollow status --queue " + fs.Args()[0])
	}
	st, err := queue.ReadStatus(*queuePath)
	if err != nil {
		return queueError(*queuePath, err)
	}
	remaining := remainingCost(st, prices)
	if *asJSON {
		b, err := json.Marshal(statusJSON{Status: st, EstimatedRemainingUSD: remaining.USD()})
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		_, err = fmt.Fprintf(c.stdout, "%s\n", b)
		return err
	}
	printQueueStatus(c.stdout, st, remaining, time.Now(), &c.hints)
	return nil
}

// remainingCost is the estimate of what st's pending targets will cost.
func remainingCost(st queue.Status, prices spend.Prices) spend.Amount {
	return worker.RemainingCost(queue.Counts{Pending: st.Pending, Unresolved: st.Unresolved}, st.Following != nil, prices)
}

// statusJSON is what status --json prints: the queue's status and the
// estimate of what its pending targets will cost.
type statusJSON struct {
	queue.Status
	// EstimatedRemainingUSD is at most what the pending targets will cost
	// (an unfollow each, a lookup per unresolved @handle without a
	// following snapshot).
	EstimatedRemainingUSD float64 `json:"estimated_remaining_usd"`
}

// printSpend writes what the job has spent and what is left.
func printSpend(w io.Writer, st queue.Status, remaining spend.Amount, now time.Time) {
	spent := spend.Amount(math.Round(st.SpentUSD * 1e6))
	line := fmt.Sprintf("%s spent", spent)
	var parts []string
	for _, k := range spend.Kinds {
		if ks, ok := st.Spend[string(k)]; ok && ks.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", spendKindWords(k, ks.Count), spend.Amount(ks.MicroUSD)))
		}
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	if st.Pending > 0 {
		line += fmt.Sprintf("; what is left may cost up to %s", remaining)
	}
	fmt.Fprint(w, statusLine("Spent:", line))
	if f := st.Following; f != nil {
		fmt.Fprint(w, statusLine("Following:", fmt.Sprintf("%s in the list read %s; %d unfollowed since",
			countNoun(f.Count, "account", "accounts"), statusClock(f.At, now), f.UnfollowedSince)))
	}
}

// spendKindWords names n resources of price kind k.
func spendKindWords(k spend.Kind, n int) string {
	switch k {
	case spend.Unfollow:
		return countNoun(n, "unfollow", "unfollows")
	case spend.UserRead:
		return countNoun(n, "account lookup", "account lookups")
	case spend.FollowingRead:
		return countNoun(n, "following-list account", "following-list accounts")
	case spend.OwnedRead:
		return countNoun(n, "following-list account (Owned Read)", "following-list accounts (Owned Reads)")
	case spend.PostRead:
		return countNoun(n, "post read (a last-post date)", "posts read (last-post dates)")
	}
	return fmt.Sprintf("%d %s", n, k)
}

// printQueueStatus writes st for a person (remaining: the estimate of what
// its pending targets will cost); with next, also the commands to type
// next, with its flags.
func printQueueStatus(w io.Writer, st queue.Status, remaining spend.Amount, now time.Time, next *hintFlags) {
	fmt.Fprintf(w, "Queue:     %s\n", absPath(st.Queue))
	if st.Account != nil {
		fmt.Fprintf(w, "Account:   %s\n", queueAccountLabel(st.Account.ID, st.Account.Username))
	} else {
		fmt.Fprintf(w, "Account:   not bound yet (the first run binds it)\n")
	}
	fmt.Fprint(w, statusLine("Targets:", queueCountsLine(st)))
	if st.ActiveRun != nil {
		who := "a run"
		if st.ActiveRun.Command != "" {
			who = `"bulkunfollow ` + st.ActiveRun.Command + `"`
		}
		fmt.Fprint(w, statusLine("Now:", fmt.Sprintf("%s is using the queue (pid %d, since %s)", who, st.ActiveRun.PID, statusClock(st.ActiveRun.Since, now))))
	}
	if st.FromSnapshot {
		fmt.Fprint(w, statusLine("", fmt.Sprintf("figures as of %s, its last checkpoint", statusClock(st.AsOf, now))))
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
		fmt.Fprint(w, statusLine("Last run:", line))
		if r.Message != "" {
			fmt.Fprint(w, statusLine("", r.Message))
		}
	} else {
		fmt.Fprintf(w, "Last run:  none yet\n")
	}
	if rl := rateLimitLine(st.RateLimit, now); rl != "" {
		fmt.Fprint(w, statusLine("Rate:", rl))
	}
	printSpend(w, st, remaining, now)
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

// statusLine writes a status line, label then text, wrapped at 80 columns
// under the text.
func statusLine(label, text string) string {
	return fitText(fmt.Sprintf("%-10s ", label), text)
}
