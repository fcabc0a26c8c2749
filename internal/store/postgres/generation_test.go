package postgres

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// BenchmarkGenerationCost: an import with and without the generation's
// triggers (migration 0008), batch by batch in turn.
func BenchmarkGenerationCost(b *testing.B) {
	with, without := open(b), open(b)
	if _, err := without.pool.Exec(b.Context(), `DO $$
		DECLARE r record;
		BEGIN
			FOR r IN SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'store_written' LOOP
				EXECUTE format('DROP TRIGGER store_written ON %I', r.relname);
			END LOOP;
		END $$`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchGenerationCost(b, with, without)
}

// BenchmarkGenerationWrites measures what keeping the generation costs a
// small write transaction (one row), alone and with 8 writers at once,
// for three ways of keeping it: none (the floor), the one migration 0008
// chose (a row per writing transaction from a statement trigger), and a
// single counter row updated by every writer (which holds each writer
// behind the one before until its commit). The write is the smallest a
// store makes, so that the cost shows; an import batch writes hundreds
// of rows under one transaction and pays it once.
func BenchmarkGenerationWrites(b *testing.B) {
	s := open(b)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE bench_none (a bigint)`,
		`CREATE TABLE bench_log (a bigint)`,
		`CREATE TRIGGER store_written AFTER INSERT OR UPDATE OR DELETE ON bench_log
			FOR EACH STATEMENT EXECUTE FUNCTION vigil_store_written()`,
		`CREATE TABLE bench_hot (a bigint)`,
		`CREATE TABLE bench_writes (xid bigint PRIMARY KEY)`,
		`CREATE TABLE bench_counter (id integer PRIMARY KEY, n bigint NOT NULL)`,
		`INSERT INTO bench_counter VALUES (1, 0)`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	ways := []struct {
		name string
		sql  []string
	}{
		{"none", []string{`INSERT INTO bench_none VALUES (1)`}},
		{"trigger_row_per_transaction", []string{`INSERT INTO bench_log VALUES (1)`}},
		{"row_per_transaction_no_trigger", []string{`INSERT INTO bench_none VALUES (1)`,
			`INSERT INTO bench_writes VALUES (pg_current_xact_id()::text::bigint) ON CONFLICT DO NOTHING`}},
		{"single_counter_row", []string{`INSERT INTO bench_hot VALUES (1)`, `UPDATE bench_counter SET n = n + 1 WHERE id = 1`}},
	}
	write := func(sql []string) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			for _, q := range sql {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, w := range ways {
		for _, writers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/writers=%d", w.name, writers), func(b *testing.B) {
				if writers == 1 {
					for b.Loop() {
						if err := write(w.sql); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				// RunParallel starts GOMAXPROCS × p goroutines.
				b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := write(w.sql); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
	var g int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM store_writes`).Scan(&g); err != nil {
		b.Fatal(err)
	}
	b.Logf("store_writes holds %d rows after the runs (folded into the base now and then)", g)
}

// TestGenerationFolds checks the folding of store_writes into the base
// (migration 0008), which a writing transaction does when its id is a
// multiple of 1,024: ids are spent until the next one is, then a write
// is made. Every write moves the generation by exactly one, folded or
// not, and a fold leaves only the folding transaction's row.
func TestGenerationFolds(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	gen := func() int64 {
		t.Helper()
		g, err := s.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	for i := range 5 {
		if err := s.EnsureSource(ctx, model.Source{Name: fmt.Sprintf("before%d", i), Kind: model.KindDataset}); err != nil {
			t.Fatal(err)
		}
	}
	folded := false
	// Other tests on the server spend ids too: the write may miss the
	// multiple, and is tried again.
	for try := 0; try < 20 && !folded; try++ {
		for {
			var next int64
			if err := s.pool.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint + 1`).Scan(&next); err != nil {
				t.Fatal(err)
			}
			if next%1024 == 0 {
				break
			}
		}
		before := gen()
		if err := s.EnsureSource(ctx, model.Source{Name: fmt.Sprintf("fold%d", try), Kind: model.KindDataset}); err != nil {
			t.Fatal(err)
		}
		if after := gen(); after != before+1 {
			t.Fatalf("generation after one write: got %d, want %d", after, before+1)
		}
		var rows, base int64
		if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM store_writes), base FROM store_generation`).Scan(&rows, &base); err != nil {
			t.Fatal(err)
		}
		folded = rows == 1 && base > 0
	}
	if !folded {
		t.Fatal("no write folded store_writes into the base in 20 tries")
	}
	before := gen()
	if err := s.EnsureSource(ctx, model.Source{Name: "after", Kind: model.KindDataset}); err != nil {
		t.Fatal(err)
	}
	if after := gen(); after != before+1 {
		t.Errorf("generation after the fold and one more write: got %d, want %d", after, before+1)
	}
}

// TestPartitionQueriesUseTheIndex: the planner can answer a partition's
// queries from claims_unfused_country (with sequential scans priced out,
// as they are on a large store, it does), so that a partition never
// reads other countries' waiting claims.
func TestPartitionQueriesUseTheIndex(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(context.Background(), `RESET enable_seqscan`)
	for name, q := range map[string]string{
		"UnfusedClaimsIn":  `EXPLAIN ` + strings.Replace(strings.Replace(unfusedInSQL, "$1", "'IR'", 1), "$2", "500", 1),
		"UnfusedCountries": `EXPLAIN ` + unfusedCountriesSQL,
	} {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, "claims_unfused_country") {
			t.Errorf("%s: the plan does not use claims_unfused_country:\n%s", name, plan)
		}
	}
}
