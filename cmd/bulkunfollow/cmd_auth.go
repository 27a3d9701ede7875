package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runAuth(ctx context.Context, e *env, args []string) error {
	return errors.New("auth: not implemented yet")
}
