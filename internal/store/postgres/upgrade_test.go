package postgres

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/store/internal/migrate"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// A store written by the first schema — testdata/v1_demo.sql is the
// `pg_dump --inserts` of the demo dataset imported by vigil when 0001 was
// the only migration, less the psql-only \restrict lines — is migrated on
// open and loses nothing.
func TestUpgradeFromFirstSchema(t *testing.T) {
	dump, err := os.ReadFile(filepath.Join("testdata", "v1_demo.sql"))
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "v1_demo_incidents.json"))
	if err != nil {
		t.Fatal(err)
	}
	dsn := newDatabase(t)
	ctx := t.Context()
	// The dump empties search_path for its session: a connection of its
	// own, closed after.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, string(dump)); err != nil {
		t.Fatalf("load the first-schema dump: %v", err)
	}
	conn.Close(ctx)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open (and migrate) a first-schema store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ms, _ := migrate.Load(migrationFiles)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("schema after the upgrade %d, %v; want %d", v, err, len(ms))
	}
	storetest.CheckUpgraded(t, s, golden)
}
