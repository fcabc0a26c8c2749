// Package shareddata finds the real public datasets that tests read from
// ../shared/data (or env VIGIL_SHARED_DATA), and says clearly when they are
// missing: in CI a missing file fails the test, elsewhere it skips it.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data directory: env VIGIL_SHARED_DATA, else
// ../shared/data beside the repository root.
func Dir() string {
	if d := os.Getenv("VIGIL_SHARED_DATA"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "data")
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "data")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "shared", "data")
		}
	}
}

// Path returns the path of a shared data file, or fails (in CI) or skips
// (elsewhere) the test when it is not there.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Dir()}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("shared data file missing in CI: %s (set VIGIL_SHARED_DATA): %v", p, err)
		}
		tb.Skipf("shared data file missing: %s (set VIGIL_SHARED_DATA to run this test)", p)
	}
	return p
}
