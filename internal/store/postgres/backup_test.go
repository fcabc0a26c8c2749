package postgres

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestBackupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	src := open(t)
	backup := filepath.Join(dir, "backup.dump")
	storetest.BackupUnderLoad(t, src,
		func() error { return src.Backup(t.Context(), backup) },
		func() storetest.Backend {
			dsn := newDatabase(t)
			if err := Restore(t.Context(), dsn, backup, false); err != nil {
				t.Fatalf("Restore: %v", err)
			}
			// Restoring again over a store is refused without replace, and
			// done with it.
			if err := Restore(t.Context(), dsn, backup, false); err == nil || !strings.Contains(err.Error(), "--force") {
				t.Errorf("Restore over a store without replace: got %v, want a refusal naming --force", err)
			}
			if err := Restore(t.Context(), dsn, backup, true); err != nil {
				t.Fatalf("Restore with replace: %v", err)
			}
			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("Open restored: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	if err := src.Backup(t.Context(), backup); err == nil {
		t.Errorf("backup over an existing file got no error")
	}
	if err := CheckBackup(t.Context(), filepath.Join(dir, "missing.dump")); err == nil {
		t.Errorf("CheckBackup of a missing file got no error")
	}
}

// A backup holds the team tables, and the restored audit log verifies,
// goes on chaining and is append-only again, also when it replaces a
// store (pg_restore --clean drops the triggers with their table).
func TestBackupKeepsTeams(t *testing.T) {
	ctx := t.Context()
	src := open(t)
	storetest.SeedTeam(t, src)
	backup := filepath.Join(t.TempDir(), "backup.dump")
	if err := src.Backup(ctx, backup); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	dsn := newDatabase(t)
	if err := Restore(ctx, dsn, backup, false); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if err := Restore(ctx, dsn, backup, true); err != nil {
		t.Fatalf("Restore with replace over a store with an audit log: %v", err)
	}
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open restored: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	storetest.CheckTeamKept(t, s)
	for _, q := range []string{`DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := s.pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s on the restored audit log got %v, want a refusal", q, err)
		}
	}
}

// The guards hold in a session that skips ordinary triggers (replica
// mode, as import batches run).
func TestAuditGuardsInReplicaMode(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	storetest.SeedTeam(t, s)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT set_config('session_replication_role', 'replica', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_log SET actor = 'user:mallory'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("UPDATE in replica mode got %v, want a refusal", err)
	}
}
