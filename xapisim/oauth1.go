package xapisim

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OAuth1Credentials are an app's consumer key and secret with a user's
// access token and secret (from the app's "Keys and tokens" page). Requests
// signed with them (HMAC-SHA1) act as UserID. They do not expire.
type OAuth1Credentials struct {
	ConsumerKey, ConsumerSecret string
	Token, TokenSecret          string
	UserID                      string
}

// AddOAuth1 accepts requests signed with c from now on.
func (s *Server) AddOAuth1(c OAuth1Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth1[c.ConsumerKey+"&"+c.Token] = c
}

// oauth1Params parses an "Authorization: OAuth ..." header (RFC 5849
// §3.5.1) into decoded parameters. ok is false when the header is not
// OAuth or is malformed.
func oauth1Params(h string) (map[string]string, bool) {
	scheme, rest, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "OAuth") {
		return nil, false
	}
	out := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, false
		}
		k, err1 := url.PathUnescape(strings.TrimSpace(k))
		v, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, false
		}
		if _, dup := out[k]; dup {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// verifyOAuth1 checks an OAuth 1.0a HMAC-SHA1 signed request against the
// configured credentials, the timestamp window and the nonce cache, and
// returns the credentials it was signed with. s.mu is held. body is the
// request body when it is form-encoded (its parameters are signed).
func (s *Server) verifyOAuth1(r *http.Request, params map[string]string, body []byte) (OAuth1Credentials, bool) {
	if params["oauth_signature_method"] != "HMAC-SHA1" {
		return OAuth1Credentials{}, false
	}
	if v, ok := params["oauth_version"]; ok && v != "1.0" {
		return OAuth1Credentials{}, false
	}
	c, ok := s.oauth1[params["oauth_consumer_key"]+"&"+params["oauth_token"]]
	if !ok || params["oauth_consumer_key"] == "" {
		return OAuth1Credentials{}, false
	}
	ts, err := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
	nonce := params["oauth_nonce"]
	if err != nil || nonce == "" {
		return OAuth1Credentials{}, false
	}
	now := s.now()
	at := time.Unix(ts, 0)
	if d := now.Sub(at); d > s.cfg.OAuth1Window || d < -s.cfg.OAuth1Window {
		return OAuth1Credentials{}, false
	}
	want := oauth1Signature(r.Method, requestBaseURL(r), r.URL.Query(), body, params, c.ConsumerSecret, c.TokenSecret)
	if !hmac.Equal([]byte(want), []byte(params["oauth_signature"])) {
		return OAuth1Credentials{}, false
	}
	// A nonce may be used once per consumer, token and timestamp.
	key := c.ConsumerKey + "&" + c.Token + "&" + params["oauth_timestamp"] + "&" + nonce
	for k, seen := range s.nonces {
		if now.Sub(seen) > 2*s.cfg.OAuth1Window {
			delete(s.nonces, k)
		}
	}
	if _, replay := s.nonces[key]; replay {
		return OAuth1Credentials{}, false
	}
	s.nonces[key] = now
	return c, true
}

// requestBaseURL is the base string URI of RFC 5849 §3.4.1.2 as the server
// sees it: scheme and host lower case, default ports dropped, no query.
func requestBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if h, port, ok := strings.Cut(host, ":"); ok && ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) {
		host = h
	}
	return scheme + "://" + host + r.URL.EscapedPath()
}

// oauth1Signature computes the HMAC-SHA1 signature (base64) of RFC 5849
// §3.4: the signature base string of method, base URL and the normalised
// parameters (query, form body and oauth_* except oauth_signature and
// realm), keyed with the encoded consumer and token secrets.
func oauth1Signature(method, baseURL string, query url.Values, formBody []byte, oauth map[string]string, consumerSecret, tokenSecret string) string {
	type pair struct{ k, v string }
	var ps []pair
	add := func(k, v string) { ps = append(ps, pair{percentEncode(k), percentEncode(v)}) }
	for k, vs := range query {
		for _, v := range vs {
			add(k, v)
		}
	}
	if len(formBody) > 0 {
		if form, err := url.ParseQuery(string(formBody)); err == nil {
			for k, vs := range form {
				for _, v := range vs {
					add(k, v)
				}
			}
		}
	}
	for k, v := range oauth {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		add(k, v)
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	var norm strings.Builder
	for i, p := range ps {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k + "=" + p.v)
	}
	base := strings.ToUpper(method) + "&" + percentEncode(baseURL) + "&" + percentEncode(norm.String())
	mac := hmac.New(sha1.New, []byte(percentEncode(consumerSecret)+"&"+percentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode is RFC 5849 §3.6: every byte except ALPHA, DIGIT, "-", ".",
// "_" and "~" becomes %XX with upper-case hex.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// formBody returns the body of a form-encoded request (and restores it for
// later readers); nil for any other request.
func formBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil
	}
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	return b
}
