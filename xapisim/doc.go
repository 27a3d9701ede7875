// Package xapisim is an in-process simulator of the X API v2 endpoints
// bulkunfollow uses, faithful to the real service's headers, error bodies,
// rate-limit windows and OAuth endpoints. Tests, "bulkunfollow simulate"
// and "bulkunfollow demo" run against it; the real API is never reached.
package xapisim
