package main

import (
	"context"
	"fmt"
)

func runRetry(ctx context.Context, c *cli, args []string) (err error) {
	fs := c.newFlagSet("retry", "", `
Move every failed target back to pending, with its attempts reset, so the next
"bulkunfollow run" tries it again. The last error is kept for reference
(bulkunfollow export --state pending shows it), and so is the mark of a target
whose unfollow may already have reached X: if the following list no longer
holds it, the next run records it done instead of sending it again.

All or nothing: every failed target moves in one transaction, or none does (a
killed retry changes nothing). With nothing failed, the queue is not written.`,
		"bulkunfollow retry && bulkunfollow run",
		"bulkunfollow retry --queue nightly.db",
	)
	queuePath := fs.queueFlag()
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("retry: unexpected argument %q", fs.Args()[0]).withHint("bulkunfollow retry --queue " + fs.Args()[0])
	}
	s, err := openExistingQueue(*queuePath, "retry")
	if err != nil {
		return err
	}
	defer closeQueue(s, &err)
	// Retry is one transaction: a signal during it is held until it has
	// committed or rolled back, so the queue is never half moved.
	_, stop := c.trapSignals(ctx, func() {})
	defer stop()
	n, err := s.Retry()
	if err != nil {
		return withExit(exitPerson, err, "")
	}
	if n == 0 {
		fmt.Fprintln(c.stdout, "No failed targets: nothing to retry.")
		return nil
	}
	fmt.Fprintf(c.stdout, "Moved %s back to pending. Next: %s\n", countNoun(n, "failed target", "failed targets"), c.hints.command("run"))
	return nil
}
