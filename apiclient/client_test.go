package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestUnfollowSuccess(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		wantFollowing bool
		wantErrors    int
	}{
		{"following false", bodyUnfollowed, false, 0},
		{"still following", `{"data":{"following":true}}`, true, 0},
		{"data and unrelated errors", `{"data":{"following":false},"errors":[{"title":"Partial","detail":"something else","type":"about:blank"}]}`, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := fakeX(t, fixed(reply{200, limits(50, 49, 1767226500), tt.body}))
			res, err := c.Unfollow(t.Context(), source, target)
			if err != nil {
				t.Fatal(err)
			}
			if res.Following != tt.wantFollowing || len(res.Errors) != tt.wantErrors {
				t.Errorf("res = %+v", res)
			}
			r := rec.all()[0]
			if r.Method != http.MethodDelete || r.URL.Path != "/2/users/"+source+"/following/"+target || r.URL.RawQuery != "" {
				t.Errorf("request %s %s", r.Method, r.URL)
			}
		})
	}
}

func TestUnfollowDataAndTargetNotFound(t *testing.T) {
	body := `{"data":{"following":false},"errors":[{"value":"2244994945","detail":"Could not find user with id: [2244994945].","title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":"2244994945","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`
	c, _ := fakeX(t, fixed(reply{200, nil, body}))
	_, err := c.Unfollow(t.Context(), source, target)
	if Classify(err) != ClassNotFound || !strings.Contains(err.Error(), "Could not find user with id: [2244994945].") {
		t.Errorf("err = %v (%v)", err, Classify(err))
	}
}

func TestInvalidIDsAreNotSent(t *testing.T) {
	c, rec := fakeX(t, fixed(reply{200, nil, bodyUnfollowed}))
	for _, ids := range [][2]string{{"", target}, {source, "abc"}, {source, "12345678901234567890"}, {"-1", target}, {source, "@jack"}} {
		_, err := c.Unfollow(t.Context(), ids[0], ids[1])
		if !errors.Is(err, ErrInvalidID) || Classify(err) != ClassPermanent {
			t.Errorf("Unfollow(%q, %q) = %v", ids[0], ids[1], err)
		}
	}
	if _, err := c.Following(t.Context(), "1.5", ""); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Following(1.5) = %v", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestIDsAbove2To53(t *testing.T) {
	const big = "9007199254740993" // 2^53 + 1: float64 would make it ...992
	tests := []struct{ name, body string }{
		{"string id", `{"data":{"id":"` + big + `","name":"Big","username":"big"}}`},
		{"numeric id", `{"data":{"id":` + big + `,"name":"Big","username":"big"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fakeX(t, fixed(reply{200, nil, tt.body}))
			u, err := c.Me(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != big || u.Username != "big" || u.Name != "Big" {
				t.Errorf("Me = %+v", u)
			}
		})
	}
	c, _ := fakeX(t, fixed(reply{200, nil, `{"data":[{"id":"9223372036854775807","name":"a","username":"a"},{"id":"` + big + `","name":"b","username":"b"}],"meta":{"result_count":2}}`}))
	p, err := c.Following(t.Context(), big, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Users) != 2 || p.Users[0].ID != "9223372036854775807" || p.Users[1].ID != big {
		t.Errorf("Following = %+v", p.Users)
	}
}

func TestMeMalformed(t *testing.T) {
	for _, body := range []string{`{"data":{"id":"12a","username":"x"}}`, `{"data":{"name":"x"}}`, `{"data":{"id":1.5e3}}`, `[]`} {
		c, _ := fakeX(t, fixed(reply{200, nil, body}))
		_, err := c.Me(t.Context())
		if !errors.Is(err, ErrMalformedBody) || Classify(err) != ClassTransient {
			t.Errorf("Me(%s) = %v", body, err)
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"", DefaultBaseURL, false},
		{"https://api.x.com", "https://api.x.com", false},
		{"https://api.x.com/", "https://api.x.com", false},
		{"http://127.0.0.1:8080//", "http://127.0.0.1:8080", false},
		{"http://127.0.0.1:8080/prefix/", "http://127.0.0.1:8080/prefix", false},
		{"api.x.com", "", true},
		{"ftp://api.x.com", "", true},
		{"https://api.x.com/?a=1", "", true},
		{"https://user:pass@api.x.com", "", true},
		{"https://api.x.com/?access_token=pass", "", true},
		{"https://api.x.com/#pass", "", true},
		{"ftp://user:pass@api.x.com", "", true},
		{"user:pass@api.x.com", "", true},
		{"http://", "", true},
	}
	for _, tt := range tests {
		got, err := CheckBaseURL(tt.in)
		if tt.bad != (err != nil) || got != tt.want {
			t.Errorf("CheckBaseURL(%q) = %q, %v", tt.in, got, err)
		}
		if tt.bad && !errors.Is(err, ErrBadBaseURL) {
			t.Errorf("CheckBaseURL(%q) error %v is not ErrBadBaseURL", tt.in, err)
		}
		if tt.bad && strings.Contains(fmt.Sprint(err), "pass") {
			t.Errorf("error shows URL credentials or query: %v", err)
		}
	}
	_, err := New(nil, "ftp://x", "").Me(t.Context())
	if !errors.Is(err, ErrBadBaseURL) || Classify(err) != ClassPermanent {
		t.Errorf("Me with bad base = %v", err)
	}

	// A path prefix is kept and a trailing slash does not double.
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		fmt.Fprint(w, `{"data":{"id":"1","name":"n","username":"u"}}`)
	}))
	defer srv.Close()
	if _, err := New(srv.Client(), srv.URL+"/x-proxy/", "").Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got != "/x-proxy/2/users/me" {
		t.Errorf("path = %q", got)
	}
}

func TestUserAgentOnEveryRequest(t *testing.T) {
	c, rec := fakeX(t, func(r *http.Request) reply {
		switch {
		case strings.HasSuffix(r.URL.Path, "/me"):
			return reply{200, nil, `{"data":{"id":"1","name":"n","username":"u"}}`}
		case strings.HasSuffix(r.URL.Path, "/by"):
			return reply{200, nil, `{"data":[{"id":"2","name":"n","username":"jack"}]}`}
		case strings.HasSuffix(r.URL.Path, "/following"):
			return reply{200, nil, `{"meta":{"result_count":0}}`}
		}
		return reply{503, nil, ""}
	})
	ctx := t.Context()
	_, _ = c.Me(ctx)
	_, _, _ = c.UsersByUsernames(ctx, []string{"jack"})
	_, _ = c.Following(ctx, "1", "")
	_, _ = c.Unfollow(ctx, "1", "2")
	reqs := rec.all()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		if ua := r.Header.Get("User-Agent"); ua != "bulkunfollow-test/1.0" {
			t.Errorf("%s %s: User-Agent %q", r.Method, r.URL.Path, ua)
		}
	}
	// Default when none is given.
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	defer srv.Close()
	_, _ = New(srv.Client(), srv.URL, "").Me(ctx)
	if ua != DefaultUserAgent {
		t.Errorf("default User-Agent %q", ua)
	}
}

func TestFollowingPagination(t *testing.T) {
	pages := map[string]string{
		"":   `{"data":[{"id":"11","name":"a","username":"a"},{"id":"12","name":"b","username":"b"}],"meta":{"result_count":2,"next_token":"T1"}}`,
		"T1": `{"data":[{"id":"13","name":"c","username":"c"}],"meta":{"result_count":1,"next_token":"T2"}}`,
		"T2": `{"data":[{"id":"14","name":"d","username":"d"}],"meta":{"result_count":1}}`,
	}
	c, rec := fakeX(t, func(r *http.Request) reply {
		body, ok := pages[r.URL.Query().Get("pagination_token")]
		if !ok || r.URL.Query().Get("max_results") != "1000" {
			return reply{400, nil, bodyInvalidRequest}
		}
		return reply{200, limits(300, 299, 1767226500), body}
	})
	var ids []string
	var tokens []string
	token := ""
	for range pages {
		p, err := c.Following(t.Context(), source, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			ids = append(ids, u.ID)
		}
		tokens = append(tokens, p.NextToken)
		if !p.Rate.Present || p.ResultCount != len(p.Users) {
			t.Errorf("page %+v", p)
		}
		token = p.NextToken
	}
	if got := strings.Join(ids, ","); got != "11,12,13,14" {
		t.Errorf("ids = %s", got)
	}
	if got := strings.Join(tokens, ","); got != "T1,T2," {
		t.Errorf("tokens = %s", got)
	}
	for i, r := range rec.all() {
		if r.URL.Path != "/2/users/"+source+"/following" {
			t.Errorf("request %d path %s", i, r.URL.Path)
		}
	}
}

func TestFollowingEdgeCases(t *testing.T) {
	t.Run("empty list", func(t *testing.T) {
		c, _ := fakeX(t, fixed(reply{200, nil, `{"meta":{"result_count":0}}`}))
		p, err := c.Following(t.Context(), "1", "")
		if err != nil || len(p.Users) != 0 || p.NextToken != "" {
			t.Errorf("page %+v, %v", p, err)
		}
	})
	t.Run("unknown user 200 errors", func(t *testing.T) {
		c, _ := fakeX(t, fixed(reply{200, nil, strings.ReplaceAll(bodyTargetNotFound, target, "5")}))
		_, err := c.Following(t.Context(), "5", "")
		if Classify(err) != ClassNotFound {
			t.Errorf("err = %v (%v)", err, Classify(err))
		}
	})
}

func TestUsersByUsernamesBatching(t *testing.T) {
	var names []string
	for i := range 250 {
		if i%50 == 7 {
			names = append(names, fmt.Sprintf("gone%d", i)) // X reports these in errors
		} else if i%50 == 9 {
			names = append(names, fmt.Sprintf("Silent%d", i)) // X omits these entirely
		} else {
			names = append(names, fmt.Sprintf("User_%d", i))
		}
	}
	names = append(names, "@user_3", "USER_4", "bad-name", "waytoolongusername1", "") // dup, dup, invalid x3

	c, rec := fakeX(t, func(r *http.Request) reply {
		var data, errs []string
		for _, n := range strings.Split(r.URL.Query().Get("usernames"), ",") {
			switch {
			case strings.HasPrefix(n, "gone"):
				errs = append(errs, fmt.Sprintf(`{"value":%q,"detail":"Could not find user with usernames: [%s].","title":"Not Found Error","resource_type":"user","parameter":"usernames","resource_id":%q,"type":"https://api.twitter.com/2/problems/resource-not-found"}`, n, n, n))
			case strings.HasPrefix(n, "silent"):
			default:
				// X answers with its own capitalisation.
				data = append(data, fmt.Sprintf(`{"id":"9%s","name":"N","username":%q}`, strings.TrimPrefix(n, "user_"), strings.ToUpper(n)))
			}
		}
		body := `{"data":[` + strings.Join(data, ",") + `]`
		if len(errs) > 0 {
			body += `,"errors":[` + strings.Join(errs, ",") + `]`
		}
		return reply{200, limits(900, 899, 1767226500), body + "}"}
	})
	users, nf, err := c.UsersByUsernames(t.Context(), names)
	if err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, want := range []int{100, 100, 50} {
		if got := len(strings.Split(reqs[i].URL.Query().Get("usernames"), ",")); got != want {
			t.Errorf("batch %d has %d names, want %d", i, got, want)
		}
	}
	if len(users) != 240 {
		t.Errorf("%d users, want 240", len(users))
	}
	if users[3].ID != "93" || users[3].Username != "USER_3" {
		t.Errorf("users[3] = %+v", users[3])
	}
	var invalid, reported, silent int
	for _, n := range nf {
		switch {
		case n.Invalid:
			invalid++
		case strings.HasPrefix(n.Username, "gone"):
			reported++
			if n.Detail != "Could not find user with usernames: ["+n.Username+"]." || !strings.HasSuffix(n.Type, "/resource-not-found") {
				t.Errorf("reported %+v", n)
			}
		case strings.HasPrefix(n.Username, "Silent"): // caller's spelling kept
			silent++
			if n.Detail != "" {
				t.Errorf("silent %+v", n)
			}
		default:
			t.Errorf("unexpected not-found %+v", n)
		}
	}
	if invalid != 3 || reported != 5 || silent != 5 {
		t.Errorf("invalid %d reported %d silent %d", invalid, reported, silent)
	}
}

func TestUsersByUsernamesError(t *testing.T) {
	n := 0
	c, _ := fakeX(t, func(*http.Request) reply {
		n++
		if n == 2 {
			return reply{503, nil, ""}
		}
		return reply{200, nil, `{"data":[{"id":"1","name":"n","username":"a"}]}`}
	})
	names := make([]string, 150)
	for i := range names {
		names[i] = fmt.Sprintf("a%d", i)
	}
	users, _, err := c.UsersByUsernames(t.Context(), names)
	if Classify(err) != ClassTransient || len(users) != 1 {
		t.Errorf("users %d, err %v", len(users), err)
	}
	if !strings.HasPrefix(err.Error(), "users by: 503") {
		t.Errorf("Error() = %q", err)
	}
	// Nothing valid: no request.
	users, nf, err := c.UsersByUsernames(t.Context(), []string{"no spaces"})
	if err != nil || len(users) != 0 || len(nf) != 1 || !nf[0].Invalid || n != 2 {
		t.Errorf("users %v nf %v err %v calls %d", users, nf, err, n)
	}
}

func TestContextCancellation(t *testing.T) {
	hold := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hold)

	t.Run("caller cancels in flight", func(t *testing.T) {
		c := New(srv.Client(), srv.URL, "", WithTimeout(time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-arrived; cancel() }()
		_, err := c.Unfollow(ctx, source, target)
		if Classify(err) != ClassCanceled || !errors.Is(err, context.Canceled) || errors.Is(err, ErrRequestTimeout) {
			t.Errorf("err = %v (%v)", err, Classify(err))
		}
	})
	t.Run("caller deadline passed", func(t *testing.T) {
		c := New(srv.Client(), srv.URL, "")
		ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
		defer cancel()
		_, err := c.Me(ctx)
		if Classify(err) != ClassCanceled || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v (%v)", err, Classify(err))
		}
	})
	t.Run("caller cancel with cause", func(t *testing.T) {
		c := New(srv.Client(), srv.URL, "")
		cause := errors.New("second signal")
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(cause)
		_, err := c.Me(ctx)
		if Classify(err) != ClassCanceled || !errors.Is(err, cause) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("request timeout is transient", func(t *testing.T) {
		c := New(srv.Client(), srv.URL, "", WithTimeout(20*time.Millisecond))
		_, err := c.Unfollow(t.Context(), source, target)
		<-arrived
		if Classify(err) != ClassTransient || !errors.Is(err, ErrRequestTimeout) ||
			errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Errorf("err = %v (%v)", err, Classify(err))
		}
		if !strings.HasPrefix(err.Error(), "unfollow "+target+": DELETE /2/users/") {
			t.Errorf("Error() = %q", err)
		}
	})
	t.Run("http.Client timeout is transient", func(t *testing.T) {
		hc := srv.Client()
		hc.Timeout = 20 * time.Millisecond
		c := New(hc, srv.URL, "", WithTimeout(0))
		_, err := c.Me(t.Context())
		<-arrived
		if Classify(err) != ClassTransient || !errors.Is(err, ErrRequestTimeout) {
			t.Errorf("err = %v (%v)", err, Classify(err))
		}
	})
}

func TestTransportFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"connection reset before headers", func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST
			}
			conn.Close()
		}},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"data":{"follo`))
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}},
		{"reset mid-body", func(w http.ResponseWriter, r *http.Request) {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-rate-limit-remaining: 7\r\nContent-Length: 50\r\n\r\n{\"data\":")
			_ = buf.Flush()
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			conn.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := New(srv.Client(), srv.URL, "").Unfollow(t.Context(), source, target)
			if Classify(err) != ClassTransient {
				t.Errorf("err = %v (%v)", err, Classify(err))
			}
			if strings.Contains(err.Error(), srv.URL) {
				t.Errorf("Error() repeats the URL: %q", err)
			}
		})
	}
	// Connection refused.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if _, err := New(nil, url, "").Me(t.Context()); Classify(err) != ClassTransient {
		t.Errorf("refused: %v (%v)", err, Classify(err))
	}
}

func TestBodyLimit(t *testing.T) {
	big := `{"data":{"following":false},"pad":"` + strings.Repeat("x", 2000) + `"}`
	c, _ := fakeX(t, fixed(reply{200, nil, big}), WithMaxBodyBytes(1000))
	_, err := c.Unfollow(t.Context(), source, target)
	if !errors.Is(err, ErrMalformedBody) || Classify(err) != ClassTransient {
		t.Errorf("err = %v", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("Authorization"))
	}))
	defer other.Close()
	srv := fakeServer(t, fixed(reply{302, map[string]string{"Location": other.URL + "/2/users/me"}, ""}))
	hc := &http.Client{Transport: bearer{srv.Client().Transport, "BEARERTOKEN"}}
	_, err := New(hc, srv.URL, "").Me(t.Context())
	var e *Error
	if !errors.As(err, &e) || e.Status != 302 || Classify(err) != ClassPermanent {
		t.Errorf("err = %v", err)
	}
	if len(leaked) != 0 {
		t.Errorf("redirect followed, Authorization %q sent to another host", leaked)
	}
	if hc.CheckRedirect != nil {
		t.Error("caller's http.Client was modified")
	}
}

// cutAfterHeaders answers 200 with the headers and the start of the body
// X would send after applying the unfollow, then drops the connection.
func cutAfterHeaders(w http.ResponseWriter, _ *http.Request) {
	conn, buf, _ := w.(http.Hijacker).Hijack()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-rate-limit-remaining: 7\r\nContent-Length: 28\r\n\r\n{\"data\":{\"foll")
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST
	}
	conn.Close()
}

// TestAnswerNotReadWholeMayHaveTakenEffect: a DELETE whose answer was not
// read whole may have unfollowed the target: the error says so, whatever
// cut it short. One the client never sent does not.
func TestAnswerNotReadWholeMayHaveTakenEffect(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	headersThenWait := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "28")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"data":`))
		w.(http.Flusher).Flush()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()

	tests := []struct {
		name    string
		handler http.HandlerFunc
		client  func(url string, hc *http.Client) (*Client, context.Context)
		class   Class
		want    bool
	}{
		{name: "200 headers then the connection drops mid-body", handler: cutAfterHeaders, class: ClassTransient, want: true},
		{name: "connection reset before headers", handler: func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			conn.Close()
		}, class: ClassTransient, want: true},
		{name: "our timeout while reading the body", handler: headersThenWait, client: func(url string, hc *http.Client) (*Client, context.Context) {
			return New(hc, url, "", WithTimeout(20*time.Millisecond)), context.Background()
		}, class: ClassTransient, want: true},
		{name: "caller cancels after the headers", handler: headersThenWait, client: func(url string, hc *http.Client) (*Client, context.Context) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			// The observer runs once the headers are in, before the body.
			return New(hc, url, "", WithTimeout(time.Hour), WithRateObserver(func(Endpoint, RateInfo) { cancel() })), ctx
		}, class: ClassCanceled, want: true},
		{name: "connection refused: may have been sent, for all the client knows", client: func(string, *http.Client) (*Client, context.Context) {
			return New(nil, refusedURL, ""), context.Background()
		}, class: ClassTransient, want: true},
		{name: "caller's context over before sending", client: func(url string, hc *http.Client) (*Client, context.Context) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return New(hc, url, ""), ctx
		}, class: ClassCanceled, want: false},
		{name: "unusable base URL", client: func(string, *http.Client) (*Client, context.Context) {
			return New(nil, "ftp://example.com", ""), context.Background()
		}, class: ClassPermanent, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if h == nil {
				h = func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") }
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			c, ctx := New(srv.Client(), srv.URL, ""), context.Background()
			if tt.client != nil {
				c, ctx = tt.client(srv.URL, srv.Client())
			}
			_, err := c.Unfollow(ctx, source, target)
			if got := Classify(err); got != tt.class {
				t.Errorf("Classify = %v, want %v (err %v)", got, tt.class, err)
			}
			if got := MayHaveTakenEffect(err); got != tt.want {
				t.Errorf("MayHaveTakenEffect = %v, want %v (err %v)", got, tt.want, err)
			}
		})
	}
	c, _ := fakeX(t, fixed(reply{200, nil, bodyUnfollowed}))
	if _, err := c.Unfollow(t.Context(), source, "12a"); err == nil || MayHaveTakenEffect(err) {
		t.Errorf("invalid id, never sent: err %v, MayHaveTakenEffect %v", err, MayHaveTakenEffect(err))
	}
	// A credential the auth transport could not use: it sent nothing.
	_, err := New(&http.Client{Transport: failing{personErr{true}}}, "http://127.0.0.1:1", "").Unfollow(t.Context(), source, target)
	if Classify(err) != ClassUnauthorized || MayHaveTakenEffect(err) {
		t.Errorf("needs a person: %v, class %v, MayHaveTakenEffect %v", err, Classify(err), MayHaveTakenEffect(err))
	}
}

// failing is a transport that fails every request with err.
type failing struct{ err error }

func (f failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// TestUnsendableRequestIsConfig: Go's HTTP client refuses a header value it
// cannot send (here a token with a line break); retrying sends the same
// request, so it is a configuration error that stops the run, not a
// transient one, and nothing was sent.
func TestUnsendableRequestIsConfig(t *testing.T) {
	c0, rec := fakeX(t, fixed(reply{200, nil, bodyUnfollowed}))
	for _, tok := range []string{"abc\ndef", "abc\rdef", "abc\x00def"} {
		hc := &http.Client{Transport: bearer{http.DefaultTransport, tok}}
		c := New(hc, c0.BaseURL(), "")
		_, err := c.Unfollow(t.Context(), source, target)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrUnsendable) {
			t.Fatalf("token %q: err = %v, want ErrUnsendable", tok, err)
		}
		if got := Classify(err); got != ClassConfig || !got.StopsRun() {
			t.Errorf("token %q: class %v, want config (stops the run)", tok, got)
		}
		if MayHaveTakenEffect(err) {
			t.Errorf("token %q: a request never sent may not have taken effect", tok)
		}
		if !strings.Contains(err.Error(), `invalid header field value for "Authorization"`) || strings.Contains(err.Error(), "def") {
			t.Errorf("token %q: Error() = %q: want the header named, its value not shown", tok, err)
		}
		if h := e.Hint(); !strings.Contains(h, "credential") {
			t.Errorf("Hint() = %q", h)
		}
		if _, err := c.Me(t.Context()); Classify(err) != ClassConfig {
			t.Errorf("Me: %v (%v)", err, Classify(err))
		}
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// TestServerIDsAsTheSpecSpellsThem: X's UserId is ^[0-9]{1,19}$; "0" is
// one (X's own local simulator answers users/me with it), so are 19 digits
// above int64. 20 digits or anything not digits is refused, saying why.
func TestServerIDsAsTheSpecSpellsThem(t *testing.T) {
	for _, id := range []string{"0", "007", "9999999999999999999", "1000000000000000000"} {
		c, rec := fakeX(t, func(r *http.Request) reply {
			switch {
			case r.URL.Path == "/2/users/me":
				return reply{200, nil, `{"data":{"id":"` + id + `","name":"Me","username":"me"}}`}
			case r.URL.Path == "/2/users/by":
				return reply{200, nil, `{"data":[{"id":"` + id + `","name":"A","username":"a"}]}`}
			case strings.HasSuffix(r.URL.Path, "/following") && r.Method == http.MethodGet:
				return reply{200, nil, `{"data":[{"id":"` + id + `","name":"A","username":"a"}],"meta":{"result_count":1}}`}
			}
			return reply{200, nil, bodyUnfollowed}
		})
		me, err := c.Me(t.Context())
		if err != nil || me.ID != id {
			t.Errorf("Me with id %q = %+v, %v", id, me, err)
		}
		users, _, err := c.UsersByUsernames(t.Context(), []string{"a"})
		if err != nil || len(users) != 1 || users[0].ID != id {
			t.Errorf("users/by with id %q = %+v, %v", id, users, err)
		}
		p, err := c.Following(t.Context(), id, "")
		if err != nil || len(p.Users) != 1 || p.Users[0].ID != id {
			t.Errorf("Following(%q) = %+v, %v", id, p, err)
		}
		if _, err := c.Unfollow(t.Context(), id, target); err != nil {
			t.Errorf("Unfollow from source %q: %v", id, err)
		}
		if _, err := c.Unfollow(t.Context(), source, id); err != nil {
			t.Errorf("Unfollow target %q: %v", id, err)
		}
		if n := len(rec.all()); n != 5 {
			t.Errorf("id %q: %d requests, want 5", id, n)
		}
	}
	for _, id := range []string{"12345678901234567890", "12a", "-1", "1.5", " 1", ""} {
		c, _ := fakeX(t, fixed(reply{200, nil, `{"data":{"id":"` + id + `","name":"Me","username":"me"}}`}))
		_, err := c.Me(t.Context())
		if !errors.Is(err, ErrMalformedBody) || !strings.Contains(err.Error(), "is not 1-19 decimal digits") {
			t.Errorf("Me with id %q: err = %v, want a malformed body saying the id is not 1-19 decimal digits", id, err)
		}
		if _, err := c.Following(t.Context(), id, ""); !errors.Is(err, ErrInvalidID) || !strings.Contains(err.Error(), "want 1 to 19 decimal digits") {
			t.Errorf("Following(%q): %v", id, err)
		}
	}
}

// TestUserFieldsAsked: each read asks exactly the user.fields the run
// needs (Me: public_metrics; both lookups: connection_status; the
// following list: none), and its answer feeds the rate observer under its
// own endpoint.
func TestUserFieldsAsked(t *testing.T) {
	var seen []Endpoint
	c, rec := fakeX(t, func(r *http.Request) reply {
		switch r.URL.Path {
		case "/2/users/me":
			return reply{200, nil, `{"data":{"id":"1","name":"n","username":"me","public_metrics":{"followers_count":3,"following_count":7,"post_count":0,"listed_count":0}}}`}
		case "/2/users/by":
			return reply{200, nil, `{"data":[{"id":"2","name":"n","username":"jack","connection_status":["following"]}]}`}
		case "/2/users":
			return reply{200, nil, `{"data":[{"id":"2","name":"n","username":"jack","connection_status":[]}]}`}
		}
		return reply{200, nil, `{"meta":{"result_count":0}}`}
	}, WithRateObserver(func(ep Endpoint, _ RateInfo) { seen = append(seen, ep) }))
	ctx := t.Context()
	me, err := c.Me(ctx)
	if err != nil || me.FollowingCount != 7 || me.Connection != nil {
		t.Errorf("Me = %+v, %v", me, err)
	}
	if users, _, err := c.UsersByUsernames(ctx, []string{"jack"}); err != nil || len(users) != 1 || fmt.Sprint(users[0].Connection) != "[following]" {
		t.Errorf("users/by = %+v, %v", users, err)
	}
	if users, _, err := c.UsersByIDs(ctx, []string{"2"}); err != nil || len(users) != 1 || users[0].Connection == nil || len(users[0].Connection) != 0 {
		t.Errorf("users by ids = %+v, %v", users, err)
	}
	if _, err := c.Following(ctx, "1", ""); err != nil {
		t.Fatal(err)
	}
	want := []string{"public_metrics", "connection_status", "connection_status", ""}
	reqs := rec.all()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		got := r.URL.Query()["user.fields"]
		if want[i] == "" && got != nil || want[i] != "" && (len(got) != 1 || got[0] != want[i]) {
			t.Errorf("%s: user.fields %q, want %q", r.URL.Path, got, want[i])
		}
	}
	if fmt.Sprint(seen) != "[users/me users/by users following]" {
		t.Errorf("observer saw %v", seen)
	}
}

// TestUserFieldsDecoding: connection_status and following_count are kept
// as X sent them, told apart from their absence; a count that is not a
// non-negative integer is a body not understood, as a bad id is.
func TestUserFieldsDecoding(t *testing.T) {
	for _, tc := range []struct {
		name, fields string
		count        int
		conn         []string // nil: absent
		follows      bool
		known        bool
	}{
		{"neither", ``, -1, nil, false, false},
		{"null connection", `,"connection_status":null`, -1, nil, false, false},
		{"no relation", `,"connection_status":[]`, -1, []string{}, false, true},
		{"followed by only", `,"connection_status":["followed_by","follow_request_sent"]`, -1, []string{"followed_by", "follow_request_sent"}, false, true},
		{"following", `,"connection_status":["followed_by","following"]`, -1, []string{"followed_by", "following"}, true, true},
		{"metrics without following_count", `,"public_metrics":{"followers_count":5}`, -1, nil, false, false},
		{"following_count 0", `,"public_metrics":{"following_count":0}`, 0, nil, false, false},
		{"following_count big", `,"public_metrics":{"following_count":7500,"followers_count":123456789012}`, 7500, nil, false, false},
	} {
		c, _ := fakeX(t, fixed(reply{200, nil, `{"data":[{"id":"` + source + `","name":"n","username":"a"` + tc.fields + `}]}`}))
		users, _, err := c.UsersByIDs(t.Context(), []string{source})
		if err != nil || len(users) != 1 {
			t.Fatalf("%s: %+v, %v", tc.name, users, err)
		}
		u := users[0]
		follows, known := u.Follows()
		if u.ID != source || u.FollowingCount != tc.count || (u.Connection == nil) != (tc.conn == nil) || fmt.Sprint(u.Connection) != fmt.Sprint(tc.conn) || follows != tc.follows || known != tc.known {
			t.Errorf("%s: %+v follows %v known %v", tc.name, u, follows, known)
		}
	}
	for _, bad := range []string{`{"following_count":-1}`, `{"following_count":1.5}`, `{"following_count":"12"}`, `{"following_count":99999999999}`} {
		c, _ := fakeX(t, fixed(reply{200, nil, `{"data":{"id":"1","name":"n","username":"me","public_metrics":` + bad + `}}`}))
		if _, err := c.Me(t.Context()); !errors.Is(err, ErrMalformedBody) {
			t.Errorf("public_metrics %s: %v, want a malformed body", bad, err)
		}
	}
	c, _ := fakeX(t, fixed(reply{200, nil, `{"data":[{"id":"1","name":"n","username":"a","connection_status":"following"}]}`}))
	if _, _, err := c.UsersByUsernames(t.Context(), []string{"a"}); !errors.Is(err, ErrMalformedBody) {
		t.Errorf("connection_status as a string: %v, want a malformed body", err)
	}
}

func TestUsersByIDsBatching(t *testing.T) {
	var in []string
	for i := range 210 {
		in = append(in, fmt.Sprint(1_600_000_000_000_000_000+i)) // above 2^53
	}
	// X reports ids ending in 7 in errors, omits those ending in 9.
	in = append(in, in[3], in[4], "12345678901234567890", "1e5", "", " 12") // dup, dup, invalid x4
	c, rec := fakeX(t, func(r *http.Request) reply {
		var data, errs []string
		for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
			switch id[len(id)-1] {
			case '7':
				errs = append(errs, fmt.Sprintf(`{"value":%q,"detail":"Could not find user with ids: [%s].","title":"Not Found Error","resource_type":"user","parameter":"ids","resource_id":%q,"type":"https://api.x.com/2/problems/resource-not-found"}`, id, id, id))
			case '9':
			default:
				data = append(data, fmt.Sprintf(`{"id":%s,"name":"N","username":"u%s","connection_status":["following"]}`, id, id[len(id)-3:])) // a bare number: every digit kept
			}
		}
		body := `{"data":[` + strings.Join(data, ",") + `]`
		if len(errs) > 0 {
			body += `,"errors":[` + strings.Join(errs, ",") + `]`
		}
		return reply{200, limits(900, 899, 1767226500), body + "}"}
	})
	users, nf, err := c.UsersByIDs(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, want := range []int{100, 100, 10} {
		q := reqs[i].URL.Query()
		if reqs[i].URL.Path != "/2/users" || len(strings.Split(q.Get("ids"), ",")) != want || q.Get("user.fields") != "connection_status" {
			t.Errorf("request %d: %s %v, want %d ids", i, reqs[i].URL.Path, q, want)
		}
	}
	if len(users) != 168 || users[3].ID != in[3] || users[3].Username != "u003" {
		t.Errorf("%d users, users[3] = %+v", len(users), users[3])
	}
	var invalid, reported, silent int
	for _, n := range nf {
		switch {
		case n.Invalid:
			invalid++
		case n.Username != "":
			t.Errorf("not found %+v has a username", n)
		case strings.HasSuffix(n.ID, "7"):
			reported++
			if n.Detail != "Could not find user with ids: ["+n.ID+"]." || !strings.HasSuffix(n.Type, "/resource-not-found") || n.Title != "Not Found Error" {
				t.Errorf("reported %+v", n)
			}
		case strings.HasSuffix(n.ID, "9"):
			silent++
			if n.Detail != "" {
				t.Errorf("silent %+v", n)
			}
		default:
			t.Errorf("unexpected not-found %+v", n)
		}
	}
	if invalid != 4 || reported != 21 || silent != 21 {
		t.Errorf("invalid %d reported %d silent %d", invalid, reported, silent)
	}
}

// TestUsersByIDsAnswers: a 200 whose errors report every id is an answer
// (all not found); a failed batch returns the batches done with its
// error; nothing valid sends nothing; a 200 with neither data nor errors
// is not understood.
func TestUsersByIDsAnswers(t *testing.T) {
	t.Run("all not found", func(t *testing.T) {
		c, _ := fakeX(t, fixed(reply{200, nil, strings.ReplaceAll(bodyTargetNotFound, `"parameter":"id"`, `"parameter":"ids"`)}))
		users, nf, err := c.UsersByIDs(t.Context(), []string{target})
		if err != nil || len(users) != 0 || len(nf) != 1 || nf[0].ID != target || nf[0].Detail != "Could not find user with id: ["+target+"]." {
			t.Errorf("users %v nf %+v err %v", users, nf, err)
		}
	})
	t.Run("second batch fails", func(t *testing.T) {
		n := 0
		c, _ := fakeX(t, func(*http.Request) reply {
			n++
			if n == 2 {
				return reply{503, nil, ""}
			}
			return reply{200, nil, `{"data":[{"id":"1","name":"n","username":"a"}]}`}
		})
		var in []string
		for i := range 150 {
			in = append(in, fmt.Sprint(i+1))
		}
		users, _, err := c.UsersByIDs(t.Context(), in)
		if Classify(err) != ClassTransient || len(users) != 1 || !strings.HasPrefix(err.Error(), "users by ids: 503") {
			t.Errorf("users %d, err %v", len(users), err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Endpoint != EndpointUsers || e.Path != "/2/users" {
			t.Errorf("err %#v", err)
		}
		users, nf, err := c.UsersByIDs(t.Context(), []string{"x1"})
		if err != nil || len(users) != 0 || len(nf) != 1 || !nf[0].Invalid || nf[0].ID != "x1" || n != 2 {
			t.Errorf("users %v nf %v err %v calls %d", users, nf, err, n)
		}
	})
	t.Run("neither data nor errors", func(t *testing.T) {
		c, _ := fakeX(t, fixed(reply{200, nil, `{"meta":{}}`}))
		if _, _, err := c.UsersByIDs(t.Context(), []string{"1"}); !errors.Is(err, ErrMalformedBody) {
			t.Errorf("err %v", err)
		}
	})
}

// TestFollowingProfiles: the review sheet's read asks for every profile
// field and, with lastPost, the most_recent_post_id expansion (the only
// form the spec's following operation allows); it decodes the fields,
// tells absent counts apart, and lists the posts includes carried (X
// bills them).
func TestFollowingProfiles(t *testing.T) {
	body := `{"data":[
	  {"id":"11","name":"A","username":"a","created_at":"2013-12-14T04:35:55.000Z","description":"hi, \"you\"\nthere",
	   "public_metrics":{"followers_count":123456789012,"following_count":7,"post_count":3,"listed_count":0},
	   "protected":true,"verified":true,"verified_type":"blue","connection_status":["following","followed_by"],
	   "most_recent_post_id":"1860000000000000000"},
	  {"id":"12","name":"B","username":"b","public_metrics":{"followers_count":1.5},"connection_status":["following"]}],
	 "includes":{"posts":[{"id":"1860000000000000000","text":"x","edit_history_tweet_ids":["1860000000000000000"]}]},
	 "meta":{"result_count":2}}`
	c, rec := fakeX(t, fixed(reply{200, nil, body}))
	pg, err := c.FollowingProfiles(t.Context(), source, "", 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	q := rec.all()[0].URL.Query()
	if q.Get("user.fields") != "created_at,description,public_metrics,protected,verified,verified_type,connection_status" ||
		q.Get("expansions") != "most_recent_post_id" || q.Get("max_results") != "1000" {
		t.Errorf("query %v", q)
	}
	if len(pg.Users) != 2 || fmt.Sprint(pg.Posts) != "[1860000000000000000]" {
		t.Fatalf("page %+v", pg)
	}
	a, b := pg.Users[0].Profile, pg.Users[1].Profile
	if a == nil || b == nil {
		t.Fatalf("profiles %+v", pg.Users)
	}
	if !a.CreatedAt.Equal(time.Date(2013, 12, 14, 4, 35, 55, 0, time.UTC)) || a.Description != "hi, \"you\"\nthere" ||
		a.Followers != 123456789012 || a.Following != 7 || a.Posts != 3 || a.Listed != 0 || !a.Protected || !a.Verified ||
		a.VerifiedType != "blue" || a.MostRecentPostID != "1860000000000000000" {
		t.Errorf("a = %+v", a)
	}
	if !b.CreatedAt.IsZero() || b.Followers != -1 || b.Following != -1 || b.Posts != -1 || b.MostRecentPostID != "" || b.Protected {
		t.Errorf("b = %+v", b)
	}
	// Without lastPost: no expansion asked for.
	c2, rec2 := fakeX(t, fixed(reply{200, nil, `{"data":[{"id":"11","name":"A","username":"a"}],"meta":{"result_count":1}}`}))
	if _, err := c2.FollowingProfiles(t.Context(), source, "", 5, false); err != nil {
		t.Fatal(err)
	}
	if q := rec2.all()[0].URL.Query(); q.Has("expansions") || q.Get("user.fields") == "" {
		t.Errorf("query %v", q)
	}
	// A created_at that is no time is a body not understood.
	c3, _ := fakeX(t, fixed(reply{200, nil, `{"data":[{"id":"11","name":"A","username":"a","created_at":"yesterday"}],"meta":{"result_count":1}}`}))
	if _, err := c3.FollowingProfiles(t.Context(), source, "", 5, false); err == nil || !strings.Contains(err.Error(), "created_at") {
		t.Errorf("bad created_at: %v", err)
	}
}
