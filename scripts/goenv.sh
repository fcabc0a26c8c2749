# Sourced by the scripts: build with the toolchain go.mod names. Go's own
# distribution sets GOTOOLCHAIN=local, so without this a machine's older
# Go would build vigil with a standard library that has known
# vulnerabilities (docs/RELIABILITY.md); with it the go command fetches
# the named toolchain once through the module proxy (about 76 MB).
if [ -z "${GOTOOLCHAIN:-}" ]; then
  GOTOOLCHAIN=$(awk '$1 == "toolchain" {print $2}' "$(dirname "${BASH_SOURCE[0]}")/../go.mod")
  export GOTOOLCHAIN
fi
