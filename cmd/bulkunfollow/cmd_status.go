package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runStatus(ctx context.Context, e *env, args []string) error {
	return errors.New("status: not implemented yet")
}
