package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runRun(ctx context.Context, e *env, args []string) error {
	return errors.New("run: not implemented yet")
}
