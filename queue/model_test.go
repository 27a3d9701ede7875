package queue

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	modelSeed  = flag.Uint64("model.seed", 0, "seed for TestModel (0: random, printed)")
	modelSteps = flag.Int("model.steps", 300, "operations per TestModel run")
)

// model is the queue in a few maps: what every operation should do.
type model struct {
	targets []*mtarget // index seq-1
	ids     map[uint64]uint64
	handles map[string]uint64
}

type mtarget struct {
	id       uint64
	hasID    bool // id is set (0 is a valid id)
	handle   string
	state    State
	attempts int
	reason   string
	mayHave  bool // MayHaveTakenEffect: sticky
}

func (m *model) counts() Counts {
	var c Counts
	for _, t := range m.targets {
		c.add(&rec{id: t.id, hasID: t.hasID, state: t.state}, 1)
	}
	return c
}

// TestModel runs random operations on a queue and on the model and
// compares them after every step. Reproduce a failure with
// go test -run TestModel -model.seed=N.
func TestModel(t *testing.T) {
	seed := *modelSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun: go test ./queue -run TestModel -model.seed=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, 0))
	q := newTestQueue(t)
	m := &model{ids: map[uint64]uint64{}, handles: map[string]uint64{}}

	entry := func() (string, *mtarget) {
		if r.IntN(4) == 0 {
			h := fmt.Sprintf("h%d", r.IntN(12))
			if r.IntN(2) == 0 {
				h = strings.ToUpper(h)
			}
			return "@" + h, &mtarget{handle: h}
		}
		id := uint64(1 + r.IntN(60))
		if r.IntN(10) == 0 {
			id = 1<<63 - uint64(r.IntN(3)) // large ids keep every digit
		}
		return strconv.FormatUint(id, 10), &mtarget{id: id, hasID: true}
	}
	pendingSeqs := func() []uint64 {
		var out []uint64
		for i, tg := range m.targets {
			if tg.state == Pending {
				out = append(out, uint64(i+1))
			}
		}
		return out
	}

	for step := range *modelSteps {
		var op string
		switch k := r.IntN(20); {
		case k < 4:
			op = "import"
			n := r.IntN(12)
			var lines []string
			var ents []*mtarget
			for range n {
				l, e := entry()
				lines = append(lines, l)
				ents = append(ents, e)
			}
			bad := r.IntN(8) == 0
			if bad {
				lines = slices.Insert(lines, r.IntN(len(lines)+1), "not-an-id")
			}
			opts := ImportOptions{DryRun: r.IntN(6) == 0}
			if r.IntN(2) == 0 {
				opts.InPlaceMax, opts.BatchSize = -1, 1+r.IntN(4)
			}
			sum, err := q.importText(opts, lines...)
			if bad {
				var inv *InvalidError
				if !errors.As(err, &inv) {
					t.Fatalf("step %d: import with a bad line: %v", step, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("step %d: import: %v", step, err)
			}
			var want ImportSummary
			seen := map[string]bool{}
			var added []*mtarget
			for _, e := range ents {
				key := strconv.FormatUint(e.id, 10)
				var seq uint64
				var ok bool
				if e.handle != "" {
					key = "@" + strings.ToLower(e.handle)
					seq, ok = m.handles[strings.ToLower(e.handle)]
				} else {
					seq, ok = m.ids[e.id]
				}
				switch {
				case seen[key]:
					want.Duplicate++
				case ok && m.targets[seq-1].state == Pending:
					want.AlreadyPending++
				case ok:
					want.AlreadyFinished++
				default:
					want.Added++
					if e.handle != "" {
						want.AddedHandles++
					}
					added = append(added, &mtarget{id: e.id, hasID: e.hasID, handle: e.handle, state: Pending})
				}
				seen[key] = true
			}
			if sum.Added != want.Added || sum.AddedHandles != want.AddedHandles || sum.Duplicate != want.Duplicate ||
				sum.AlreadyPending != want.AlreadyPending || sum.AlreadyFinished != want.AlreadyFinished {
				t.Fatalf("step %d: import %v: summary %+v, model %+v", step, lines, sum, want)
			}
			if opts.DryRun {
				break
			}
			for _, a := range added {
				m.targets = append(m.targets, a)
				seq := uint64(len(m.targets))
				if a.hasID {
					m.ids[a.id] = seq
				} else {
					m.handles[strings.ToLower(a.handle)] = seq
				}
			}
		case k < 11:
			op = "record"
			ps := pendingSeqs()
			if len(ps) == 0 {
				continue
			}
			seq := ps[r.IntN(len(ps))]
			res := Result{State: State(1 + r.IntN(4)), CountAttempt: r.IntN(3) > 0, Reason: []string{"", "unfollowed", "not found", "gave up"}[r.IntN(4)],
				MayHaveTakenEffect: r.IntN(4) == 0}
			if r.IntN(2) == 0 {
				res.Err = &ErrorInfo{Status: 500 + r.IntN(4)}
			}
			if err := q.Record(seq, res); err != nil {
				t.Fatalf("step %d: record %d: %v", step, seq, err)
			}
			tg := m.targets[seq-1]
			if res.CountAttempt {
				tg.attempts++
			}
			if res.Reason != "" {
				tg.reason = res.Reason
			}
			tg.state = res.State
			tg.mayHave = tg.mayHave || res.MayHaveTakenEffect
			// Recording on a finished target is refused and changes nothing.
			if res.State != Pending {
				if err := q.Record(seq, Result{State: Done}); !errors.Is(err, ErrNotPending) {
					t.Fatalf("step %d: second record on finished %d: %v", step, seq, err)
				}
			}
		case k < 13:
			op = "skip"
			var seqs []uint64
			for range r.IntN(4) {
				if len(m.targets) > 0 {
					seqs = append(seqs, uint64(1+r.IntN(len(m.targets))))
				}
			}
			reason := []string{"kept", ReasonNotFollowing}[r.IntN(2)]
			n, err := q.MarkSkipped(seqs, reason)
			if err != nil {
				t.Fatalf("step %d: skip: %v", step, err)
			}
			want := 0
			for _, seq := range seqs {
				// A target whose request may have taken effect is never
				// skipped as not following.
				if tg := m.targets[seq-1]; tg.state == Pending && !(tg.mayHave && reason == ReasonNotFollowing) {
					tg.state, tg.reason = Skipped, reason
					want++
				}
			}
			if n != want {
				t.Fatalf("step %d: MarkSkipped(%v) = %d, model %d", step, seqs, n, want)
			}
		case k < 16:
			op = "resolve"
			var un []uint64
			for i, tg := range m.targets {
				if tg.state == Pending && !tg.hasID {
					un = append(un, uint64(i+1))
				}
			}
			if len(un) == 0 {
				continue
			}
			seq := un[r.IntN(len(un))]
			id := uint64(r.IntN(80)) // 0 is an id like any other
			if err := q.Resolve(seq, strconv.FormatUint(id, 10), "u"+strconv.FormatUint(id, 10)); err != nil {
				t.Fatalf("step %d: resolve: %v", step, err)
			}
			tg := m.targets[seq-1]
			tg.id, tg.hasID = id, true
			if other, ok := m.ids[id]; ok && other != seq {
				tg.state, tg.reason = Skipped, "duplicate of "+strconv.FormatUint(id, 10)
			} else {
				m.ids[id] = seq
			}
		case k < 18:
			op = "retry"
			n, err := q.Retry()
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, tg := range m.targets {
				if tg.state == Failed {
					tg.state, tg.attempts, tg.reason = Pending, 0, ""
					want++
				}
			}
			if n != want {
				t.Fatalf("step %d: Retry = %d, model %d", step, n, want)
			}
		default:
			op = "reopen"
			q.reopen()
		}
		q.clock.Advance(time.Second)
		compareModel(t, step, op, q, m)
	}
	if err := q.Check(); err != nil {
		t.Fatal(err)
	}
}

func compareModel(t *testing.T, step int, op string, q *testQueue, m *model) {
	t.Helper()
	if c := q.counts(); c != m.counts() {
		t.Fatalf("step %d (%s): counts %+v, model %+v", step, op, c, m.counts())
	}
	all := q.all()
	if len(all) != len(m.targets) {
		t.Fatalf("step %d (%s): %d targets, model %d", step, op, len(all), len(m.targets))
	}
	var firstPending uint64
	var unresolved []uint64
	for i, tg := range all {
		mt := m.targets[i]
		wantID := ""
		if mt.hasID {
			wantID = strconv.FormatUint(mt.id, 10)
		}
		if tg.Seq != uint64(i+1) || tg.ID != wantID || tg.Handle != mt.handle || tg.State != mt.state || tg.Attempts != mt.attempts || tg.Reason != mt.reason || tg.MayHaveTakenEffect != mt.mayHave {
			t.Fatalf("step %d (%s): target %d = %+v, model %+v", step, op, i+1, tg, *mt)
		}
		if mt.state == Pending && firstPending == 0 {
			firstPending = tg.Seq
		}
		if mt.state == Pending && !mt.hasID {
			unresolved = append(unresolved, tg.Seq)
		}
		if tg.State.Finished() != !tg.FinishedAt.IsZero() {
			t.Fatalf("step %d (%s): target %d state %v, finished at %v", step, op, i+1, tg.State, tg.FinishedAt)
		}
	}
	next, ok, err := q.Next()
	if err != nil || ok != (firstPending != 0) || next.Seq != firstPending {
		t.Fatalf("step %d (%s): Next = %d, %v, %v; model %d", step, op, next.Seq, ok, err, firstPending)
	}
	for _, after := range []uint64{0, uint64(len(all) / 3), uint64(len(all) / 2)} {
		var want []uint64
		for i, mt := range m.targets {
			if seq := uint64(i + 1); mt.state == Pending && seq > after && len(want) < 4 {
				want = append(want, seq)
			}
		}
		ps, err := q.Pending(after, 4)
		var got []uint64
		for _, tg := range ps {
			got = append(got, tg.Seq)
		}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("step %d (%s): Pending(%d, 4) = %v, %v; model %v", step, op, after, got, err, want)
		}
	}
	un, err := q.Unresolved()
	var got []uint64
	for _, tg := range un {
		got = append(got, tg.Seq)
	}
	if err != nil || !slices.Equal(got, unresolved) {
		t.Fatalf("step %d (%s): Unresolved = %v, model %v", step, op, got, unresolved)
	}
}
