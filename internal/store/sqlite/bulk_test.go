package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// indexNames returns the store's index names that migrations created.
func indexNames(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// EndBulk builds every index that BeginBulk dropped; an import killed
// between the two leaves its indexes recorded, and the next Open builds
// them: either way the store gets back every index, as it was.
func TestBulkIndexesBuilt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := indexNames(t, s)
	// A bulk load that ends builds every index again.
	if began, err := s.BeginBulk(ctx); err != nil || !began {
		t.Fatalf("BeginBulk got %v, %v; want true", began, err)
	}
	if err := s.EndBulk(ctx); err != nil {
		t.Fatalf("EndBulk: %v", err)
	}
	if got := indexNames(t, s); !slices.Equal(got, want) {
		t.Errorf("indexes after EndBulk got %v, want %v", got, want)
	}
	began, err := s.BeginBulk(ctx)
	if err != nil || !began {
		t.Fatalf("BeginBulk got %v, %v; want true", began, err)
	}
	during := indexNames(t, s)
	for _, name := range bulkDeferred {
		if slices.Contains(during, name) {
			t.Errorf("index %s still there during the bulk load", name)
		}
	}
	s.Close() // the import dies here: no EndBulk

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after a bulk load that did not end: %v", err)
	}
	defer s.Close()
	if got := indexNames(t, s); !slices.Equal(got, want) {
		t.Errorf("indexes after reopening got %v, want %v", got, want)
	}
	var left int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM deferred_indexes`).Scan(&left); err != nil || left != 0 {
		t.Errorf("deferred_indexes after reopening holds %d rows (%v), want 0", left, err)
	}
}
