package postgres

import (
	"os"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

// BenchmarkFuseAttach attaches one new claim to a fused store of 10,000
// incidents in a fresh database, and, with VIGIL_BENCH_1M=1, of 1,000,000
// (built in the run: many minutes) (run under scripts/pgtest.sh):
//
//	scripts/pgtest.sh go test -run XXX -bench FuseAttach -benchtime 200x ./internal/store/postgres/
//	VIGIL_BENCH_1M=1 scripts/pgtest.sh go test -run XXX -bench FuseAttach/1M -benchtime 200x -timeout 3h ./internal/store/postgres/
func BenchmarkFuseAttach(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		name := "10k"
		if n == 1_000_000 {
			name = "1M"
			if os.Getenv("VIGIL_BENCH_1M") == "" {
				continue
			}
		}
		// Opened outside b.Run, which calls the function twice (once with
		// N=1): FillFused finds the store full the second time.
		s := open(b)
		b.Run(name, func(b *testing.B) {
			t0 := time.Now()
			if err := storetest.FillFused(b.Context(), s, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%d incidents imported and fused in %s", n, time.Since(t0).Round(time.Second))
			storetest.BenchFuseAttach(b, s, n)
		})
	}
}
