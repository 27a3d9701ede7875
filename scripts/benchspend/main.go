// Command benchspend measures what "bulkunfollow run" spends against the
// billing simulator ("bulkunfollow simulate", a separate process), next to
// the cheapest bill any plan could reach knowing which targets are
// followed:
//
//   - mixes: complete jobs (several runs, by --max) over list mixes: mostly
//     followed and largely not followed, the user's own X app and someone
//     else's, ids and @handles (unknown ones too); prints the simulator's
//     billed_usd, the hindsight floor (computed from the mix, not from the
//     tool) and their ratio.
//   - spend: after every run of every job, status --json spent_usd must be
//     the simulator's billed_usd to the cent.
//   - budget: a job run with --budget B over several runs: the bill after
//     each run, never above B, and the exit codes.
//   - signals: a job interrupted by SIGINT mid-drain k times and resumed,
//     next to the same job run at once: at most k × $0.010 more.
//
// It exits 1 if any followed target is left followed (or anything else
// followed is unfollowed), if a figure misses its target, or on any error.
//
// Usage: go run ./scripts/benchspend [-bin PATH] [-limit 50] [-window 1s] [-scenario all]
// (scripts/bench-spend.sh builds the binary and runs this.)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bulkunfollow/bulkunfollow/scripts/internal/simproc"
)

// Prices in millionths of a dollar (X's published table, docs/costs.md).
const (
	unfollowPrice = 10_000 // a DELETE
	lookupPrice   = 10_000 // a user returned by users/me, users/by, users by ids
	listPrice     = 10_000 // a user returned by a following list
	ownedPrice    = 1_000  // the same, the signed-in user's own list with their own app
	ratioTarget   = 1.05
)

func main() {
	bin := flag.String("bin", "bulkunfollow", "bulkunfollow binary")
	limit := flag.Int("limit", 50, "simulator unfollow limit per window")
	window := flag.Duration("window", time.Second, "simulator window")
	scenario := flag.String("scenario", "all", "mixes, budget, signals or all")
	flag.Parse()
	start := time.Now()
	b := &bench{bin: *bin, limit: *limit, window: *window}
	err := b.run(*scenario)
	fmt.Printf("\nwall time %.1fs\n", time.Since(start).Seconds())
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchspend:", err)
		os.Exit(1)
	}
	if b.failures > 0 {
		fmt.Fprintf(os.Stderr, "benchspend: %d figure(s) missed their target\n", b.failures)
		os.Exit(1)
	}
}

// bench holds the settings and what every scenario checked.
type bench struct {
	bin      string
	limit    int
	window   time.Duration
	dir      string
	checked  int      // runs whose spent_usd was compared with billed_usd
	mismatch []string // those that differed
	failures int      // figures that missed their target
}

func (b *bench) run(scenario string) error {
	dir, err := os.MkdirTemp("", "benchspend-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	if scenario == "mixes" || scenario == "all" {
		if err := b.mixes(); err != nil {
			return fmt.Errorf("mixes: %w", err)
		}
	}
	if scenario == "budget" || scenario == "all" {
		if err := b.budget(); err != nil {
			return fmt.Errorf("budget: %w", err)
		}
	}
	if scenario == "signals" || scenario == "all" {
		if err := b.signals(); err != nil {
			return fmt.Errorf("signals: %w", err)
		}
	}
	fmt.Printf("\nspent_usd vs billed_usd: %d runs checked after each run, %d mismatches (target 0)\n", b.checked, len(b.mismatch))
	for _, m := range b.mismatch {
		fmt.Println("  mismatch:", m)
	}
	if len(b.mismatch) > 0 {
		b.failures++
	}
	return nil
}

// mix is a job: its targets and the account's following list.
type mix struct {
	name        string
	ids         int // id targets
	idsFollowed int // of them followed; the rest exist, not followed
	// @handle targets: followed, existing but not followed, unknown to X.
	handlesFollowed, handlesNotFollowed, handlesUnknown int

	extra int  // followed accounts that are not targets
	own   bool // the user's own X app
	max   int  // run --max: targets sent per run (0: all in one run)
}

func (m mix) handles() int { return m.handlesFollowed + m.handlesNotFollowed + m.handlesUnknown }
func (m mix) targets() int { return m.ids + m.handles() }
func (m mix) followed() int {
	return m.idsFollowed + m.handlesFollowed
}
func (m mix) following() int { return m.followed() + m.extra }

// floor is the cheapest bill any plan could reach knowing which targets
// are followed, in micro-USD, for a job whose runs started on days
// distinct UTC days (a sign-in each, the same day's again free), plus the
// cheaper of no list (a DELETE per id target, a lookup per @handle X knows
// and a DELETE per followed one) and the list (its price and a DELETE per
// followed target).
func (m mix) floor(days int) int64 {
	noList := int64(m.ids)*unfollowPrice +
		int64(m.handlesFollowed+m.handlesNotFollowed)*lookupPrice + int64(m.handlesFollowed)*unfollowPrice
	per := int64(listPrice)
	if m.own {
		per = ownedPrice
	}
	list := int64(m.following())*per + int64(m.followed())*unfollowPrice
	return int64(days)*lookupPrice + min(noList, list)
}

var mixes = []mix{
	{name: "ids 95% followed, own app", ids: 2000, idsFollowed: 1900, extra: 3100, own: true, max: 400},
	{name: "ids 25% followed, own app", ids: 2000, idsFollowed: 500, extra: 4500, own: true, max: 400},
	{name: "ids 95% followed, other app", ids: 1000, idsFollowed: 950, extra: 1050, max: 400},
	{name: "ids 25% followed, other app", ids: 2000, idsFollowed: 500, extra: 500, max: 400},
	{name: "@handles 80% followed, own app", handlesFollowed: 800, handlesNotFollowed: 100, handlesUnknown: 100, extra: 4200, own: true, max: 400},
	{name: "@handles 70% followed, other app", handlesFollowed: 420, handlesNotFollowed: 90, handlesUnknown: 90, extra: 1080, max: 200},
	{name: "ids+@handles 25% followed, own app", ids: 200, idsFollowed: 50, handlesFollowed: 25, handlesNotFollowed: 50, handlesUnknown: 25, extra: 925, own: true, max: 50},
	{name: "ids+@handles 95% followed, other app", ids: 1000, idsFollowed: 950, handlesFollowed: 475, handlesNotFollowed: 15, handlesUnknown: 10, extra: 2000, max: 400},
}

// world is a mix written out: the simulator's following file (with
// accounts that exist unfollowed) and the list to import.
type world struct {
	following string // id,username,followed CSV
	targets   string // the import file
}

func (b *bench) write(name string, m mix, seed uint64) (world, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	type account struct {
		id, user, target string
		followed, exists bool
	}
	var accts []account
	next := 0
	add := func(n int, isHandle, followed, exists bool) {
		for range n {
			id := fmt.Sprint(int64(1700000000000000000) + int64(next)*7)
			user := fmt.Sprintf("u%d", next)
			if !exists {
				user = fmt.Sprintf("nobody%d", next)
			}
			target := id
			if isHandle {
				target = "@" + user
			}
			accts = append(accts, account{id, user, target, followed, exists})
			next++
		}
	}
	add(m.idsFollowed, false, true, true)
	add(m.ids-m.idsFollowed, false, false, true)
	add(m.handlesFollowed, true, true, true)
	add(m.handlesNotFollowed, true, false, true)
	add(m.handlesUnknown, true, false, false)
	// Targets come in a shuffled order; the following list has the extra
	// accounts among them, in another order.
	r.Shuffle(len(accts), func(i, j int) { accts[i], accts[j] = accts[j], accts[i] })
	var w world
	var tgt strings.Builder
	rows := []string{}
	for _, a := range accts {
		tgt.WriteString(a.target + "\n")
		if !a.exists {
			continue
		}
		f := "no"
		if a.followed {
			f = "yes"
		}
		rows = append(rows, fmt.Sprintf("%s,%s,%s", a.id, a.user, f))
	}
	for i := range m.extra {
		rows = append(rows, fmt.Sprintf("%d,x%d,yes", int64(1600000000000000000)+int64(i)*11, i))
	}
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	w.following = filepath.Join(b.dir, name+"-following.csv")
	w.targets = filepath.Join(b.dir, name+"-targets.txt")
	if err := os.WriteFile(w.following, []byte("id,username,followed\n"+strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		return w, err
	}
	return w, os.WriteFile(w.targets, []byte(tgt.String()), 0o600)
}

func (b *bench) mixes() error {
	fmt.Printf("mixes: complete jobs, simulator limit %d per %s; floor = the cheapest plan in hindsight\n\n", b.limit, b.window)
	fmt.Printf("%-38s %7s %9s %4s %5s %7s %10s %10s %7s\n", "mix", "targets", "following", "runs", "list", "lookups", "billed_usd", "floor", "ratio")
	for i, m := range mixes {
		name := fmt.Sprintf("mix%d", i+1)
		w, err := b.write(name, m, uint64(i+1))
		if err != nil {
			return err
		}
		j, err := b.job(name, m, w, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		floor := m.floor(j.days)
		ratio := float64(j.billed) / float64(floor)
		mark := ""
		if ratio > ratioTarget {
			mark = "  MISSED"
			b.failures++
		}
		list := "no"
		if j.stats.Calls["following"] > 0 {
			list = "read"
		}
		fmt.Printf("%-38s %7d %9d %4d %5s %7d %10s %10s %7.3f%s\n", m.name, m.targets(), m.following(), j.runs, list,
			j.stats.Billed["user_read"], usd(j.billed), usd(floor), ratio, mark)
	}
	fmt.Printf("(target: ratio <= %.2f; list: whether the job read the following list; lookups: users billed\n"+
		" as user_read: sign-ins, the prefilter's sample, @handles)\n", ratioTarget)
	return nil
}

// jobResult is what a complete job cost.
type jobResult struct {
	runs   int
	days   int   // distinct UTC days the runs started on: sign-ins X bills
	billed int64 // micro-USD
	stats  stats
}

// job runs m to the end (run --max m.max until it finishes), checking
// spent_usd against billed_usd after every run and, at the end, that every
// followed target and nothing else was unfollowed. interrupt, when set, is
// called with each run started and returns whether it stopped it.
func (b *bench) job(name string, m mix, w world, interrupt func(s *sim, cmd *exec.Cmd, run int) error) (jobResult, error) {
	var res jobResult
	s, err := b.startSim(w.following, m.own)
	if err != nil {
		return res, err
	}
	defer s.stop()
	q := filepath.Join(b.dir, name+".db")
	if out, err := s.tool(b.bin, q, "import", w.targets).CombinedOutput(); err != nil {
		return res, fmt.Errorf("import: %v\n%s", err, out)
	}
	days := map[string]bool{}
	for {
		res.runs++
		if res.runs > 30 {
			return res, fmt.Errorf("not finished after %d runs", res.runs-1)
		}
		days[time.Now().UTC().Format(time.DateOnly)] = true
		args := b.runArgs(m.own, "--max", fmt.Sprint(m.max))
		cmd := s.tool(b.bin, q, args...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			return res, err
		}
		if interrupt != nil {
			if err := interrupt(s, cmd, res.runs); err != nil {
				_ = cmd.Process.Kill()
				return res, err
			}
		}
		code := simproc.ExitCode(cmd.Wait())
		if err := b.checkSpent(s, q, fmt.Sprintf("%s run %d", m.name, res.runs)); err != nil {
			return res, err
		}
		if code == 0 || code == 3 { // done (3: some @handles unknown to X)
			break
		}
		if code != 75 {
			return res, fmt.Errorf("run %d: exit %d\n%s", res.runs, code, out.String())
		}
	}
	res.days = len(days)
	if res.stats, err = s.stats(); err != nil {
		return res, err
	}
	res.billed = micro(res.stats.BilledUSD)
	st, err := s.status(b.bin, q)
	if err != nil {
		return res, err
	}
	if st.Pending != 0 || res.stats.Unfollowed != m.followed() || res.stats.FollowingCount != m.extra {
		return res, fmt.Errorf("targets missed: %d pending, %d unfollowed of %d followed targets; still following %d, want the %d others",
			st.Pending, res.stats.Unfollowed, m.followed(), res.stats.FollowingCount, m.extra)
	}
	return res, nil
}

// checkSpent compares the queue's spent_usd with the simulator's bill.
func (b *bench) checkSpent(s *sim, q, step string) error {
	st, err := s.status(b.bin, q)
	if err != nil {
		return err
	}
	sm, err := s.stats()
	if err != nil {
		return err
	}
	b.checked++
	if cents(micro(st.SpentUSD)) != cents(micro(sm.BilledUSD)) {
		b.mismatch = append(b.mismatch, fmt.Sprintf("%s: spent_usd %.6f, billed_usd %.6f", step, st.SpentUSD, sm.BilledUSD))
	}
	return nil
}

// budget runs one job with --budget over several runs (--max makes the
// first ones stop before the budget does).
func (b *bench) budget() error {
	const budget = 2.00
	m := mix{name: "budget", ids: 300, idsFollowed: 300, extra: 300, own: true}
	w, err := b.write("budget", m, 100)
	if err != nil {
		return err
	}
	s, err := b.startSim(w.following, m.own)
	if err != nil {
		return err
	}
	defer s.stop()
	q := filepath.Join(b.dir, "budget.db")
	if out, err := s.tool(b.bin, q, "import", w.targets).CombinedOutput(); err != nil {
		return fmt.Errorf("import: %v\n%s", err, out)
	}
	fmt.Printf("\nbudget: %d followed ids, own app, run --budget %.2f --max 80, four runs\n", m.ids, budget)
	over := false
	for run := 1; run <= 4; run++ {
		out, err := s.tool(b.bin, q, b.runArgs(m.own, "--max", "80", "--budget", fmt.Sprint(budget))...).CombinedOutput()
		code := simproc.ExitCode(err)
		if err := b.checkSpent(s, q, fmt.Sprintf("budget run %d", run)); err != nil {
			return err
		}
		sm, err := s.stats()
		if err != nil {
			return err
		}
		if code != 75 { // the budget cannot finish the job: every run stops
			return fmt.Errorf("run %d: exit %d, want 75\n%s", run, code, out)
		}
		why := "--max"
		if strings.Contains(strings.ToLower(string(out)), "budget reached") {
			why = "budget reached"
		}
		if sm.BilledUSD > budget+1e-9 {
			over = true
		}
		fmt.Printf("  run %d: exit %d (%s), billed_usd %s, %d unfollowed\n", run, code, why, usd(micro(sm.BilledUSD)), sm.Unfollowed)
	}
	if over {
		fmt.Printf("  the bill went over the budget of %.2f: MISSED\n", budget)
		b.failures++
	} else {
		fmt.Printf("  the bill never exceeded the budget of $%.2f (target)\n", budget)
	}
	return nil
}

// signals runs one job at once and the same job stopped by SIGINT
// mid-drain k times, resumed at once each time.
func (b *bench) signals() error {
	const k = 3
	m := mix{name: "signals", ids: 400, idsFollowed: 300, extra: 600, own: true}
	w, err := b.write("signals", m, 200)
	if err != nil {
		return err
	}
	whole, err := b.job("signals-whole", m, w, nil)
	if err != nil {
		return fmt.Errorf("uninterrupted: %w", err)
	}
	stopped := 0
	interrupt := func(s *sim, cmd *exec.Cmd, run int) error {
		if run > k {
			return nil
		}
		// Let this run send 60 more DELETEs, then SIGINT it mid-drain.
		at := run * 60
		for deadline := time.Now().Add(time.Minute); ; {
			if time.Now().After(deadline) {
				return fmt.Errorf("run %d: %d DELETEs not reached in a minute", run, at)
			}
			st, err := s.stats()
			if err != nil {
				return err
			}
			if st.UnfollowCalls >= at {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		stopped++
		return cmd.Process.Signal(syscall.SIGINT)
	}
	cut, err := b.job("signals-cut", m, w, interrupt)
	if err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	extra := cut.billed - whole.billed
	fmt.Printf("\nsignals: %d ids (%d followed), following %d, own app\n", m.ids, m.idsFollowed, m.following())
	fmt.Printf("  uninterrupted          %d run,  billed_usd %s\n", whole.runs, usd(whole.billed))
	fmt.Printf("  SIGINT %d times, resumed %d runs, billed_usd %s\n", stopped, cut.runs, usd(cut.billed))
	mark := "(target <= " + usd(int64(stopped)*unfollowPrice) + ")"
	if stopped < k || extra > int64(stopped)*unfollowPrice {
		mark = "MISSED " + mark
		b.failures++
	}
	fmt.Printf("  difference %s %s\n", usd(extra), mark)
	return nil
}

func (b *bench) runArgs(own bool, extra ...string) []string {
	args := []string{"run", "--rate", fmt.Sprintf("%d/%s", b.limit, b.window), "--daily-cap", "0", "--yes",
		fmt.Sprintf("--own-app=%t", own)}
	return append(args, extra...)
}

// sim is a running "bulkunfollow simulate".
type sim struct{ *simproc.Sim }

func (b *bench) startSim(followingFile string, own bool) (*sim, error) {
	owner := "other"
	if own {
		owner = "self"
	}
	s, err := simproc.Start(b.bin, "--following-file", followingFile,
		"--unfollow-limit", fmt.Sprint(b.limit), "--window", b.window.String(), "--app-owner", owner)
	if err != nil {
		return nil, err
	}
	return &sim{s}, nil
}

func (s *sim) stop() { s.Stop() }

type stats struct {
	UnfollowCalls  int            `json:"unfollow_calls"`
	Unfollowed     int            `json:"unfollowed"`
	FollowingCount int            `json:"following_count"`
	Calls          map[string]int `json:"calls"`
	BilledUSD      float64        `json:"billed_usd"`
	Billed         map[string]int `json:"billed"`
}

func (s *sim) stats() (stats, error) {
	var st stats
	return st, s.Stats(&st)
}

type status struct {
	Pending  int     `json:"pending"`
	SpentUSD float64 `json:"spent_usd"`
}

func (s *sim) status(bin, q string) (status, error) {
	var st status
	out, err := s.tool(bin, q, "status", "--json").Output()
	if err != nil {
		return st, fmt.Errorf("status --json: %w", err)
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return st, fmt.Errorf("status --json %q: %w", out, err)
	}
	return st, nil
}

// tool runs bulkunfollow against s with queue q.
func (s *sim) tool(bin, q string, args ...string) *exec.Cmd { return s.Tool(bin, q, args...) }

func micro(usd float64) int64 { return int64(math.Round(usd * 1e6)) }

func cents(m int64) int64 { return int64(math.Round(float64(m) / 1e4)) }

// usd prints micro-USD to the cent, with a third digit when it has one.
func usd(m int64) string {
	if m%10_000 != 0 {
		return fmt.Sprintf("$%.3f", float64(m)/1e6)
	}
	return fmt.Sprintf("$%.2f", float64(m)/1e6)
}
