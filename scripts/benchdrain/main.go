// Command benchdrain measures how close "bulkunfollow run" drains to the
// server's own rate limit, with the simulator and the tool as separate
// processes:
//
//   - drain: N followed targets, simulator limit L per window W,
//     run --rate L/W --daily-cap 0 --yes; prints wall time next to the ideal
//     the server allows ((ceil(N/L)-1) windows), 429s served and DELETEs.
//   - restart: the same, but the first run is stopped mid-window (by --max
//     and by SIGINT) and started again at once; prints the 429s served.
//
// Usage: go run ./scripts/benchdrain [-n 300] [-limit 50] [-window 10s] [-bin PATH]
// (scripts/bench-drain.sh builds the binary and runs this.)
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bulkunfollow/bulkunfollow/scripts/internal/simproc"
)

func main() {
	n := flag.Int("n", 300, "followed targets")
	limit := flag.Int("limit", 50, "simulator unfollow limit per window")
	window := flag.Duration("window", 10*time.Second, "simulator window")
	bin := flag.String("bin", "bulkunfollow", "bulkunfollow binary")
	scenario := flag.String("scenario", "all", "drain, restart or all")
	flag.Parse()
	if err := run(*bin, *scenario, *n, *limit, *window); err != nil {
		fmt.Fprintln(os.Stderr, "benchdrain:", err)
		os.Exit(1)
	}
}

func run(bin, scenario string, n, limit int, window time.Duration) error {
	dir, err := os.MkdirTemp("", "benchdrain-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var ids strings.Builder
	for i := range n {
		fmt.Fprintf(&ids, "%d\n", int64(1234500000000000000)+int64(i)*13)
	}
	idsFile := filepath.Join(dir, "ids.txt")
	if err := os.WriteFile(idsFile, []byte(ids.String()), 0o600); err != nil {
		return err
	}
	ideal := time.Duration((n+limit-1)/limit-1) * window
	if scenario == "drain" || scenario == "all" {
		if err := drain(bin, dir, idsFile, n, limit, window, ideal); err != nil {
			return fmt.Errorf("drain: %w", err)
		}
	}
	if scenario == "restart" || scenario == "all" {
		for _, how := range []string{"max", "sigint"} {
			if err := restart(bin, dir, idsFile, n, limit, window, how); err != nil {
				return fmt.Errorf("restart (%s): %w", how, err)
			}
		}
	}
	return nil
}

// sim is a running "bulkunfollow simulate".
type sim struct{ *simproc.Sim }

func startSim(bin, idsFile string, limit int, window time.Duration) (*sim, error) {
	s, err := simproc.Start(bin, "--following-file", idsFile, "--unfollow-limit", fmt.Sprint(limit), "--window", window.String())
	if err != nil {
		return nil, err
	}
	return &sim{s}, nil
}

func (s *sim) stop() { s.Stop() }

type stats struct {
	UnfollowCalls  int `json:"unfollow_calls"`
	RateLimited    int `json:"rate_limited"`
	FollowingCount int `json:"following_count"`
}

func (s *sim) stats() (stats, error) {
	var st stats
	return st, s.Stats(&st)
}

// tool runs bulkunfollow against s with queue q.
func (s *sim) tool(bin, q string, args ...string) *exec.Cmd { return s.Tool(bin, q, args...) }

func importIDs(s *sim, bin, q, idsFile string) error {
	if out, err := s.tool(bin, q, "import", idsFile).CombinedOutput(); err != nil {
		return fmt.Errorf("import: %v\n%s", err, out)
	}
	return nil
}

func runArgs(limit int, window time.Duration, extra ...string) []string {
	return append([]string{"run", "--rate", fmt.Sprintf("%d/%s", limit, window), "--daily-cap", "0", "--yes"}, extra...)
}

func drain(bin, dir, idsFile string, n, limit int, window, ideal time.Duration) error {
	s, err := startSim(bin, idsFile, limit, window)
	if err != nil {
		return err
	}
	defer s.stop()
	q := filepath.Join(dir, "drain.db")
	if err := importIDs(s, bin, q, idsFile); err != nil {
		return err
	}
	cmd := s.tool(bin, q, runArgs(limit, window)...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return fmt.Errorf("run: %v\n%s", err, out)
	}
	st, err := s.stats()
	if err != nil {
		return err
	}
	fmt.Printf("drain:   %d targets, limit %d per %s\n", n, limit, window)
	fmt.Printf("  wall time     %8.2fs   (whole run: start, /2/users/me, following list, %d DELETEs)\n", wall.Seconds(), n)
	fmt.Printf("  ideal         %8.2fs   (%d waits of one window)\n", ideal.Seconds(), int(ideal/window))
	fmt.Printf("  ratio         %8.3f    (target <= 1.05)\n", wall.Seconds()/ideal.Seconds())
	fmt.Printf("  429s served   %8d    (target 0)\n", st.RateLimited)
	fmt.Printf("  DELETEs       %8d    (target %d)\n", st.UnfollowCalls, n)
	fmt.Printf("  still followed %7d\n", st.FollowingCount)
	return nil
}

// restart stops a run mid-window, by --max or by SIGINT, and starts it
// again at once: the second run must wait for the window it knows is spent
// instead of spending a 429 to learn it.
func restart(bin, dir, idsFile string, n, limit int, window time.Duration, how string) error {
	s, err := startSim(bin, idsFile, limit, window)
	if err != nil {
		return err
	}
	defer s.stop()
	q := filepath.Join(dir, "restart-"+how+".db")
	if err := importIDs(s, bin, q, idsFile); err != nil {
		return err
	}
	first := limit + limit/2 // stops in the middle of the second window
	var firstExit int
	start := time.Now()
	switch how {
	case "max":
		err := s.tool(bin, q, runArgs(limit, window, "--max", fmt.Sprint(first))...).Run()
		firstExit = simproc.ExitCode(err)
	case "sigint":
		cmd := s.tool(bin, q, runArgs(limit, window)...)
		if err := cmd.Start(); err != nil {
			return err
		}
		// Wait until the run is in its second window, then interrupt it.
		for {
			st, err := s.stats()
			if err != nil {
				return err
			}
			if st.UnfollowCalls >= first {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		firstExit = simproc.ExitCode(cmd.Wait())
	}
	mid, err := s.stats()
	if err != nil {
		return err
	}
	out, err := s.tool(bin, q, runArgs(limit, window)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("second run: %v\n%s", err, out)
	}
	wall := time.Since(start)
	st, err := s.stats()
	if err != nil {
		return err
	}
	fmt.Printf("restart (%s): first run stopped after %d DELETEs (exit %d), second run started at once\n", how, mid.UnfollowCalls, firstExit)
	fmt.Printf("  429s served   %8d    (target 0)\n", st.RateLimited)
	fmt.Printf("  DELETEs       %8d    (%d targets)\n", st.UnfollowCalls, n)
	fmt.Printf("  wall time     %8.2fs   (ideal %.0fs)\n", wall.Seconds(), (time.Duration((n+limit-1)/limit-1) * window).Seconds())
	return nil
}
