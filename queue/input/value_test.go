package input

import (
	"strings"
	"testing"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		in     string
		want   string // Entry.String() when valid
		reason string // substring of the reason when invalid
	}{
		{in: "12", want: "12"},
		{in: "  783214  ", want: "783214"},
		{in: "\u00a0783214\u00a0", want: "783214"},
		{in: "1234567890123456789", want: "1234567890123456789"},
		{in: "9999999999999999999", want: "9999999999999999999"},
		{in: "@jack", want: "@jack"},
		{in: "@Big_Name_15char", want: "@Big_Name_15char"},
		{in: "https://x.com/jack", want: "@jack"},
		{in: "https://twitter.com/jack/", want: "@jack"},
		{in: "http://www.twitter.com/Jack?lang=en", want: "@Jack"},
		{in: "x.com/jack", want: "@jack"},
		{in: "https://mobile.twitter.com/jack", want: "@jack"},
		{in: "https://twitter.com/intent/user?user_id=1600", want: "1600"},
		{in: "https://x.com/intent/follow?screen_name=jack", want: "@jack"},
		{in: "https://x.com/i/user/783214", want: "783214"},
		{in: `="1234567890123456789"`, want: "1234567890123456789"},

		{in: "", reason: "empty value"},
		{in: "   ", reason: "empty value"},
		{in: "0", reason: "zero"},
		{in: "000", reason: "zero"},
		{in: "0123", reason: "leading zero"},
		{in: "12345678901234567890", reason: "20 digits: X ids have at most 19"},
		{in: "123456789012345678901234", reason: "24 digits: X ids have at most 19"},
		{in: "-5", reason: "negative"},
		{in: "+5", reason: "sign"},
		{in: "1.23457E+18", reason: "scientific notation: the spreadsheet rounded this id and its digits are lost; format the id column as Text before saving, or import the file as it was before a spreadsheet opened it"},
		{in: "1,23457E+18", reason: "scientific notation"},
		{in: "5e3", reason: "scientific notation"},
		{in: "-1.2E+18", reason: "scientific notation"},
		{in: "123.0", want: "123"},
		{in: "123,00", want: "123"},
		{in: "9007199254740992.0", want: "9007199254740992"},
		{in: "9007199254740993.0", reason: "floating-point number"},
		{in: "1234567890123456789.0", reason: "this id's last digits may be wrong"},
		{in: "123.5", reason: "decimal number"},
		{in: "123.", reason: "not an id"},
		{in: "0.0", reason: "decimal number"},
		{in: "0123.0", reason: "decimal number"},
		{in: "https://x.com/jack/media", want: "@jack"},
		{in: "https://x.com/jack/with_replies/", want: "@jack"},
		{in: "https://x.com/i/user/12/", want: "12"},
		{in: "https://x.com/jack/followers?s=21", want: "@jack"},
		{in: "https://x.com/jack/lists/12", reason: "not a profile URL"},
		{in: "https://x.com/home/media", reason: "not a profile URL"},
		{in: "\u200b12\u200e", want: "12"},
		{in: "\ufeff@jack\u2060", want: "@jack"},
		{in: "\u3000783214\u202f", want: "783214"},
		{in: "-3.5", reason: "negative"},
		{in: "1,234,567", reason: "digit separators"},
		{in: "12-a", reason: "not an id (1–19 digits) or @handle"},
		{in: "jack", reason: "if it is a username, write it as @jack"},
		{in: "@", reason: "not a valid @handle"},
		{in: "@abcdefghijklmnop", reason: "not a valid @handle"},
		{in: "@ja-ck", reason: "not a valid @handle"},
		{in: "@@jack", reason: "not a valid @handle"},
		{in: "https://example.com/jack", reason: "not an x.com or twitter.com profile URL"},
		{in: "https://x.com/home", reason: "not a profile URL"},
		{in: "https://x.com/jack/status/1", reason: "not a profile URL"},
		{in: "https://x.com/intent/user?user_id=abc", reason: "user_id is not an id"},
		{in: "https://x.com/this_name_is_far_too_long", reason: "does not name a valid username"},
		{in: "jack smith", reason: "not an id (1–19 digits) or @handle"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, reason := ParseValue(tt.in)
			if tt.reason == "" {
				if reason != "" {
					t.Fatalf("ParseValue(%q): unexpected reason %q", tt.in, reason)
				}
				if got := e.String(); got != tt.want {
					t.Fatalf("ParseValue(%q) = %q, want %q", tt.in, got, tt.want)
				}
				if (e.ID == 0) == (e.Handle == "") {
					t.Fatalf("ParseValue(%q) = %+v: want exactly one of ID and Handle", tt.in, e)
				}
				return
			}
			if reason == "" {
				t.Fatalf("ParseValue(%q) = %+v, want a reason containing %q", tt.in, e, tt.reason)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Fatalf("ParseValue(%q) reason %q, want it to contain %q", tt.in, reason, tt.reason)
			}
		})
	}
}

func TestEntryKey(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{ID: 123456}, "123456"},
		{Entry{ID: 18446744073709551615}, "18446744073709551615"},
		{Entry{Handle: "jack"}, "@jack"},
		{Entry{Handle: "JaCk"}, "@jack"},
	}
	for _, tt := range tests {
		if got := tt.e.Key(); got != tt.want {
			t.Errorf("%+v.Key() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"", Auto}, {"auto", Auto}, {"CSV", CSV}, {"tsv", CSV}, {"txt", Text}, {"text", Text},
		{"json", JSON}, {"jsonl", JSONL}, {"ndjson", JSONL}, {"js", Archive},
		{"following.js", Archive}, {"archive", Archive},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), `unknown format "xml"`) {
		t.Errorf("ParseFormat(xml) error = %v, want unknown format", err)
	}
}
