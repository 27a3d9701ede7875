package xclient

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

// TestToFailure: the adapter hands the worker the client's verdicts: the
// kind, and whether the request may have taken effect.
func TestToFailure(t *testing.T) {
	const src, tgt = "1300000000000000001", "1700000000000000000"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		token   string
		kind    worker.Kind
		effect  bool
		hint    string
	}{
		{"200 cut off mid-body", func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			rec.WriteHeader(200)
			rec.WriteString(`{"data":{"following":false}}`)
			testkit.CutBody(w, rec)
		}, "t", worker.Transient, true, ""},
		{"503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, "t", worker.Transient, false, ""},
		{"502", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }, "t", worker.Transient, true, ""},
		{"404 naming the target", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"errors":[{"resource_id":%q,"type":"https://api.x.com/2/problems/resource-not-found","title":"Not Found Error"}]}`, tgt)
		}, "t", worker.NotFound, false, ""},
		{"404 generic", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"title":"Not Found Error","type":"about:blank","status":404,"detail":"Not Found"}`)
		}, "t", worker.Config, false, "--api-base-url"},
		{"token with a line break", func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") }, "a\nb", worker.Config, false, "credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set("Authorization", "Bearer "+tt.token)
				return http.DefaultTransport.RoundTrip(r)
			})}
			_, err := New(apiclient.New(hc, srv.URL, "")).Unfollow(t.Context(), src, tgt)
			f, ok := err.(*worker.Failure)
			if !ok {
				t.Fatalf("err = %v (%T), want *worker.Failure", err, err)
			}
			if f.Kind != tt.kind || f.MayHaveTakenEffect != tt.effect || !strings.Contains(f.Hint, tt.hint) {
				t.Errorf("Failure kind %v, may have taken effect %v, hint %q; want %v, %v, %q (%v)", f.Kind, f.MayHaveTakenEffect, f.Hint, tt.kind, tt.effect, tt.hint, err)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestReadFailureKeepsTheClientsError: a read's failure is classified for
// the worker, yet reads as the API client's own error (a person sees
// "users/me: 401 …", not an unfollow), and the client's *Error is still
// in the chain.
func TestReadFailureKeepsTheClientsError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-rate-limit-limit", "75")
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", "1900000000")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
	}))
	defer srv.Close()
	c := apiclient.New(srv.Client(), srv.URL, "")
	_, err := New(c).Me(t.Context())
	_, plain := c.Me(t.Context())
	var f *worker.Failure
	var ae *apiclient.Error
	if !errors.As(err, &f) || f.Kind != worker.Window || f.Obs == nil || f.Obs.Limit != 75 {
		t.Fatalf("err %v: want a Window failure with the headers", err)
	}
	if !errors.As(err, &ae) || err.Error() != plain.Error() {
		t.Errorf("err %q, want the client's own %q", err, plain)
	}
}

// TestRefusesTarget: a 403 that names the target fails only that target;
// an account-level one (even naming the id) or a generic one stops the run.
func TestRefusesTarget(t *testing.T) {
	const src, tgt = "1300000000000000001", "1700000000000000000"
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"names the target", `{"title":"Forbidden","type":"about:blank","status":403,"detail":"You cannot unfollow user ` + tgt + ` at this time."}`, true},
		{"generic", `{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}`, false},
		{"suspended account", `{"title":"Forbidden","type":"https://api.x.com/2/problems/user-suspended","status":403,"detail":"user ` + tgt + ` is suspended"}`, false},
		{"a longer number", `{"title":"Forbidden","type":"about:blank","status":403,"detail":"user ` + tgt + `9 is protected"}`, false},
		{"client-forbidden of another API version", `{"title":"Forbidden","type":"https://api.x.com/problems/client-forbidden","status":403,"detail":"app may not unfollow ` + tgt + `"}`, false},
		{"resource_id only (no words name it)", `{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden","resource_id":"` + tgt + `"}`, false},
		{"an errors entry's detail only", `{"errors":[{"title":"Forbidden","detail":"cannot unfollow ` + tgt + `"}],"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}`, false},
		{"legacy message when no detail", `{"errors":[{"code":161,"message":"You are unable to unfollow ` + tgt + `"}]}`, true},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			fmt.Fprint(w, tc.body)
		}))
		_, err := New(apiclient.New(srv.Client(), srv.URL, "")).Unfollow(t.Context(), src, tgt)
		srv.Close()
		var f *worker.Failure
		if !errors.As(err, &f) || f.Kind != worker.Forbidden || f.RefusesTarget != tc.want {
			t.Errorf("%s: %v; RefusesTarget want %v", tc.name, err, tc.want)
		}
	}
}

// TestObserverFeedsReadWindows: every read endpoint the client names has a
// window of the run's own (the names saved in the queue), and the
// unfollow's headers are not taken for a read's.
func TestObserverFeedsReadWindows(t *testing.T) {
	for ep := range readEndpoints {
		if string(readEndpoints[ep]) != string(ep) {
			t.Errorf("client endpoint %q is window %q: the saved windows would not be found again", ep, readEndpoints[ep])
		}
	}
	if _, ok := readEndpoints[apiclient.EndpointUnfollow]; ok {
		t.Error("the unfollow's headers would feed a read window")
	}
	if worker.MaxUsernamesPerRequest != apiclient.MaxUsernamesPerRequest {
		t.Errorf("worker sends %d names per users/by request, the client takes %d", worker.MaxUsernamesPerRequest, apiclient.MaxUsernamesPerRequest)
	}
}
