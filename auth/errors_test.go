package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestSanitizeRetrieveError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     string
		rejected bool
	}{
		{
			name: "body with a token is never shown",
			err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 502, Status: "502 Bad Gateway"},
				Body: []byte(`{"access_token":"leaked-access-token","refresh_token":"leaked-refresh-token"}`)},
			want: "refresh token: 502 Bad Gateway",
		},
		{
			name: "X's spent refresh token",
			err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_request",
				ErrorDescription: "Value passed for the token was invalid.", Body: []byte("leaked-refresh-token")},
			want:     "refresh token: 400 Bad Request: invalid_request: Value passed for the token was invalid.",
			rejected: true,
		},
		{
			name: "invalid_grant echoing the token",
			err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_grant",
				ErrorDescription: "token leaked-refresh-token expired"},
			want:     "invalid_grant: token [redacted] expired",
			rejected: true,
		},
		{
			name: "transport error quoting a secret",
			err:  fmt.Errorf("post: dial: leaked-refresh-token"),
			want: "refresh token: wrapped: post: dial: [redacted]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sanitize("refresh token", fmt.Errorf("wrapped: %w", tt.err), "leaked-refresh-token", "leaked-access-token")
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
			assertNoSecrets(t, msg+fmt.Sprintf(" %v %+v", err, err), "leaked-access-token", "leaked-refresh-token")
			var te *TokenError
			if got := errors.As(err, &te) && te.Rejected(); got != tt.rejected {
				t.Errorf("Rejected() = %t, want %t", got, tt.rejected)
			}
			var re *oauth2.RetrieveError
			if errors.As(err, &re) {
				t.Error("the raw *oauth2.RetrieveError is still in the chain")
			}
		})
	}
}

func TestLoginRequiredError(t *testing.T) {
	err := fmt.Errorf("get me: %w", &LoginRequiredError{Account: "@jack (12)", Reason: "the server no longer accepts the refresh token"})
	if !errors.Is(err, ErrLoginRequired) {
		t.Fatal("errors.Is(ErrLoginRequired) is false")
	}
	var lr *LoginRequiredError
	if !errors.As(err, &lr) || !lr.NeedsPerson() || lr.Hint() != "bulkunfollow auth login" {
		t.Errorf("policy methods: %v", lr)
	}
	if want := "credentials for @jack (12) need a new login: the server no longer accepts the refresh token"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q", err)
	}
}
