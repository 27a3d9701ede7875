package auth

// Adversarial regression tests (see cmd/bulkunfollow/adversary_test.go).

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Failed before its fix. Class 4: the store's lock file (credentials.lock) is opened
// with O_CREATE through flock, which follows a symlink planted at that
// name: Put creates (as the user, mode 0600) whatever file the link names.
// isStoreFile accepts the link because of its name. Expected: the planted
// link is refused or replaced, its target never created or opened.
func TestAdversaryStoreLockDoesNotFollowSymlink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "created-by-the-link")
	if err := os.Symlink(victim, filepath.Join(dir, lockFile)); err != nil {
		t.Fatal(err)
	}
	s := NewStore(dir, nil)
	err := s.Put(context.Background(), testCred("1", "one"))
	if _, serr := os.Lstat(victim); serr == nil {
		t.Errorf("Put (err %v) followed the planted %s symlink and created %s", err, lockFile, victim)
	}
}
