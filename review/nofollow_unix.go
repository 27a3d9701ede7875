//go:build unix

package review

import "syscall"

// noFollow makes an open refuse a symbolic link at the last element.
const noFollow = syscall.O_NOFOLLOW
