#!/usr/bin/env bash
# Strict lint: formatting, vet, staticcheck and govulncheck (the last two
# are fetched through the Go module proxy at pinned versions; govulncheck
# runs through scripts/vulncheck.sh, against the vulnerability database
# fetched the same way).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/goenv.sh
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
scripts/vulncheck.sh
