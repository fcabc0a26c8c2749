package postgres

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
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

// TestFuseSetupAgrees checks that the one-query setup of a fusion run
// reads what the three separate reads do: sources, the model of the last
// full run, and the analysts' corrections in order.
func TestFuseSetupAgrees(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	empty, err := s.FuseSetup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Model != nil || len(empty.Constraints) != 0 {
		t.Errorf("fresh store: got model %v and %d corrections, want none", empty.Model, len(empty.Constraints))
	}
	if err := storetest.FillFused(ctx, s, 300); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM incidents ORDER BY id LIMIT 2) x`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, field := range []string{"perpetrator", "killed"} {
		value := []string{"Islamic State", "12"}[i]
		if err := fuse.Set(ctx, s, ids[i], field, value, fuse.Correction{Author: "analyst", Reason: "test " + field, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FuseSetup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want fuse.Setup
	if want.Sources, err = s.FuseSources(ctx); err != nil {
		t.Fatal(err)
	}
	if want.Model, err = s.FuseModel(ctx); err != nil {
		t.Fatal(err)
	}
	if want.Constraints, err = s.Constraints(ctx); err != nil {
		t.Fatal(err)
	}
	if len(want.Sources) == 0 || want.Model == nil || len(want.Constraints) != 2 {
		t.Fatalf("fixture: %d sources, model %v, %d corrections; want sources, a model and 2", len(want.Sources), want.Model != nil, len(want.Constraints))
	}
	if !reflect.DeepEqual(got.Sources, want.Sources) {
		t.Errorf("sources: got %+v, want %+v", got.Sources, want.Sources)
	}
	if !reflect.DeepEqual(got.Model, want.Model) {
		t.Errorf("model: got %+v, want %+v", got.Model, want.Model)
	}
	if len(got.Constraints) != len(want.Constraints) {
		t.Fatalf("got %d corrections, want %d", len(got.Constraints), len(want.Constraints))
	}
	for i := range got.Constraints {
		g, w := got.Constraints[i], want.Constraints[i]
		if !g.At.Equal(w.At) || g.Field != w.Field || g.Value != w.Value || g.Incident != w.Incident || g.Reason != w.Reason {
			t.Errorf("correction %d: got %+v, want %+v", i, g, w)
		}
	}
}
