// Package ratelimit paces requests: a token bucket before any response is
// seen, the server's own window (limit, remaining, reset) after every
// response, and a rolling 24-hour cap. Time comes from an injected clock.
package ratelimit
