package apiclient

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// X's bodies, as its documentation and OpenAPI spec give them.
const (
	bodyUnauthorized      = `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`
	bodyUnsupportedAuth   = `{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}`
	bodyClientForbidden   = `{"client_id":"29012345","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`
	bodyUserSuspended     = `{"title":"Forbidden","type":"https://api.twitter.com/2/problems/user-suspended","status":403,"detail":"The user used for authentication is suspended"}`
	bodyForbidden         = `{"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403}`
	bodyInvalidRequest    = `{"errors":[{"parameters":{"source_user_id":["1"]},"message":"You can only unfollow on behalf of the authenticated user"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`
	bodyCredits           = `{"title":"Payment Required","type":"https://api.x.com/2/problems/credits","status":402,"detail":"Your account does not have enough credits to complete this request."}`
	bodyCreditsDepleted   = `{"title":"CreditsDepleted","type":"https://api.twitter.com/2/problems/credits-depleted","status":402,"detail":"Your enrolled account has depleted its credits."}`
	bodyTooManyRequests   = `{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}`
	bodyLegacy88          = `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`
	bodyUsageCapped       = `{"title":"UsageCapExceeded","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product","detail":"Usage cap exceeded: Monthly product cap"}`
	bodyUsageCappedX      = `{"title":"UsageCapExceeded","type":"https://api.x.com/2/problems/usage-capped","period":"Daily","scope":"Account","detail":"Usage cap exceeded: Daily account cap"}`
	bodyInternal          = `{"title":"Internal Server Error","type":"about:blank","status":500,"detail":"Internal Server Error"}`
	bodyServiceUnavailHTM = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
	bodyUnfollowed        = `{"data":{"following":false}}`
	bodyTargetNotFound    = `{"errors":[{"value":"2244994945","detail":"Could not find user with id: [2244994945].","title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":"2244994945","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`
	bodyNotFound404       = `{"errors":[{"value":"2244994945","detail":"Could not find user with id: [2244994945].","title":"Not Found Error","resource_type":"user","parameter":"target_user_id","resource_id":"2244994945","type":"https://api.x.com/2/problems/resource-not-found"}],"title":"Not Found Error","detail":"Could not find user with id: [2244994945].","type":"https://api.x.com/2/problems/resource-not-found","resource_type":"user","resource_id":"2244994945"}`
	source                = "1790000000000000001" // above 2^53
	target                = "2244994945"
)

// reply is what a fake server answers.
type reply struct {
	status int
	header map[string]string
	body   string
}

// recorder keeps every request a fake server received.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) add(req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
}

func (r *recorder) all() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

// fakeX starts a server answering with fn and returns a client for it.
func fakeX(t *testing.T, fn func(*http.Request) reply, opts ...Option) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := fakeServer(t, func(r *http.Request) reply {
		rec.add(r)
		return fn(r)
	})
	return New(srv.Client(), srv.URL+"/", "bulkunfollow-test/1.0", opts...), rec
}

// fakeServer starts a server answering with fn.
func fakeServer(t *testing.T, fn func(*http.Request) reply) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp := fn(r.Clone(r.Context()))
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" && rp.body != "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(rp.status)
		_, _ = w.Write([]byte(rp.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fixed returns a server function that always answers rp.
func fixed(rp reply) func(*http.Request) reply { return func(*http.Request) reply { return rp } }

// limits builds the three window headers.
func limits(limit, remaining int, reset int64) map[string]string {
	return map[string]string{
		HeaderLimit:     itoa(int64(limit)),
		HeaderRemaining: itoa(int64(remaining)),
		HeaderReset:     itoa(reset),
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
