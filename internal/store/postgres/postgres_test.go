package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/migrate"
	"github.com/vigil-project/vigil/internal/store/storetest"
	"github.com/vigil-project/vigil/internal/testpg"
)

// newDatabase creates a fresh database on the server that env
// VIGIL_TEST_POSTGRES names (scripts/pgtest.sh starts one), drops it when
// the test ends, and returns its URL. Without the variable the test is
// skipped, or fails in CI, where PostgreSQL must be tested.
func newDatabase(tb testing.TB) string {
	tb.Helper()
	return testpg.Database(tb, "vigil_test")
}

// open opens a store in a fresh database that is dropped when the test ends.
func open(tb testing.TB) *Store {
	tb.Helper()
	return openAt(tb, newDatabase(tb))
}

// openAt opens the store at dsn and closes it when the test ends.
func openAt(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(tb.Context(), dsn)
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
	dsn := newDatabase(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("SchemaVersion got %d, %v; want %d", v, err, len(ms))
	}
	// An up-to-date database: migrating again applies nothing.
	if n, err := migrate.Run(ctx, migrationTarget{s.pool}, ms); err != nil || n != 0 {
		t.Errorf("migrate on an up-to-date database applied %d, %v; want 0", n, err)
	}
	// A migration that fails half way leaves nothing of itself behind.
	bad := append(ms[:len(ms):len(ms)], migrate.Migration{Version: len(ms) + 1, Name: "9999_bad.sql",
		SQL: "CREATE TABLE half_done (a integer); SELECT no_such_column FROM half_done;"})
	if _, err := migrate.Run(ctx, migrationTarget{s.pool}, bad); err == nil || !strings.Contains(err.Error(), "9999_bad.sql") {
		t.Errorf("a failing migration got %v, want an error naming it", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("schema version after a failed migration got %d, %v; want %d", v, err, len(ms))
	}
	var halfDone int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'`).Scan(&halfDone); err != nil || halfDone != 0 {
		t.Errorf("the failed migration's table exists (%d, %v): its transaction was not rolled back", halfDone, err)
	}
	s.Close()
	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatalf("re-Open: %v", err)
	}
	var applied int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil || applied != len(ms) {
		t.Errorf("schema_migrations rows after re-open got %d, %v; want %d", applied, err, len(ms))
	}
	// A database a newer vigil migrated is refused.
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future.sql', now())`,
		len(ms)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, dsn); !errors.Is(err, store.ErrSchemaTooNew) {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema got %v, want an error wrapping store.ErrSchemaTooNew", err)
	}
}

// openAsPlainRole opens a store in a fresh database twice: as the
// superuser that made it, and as an ordinary role granted its tables.
func openAsPlainRole(t *testing.T) (super, plain *Store) {
	t.Helper()
	ctx := t.Context()
	dsn := newDatabase(t)
	super, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { super.Close() })
	var b [4]byte
	rand.Read(b[:])
	role := "vigil_plain_" + hex.EncodeToString(b[:])
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN PASSWORD 'plain'",
		"GRANT ALL ON SCHEMA public TO " + role,
		"GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role,
		"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role,
	} {
		if _, err := super.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), "DROP OWNED BY "+role)
			c.Close(context.Background())
		}
		if c, err := pgx.Connect(context.Background(), os.Getenv("VIGIL_TEST_POSTGRES")); err == nil {
			c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "plain")
	plain, err = Open(ctx, u.String())
	if err != nil {
		t.Fatalf("Open as %s: %v", role, err)
	}
	t.Cleanup(func() { plain.Close() })
	return super, plain
}

func TestOpenRefusesBadURL(t *testing.T) {
	_, err := Open(t.Context(), "postgres://user:secret@[bad")
	if err == nil {
		t.Fatal("Open of a malformed URL got no error")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("error %q shows the password", got)
	}
}

// TestImportTriggers checks the two ways a batch is written: as a
// superuser with triggers (foreign keys) off for the batch's transaction
// only, and as an ordinary role with them on. Either way the batch is
// stored, a batch of an unknown source is refused, and foreign keys hold
// for every later write.
func TestImportTriggers(t *testing.T) {
	ctx := t.Context()
	super, plain := openAsPlainRole(t)
	if err := super.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}

	fetched := time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC)
	at := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	for i, tc := range []struct {
		name string
		s    *Store
	}{{"superuser", super}, {"ordinary role", plain}} {
		recs := storetest.Synthetic("gtd", i*10, 10, fetched)
		if c, err := tc.s.ImportBatch(ctx, recs, at); err != nil || c.New != len(recs) {
			t.Fatalf("%s: ImportBatch got %+v, %v; want %d new", tc.name, c, err, len(recs))
		}
		bad := storetest.Record("nosuch", "r1", 0, "row", fetched, nil)
		if _, err := tc.s.ImportBatch(ctx, []model.Record{bad}, at); err == nil {
			t.Errorf("%s: a batch of an unknown source got no error", tc.name)
		}
		var mode string
		if err := tc.s.pool.QueryRow(ctx, `SHOW session_replication_role`).Scan(&mode); err != nil || mode != "origin" {
			t.Errorf("%s: session_replication_role after the batch got %q, %v; want origin", tc.name, mode, err)
		}
		if _, err := tc.s.pool.Exec(ctx, `INSERT INTO claims (id, report_id, incident_id, source, doc_offset, doc_length)
			VALUES ('x', 'no report', 'no incident', 'gtd', 0, 0)`); err == nil {
			t.Errorf("%s: a claim of no report was stored after the batch", tc.name)
		}
	}
	st, err := plain.Stats(ctx)
	if err != nil || st.Incidents != 20 || st.Claims != 20 {
		t.Errorf("Stats got %+v, %v; want 20 incidents and claims", st, err)
	}
}

func TestTeamContract(t *testing.T) {
	storetest.RunTeam(t, func(t *testing.T) storetest.TeamBackend { return open(t) }, storetest.Raw{
		Exec: func(ctx context.Context, b storetest.TeamBackend, query string) error {
			_, err := b.(*Store).pool.Exec(ctx, query)
			return err
		},
		DropGuards: []string{`DROP TRIGGER audit_log_no_change ON audit_log`, `DROP TRIGGER audit_log_no_truncate ON audit_log`},
		Count: func(ctx context.Context, b storetest.TeamBackend, query string) (n int, err error) {
			err = b.(*Store).pool.QueryRow(ctx, query).Scan(&n)
			return n, err
		},
	})
}

func BenchmarkAppendAudit(b *testing.B) {
	storetest.BenchAppendAudit(b, func(b *testing.B) storetest.TeamBackend { return open(b) })
}
