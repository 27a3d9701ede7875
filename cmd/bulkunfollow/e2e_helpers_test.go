package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/queuetest"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the binary the end-to-end tests build.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// builtBinary builds bulkunfollow once per test process, for tests that run
// it as a child process (crash tests kill it).
func builtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "bulkunfollow-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "bulkunfollow")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// world is a simulator with an account that follows some targets, and a
// queue of targets to unfollow.
type world struct {
	sim     *xapisim.Server
	srv     *httptest.Server
	token   string
	me      string
	targets []string // ids in the queue, in order
	queue   string   // queue file
}

const worldUser = "1300000000000000001"

// newWorld starts a simulator (cfg) where the account follows the first
// followed of n targets (the rest exist but are not followed), and imports
// all n into a new queue. wrap, if set, wraps the simulator's handler.
func newWorld(t *testing.T, cfg xapisim.Config, n, followed int, wrap func(http.Handler) http.Handler) *world {
	t.Helper()
	w := &world{sim: xapisim.New(cfg), me: worldUser}
	w.sim.AddUser(worldUser, "crash_tester")
	var follows []string
	var list strings.Builder
	for i := range n {
		id := fmt.Sprintf("%d", int64(1700000000000000000)+int64(i)*7)
		w.sim.AddUser(id, "")
		w.targets = append(w.targets, id)
		if i < followed {
			follows = append(follows, id)
		}
		list.WriteString(id + "\n")
	}
	w.sim.SetFollowing(worldUser, follows)
	var h http.Handler = w.sim
	if wrap != nil {
		h = wrap(h)
	}
	w.srv = httptest.NewServer(h)
	t.Cleanup(w.srv.Close)
	w.token = w.sim.IssueToken(worldUser)
	w.queue = filepath.Join(t.TempDir(), "queue.db")
	q, err := queue.Open(w.queue, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Import(context.Background(), []queue.Source{{Name: "list.txt", R: strings.NewReader(list.String())}}, queue.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return w
}

// counts opens the queue and returns its counts after a consistency check.
func (w *world) counts(t *testing.T) queue.Counts {
	t.Helper()
	q := queuetest.Open(t, w.queue, queue.Options{})
	defer q.Close()
	queuetest.Check(t, q)
	c, err := q.Counts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// env is the child process environment for running against the world.
func (w *world) env() []string {
	return append(os.Environ(),
		"BULKUNFOLLOW_ACCESS_TOKEN="+w.token,
		"BULKUNFOLLOW_API_BASE_URL="+w.srv.URL,
		"BULKUNFOLLOW_QUEUE="+w.queue,
		"BULKUNFOLLOW_CONFIG_DIR="+filepath.Join(filepath.Dir(w.queue), "config"),
	)
}

// bindToAnotherAccount binds the queue at path to an account that is not
// the simulator's signed-in one.
func bindToAnotherAccount(t *testing.T, path string) {
	t.Helper()
	q, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = q.BindAccount("42", "someone_else")
	if cerr := q.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}
