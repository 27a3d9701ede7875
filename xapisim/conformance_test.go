package xapisim

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// spec is the OpenAPI subset in testdata, compiled for validation.
type spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	listed   map[string]bool // problem types the spec's Problem enumerates
}

const specURL = "file:///x-openapi-subset.json"

func loadSpec(t *testing.T) *spec {
	t.Helper()
	raw, err := os.ReadFile("testdata/x-openapi-subset.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // created_at and the like are date-times
	// The spec's $refs are "#/components/schemas/X": JSON pointers into
	// the same document, so the document itself is the resource.
	if err := c.AddResource(specURL, doc); err != nil {
		t.Fatal(err)
	}
	s := &spec{doc: doc.(map[string]any), compiler: c, listed: map[string]bool{}}
	schemas := s.doc["components"].(map[string]any)["schemas"].(map[string]any)
	problem := schemas["Problem"].(map[string]any)
	for typ := range problem["discriminator"].(map[string]any)["mapping"].(map[string]any) {
		s.listed[typ] = true
	}
	// Problem types the spec does not enumerate (about:blank, usage-capped,
	// ...) are checked against what every enumerated Problem has in common:
	// the properties all members require, with their type but without the
	// per-member enum. Derived from the spec, not written by hand.
	var required []string
	props := map[string]any{}
	for i, m := range problem["oneOf"].([]any) {
		name := strings.TrimPrefix(m.(map[string]any)["$ref"].(string), "#/components/schemas/")
		member := schemas[name].(map[string]any)
		var req []string
		for _, r := range member["required"].([]any) {
			req = append(req, r.(string))
		}
		if i == 0 {
			required = req
		} else {
			required = slices.DeleteFunc(required, func(r string) bool { return !slices.Contains(req, r) })
		}
		for k, v := range member["properties"].(map[string]any) {
			props[k] = map[string]any{"type": v.(map[string]any)["type"]}
		}
	}
	common := map[string]any{}
	for _, r := range required {
		common[r] = props[r]
	}
	base := map[string]any{"type": "object", "required": anySlice(required), "properties": common}
	if err := c.AddResource("file:///problem-base.json", base); err != nil {
		t.Fatal(err)
	}
	return s
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (s *spec) schema(t *testing.T, loc string) *jsonschema.Schema {
	t.Helper()
	sch, err := s.compiler.Compile(loc)
	if err != nil {
		t.Fatalf("compile %s: %v", loc, err)
	}
	return sch
}

// responseSchema is the schema the spec gives for operation path/method,
// status and content type: "200" or "default".
func (s *spec) responseSchema(t *testing.T, path, method string, status int, contentType string) string {
	t.Helper()
	resps := s.doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)["responses"].(map[string]any)
	key := "default"
	if status == 200 {
		key = "200"
	}
	content := resps[key].(map[string]any)["content"].(map[string]any)
	media, ok := content[contentType].(map[string]any)
	if !ok {
		t.Fatalf("%s %s %d: the spec has no %s response", method, path, status, contentType)
	}
	return media["schema"].(map[string]any)["$ref"].(string)
}

// exchange is one recorded request and response.
type exchange struct {
	method, path string
	status       int
	contentType  string
	body         []byte
}

// recorder is a transport that keeps every exchange.
type recorder struct {
	mu   sync.Mutex
	base http.RoundTripper
	log  []exchange
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rec.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	rec.mu.Lock()
	rec.log = append(rec.log, exchange{r.Method, r.URL.Path, resp.StatusCode, ct, body})
	rec.mu.Unlock()
	return resp, nil
}

var operations = []struct {
	method  string
	pattern *regexp.Regexp
	path    string
}{
	{"DELETE", regexp.MustCompile(`^/2/users/[^/]+/following/[^/]+$`), "/2/users/{source_user_id}/following/{target_user_id}"},
	{"GET", regexp.MustCompile(`^/2/users/me$`), "/2/users/me"},
	{"GET", regexp.MustCompile(`^/2/users/by$`), "/2/users/by"},
	{"GET", regexp.MustCompile(`^/2/users/[^/]+/following$`), "/2/users/{id}/following"},
	{"GET", regexp.MustCompile(`^/2/users$`), "/2/users"},
}

// TestConformance drives the simulator through successes, errors, limits,
// modes, faults and pagination, and validates every response body of the
// four operations against the official spec's schemas.
func TestConformance(t *testing.T) {
	s := loadSpec(t)
	sim, ts, clock := start(t, Config{UnfollowLimit: 3, FollowingLimit: 100})
	rec := &recorder{base: ts.Client().Transport}
	client := &http.Client{Transport: rec}
	sim.SetFollowing(DefaultUserID, []string{"11", "12", "13", "14", "15"})
	sim.SetFollowing("12", []string{DefaultUserID})
	sim.AddUser("2244994945", "XDevelopers")
	tok := sim.IssueToken(DefaultUserID)
	app := sim.IssueAppToken()
	call := func(method, path, bearer string) {
		req := mustRequest(t, method, ts.URL+path, "")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		send(t, client, req)
	}

	call("GET", "/2/users/me", tok)
	call("GET", "/2/users/me", "")
	call("GET", "/2/users/me", app)
	call("GET", "/2/users/by?usernames=XDevelopers,sim_user", tok)
	call("GET", "/2/users/by?usernames=XDevelopers,nobody", app)
	call("GET", "/2/users/by?usernames=nobody", tok)
	call("GET", "/2/users/by?usernames=bad-name", tok)
	call("GET", "/2/users/by?usernames=", tok)
	call("GET", "/2/users/me?user.fields=connection_status,public_metrics", tok)
	call("GET", "/2/users/by?usernames=XDevelopers&user.fields=connection_status", tok)
	call("GET", "/2/users?ids=11,2244994945,404&user.fields=connection_status,public_metrics", tok)
	call("GET", "/2/users?ids=404", app)
	call("GET", "/2/users?ids=", tok)
	call("GET", "/2/users?ids=x1", tok)
	call("GET", "/2/users?ids="+strings.Repeat("1,", 100)+"1", tok)
	call("GET", "/2/users?ids=11&user.fields=nope", tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?user.fields=connection_status", tok)
	// Every field the simulator serves, and the most recent posts.
	all := "user.fields=" + strings.Join(userFieldNames, ",") + "&expansions=" + strings.Join(expansionNames, ",") +
		"&post.fields=" + strings.Join(postFieldNames, ",")
	call("GET", "/2/users/me?"+all, tok)
	call("GET", "/2/users/by?usernames=XDevelopers,sim_user,nobody&"+all, tok)
	call("GET", "/2/users?ids=11,12,2244994945,404&"+all, tok)
	call("GET", "/2/users?ids=11,12&"+all, app)
	call("GET", "/2/users/"+DefaultUserID+"/following?"+all, tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?max_results=2&expansions=most_recent_post_id", tok)
	call("GET", "/2/users/me?expansions=most_recent_tweet_id", tok)
	call("GET", "/2/users/me?post.fields=", tok)
	call("GET", "/2/users?ids=11&tweet.fields=created_at", tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?max_results=2", tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?max_results=2&pagination_token="+encodePageToken(2), tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?max_results=2&pagination_token="+encodePageToken(4), tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?pagination_token=short", tok)
	call("GET", "/2/users/2244994945/following", app)
	call("GET", "/2/users/404/following", tok)
	call("GET", "/2/users/"+DefaultUserID+"/following?max_results=5000", tok)
	call("DELETE", unfollowPath("11"), tok)
	call("DELETE", unfollowPath("999"), tok)
	call("DELETE", "/2/users/12/following/11", tok)
	call("DELETE", unfollowPath("12"), tok) // limit reached after this
	call("DELETE", unfollowPath("13"), tok) // 429
	call("DELETE", unfollowPath("13"), app)
	for _, m := range []Mode{ModeUsageCap, ModeCredits, ModeSuspended, ModeClientNotEnrolled} {
		sim.SetMode(m)
		call("DELETE", unfollowPath("13"), tok)
		call("GET", "/2/users/me", tok)
	}
	sim.SetMode(ModeNormal)
	clock.Advance(16 * time.Minute)
	sim.SetFaultRates(1, 0)
	for range 8 {
		call("DELETE", unfollowPath("13"), tok)
		call("GET", "/2/users/by?usernames=sim_user", tok)
	}

	statuses := map[int]bool{}
	unlisted := map[string]bool{}
	var posts int
	for _, ex := range rec.log {
		var op string
		for _, o := range operations {
			if o.method == ex.method && o.pattern.MatchString(ex.path) {
				op = o.path
			}
		}
		if op == "" {
			t.Fatalf("no operation for %s %s", ex.method, ex.path)
		}
		statuses[ex.status] = true
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(ex.body))
		if err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", ex.method, ex.path, ex.body)
		}
		ct := ex.contentType
		if ex.status == 400 && ct == "application/json" {
			// X sends its invalid-request problem as application/json
			// (real captures), where the spec's default response says
			// problem+json; the body is the spec's Problem all the same.
			ct = "application/problem+json"
		}
		loc := specURL + s.responseSchema(t, op, strings.ToLower(ex.method), ex.status, ct)
		if ex.status != 200 && ct == "application/problem+json" {
			var p struct{ Type string }
			_ = json.Unmarshal(ex.body, &p)
			if !s.listed[p.Type] {
				unlisted[p.Type[strings.LastIndex(p.Type, "/")+1:]] = true
				loc = "file:///problem-base.json"
			}
		}
		if err := s.schema(t, loc).Validate(inst); err != nil {
			t.Errorf("%s %s → %d %s\n%s\ndoes not validate against %s: %v", ex.method, ex.path, ex.status, ex.contentType, ex.body, loc, err)
		}
		if ex.status == 200 && ex.method == "GET" {
			posts += s.checkNames(t, ex)
		}
	}
	if posts == 0 {
		t.Error("no post in includes was checked")
	}
	// Every kind of answer was exercised...
	for _, st := range []int{200, 400, 401, 402, 403, 429, 500, 503} {
		if !statuses[st] {
			t.Errorf("no %d response was checked", st)
		}
	}
	// ...and only these problem types fall outside the spec's list (a
	// misspelt listed type would show up here).
	var got []string
	for k := range unlisted {
		got = append(got, k)
	}
	sort.Strings(got)
	want := []string{"about:blank", "client-forbidden", "credits", "unsupported-authentication", "usage-capped", "user-suspended"}
	if !slices.Equal(got, want) {
		t.Errorf("problem types outside the spec: %v, want %v", got, want)
	}
	if len(rec.log) < 40 {
		t.Errorf("only %d responses checked", len(rec.log))
	}
}

// properties are the property names the spec's schema name declares.
func (s *spec) properties(name string) map[string]bool {
	schema := s.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	names := map[string]bool{}
	for k := range schema["properties"].(map[string]any) {
		names[k] = true
	}
	return names
}

// checkNames fails the test for a property of a user, a post or includes
// that the spec does not declare (its schemas allow any additional
// property, so validation alone would not see a misspelt field), and
// returns how many posts the body included. edit_history_tweet_ids is what
// real posts carry; 2.167's Post schema calls it edit_history_post_ids.
func (s *spec) checkNames(t *testing.T, ex exchange) (posts int) {
	t.Helper()
	var body struct {
		Data     json.RawMessage            `json:"data"`
		Includes map[string]json.RawMessage `json:"includes"`
	}
	if err := json.Unmarshal(ex.body, &body); err != nil {
		t.Fatalf("%s %s: %v", ex.method, ex.path, err)
	}
	var users []map[string]any
	if json.Unmarshal(body.Data, &users) != nil {
		var one map[string]any
		_ = json.Unmarshal(body.Data, &one)
		users = []map[string]any{one}
	}
	unknown := func(what string, obj map[string]any, known map[string]bool) {
		for k := range obj {
			if !known[k] {
				t.Errorf("%s %s: %s property %q is not in the spec: %s", ex.method, ex.path, what, k, ex.body)
			}
		}
	}
	for _, u := range users {
		unknown("user", u, s.properties("User"))
	}
	expansions := map[string]any{}
	for k, v := range body.Includes {
		expansions[k] = v
	}
	unknown("includes", expansions, s.properties("Expansions"))
	var list []map[string]any
	if raw, ok := body.Includes["posts"]; ok {
		if err := json.Unmarshal(raw, &list); err != nil {
			t.Fatalf("includes.posts %s: %v", raw, err)
		}
	}
	postNames := s.properties("Post")
	postNames["edit_history_tweet_ids"] = true
	for _, p := range list {
		unknown("post", p, postNames)
	}
	return len(list)
}

// TestSpecParameters: the simulator takes exactly the parameters the spec
// gives each user operation, in its order, and the enums of user.fields,
// expansions and post.fields are the spec's.
func TestSpecParameters(t *testing.T) {
	s := loadSpec(t)
	components := s.doc["components"].(map[string]any)["parameters"].(map[string]any)
	resolve := func(p any) map[string]any {
		m := p.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			return components[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
		}
		return m
	}
	for path, want := range map[string][]string{
		"/2/users/me": meParams, "/2/users/by": usersByParams, "/2/users": usersParams, "/2/users/{id}/following": followingParams,
	} {
		var names []string
		for _, p := range s.doc["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
			names = append(names, resolve(p)["name"].(string))
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: the spec has parameters %v, the simulator %v", path, names, want)
		}
	}
	for name, want := range map[string][]string{
		"UserFieldsParameter": userFieldNames, "UserExpansionsParameter": expansionNames, "PostFieldsParameter": postFieldNames,
	} {
		var enum []string
		for _, v := range components[name].(map[string]any)["schema"].(map[string]any)["items"].(map[string]any)["enum"].([]any) {
			enum = append(enum, v.(string))
		}
		if !slices.Equal(enum, want) {
			t.Errorf("%s: the spec's enum %v, the simulator's %v", name, enum, want)
		}
	}
}

// TestConformanceCatchesBadBodies shows the schemas bite: bodies that are
// wrong in small ways fail validation.
func TestConformanceCatchesBadBodies(t *testing.T) {
	s := loadSpec(t)
	tests := []struct{ schema, body string }{
		{specURL + "#/components/schemas/UnfollowUserResponse", `{"data":{"following":"false"}}`},
		{specURL + "#/components/schemas/UnfollowUserResponse", `{"data":{}}`},
		{specURL + "#/components/schemas/UnfollowUserResponse", `{"errors":[{"type":"https://api.x.com/2/problems/resource-not-found","title":"Not Found Error","detail":"x"}]}`},
		{specURL + "#/components/schemas/GetUsersFollowingResponse", `{"meta":{"result_count":"2"}}`},
		{specURL + "#/components/schemas/GetUsersMeResponse", `{"data":{"id":1790000000000000001}}`},
		{specURL + "#/components/schemas/Problem", `{"type":"https://api.x.com/2/problems/invalid-requests","title":"t","detail":"d"}`},
		{"file:///problem-base.json", `{"title":"Too Many Requests","type":"about:blank","status":429}`},
		{specURL + "#/components/schemas/GetUsersMeResponse", `{"data":{"id":"1","name":"n","username":"u","created_at":"2013-12-14"}}`},
		{specURL + "#/components/schemas/GetUsersMeResponse", `{"data":{"id":"1","name":"n","username":"u","public_metrics":{"followers_count":1,"following_count":2,"listed_count":0}}}`},
		{specURL + "#/components/schemas/GetUsersByIdsResponse", `{"data":[{"id":"1","name":"n","username":"u","connection_status":["friends"]}]}`},
		{specURL + "#/components/schemas/GetUsersByIdsResponse", `{"data":[{"id":"1","name":"n","username":"u","protected":"no"}]}`},
		{specURL + "#/components/schemas/GetUsersFollowingResponse", `{"data":[],"includes":{"posts":{"id":"2"}}}`},
	}
	for _, tt := range tests {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.schema(t, tt.schema).Validate(inst); err == nil {
			t.Errorf("%s validated against %s", tt.body, tt.schema)
		}
	}
}
