//go:build !unix

package auth

import "io/fs"

// fileOwner is not known on this system: the mode checks alone apply.
func fileOwner(fs.FileInfo) (uid int, ok bool) { return 0, false }

// noFollow is not available here: the Lstat check in lock stands alone.
const noFollow = 0
