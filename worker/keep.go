package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

// KeepList is the set of accounts never to unfollow (--keep FILE).
type KeepList struct {
	path    string
	ids     map[string]bool
	handles map[string]bool // lowercased, without '@'
	names   []string        // the @handles as written, for resolve
}

// KeepListError is a keep-list that could not be read. Err is an
// *input.InvalidError (every bad line, FILE:LINE) when the file was read
// but holds invalid entries.
type KeepListError struct {
	Path string
	Err  error
}

func (e *KeepListError) Error() string { return "read keep-list " + e.Path + ": " + e.Err.Error() }

func (e *KeepListError) Unwrap() error { return e.Err }

// ReadKeepList reads a keep-list in any format import reads. Its @handles
// match a target's handle or username; when the run has no following list
// to name the accounts, they are also looked up to match by id.
func ReadKeepList(path string) (*KeepList, error) {
	k := &KeepList{path: path}
	var err error
	if k.ids, k.handles, k.names, err = readAccounts(path); err != nil {
		return nil, &KeepListError{Path: path, Err: err}
	}
	return k, nil
}

// readAccounts reads a list of accounts in any format import reads: its
// ids, its @handles (lower case, without '@') and the handles as written.
func readAccounts(path string) (ids, handles map[string]bool, names []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	ids, handles = map[string]bool{}, map[string]bool{}
	err = input.Read(f, path, input.Auto, input.Options{}, func(e input.Entry) error {
		if e.Handle != "" {
			handles[strings.ToLower(e.Handle)] = true
			names = append(names, e.Handle)
		} else {
			ids[strconv.FormatUint(e.ID, 10)] = true
		}
		return nil
	})
	return ids, handles, names, err
}

// InvalidEntries is the list of bad lines when the keep-list was read but
// holds invalid entries (nil otherwise).
func (e *KeepListError) InvalidEntries() *input.InvalidError {
	var bad *input.InvalidError
	if errors.As(e.Err, &bad) {
		return bad
	}
	return nil
}

func (k *KeepList) has(id, handle, username string) bool {
	if k == nil {
		return false
	}
	return k.ids[id] || (handle != "" && k.handles[strings.ToLower(handle)]) ||
		(username != "" && k.handles[strings.ToLower(username)])
}

// resolve looks the keep-list's @handles up (100 per request, waiting for
// the window) so a kept account is recognised by id too.
func (k *KeepList) resolve(ctx context.Context, log zerolog.Logger, api reader) error {
	if k == nil || len(k.names) == 0 {
		return nil
	}
	users, notFound, err := api.usersBy(ctx, k.names)
	if err != nil {
		return fmt.Errorf("resolve the keep-list's @handles: %w", err)
	}
	for _, u := range users {
		k.ids[u.ID] = true
	}
	for _, nf := range notFound {
		log.Warn().Str("handle", "@"+nf.Username).Msg("keep-list handle not found on X; kept by name only")
	}
	k.names = nil // resolved once
	return nil
}
