package xapisim

import (
	"net/http"
	"strconv"
	"time"
)

// window is a fixed rate-limit window, anchored at the first request after
// the previous window ended, counted in whole seconds as the reset header
// is: a window of length L opened by a request at 12:00:07.4 runs from
// 12:00:07 to 12:00:07+L, and that end is the second announced in the reset
// header. A client that waits until the announced second never arrives
// early, and one that sends right after it gets a full window of L, so a
// drain at the server's pace takes exactly one window per limit.
type window struct {
	limit, count int
	end          time.Time
}

type windowKey struct{ user, endpoint string }

// window returns the current window of user on endpoint, starting a new one
// when none is open. s.mu is held.
func (s *Server) window(user, endpoint string, limit int, length time.Duration) *window {
	now := s.now()
	k := windowKey{user, endpoint}
	w, open := s.windows[k]
	if open && now.Before(w.end) {
		return w
	}
	if open {
		s.stats.WindowResets++
	}
	w = &window{limit: limit, end: ceilSecond(now.Truncate(time.Second).Add(length))}
	s.windows[k] = w
	return w
}

func (w *window) full() bool { return w.count >= w.limit }

// setHeaders writes limit, remaining and reset (epoch seconds) with prefix,
// e.g. "x-rate-limit-".
func (w *window) setHeaders(h http.Header, prefix string) {
	h.Set(prefix+"limit", strconv.Itoa(w.limit))
	h.Set(prefix+"remaining", strconv.Itoa(max(0, w.limit-w.count)))
	h.Set(prefix+"reset", strconv.FormatInt(w.end.Unix(), 10))
}

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

// limit is the per-window request limit of endpoint.
func (s *Server) limit(endpoint string) int {
	switch endpoint {
	case epUnfollow:
		return s.cfg.UnfollowLimit
	case epMe:
		return s.cfg.MeLimit
	case epUsersBy, epUsers:
		return s.cfg.UsersByLimit
	default:
		return s.cfg.FollowingLimit
	}
}
