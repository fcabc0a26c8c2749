#!/usr/bin/env bash
# Benchmarks of the import path against the reference tools, side by side
# in one run on one machine (see docs/BENCHMARKS.md for the results):
#   1. a 200,000-row GTD-format CSV (the shared GTD rows repeated with fresh
#      eventids) imported by `vigil import gtd --no-fuse` into a fresh SQLite
#      store (the import alone; fusing the file is timed after, apart),
#      by `sqlite3 .import` into a plain table, by PostgreSQL `\copy`, and by
#      `vigil import gtd --no-fuse` into PostgreSQL;
#   2. `vigil incidents --country US --format json` over a store of
#      1,000,000 incidents (twenty countries, so about 50,000 are US).
# Runs under scripts/pgtest.sh, which provides the PostgreSQL server.
# PARTS=import runs part 1 only; FUSE=0 leaves out the timing of fusion. The load average is printed before and
# after each part: the machine is shared, and ratios measured in one run
# are the numbers to trust.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIGIL_TEST_POSTGRES:-}" ]; then
  exec scripts/pgtest.sh "$0" "$@"
fi
SHARED=${VIGIL_SHARED_DATA:-../shared/data}
GTD=$SHARED/gtd/gtd_0718dist_us_2000-2017.csv
OUT=bench/out
RUNS=${RUNS:-3}
PARTS=${PARTS:-import,query}
FUSE=${FUSE:-1}
N=${N:-200000}
BIG=${BIG:-1000000}
mkdir -p "$OUT"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
make build >/dev/null # always: a stale binary would time old code

[ -f "$OUT/gtd$N.csv" ] || go run ./bench/gengtd -in "$GTD" -out "$OUT/gtd$N.csv" -n "$N"
size=$(du -mL "$OUT/gtd$N.csv" | cut -f1)

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

pg() { psql "$VIGIL_TEST_POSTGRES" -qAtX -v ON_ERROR_STOP=1 "$@"; }
cols=$(head -1 "$OUT/gtd$N.csv" | tr -d '\r' | tr ',' '\n' | sed 's/.*/"&" text/' | paste -sd,)

load() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(load)

declare -a tv ts tp tvp tf
for i in $(seq "$RUNS"); do
  rm -f "$OUT"/v.db*
  t0=$(now); ./vigil --db "$OUT/v.db" import gtd --no-fuse "$OUT/gtd$N.csv" >"$OUT/vigil-import.txt"; t1=$(now)
  tv+=("$(elapsed "$t0" "$t1")")
  if [ "$FUSE" = 1 ]; then
    t0=$(now); ./vigil --db "$OUT/v.db" fuse >/dev/null; t1=$(now)
    tf+=("$(elapsed "$t0" "$t1")")
  else
    tf+=(0)
  fi

  rm -f "$OUT/s.db"
  t0=$(now); sqlite3 "$OUT/s.db" ".mode csv" ".import $OUT/gtd$N.csv gtd"; t1=$(now)
  ts+=("$(elapsed "$t0" "$t1")")

  pg -c "DROP TABLE IF EXISTS gtd_copy" -c "CREATE TABLE gtd_copy ($cols)"
  t0=$(now); pg -c "\\copy gtd_copy FROM '$OUT/gtd$N.csv' WITH (FORMAT csv, HEADER true, ENCODING 'WIN1252')"; t1=$(now)
  tp+=("$(elapsed "$t0" "$t1")")

  pg -c "DROP DATABASE IF EXISTS vigil_bench" -c "CREATE DATABASE vigil_bench"
  pgurl=${VIGIL_TEST_POSTGRES/\/postgres\?/\/vigil_bench\?}
  t0=$(now); ./vigil --db "$pgurl" import gtd --no-fuse "$OUT/gtd$N.csv" >/dev/null; t1=$(now)
  tvp+=("$(elapsed "$t0" "$t1")")
done
mv=$(median "${tv[@]}"); mf=$(median "${tf[@]}"); ms=$(median "${ts[@]}"); mp=$(median "${tp[@]}"); mvp=$(median "${tvp[@]}")
rows=$(sqlite3 "$OUT/s.db" "select count(*) from gtd")
vrows=$(./vigil --db "$OUT/v.db" stats --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["incidents"])')

echo
echo "## Import of $N GTD rows ($size MB), median of $RUNS runs"
echo
echo "| tool | seconds | rows stored | ratio to sqlite3 .import |"
echo "|---|---|---|---|"
echo "| vigil import gtd --no-fuse → SQLite | $mv | $vrows | $(python3 -c "print(f'{$mv/$ms:.2f}')") |"
echo "| then vigil fuse (SQLite) | $mf | $vrows | $(python3 -c "print(f'{$mf/$ms:.2f}')") |"
echo "| sqlite3 .import (plain table) | $ms | $rows | 1.00 |"
echo "| psql \\copy (plain table) | $mp | $N | $(python3 -c "print(f'{$mp/$ms:.2f}')") |"
echo "| vigil import gtd --no-fuse → PostgreSQL | $mvp | $N | $(python3 -c "print(f'{$mvp/$ms:.2f}')") |"
echo
echo "runs: vigil ${tv[*]}; fuse ${tf[*]}; sqlite3 ${ts[*]}; psql ${tp[*]}; vigil→pg ${tvp[*]}"
echo "load average before: $load0; after: $(load)"
cat "$OUT/vigil-import.txt"

case ",$PARTS," in *,query,*) ;; *) exit 0 ;; esac

if [ ! -f "$OUT/big.db" ]; then
  [ -f "$OUT/gtd$BIG-mix.csv" ] || go run ./bench/gengtd -in "$GTD" -out "$OUT/gtd$BIG-mix.csv" -n "$BIG" -mix
  ./vigil --db "$OUT/big.tmp.db" import gtd --no-fuse "$OUT/gtd$BIG-mix.csv" >/dev/null
  mv "$OUT/big.tmp.db" "$OUT/big.db"
fi
declare -a tq
for i in $(seq 5); do
  t0=$(now); ./vigil --db "$OUT/big.db" incidents --country US --format json >"$OUT/us.json"; t1=$(now)
  tq+=("$(elapsed "$t0" "$t1")")
done
n_us=$(python3 -c 'import json; print(len(json.load(open("bench/out/us.json"))))')
echo
echo "## vigil incidents --country US --format json over $BIG incidents"
echo
echo "median $(median "${tq[@]}") s for $n_us incidents (runs: ${tq[*]})"
