// Package auth signs bulkunfollow in to X: OAuth 2.0 Authorization Code
// with PKCE, rotation-safe refresh, OAuth 1.0a user context and a ready
// bearer token, with a credential store whose files are 0600 and written
// atomically. Secrets never appear in errors or logs.
package auth
