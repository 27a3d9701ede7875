// Package input reads lists of X accounts (ids and @handles) from CSV, plain
// text, JSON, JSON Lines and the X archive's following.js, streaming, with
// the line of every entry and a precise reason for every bad one.
//
// Ids keep every digit: they never pass through float64.
package input
