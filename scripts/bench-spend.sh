#!/usr/bin/env bash
# bench-spend.sh: what "bulkunfollow run" spends against the billing
# simulator ("bulkunfollow simulate" as a separate process), next to the
# cheapest plan in hindsight.
#
# Usage: scripts/bench-spend.sh                    (50 unfollows per 1s window)
#        LIMIT=100 WINDOW=1s scripts/bench-spend.sh
#        SCENARIO=mixes scripts/bench-spend.sh     (mixes, budget, signals or all)
#
# Prints, per list mix (complete jobs of several runs), the simulator's
# billed_usd, the hindsight floor and their ratio (target <= 1.05); how many
# runs had status --json spent_usd = billed_usd to the cent (target: all);
# a --budget job's bill after each run (target: never above the budget); a
# job stopped by SIGINT 3 times next to the same job uninterrupted (target:
# at most 3 x $0.010 more); the wall time. Exits 1 if a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/bench-spend.XXXXXX)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/bulkunfollow" ./cmd/bulkunfollow
go run ./scripts/benchspend -bin "$dir/bulkunfollow" -limit "${LIMIT:-50}" -window "${WINDOW:-1s}" \
	-scenario "${SCENARIO:-all}"
