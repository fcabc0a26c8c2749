package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-project/vigil/internal/store/internal/migrate"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// A store written by the first schema — testdata/v1_demo.sql is the
// `sqlite3 .dump` of the demo dataset imported by vigil when 0001 was the
// only migration — is migrated on open and loses nothing.
func TestUpgradeFromFirstSchema(t *testing.T) {
	dump, err := os.ReadFile(filepath.Join("testdata", "v1_demo.sql"))
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "v1_demo_incidents.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), string(dump)); err != nil {
		t.Fatalf("load the first-schema dump: %v", err)
	}
	db.Close()
	if v, err := CheckBackup(t.Context(), path); err != nil || v != 1 {
		t.Fatalf("the fixture is at schema %d (%v), want 1", v, err)
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open (and migrate) a first-schema store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ms, _ := migrate.Load(migrationFiles)
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != len(ms) {
		t.Errorf("schema after the upgrade %d, %v; want %d", v, err, len(ms))
	}
	storetest.CheckUpgraded(t, s, golden)
}
