package refollow

import (
	"html/template"
	"io"
)

// page is what the HTML template shows.
type page struct {
	Total     string // "850 accounts"
	Protected int
	Limit     int
	Batches   []Batch
}

// WriteHTML writes one self-contained HTML page of follow links for
// accounts, in batches of DailyFollowLimit ("Day 1: accounts 1–400"),
// protected accounts marked.
func WriteHTML(w io.Writer, accounts []Account) error {
	p := page{Total: plural(len(accounts), "account", "accounts"), Limit: DailyFollowLimit, Batches: Batches(accounts, DailyFollowLimit)}
	for _, a := range accounts {
		if a.Protected {
			p.Protected++
		}
	}
	return pageTemplate.Execute(w, p)
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"link":  FollowLink,
	"label": Account.label,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>Follow again: {{.Total}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
li { margin: 0.2rem 0; }
a:visited { color: #777; }
.id { color: #666; font-size: 0.875em; }
.protected { font-size: 0.875em; font-weight: bold; }
</style>
</head>
<body>
<h1>Follow again: {{.Total}}</h1>
<p>Each link opens X's own page to follow one account again: click <b>Follow</b> there. X does not let a program follow accounts for you (it removed following through its API), so this part is done by hand.</p>
<p>X lets an account follow at most {{.Limit}} accounts a day, so the links come in batches of {{.Limit}}: one batch a day.{{if .Protected}} Accounts marked <span class="protected">protected</span> ({{.Protected}}) get a follow request, which they have to accept.{{end}}</p>
{{- if not .Batches}}
<p>No account to follow again.</p>
{{- end}}
{{- range .Batches}}
<section id="day-{{.Day}}">
<h2>Day {{.Day}}: accounts {{.From}}–{{.To}}</h2>
<ol start="{{.From}}">
{{- range .Accounts}}
<li><a href="{{link .ID}}" target="_blank" rel="noopener noreferrer">{{label .}}</a>{{if .Username}} <span class="id">{{.ID}}</span>{{end}}{{if .Protected}} <span class="protected">protected: a follow request</span>{{end}}</li>
{{- end}}
</ol>
</section>
{{- end}}
</body>
</html>
`))
