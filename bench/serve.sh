#!/usr/bin/env bash
# The Serve benchmarks (issue #6 §5, docs/BENCHMARKS.md "Serve"): a
# `vigil serve` on the store of 1,000,000 incidents that bench/run.sh
# builds, loaded on loopback by bench/serveload (bounded: DURATION per
# scenario, C workers), then the same monthly-by-admin1 aggregate in
# DuckDB over the same incidents exported to CSV, in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
DB=${BIG_DB:-$OUT/big.db}
PORT=${PORT:-18765}
DURATION=${DURATION:-10s}
C=${C:-4}
[ -f "$DB" ] || { echo "bench/serve.sh: $DB is missing: bench/run.sh builds it" >&2; exit 1; }
mkdir -p "$OUT"
[ -x ./vigil ] || make build
go build -o "$OUT/serveload" ./bench/serveload

./vigil --db "$DB" serve --public --addr "127.0.0.1:$PORT" >"$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "== server $PID on $BASE, store $DB"

# The first aggregate starts the in-memory snapshot; wait until answers
# come from it (the build is timed here).
t0=$(date +%s.%N)
for i in $(seq 600); do
  curl -fsS -o /dev/null "$BASE/api/aggregates?by=type&since=1900-01-$(printf %02d $((i % 28 + 1)))"
  if curl -fsS "$BASE/metrics" | grep -q '^vigil_aggregate_snapshot_hits_total [1-9]'; then break; fi
  sleep 1
done
t1=$(date +%s.%N)
echo "snapshot of the store ready after $(python3 -c "print(f'{$t1 - $t0:.1f}')") s (from the first aggregate)"
echo

"$OUT/serveload" -base "$BASE" -duration "$DURATION" -c "$C" -pid "$PID"
echo

# DuckDB over the same incidents.
if [ ! -f "$OUT/big.csv" ] || [ "$DB" -nt "$OUT/big.csv" ]; then
  ./vigil --db "$DB" incidents --format csv >"$OUT/big.csv"
fi
if [ ! -d bench/duckdb/node_modules ]; then (cd bench/duckdb && npm ci --no-audit --no-fund >/dev/null); fi
duck=$(node bench/duckdb/monthly.mjs "$PWD/$OUT/big.csv" 5)
vig=$("$OUT/serveload" -base "$BASE" -duration "$DURATION" -c 1 -only "monthly by admin1" | tail -1)
echo "DuckDB (2 threads, in-process, CSV loaded into memory first): $duck"
echo "vigil (one client, over HTTP): $vig"
python3 - "$duck" "$vig" <<'PY'
import json, sys
d = json.loads(sys.argv[1])["median_ms"]
v = float(sys.argv[2].split("|")[5])
print(f"monthly by admin1: vigil p50 {v:.2f} ms, DuckDB median {d:.2f} ms: vigil/DuckDB = {v/d:.2f}")
PY
