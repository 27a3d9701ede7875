// Package testkit holds the test doubles the module's tests share: a fake
// clock, a concurrency-safe output buffer and an HTTP answer cut off
// mid-body. It lives under internal/ so
// the tests of every package can import it while nothing outside the module
// can; it is a plain (non-test) package only because Go does not let one
// package's tests import another package's _test.go files. Production code
// does not import it.
package testkit
