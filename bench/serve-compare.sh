#!/usr/bin/env bash
# Two builds of vigil side by side, interleaved, on the serve scenarios a
# change is about: on a shared machine the load moves between runs, so a
# before/after comparison is only fair when the two alternate.
#
#   bench/serve-compare.sh OLD_VIGIL OLD_DB NEW_VIGIL NEW_DB [ROUNDS]
#
# Each DB must be its own copy of the same store (a newer build migrates
# its copy, which the older one then refuses). Scenarios: SCENARIOS, a
# '|'-separated list of bench/serveload -only patterns; C clients;
# DURATION per scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -ge 4 ] || { echo "usage: bench/serve-compare.sh OLD_VIGIL OLD_DB NEW_VIGIL NEW_DB [ROUNDS]" >&2; exit 2; }
OLD=$1 OLDDB=$2 NEW=$3 NEWDB=$4 ROUNDS=${5:-2}
DURATION=${DURATION:-10s}
SCENARIOS=${SCENARIOS:-monthly by admin1|since a day|by cursor}
PORT=${PORT:-18790}
mkdir -p bench/out
go build -o bench/out/serveload ./bench/serveload

run() { # name binary db
  "$2" --db "$3" serve --public --addr "127.0.0.1:$PORT" >"bench/out/serve-compare-$1.log" 2>&1 &
  local pid=$! base="http://127.0.0.1:$PORT"
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  # Aggregates come from the in-memory snapshot once it is built.
  for i in $(seq 600); do
    curl -fsS -o /dev/null "$base/api/aggregates?by=type&since=1900-01-$(printf %02d $((i % 28 + 1)))"
    curl -fsS "$base/metrics" | grep -q '^vigil_aggregate_snapshot_hits_total [1-9]' && break
    sleep 1
  done
  echo "== $1 (load average $(cut -d' ' -f1 /proc/loadavg))"
  IFS='|' read -ra only <<<"$SCENARIOS"
  for c in 1 ${C:-4}; do
    for s in "${only[@]}"; do
      printf 'c=%s ' "$c"
      bench/out/serveload -base "$base" -duration "$DURATION" -c "$c" -only "$s" | tail -1
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
for r in $(seq "$ROUNDS"); do
  run old "$OLD" "$OLDDB"
  run new "$NEW" "$NEWDB"
done
