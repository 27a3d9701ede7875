#!/bin/sh
# release.sh: build static bulkunfollow binaries for every supported
# platform into dist/, with the version stamped in, and write dist/SHA256SUMS.
#
#   scripts/release.sh            # version from git describe --tags --always --dirty
#   scripts/release.sh v1.2.0     # explicit version
#
# Needs only Go (and git for the default version). Set PLATFORMS to build a
# subset, e.g. PLATFORMS="linux/amd64" scripts/release.sh v1.2.0.
set -eu

cd "$(dirname "$0")/.."

VERSION=${1:-}
if [ -z "$VERSION" ]; then
	VERSION=$(git describe --tags --always --dirty 2>/dev/null || true)
fi
if [ -z "$VERSION" ]; then
	echo "release.sh: no version: pass one (scripts/release.sh v1.2.0) or run inside a git checkout" >&2
	exit 2
fi
case $VERSION in
*[!A-Za-z0-9._+-]*)
	echo "release.sh: version $VERSION: use letters, digits and . _ + - only" >&2
	exit 2
	;;
esac

PLATFORMS=${PLATFORMS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}
DIST=dist

rm -rf "$DIST"
mkdir -p "$DIST"

for p in $PLATFORMS; do
	goos=${p%/*}
	goarch=${p#*/}
	ext=
	[ "$goos" = windows ] && ext=.exe
	out="$DIST/bulkunfollow_${VERSION}_${goos}_${goarch}${ext}"
	echo "building $out" >&2
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build \
		-trimpath \
		-ldflags "-s -w -X main.version=$VERSION" \
		-o "$out" ./cmd/bulkunfollow
done

# Checksums in the format "sha256sum -c" and "shasum -a 256 -c" read.
cd "$DIST"
if command -v sha256sum >/dev/null 2>&1; then
	sha256sum bulkunfollow_* >SHA256SUMS
elif command -v shasum >/dev/null 2>&1; then
	shasum -a 256 bulkunfollow_* >SHA256SUMS
else
	# Only Go installed: let Go compute them.
	cat >sha256sums.go <<'GO'
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

func main() {
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		f.Close()
		fmt.Printf("%x  %s\n", h.Sum(nil), name)
	}
}
GO
	go run sha256sums.go bulkunfollow_* >SHA256SUMS
	rm -f sha256sums.go
fi
echo "wrote $DIST/SHA256SUMS" >&2
