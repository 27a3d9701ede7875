package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runDemo(ctx context.Context, e *env, args []string) error {
	return errors.New("demo: not implemented yet")
}
