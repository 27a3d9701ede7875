package apiclient

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dghubble/oauth1"
)

// captureRT records the request it would send and answers 200.
type captureRT struct{ req *http.Request }

func (c *captureRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.req = r
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
}

type fixedNoncer string

func (n fixedNoncer) Nonce() string { return string(n) }

// authParams parses an OAuth Authorization header.
func authParams(t *testing.T, h string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		t.Fatalf("Authorization %q is not OAuth", h)
	}
	out := map[string]string{}
	for _, kv := range strings.Split(rest, ", ") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("bad pair %q", kv)
		}
		uv, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			t.Fatal(err)
		}
		out[k] = uv
	}
	return out
}

// TestOAuth1PublishedVector signs X's "Creating a signature" example
// (developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signature)
// through OAuth1Transport's library path. The library takes the timestamp
// from time.Now, so the request runs in a synctest bubble whose fake clock
// is moved to the example's oauth_timestamp.
func TestOAuth1PublishedVector(t *testing.T) {
	creds := OAuth1Credentials{
		ConsumerKey:    "xvz1evFS4wEEPTGEFPHBog",
		ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		Token:          "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
		TokenSecret:    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
	}
	tests := []struct{ url, want string }{
		// The current docs (API 1.1 URL).
		{"https://api.twitter.com/1.1/statuses/update.json?include_entities=true", "hCtSmYh+iHYCEqBWrE7C7hYmtUk="},
		// The older docs (API 1 URL), as in dghubble/oauth1's reference test.
		{"https://api.twitter.com/1/statuses/update.json?include_entities=true", "tnnArxj06cWHq44gCs1OSKk/jLY="},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			time.Sleep(time.Until(time.Unix(1318622958, 0)))
			cfg := oauth1.NewConfig(creds.ConsumerKey, creds.ConsumerSecret)
			cfg.Noncer = fixedNoncer("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
			capture := &captureRT{}
			hc := &http.Client{Transport: oauth1Transport(capture, cfg, creds)}
			form := url.Values{"status": {"Hello Ladies + Gentlemen, a signed OAuth request!"}}
			req, _ := http.NewRequest("POST", tt.url, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			p := authParams(t, capture.req.Header.Get("Authorization"))
			if p["oauth_signature"] != tt.want || p["oauth_timestamp"] != "1318622958" ||
				p["oauth_signature_method"] != "HMAC-SHA1" || p["oauth_consumer_key"] != creds.ConsumerKey ||
				p["oauth_token"] != creds.Token || p["oauth_version"] != "1.0" {
				t.Errorf("%s: params %v, want signature %s", tt.url, p, tt.want)
			}
		})
	}
}

// verifyHMACSHA1 is an independent RFC 5849 §3.4 verifier used to check
// the signatures of the requests the client sends (query included).
func verifyHMACSHA1(t *testing.T, r *http.Request, consumerSecret, tokenSecret string) bool {
	t.Helper()
	p := authParams(t, r.Header.Get("Authorization"))
	var pairs []string
	enc := oauth1.PercentEncode
	for k, v := range p {
		if k != "oauth_signature" && k != "realm" {
			pairs = append(pairs, enc(k)+"="+enc(v))
		}
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, enc(k)+"="+enc(v))
		}
	}
	sort.Strings(pairs)
	base := r.Method + "&" + enc("http://"+r.Host+r.URL.EscapedPath()) + "&" + enc(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(enc(consumerSecret)+"&"+enc(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) == p["oauth_signature"]
}

func TestOAuth1SignsClientRequests(t *testing.T) {
	creds := OAuth1Credentials{ConsumerKey: "ck", ConsumerSecret: "cs&secret", Token: "1-tok", TokenSecret: "ts+secret"}
	var reqs []*http.Request
	srv := fakeServer(t, func(r *http.Request) reply {
		reqs = append(reqs, r)
		return reply{200, nil, `{"data":[{"id":"1","name":"n","username":"jack"}],"meta":{"result_count":1}}`}
	})
	c := New(NewOAuth1HTTPClient(srv.Client().Transport, creds), srv.URL, "ua")
	ctx := t.Context()
	_, _, _ = c.UsersByUsernames(ctx, []string{"jack", "x_y"})
	_, _ = c.Following(ctx, "1", "tok/=+")
	_, _ = c.Unfollow(ctx, "1", "2")
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		if !verifyHMACSHA1(t, r, creds.ConsumerSecret, creds.TokenSecret) {
			t.Errorf("%s %s: signature does not verify", r.Method, r.URL)
		}
		if verifyHMACSHA1(t, r, creds.ConsumerSecret, "wrong") {
			t.Errorf("%s %s: verifies with a wrong secret", r.Method, r.URL)
		}
		if r.UserAgent() != "ua" {
			t.Errorf("User-Agent lost: %q", r.UserAgent())
		}
	}
}

func TestSecretsNeverInErrorsOrStrings(t *testing.T) {
	creds := OAuth1Credentials{ConsumerKey: "ck", ConsumerSecret: "CONSUMERSECRET", Token: "1-TOKENVALUE", TokenSecret: "TOKENSECRET"}
	for _, s := range []string{creds.String(), fmt.Sprintf("%v %+v %#v", creds, creds, creds)} {
		for _, secret := range []string{"CONSUMERSECRET", "TOKENVALUE", "TOKENSECRET"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %s", s, secret)
			}
		}
	}
	if creds.Validate() != nil || (OAuth1Credentials{ConsumerKey: "a"}).Validate() == nil {
		t.Error("Validate")
	}
	// Errors from signed and bearer requests never echo credentials.
	bodies := []reply{{401, nil, bodyUnauthorized}, {503, nil, bodyServiceUnavailHTM}, {200, nil, "garbage"}}
	for _, rp := range bodies {
		srv := fakeServer(t, fixed(rp))
		for _, hc := range []*http.Client{
			NewOAuth1HTTPClient(srv.Client().Transport, creds),
			{Transport: bearer{srv.Client().Transport, "BEARERTOKEN"}},
		} {
			_, err := New(hc, srv.URL, "").Unfollow(t.Context(), "1", "2")
			e := err.(*Error)
			dump := fmt.Sprintf("%v %+v %#v", err, e, e)
			for _, secret := range []string{"CONSUMERSECRET", "TOKENVALUE", "TOKENSECRET", "BEARERTOKEN", "OAuth "} {
				if strings.Contains(dump, secret) {
					t.Errorf("error dump shows %s: %s", secret, dump)
				}
			}
		}
	}
}

type bearer struct {
	base  http.RoundTripper
	token string
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}
