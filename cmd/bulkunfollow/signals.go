package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// trapSignals returns a context that is cancelled by the first SIGINT or
// SIGTERM (stop taking work, checkpoint, exit 75). The second signal calls
// abort, which must make the work end at once; from then on signals are no
// longer caught, so a third one kills the process. stop releases them.
func (c *cli) trapSignals(ctx context.Context, abort func()) (context.Context, func()) {
	return c.trapSignalsThen(ctx, nil, abort)
}

// trapSignalsThen is trapSignals that also calls first, if set, right after
// the first signal cancelled the context: the moment to tell the person
// what happens next.
func (c *cli) trapSignalsThen(ctx context.Context, first, abort func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 2)
	done := make(chan struct{})
	acted := func() {
		if c.signalled != nil {
			c.signalled()
		}
	}
	go func() {
		select {
		case <-ch:
			cancel()
			if first != nil {
				first()
			}
			acted()
		case <-done:
			return
		}
		select {
		case <-ch:
			// Stop catching: if the abort itself hangs (a refresh on the
			// wire, a slow disk), the next signal ends the process.
			if c.notify == nil {
				signal.Reset(os.Interrupt, syscall.SIGTERM)
			}
			abort()
			acted()
		case <-done:
		}
	}()
	// Caught from here on. (The goroutine above is already waiting, so a
	// test's notify may deliver a signal and wait until it was acted on.)
	if c.notify != nil {
		c.notify(ch)
	} else {
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	}
	return ctx, func() {
		if c.notify == nil {
			signal.Stop(ch)
		}
		close(done)
		cancel()
	}
}
