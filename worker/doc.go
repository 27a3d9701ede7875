// Package worker drains a queue: take the next pending target, wait for the
// rate limiter, call the API, classify the outcome and checkpoint it.
//
// Guarantees: a result that arrived is always written, even while shutting
// down; account-level errors stop the run and leave targets pending.
package worker
