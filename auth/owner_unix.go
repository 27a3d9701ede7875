//go:build unix

package auth

import (
	"io/fs"
	"syscall"
)

// fileOwner is the uid owning fi's file; ok is false when it is not known.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// noFollow makes an open refuse a symbolic link at the last element.
const noFollow = syscall.O_NOFOLLOW
