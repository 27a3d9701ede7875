package refollow

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// walkOf walks targets as a queue's Export would.
func walkOf(targets ...queue.Target) func(func(queue.Target) error) error {
	return func(fn func(queue.Target) error) error {
		for _, t := range targets {
			if err := fn(t); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestFollowLink(t *testing.T) {
	if got := FollowLink("1602345678912345601"); got != "https://x.com/intent/follow?user_id=1602345678912345601" {
		t.Errorf("FollowLink = %q", got)
	}
	if got := FollowLink("1&screen_name=evil"); got != "https://x.com/intent/follow?user_id=1%26screen_name%3Devil" {
		t.Errorf("FollowLink does not escape: %q", got)
	}
}

func TestAccountOf(t *testing.T) {
	tests := []struct {
		t    queue.Target
		want Account
		ok   bool
	}{
		{queue.Target{ID: "12", Username: "jack", Handle: "Jack", Protected: true}, Account{ID: "12", Username: "jack", Protected: true}, true},
		{queue.Target{ID: "13", Handle: "jill"}, Account{ID: "13", Username: "jill"}, true},
		{queue.Target{ID: "14"}, Account{ID: "14"}, true},
		{queue.Target{Handle: "never_resolved"}, Account{}, false},
	}
	for _, tt := range tests {
		if got, ok := AccountOf(tt.t); got != tt.want || ok != tt.ok {
			t.Errorf("AccountOf(%+v) = %+v, %v; want %+v, %v", tt.t, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, CSV, walkOf(
		queue.Target{ID: "1602345678912345601", Username: "quiet_since2019"},
		queue.Target{Handle: "unresolved"},
		queue.Target{ID: "12", Protected: true},
		queue.Target{ID: "13", Username: "a,b\"c"},
	))
	if err != nil {
		t.Fatal(err)
	}
	want := "username,id,follow_link\n" +
		"quiet_since2019,1602345678912345601,https://x.com/intent/follow?user_id=1602345678912345601\n" +
		",12,https://x.com/intent/follow?user_id=12\n" +
		"\"a,b\"\"c\",13,https://x.com/intent/follow?user_id=13\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 4 || rows[3][0] != "a,b\"c" {
		t.Errorf("CSV does not read back: %q, %v", rows, err)
	}
}

func TestWriteEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, CSV, walkOf()); err != nil || b.String() != "username,id,follow_link\n" {
		t.Errorf("empty CSV = %q, %v", b.String(), err)
	}
	b.Reset()
	if err := Write(&b, HTML, walkOf()); err != nil || !strings.Contains(b.String(), "No account to follow again.") || strings.Contains(b.String(), "<section") {
		t.Errorf("empty page = %q, %v", b.String(), err)
	}
}

func TestWriteErrors(t *testing.T) {
	boom := errors.New("boom")
	failing := func(func(queue.Target) error) error { return boom }
	for _, f := range []Format{CSV, HTML} {
		if err := Write(&bytes.Buffer{}, f, failing); err != boom {
			t.Errorf("%s: err = %v, want the walk's error", f, err)
		}
	}
	if err := Write(&bytes.Buffer{}, "xml", walkOf()); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestBatches(t *testing.T) {
	accounts := make([]Account, 850)
	for i := range accounts {
		accounts[i] = Account{ID: fmt.Sprint(1000 + i)}
	}
	bs := Batches(accounts, DailyFollowLimit)
	if len(bs) != 3 {
		t.Fatalf("%d batches, want 3", len(bs))
	}
	for i, w := range []struct{ day, from, to, n int }{{1, 1, 400, 400}, {2, 401, 800, 400}, {3, 801, 850, 50}} {
		if b := bs[i]; b.Day != w.day || b.From != w.from || b.To != w.to || len(b.Accounts) != w.n || b.Accounts[0].ID != fmt.Sprint(1000+w.from-1) {
			t.Errorf("batch %d = day %d, %d–%d, %d accounts; want %+v", i, b.Day, b.From, b.To, len(b.Accounts), w)
		}
	}
	if bs := Batches(accounts[:400], DailyFollowLimit); len(bs) != 1 || bs[0].To != 400 {
		t.Errorf("400 accounts: %d batches", len(bs))
	}
	if bs := Batches(nil, DailyFollowLimit); len(bs) != 0 {
		t.Errorf("no accounts: %d batches", len(bs))
	}
}

func TestWriteHTML(t *testing.T) {
	targets := make([]queue.Target, 850)
	for i := range targets {
		targets[i] = queue.Target{ID: fmt.Sprint(1700000000000000000 + i), Username: fmt.Sprintf("user_%d", i), Protected: i%100 == 7}
	}
	targets = append(targets, queue.Target{Handle: "unresolved"})
	var b bytes.Buffer
	if err := Write(&b, HTML, walkOf(targets...)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"<!DOCTYPE html>", "<title>Follow again: 850 accounts</title>",
		"<h2>Day 1: accounts 1–400</h2>", "<h2>Day 2: accounts 401–800</h2>", "<h2>Day 3: accounts 801–850</h2>",
		`<ol start="401">`, "at most 400 accounts a day",
		`<a href="https://x.com/intent/follow?user_id=1700000000000000000" target="_blank" rel="noopener noreferrer">@user_0</a>`,
		`@user_7</a> <span class="id">1700000000000000007</span> <span class="protected">protected: a follow request</span></li>`,
		"Accounts marked <span class=\"protected\">protected</span> (9) get a follow request",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "unresolved") {
		t.Error("a target without an id is on the page")
	}
	if n := strings.Count(page, "<li>"); n != 850 {
		t.Errorf("%d links, want 850", n)
	}
	// The batches hold 400, 400 and 50 links.
	sections := strings.Split(page, "<section")[1:]
	for i, want := range []int{400, 400, 50} {
		if n := strings.Count(sections[i], "<li>"); n != want {
			t.Errorf("day %d: %d links, want %d", i+1, n, want)
		}
	}
	if n := strings.Count(page, "protected: a follow request"); n != 9 {
		t.Errorf("%d accounts marked protected, want 9", n)
	}
	checkSelfContained(t, page)
}

// Whatever a username or id holds, the page shows it as text: no markup
// of its own, no way out of an attribute, no script.
func TestWriteHTMLEscapes(t *testing.T) {
	hostile := []Account{
		{ID: `1"><script>alert(1)</script>`, Username: `<img src=x onerror=alert(1)>`, Protected: true},
		{ID: "2", Username: `a" onmouseover="alert(1)`},
		{ID: "3", Username: "&amp; ' javascript:alert(1)"},
		{ID: "4"},
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, hostile); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<img", `" onmouseover="`, "&amp; '"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q unescaped", bad)
		}
	}
	for _, want := range []string{
		"@&lt;img src=x onerror=alert(1)&gt;",
		`href="https://x.com/intent/follow?user_id=1%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"`,
		`<span class="id">1&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</span>`,
		"@a&#34; onmouseover=&#34;alert(1)",
		"@&amp;amp; &#39; javascript:alert(1)",
		`>id 4</a></li>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	checkSelfContained(t, page)
}

// checkSelfContained: the page loads nothing and runs nothing; its only
// addresses are X's follow intents.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, tag := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url("} {
		if strings.Contains(page, tag) {
			t.Errorf("page holds %q", tag)
		}
	}
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("page has no content security policy forbidding loads")
	}
	for _, u := range regexp.MustCompile(`https?://[^"\s<]*`).FindAllString(page, -1) {
		if !strings.HasPrefix(u, "https://x.com/intent/follow?user_id=") {
			t.Errorf("page links to %q", u)
		}
	}
}
