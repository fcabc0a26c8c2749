package postgres

import (
	"testing"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

// BenchmarkFuseAttach attaches one new claim to a fused store of 10,000
// incidents in a fresh database (run under scripts/pgtest.sh):
//
//	scripts/pgtest.sh go test -run XXX -bench FuseAttach -benchtime 200x ./internal/store/postgres/
func BenchmarkFuseAttach(b *testing.B) {
	s := open(b)
	if err := storetest.FillFused(b.Context(), s, 10_000); err != nil {
		b.Fatal(err)
	}
	storetest.BenchFuseAttach(b, s, 10_000)
}
