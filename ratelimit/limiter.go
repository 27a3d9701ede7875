package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Reason says what a wait is for.
type Reason string

// The reasons Delay gives. A zero delay comes with ReasonNone.
const (
	ReasonNone        Reason = ""
	ReasonBucket      Reason = "bucket"       // the configured pace (--rate)
	ReasonWindow      Reason = "window"       // the server's window is spent: wait for its reset
	ReasonDailyCap    Reason = "daily-cap"    // our own rolling 24-hour cap is reached
	ReasonServerDaily Reason = "server-daily" // x-user/x-app-limit-24hour-remaining is 0
	ReasonSnooze      Reason = "snooze"       // a 429 without a usable window, or Retry-After
	ReasonBackoff     Reason = "backoff"      // the caller backs off after a transient error
)

// Daily reports whether the wait is for a 24-hour limit (ours or the
// server's): hours, not minutes.
func (r Reason) Daily() bool { return r == ReasonDailyCap || r == ReasonServerDaily }

// String returns "none" for ReasonNone.
func (r Reason) String() string {
	if r == ReasonNone {
		return "none"
	}
	return string(r)
}

const (
	// DefaultMargin is how long after a window's reset the next request
	// goes. X announces resets as whole epoch seconds at which the window
	// ends; reset times are already corrected for clock skew
	// conservatively, so the margin only absorbs timer and clock-rate
	// jitter. 250 ms costs 0.03% of a 15-minute window (and 2.5% of the
	// demo's 10-second windows, where 1 s would cost 10%).
	DefaultMargin = 250 * time.Millisecond
	// MaxMargin caps the margin, which doubles after every 429 that comes
	// right after a reset we computed (our estimate was too early).
	MaxMargin = 4 * time.Second
	// SnoozeFallback is the pause after a 429 that carries neither window
	// headers nor Retry-After: one full standard window.
	SnoozeFallback = 15 * time.Minute
	// StandardWindow is X's window length; waits for a window are clamped
	// to the longer of it and the configured window, plus the margin.
	StandardWindow = 15 * time.Minute

	day             = 24 * time.Hour
	resetSlack      = 2 * time.Second
	hiddenLimitBase = 30 * time.Second
)

// Config configures a Limiter.
type Config struct {
	// Rate paces requests before the server's numbers are known and is the
	// ceiling afterwards. Zero means DefaultRate. Burst is Rate.N.
	Rate Rate
	// DailyCap caps unfollow requests in any rolling 24 hours; 0 disables
	// it (the server's 24-hour headers are honoured either way). Callers
	// normally pass DefaultDailyCap.
	DailyCap int
	// Margin is added after every reset; 0 means DefaultMargin.
	Margin time.Duration
	// AdoptServerLimit makes the bucket follow the limit the server
	// announces when it is higher than Rate.N (a lower server limit always
	// governs, through the window). Off, Rate is a ceiling the server
	// cannot raise.
	AdoptServerLimit bool
	// OnWarning, if set, receives every clamped wait and every large clock
	// offset. Observe also returns them.
	OnWarning func(Warning)
}

// Day is a 24-hour limit announced by x-user-limit-24hour-* or
// x-app-limit-24hour-* headers.
type Day struct {
	Present          bool
	Limit, Remaining int
	Reset            time.Time // in Observation: server clock; in Status: local clock
}

// Observation is what one response said about rate limits. It mirrors the
// headers; the caller (the worker) fills it from the API client.
type Observation struct {
	Present          bool      // x-rate-limit-* headers were there
	Limit, Remaining int       // x-rate-limit-limit, x-rate-limit-remaining
	Reset            time.Time // x-rate-limit-reset (epoch seconds, server clock)
	Date             time.Time // the Date header (server clock); zero if absent
	Sent             time.Time // local time the request went out; zero: the last Take
	Received         time.Time // local time the response arrived; zero: now
	RetryAfter       time.Duration
	// Rejected is set when the server refused the request with a window
	// 429 (not a usage cap, which no wait fixes).
	Rejected        bool
	UserDay, AppDay Day
}

// Warning reports a wait outside [0, max] that was clamped, or a clock that
// disagrees with the server's.
type Warning struct {
	Msg    string
	Wait   time.Duration // the wait asked for (clamped ones)
	Max    time.Duration // the clamp
	Offset time.Duration // server clock minus local clock, as estimated
}

func (w Warning) String() string { return w.Msg }

// window is a fixed window as the server counts it, in local time.
type window struct {
	Limit, Remaining int
	Reset            time.Time
	Observed         bool // from the server's headers; false: our model
}

type stamp struct {
	at time.Time // whole second, rounded up: the request counts until at+24h
	n  int
}

// Limiter decides when the next unfollow request may go. It combines a
// token bucket (the configured pace), the server's window (authoritative
// once seen), a rolling 24-hour cap, the server's 24-hour limits and
// pauses (429s, backoff). It never reads the wall clock: every method takes
// now. It is safe for concurrent use.
type Limiter struct {
	mu     sync.Mutex
	cfg    Config
	bucket *rate.Limiter
	taken  time.Time // last Take (or restore point): State's bucket time

	win         window
	hasWin      bool
	serverLimit int
	sinceReset  time.Duration // at the last Take: time since the observed reset it rolled over; <0 n/a
	days        [2]Day        // user, app (local reset)
	daily       []stamp
	hold        time.Time
	holdWhy     Reason
	margin      time.Duration
	rejections  int
	skew        skew
	skewWarned  time.Duration // the offset last warned about; 0: none yet
	warnedOnce  onceWarnings  // warnings already given in this run
}

// onceWarnings are warnings that repeat with every response of a server
// that keeps sending the same oddity; each is given once per Limiter.
type onceWarnings uint8

const (
	warnedResetClock onceWarnings = 1 << iota // reset read on the local clock
	warnedResetClamp                          // window reset clamped
	warnedDayClamp                            // 24-hour reset clamped
	warnedNoReset                             // no usable reset: a full window
)

// New returns a Limiter with a full bucket and no server state.
func New(cfg Config) (*Limiter, error) {
	if cfg.Rate == (Rate{}) {
		cfg.Rate = DefaultRate
	}
	if err := cfg.Rate.valid(); err != nil {
		return nil, fmt.Errorf("new limiter: %w", err)
	}
	if cfg.DailyCap < 0 {
		return nil, fmt.Errorf("new limiter: daily cap %d is negative", cfg.DailyCap)
	}
	if cfg.Margin < 0 {
		return nil, fmt.Errorf("new limiter: margin %s is negative", cfg.Margin)
	}
	if cfg.Margin == 0 {
		cfg.Margin = DefaultMargin
	}
	l := &Limiter{cfg: cfg, margin: cfg.Margin, sinceReset: -1}
	l.bucket = rate.NewLimiter(l.bucketRate(), l.burst())
	return l, nil
}

// Clone returns an independent copy (same configuration and state), e.g.
// to plan a dry run without touching the real limiter.
func (l *Limiter) Clone() *Limiter {
	st := l.State()
	c, _ := New(l.cfg) // l.cfg was validated by New
	_ = c.Restore(st)  // st has the current version
	l.mu.Lock()
	c.skew, c.skewWarned, c.warnedOnce, c.rejections, c.sinceReset = l.skew, l.skewWarned, l.warnedOnce, l.rejections, l.sinceReset
	l.mu.Unlock()
	return c
}

func (l *Limiter) effectiveN() int {
	if l.cfg.AdoptServerLimit && l.serverLimit > l.cfg.Rate.N {
		return l.serverLimit
	}
	return l.cfg.Rate.N
}

func (l *Limiter) burst() int { return l.effectiveN() }

func (l *Limiter) bucketRate() rate.Limit {
	return rate.Limit(float64(l.effectiveN()) / l.cfg.Rate.Per.Seconds())
}

// windowLimit is how many requests a new window allows: the server's
// number once seen, the configured one before.
func (l *Limiter) windowLimit() int {
	if l.serverLimit > 0 {
		return l.serverLimit
	}
	return l.cfg.Rate.N
}

// maxWindowWait bounds any wait that is not about a 24-hour limit: the
// longer of the configured and the standard window, plus the margin and
// slack for whole-second resets and the offset estimate (up to a second
// each).
func (l *Limiter) maxWindowWait() time.Duration {
	return max(l.cfg.Rate.Per, StandardWindow) + l.margin + resetSlack
}

func (l *Limiter) maxWait(why Reason) time.Duration {
	if why.Daily() {
		return day + l.margin + resetSlack
	}
	return l.maxWindowWait()
}

// Delay says how long from now until the next request may go, and why
// (the longest of all constraints; ReasonNone when it may go now). Waits
// are clamped to [0, window + margin] (24 h + margin for daily limits).
func (l *Limiter) Delay(now time.Time) (time.Duration, Reason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.delay(now)
}

func (l *Limiter) delay(now time.Time) (time.Duration, Reason) {
	var d time.Duration
	why := ReasonNone
	consider := func(until time.Time, r Reason) {
		if w := until.Sub(now); w > d {
			d, why = w, r
		}
	}
	consider(l.hold, l.holdWhy)
	for _, dl := range l.days {
		if dl.Present && dl.Remaining <= 0 {
			consider(dl.Reset.Add(l.margin), ReasonServerDaily)
		}
	}
	if l.cfg.DailyCap > 0 {
		consider(l.dailyFreeAt(now), ReasonDailyCap)
	}
	if l.hasWin && l.win.Remaining <= 0 {
		consider(l.win.Reset.Add(l.margin), ReasonWindow)
	}
	if tokens := l.bucket.TokensAt(now); tokens < 1 {
		secs := (1 - tokens) / float64(l.bucket.Limit())
		w := time.Duration(math.Ceil(secs*1e3)) * time.Millisecond
		consider(now.Add(w), ReasonBucket)
	}
	if m := l.maxWait(why); d > m {
		l.warn(Warning{Msg: fmt.Sprintf("ratelimit: %s wait of %s clamped to %s", why, d.Round(time.Second), m), Wait: d, Max: m, Offset: l.skew.offset()})
		d = m
		l.clampState(now, why, now.Add(m))
	}
	return d, why
}

// clampState rewrites the state behind a clamped wait so the clamp holds
// (and warns once): a restored state from a clock that jumped back, say.
func (l *Limiter) clampState(now time.Time, why Reason, until time.Time) {
	switch why {
	case ReasonSnooze, ReasonBackoff:
		l.hold = until
	case ReasonWindow:
		l.win.Reset = until.Add(-l.margin)
	case ReasonServerDaily:
		for i := range l.days {
			if l.days[i].Present && l.days[i].Reset.After(until) {
				l.days[i].Reset = until.Add(-l.margin)
			}
		}
	case ReasonDailyCap:
		for i := range l.daily {
			if l.daily[i].at.Add(day).After(until) {
				l.daily[i].at = until.Add(-day)
			}
		}
	}
}

// dailyFreeAt returns when the rolling 24-hour count drops below the cap
// (a time not after now when it already is). It forgets stamps older than
// 24 hours.
func (l *Limiter) dailyFreeAt(now time.Time) time.Time {
	l.prune(now)
	used := l.dailyUsed()
	if l.cfg.DailyCap <= 0 || used < l.cfg.DailyCap {
		return time.Time{}
	}
	need, cum := used-l.cfg.DailyCap+1, 0
	for _, s := range l.daily {
		cum += s.n
		if cum >= need {
			return s.at.Add(day)
		}
	}
	return time.Time{} // unreachable: cum ends at used >= need
}

func (l *Limiter) prune(now time.Time) {
	i := 0
	for i < len(l.daily) && !l.daily[i].at.Add(day).After(now) {
		i++
	}
	l.daily = l.daily[i:]
}

func (l *Limiter) dailyUsed() int {
	n := 0
	for _, s := range l.daily {
		n += s.n
	}
	return n
}

// Take records that a request is being sent at now.
func (l *Limiter) Take(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket.ReserveN(now, 1)
	l.taken = now
	l.sinceReset = -1
	if l.hasWin && now.Before(l.win.Reset) {
		l.win.Remaining--
	} else {
		// The window we knew has ended (or none is known): this request
		// opens a new one. The response will say how it really looks.
		if l.hasWin && l.win.Observed {
			l.sinceReset = now.Sub(l.win.Reset)
		}
		n := l.windowLimit()
		l.win = window{Limit: n, Remaining: n - 1, Reset: now.Add(l.cfg.Rate.Per)}
		l.hasWin = true
	}
	for i := range l.days {
		if l.days[i].Present && now.Before(l.days[i].Reset) {
			l.days[i].Remaining--
		}
	}
	l.prune(now)
	at := now.Truncate(time.Second)
	if at.Before(now) {
		at = at.Add(time.Second)
	}
	if n := len(l.daily); n > 0 && l.daily[n-1].at.Equal(at) {
		l.daily[n-1].n++
	} else {
		l.daily = append(l.daily, stamp{at: at, n: 1})
	}
}

// Observe takes in what a response said. The server's window is
// authoritative: its remaining count replaces ours, its reset (converted to
// local time with the estimated clock offset) ends the window. For a
// rejected request (window 429) it pauses as the response asks: until the
// reset when remaining is 0, Retry-After when given, SnoozeFallback when
// there are no headers, a short growing pause when remaining is above 0 (a
// hidden short limit). It returns the warnings it raised (also sent to
// Config.OnWarning).
func (l *Limiter) Observe(now time.Time, o Observation) []Warning {
	l.mu.Lock()
	defer l.mu.Unlock()
	var warns []Warning
	warn := func(w Warning) {
		warns = append(warns, w)
		l.warn(w)
	}
	once := func(kind onceWarnings, w Warning) {
		if l.warnedOnce&kind == 0 {
			l.warnedOnce |= kind
			warn(w)
		}
	}
	recv := o.Received
	if recv.IsZero() {
		recv = now
	}
	if !o.Date.IsZero() {
		sent := o.Sent
		if sent.IsZero() || sent.After(recv) {
			sent = l.taken
		}
		if sent.IsZero() || sent.After(recv) || recv.Sub(sent) > time.Minute {
			sent = recv
		}
		l.skew.observe(o.Date, sent, recv)
		if off := l.skew.offset(); l.skewWarnDue(off) {
			l.skewWarned = off
			warn(Warning{Msg: fmt.Sprintf("ratelimit: the server's clock is %s %s this machine's; reset times are corrected", absDur(off).Round(100*time.Millisecond), aheadBehind(off)), Offset: off})
		}
	}
	var rd resetReading
	if o.Present {
		rd = l.readReset(o.Reset, recv, l.windowSpan())
		reset := rd.at
		switch {
		case rd.clamped:
			m := l.maxWindowWait()
			once(warnedResetClamp, Warning{Msg: fmt.Sprintf("ratelimit: server reset %s ahead clamped to %s", reset.Sub(recv).Round(time.Second), m), Wait: reset.Sub(recv), Max: m, Offset: l.skew.offset()})
			reset = recv.Add(m)
		case rd.asIs:
			once(warnedResetClock, Warning{Msg: fmt.Sprintf("ratelimit: the server's reset times do not fit its Date header (%s off); they are read as this machine's time", absDur(l.skew.offset()).Round(time.Second)), Offset: l.skew.offset()})
		case reset.Before(recv.Add(-resetSlack)) && o.Remaining <= 0 && !o.Rejected:
			// The window is spent and its reset is in the past on
			// either clock: no reading of it is usable. (A 429 is
			// handled below: right after a reset, a window that ends
			// later than announced is tried again after the margin.)
			once(warnedNoReset, Warning{Msg: fmt.Sprintf("ratelimit: window spent, but its reset is %s in the past; waiting a full window (%s)", recv.Sub(reset).Round(time.Second), l.cfg.Rate.Per), Offset: l.skew.offset()})
			reset = recv.Add(l.cfg.Rate.Per)
		}
		l.win = window{Limit: o.Limit, Remaining: o.Remaining, Reset: reset, Observed: true}
		l.hasWin = true
		if o.Limit > 0 && o.Limit != l.serverLimit {
			l.serverLimit = o.Limit
			if l.cfg.AdoptServerLimit {
				// Rebuild the bucket at the new size, keeping its debt:
				// what it lacked of a full burst, it still lacks.
				at := now
				if l.taken.After(at) {
					at = l.taken
				}
				missing := float64(l.bucket.Burst()) - l.bucket.TokensAt(at)
				l.bucket = rate.NewLimiter(l.bucketRate(), l.burst())
				setTokens(l.bucket, float64(l.burst())-missing, at, l.burst())
				l.taken = at
			}
		}
	}
	for i, d := range [2]Day{o.UserDay, o.AppDay} {
		if !d.Present {
			continue
		}
		r := l.readReset(d.Reset, recv, day+resetSlack)
		reset := r.at
		if r.clamped {
			m := l.maxWait(ReasonServerDaily)
			once(warnedDayClamp, Warning{Msg: fmt.Sprintf("ratelimit: 24-hour reset %s ahead clamped to %s", reset.Sub(recv).Round(time.Second), m), Wait: reset.Sub(recv), Max: m, Offset: l.skew.offset()})
			reset = recv.Add(m)
		}
		d.Reset = reset
		l.days[i] = d
	}
	if !o.Rejected {
		if o.Present {
			l.rejections = 0
		}
		return warns
	}
	l.rejections++
	atReset := l.sinceReset >= 0 && l.sinceReset < l.margin+2*time.Second
	if atReset && l.margin < MaxMargin {
		// Rejected right after a reset we computed: the window ends later
		// than its announced second says. Wait longer after resets.
		l.margin = min(2*l.margin, MaxMargin)
		warn(Warning{Msg: fmt.Sprintf("ratelimit: 429 %s after the announced reset; margin raised to %s", l.sinceReset.Round(time.Millisecond), l.margin), Offset: l.skew.offset()})
	}
	switch {
	case o.RetryAfter > 0:
		d := o.RetryAfter
		if m := l.maxWindowWait(); d > m {
			warn(Warning{Msg: fmt.Sprintf("ratelimit: Retry-After %s clamped to %s", d, m), Wait: d, Max: m})
			d = m
		}
		l.setHold(recv.Add(d), ReasonSnooze)
	case !o.Present:
		l.setHold(recv.Add(SnoozeFallback), ReasonSnooze)
	case o.Remaining > 0:
		shift := min(l.rejections-1, 10)
		l.setHold(recv.Add(min(hiddenLimitBase<<shift, SnoozeFallback)), ReasonSnooze)
	default:
		// remaining 0: the window wait covers it. Our reading of the reset
		// was too early (or we would not have been refused), so wait for
		// the later of the two readings, converted and as-is, that lies
		// ahead. With none ahead: right after a reset, the window ends
		// later than announced, so try again after the (raised) margin;
		// otherwise, or if that is refused again, wait a full window.
		switch {
		case !rd.latest.IsZero():
			if rd.latest.After(l.win.Reset) {
				l.win.Reset = rd.latest
			}
		case !l.win.Reset.After(recv) && (!atReset || l.rejections > 1):
			once(warnedNoReset, Warning{Msg: fmt.Sprintf("ratelimit: 429 with no reset ahead on either clock; waiting a full window (%s)", l.cfg.Rate.Per), Offset: l.skew.offset()})
			l.win.Reset = recv.Add(l.cfg.Rate.Per)
		}
		l.setHold(recv.Add(l.margin), ReasonSnooze)
	}
	return warns
}

// resetReading is a server reset (epoch seconds) in local time.
type resetReading struct {
	at      time.Time // the reading to use
	asIs    bool      // at is the reset read on the local clock unconverted: the converted one is implausible
	clamped bool      // at lies further ahead than any reset can: clamp it
	// latest is the later of the converted and the as-is reading among
	// those that lie ahead of the response and within span; zero if none.
	latest time.Time
}

// windowSpan is the furthest ahead of a response a window's reset can
// plausibly lie.
func (l *Limiter) windowSpan() time.Duration {
	return max(l.cfg.Rate.Per, StandardWindow) + resetSlack
}

// readReset converts server, a reset on the server's clock, to local time.
// The Date headers' offset gives the reading to use when it is plausible:
// ahead of recv (or just behind it, a window ending while the response
// was in flight) and at most span ahead. A server whose Date header is far
// off while its resets are on the real clock (Date in 2100, say) makes the
// converted reading decades away; then the reset read as-is on the local
// clock is used if it is plausible.
func (l *Limiter) readReset(server, recv time.Time, span time.Duration) resetReading {
	conv, raw := l.toLocal(server), server
	fits := func(t time.Time) bool { return t.After(recv.Add(-resetSlack)) && !t.After(recv.Add(span)) }
	ahead := func(t time.Time) bool { return t.After(recv) && !t.After(recv.Add(span)) }
	var r resetReading
	for _, t := range [2]time.Time{conv, raw} {
		if ahead(t) && t.After(r.latest) {
			r.latest = t
		}
	}
	switch {
	case fits(conv):
		r.at = conv
	case fits(raw):
		r.at, r.asIs = raw, true
	default:
		r.at, r.clamped = conv, conv.After(recv.Add(span))
	}
	return r
}

// skewWarnDue reports whether a clock offset is worth a warning: 2 s or
// more, the first time; later only when it moved by at least a minute and
// at least as much as the offset warned about (a Date header that is stuck
// or random changes the estimate with every response).
func (l *Limiter) skewWarnDue(off time.Duration) bool {
	if absDur(off) < 2*time.Second {
		return false
	}
	if l.skewWarned == 0 {
		return true
	}
	return absDur(off-l.skewWarned) >= max(time.Minute, absDur(l.skewWarned))
}

// Snooze pauses all requests until until (e.g. a 429 with Retry-After the
// caller handles itself).
func (l *Limiter) Snooze(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setHold(until, ReasonSnooze)
}

// Backoff pauses all requests until until because of a transient error.
func (l *Limiter) Backoff(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setHold(until, ReasonBackoff)
}

func (l *Limiter) setHold(until time.Time, why Reason) {
	if until.After(l.hold) {
		l.hold, l.holdWhy = until, why
	}
}

func (l *Limiter) toLocal(server time.Time) time.Time {
	return server.Add(-l.skew.offset())
}

func (l *Limiter) warn(w Warning) {
	if l.cfg.OnWarning != nil {
		l.cfg.OnWarning(w)
	}
}

// Status is a snapshot for progress display.
type Status struct {
	Rate        Rate
	Limit       int       // requests the current window allows
	Remaining   int       // requests left in it
	Reset       time.Time // local time the window ends; zero when none is running
	Observed    bool      // Limit, Remaining and Reset come from the server
	ServerLimit int       // the limit the server announced; 0 before any response
	Tokens      float64   // bucket tokens
	DailyUsed   int       // requests in the last 24 hours
	DailyCap    int       // 0: no cap
	DailyFree   time.Time // when the next request fits under the daily cap, if it is reached
	UserDay     Day       // the server's 24-hour limits (local reset)
	AppDay      Day
	Wait        time.Duration // Delay(now)
	Why         Reason
	Until       time.Time // now + Wait
	Offset      time.Duration
	Margin      time.Duration
}

// Status reports the limiter's view at now.
func (l *Limiter) Status(now time.Time) Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, why := l.delay(now)
	s := Status{
		Rate:        l.cfg.Rate,
		Limit:       l.windowLimit(),
		Remaining:   l.windowLimit(),
		ServerLimit: l.serverLimit,
		Tokens:      l.bucket.TokensAt(now),
		DailyUsed:   l.dailyUsed(),
		DailyCap:    l.cfg.DailyCap,
		UserDay:     l.days[0],
		AppDay:      l.days[1],
		Wait:        d,
		Why:         why,
		Until:       now.Add(d),
		Offset:      l.skew.offset(),
		Margin:      l.margin,
	}
	if l.hasWin && now.Before(l.win.Reset.Add(l.margin)) {
		s.Limit, s.Remaining, s.Reset, s.Observed = l.win.Limit, max(l.win.Remaining, 0), l.win.Reset, l.win.Observed
	}
	if l.cfg.DailyCap > 0 && s.DailyUsed >= l.cfg.DailyCap {
		s.DailyFree = l.dailyFreeAt(now)
	}
	return s
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func aheadBehind(off time.Duration) string {
	if off > 0 {
		return "ahead of"
	}
	return "behind"
}
