#!/usr/bin/env bash
# govulncheck against a local copy of the Go vulnerability database, for a
# machine that reaches the Go module proxy but not vuln.go.dev.
#
# The proxy serves the database's own repository as a module
# (golang.org/x/vulndb: data/osv holds one OSV file per entry) and
# govulncheck (golang.org/x/vuln); both are pinned below. govulncheck
# v1.9.0 reads a directory of OSV files given as -db file://DIR and builds
# the index itself with the same code that reads a served database, so no
# index is written here (vulndb's cmd/indexdb would write one, but it drags
# in ~700 MB of cloud client modules and still dates the database
# 0001-01-01, because the repository's entries carry no dates: the served
# database takes them from git history).
#
# Every run first scans a throwaway module that calls a symbol with a known
# vulnerability and fails unless govulncheck reports it, so a green run
# cannot come from an empty or misread database. Then it scans vigil's
# source (what the code calls) and the vigil binary, and exits 1 if either
# finds a vulnerability that vigil's code reaches. Vulnerabilities only in
# modules or packages vigil requires but does not call are listed, not
# failed on (govulncheck's own rule).
#
# Usage: scripts/vulncheck.sh            # self-test, source, binary
#        scripts/vulncheck.sh DIR...     # self-test, then source mode on the modules in DIR
# Environment: VIGIL_VULN_CACHE (default $XDG_CACHE_HOME/vigil/vulncheck)
# holds govulncheck's binary, the scanned vigil binary and the reports;
# VIGIL_VULNDB=DIR uses a directory of OSV files instead of the pinned
# module. scripts/vulncheck-test.sh checks that the self-test fails on a
# damaged database.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/goenv.sh
repo=$PWD

VULN_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
# The canary: gopkg.in/yaml.v2 before 2.2.8 is GO-2020-0036 (CVE-2019-11254,
# unbounded CPU in Unmarshal), an entry with symbol-level data.
CANARY_MODULE=gopkg.in/yaml.v2
CANARY_VERSION=v2.2.7
CANARY_ID=GO-2020-0036

cache=${VIGIL_VULN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vigil/vulncheck}
mkdir -p "$cache/bin"
step() { echo "== vulncheck [${SECONDS}s]: $*"; }

# Module downloads run from / so that no go.mod (the repo's) is consulted
# or changed.
step "govulncheck $VULN_VERSION"
(cd / && GOBIN="$cache/bin" go install "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION")
govulncheck=$cache/bin/govulncheck

if [ -n "${VIGIL_VULNDB:-}" ]; then
  # A directory of OSV files given by hand: a newer copy of vulndb's
  # data/osv carried to a machine without the proxy, or the self-test's
  # own test (scripts/vulncheck-test.sh) with a damaged database.
  step "vulnerability database: VIGIL_VULNDB=$VIGIL_VULNDB"
  db=$VIGIL_VULNDB
  dbdate="unknown (a directory given by VIGIL_VULNDB)"
else
  step "vulnerability database golang.org/x/vulndb@$VULNDB_VERSION"
  (cd / && go mod download "golang.org/x/vulndb@$VULNDB_VERSION")
  dbmod=$(cd / && go list -m -f '{{.Dir}}|{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "golang.org/x/vulndb@$VULNDB_VERSION")
  db=${dbmod%|*}/data/osv
  # The entries' own "modified" fields are all 0001-01-01 in the
  # repository, so the database's date is the time of the commit it was
  # taken at.
  dbdate="${dbmod#*|} (commit ${VULNDB_VERSION##*-})"
fi
[ -d "$db" ] || { echo "vulncheck: $db: not a directory of OSV files" >&2; exit 1; }
entries=$(find "$db" -maxdepth 1 -name 'GO-*.json' | wc -l)
newest=$(find "$db" -maxdepth 1 -name 'GO-*.json' -printf '%f\n' | sed 's/\.json$//' | sort -V | tail -n 1)
stdlib=$( (find "$db" -maxdepth 1 -name 'GO-*.json' -exec grep -lE '"name": ?"stdlib"' {} + || true) | wc -l)
echo "database: $entries entries (newest ${newest:-none}, $stdlib for the standard library) as of $dbdate"
if [ "$entries" -lt 4000 ] || [ "$stdlib" -lt 100 ]; then
  echo "vulncheck: the database looks truncated ($entries entries, $stdlib for the standard library)" >&2
  exit 1
fi

# scan MODE TARGET REPORT [DIR]: runs govulncheck, keeps its text report,
# and returns its exit status (0 nothing reached, 3 vulnerabilities
# reached, anything else a failure to scan).
scan() {
  local mode=$1 target=$2 report=$3 dir=${4:-$repo} rc=0
  (cd "$dir" && "$govulncheck" -db "file://$db" -mode "$mode" -show verbose,version "$target") >"$report" 2>&1 || rc=$?
  return "$rc"
}

step "self-test: a module calling $CANARY_MODULE@$CANARY_VERSION must be reported ($CANARY_ID)"
canary=$(mktemp -d)
trap 'rm -rf "$canary"' EXIT
cat >"$canary/go.mod" <<EOF
module example.com/vulncheck-canary

go 1.22
EOF
cat >"$canary/main.go" <<'EOF'
// Command canary calls a function with a known vulnerability, so that
// govulncheck has something to find.
package main

import (
	"fmt"

	"gopkg.in/yaml.v2"
)

func main() {
	var v map[string]string
	fmt.Println(yaml.Unmarshal([]byte("a: b"), &v), v)
}
EOF
(cd "$canary" && go get "$CANARY_MODULE@$CANARY_VERSION" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1) || {
  echo "vulncheck: self-test: could not fetch $CANARY_MODULE@$CANARY_VERSION through the module proxy" >&2
  exit 1
}
rc=0
scan source ./... "$cache/canary.txt" "$canary" || rc=$?
# Exit 3 alone is not enough: the entry must be among the symbol results
# (called), with the canary's call in its trace.
if [ "$rc" -ne 3 ] || ! sed -n '/=== Symbol Results ===/,/=== Package Results ===/p' "$cache/canary.txt" | grep -q "$CANARY_ID" \
   || ! grep -q 'main calls yaml.Unmarshal' "$cache/canary.txt"; then
  echo "vulncheck: self-test failed: govulncheck (exit $rc) did not report $CANARY_ID as called by the canary module;" >&2
  echo "the database at $db is empty or misread. Its report:" >&2
  cat "$cache/canary.txt" >&2
  exit 1
fi
echo "self-test: $CANARY_ID reported as called (govulncheck exit 3)"

# summary REPORT: the header, the IDs reached and govulncheck's closing
# paragraph.
summary() {
  grep -E '^(Go|Scanner|DB):' "$1" || true
  sed -n '/=== Symbol Results ===/,/=== Package Results ===/p' "$1" \
    | awk '/^Vulnerability #/{id=$3} /Found in:/{f=$3} /Fixed in:/{print "  reached: " id " " f " fixed in " $3}'
  sed -n '/=== Package Results ===/,$p' "$1" \
    | awk '/=== Module Results ===/{m=1} /^Vulnerability #/{id=$3} /Found in:/{f=$3}
           /Fixed in:/{print "  " (m ? "required, not called: " : "imported, not called: ") id " " f " fixed in " $3}'
  sed -n '/^Your code\|^No vulnerabilities found/,$p' "$1"
}

failed=0
if [ "$#" -gt 0 ]; then
  for dir in "$@"; do
    step "source mode: $dir"
    rc=0
    scan source ./... "$cache/source-$(basename "$dir").txt" "$dir" || rc=$?
    summary "$cache/source-$(basename "$dir").txt"
    case $rc in 0) ;; 3) failed=1 ;; *) cat "$cache/source-$(basename "$dir").txt" >&2; exit 1 ;; esac
  done
else
  step "source mode: ./... (what vigil's code calls)"
  rc=0
  scan source ./... "$cache/source.txt" || rc=$?
  summary "$cache/source.txt"
  case $rc in 0) ;; 3) failed=1 ;; *) cat "$cache/source.txt" >&2; exit 1 ;; esac

  # The binary is built as `make build` builds it but keeps its symbol
  # table (no -s -w): govulncheck needs it to tell called symbols from
  # linked packages, and without it reports every vulnerability of every
  # linked package.
  step "binary mode: vigil (CGO_ENABLED=0 go build -trimpath ./cmd/vigil)"
  CGO_ENABLED=0 go build -trimpath -o "$cache/vigil" ./cmd/vigil
  rc=0
  scan binary "$cache/vigil" "$cache/binary.txt" || rc=$?
  summary "$cache/binary.txt"
  case $rc in 0) ;; 3) failed=1 ;; *) cat "$cache/binary.txt" >&2; exit 1 ;; esac
fi

echo "reports: $cache/*.txt (database as of $dbdate, newest entry $newest; ${SECONDS}s)"
if [ "$failed" -ne 0 ]; then
  echo "vulncheck: vulnerabilities reached from vigil's code (see above); for the standard library the fix is a newer Go" >&2
  exit 1
fi
echo "vulncheck: no known vulnerability reached (database as of $dbdate)"
