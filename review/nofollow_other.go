//go:build !unix

package review

// noFollow is not available here: the Lstat check in Acquire stands alone.
const noFollow = 0
