#!/usr/bin/env bash
# Takes the user guide's screenshots: runs the dashboard's browser tests
# (a real headless Chromium against a real server on the demo data) and
# copies into docs/guide/img the screenshots the guide shows. Commit them
# with the change that altered the dashboard; docs/docs_test.go checks
# that every one the guide shows is one a browser test takes.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VIGIL_ARTEFACTS="$tmp" go test -count=1 -run 'TestBrowser' ./internal/server
mkdir -p docs/guide/img
for name in $(grep -ho '(img/[a-z0-9-]*\.png)' docs/guide/*.md | sed 's/(img\/\(.*\))/\1/' | sort -u); do
  shot=$(find "$tmp" -name "$name" | head -1) # each test writes into a directory of its own
  if [ -n "$shot" ]; then
    cp "$shot" docs/guide/img/
    echo "guide: img/$name"
  else
    echo "guide: img/$name was not taken by the browser tests" >&2
    exit 1
  fi
done
