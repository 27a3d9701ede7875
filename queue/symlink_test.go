package queue

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// A symlink planted where the old writers put their temporary files
// (PATH.status.tmp, PATH.import.tmp) is never followed: the file it points
// to is unchanged after imports (in place and through a copy) and a
// Record, which all write the status snapshot.
func TestPlantedTempSymlinksAreNotFollowed(t *testing.T) {
	for _, inPlaceMax := range []int{0, -1} {
		t.Run("InPlaceMax="+strconv.Itoa(inPlaceMax), func(t *testing.T) {
			q := newTestQueue(t)
			victim := filepath.Join(t.TempDir(), "victim")
			const content = "precious\n"
			if err := os.WriteFile(victim, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{q.path + ".status.tmp", q.path + ".import.tmp"} {
				if err := os.Symlink(victim, name); err != nil {
					t.Fatal(err)
				}
			}
			opts := ImportOptions{InPlaceMax: inPlaceMax, BatchSize: 2}
			if _, err := q.importText(opts, "1", "2", "3"); err != nil {
				t.Fatal(err)
			}
			if _, err := q.importText(opts, "4", "5"); err != nil {
				t.Fatal(err)
			}
			if err := q.Record(1, Result{State: Done, Reason: "unfollowed"}); err != nil {
				t.Fatal(err)
			}
			q.reopen()
			if b, err := os.ReadFile(victim); err != nil || string(b) != content {
				t.Errorf("victim = %q, %v; want it unchanged", b, err)
			}
			if st, err := readSnapshot(q.path); err != nil || st.Total != 5 {
				t.Errorf("snapshot = %+v, %v", st, err)
			}
			if fi, err := os.Lstat(statusPath(q.path)); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("snapshot is not a regular file: %v, %v", fi, err)
			}
		})
	}
}
