package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestClassifyResponses covers every row of docs/api-errors.md and the
// extra shapes X is known to send, through a real HTTP round trip.
func TestClassifyResponses(t *testing.T) {
	const reset = 1767225600
	capHeaders := limits(50, 45, reset)
	tests := []struct {
		name          string
		rp            reply
		want          Class
		wantName      string // Problem.Name()
		wantText      string // substring of Error()
		wantExhausted bool
		wantHint      string // substring of Hint(); "" = no hint expected
	}{
		{"401 unauthorized", reply{401, limits(50, 49, reset), bodyUnauthorized},
			ClassUnauthorized, "", "401 Unauthorized: Unauthorized", false, "auth login"},
		{"401 legacy could not authenticate", reply{401, nil, `{"errors":[{"code":32,"message":"Could not authenticate you."}]}`},
			ClassUnauthorized, "", "Could not authenticate you. (code 32)", false, "auth login"},
		{"403 unsupported-authentication", reply{403, limits(50, 50, reset), bodyUnsupportedAuth},
			ClassForbidden, "unsupported-authentication", "OAuth 2.0 Application-Only is forbidden", false, "app-only"},
		{"403 client-forbidden client-not-enrolled", reply{403, nil, bodyClientForbidden},
			ClassForbidden, "client-forbidden", "attached to a Project", false, "Project"},
		{"403 user-suspended", reply{403, nil, bodyUserSuspended},
			ClassForbidden, "user-suspended", "authentication is suspended", false, "suspended"},
		{"403 generic forbidden", reply{403, limits(50, 40, reset), bodyForbidden},
			ClassForbidden, "", "403 Forbidden: You are not permitted to perform this action.", false, "Read and write"},
		{"400 invalid-request source is not the user", reply{400, nil, bodyInvalidRequest},
			ClassForbidden, "invalid-request", "One or more parameters", false, "source id"},
		{"402 credits api.x.com", reply{402, limits(50, 48, reset), bodyCredits},
			ClassQuota, "credits", "402 Payment Required", false, "credits"},
		{"402 credits-depleted api.twitter.com", reply{402, nil, bodyCreditsDepleted},
			ClassQuota, "credits-depleted", "depleted its credits", false, "credits"},
		{"402 without body", reply{402, nil, ""},
			ClassQuota, "", "402 Payment Required", false, "credits"},
		{"429 window exhausted problem json", reply{429, limits(50, 0, reset), bodyTooManyRequests},
			ClassWindowLimited, "", "429 Too Many Requests: Too Many Requests", true, "waits for the reset"},
		{"429 legacy code 88", reply{429, limits(50, 0, reset), bodyLegacy88},
			ClassWindowLimited, "", "Rate limit exceeded (code 88)", true, "waits"},
		{"429 hidden short limit remaining > 0", reply{429, limits(50, 3, reset), bodyTooManyRequests},
			ClassWindowLimited, "", "429 Too Many Requests", false, "waits"},
		{"429 without headers or body", reply{429, nil, ""},
			ClassWindowLimited, "", "429 Too Many Requests", false, "waits"},
		{"429 usage cap monthly remaining > 0", reply{429, capHeaders, bodyUsageCapped},
			ClassQuota, "usage-capped", "Usage cap exceeded: Monthly product cap (usage-capped)", false, "monthly usage cap"},
		{"429 usage cap api.x.com host", reply{429, capHeaders, bodyUsageCappedX},
			ClassQuota, "usage-capped", "Daily account cap", false, "daily usage cap"},
		{"429 usage cap even with remaining 0", reply{429, limits(50, 0, reset), bodyUsageCapped},
			ClassQuota, "usage-capped", "Monthly product cap", true, "usage cap"},
		{"429 garbage headers", reply{429, map[string]string{HeaderLimit: "fifty", HeaderRemaining: "-1", HeaderReset: "soon"}, bodyTooManyRequests},
			ClassWindowLimited, "", "429 Too Many Requests", false, "waits"},
		{"500 problem", reply{500, limits(50, 10, reset), bodyInternal},
			ClassTransient, "", "500 Internal Server Error: Internal Server Error", false, ""},
		{"503 html from a proxy", reply{503, map[string]string{"Content-Type": "text/html"}, bodyServiceUnavailHTM},
			ClassTransient, "", "503 Service Unavailable: non-JSON body", false, ""},
		{"502 empty body", reply{502, nil, ""},
			ClassTransient, "", "502 Bad Gateway", false, ""},
		{"504 plain text", reply{504, map[string]string{"Content-Type": "text/plain"}, "upstream request timeout"},
			ClassTransient, "", "504 Gateway Timeout", false, ""},
		{"408 request timeout", reply{408, nil, ""},
			ClassTransient, "", "408 Request Timeout", false, ""},
		{"200 errors resource-not-found for the target", reply{200, limits(50, 47, reset), bodyTargetNotFound},
			ClassNotFound, "resource-not-found", "200 OK: Could not find user with id: [2244994945].", false, ""},
		{"200 errors resource-unavailable for the target", reply{200, nil, `{"errors":[{"resource_id":"2244994945","resource_type":"user","title":"Forbidden","detail":"User has been suspended: [2244994945].","type":"https://api.x.com/2/problems/resource-unavailable"}]}`},
			ClassNotFound, "resource-unavailable", "User has been suspended", false, ""},
		{"200 errors about another id", reply{200, nil, strings.ReplaceAll(bodyTargetNotFound, target, "42")},
			ClassPermanent, "resource-not-found", "Could not find user with id: [42].", false, ""},
		{"200 not json", reply{200, map[string]string{"Content-Type": "text/html"}, "<html>captive portal</html>"},
			ClassTransient, "", "malformed response body", false, ""},
		{"200 truncated json", reply{200, nil, `{"data":{"follo`},
			ClassTransient, "", "malformed response body", false, ""},
		{"200 empty object", reply{200, nil, `{}`},
			ClassTransient, "", "malformed response body: no data", false, ""},
		{"404 about the target", reply{404, nil, bodyNotFound404},
			ClassNotFound, "resource-not-found", "404 Not Found: Could not find user", false, ""},
		{"404 naming the target in its detail only", reply{404, nil, `{"title":"Not Found Error","type":"about:blank","detail":"Could not find user with id: [2244994945]."}`},
			ClassNotFound, "", "Could not find user with id: [2244994945].", false, ""},
		{"404 errors entry with the target's value", reply{404, nil, `{"errors":[{"value":"2244994945","title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found"}]}`},
			ClassNotFound, "resource-not-found", "404 Not Found: Not Found Error", false, ""},
		// A 404 that does not name the target is about the path or the app
		// (a wrong base URL; X's answer to some unauthorized DELETEs): it
		// would fail target after target, so it stops the run.
		{"404 legacy user not found", reply{404, nil, `{"errors":[{"code":50,"message":"User not found."}]}`},
			ClassConfig, "", "User not found. (code 50)", false, "--api-base-url"},
		{"404 legacy page does not exist", reply{404, nil, `{"errors":[{"code":34,"message":"Sorry, that page does not exist."}]}`},
			ClassConfig, "", "(code 34)", false, "Read and write"},
		{"404 html wrong base url", reply{404, map[string]string{"Content-Type": "text/html"}, "<html>404 page not found</html>"},
			ClassConfig, "", "404 Not Found: non-JSON body", false, "--api-base-url"},
		{"404 empty body", reply{404, nil, ""},
			ClassConfig, "", "404 Not Found", false, "--api-base-url"},
		{"404 generic problem", reply{404, nil, `{"title":"Not Found Error","type":"about:blank","status":404,"detail":"Not Found"}`},
			ClassConfig, "", "404 Not Found: Not Found", false, "Read and write"},
		{"404 resource-not-found without an id", reply{404, nil, `{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","detail":"The requested resource was not found."}`},
			ClassConfig, "resource-not-found", "was not found", false, "--api-base-url"},
		{"404 about another id", reply{404, nil, strings.ReplaceAll(bodyNotFound404, target, "42")},
			ClassConfig, "resource-not-found", "Could not find user with id: [42].", false, "--api-base-url"},
		{"404 detail with the id inside a longer number", reply{404, nil, `{"title":"Not Found Error","type":"about:blank","detail":"Could not find user with id: [122449949451]."}`},
			ClassConfig, "", "[122449949451]", false, "--api-base-url"},
		{"409 conflict", reply{409, nil, `{"title":"Conflict","type":"about:blank","status":409,"detail":"Conflict"}`},
			ClassPermanent, "", "409 Conflict: Conflict", false, ""},
		{"400 other problem", reply{400, nil, `{"title":"Bad Request","type":"about:blank","status":400,"detail":"Bad Request"}`},
			ClassPermanent, "", "400 Bad Request", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fakeX(t, fixed(tt.rp))
			_, err := c.Unfollow(context.Background(), source, target)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Unfollow error = %v (%T), want *Error", err, err)
			}
			if got := e.Class(); got != tt.want {
				t.Errorf("Class() = %v, want %v (err %v)", got, tt.want, err)
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify() = %v, want %v", got, tt.want)
			}
			if e.Status != tt.rp.status {
				t.Errorf("Status = %d, want %d", e.Status, tt.rp.status)
			}
			if got := e.Problem.Name(); got != tt.wantName {
				t.Errorf("Problem.Name() = %q, want %q", got, tt.wantName)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "unfollow "+target+": ") || !strings.Contains(msg, tt.wantText) {
				t.Errorf("Error() = %q, want prefix %q and %q", msg, "unfollow "+target+": ", tt.wantText)
			}
			if got := e.WindowExhausted(); got != tt.wantExhausted {
				t.Errorf("WindowExhausted() = %v, want %v", got, tt.wantExhausted)
			}
			hint := e.Hint()
			if tt.wantHint == "" && hint != "" || !strings.Contains(hint, tt.wantHint) {
				t.Errorf("Hint() = %q, want containing %q", hint, tt.wantHint)
			}
			if e.Header == nil || e.Method != http.MethodDelete || e.Path != "/2/users/"+source+"/following/"+target {
				t.Errorf("Header/Method/Path = %v/%q/%q", e.Header != nil, e.Method, e.Path)
			}
		})
	}
}

func TestErrorKeepsProblemFields(t *testing.T) {
	c, _ := fakeX(t, fixed(reply{429, limits(50, 45, 1767225600), bodyUsageCapped}))
	_, err := c.Unfollow(context.Background(), source, target)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	p := e.Problem
	if p.Title != "UsageCapExceeded" || p.Detail != "Usage cap exceeded: Monthly product cap" ||
		p.Str("period") != "Monthly" || p.Str("scope") != "Product" {
		t.Errorf("Problem = %+v", p)
	}
	if !e.Rate.Present || e.Rate.Remaining != 45 || e.Rate.Limit != 50 || e.Rate.Reset.Unix() != 1767225600 {
		t.Errorf("Rate = %+v", e.Rate)
	}

	c, _ = fakeX(t, fixed(reply{403, nil, bodyClientForbidden}))
	_, err = c.Me(context.Background())
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if e.Problem.Str("reason") != "client-not-enrolled" || e.Problem.Str("client_id") != "29012345" {
		t.Errorf("Extra = %v", e.Problem.Extra)
	}
	if e.Op != "me" || !strings.HasPrefix(err.Error(), "me: 403 Forbidden: ") {
		t.Errorf("Op %q, Error() %q", e.Op, err)
	}

	c, _ = fakeX(t, fixed(reply{400, nil, bodyInvalidRequest}))
	_, err = c.Unfollow(context.Background(), source, target)
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if len(e.Errors) != 1 || e.Errors[0].Str("message") != "You can only unfollow on behalf of the authenticated user" {
		t.Errorf("Errors = %+v", e.Errors)
	}
	if _, ok := e.Errors[0].Extra["parameters"].(map[string]any); !ok {
		t.Errorf("parameters not kept: %#v", e.Errors[0].Extra)
	}

	c, _ = fakeX(t, fixed(reply{429, limits(50, 0, 1767225600), bodyLegacy88}))
	_, err = c.Unfollow(context.Background(), source, target)
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if len(e.Legacy) != 1 || e.Legacy[0] != (LegacyError{Code: 88, Message: "Rate limit exceeded"}) {
		t.Errorf("Legacy = %+v", e.Legacy)
	}

	c, _ = fakeX(t, fixed(reply{503, map[string]string{"Content-Type": "text/html"}, bodyServiceUnavailHTM}))
	_, err = c.Unfollow(context.Background(), source, target)
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if want := "<html> <head><title>503 Service Temporarily Unavailable</title></head>"; !strings.HasPrefix(e.Body, want) {
		t.Errorf("Body = %q, want prefix %q", e.Body, want)
	}
}

func TestClassifyPlainErrors(t *testing.T) {
	tests := []struct {
		err  error
		want Class
	}{
		{nil, ClassNone},
		{context.Canceled, ClassCanceled},
		{context.DeadlineExceeded, ClassCanceled},
		{errors.New("boom"), ClassPermanent},
		{&Error{Op: "x", Err: errors.New("connection reset by peer")}, ClassTransient},
		{&Error{Op: "x", Err: ErrRequestTimeout}, ClassTransient},
		{&Error{Op: "x", Err: ErrBadBaseURL}, ClassPermanent},
		{&Error{Op: "x", Err: ErrInvalidID}, ClassPermanent},
		{&Error{Op: "x", Status: 429, Err: context.Canceled}, ClassCanceled},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
		// Wrapping keeps the class.
		if tt.err != nil {
			if got := Classify(wrap(tt.err)); got != tt.want {
				t.Errorf("Classify(wrapped %v) = %v, want %v", tt.err, got, tt.want)
			}
		}
	}
}

func wrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "run: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestClassStrings(t *testing.T) {
	for c := ClassNone; c <= ClassConfig; c++ {
		if s := c.String(); s == "" || strings.HasPrefix(s, "class(") {
			t.Errorf("Class(%d).String() = %q", c, s)
		}
	}
	stops := map[Class]bool{ClassQuota: true, ClassUnauthorized: true, ClassForbidden: true, ClassCanceled: true, ClassConfig: true}
	for c := ClassNone; c <= ClassConfig; c++ {
		if c.StopsRun() != stops[c] {
			t.Errorf("%v.StopsRun() = %v", c, c.StopsRun())
		}
	}
}

func TestProblemName(t *testing.T) {
	tests := map[string]string{
		"https://api.twitter.com/2/problems/usage-capped": "usage-capped",
		"https://api.x.com/2/problems/credits":            "credits",
		"https://api.x.com/2/problems/credits-depleted/":  "credits-depleted",
		"about:blank": "",
		"":            "",
		"https://example.com/problems/usage-capped": "",
	}
	for typ, want := range tests {
		if got := (Problem{Type: typ}).Name(); got != want {
			t.Errorf("Name(%q) = %q, want %q", typ, got, want)
		}
	}
}

// personErr stands for the auth transport's errors (a refused refresh
// token): they have a NeedsPerson method.
type personErr struct{ person bool }

func (p personErr) Error() string     { return "log in again" }
func (p personErr) NeedsPerson() bool { return p.person }

func TestTransportErrorsNeedingAPerson(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want Class
	}{
		{personErr{true}, ClassUnauthorized},
		{fmt.Errorf("refresh: %w", personErr{true}), ClassUnauthorized},
		{personErr{false}, ClassTransient},
	} {
		e := &Error{Op: "unfollow 1", Err: &url.Error{Op: "Delete", URL: "http://x", Err: tt.err}}
		if got := e.Class(); got != tt.want {
			t.Errorf("Class(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestMayHaveTakenEffect: an unfollow answer read whole says what X did;
// anything less (no answer, a gateway's word, a body cut off or not
// understood) leaves open that X applied it.
func TestMayHaveTakenEffect(t *testing.T) {
	tests := []struct {
		name string
		rp   reply
		want bool
	}{
		{"200 following false", reply{200, nil, bodyUnfollowed}, false},
		{"200 not found for the target", reply{200, nil, bodyTargetNotFound}, false},
		{"200 truncated json", reply{200, nil, `{"data":{"follo`}, true},
		{"200 not json", reply{200, map[string]string{"Content-Type": "text/html"}, "<html>captive portal</html>"}, true},
		{"200 empty object", reply{200, nil, `{}`}, true},
		{"200 data without following", reply{200, nil, `{"data":{}}`}, true},
		{"401", reply{401, nil, bodyUnauthorized}, false},
		{"403", reply{403, nil, bodyForbidden}, false},
		{"404 naming the target", reply{404, nil, bodyNotFound404}, false},
		{"404 html", reply{404, nil, "<html>404 page not found</html>"}, false},
		{"429", reply{429, limits(50, 0, 1767225600), bodyTooManyRequests}, false},
		{"500", reply{500, nil, bodyInternal}, false},
		{"503 html", reply{503, nil, bodyServiceUnavailHTM}, false},
		{"502", reply{502, nil, ""}, true},
		{"504", reply{504, nil, "upstream request timeout"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fakeX(t, fixed(tt.rp))
			_, err := c.Unfollow(t.Context(), source, target)
			if got := MayHaveTakenEffect(err); got != tt.want {
				t.Errorf("MayHaveTakenEffect(%v) = %v, want %v", err, got, tt.want)
			}
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.MayHaveTakenEffect() != tt.want) {
				t.Errorf("(*Error).MayHaveTakenEffect() disagrees: %v", err)
			}
		})
	}
	if MayHaveTakenEffect(nil) {
		t.Error("MayHaveTakenEffect(nil) = true")
	}
	if !MayHaveTakenEffect(errors.New("from somewhere else")) {
		t.Error("an error that is not the client's says nothing: it must count as may have taken effect")
	}
}
