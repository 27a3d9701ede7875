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
func (e *env) trapSignals(ctx context.Context, abort func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 2)
	if e.notify != nil {
		e.notify(ch)
	} else {
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			// Stop catching: if the abort itself hangs (a refresh on the
			// wire, a slow disk), the next signal ends the process.
			if e.notify == nil {
				signal.Reset(os.Interrupt, syscall.SIGTERM)
			}
			abort()
		case <-done:
		}
	}()
	return ctx, func() {
		if e.notify == nil {
			signal.Stop(ch)
		}
		close(done)
		cancel()
	}
}
