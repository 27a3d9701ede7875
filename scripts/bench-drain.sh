#!/usr/bin/env bash
# bench-drain.sh: how close "bulkunfollow run" drains to the server's own
# rate limit, with "bulkunfollow simulate" as a separate process.
#
# Usage: scripts/bench-drain.sh                 (300 targets, 50 per 10s: ideal 50 s)
#        N=600 LIMIT=50 WINDOW=5s scripts/bench-drain.sh
#        SCENARIO=restart scripts/bench-drain.sh
#
# Prints wall time next to the ideal, 429s served and DELETEs received;
# then the restart scenarios (stopped by --max and by SIGINT mid-window,
# restarted at once). Targets: wall <= 1.05x ideal, 0 429s, DELETEs = N.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/bench-drain.XXXXXX)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/bulkunfollow" ./cmd/bulkunfollow
go run ./scripts/benchdrain -bin "$dir/bulkunfollow" -n "${N:-300}" -limit "${LIMIT:-50}" \
	-window "${WINDOW:-10s}" -scenario "${SCENARIO:-all}"
