package main

import (
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

var (
	crashKills = flag.Int("crash-kills", 5, "SIGKILLs in TestCrashKillResume (CI runs 5; the long mode is -crash-kills 50)")
	crashSeed  = flag.Uint64("crash-seed", 0, "seed of TestCrashKillResume's kill schedule (0: from the clock; printed)")
)

// killSwitch kills the child process on a chosen DELETE: before the
// simulator sees it (the request is lost) or after the simulator applied it
// but before the answer reaches the child (the answer is lost).
type killSwitch struct {
	mu        sync.Mutex
	proc      *os.Process
	deletes   int
	killAt    int // kill on this DELETE; 0 = never
	afterSim  bool
	delay     time.Duration // > 0: answer normally, kill this long after
	triggered bool
}

func (k *killSwitch) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete {
			h.ServeHTTP(w, r)
			return
		}
		k.mu.Lock()
		k.deletes++
		hit := k.deletes == k.killAt && k.proc != nil
		after, p, delay := k.afterSim, k.proc, k.delay
		if hit {
			k.triggered = true
		}
		k.mu.Unlock()
		if !hit {
			h.ServeHTTP(w, r)
			return
		}
		if delay > 0 {
			time.AfterFunc(delay, func() { _ = p.Kill() })
			h.ServeHTTP(w, r)
			return
		}
		if after {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
		}
		_ = p.Kill()
	})
}

// TestCrashKillResume kills the real binary with SIGKILL at random moments
// while it drains (on a chosen request, before or after the server applied
// it, or at a random time), then runs it to the end. Every target must end
// finished, the server must have received at most one extra DELETE per kill,
// and the queue file must pass its consistency check after every kill.
func TestCrashKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped in -short")
	}
	bin := builtBinary(t)
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (kills %d; replay with -args -crash-seed %d)", seed, *crashKills, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	// Enough targets that every kill lands while work remains.
	followed := 40 * *crashKills
	n := followed + followed/6
	ks := &killSwitch{}
	w := newWorld(t, xapisim.Config{UnfollowLimit: 100000}, n, followed, ks.wrap)
	args := []string{"run", "--yes", "--daily-cap", "0", "--rate", "100000/1s", "--log-format", "json"}

	kills := 0
	for kills < *crashKills {
		cmd := exec.Command(bin, args...)
		cmd.Env = w.env()
		ks.mu.Lock()
		byRequest := rng.IntN(3) > 0
		ks.killAt, ks.afterSim, ks.triggered, ks.delay = 0, rng.IntN(2) == 0, false, 0
		ks.killAt = ks.deletes + 1 + rng.IntN(max(1, followed/(*crashKills+1)))
		if !byRequest {
			// A kill at a random moment after a request: recording its
			// answer, committing, waiting, starting the next one.
			ks.delay = time.Duration(1+rng.IntN(5000)) * time.Microsecond
		}
		ks.mu.Unlock()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ks.mu.Lock()
		ks.proc = cmd.Process
		ks.mu.Unlock()
		err := cmd.Wait()
		ks.mu.Lock()
		ks.proc = nil
		ks.mu.Unlock()
		var exit *exec.ExitError
		if errors.As(err, &exit) && !exit.Exited() {
			kills++
			c := w.counts(t) // consistency check after every kill
			t.Logf("kill %d (%s): %d pending, %d done", kills, map[bool]string{true: "on a request", false: "shortly after a request"}[byRequest], c.Pending, c.Done)
			continue
		}
		if err == nil {
			break // finished before the kill: nothing left to kill
		}
		t.Fatalf("run exited %v (not killed)", err)
	}

	if kills < *crashKills {
		t.Errorf("only %d kills landed before the queue drained, want %d", kills, *crashKills)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = w.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	c := w.counts(t)
	if c.Pending != 0 || c.Done != followed || c.Skipped != n-followed || c.Failed != 0 {
		t.Errorf("counts after resume = %+v, want %d done, %d skipped, none pending or failed", c, followed, n-followed)
	}
	st := w.sim.Stats()
	extra := st.UnfollowCalls - followed
	t.Logf("%d kills: %d DELETEs for %d followed targets (%d extra), %d 429s", kills, st.UnfollowCalls, followed, extra, st.RateLimited)
	if extra < 0 || extra > kills {
		t.Errorf("DELETEs - targets = %d, want between 0 and the %d kills", extra, kills)
	}
	for id, calls := range st.UnfollowCallsByTarget {
		if calls > 1+kills {
			t.Errorf("target %s got %d DELETEs", id, calls)
		}
	}
	if got := w.sim.Following(worldUser); len(got) != 0 {
		t.Errorf("still following %d accounts after the run", len(got))
	}

	// Money: the same job run at once is billed at most a DELETE less per
	// kill, and the queue counted what X billed, plus at most one request
	// per kill whose answer it never saw (counted as paid: it may have
	// been).
	ref := newWorld(t, xapisim.Config{UnfollowLimit: 100000}, n, followed, nil)
	cmd = exec.Command(bin, args...)
	cmd.Env = ref.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	billed, whole := st.BilledMicroUSD, ref.sim.Stats().BilledMicroUSD
	qs, err := queue.ReadStatus(w.queue)
	if err != nil {
		t.Fatal(err)
	}
	spent := int64(math.Round(qs.SpentUSD * 1e6))
	t.Logf("billed %d µ$ after %d kills, %d µ$ uninterrupted; the queue counted %d µ$", billed, kills, whole, spent)
	if billed-whole > int64(kills)*10_000 {
		t.Errorf("%d kills cost %d µ$ more than an uninterrupted run, want at most %d", kills, billed-whole, kills*10_000)
	}
	if spent < billed || spent-billed > int64(kills)*10_000 {
		t.Errorf("the queue counted %d µ$, X billed %d µ$: want the bill plus at most one unanswered request per kill", spent, billed)
	}
}
