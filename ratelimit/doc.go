// Package ratelimit paces requests: a token bucket before any response is
// seen, the server's own window (limit, remaining, reset) after every
// response, and a rolling 24-hour cap. Time comes from an injected clock.
//
// Guarantees:
//   - It never reads the wall clock: every method takes now, so the same
//     Limiter runs in real time, in simulated time (tests, dry-run plans)
//     and after a restart.
//   - The server's numbers are authoritative: with remaining 0 (or after
//     as many requests as the last response's remaining) no request goes
//     before the reset plus a margin (DefaultMargin, 250 ms, doubled up to
//     MaxMargin after a 429 right after a reset). A lower server limit
//     governs; a higher one is followed only with Config.AdoptServerLimit.
//   - Reset times (server epoch seconds) are converted to local time with
//     the clock offset the Date headers prove, taking the smallest offset
//     they allow (0 when they are consistent with synchronised clocks), so
//     a wait never ends before the reset as far as the headers can tell.
//     A converted reset that is implausible (more than a window ahead, or
//     in the past, as with a Date header in 2100) is read on the local
//     clock instead; a spent window with no plausible reading waits a full
//     window. After a 429 with remaining 0 the wait is for the later
//     plausible reading: at most one 429 per window.
//   - Every wait is clamped to [0, window + margin + 2 s] (24 h for daily
//     limits) and anything clamped is reported as a Warning.
//   - Delay takes the longest constraint, never their sum: with a bucket
//     consistent with the server (burst = limit, refill = limit/window),
//     the bucket adds no wait to a window the server already governs.
//   - State round-trips through JSON: a restarted process neither bursts
//     into a spent window nor waits for one that is over.
//
// See docs/rate-limiting.md for the numbers and the reasoning.
package ratelimit
