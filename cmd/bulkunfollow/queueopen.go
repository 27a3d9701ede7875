package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// openQueue opens the queue file for a command, creating it unless
// readOnly (a read-only open needs the file). command names the writer in
// the queue's status snapshot and in the error another process gets ("run",
// "import", ...). Failures come back mapped to exit codes with a hint:
// queue in use → 75; missing, unreadable, damaged or newer queue → 1.
func openQueue(path, command string, readOnly bool) (*queue.Store, error) {
	s, err := queue.Open(path, queue.Options{ReadOnly: readOnly, Command: command})
	if err != nil {
		return nil, queueError(path, err)
	}
	return s, nil
}

// openExistingQueue opens an existing queue for writing (retry, run): a
// missing file is an error, not a new empty queue.
func openExistingQueue(path, command string) (*queue.Store, error) {
	if !queueExists(path) {
		return nil, queueError(path, fs.ErrNotExist)
	}
	return openQueue(path, command, false)
}

// queueError maps an error from opening or reading a queue to an exit code
// and a hint for the person.
func queueError(path string, err error) error {
	var schema *queue.SchemaError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, queue.ErrLocked):
		return withExit(exitTempFail, err,
			`wait for it to finish (or stop it), then run this again; "bulkunfollow status" works meanwhile`)
	case errors.Is(err, fs.ErrNotExist):
		return withExit(exitPerson, fmt.Errorf("queue %s does not exist", path),
			fmt.Sprintf("create it with: bulkunfollow import --queue %s FILE  (or point --queue / BULKUNFOLLOW_QUEUE at yours)", path))
	case errors.As(err, &schema):
		return withExit(exitPerson, err, "install a newer bulkunfollow (the queue file is fine; this version cannot read it)")
	case errors.Is(err, queue.ErrDamaged):
		return withExit(exitPerson, err, "restore the file from a backup, or start a new queue with: bulkunfollow import --queue NEW.db LIST")
	case errors.Is(err, queue.ErrNotQueue):
		return withExit(exitPerson, err, "--queue must name a queue file made by \"bulkunfollow import\" (not an input list, a directory or a device)")
	case errors.Is(err, fs.ErrPermission):
		return withExit(exitPerson, err, "check the permissions of the queue file and its directory")
	}
	return withExit(exitPerson, err, "")
}

// closeQueue closes s, keeping the first error.
func closeQueue(s *queue.Store, err *error) {
	if cerr := s.Close(); cerr != nil && *err == nil {
		*err = withExit(exitPerson, cerr, "")
	}
}

// queueExists reports whether path exists (any error other than "not
// there" counts as existing: opening it will report the problem).
func queueExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
