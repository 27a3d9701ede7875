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
//   - Only one process writes a queue at a time; a second one fails fast
//     with an error naming the file instead of waiting.
//   - Every finished target keeps when and what the server answered.
package queue
