#!/usr/bin/env bash
# Extraction throughput of the distributed mode (docs/SCALING.md): 1, 2
# and 4 `vigil worker --kinds extract` processes on one nats-server
# (built from the module go.mod pins) and a throwaway PostgreSQL.
#
#   bench/workers.sh                  # 4 outlets × 250 articles, once
#   ARTICLES=1000 COUNT=3 bench/workers.sh
#
# ARTICLES sets the articles per outlet (4 outlets; default 250), COUNT
# the runs of each worker count. Run it on a machine otherwise idle: the
# header of bench/out/workers.txt records the cores and the load before
# and after, which say how far the curve can be read.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
out=bench/out/workers.txt
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(go version | awk '{print $3}') cores=$(nproc) load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?) articles=$((4 * ${ARTICLES:-250}))"
} >"$out"
VIGIL_BENCH_ARTICLES="${ARTICLES:-250}" scripts/pgtest.sh go test -run '^$' -bench BenchmarkExtractWorkers \
	-benchtime 1x -count "${COUNT:-1}" -timeout 60m ./internal/queue/ | tee -a "$out"
echo "# load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)" | tee -a "$out"
