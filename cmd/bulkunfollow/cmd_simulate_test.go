package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dghubble/oauth1"

	"github.com/bulkunfollow/bulkunfollow/internal/testkit"
)

// startSimulate runs "simulate args..." and returns its first stdout line
// decoded, and a stop function that cancels it and returns the exit code.
func startSimulate(t *testing.T, getenv func(string) string, args ...string) (simInfo, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &testkit.SyncBuffer{}
	e := &cli{stdin: strings.NewReader(""), stdout: pw, stderr: stderr, getenv: getenv}
	done := make(chan int, 1)
	go func() {
		code := e.main(ctx, append([]string{"simulate"}, args...))
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("first line: %v (exit %d, stderr %s)", err, <-done, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var info simInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		cancel()
		t.Fatalf("first line %q: %v", line, err)
	}
	stopped := false
	stop := func() int {
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return info, stop
}

func simGet(t *testing.T, method, url, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, body
}

func TestSimulateServesAndStops(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "following.csv")
	if err := os.WriteFile(list, []byte("id,username\n1600000000000000001,alice\n1600000000000000002,bob\n3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BULKUNFOLLOW_UNFOLLOW_LIMIT": "2"}
	info, stop := startSimulate(t, func(k string) string { return env[k] }, "--following-file", list)
	if !strings.HasPrefix(info.BaseURL, "http://127.0.0.1:") || info.AccessToken == "" || info.UserID == "" ||
		info.ClientID != simDefaultClientID || info.Following != 3 {
		t.Fatalf("info %+v", info)
	}
	status, me := simGet(t, "GET", info.BaseURL+"/2/users/me", info.AccessToken)
	if status != 200 || me["data"].(map[string]any)["id"] != info.UserID {
		t.Fatalf("me: %d %v", status, me)
	}
	for _, want := range []int{200, 200, 429} { // the limit came from the environment
		if status, body := simGet(t, "DELETE", info.BaseURL+"/2/users/"+info.UserID+"/following/1600000000000000001", info.AccessToken); status != want {
			t.Fatalf("unfollow: %d %v, want %d", status, body, want)
		}
	}
	_, stats := simGet(t, "GET", info.StatsURL, "")
	if stats["unfollow_calls"] != 3.0 || stats["rate_limited"] != 1.0 || stats["following_count"] != 2.0 {
		t.Fatalf("stats %v", stats)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d after cancel", code)
	}
	if _, err := http.Get(info.BaseURL + "/sim/stats"); err == nil {
		t.Fatal("still serving after stop")
	}
}

// --app-owner and --credits reach the simulator (here --credits from its
// own variable): someone else's app pays $0.010 per user of the own list,
// and what the balance cannot pay answers 402. The following file's
// followed column adds an account that is not followed.
func TestSimulateBilling(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "following.csv")
	// The third account exists without being followed.
	if err := os.WriteFile(list, []byte("id,username,followed\n1600000000000000001,a,yes\n1600000000000000002,b,yes\n1600000000000000003,c,no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BULKUNFOLLOW_SIM_CREDITS": "0.025"}
	info, _ := startSimulate(t, func(k string) string { return env[k] }, "--following-file", list, "--app-owner", "other")
	if info.Following != 2 {
		t.Fatalf("following_count %d, want 2", info.Following)
	}
	if status, body := simGet(t, "GET", info.BaseURL+"/2/users/"+info.UserID+"/following", info.AccessToken); status != 200 {
		t.Fatalf("following: %d %v", status, body)
	}
	status, body := simGet(t, "DELETE", info.BaseURL+"/2/users/"+info.UserID+"/following/1600000000000000001", info.AccessToken)
	if status != 402 || !strings.HasSuffix(body["type"].(string), "/2/problems/credits") {
		t.Fatalf("unpaid unfollow: %d %v", status, body)
	}
	status, body = simGet(t, "GET", info.BaseURL+"/2/users?ids=1600000000000000003&user.fields=connection_status", info.AccessToken)
	if status != 402 { // $0.005 left, a user read is $0.010
		t.Fatalf("lookup: %d %v", status, body)
	}
	_, stats := simGet(t, "GET", info.StatsURL, "")
	billed, _ := stats["billed"].(map[string]any)
	if stats["billed_usd"] != 0.02 || billed["following_read"] != 2.0 || billed["owned_read"] != 0.0 ||
		billed["unfollow"] != 0.0 || stats["following_count"] != 2.0 {
		t.Fatalf("stats %v", stats)
	}
}

// --prices (here from its own variable) sets what the simulator bills.
func TestSimulatePrices(t *testing.T) {
	env := map[string]string{"BULKUNFOLLOW_SIM_PRICES": "user_read=0.002"}
	info, _ := startSimulate(t, func(k string) string { return env[k] })
	if status, body := simGet(t, "GET", info.BaseURL+"/2/users/me", info.AccessToken); status != 200 {
		t.Fatalf("users/me: %d %v", status, body)
	}
	if _, stats := simGet(t, "GET", info.StatsURL, ""); stats["billed_usd"] != 0.002 {
		t.Fatalf("billed %v, want the overridden $0.002", stats["billed_usd"])
	}
}

// The following file may be any list import reads: the same following.js
// (or CSV, JSON, ...) can seed the simulator and be imported.
func TestSimulateFollowingFileFormats(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"following.js": "window.YTD.following.part0 = [\n  {\n    \"following\" : {\n      \"accountId\" : \"1600000000000000001\",\n      \"userLink\" : \"https://twitter.com/intent/user?user_id=1600000000000000001\"\n    }\n  },\n  {\n    \"following\" : {\n      \"accountId\" : \"1600000000000000002\"\n    }\n  }\n]\n",
		"ids.json":     `{"data":[{"id":"1600000000000000001"},{"id":"1600000000000000002"}]}`,
		"ids.csv":      "user_id,note\n1600000000000000001,a\n1600000000000000002,b\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			users, err := readFollowingFile(path)
			if err != nil || len(users) != 2 || users[0].ID != "1600000000000000001" || users[1].ID != "1600000000000000002" {
				t.Fatalf("readFollowingFile = %+v, %v", users, err)
			}
		})
	}
}

// A review sheet fed back as the following file sets what the user
// fields serve; /sim/users tells it for free, and the most recent posts
// are billed as post reads.
func TestSimulateSheet(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "sheet.csv")
	sheet := "id,username,name,followers_count,following_count,post_count,listed_count,created_at,last_post_at,days_since_last_post,protected,verified_type,follows_you,description,decision\n" +
		"1600000000000000001,alice,Alice,10,20,30,1,2013-12-14T04:35:55.000Z,2024-05-06T07:08:09.010Z,600,yes,blue,yes,\"Tea, not coffee\nreally\",unfollow\n" +
		"1600000000000000002,bob,Bob,1,2,0,0,2015-01-01T00:00:00Z,,,no,none,no,,keep\n"
	if err := os.WriteFile(list, []byte(sheet), 0o600); err != nil {
		t.Fatal(err)
	}
	info, _ := startSimulate(t, func(string) string { return "" }, "--following-file", list)
	if info.Following != 2 {
		t.Fatalf("info %+v", info)
	}
	status, body := simGet(t, "GET", info.BaseURL+"/sim/users", "")
	data, _ := body["data"].([]any)
	if status != 200 || len(data) != 2 {
		t.Fatalf("/sim/users: %d %v", status, body)
	}
	alice, bob := data[0].(map[string]any), data[1].(map[string]any)
	if alice["last_post_at"] != "2024-05-06T07:08:09.010Z" || alice["follows_you"] != true || alice["protected"] != true ||
		alice["verified_type"] != "blue" || alice["description"] != "Tea, not coffee\nreally" || alice["followers_count"] != 10.0 ||
		bob["last_post_at"] != nil || bob["follows_you"] != false || bob["created_at"] != "2015-01-01T00:00:00.000Z" {
		t.Fatalf("/sim/users: %v", data)
	}
	status, body = simGet(t, "GET", info.BaseURL+"/2/users/"+info.UserID+"/following?user.fields=connection_status,created_at&expansions=most_recent_post_id", info.AccessToken)
	includes, _ := body["includes"].(map[string]any)
	posts, _ := includes["posts"].([]any)
	if status != 200 || len(posts) != 1 || posts[0].(map[string]any)["id"] != alice["most_recent_post_id"] {
		t.Fatalf("following: %d %v", status, body)
	}
	_, stats := simGet(t, "GET", info.StatsURL, "")
	if billed, _ := stats["billed"].(map[string]any); billed["post_read"] != 1.0 || billed["owned_read"] != 2.0 {
		t.Fatalf("stats %v", stats)
	}
}

func TestSimulateRefuses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("11\nnot-an-id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sheet's bad fact is refused, not read as a plain list of ids.
	badSheet := filepath.Join(dir, "sheet.csv")
	if err := os.WriteFile(badSheet, []byte("id,description,protected\n11,\"one,\ntwo\",yes\n12,,maybe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"all interfaces", []string{"--addr", ":8080"}, exitUsage, "loopback"},
		{"public address", []string{"--addr", "0.0.0.0:0"}, exitUsage, "loopback"},
		{"unknown mode", []string{"--mode", "broke"}, exitUsage, "--mode"},
		{"rates above 1", []string{"--fail-rate", "0.7", "--reset-rate", "0.5"}, exitUsage, "--fail-rate"},
		{"half of oauth1", []string{"--oauth1-consumer-key", "ck"}, exitUsage, "OAuth 1.0a"},
		{"unknown app owner", []string{"--app-owner", "mine"}, exitUsage, "--app-owner"},
		{"negative credits", []string{"--credits", "-1"}, exitUsage, "--credits"},
		{"credits not a number", []string{"--credits", "five"}, exitUsage, "--credits"},
		{"credits NaN", []string{"--credits", "NaN"}, exitUsage, "--credits"},
		{"credits infinite", []string{"--credits", "+Inf"}, exitUsage, "--credits"},
		{"unknown price kind", []string{"--prices", "likes=0.01"}, exitUsage, "--prices"},
		{"bad following file", []string{"--following-file", bad}, exitBadInput, "bad.txt:2: "},
		{"bad fact", []string{"--following-file", badSheet}, exitBadInput, `sheet.csv:4: protected "maybe" is not yes or no`},
		{"missing following file", []string{"--following-file", filepath.Join(dir, "none")}, exitBadInput, "read following file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
			code := e.main(context.Background(), append([]string{"simulate"}, tt.args...))
			if code != tt.code || !strings.Contains(stderr.String(), tt.msg) || stdout.Len() != 0 {
				t.Fatalf("exit %d, stderr %q, stdout %q; want %d and %q", code, stderr.String(), stdout.String(), tt.code, tt.msg)
			}
		})
	}
}

func TestSimulateHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	e := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := e.main(context.Background(), []string{"simulate", "--help"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	help := stdout.String()
	for _, want := range []string{"--addr", "--following-file", "--unfollow-limit", "--window", "--fail-rate", "--reset-rate",
		"--latency", "--seed", "--token-lifetime", "--daily-limit", "--skew", "--mode", "--auto-approve", "--client-id",
		"--client-secret-file", "--redirect-uri", "--oauth1-consumer-key", "--oauth1-token-secret-file",
		"--app-owner", "--credits", "BULKUNFOLLOW_SIM_CREDITS",
		"most_recent_post_id", "includes.posts", "last_post_at", "follows_you", "/sim/users",
		"BULKUNFOLLOW_FAIL_RATE", "Examples:", "bulkunfollow simulate --following-file"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestSimulateConfidentialClientAndOAuth1(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	info, _ := startSimulate(t, func(string) string { return "" },
		"--client-id", "conf-app", "--client-secret-file", write("secret", "s3cret"),
		"--redirect-uri", "http://127.0.0.1:1/cb,http://localhost:1/cb",
		"--oauth1-consumer-key", "ck", "--oauth1-consumer-secret-file", write("cs", "csec"),
		"--oauth1-token", "tok", "--oauth1-token-secret-file", write("ts", "tsec"))
	if info.ClientID != "conf-app" || len(info.RedirectURIs) != 2 {
		t.Fatalf("info %+v", info)
	}
	// A confidential client may not authenticate with client_id in the body.
	resp, err := http.PostForm(info.TokenURL, map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"conf-app"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("body client auth for a confidential client: %d", resp.StatusCode)
	}
	// Requests signed with the configured OAuth 1.0a credentials act as the user.
	for secret, want := range map[string]int{"tsec": 200, "wrong": 401} {
		c := oauth1.NewConfig("ck", "csec").Client(context.Background(), oauth1.NewToken("tok", secret))
		resp, err := c.Get(info.BaseURL + "/2/users/me")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("OAuth 1.0a with token secret %q: %d, want %d", secret, resp.StatusCode, want)
		}
	}
}
