#!/usr/bin/env bash
# Rebuilds the dashboard into internal/server/assets (committed, so that
# `go build` needs no npm): installs the packages package-lock.json pins,
# then bundles. Run it after changing anything under web/ and commit the
# result. The build is deterministic (a rebuild of an unchanged tree leaves
# git clean), and `make test` checks it: scripts/check-bundle.sh builds
# into a temporary directory and compares with the committed bundle.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "web/build.sh: npm is not installed (Debian: apt-get install npm)" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
