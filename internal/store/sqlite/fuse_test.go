package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

// BenchmarkFuseAttach attaches one new claim to a fused store: 10,000
// incidents in a temporary file, and, with VIGIL_BENCH_1M=1, 1,000,000
// incidents in bench/out/fuse-1m.db, built on the first run (many
// minutes) and kept (bench/out is ignored by git):
//
//	VIGIL_BENCH_1M=1 go test -run XXX -bench FuseAttach -benchtime 200x -timeout 2h ./internal/store/sqlite/
func BenchmarkFuseAttach(b *testing.B) {
	b.Run("10k", func(b *testing.B) {
		s := open(b)
		if err := storetest.FillFused(b.Context(), s, 10_000); err != nil {
			b.Fatal(err)
		}
		storetest.BenchFuseAttach(b, s, 10_000)
	})
	if os.Getenv("VIGIL_BENCH_1M") == "" {
		return
	}
	b.Run("1M", func(b *testing.B) {
		dir := filepath.Join("..", "..", "..", "bench", "out")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		s, err := Open(b.Context(), filepath.Join(dir, "fuse-1m.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := storetest.FillFused(b.Context(), s, 1_000_000); err != nil {
			b.Fatal(err)
		}
		storetest.BenchFuseAttach(b, s, 1_000_000)
	})
}
