package apiclient

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	recv := time.Date(2026, 1, 1, 12, 0, 0, 400e6, time.UTC)
	date := "Thu, 01 Jan 2026 12:00:05 GMT" // server 5 s ahead
	tests := []struct {
		name   string
		header map[string]string
		check  func(t *testing.T, r RateInfo)
	}{
		{"all window headers", map[string]string{HeaderLimit: "50", HeaderRemaining: "49", HeaderReset: "1767269700"},
			func(t *testing.T, r RateInfo) {
				if !r.Present || r.Limit != 50 || r.Remaining != 49 || r.Reset != time.Unix(1767269700, 0) {
					t.Errorf("got %+v", r)
				}
			}},
		{"none", nil, func(t *testing.T, r RateInfo) {
			if r.Present || r.HasLimit || r.HasRemaining || r.HasReset || r.HasDate || r.HasRetryAfter ||
				r.UserDay.Present || r.AppDay.Present || !r.Received.Equal(recv) {
				t.Errorf("got %+v", r)
			}
		}},
		{"garbage", map[string]string{HeaderLimit: "fifty", HeaderRemaining: "-3", HeaderReset: "1.5e9",
			"Date": "yesterday", "Retry-After": "soon"},
			func(t *testing.T, r RateInfo) {
				if r.HasLimit || r.HasRemaining || r.HasReset || r.Present || r.HasDate || r.HasRetryAfter {
					t.Errorf("garbage accepted: %+v", r)
				}
			}},
		{"overflow and implausible", map[string]string{HeaderLimit: "99999999999999999999", HeaderRemaining: "4294967296",
			HeaderReset: "999999999999999", "Retry-After": "-5"},
			func(t *testing.T, r RateInfo) {
				if r.HasLimit || r.HasRemaining || r.HasReset || r.HasRetryAfter {
					t.Errorf("implausible accepted: %+v", r)
				}
			}},
		{"reset zero is absent", map[string]string{HeaderReset: "0"}, func(t *testing.T, r RateInfo) {
			if r.HasReset {
				t.Errorf("got %+v", r)
			}
		}},
		{"spaces tolerated, partial set", map[string]string{HeaderLimit: " 50 ", HeaderRemaining: "0"},
			func(t *testing.T, r RateInfo) {
				if !r.HasLimit || r.Limit != 50 || !r.HasRemaining || r.Remaining != 0 || r.HasReset || r.Present {
					t.Errorf("got %+v", r)
				}
			}},
		{"24 hour user and app", map[string]string{
			HeaderUserDayLimit: "500", HeaderUserDayRemain: "123", HeaderUserDayReset: "1767300000",
			HeaderAppDayLimit: "10000", HeaderAppDayRemain: "9000", HeaderAppDayReset: "bad"},
			func(t *testing.T, r RateInfo) {
				u, a := r.UserDay, r.AppDay
				if !u.Present || u.Limit != 500 || u.Remaining != 123 || u.Reset.Unix() != 1767300000 {
					t.Errorf("UserDay = %+v", u)
				}
				if a.Present || !a.HasLimit || a.Limit != 10000 || !a.HasRemaining || a.Remaining != 9000 || a.HasReset {
					t.Errorf("AppDay = %+v", a)
				}
			}},
		{"date", map[string]string{"Date": date, HeaderReset: "1767269700"},
			func(t *testing.T, r RateInfo) {
				if !r.HasDate || !r.Date.Equal(time.Date(2026, 1, 1, 12, 0, 5, 0, time.UTC)) {
					t.Errorf("Date = %v", r.Date)
				}
				if !r.HasReset || !r.Reset.Equal(time.Unix(1767269700, 0)) {
					t.Errorf("Reset = %v, %v", r.Reset, r.HasReset)
				}
			}},
		{"retry-after seconds", map[string]string{"Retry-After": "120"}, func(t *testing.T, r RateInfo) {
			if !r.HasRetryAfter || r.RetryAfter != 2*time.Minute {
				t.Errorf("got %v %v", r.HasRetryAfter, r.RetryAfter)
			}
		}},
		{"retry-after zero", map[string]string{"Retry-After": "0"}, func(t *testing.T, r RateInfo) {
			if !r.HasRetryAfter || r.RetryAfter != 0 {
				t.Errorf("got %v %v", r.HasRetryAfter, r.RetryAfter)
			}
		}},
		{"retry-after date relative to server Date", map[string]string{"Date": date, "Retry-After": "Thu, 01 Jan 2026 12:01:05 GMT"},
			func(t *testing.T, r RateInfo) {
				if !r.HasRetryAfter || r.RetryAfter != time.Minute {
					t.Errorf("got %v %v", r.HasRetryAfter, r.RetryAfter)
				}
			}},
		{"retry-after date relative to receive time", map[string]string{"Retry-After": "Thu, 01 Jan 2026 12:00:30 GMT"},
			func(t *testing.T, r RateInfo) {
				if !r.HasRetryAfter || r.RetryAfter != 29600*time.Millisecond {
					t.Errorf("got %v %v", r.HasRetryAfter, r.RetryAfter)
				}
			}},
		{"retry-after date in the past clamps to 0", map[string]string{"Date": date, "Retry-After": "Thu, 01 Jan 2026 11:00:00 GMT"},
			func(t *testing.T, r RateInfo) {
				if !r.HasRetryAfter || r.RetryAfter != 0 {
					t.Errorf("got %v %v", r.HasRetryAfter, r.RetryAfter)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			tt.check(t, ParseRate(h, recv))
		})
	}
}

// TestRateOnEveryResponse: success and error responses both carry RateInfo,
// and the observer sees each one with its endpoint.
func TestRateOnEveryResponse(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var seen []Endpoint
	n := 0
	c, _ := fakeX(t, func(*http.Request) reply {
		n++
		h := limits(50, 50-n, 1767226500)
		h["Date"] = "Thu, 01 Jan 2026 00:00:02 GMT"
		if n == 2 {
			return reply{429, limits(50, 0, 1767226500), bodyTooManyRequests}
		}
		return reply{200, h, bodyUnfollowed}
	}, WithClock(func() time.Time { return now }), WithRateObserver(func(ep Endpoint, r RateInfo) {
		seen = append(seen, ep)
	}))
	res, err := c.Unfollow(t.Context(), source, target)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rate.Present || res.Rate.Remaining != 49 || !res.Rate.Received.Equal(now) {
		t.Errorf("success Rate = %+v", res.Rate)
	}
	if !res.Rate.HasDate || !res.Rate.Date.Equal(now.Add(2*time.Second)) {
		t.Errorf("Date = %v %v", res.Rate.Date, res.Rate.HasDate)
	}
	_, err = c.Unfollow(t.Context(), source, target)
	e, ok := err.(*Error)
	if !ok || !e.Rate.Present || e.Rate.Remaining != 0 || !e.Rate.Received.Equal(now) {
		t.Fatalf("error Rate: %v", err)
	}
	if len(seen) != 2 || seen[0] != EndpointUnfollow || seen[1] != EndpointUnfollow {
		t.Errorf("observer saw %v", seen)
	}
}

func TestExhausted(t *testing.T) {
	recv := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	windowReset := recv.Add(10 * time.Minute).Unix()
	dayReset := recv.Add(5 * time.Hour).Unix()
	tests := []struct {
		name   string
		header map[string]string
		window bool
		day    bool
	}{
		{"nothing exhausted", map[string]string{HeaderLimit: "50", HeaderRemaining: "3", HeaderReset: itoa(windowReset)}, false, false},
		{"window exhausted", map[string]string{HeaderRemaining: "0", HeaderReset: itoa(windowReset)}, true, false},
		{"window exhausted without reset", map[string]string{HeaderRemaining: "0"}, true, false},
		{"day and window exhausted", map[string]string{HeaderRemaining: "0", HeaderReset: itoa(windowReset),
			HeaderUserDayRemain: "0", HeaderUserDayReset: itoa(dayReset)}, true, true},
		{"app day exhausted, window not", map[string]string{HeaderRemaining: "12", HeaderReset: itoa(windowReset),
			HeaderAppDayRemain: "0", HeaderAppDayReset: itoa(dayReset)}, false, true},
		{"retry-after only", map[string]string{"Retry-After": "90"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			r := ParseRate(h, recv)
			if r.WindowExhausted() != tt.window || r.DayExhausted() != tt.day {
				t.Errorf("WindowExhausted %v DayExhausted %v", r.WindowExhausted(), r.DayExhausted())
			}
		})
	}
}
