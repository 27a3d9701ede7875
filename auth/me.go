package auth

import (
	"context"
	"net/http"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
)

// fetchMe asks who hc's credential belongs to (GET /2/users/me). Failures
// are *apiclient.Error.
func fetchMe(ctx context.Context, hc *http.Client, apiBase string) (apiclient.User, error) {
	return apiclient.New(hc, apiBase, "").Me(ctx)
}

// oauth1Transport signs requests with k (OAuth 1.0a HMAC-SHA1), through
// apiclient's one implementation, above a redactingTransport that removes
// the keys and the signed Authorization header from every answer.
func oauth1Transport(base http.RoundTripper, k apiclient.OAuth1Credentials) http.RoundTripper {
	base = redactor(base, newSecretSet(k.ConsumerSecret, k.Token, k.TokenSecret))
	return apiclient.OAuth1Transport(base, k)
}
