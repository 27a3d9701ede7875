// Package worker is a whole run as a library (Job): Prepare signs in,
// reads the following list, resolves @handles and the keep-list, and makes
// every decision before sending (skipped, kept, the account itself, done
// already by an interrupted run), writing nothing; Plan says what it will
// send and when; Apply writes the decisions; Drain takes the next pending
// target, waits for the rate limiter, calls X, classifies the outcome and
// checkpoints it (Worker); Record writes the run record. The worker talks
// to X through its own Client interface (worker/xclient adapts apiclient)
// and keeps its state in the queue through the queue's typed accessors.
//
// Guarantees of the drain:
//   - Targets go in input order; the outcome follows docs/api-errors.md:
//     following:false → done; not found → failed, no retry; window 429 →
//     wait for the reset, no attempt counted; transient errors and a 200
//     that still says following → retry with exponential backoff and full
//     jitter, failed after Options.MaxAttempts; 401 (after the transport's
//     refresh), 403 / 400 invalid-request, usage caps, credits and Config
//     failures (a request that cannot be sent, a 404 not naming the
//     target) → the run stops with the server's words and a hint, every
//     target left pending (a 403 that names the target fails only that
//     target); other permanent refusals fail the target, and three in a
//     row stop the run.
//   - A failure whose request may have taken effect (Failure.
//     MayHaveTakenEffect, decided by the API client) is recorded with
//     queue.ReasonOutcomeUnknown, so a later run never takes the target for
//     one that was not followed.
//   - Summary counts only results the queue wrote.
//   - A result that arrived is always written, even while shutting down:
//     the request runs on a context detached from Run's (bounded by
//     RequestTimeout, the deadline and Options.Abort) and the queue's
//     writes take no context.
//   - The limiter's state is written with every result (queue meta
//     queue.RunState, same transaction) and before every request, and restored
//     when Run starts: restarts and crashes do not re-spend a window.
//   - No wait is started that would end after Options.Deadline; no request
//     is started at or after it.
//   - Time comes from an injected Clock and randomness from an injected
//     Rand, so tests run hours of simulated time in milliseconds.
package worker
