package ratelimit

import (
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// stateVersion is State.Version; Restore refuses other versions.
const stateVersion = 1

// State is the limiter's persistent state, JSON-serialisable. Times are
// local-clock instants (server times already converted), so a restarted
// process on the same machine continues where the last one stopped: it
// neither bursts into a spent window nor waits for a window that is over.
type State struct {
	Version     int           `json:"v"`
	Rate        string        `json:"rate"`               // informational: the rate it was saved with
	Tokens      float64       `json:"tokens"`             // bucket tokens at TokensAt
	TokensAt    time.Time     `json:"tokens_at,omitzero"` // zero: full bucket
	Window      *WindowState  `json:"window,omitempty"`
	ServerLimit int           `json:"server_limit,omitempty"`
	Daily       [][2]int64    `json:"daily,omitempty"` // [unix second, requests], oldest first
	UserDay     *WindowState  `json:"user_day,omitempty"`
	AppDay      *WindowState  `json:"app_day,omitempty"`
	Hold        time.Time     `json:"hold,omitzero"`
	HoldReason  Reason        `json:"hold_reason,omitempty"`
	Margin      time.Duration `json:"margin,omitempty"`
}

// WindowState is a window (or a 24-hour limit) in local time.
type WindowState struct {
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
	Observed  bool      `json:"observed,omitempty"`
}

// State returns the state to persist. The bucket is saved as its tokens
// at the last Take.
func (l *Limiter) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := State{
		Version:     stateVersion,
		Rate:        l.cfg.Rate.String(),
		Tokens:      float64(l.burst()),
		ServerLimit: l.serverLimit,
		Hold:        l.hold,
		HoldReason:  l.holdWhy,
		Margin:      l.margin,
	}
	if !l.taken.IsZero() {
		s.Tokens, s.TokensAt = l.bucket.TokensAt(l.taken), l.taken
	}
	if l.hasWin {
		s.Window = &WindowState{Limit: l.win.Limit, Remaining: l.win.Remaining, Reset: l.win.Reset, Observed: l.win.Observed}
	}
	for _, st := range l.daily {
		s.Daily = append(s.Daily, [2]int64{st.at.Unix(), int64(st.n)})
	}
	for i, p := range []**WindowState{&s.UserDay, &s.AppDay} {
		if d := l.days[i]; d.Present {
			*p = &WindowState{Limit: d.Limit, Remaining: d.Remaining, Reset: d.Reset, Observed: true}
		}
	}
	return s
}

// RestoreJSON restores the state saved as JSON (the queue keeps it so):
// the one decode of a saved state. Empty raw is no state and no error.
func (l *Limiter) RestoreJSON(raw []byte) error {
	if len(raw) == 0 {
		return nil
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("restore limiter state: %w", err)
	}
	return l.Restore(s)
}

// FromJSON is a limiter with the state saved as JSON, at the rate it was
// saved with (for a display of that state, such as status).
func FromJSON(raw []byte) (*Limiter, error) {
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("restore limiter state: %w", err)
	}
	var cfg Config
	if r, err := ParseRate(s.Rate); err == nil {
		cfg.Rate = r
	}
	l, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return l, l.Restore(s)
}

// Restore replaces the limiter's state with s (from State, possibly saved
// by another process and another --rate: the bucket is capped at the
// current burst). The learned margin is kept if it is larger.
func (l *Limiter) Restore(s State) error {
	if s.Version != stateVersion {
		return fmt.Errorf("restore limiter state: version %d, want %d", s.Version, stateVersion)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.serverLimit = max(s.ServerLimit, 0)
	l.bucket = rate.NewLimiter(l.bucketRate(), l.burst())
	l.taken = s.TokensAt
	if !s.TokensAt.IsZero() {
		setTokens(l.bucket, s.Tokens, s.TokensAt, l.burst())
	}
	l.hasWin = s.Window != nil
	l.win = window{}
	if s.Window != nil {
		l.win = window{Limit: s.Window.Limit, Remaining: s.Window.Remaining, Reset: s.Window.Reset, Observed: s.Window.Observed}
	}
	l.daily = l.daily[:0]
	for _, d := range s.Daily {
		if d[1] > 0 {
			l.daily = append(l.daily, stamp{at: time.Unix(d[0], 0), n: int(d[1])})
		}
	}
	for i, w := range []*WindowState{s.UserDay, s.AppDay} {
		l.days[i] = Day{}
		if w != nil {
			l.days[i] = Day{Present: true, Limit: w.Limit, Remaining: w.Remaining, Reset: w.Reset}
		}
	}
	l.hold, l.holdWhy = s.Hold, s.HoldReason
	l.margin = min(max(l.cfg.Margin, s.Margin), MaxMargin)
	l.sinceReset = -1
	return nil
}

// setTokens makes a fresh (full) bucket hold tokens at time at: it takes
// the missing tokens at a slightly earlier instant so that the refill up to
// at supplies the fractional part. rate.Limiter has no setter.
func setTokens(b *rate.Limiter, tokens float64, at time.Time, burst int) {
	missing := float64(burst) - tokens
	if missing <= 0 {
		return
	}
	whole := int(missing)
	if float64(whole) < missing {
		whole++
	}
	frac := float64(whole) - missing // refilled between t0 and at
	t0 := at.Add(-time.Duration(frac / float64(b.Limit()) * float64(time.Second)))
	for whole > 0 {
		n := min(whole, burst)
		b.ReserveN(t0, n)
		whole -= n
	}
}
