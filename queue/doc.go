// Package queue is bulkunfollow's durable work list: one bbolt file per
// queue, bound to one source account.
//
// Guarantees:
//   - Targets are processed in input order; a target being sent stays
//     pending in the file, so a crash re-sends it at most once.
//   - Next-pending lookup, per-state counts and status cost the same
//     whatever the number of finished targets (no scans of finished work).
//   - Import is all-or-nothing: invalid input, an error or a killed process
//     leaves the queue exactly as it was.
//   - From a list with a decision column (a review sheet) only the rows
//     marked unfollow are queued; one that marks none is refused
//     (*UnmarkedError), the queue untouched.
//   - Only one process writes a queue at a time; a second one fails fast
//     with an error naming the file instead of waiting.
//   - Every finished target keeps when and what the server answered.
//   - A result and the run's state that goes with it (Result.Run: the
//     rate-limit window, the request in flight) are written in one transaction.
//   - While a process holds the queue for writing, PATH.status (an atomic
//     JSON snapshot refreshed after every commit) lets ReadStatus report
//     without the lock.
//   - A file written by a newer schema is refused (*SchemaError), never
//     misread.
//
// docs/queue.md describes the states, the file layout and the status JSON.
package queue
