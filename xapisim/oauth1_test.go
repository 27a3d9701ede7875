package xapisim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
)

// Published example signatures: the OAuth Core 1.0 appendix (photos
// example), RFC 5849 §1.2, and Twitter's "Creating a signature" page.
func TestOAuth1SignatureVectors(t *testing.T) {
	tests := []struct {
		name, method, url, body     string
		oauth                       map[string]string
		consumerSecret, tokenSecret string
		want                        string
	}{
		{
			name: "OAuth Core 1.0 A.5", method: "GET", url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
			oauth: map[string]string{"oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "nnch734d00sl2jdk",
				"oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "1191242096", "oauth_nonce": "kllo9940pd9333jh", "oauth_version": "1.0"},
			consumerSecret: "kd94hf93k423kf44", tokenSecret: "pfkkdhi9sl3r4s00",
			want: "tR3+Ty81lMeYAr/Fid0kMTYa/WM=",
		},
		{
			name: "RFC 5849 1.2", method: "GET", url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
			oauth: map[string]string{"realm": "Photos", "oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "nnch734d00sl2jdk",
				"oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "137131202", "oauth_nonce": "chapoH"},
			consumerSecret: "kd94hf93k423kf44", tokenSecret: "pfkkdhi9sl3r4s00",
			want: "MdpQcU8iPSUjWoN/UDMsK2sui9I=",
		},
		{
			name: "Twitter docs", method: "POST", url: "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
			body: "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
			oauth: map[string]string{"oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog", "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
				"oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "1318622958",
				"oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", "oauth_version": "1.0"},
			consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
			want: "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			got := oauth1Signature(r.Method, requestBaseURL(r), r.URL.Query(), formBody(r), tt.oauth, tt.consumerSecret, tt.tokenSecret)
			if got != tt.want {
				t.Fatalf("signature %s, want %s", got, tt.want)
			}

			// The whole verification path accepts the published request
			// once, at its timestamp, and refuses a replay.
			var header []string
			for k, v := range tt.oauth {
				header = append(header, percentEncode(k)+`="`+percentEncode(v)+`"`)
			}
			header = append(header, `oauth_signature="`+percentEncode(tt.want)+`"`)
			r.Header.Set("Authorization", "OAuth "+strings.Join(header, ", "))
			var ts int64
			for _, c := range tt.oauth["oauth_timestamp"] {
				ts = ts*10 + int64(c-'0')
			}
			sim := New(Config{Now: func() time.Time { return time.Unix(ts, 0).Add(time.Minute) }})
			sim.AddOAuth1(OAuth1Credentials{ConsumerKey: tt.oauth["oauth_consumer_key"], ConsumerSecret: tt.consumerSecret,
				Token: tt.oauth["oauth_token"], TokenSecret: tt.tokenSecret, UserID: DefaultUserID})
			body := formBody(r)
			sim.mu.Lock()
			defer sim.mu.Unlock()
			for i, want := range []bool{true, false} {
				params, ok := oauth1Params(r.Header.Get("Authorization"))
				if !ok {
					t.Fatal("header not parsed")
				}
				if _, ok := sim.verifyOAuth1(r, params, body); ok != want {
					t.Fatalf("verification %d: %v, want %v", i, ok, want)
				}
			}
		})
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
		"An encoded string!": "An%20encoded%20string%21",
		"Dogs, Cats & Mice":  "Dogs%2C%20Cats%20%26%20Mice",
		"☃":                  "%E2%98%83",
		"-._~azAZ09":         "-._~azAZ09",
	} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOAuth1WithLibrary signs with github.com/dghubble/oauth1 (the library
// apiclient uses) against the simulator's own verification. The library
// stamps the real time, so the simulator runs on the real clock here.
func TestOAuth1WithLibrary(t *testing.T) {
	creds := OAuth1Credentials{ConsumerKey: "ck", ConsumerSecret: "cs&/+", Token: "1790000000000000001-tok", TokenSecret: "ts", UserID: DefaultUserID}
	tests := []struct {
		name   string
		skew   time.Duration
		secret string
		status int
	}{
		{"signed right", 0, creds.TokenSecret, 200},
		{"wrong token secret", 0, "nope", 401},
		{"clock 10 min off", 10 * time.Minute, creds.TokenSecret, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := New(Config{Now: time.Now, Skew: tt.skew, Sleep: func(context.Context, time.Duration) error { return nil }})
			sim.AddOAuth1(creds)
			sim.SetFollowing(DefaultUserID, []string{"42"})
			ts := httptest.NewServer(sim)
			defer ts.Close()
			conf := oauth1.NewConfig(creds.ConsumerKey, creds.ConsumerSecret)
			ctx := context.WithValue(context.Background(), oauth1.HTTPClient, ts.Client())
			c := conf.Client(ctx, oauth1.NewToken(creds.Token, tt.secret))
			for _, req := range []struct{ method, path string }{
				{"GET", "/2/users/me"},
				{"GET", "/2/users/by?usernames=sim_user,nobody&user.fields=id"},
				{"DELETE", unfollowPath("42")},
			} {
				r := send(t, c, mustRequest(t, req.method, ts.URL+req.path, ""))
				if r.status != tt.status {
					t.Fatalf("%s %s: %d %s", req.method, req.path, r.status, r.body)
				}
			}
		})
	}
	t.Run("replayed request", func(t *testing.T) {
		sim := New(Config{})
		sim.AddOAuth1(creds)
		ts := httptest.NewServer(sim)
		defer ts.Close()
		var captured string
		capture := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			captured = r.Header.Get("Authorization")
			return ts.Client().Transport.RoundTrip(r)
		})}
		ctx := context.WithValue(context.Background(), oauth1.HTTPClient, capture)
		c := oauth1.NewConfig(creds.ConsumerKey, creds.ConsumerSecret).Client(ctx, oauth1.NewToken(creds.Token, creds.TokenSecret))
		if r := send(t, c, mustRequest(t, "GET", ts.URL+"/2/users/me", "")); r.status != 200 {
			t.Fatalf("first: %d", r.status)
		}
		replay := mustRequest(t, "GET", ts.URL+"/2/users/me", "")
		replay.Header.Set("Authorization", captured)
		if r := send(t, ts.Client(), replay); r.status != 401 {
			t.Fatalf("replayed nonce and timestamp: %d, want 401", r.status)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
