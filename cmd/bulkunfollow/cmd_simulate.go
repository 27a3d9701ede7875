package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runSimulate(ctx context.Context, e *env, args []string) error {
	return errors.New("simulate: not implemented yet")
}
