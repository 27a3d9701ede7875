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
	"github.com/bulkunfollow/bulkunfollow/xapisim"
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
	if worker.MaxIDsPerRequest != apiclient.MaxIDsPerRequest {
		t.Errorf("worker sends %d ids per users request, the client takes %d", worker.MaxIDsPerRequest, apiclient.MaxIDsPerRequest)
	}
	for _, ep := range []apiclient.Endpoint{apiclient.EndpointMe, apiclient.EndpointUsersBy, apiclient.EndpointUsers, apiclient.EndpointFollowing} {
		if _, ok := readEndpoints[ep]; !ok {
			t.Errorf("read endpoint %q has no window", ep)
		}
	}
}

// TestUserFollowedAndFollowingCount: connection_status becomes Followed
// (with "following": yes; present without it: no; absent: unknown), and
// a following_count X did not send stays -1.
func TestUserFollowedAndFollowingCount(t *testing.T) {
	for _, tc := range []struct {
		conn  []string
		count int
		want  worker.Followed
	}{
		{nil, -1, worker.FollowedUnknown},
		{[]string{}, 0, worker.FollowedNo},
		{[]string{"followed_by", "follow_request_sent"}, 12, worker.FollowedNo},
		{[]string{"followed_by", "following"}, -1, worker.FollowedYes},
	} {
		got := user(apiclient.User{ID: "1", Username: "a", Connection: tc.conn, FollowingCount: tc.count})
		if got != (worker.User{ID: "1", Username: "a", Followed: tc.want, FollowingCount: tc.count}) {
			t.Errorf("connection_status %q, following_count %d: %+v, want Followed %v", tc.conn, tc.count, got, tc.want)
		}
	}
}

// TestLookupsAgainstTheSimulator: through the simulator, Me carries the
// following count and no relation; both lookups say who is followed; an id
// X does not know, or that is not an id, comes back as an UnknownUser
// named by the id, with what was said of it.
func TestLookupsAgainstTheSimulator(t *testing.T) {
	const followed, other, unknown = "1600000000000000001", "1600000000000000002", "1600000000000000009"
	sim := xapisim.New(xapisim.Config{})
	sim.AddUser(followed, "followed")
	sim.AddUser(other, "other")
	sim.SetFollowing(xapisim.DefaultUserID, []string{followed})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	token := sim.IssueToken(xapisim.DefaultUserID)
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+token)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := New(apiclient.New(hc, srv.URL, ""))
	ctx := t.Context()

	me, err := c.Me(ctx)
	if err != nil || me.ID != xapisim.DefaultUserID || me.FollowingCount != 1 || me.Followed != worker.FollowedUnknown {
		t.Errorf("Me = %+v, %v", me, err)
	}
	byName, _, err := c.UsersByUsernames(ctx, []string{"followed", "other"})
	if err != nil || fmt.Sprint(byName) != fmt.Sprint([]worker.User{
		{ID: followed, Username: "followed", Followed: worker.FollowedYes, FollowingCount: -1},
		{ID: other, Username: "other", Followed: worker.FollowedNo, FollowingCount: -1},
	}) {
		t.Errorf("users/by = %+v, %v", byName, err)
	}
	users, notFound, err := c.UsersByIDs(ctx, []string{other, unknown, followed, "not-an-id"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(users) != fmt.Sprint([]worker.User{
		{ID: other, Username: "other", Followed: worker.FollowedNo, FollowingCount: -1},
		{ID: followed, Username: "followed", Followed: worker.FollowedYes, FollowingCount: -1},
	}) {
		t.Errorf("users = %+v", users)
	}
	if len(notFound) != 2 {
		t.Fatalf("not found = %+v", notFound)
	}
	bad, nf := notFound[0], notFound[1]
	if bad.Username != "not-an-id" || !strings.Contains(bad.Detail, "not a valid user id") {
		t.Errorf("invalid id: %+v", bad)
	}
	if nf.Username != unknown || nf.Title != "Not Found Error" || !strings.HasSuffix(nf.Type, "/resource-not-found") || !strings.Contains(nf.Detail, unknown) {
		t.Errorf("unknown id: %+v", nf)
	}
}
