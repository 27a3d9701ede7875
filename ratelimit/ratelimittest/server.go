// Package ratelimittest is a model of X's rate limiting for tests: a fixed
// window anchored at the first request, whose reset stays the same for every
// response in the window, announced as whole epoch seconds on a server
// clock that may be skewed against ours, with one-second Date headers.
//
// It counts what a careful client must never cause: requests over the
// limit in a window (429s).
package ratelimittest

import (
	"time"

	"github.com/bulkunfollow/bulkunfollow/ratelimit"
)

// Server is a fixed-window rate limit for one user and endpoint. Set the
// exported fields before the first request.
type Server struct {
	Limit  int           // requests per window
	Window time.Duration // window length
	Skew   time.Duration // server clock minus local clock
	// FloorReset ends a window at the whole second before first+Window
	// (shorter windows) instead of the one after (the default).
	FloorReset bool
	// LateEnd makes the window really end this long after the second it
	// announces (a server whose reset header is truncated). Zero: it ends
	// exactly at the announced second.
	LateEnd time.Duration
	// DayLimit, if > 0, adds x-user-limit-24hour-* headers for a fixed
	// 24-hour window anchored at the first request.
	DayLimit int

	end, announced time.Time // server clock
	count          int
	dayEnd         time.Time
	dayCount       int

	Requests    int         // requests received
	Rejected    int         // 429s answered
	MaxInWindow int         // most requests accepted in one window
	PerWindow   []int       // accepted requests per window, in order
	Starts      []time.Time // when each window began: its first request (server clock)
	Ends        []time.Time // when each window really ended (server clock)
}

// Do handles one request that reaches the server at local time at and
// whose response is received at local time recv (>= at). It reports
// whether the request was accepted and what the response's headers say.
func (s *Server) Do(sent, at, recv time.Time) (accepted bool, o ratelimit.Observation) {
	now := at.Add(s.Skew) // server clock
	s.Requests++
	if s.count == 0 || !now.Before(s.end) {
		s.announced = now.Add(s.Window).Truncate(time.Second)
		if !s.FloorReset && s.announced.Before(now.Add(s.Window)) {
			s.announced = s.announced.Add(time.Second)
		}
		s.end = s.announced.Add(s.LateEnd)
		s.count = 0
		s.PerWindow = append(s.PerWindow, 0)
		s.Starts = append(s.Starts, now)
		s.Ends = append(s.Ends, s.end)
	}
	if s.DayLimit > 0 && (s.dayEnd.IsZero() || !now.Before(s.dayEnd)) {
		s.dayEnd = now.Add(24 * time.Hour).Truncate(time.Second)
		s.dayCount = 0
	}
	accepted = s.count < s.Limit && (s.DayLimit == 0 || s.dayCount < s.DayLimit)
	if accepted {
		s.count++
		s.dayCount++
		s.PerWindow[len(s.PerWindow)-1]++
		s.MaxInWindow = max(s.MaxInWindow, s.count)
	} else {
		s.Rejected++
	}
	o = ratelimit.Observation{
		Present:   true,
		Limit:     s.Limit,
		Remaining: s.Limit - s.count,
		Reset:     s.announced,
		Date:      now.Truncate(time.Second),
		Sent:      sent,
		Received:  recv,
		Rejected:  !accepted,
	}
	if s.DayLimit > 0 {
		o.UserDay = ratelimit.Day{Present: true, Limit: s.DayLimit, Remaining: s.DayLimit - s.dayCount, Reset: s.dayEnd}
	}
	return accepted, o
}

// End is when the current window really ends (server clock); zero before
// the first request.
func (s *Server) End() time.Time { return s.end }
