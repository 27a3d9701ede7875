// Package apiclient speaks X API v2 over HTTP for bulkunfollow: unfollow,
// the authenticated user, users by username and the following list.
//
// Guarantees: every call takes a context; every response's rate-limit
// headers are parsed; every failure is one typed *Error that keeps the
// status, headers and problem body and classifies what the caller should do.
package apiclient
