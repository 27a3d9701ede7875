package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/xapisim"
)

// TestMain doubles as a child process for the cross-process refresh test.
func TestMain(m *testing.M) {
	if os.Getenv("AUTH_TEST_CHILD") == "refresh" {
		os.Exit(childRefresh())
	}
	os.Exit(m.Run())
}

// childRefresh waits until its stdin closes (so that siblings start
// together), then makes one authenticated request with the stored
// credential and prints the user id.
func childRefresh() int {
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx := context.Background()
	api := os.Getenv("AUTH_TEST_API")
	hc, _, err := HTTPClient(ctx, Options{Dir: os.Getenv("AUTH_TEST_DIR"), APIBaseURL: api, Getenv: func(string) string { return "" }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	u, err := fetchMe(ctx, hc, api)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(u.ID)
	return 0
}

// loggedIn logs in against s and stores the credential in a new store.
func loggedIn(t *testing.T, s *sim, secret string) (string, Credential) {
	t.Helper()
	b := newBrowser(t, s, testClientID, secret)
	c, err := Login(context.Background(), loginOptions(s, b, secret, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := NewStore(dir, nil).Put(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

func stored(t *testing.T, dir string) Credential {
	t.Helper()
	all, err := NewStore(dir, nil).List()
	if err != nil || len(all) != 1 {
		t.Fatalf("store holds %d credentials, %v", len(all), err)
	}
	return all[0]
}

func getMe(ctx context.Context, hc *http.Client, base string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/2/users/me", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	drain(resp)
	return resp.StatusCode, nil
}

func TestRefreshBeforeExpiry(t *testing.T) {
	for _, secret := range []string{"", "confidential-secret"} {
		t.Run(fmt.Sprintf("secret=%t", secret != ""), func(t *testing.T) {
			ctx := context.Background()
			s := newSim(t, xapisim.Config{AutoApprove: true})
			dir, first := loggedIn(t, s, secret)
			out := &testkit.SyncBuffer{}
			hc, id, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv,
				Log: zerolog.New(out).Level(zerolog.TraceLevel)})
			if err != nil {
				t.Fatal(err)
			}
			if id.Method != MethodOAuth2 || id.UserID != xapisim.DefaultUserID || !id.Refreshable || !id.Expiry.Equal(first.Expiry) {
				t.Errorf("identity %+v", id)
			}

			s.clock.Advance(first.Expiry.Sub(s.clock.Now()) - RefreshMargin - time.Second)
			if st, err := getMe(ctx, hc, s.URL); err != nil || st != 200 {
				t.Fatalf("31s before expiry: %d %v", st, err)
			}
			if n := s.refreshes.Load(); n != 0 {
				t.Fatalf("refreshed %d times 31s before expiry", n)
			}
			s.clock.Advance(2 * time.Second)
			if st, err := getMe(ctx, hc, s.URL); err != nil || st != 200 {
				t.Fatalf("29s before expiry: %d %v", st, err)
			}
			if n := s.refreshes.Load(); n != 1 {
				t.Fatalf("refreshed %d times 29s before expiry, want 1", n)
			}
			now := stored(t, dir)
			if now.AccessToken == first.AccessToken || now.RefreshToken == first.RefreshToken || now.Generation != 1 {
				t.Errorf("store not rotated: generation %d", now.Generation)
			}
			if !now.Expiry.Equal(s.clock.Now().Add(xapisim.DefaultTokenLifetime)) {
				t.Errorf("new expiry %v", now.Expiry)
			}
			// The server spent the old refresh token.
			_, err = refreshToken(ctx, nil, first, secret)
			var te *TokenError
			if !errors.As(err, &te) || !te.Rejected() {
				t.Fatalf("reusing the old refresh token: %v, want a rejection", err)
			}
			// The next "process" reads the new pair and needs no refresh.
			refreshes := s.refreshes.Load()
			hc2, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			if st, err := getMe(ctx, hc2, s.URL); err != nil || st != 200 || s.refreshes.Load() != refreshes {
				t.Fatalf("second client: %d %v, %d more refreshes", st, err, s.refreshes.Load()-refreshes)
			}
			assertNoSecrets(t, out.String(), first.AccessToken, first.RefreshToken, now.AccessToken, now.RefreshToken, secret)
		})
	}
}

func noEnv(string) string { return "" }

// A request cancelled while its refresh is on the wire (a signal, the run's
// deadline, the request timeout) must not lose the rotated pair: X has spent
// the old refresh token by then.
func TestRefreshSurvivesCancelledRequest(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	dir, first := loggedIn(t, s, "")
	hc, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := func() { cancel() }
	s.onRefresh.Store(&f)
	s.clock.Advance(first.Expiry.Sub(s.clock.Now()))
	if _, err := getMe(ctx, hc, s.URL); err == nil {
		t.Fatal("the cancelled request succeeded")
	}
	s.onRefresh.Store(nil)
	if n := s.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	now := stored(t, dir)
	if now.RefreshToken == first.RefreshToken || now.NeedsLogin != "" {
		t.Fatalf("the rotated pair was not saved (generation %d, needs login %q)", now.Generation, now.NeedsLogin)
	}
	hc2, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := getMe(context.Background(), hc2, s.URL); err != nil || st != 200 || s.refreshes.Load() != 1 {
		t.Fatalf("next run: %d %v after %d refreshes, want 200 with the saved token", st, err, s.refreshes.Load())
	}
}

// A 401 forces one refresh and one retry; a request whose body cannot be
// replayed gets the 401 back.
func TestRefreshOn401(t *testing.T) {
	ctx := context.Background()
	s := newSim(t, xapisim.Config{AutoApprove: true})
	dir, first := loggedIn(t, s, "")
	// Revoke the access token only: the server answers 401 although the
	// expiry is hours away.
	if err := revoke(ctx, nil, first, "", first.AccessToken, "access_token"); err != nil {
		t.Fatal(err)
	}
	hc, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, s.URL+"/2/users/"+xapisim.DefaultUserID+"/following/12", io.NopCloser(strings.NewReader("x")))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized || s.refreshes.Load() != 0 {
		t.Fatalf("unreplayable body: %d after %d refreshes, want the 401 untouched", resp.StatusCode, s.refreshes.Load())
	}

	if st, err := getMe(ctx, hc, s.URL); err != nil || st != 200 {
		t.Fatalf("after 401: %d %v", st, err)
	}
	if n := s.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if stored(t, dir).AccessToken == first.AccessToken {
		t.Error("refreshed token not stored")
	}

	// Revoke the whole grant: the refresh is rejected and the request
	// fails with a login-required error.
	cur := stored(t, dir)
	if err := revoke(ctx, nil, cur, "", cur.RefreshToken, "refresh_token"); err != nil {
		t.Fatal(err)
	}
	_, err = getMe(ctx, hc, s.URL)
	if !isLoginRequired(err) {
		t.Fatalf("after revoking the grant: %v, want ErrLoginRequired", err)
	}
	var lr *LoginRequiredError
	if !errors.As(err, &lr) || !strings.HasPrefix(lr.Hint(), "bulkunfollow auth login --client-id ") {
		t.Errorf("error %v has no login hint", err)
	}
}

// After the server stopped accepting the refresh token, the store says so
// and the next run fails at once without calling the token endpoint.
func TestSpentRefreshTokenNeedsLogin(t *testing.T) {
	ctx := context.Background()
	s := newSim(t, xapisim.Config{AutoApprove: true})
	dir, first := loggedIn(t, s, "")
	if _, err := refreshToken(ctx, nil, first, ""); err != nil { // spent elsewhere
		t.Fatal(err)
	}
	s.clock.Advance(3 * time.Hour)
	hc, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	_, err = getMe(ctx, hc, s.URL)
	if !isLoginRequired(err) || !strings.Contains(err.Error(), "no longer accepts the refresh token") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecrets(t, err.Error(), first.RefreshToken, first.AccessToken)
	if c := stored(t, dir); c.NeedsLogin == "" {
		t.Error("store does not record that a new login is needed")
	}
	before := s.refreshes.Load()
	_, _, err = HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if !isLoginRequired(err) || s.refreshes.Load() != before {
		t.Fatalf("next run: %v after %d more refreshes", err, s.refreshes.Load()-before)
	}
}

// A failure between receiving the new pair and saving it: the store keeps
// the previous, intact file; the run stops with "log in again"; the next
// run gets the same clear answer (the old refresh token is spent), and a
// new login repairs it. When the file did reach the disk (only the
// directory sync failed), the new pair is used.
func TestRefreshSaveFailure(t *testing.T) {
	for _, step := range []string{"partial", "write", "sync", "rename", "syncdir"} {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			s := newSim(t, xapisim.Config{AutoApprove: true})
			dir, first := loggedIn(t, s, "")
			before, _ := os.ReadFile(NewStore(dir, nil).Path())
			s.clock.Advance(2 * time.Hour)

			hc, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv, failAt: failStep(step)})
			if err != nil {
				t.Fatal(err)
			}
			st, err := getMe(ctx, hc, s.URL)
			if s.refreshes.Load() != 1 {
				t.Fatalf("%d refreshes", s.refreshes.Load())
			}
			assertOnlyStoreFiles(t, dir)
			if step == "syncdir" {
				if err != nil || st != 200 {
					t.Fatalf("rename done, dir sync failed: %d %v; want the new pair used", st, err)
				}
				if stored(t, dir).Generation != 1 {
					t.Error("new pair not on disk")
				}
				return
			}
			if !isLoginRequired(err) || !strings.Contains(err.Error(), "could not be saved") {
				t.Fatalf("err = %v, want a login-required save failure", err)
			}
			after, _ := os.ReadFile(NewStore(dir, nil).Path())
			if string(after) != string(before) {
				t.Fatalf("store changed by a failed save")
			}

			hc2, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := getMe(ctx, hc2, s.URL); !isLoginRequired(err) {
				t.Fatalf("next run: %v, want ErrLoginRequired", err)
			}

			b := newBrowser(t, s, testClientID, "")
			c, err := Login(ctx, loginOptions(s, b, "", io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if err := NewStore(dir, nil).Put(ctx, c); err != nil {
				t.Fatal(err)
			}
			hc3, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			if st, err := getMe(ctx, hc3, s.URL); err != nil || st != 200 {
				t.Fatalf("after a new login: %d %v", st, err)
			}
			if first.UserID != stored(t, dir).UserID {
				t.Error("login stored another account")
			}
		})
	}
}

// Several clients with their own Store on one directory refresh at once:
// the lock lets one refresh; the others re-read and use its token.
func TestConcurrentRefreshSeparateStores(t *testing.T) {
	ctx := context.Background()
	s := newSim(t, xapisim.Config{AutoApprove: true})
	dir, _ := loggedIn(t, s, "")
	s.clock.Advance(2 * time.Hour)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
			if err != nil {
				errs <- err
				return
			}
			<-start
			if st, err := getMe(ctx, hc, s.URL); err != nil || st != 200 {
				errs <- fmt.Errorf("status %d: %v", st, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := s.refreshes.Load(); got != 1 {
		t.Errorf("%d refreshes, want 1", got)
	}
	if c := stored(t, dir); c.Generation != 1 || c.NeedsLogin != "" {
		t.Errorf("stored generation %d, needs login %q", c.Generation, c.NeedsLogin)
	}
}

// Two processes refresh the same expired credential at once: both
// succeed, the server sees one refresh, the store ends with one valid pair.
func TestConcurrentRefreshProcesses(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true})
	dir, _ := loggedIn(t, s, "")
	// The children use the real clock: make the stored token look expired
	// to them (the simulator still honours it on its own clock).
	st := NewStore(dir, nil)
	c := stored(t, dir)
	c.Expiry = time.Now().Add(-time.Minute)
	if err := st.Put(context.Background(), c); err != nil {
		t.Fatal(err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type child struct {
		cmd         *exec.Cmd
		stdin       io.WriteCloser
		out, errOut strings.Builder
	}
	var children []*child
	for range 2 {
		ch := &child{cmd: exec.Command(exe, "-test.run=^$")}
		ch.cmd.Env = append(os.Environ(), "AUTH_TEST_CHILD=refresh", "AUTH_TEST_DIR="+dir, "AUTH_TEST_API="+s.URL)
		ch.cmd.Stdout, ch.cmd.Stderr = &ch.out, &ch.errOut
		if ch.stdin, err = ch.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := ch.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, ch)
	}
	for _, ch := range children {
		ch.stdin.Close() // go
	}
	for i, ch := range children {
		if err := ch.cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, ch.errOut.String())
		}
		if got := strings.TrimSpace(ch.out.String()); got != xapisim.DefaultUserID {
			t.Errorf("child %d printed %q", i, got)
		}
	}
	if got := s.refreshes.Load(); got != 1 {
		t.Errorf("%d refreshes, want 1", got)
	}
	final := stored(t, dir)
	if final.Generation != 1 {
		t.Errorf("generation %d", final.Generation)
	}
	// The stored pair is the live one: it refreshes.
	if _, err := refreshToken(context.Background(), nil, final, ""); err != nil {
		t.Errorf("stored refresh token does not work: %v", err)
	}
	raw, _ := os.ReadFile(st.Path())
	var f storeFile
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Accounts) != 1 {
		t.Errorf("store file: %d accounts, %v", len(f.Accounts), err)
	}
}

// A token that lives less than RefreshMargin is refreshed a quarter of its
// life before expiry, not before every request.
func TestShortLivedTokenIsNotRefreshedEveryRequest(t *testing.T) {
	s := newSim(t, xapisim.Config{AutoApprove: true, TokenLifetime: 20 * time.Second})
	dir, _ := loggedIn(t, s, "")
	hc, _, err := HTTPClient(context.Background(), Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if st, err := getMe(context.Background(), hc, s.URL); err != nil || st != 200 {
			t.Fatalf("me: %d %v", st, err)
		}
		s.clock.Advance(time.Second)
	}
	// 10 s of a 20 s token: no refresh yet (the margin is 5 s).
	if n := s.refreshes.Load(); n != 0 {
		t.Errorf("%d refreshes in the first half of a 20 s token's life, want 0", n)
	}
	s.clock.Advance(6 * time.Second) // 16 s: inside the last quarter
	if st, err := getMe(context.Background(), hc, s.URL); err != nil || st != 200 || s.refreshes.Load() != 1 {
		t.Errorf("at 16 s: %d %v, %d refreshes; want one refresh", st, err, s.refreshes.Load())
	}
}

// TestUnlistedRefreshRefusalNeedsAPerson: a token endpoint that refuses a
// refresh with a 4xx outside the OAuth codes X documents (here 401
// {"error":"weird"}) is a configuration problem (*ConfigError: exit 1),
// not "X could not be reached": waiting does not change it.
func TestUnlistedRefreshRefusalNeedsAPerson(t *testing.T) {
	ctx := context.Background()
	s := newSim(t, xapisim.Config{AutoApprove: true})
	dir, _ := loggedIn(t, s, "")
	s.refuseRefresh.Store(true)
	s.clock.Advance(3 * time.Hour)
	hc, _, err := HTTPClient(ctx, Options{Dir: dir, APIBaseURL: s.URL, Now: s.clock.Now, Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	_, err = getMe(ctx, hc, s.URL)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "refused the refresh") {
		t.Fatalf("err = %v, want a *ConfigError about the refused refresh", err)
	}
}
