package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// errCannotRefresh means a 401 cannot be cured by refreshing: the
// credential has no refresh token. The 401 response is passed on.
var errCannotRefresh = errors.New("credential cannot be refreshed")

// storeSource hands out the access token of one stored OAuth 2.0
// credential and refreshes it when it is about to expire or the server
// refused it. A refresh happens under the store's cross-process lock: the
// store is re-read first (another process may have refreshed already), and
// the new pair is saved before anyone uses it.
type storeSource struct {
	store        *Store
	hc           *http.Client // token endpoint client, without our auth
	now          func() time.Time
	log          zerolog.Logger
	clientSecret string // overrides the stored secret when not empty
	// secrets are redacted from every answer; new tokens join them.
	secrets *secretSet

	mu   sync.Mutex
	cred Credential
}

// usable reports whether c's access token can be sent at now.
func usable(c Credential, now time.Time) bool {
	return c.AccessToken != "" && (c.Expiry.IsZero() || now.Add(refreshMargin(c)).Before(c.Expiry))
}

// refreshMargin is RefreshMargin, or a quarter of the token's lifetime when
// that is shorter: a token that lives less than the margin (a simulator
// with --token-lifetime 20s) would otherwise be refreshed before every
// request.
func refreshMargin(c Credential) time.Duration {
	issued := c.Refreshed
	if issued.IsZero() {
		issued = c.Created
	}
	if life := c.Expiry.Sub(issued); !issued.IsZero() && life > 0 && life/4 < RefreshMargin {
		return life / 4
	}
	return RefreshMargin
}

// token returns an access token to send. stale, when not empty, is a
// token the server just refused with 401: a different one is returned, by
// refreshing if nobody has yet.
func (s *storeSource) token(ctx context.Context, stale string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if usable(s.cred, now) && s.cred.AccessToken != stale {
		return s.cred.AccessToken, nil
	}
	if !s.cred.Refreshable() {
		if stale != "" {
			return "", errCannotRefresh
		}
		return "", &LoginRequiredError{Account: s.cred.Label(), Login: loginFlags(s.cred), Reason: "the access token expired and there is no refresh token (log in again; keep the offline.access scope)"}
	}

	unlock, err := s.store.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	f, err := s.store.load()
	if err != nil {
		return "", err
	}
	i := indexOf(f.Accounts, s.cred)
	if i < 0 {
		return "", &LoginRequiredError{Account: s.cred.Label(), Login: loginFlags(s.cred), Reason: "the credential is no longer stored (logged out?)"}
	}
	cur := f.Accounts[i]
	if cur.NeedsLogin != "" {
		return "", &LoginRequiredError{Account: cur.Label(), Login: loginFlags(cur), Reason: cur.NeedsLogin}
	}
	if cur.AccessToken != s.cred.AccessToken && cur.AccessToken != stale && usable(cur, now) {
		// Another process (or Store) refreshed while we waited for the lock.
		s.log.Debug().Str("account", cur.Label()).Int("generation", cur.Generation).Msg("using the token another process refreshed")
		s.secrets.add(cur.AccessToken, cur.RefreshToken)
		s.cred = cur
		return cur.AccessToken, nil
	}

	secret := cur.ClientSecret
	if secret != "" && s.clientSecret != "" {
		secret = s.clientSecret
	}
	s.log.Debug().Str("account", cur.Label()).Time("expiry", cur.Expiry).Bool("after_401", stale != "").Msg("refreshing access token")
	// The refresh must not die with the request that needed it: once X has
	// rotated the pair, only saving the new one keeps the account usable.
	// So it runs detached from the request's context (its timeout, the
	// run's deadline, a signal), bounded by a timeout of its own.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	tok, err := refreshToken(rctx, s.hc, cur, secret)
	if err != nil {
		var te *TokenError
		if errors.As(err, &te) && te.Rejected() {
			reason := "the server no longer accepts the refresh token (used already, revoked, or the app was authorized again elsewhere)"
			f.Accounts[i].NeedsLogin = reason
			if serr := s.store.save(f); serr != nil {
				s.log.Warn().Err(serr).Msg("could not mark the credential as needing a new login")
			}
			return "", &LoginRequiredError{Account: cur.Label(), Login: loginFlags(cur), Reason: reason, Err: te}
		}
		if errors.As(err, &te) && te.ClientRejected() {
			return "", &ConfigError{Msg: fmt.Sprintf("refresh token for %s: the server refused the client credentials (%s): check BULKUNFOLLOW_CLIENT_SECRET or log in again", cur.Label(), te.Code)}
		}
		if errors.As(err, &te) && te.Status >= 400 && te.Status < 500 && te.Status != http.StatusTooManyRequests {
			// Any other refusal (an answer X's docs do not list): waiting
			// will not change it; a person must look.
			return "", &ConfigError{Msg: fmt.Sprintf("refresh token for %s: the token endpoint refused the refresh (%v): check --api-base-url and the app's settings, or log in again", cur.Label(), te)}
		}
		return "", err
	}

	if err := checkIssued("refresh token", tok); err != nil {
		// Unusable, and the old refresh token may be spent already.
		reason := "the server answered the refresh with a token that cannot be sent (a control or non-ASCII character in it)"
		f.Accounts[i].NeedsLogin = reason
		if serr := s.store.save(f); serr != nil {
			s.log.Warn().Err(serr).Msg("could not mark the credential as needing a new login")
		}
		return "", &LoginRequiredError{Account: cur.Label(), Login: loginFlags(cur), Reason: reason}
	}

	// The old refresh token is spent from here on: the new pair must reach
	// the disk before it is used, or the next run cannot refresh.
	next := cur
	applyToken(&next, tok, now)
	s.secrets.add(next.AccessToken, next.RefreshToken)
	next.Generation++
	next.Refreshed = now.UTC()
	f.Accounts[i] = next
	if err := s.store.save(f); err != nil {
		// The rename may have happened before the failure (a failed
		// directory sync): what is on disk decides.
		if !s.store.holds(next) {
			s.log.Error().Err(err).Str("account", cur.Label()).Msg("refreshed token could not be saved")
			return "", &LoginRequiredError{Account: cur.Label(), Login: loginFlags(cur), Reason: "the refreshed token could not be saved and the previous refresh token is spent", Err: err}
		}
		s.log.Warn().Err(err).Str("account", cur.Label()).Msg("refreshed token saved, but not confirmed on disk")
	}
	s.log.Debug().Str("account", next.Label()).Int("generation", next.Generation).Time("expiry", next.Expiry).Msg("refreshed token saved")
	s.cred = next
	return next.AccessToken, nil
}

// refreshTimeout bounds a token refresh, which runs detached from the
// request that triggered it.
const refreshTimeout = 30 * time.Second

func indexOf(all []Credential, c Credential) int {
	for i := range all {
		if sameKey(all[i], c) {
			return i
		}
	}
	return -1
}

// bearerTransport sends a bearer token from src and, on a 401, asks src
// for a different one and retries the request once when its body can be
// sent again.
type bearerTransport struct {
	base  http.RoundTripper
	token func(ctx context.Context, stale string) (string, error)
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tok, err := t.token(ctx, "")
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(withBearer(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}
	fresh, err := t.token(ctx, tok)
	if errors.Is(err, errCannotRefresh) {
		return resp, nil
	}
	drain(resp)
	if err != nil {
		return nil, err
	}
	retry := withBearer(req, fresh)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("retry after refresh: %w", err)
		}
		retry.Body = body
	}
	return t.base.RoundTrip(retry)
}

// withBearer returns a copy of req that carries tok.
func withBearer(req *http.Request, tok string) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// replayable reports whether req can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// closeBody honours RoundTripper's contract to close the request body
// even on failure.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// staticToken is the token source of a ready bearer token.
func staticToken(tok string) func(context.Context, string) (string, error) {
	return func(_ context.Context, stale string) (string, error) {
		if stale != "" {
			return "", errCannotRefresh
		}
		return tok, nil
	}
}
