package xapisim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
)

// newFakeClock is a clock tests move by hand.
func newFakeClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC))
}

// start runs a simulator on a loopback test server with a fake clock.
func start(t *testing.T, cfg Config) (*Server, *httptest.Server, *testkit.Clock) {
	t.Helper()
	clock := newFakeClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = func(context.Context, time.Duration) error {
			t.Error("unexpected sleep")
			return nil
		}
	}
	sim := New(cfg)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return sim, ts, clock
}

// result is a response read whole.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// do sends a request with a bearer token ("" for none).
func do(t *testing.T, ts *httptest.Server, method, path, bearer string) result {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return send(t, ts.Client(), req)
}

func send(t *testing.T, c *http.Client, req *http.Request) result {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", req.URL.Path, err)
	}
	return result{resp.StatusCode, resp.Header, body}
}

// postForm posts form values, with HTTP Basic when user is not "".
func postForm(t *testing.T, ts *httptest.Server, path, user, pass string, form map[string]string) result {
	t.Helper()
	vals := make([]string, 0, len(form))
	for k, v := range form {
		vals = append(vals, k+"="+url.QueryEscape(v))
	}
	req, err := http.NewRequest("POST", ts.URL+path, strings.NewReader(strings.Join(vals, "&")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return send(t, ts.Client(), req)
}
