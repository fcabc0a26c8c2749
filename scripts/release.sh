#!/usr/bin/env bash
# Cross-builds vigil for the platforms people run it on: static binaries
# (pure Go, no cgo: the SQLite driver is Go too) with the version stamped,
# and a SHA-256 list, in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
PLATFORMS=${PLATFORMS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64"}
LDFLAGS="-s -w -X github.com/vigil-project/vigil/internal/cli.Version=$VERSION"
rm -rf dist && mkdir -p dist
for p in $PLATFORMS; do
  os=${p%/*} arch=${p#*/}
  out="dist/vigil-$VERSION-$os-$arch"
  [ "$os" = windows ] && out="$out.exe"
  echo "build $out"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$LDFLAGS" -o "$out" ./cmd/vigil
done
cp packaging/vigil.service packaging/vigil.toml dist/
# The man page comes from the same source as `vigil help`.
go run -ldflags "$LDFLAGS" ./cmd/vigil help --man > dist/vigil.1
(cd dist && sha256sum vigil-* vigil.1 > SHA256SUMS)
cat dist/SHA256SUMS
