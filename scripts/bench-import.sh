#!/usr/bin/env bash
# bench-import.sh: time "bulkunfollow import" of N unique random 19-digit ids
# against the sqlite3 shell's .import of the same CSV into a table with the id
# as PRIMARY KEY, and time "status --json" on the resulting queue.
#
# Usage: scripts/bench-import.sh            (N=1000000, RUNS=3)
#        N=200000 RUNS=1 scripts/bench-import.sh
#        BENCH_DIR=/tmp/b KEEP=1 scripts/bench-import.sh   (keep the files)
#
# Targets: import <= 0.5x sqlite3's time, peak RSS <= 160 MB,
# status --json < 50 ms, queue file < 200 MB. Each figure is the best of RUNS.
set -euo pipefail

N=${N:-1000000}
RUNS=${RUNS:-3}
STATUS_RUNS=${STATUS_RUNS:-20}
cd "$(dirname "$0")/.."

for tool in /usr/bin/time sqlite3 go mawk; do
	if ! command -v "$tool" >/dev/null; then
		case $tool in
		sqlite3) echo "sqlite3 not found: apt-get install -y sqlite3" >&2 ;;
		/usr/bin/time) echo "GNU time not found: apt-get install -y time" >&2 ;;
		*) echo "$tool not found" >&2 ;;
		esac
		exit 1
	fi
done

dir=${BENCH_DIR:-$(mktemp -d /tmp/bench-import.XXXXXX)}
mkdir -p "$dir"
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$dir"' EXIT; fi

echo "== generating $N unique random 19-digit ids in $dir/ids.csv"
# 19 digits: a first digit 1-8 (X ids are below 2^63), then two 9-digit
# halves from independent draws. Duplicates are dropped as they appear.
mawk -v n="$N" -v seed="${SEED:-42}" 'BEGIN {
	srand(seed); print "id"
	while (c < n) {
		id = sprintf("%d%09d%09d", 1 + int(rand() * 8), int(rand() * 1e9), int(rand() * 1e9))
		if (!(id in seen)) { seen[id] = 1; print id; c++ }
	}
}' >"$dir/ids.csv"
echo "   $(($(wc -l <"$dir/ids.csv") - 1)) ids, $(stat -c %s "$dir/ids.csv") bytes"

echo "== building bulkunfollow"
go build -o "$dir/bulkunfollow" ./cmd/bulkunfollow

# measure CMD...: prints "seconds kilobytes" (wall time, peak RSS) of one run.
measure() {
	/usr/bin/time -v -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/stderr.txt" || {
		echo "failed: $*" >&2
		cat "$dir/stderr.txt" >&2
		exit 1
	}
	mawk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
		/Maximum resident set size/ { rss = $2 }
		END { printf "%.2f %d\n", wall, rss }' "$dir/time.txt"
}

best() { sort -n -k1,1 | head -1; }

echo "== bulkunfollow import (best of $RUNS)"
for _ in $(seq "$RUNS"); do
	rm -f "$dir/q.db" "$dir/q.db.status"
	measure "$dir/bulkunfollow" import --queue "$dir/q.db" "$dir/ids.csv"
done | tee "$dir/bu.txt"
read -r bu_wall _ < <(best <"$dir/bu.txt")
bu_rss=$(sort -n -k2,2 "$dir/bu.txt" | tail -1 | cut -d' ' -f2) # worst peak RSS

echo "== sqlite3 .import into CREATE TABLE t(id TEXT PRIMARY KEY) (best of $RUNS)"
for _ in $(seq "$RUNS"); do
	rm -f "$dir/t.sqlite"
	measure sqlite3 "$dir/t.sqlite" "CREATE TABLE t(id TEXT PRIMARY KEY);" ".import --csv --skip 1 $dir/ids.csv t"
done | tee "$dir/sq.txt"
read -r sq_wall sq_rss < <(best <"$dir/sq.txt")
sq_rows=$(sqlite3 "$dir/t.sqlite" "SELECT count(*) FROM t;")

echo "== status --json on the $N-target queue (best of $STATUS_RUNS)"
"$dir/bulkunfollow" status --queue "$dir/q.db" --json
for _ in $(seq "$STATUS_RUNS"); do
	t0=$(date +%s%N)
	"$dir/bulkunfollow" status --queue "$dir/q.db" --json >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
done >"$dir/status.txt"
st_best=$(sort -n "$dir/status.txt" | head -1)
st_median=$(sort -n "$dir/status.txt" | sed -n "$(((STATUS_RUNS + 1) / 2))p")

q_size=$(stat -c %s "$dir/q.db")
sq_size=$(stat -c %s "$dir/t.sqlite")
ratio=$(mawk -v a="$bu_wall" -v b="$sq_wall" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
mb() { mawk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
mbb() { mawk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
ms() { mawk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
pass() { if mawk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; then echo ok; else echo MISSED; fi; }

echo
echo "== results: $N ids, $(nproc) CPUs, $(go env GOVERSION), $(sqlite3 --version | cut -d' ' -f1)"
printf '%-24s %14s %14s\n' "" "bulkunfollow" "sqlite3"
printf '%-24s %14s %14s\n' "import wall time (s)" "$bu_wall" "$sq_wall"
printf '%-24s %14s %14s\n' "peak RSS (MB)" "$(mb "$bu_rss")" "$(mb "$sq_rss")"
printf '%-24s %14s %14s\n' "file size (MB)" "$(mbb "$q_size")" "$(mbb "$sq_size")"
printf '%-24s %14s %14s\n' "rows" "$N" "$sq_rows"
echo
echo "import time ratio (bulkunfollow / sqlite3): $ratio   target <= 0.50  $(pass "$ratio" 0.5)"
echo "import peak RSS: $(mb "$bu_rss") MB   target <= 160 MB  $(pass "$(mb "$bu_rss")" 160)"
echo "queue file: $(mbb "$q_size") MB   target < 200 MB  $(pass "$(mbb "$q_size")" 199.99)"
echo "status --json: best $(ms "$st_best") ms, median $(ms "$st_median") ms   target < 50 ms  $(pass "$(ms "$st_best")" 49.99)"
