package ratelimit

import "time"

// skew estimates offset = server clock − local clock from Date headers.
//
// A Date header is the server's time truncated to the second, taken while
// the request was in flight (between local send s and receive r), so every
// response proves lo = Date − r <= offset < Date + 1s − s = hi. Intersecting
// the intervals of successive responses narrows them down. An empty
// intersection means a clock jumped: start again from the newest response.
type skew struct {
	known  bool
	lo, hi time.Duration
}

func (s *skew) observe(date, sent, received time.Time) {
	lo := date.Sub(received)
	hi := date.Add(time.Second).Sub(sent)
	if !s.known || lo >= s.hi || hi <= s.lo {
		s.known, s.lo, s.hi = true, lo, hi
		return
	}
	s.lo, s.hi = max(s.lo, lo), min(s.hi, hi)
}

// offset returns the offset used to convert server times to local ones.
//
// When the interval contains 0 the clocks agree as far as one-second Date
// headers can tell, and both sides are presumably NTP-synchronised: use 0
// (the reset is then exact instead of up to a second late). Otherwise use
// the lower bound, the smallest offset the headers allow: it puts a reset
// at the latest local time consistent with them, so we never send early.
func (s *skew) offset() time.Duration {
	if !s.known || (s.lo <= 0 && 0 < s.hi) {
		return 0
	}
	return s.lo
}
