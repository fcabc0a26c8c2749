#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: vet, then every test with
# the race detector against a real SQLite file and a real PostgreSQL server
# that scripts/pgtest.sh installs if missing, starts on a temporary
# directory and a free loopback port, and stops afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/goenv.sh

command -v go >/dev/null || { echo "test: Go is not installed (https://go.dev/doc/install)" >&2; exit 1; }

# ogrinfo (GDAL) checks that the GeoJSON export is read by the tools
# analysts use (QGIS reads files through the same library).
if ! command -v ogrinfo >/dev/null; then
  echo "== installing gdal-bin (ogrinfo)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq gdal-bin >/dev/null
fi

# groff renders the man page that `vigil help --man` writes, to check it.
if ! command -v groff >/dev/null; then
  echo "== installing groff-base"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq groff-base >/dev/null
fi

# chromium runs the dashboard's browser tests (internal/server, through
# chromedp); in CI they fail without it. Their screenshots go to
# VIGIL_ARTEFACTS.
if ! command -v chromium >/dev/null; then
  echo "== installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
export VIGIL_ARTEFACTS="${VIGIL_ARTEFACTS:-$PWD/bench/out/browser}"
echo "== browser test screenshots: $VIGIL_ARTEFACTS"

# The committed dashboard bundle must be what web/ builds.
echo "== dashboard bundle"
scripts/check-bundle.sh

echo "== go vet"
go vet ./...

# No known vulnerability in what vigil's code calls (source mode; make lint
# and make soak also scan the built binary). Pinned database: see the script.
echo "== govulncheck (source mode)"
scripts/vulncheck.sh .

echo "== go test -race (SQLite and PostgreSQL)"
scripts/pgtest.sh go test -race -count=1 -timeout 15m ./...
