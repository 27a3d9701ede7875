package worker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/spend"
)

// PrefilterMode says whether a run decides with the account's following
// list (skipping the targets it lacks without a request).
type PrefilterMode string

// The modes of --prefilter.
const (
	// PrefilterAuto reads the list when it is expected to cost less than
	// the requests it saves (a small sample of the targets, looked up with
	// connection_status, estimates how many it would save).
	PrefilterAuto   PrefilterMode = "auto"
	PrefilterAlways PrefilterMode = "always" // read it (once per job)
	PrefilterNever  PrefilterMode = "never"  // send every target
)

// ParsePrefilter reads a --prefilter value.
func ParsePrefilter(s string) (PrefilterMode, error) {
	switch m := PrefilterMode(strings.ToLower(strings.TrimSpace(s))); m {
	case PrefilterAuto, PrefilterAlways, PrefilterNever:
		return m, nil
	case "":
		return PrefilterAuto, nil
	}
	return "", fmt.Errorf("prefilter %q: want auto, always or never", s)
}

// listChoice is the prefilter's decision for a run.
type listChoice struct {
	use   bool         // decide with the following list
	read  bool         // read it after the confirmation (no snapshot to use)
	cost  spend.Amount // what reading it costs (with read)
	saves spend.Amount // what it is expected to save (auto; -1 unknown)
	note  string       // the decision and why, in money, for the plan
}

// Sampling: one target in sampleShare (at least sampleMin, at most
// sampleMax) is looked up, sampleBatch per request, until the decision is
// clear at 95% confidence. Past a few hundred targets a sample costs at
// most 4% of what the targets' unfollows do, most of it when the decision
// is close; fewer than sampleMin lookups tell too little to decide on, so
// a list that costs no more than them is read without one. A lopsided
// job is clear after one batch: a small job then pays for 5 lookups, not
// 10.
const (
	sampleMin   = 10
	sampleMax   = 100
	sampleShare = 25
	sampleBatch = 5
	wilsonZ     = 1.96
)

// chooseList decides whether this run decides with the following list:
// the job's snapshot when it has one (free), otherwise whether reading it
// is worth its price. Its price is known (users/me's following_count ×
// the list-read price); what it saves is not: with auto, a sample of the
// pending targets is looked up with connection_status (p keeps what it
// learnt, so the sample's lookups are not wasted) and kept in the queue.
func (j *Job) chooseList(ctx context.Context, p *preparation, c queue.Counts) (listChoice, error) {
	o, q := j.opts, j.q
	if o.Prefilter == PrefilterNever {
		return listChoice{note: "off (--prefilter never): every target is sent"}, nil
	}
	if snap, followed, ok, err := q.Following(); err != nil {
		return listChoice{}, err
	} else if ok && snap.Account == j.me.ID && !o.RefreshFollowing {
		p.followed, p.following, p.covers = followed, len(followed), snap.Covers
		note := fmt.Sprintf("the following list read %s (%s; %d unfollowed since): no read needed (--refresh-following reads it again)",
			snap.At.Local().Format("2006-01-02 15:04"), plural(snap.Count, "account"), snap.UnfollowedSince)
		return listChoice{use: true, note: note}, nil
	}
	kind := o.Spending.listKind()
	count := j.me.FollowingCount
	ch := listChoice{cost: o.Spending.Prices.Of(kind).Times(max(count, 0)), saves: -1}
	what := fmt.Sprintf("reading your following list (%s, %s)", plural(count, "account"), ch.cost)
	if count < 0 {
		what = "reading your following list"
	}
	switch {
	case o.RefreshFollowing:
		ch.use, ch.read, ch.note = true, true, "--refresh-following: "+what
		return ch, nil
	case o.Prefilter == PrefilterAlways:
		ch.use, ch.read, ch.note = true, true, "--prefilter always: "+what
		return ch, nil
	case !o.Spending.on() || count == 0:
		ch.use, ch.read, ch.note = true, true, what
		return ch, nil
	case count < 0:
		ch.note = "off: X did not say how many accounts you follow, so the price of reading the list is unknown (--prefilter always reads it)"
		return ch, nil
	}
	if b := o.Spending.Budget; b > 0 && j.led.spent+ch.cost+o.Spending.unfollowPrice() > b {
		ch.note = fmt.Sprintf("off: the budget leaves %s, too little for %s and an unfollow after it", max(b-j.led.spent, 0), what)
		return ch, nil
	}
	ids, handles := c.Pending-c.Unresolved, c.Unresolved
	per := o.Spending.unfollowPrice()
	lookup := o.Spending.Prices.Of(spend.UserRead)
	most := per.Times(ids) + lookup.Times(handles)
	if ch.cost >= most {
		ch.note = fmt.Sprintf("off: %s would cost more than it can save (%s at most: one request per target)", what, most)
		return ch, nil
	}
	sm, ok, err := q.Sample()
	if err != nil {
		return listChoice{}, err
	}
	if probe := lookup.Times(sampleSize(ids + handles)); !ok && ch.cost <= probe {
		// A sample would cost more than the list could waste.
		ch.use, ch.read = true, true
		ch.note = fmt.Sprintf("%s: cheaper than the %s a sample to decide would cost", what, probe)
		return ch, nil
	}
	if !ok {
		if !j.led.record {
			ch.note = fmt.Sprintf("not decided in a dry run: the run looks up a sample of the targets (about %s) to tell whether %s saves more than it costs",
				lookup.Times(sampleSize(ids+handles)), what)
			return ch, nil
		}
		if sm, err = p.sample(ctx, j, ids, handles, ch.cost); err != nil {
			if !sampleStops(ctx, err) {
				// The sample only helps decide: without it, no list.
				j.opts.Log.Warn().Err(err).Msg("could not look up a sample of the targets; the following list is not read")
				ch.note = fmt.Sprintf("off: a sample of the targets could not be looked up (%v)", err)
				return ch, nil
			}
			return listChoice{}, err
		}
		sm.At = o.Clock.Now()
		if err := q.SetSample(sm); err != nil {
			return listChoice{}, err
		}
	}
	pID, pH := rate(sm.IDsNotFollowed, sm.IDs), rate(sm.HandlesFound, sm.Handles)
	ch.saves = per.Times(int(math.Round(float64(ids-sm.IDs)*pID))) + lookup.Times(int(math.Round(float64(handles-sm.Handles)*pH)))
	est := fmt.Sprintf("a sample of %s showed %s", plural(sm.IDs+sm.Handles, "target"), sampleText(sm))
	if ch.cost < ch.saves {
		ch.use, ch.read = true, true
		ch.note = fmt.Sprintf("%s: it saves about %s (%s)", what, ch.saves, est)
	} else {
		ch.note = fmt.Sprintf("off: %s would cost more than the %s it is expected to save (%s)", what, ch.saves, est)
	}
	return ch, nil
}

func sampleText(sm queue.Sample) string {
	var parts []string
	if sm.IDs > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d ids not followed", sm.IDsNotFollowed, sm.IDs))
	}
	if sm.Handles > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d @handles existing", sm.HandlesFound, sm.Handles))
	}
	return strings.Join(parts, ", ")
}

// rate is k/n, 0 without observations.
func rate(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// sampleSize is the most targets the sample looks up, of n pending.
func sampleSize(n int) int { return min(n, max(sampleMin, min(sampleMax, n/sampleShare))) }

// sample looks up targets spread evenly over the pending ones, sampleBatch
// at a time, until the list's expected saving is clearly above or below
// its cost (listCost) or sampleSize targets were looked up. What each
// lookup says is kept in p: a sampled target not followed is skipped, a
// sampled @handle is resolved, one X does not know fails as not found.
func (p *preparation) sample(ctx context.Context, j *Job, ids, handles int, listCost spend.Amount) (queue.Sample, error) {
	picks, err := spread(j.q, ids+handles, sampleSize(ids+handles))
	if err != nil {
		return queue.Sample{}, err
	}
	per := j.opts.Spending.unfollowPrice()
	lookup := j.opts.Spending.Prices.Of(spend.UserRead)
	var sm queue.Sample
	for len(picks) > 0 {
		n := min(len(picks), sampleBatch)
		if err := p.lookUp(ctx, j, picks[:n], &sm); err != nil {
			return sm, err
		}
		picks = picks[n:]
		if len(picks) == 0 {
			continue
		}
		if lo, hi := savingBounds(sm, ids, handles, per, lookup); hi < listCost || lo > listCost {
			break // clear at 95%
		}
	}
	j.opts.Log.Info().Int("ids", sm.IDs).Int("ids_not_followed", sm.IDsNotFollowed).Int("handles", sm.Handles).
		Int("handles_found", sm.HandlesFound).Msg("looked up a sample of the targets")
	return sm, nil
}

// savingBounds bounds, at 95% confidence, what the list would save on the
// targets not sampled: a DELETE per id not followed (price per), a lookup
// per @handle that exists (price lookup). When the two prices are the same
// (X's), each sampled target is one draw of "the list saves a request for
// it", and the ids and @handles share one interval (the sample is spread
// over both alike); otherwise each kind has its own.
func savingBounds(sm queue.Sample, ids, handles int, per, lookup spend.Amount) (lo, hi spend.Amount) {
	restIDs, restHandles := ids-sm.IDs, handles-sm.Handles
	if per == lookup {
		k, n, rest := sm.IDsNotFollowed+sm.HandlesFound, sm.IDs+sm.Handles, restIDs+restHandles
		return per.Times(int(float64(rest) * wilsonLow(k, n))), per.Times(int(math.Ceil(float64(rest) * wilsonHigh(k, n))))
	}
	lo = per.Times(int(float64(restIDs)*wilsonLow(sm.IDsNotFollowed, sm.IDs))) +
		lookup.Times(int(float64(restHandles)*wilsonLow(sm.HandlesFound, sm.Handles)))
	hi = per.Times(int(math.Ceil(float64(restIDs)*wilsonHigh(sm.IDsNotFollowed, sm.IDs)))) +
		lookup.Times(int(math.Ceil(float64(restHandles)*wilsonHigh(sm.HandlesFound, sm.Handles))))
	return lo, hi
}

// lookUp looks up targets (ids with users by ids, @handles with users/by,
// both with connection_status) and counts them in sm.
func (p *preparation) lookUp(ctx context.Context, j *Job, targets []queue.Target, sm *queue.Sample) error {
	var idT, hT []queue.Target
	for _, t := range targets {
		if t.ID != "" {
			idT = append(idT, t)
		} else {
			hT = append(hT, t)
		}
	}
	if len(hT) > 0 {
		before := len(p.resolved)
		if err := p.resolveHandles(ctx, j.q, j.read, hT); err != nil {
			return err
		}
		sm.Handles += len(hT)
		sm.HandlesFound += len(p.resolved) - before
	}
	if len(idT) == 0 {
		return nil
	}
	list := make([]string, len(idT))
	for i, t := range idT {
		list[i] = t.ID
	}
	users, notFound, err := j.read.usersByIDs(ctx, list)
	if err != nil {
		return fmt.Errorf("look up a sample of %d targets: %w", len(list), err)
	}
	byID := map[string]User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	missing := map[string]UnknownUser{}
	for _, nf := range notFound {
		missing[nf.Username] = nf
	}
	for _, t := range idT {
		sm.IDs++
		if u, ok := byID[t.ID]; ok {
			p.looked[t.Seq] = u
			if u.Followed == FollowedNo {
				sm.IDsNotFollowed++
			}
			continue
		}
		if nf, ok := missing[t.ID]; ok {
			p.unknown[t.Seq] = nf
		}
	}
	return nil
}

// sampleStops reports whether a failed sample stops the run: a signal, the
// budget, the deadline, credentials or credits; anything else (the users
// endpoint refused, X unreachable) only leaves the list unread.
func sampleStops(ctx context.Context, err error) bool {
	if ctx.Err() != nil || isBudget(err) || errors.Is(err, ErrWindowPastDeadline) {
		return true
	}
	switch KindOf(err) {
	case Unauthorized, Quota, Canceled:
		return true
	}
	return false
}

// spread returns k pending targets spread evenly over the n pending ones.
func spread(q *queue.Store, n, k int) ([]queue.Target, error) {
	if k <= 0 || n <= 0 {
		return nil, nil
	}
	step := max(n/k, 1)
	var out []queue.Target
	var after uint64
	i := 0
	for len(out) < k {
		page, err := q.Pending(after, 1000)
		if err != nil {
			return nil, fmt.Errorf("read pending targets: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, t := range page {
			after = t.Seq
			if i%step == 0 && len(out) < k {
				out = append(out, t)
			}
			i++
		}
	}
	return out, nil
}

// wilsonLow and wilsonHigh bound the share k/n at 95% confidence (Wilson
// score interval); without observations the share may be anything.
func wilsonLow(k, n int) float64 {
	if n == 0 {
		return 0
	}
	c, h := wilson(k, n)
	return max(c-h, 0)
}

func wilsonHigh(k, n int) float64 {
	if n == 0 {
		return 1
	}
	c, h := wilson(k, n)
	return min(c+h, 1)
}

func wilson(k, n int) (center, half float64) {
	z2, fn, fk := wilsonZ*wilsonZ, float64(n), float64(k)
	center = (fk + z2/2) / (fn + z2)
	half = wilsonZ / (fn + z2) * math.Sqrt(fk*(fn-fk)/fn+z2/4)
	return center, half
}

// plural is "1 account", "5,000 accounts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return GroupDigits(n) + " " + noun + "s"
}

// GroupDigits writes n with thousands separators: 5,000.
func GroupDigits(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
