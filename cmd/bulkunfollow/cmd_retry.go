package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runRetry(ctx context.Context, e *env, args []string) error {
	return errors.New("retry: not implemented yet")
}
