package apiclient

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Problem is one RFC 7807 problem object as X sends it, at the top level of
// an error response or as an entry of an "errors" array. Fields other than
// type, title, detail and status (period, scope, reason, resource_id, value,
// parameter, message, ...) are kept in Extra; numbers there are json.Number,
// never float64.
type Problem struct {
	Type   string
	Title  string
	Detail string
	Status int // 0 when absent
	Extra  map[string]any
}

// Name returns the problem name: the last path element after
// "/2/problems/" in Type, whatever the host (api.twitter.com or api.x.com);
// "" for "about:blank" or any other type.
func (p Problem) Name() string {
	const marker = "/2/problems/"
	i := strings.LastIndex(p.Type, marker)
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(p.Type[i+len(marker):], "/")
}

// Str returns Extra[key] as a string: strings as they are, numbers in
// their JSON spelling; "" when absent or of another kind.
func (p Problem) Str(key string) string {
	switch v := p.Extra[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// Text is the most specific human text the problem carries: detail, else
// message, else title.
func (p Problem) Text() string {
	for _, s := range []string{p.Detail, p.Str("message"), p.Title} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// IsZero reports whether the problem carries nothing.
func (p Problem) IsZero() bool {
	return p.Type == "" && p.Title == "" && p.Detail == "" && p.Status == 0 && len(p.Extra) == 0
}

// LegacyError is one entry of the v1.1-style body
// {"errors":[{"code":88,"message":"Rate limit exceeded"}]}.
type LegacyError struct {
	Code    int
	Message string
}

// body is the parsed shape of any JSON response: a top-level problem (when
// the body has type/title/detail), legacy entries and problem entries from
// "errors", and the raw "data" and "meta" members.
type body struct {
	Problem  Problem
	Legacy   []LegacyError
	Errors   []Problem
	Data     json.RawMessage
	Meta     json.RawMessage
	Includes json.RawMessage
}

// parseBody decodes a JSON object leniently. It reports an error only when
// b is not a JSON object at all (HTML from a proxy, truncated bytes, ...).
func parseBody(b []byte) (body, error) {
	var out body
	top, err := decodeObject(b)
	if err != nil {
		return out, err
	}
	if raw, ok := top["data"]; ok && !isNull(raw) {
		out.Data = raw
	}
	if raw, ok := top["meta"]; ok && !isNull(raw) {
		out.Meta = raw
	}
	if raw, ok := top["includes"]; ok && !isNull(raw) {
		out.Includes = raw
	}
	if raw, ok := top["errors"]; ok {
		var entries []json.RawMessage
		if json.Unmarshal(raw, &entries) == nil {
			for _, e := range entries {
				obj, err := decodeObject(e)
				if err != nil {
					continue
				}
				if l, ok := legacyEntry(obj); ok {
					out.Legacy = append(out.Legacy, l)
					continue
				}
				out.Errors = append(out.Errors, problemFrom(obj))
			}
		}
	}
	_, hasType := top["type"]
	_, hasTitle := top["title"]
	_, hasDetail := top["detail"]
	if hasType || hasTitle || hasDetail {
		out.Problem = problemFrom(top)
	}
	return out, nil
}

func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// legacyEntry recognises {"code": 88, "message": "..."} (no problem type).
func legacyEntry(obj map[string]json.RawMessage) (LegacyError, bool) {
	rawCode, ok := obj["code"]
	if !ok {
		return LegacyError{}, false
	}
	if _, isProblem := obj["type"]; isProblem {
		return LegacyError{}, false
	}
	code, ok := jsonInt(rawCode)
	if !ok {
		return LegacyError{}, false
	}
	var msg string
	_ = json.Unmarshal(obj["message"], &msg)
	return LegacyError{Code: code, Message: msg}, true
}

// problemFrom extracts the known members and keeps the rest in Extra.
func problemFrom(obj map[string]json.RawMessage) Problem {
	var p Problem
	for k, raw := range obj {
		switch k {
		case "type":
			_ = json.Unmarshal(raw, &p.Type)
		case "title":
			_ = json.Unmarshal(raw, &p.Title)
		case "detail":
			_ = json.Unmarshal(raw, &p.Detail)
		case "status":
			p.Status, _ = jsonInt(raw)
		case "errors", "data", "meta", "includes":
			// Nested structure, not problem metadata; "errors" is parsed separately.
		default:
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if dec.Decode(&v) == nil {
				if p.Extra == nil {
					p.Extra = make(map[string]any)
				}
				p.Extra[k] = v
			}
		}
	}
	return p
}

// jsonInt reads an integer written as a JSON number or a numeric string.
func jsonInt(raw json.RawMessage) (int, bool) {
	s := strings.TrimSpace(string(raw))
	s = strings.Trim(s, `"`)
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}
