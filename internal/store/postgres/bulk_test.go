package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
)

// indexDefs returns the store's index definitions.
func indexDefs(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// EndBulk builds every index that BeginBulk dropped; an import killed
// between the two leaves its indexes recorded, and the next Open builds
// them: either way the store gets back every index, as it was.
func TestBulkIndexesBuilt(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	want := indexDefs(t, s)
	// A bulk load that ends builds every index again.
	if began, err := s.BeginBulk(ctx); err != nil || !began {
		t.Fatalf("BeginBulk got %v, %v; want true", began, err)
	}
	if err := s.EndBulk(ctx); err != nil {
		t.Fatalf("EndBulk: %v", err)
	}
	if got := indexDefs(t, s); !slices.Equal(got, want) {
		t.Errorf("indexes after EndBulk got %v, want %v", got, want)
	}
	began, err := s.BeginBulk(ctx)
	if err != nil || !began {
		t.Fatalf("BeginBulk got %v, %v; want true", began, err)
	}
	if got := indexDefs(t, s); len(got) != len(want)-len(bulkDeferred) {
		t.Errorf("during the bulk load %d indexes, want %d", len(got), len(want)-len(bulkDeferred))
	}
	s.Close() // the import dies here: no EndBulk

	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open after a bulk load that did not end: %v", err)
	}
	defer s.Close()
	if got := indexDefs(t, s); !slices.Equal(got, want) {
		t.Errorf("indexes after reopening got %v, want %v", got, want)
	}
	var left int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deferred_indexes`).Scan(&left); err != nil || left != 0 {
		t.Errorf("deferred_indexes after reopening holds %d rows (%v), want 0", left, err)
	}
}
