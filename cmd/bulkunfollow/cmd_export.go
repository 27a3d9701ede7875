package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runExport(ctx context.Context, e *env, args []string) error {
	return errors.New("export: not implemented yet")
}
