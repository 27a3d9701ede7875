package auth

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// newClock is a fake clock shared by the simulator and the code under test.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

// sim is a simulator behind httptest with a count of refresh requests.
type sim struct {
	*xapisim.Server
	URL       string
	clock     *testkit.Clock
	refreshes atomic.Int64 // grant_type=refresh_token requests received
	exchanges atomic.Int64 // grant_type=authorization_code requests received
	// onRefresh, if set, runs when a refresh request arrives, before the
	// server answers it.
	onRefresh atomic.Pointer[func()]
	// refuseRefresh, when set, answers every refresh 401 {"error":"weird"}:
	// a refusal outside the OAuth codes X documents.
	refuseRefresh atomic.Bool
}

func newSim(t *testing.T, cfg xapisim.Config) *sim {
	t.Helper()
	s := &sim{clock: newClock()}
	if cfg.Now == nil {
		cfg.Now = s.clock.Now
	}
	s.Server = xapisim.New(cfg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2/oauth2/token" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			switch q, _ := url.ParseQuery(string(body)); q.Get("grant_type") {
			case "refresh_token":
				s.refreshes.Add(1)
				if f := s.onRefresh.Load(); f != nil {
					(*f)()
				}
				if s.refuseRefresh.Load() {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					io.WriteString(w, `{"error":"weird"}`)
					return
				}
			case "authorization_code":
				s.exchanges.Add(1)
			}
		}
		s.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// browser drives the authorize page the way a person's browser would.
type browser struct {
	t       *testing.T
	sim     *sim
	consent bool // press the consent button instead of relying on AutoApprove
	// mangle, when set, rewrites the authorize URL before it is visited.
	mangle func(*url.URL)
	// beforeRedirect runs between the authorize answer and following its
	// redirect to the loopback listener (e.g. to advance the clock).
	beforeRedirect func()
	clientID       string
	secret         string

	mu       sync.Mutex
	codes    []string // codes seen in redirects
	page     string   // last page the listener showed
	status   int
	finished chan struct{}
}

func newBrowser(t *testing.T, s *sim, clientID, secret string) *browser {
	return &browser{t: t, sim: s, clientID: clientID, secret: secret, finished: make(chan struct{})}
}

// open is a LoginOptions.OpenBrowser: it registers the client with the
// redirect URI the login chose, then visits the authorize URL in the
// background.
func (b *browser) open(_ context.Context, authURL string) error {
	u, err := url.Parse(authURL)
	if err != nil {
		return err
	}
	b.sim.AddClient(xapisim.Client{ID: b.clientID, Secret: b.secret, RedirectURIs: []string{u.Query().Get("redirect_uri")}})
	if b.mangle != nil {
		b.mangle(u)
	}
	go b.visit(u.String())
	return nil
}

func (b *browser) visit(authURL string) {
	defer close(b.finished)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		b.t.Errorf("browser: %v", err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if b.consent {
		if resp.StatusCode != http.StatusOK {
			b.t.Errorf("browser: consent page answered %d", resp.StatusCode)
			return
		}
		form := consentForm(b.t, string(body))
		form.Set("decision", "allow")
		resp, err = hc.PostForm(b.sim.URL+"/i/oauth2/authorize", form)
		if err != nil {
			b.t.Errorf("browser: %v", err)
			return
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusFound {
		b.t.Errorf("browser: authorize answered %d, want a redirect", resp.StatusCode)
		return
	}
	loc := resp.Header.Get("Location")
	if lu, err := url.Parse(loc); err == nil && lu.Query().Get("code") != "" {
		b.mu.Lock()
		b.codes = append(b.codes, lu.Query().Get("code"))
		b.mu.Unlock()
	}
	if b.beforeRedirect != nil {
		b.beforeRedirect()
	}
	resp, err = hc.Get(loc)
	if err != nil {
		b.t.Errorf("browser: follow redirect: %v", err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.mu.Lock()
	b.page, b.status = string(page), resp.StatusCode
	b.mu.Unlock()
}

// result waits for the visit to end and returns the listener's page.
func (b *browser) result() (int, string) {
	b.t.Helper()
	select {
	case <-b.finished:
	case <-time.After(10 * time.Second):
		b.t.Fatal("browser visit did not end")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status, b.page
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// consentForm reads the hidden fields of the simulator's consent form.
func consentForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	if form.Get("state") == "" || form.Get("code_challenge") == "" {
		t.Fatalf("consent page has no form fields:\n%s", page)
	}
	return form
}

// authorizeElsewhere visits authURL like a browser on another machine and
// returns the address it was sent back to, without following it.
func authorizeElsewhere(t *testing.T, authURL string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// assertNoSecrets fails if any secret (of 6+ characters) appears in out.
func assertNoSecrets(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 6 && strings.Contains(out, s) {
			t.Errorf("output contains a secret %q…:\n%s", s[:4], out)
		}
	}
}

func isLoginRequired(err error) bool { return errors.Is(err, ErrLoginRequired) }
