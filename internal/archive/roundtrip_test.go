package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/store/storetest"
	"github.com/vigil-project/vigil/internal/testpg"
)

// backend is a store the round trip dumps and restores.
type backend interface {
	storetest.DumpBackend
	SchemaVersion(ctx context.Context) (int, error)
}

func openSQLite(t *testing.T) *sqlite.Store { return openSQLiteB(t) }

func openSQLiteB(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "vigil.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// openPostgres opens a store in a fresh database on the server that env
// VIGIL_TEST_POSTGRES names (scripts/pgtest.sh), dropped when the test
// ends; without it the test is skipped, or fails in CI.
func openPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), testpg.Database(t, "vigil_test"))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// dump writes b's dump, with accounts, into a new directory.
func dump(t *testing.T, b backend, name string) (string, Manifest) {
	t.Helper()
	v, err := b.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dump")
	m, err := Write(t.Context(), dir, b, Options{WithAccounts: true, VigilVersion: "test", SchemaVersion: v, Backend: name, Now: now})
	if err != nil {
		t.Fatalf("Write from %s: %v", name, err)
	}
	return dir, m
}

func restore(t *testing.T, dir string, b backend) {
	t.Helper()
	v, err := b.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(t.Context(), dir, b, v); err != nil {
		t.Fatalf("Restore: %v", err)
	}
}

// verifyAudit checks that b's whole audit log chains.
func verifyAudit(t *testing.T, b backend, what string) {
	t.Helper()
	es := storetest.AuditLog(t, b)
	if len(es) == 0 {
		t.Errorf("%s: no audit entries", what)
	}
	if err := store.VerifyAudit(es); err != nil {
		t.Errorf("%s: audit --verify: %v", what, err)
	}
}

// sameFiles checks that two dumps hold the same table files, byte for
// byte, and the same counts and checksums in their manifests.
func sameFiles(t *testing.T, what string, a, b string, ma, mb Manifest) {
	t.Helper()
	if len(ma.Tables) != len(mb.Tables) {
		t.Fatalf("%s: %d tables, want %d", what, len(mb.Tables), len(ma.Tables))
	}
	for i, ta := range ma.Tables {
		tb := mb.Tables[i]
		if ta.Name != tb.Name || ta.Rows != tb.Rows || ta.SHA256 != tb.SHA256 {
			t.Errorf("%s: table %s: got %d rows %s…, want %s %d rows %s…", what, tb.Name, tb.Rows, tb.SHA256[:12], ta.Name, ta.Rows, ta.SHA256[:12])
		}
		da, err := os.ReadFile(filepath.Join(a, ta.File))
		if err != nil {
			t.Fatal(err)
		}
		db, err := os.ReadFile(filepath.Join(b, tb.File))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(da, db) {
			t.Errorf("%s: %s differs:\n got %.300s\nwant %.300s", what, ta.File, db, da)
		}
	}
}

// TestRoundTripSQLitePostgresSQLite is the test: a SQLite store
// with every kind of row, dumped, restored into PostgreSQL, dumped again,
// restored into SQLite and dumped a third time: the three dumps' table
// files are the same bytes (so every table is the same row for row), and
// the audit chain verifies in every store.
func TestRoundTripSQLitePostgresSQLite(t *testing.T) {
	first := openSQLite(t)
	storetest.Populate(t, first)
	verifyAudit(t, first, "sqlite")
	dir1, m1 := dump(t, first, "sqlite")
	for _, tb := range m1.Tables {
		if tb.Rows == 0 {
			t.Errorf("table %s: no rows in the first dump", tb.Name)
		}
	}

	pg := openPostgres(t)
	restore(t, dir1, pg)
	verifyAudit(t, pg, "postgres")
	dir2, m2 := dump(t, pg, "postgres")
	sameFiles(t, "postgres dump", dir1, dir2, m1, m2)

	last := openSQLite(t)
	restore(t, dir2, last)
	verifyAudit(t, last, "sqlite again")
	dir3, m3 := dump(t, last, "sqlite")
	sameFiles(t, "second sqlite dump", dir1, dir3, m1, m3)

	// Row for row through the stores' own dumps, too, not only files.
	tables := store.DumpTablesFor(true)
	a, c := storetest.Dump(t, first, tables), storetest.Dump(t, last, tables)
	for _, tb := range tables {
		if len(a[tb.Name]) != len(c[tb.Name]) {
			t.Errorf("table %s: %d rows after the round trip, want %d", tb.Name, len(c[tb.Name]), len(a[tb.Name]))
		}
	}
}

// TestBadDumpPostgres: PostgreSQL takes rows by COPY, a batch at a time;
// a batch that fails is named by its rows (the lines of the table's file),
// and nothing is stored.
func TestBadDumpPostgres(t *testing.T) {
	dir, _ := populated(t)
	rewrite(t, dir, "sources", func(b []byte) []byte {
		first, _, _ := bytes.Cut(b, []byte("\n"))
		return append(append(first, '\n'), b...)
	})
	pg := openPostgres(t)
	_, err := Restore(t.Context(), dir, pg, schema(t, pg))
	if err == nil || !strings.Contains(err.Error(), "restore sources: rows 1–4: copy:") || !strings.Contains(err.Error(), "duplicate key") {
		t.Fatalf("Restore of a source given twice: %v, want the table, its rows and the duplicate key", err)
	}
	if full := storetest.Dump(t, pg, store.DumpTables).NotEmpty(); len(full) != 0 {
		t.Errorf("after a refused restore the store holds %v, want nothing", full)
	}
}
