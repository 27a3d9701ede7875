package main

import (
	"context"
	"errors"
)

// TODO(bootstrap): replaced by the real command.
func runImport(ctx context.Context, e *env, args []string) error {
	return errors.New("import: not implemented yet")
}
