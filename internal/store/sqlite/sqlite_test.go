package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/migrate"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// open opens a store in a fresh file that is closed when the test ends.
func open(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(tb.Context(), filepath.Join(tb.TempDir(), "vigil.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend { return open(t) })
}

func BenchmarkImportBatch(b *testing.B) {
	storetest.BenchImportBatch(b, func(b *testing.B) storetest.Backend { return open(b) })
}

func TestMigrations(t *testing.T) {
	ctx := t.Context()
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		t.Fatalf("migrate.Load: %v", err)
	}
	path := filepath.Join(t.TempDir(), "vigil.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("SchemaVersion got %d, %v; want %d", v, err, len(ms))
	}
	// An up-to-date database: migrating again applies nothing.
	if n, err := migrate.Run(ctx, migrationTarget{s.write}, ms); err != nil || n != 0 {
		t.Errorf("migrate on an up-to-date database applied %d, %v; want 0", n, err)
	}
	// A migration that fails half way leaves nothing of itself behind.
	bad := append(ms[:len(ms):len(ms)], migrate.Migration{Version: len(ms) + 1, Name: "9999_bad.sql",
		SQL: "CREATE TABLE half_done (a integer); SELECT no_such_column FROM half_done;"})
	if _, err := migrate.Run(ctx, migrationTarget{s.write}, bad); err == nil || !strings.Contains(err.Error(), "9999_bad.sql") {
		t.Errorf("a failing migration got %v, want an error naming it", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("schema version after a failed migration got %d, %v; want %d", v, err, len(ms))
	}
	var halfDone int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&halfDone); err != nil || halfDone != 0 {
		t.Errorf("the failed migration's table exists (%d, %v): its transaction was not rolled back", halfDone, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("re-Open: %v", err)
	}
	var applied int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil || applied != len(ms) {
		t.Errorf("schema_migrations rows after re-open got %d, %v; want %d", applied, err, len(ms))
	}
	// A database a newer vigil migrated is refused.
	if _, err := s.write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', '')`,
		len(ms)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, path); !errors.Is(err, store.ErrSchemaTooNew) {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema got %v, want an error wrapping store.ErrSchemaTooNew", err)
	}
}

// A store's pools: one writer, and readers that cannot write.
func TestPools(t *testing.T) {
	s := open(t)
	if got := s.write.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool max open got %d, want 1", got)
	}
	_, err := s.read.ExecContext(t.Context(), `INSERT INTO sources (name, kind) VALUES ('x', 'dataset')`)
	if err == nil {
		t.Errorf("a write through the read pool got no error, want one (query_only)")
	}
	var mode string
	if err := s.read.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode got %q, %v; want wal", mode, err)
	}
	var pageSize int
	if err := s.read.QueryRowContext(t.Context(), `PRAGMA page_size`).Scan(&pageSize); err != nil || pageSize != 16384 {
		t.Errorf("page_size got %d, %v; want 16384", pageSize, err)
	}
	var fk int
	if err := s.read.QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys got %d, %v; want 1", fk, err)
	}
}

func TestFormatDate(t *testing.T) {
	for _, d := range []model.Date{{Year: 2024, Month: 1, Day: 3}, {Year: 1, Month: 12, Day: 31}, {Year: 9999, Month: 10, Day: 9},
		{Year: 1970, Month: 2, Day: 28}, {Year: 12345, Month: 1, Day: 1}, {Year: 2020, Month: 13, Day: 1}} {
		if got, want := formatDate(d), d.String(); got != want {
			t.Errorf("formatDate(%+v) got %q, want %q", d, got, want)
		}
	}
}

// TestForeignKeysAfterImport checks that the writer connection checks
// foreign keys again after an import batch, which switches them off for
// its transaction, whether the batch was written or refused.
func TestForeignKeysAfterImport(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	good := storetest.Synthetic("gtd", 0, 3, time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC))
	bad := storetest.Record("nosuch", "r1", 0, "row", time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC), nil)
	at := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		recs    []model.Record
		wantErr bool
	}{
		{"written", good, false},
		{"unknown source", []model.Record{bad}, true},
	} {
		if _, err := s.ImportBatch(ctx, tc.recs, at); (err != nil) != tc.wantErr {
			t.Fatalf("%s: ImportBatch got error %v, want error %v", tc.name, err, tc.wantErr)
		}
		var on int
		if err := s.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
			t.Errorf("%s: writer's foreign_keys got %d, %v; want 1", tc.name, on, err)
		}
		// A row that breaks a foreign key is refused on the writer.
		if _, err := s.write.ExecContext(ctx, `INSERT INTO claims (id, report_id, incident_id, source, doc_offset, doc_length)
			VALUES ('x', 'no report', 'no incident', 'gtd', 0, 0)`); err == nil {
			t.Errorf("%s: a claim of no report was stored after the batch", tc.name)
		}
	}
}

func TestTeamContract(t *testing.T) {
	storetest.RunTeam(t, func(t *testing.T) storetest.TeamBackend { return open(t) }, storetest.Raw{
		Exec: func(ctx context.Context, b storetest.TeamBackend, query string) error {
			_, err := b.(*Store).write.ExecContext(ctx, query)
			return err
		},
		DropGuards: []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`},
		Count: func(ctx context.Context, b storetest.TeamBackend, query string) (n int, err error) {
			err = b.(*Store).read.QueryRowContext(ctx, query).Scan(&n)
			return n, err
		},
	})
}

func BenchmarkAppendAudit(b *testing.B) {
	storetest.BenchAppendAudit(b, func(b *testing.B) storetest.TeamBackend { return open(b) })
}
