#!/usr/bin/env bash
# Extraction throughput of the distributed mode (docs/SCALING.md): 1, 2
# and 4 `vigil worker --kinds extract` processes on one nats-server
# (built from the module go.mod pins) and a throwaway PostgreSQL.
# ARTICLES sets the articles per outlet (4 outlets; default 250).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
VIGIL_BENCH_ARTICLES="${ARTICLES:-250}" scripts/pgtest.sh go test -run '^$' -bench BenchmarkExtractWorkers \
	-benchtime 1x -count "${COUNT:-1}" -timeout 60m ./internal/queue/ | tee bench/out/workers.txt
