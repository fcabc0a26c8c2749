#!/usr/bin/env bash
# Checks that scripts/vulncheck.sh cannot pass on a database that would hide
# vulnerabilities: each case runs it on a tiny clean module with a given
# database and compares its exit status and the reason it gives. A green
# vulncheck is worth something only if these cases fail where they should.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The pinned database, found the way vulncheck.sh finds it.
version=$(sed -n 's/^VULNDB_VERSION=//p' scripts/vulncheck.sh)
(cd / && go mod download "golang.org/x/vulndb@$version")
full=$(cd / && go list -m -f '{{.Dir}}' "golang.org/x/vulndb@$version")/data/osv

# A database missing only the canary's entry: every count looks right, so
# only the self-test can notice.
mkdir "$tmp/no-canary" "$tmp/empty"
cp "$full"/GO-*.json "$tmp/no-canary/"
rm "$tmp/no-canary/GO-2020-0036.json"

# The module scanned after the self-test: standard library only, no call
# into anything with a known vulnerability.
mkdir "$tmp/clean"
printf 'module example.com/clean\n\ngo 1.22\n' >"$tmp/clean/go.mod"
printf 'package main\n\nfunc main() { println(len("ok")) }\n' >"$tmp/clean/main.go"

pass=0 fail=0
# check NAME DB WANT_STATUS WANT_TEXT
check() {
  local name=$1 db=$2 want=$3 text=$4 got=0
  VIGIL_VULNDB=$db VIGIL_VULN_CACHE="$tmp/cache" scripts/vulncheck.sh "$tmp/clean" >"$tmp/$name.out" 2>&1 || got=$?
  if [ "$got" -eq "$want" ] && grep -q "$text" "$tmp/$name.out"; then
    echo "ok   $name: exit $got, \"$text\""
    pass=$((pass + 1))
  else
    echo "FAIL $name: got exit $got, want $want with \"$text\"; output:"
    sed 's/^/    /' "$tmp/$name.out"
    fail=$((fail + 1))
  fi
}

check full-database "$full" 0 "self-test: GO-2020-0036 reported as called"
check canary-entry-missing "$tmp/no-canary" 1 "self-test failed"
check empty-database "$tmp/empty" 1 "looks truncated"

echo "vulncheck-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
