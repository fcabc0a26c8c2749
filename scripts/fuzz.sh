#!/usr/bin/env bash
# Runs every Fuzz target for FUZZTIME (default 30s) each, then keeps the
# corpus the campaigns grew: the inputs Go's fuzzer found interesting
# (new coverage) are copied from the build cache into each package's
# testdata/fuzz/FuzzX, where every plain `go test` replays them as seeds.
# Commit them: the next campaign starts where this one stopped, and a
# regression on any of them fails `make test`. ONLY=FuzzX runs one target.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-30s}
cache="$(go env GOCACHE)/fuzz"
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //'); do
    [ -n "${ONLY:-}" ] && [ "$f" != "$ONLY" ] && continue
    if [ "$t" != 0 ]; then
      echo "== $pkg $f ($t)"
      go test -run='^$' -fuzz="^$f\$" -fuzztime="$t" -fuzzminimizetime=5s "$pkg"
    fi
    # The smallest MAXKEEP inputs (default 200) of at most 16 KiB are kept:
    # every `go test` replays them, so they must stay quick to run, and
    # the small ones are those a finding is read from.
    if [ -d "$cache/$pkg/$f" ]; then
      keep="$dir/testdata/fuzz/$f"
      mkdir -p "$keep"
      have=$(find "$keep" -type f | wc -l)
      room=$(( ${MAXKEEP:-200} - have ))
      n=0
      for c in $(ls -S -r "$cache/$pkg/$f"); do
        [ "$n" -lt "$room" ] || break
        c="$cache/$pkg/$f/$c"
        [ "$(stat -c %s "$c")" -le 16384 ] || continue
        [ -e "$keep/$(basename "$c")" ] && continue
        cp "$c" "$keep/" && n=$((n + 1))
      done
      echo "   kept $n new corpus entries in ${keep#$PWD/} ($((have + n)) in all)"
    fi
  done
done
