package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestBackupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	src := open(t)
	backup, restored := filepath.Join(dir, "backup.db"), filepath.Join(dir, "restored.db")
	storetest.BackupUnderLoad(t, src,
		func() error { return src.Backup(t.Context(), backup) },
		func() storetest.Backend {
			if err := Restore(t.Context(), backup, restored, false); err != nil {
				t.Fatalf("Restore: %v", err)
			}
			s, err := Open(t.Context(), restored)
			if err != nil {
				t.Fatalf("Open restored: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
}

func TestBackupAndRestoreRefusals(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := open(t)
	backup := filepath.Join(dir, "b.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: got %v, want a refusal", err)
	}
	if v, err := CheckBackup(ctx, backup); err != nil || v < 1 {
		t.Errorf("CheckBackup of a good backup: %d, %v", v, err)
	}

	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte("this is not a database, just some text that is long enough"), 0o644)
	if _, err := CheckBackup(ctx, garbage); err == nil {
		t.Errorf("CheckBackup of a text file got no error")
	}
	// A file cut short is damaged, and restoring it must fail before the
	// target is touched.
	b, _ := os.ReadFile(backup)
	cut := filepath.Join(dir, "cut.db")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	target := filepath.Join(dir, "target.db")
	os.WriteFile(target, []byte("old"), 0o644)
	if err := Restore(ctx, cut, target, true); err == nil {
		t.Errorf("Restore of a truncated backup got no error")
	}
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Errorf("a failed restore changed the target")
	}
	if err := Restore(ctx, backup, target, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("Restore over an existing store without replace: got %v, want a refusal naming --force", err)
	}
	os.WriteFile(target+"-wal", []byte("stale log"), 0o644)
	if err := Restore(ctx, backup, target, true); err != nil {
		t.Fatalf("Restore with replace: %v", err)
	}
	if _, err := os.Stat(target + "-wal"); !os.IsNotExist(err) {
		t.Errorf("the old store's log survived the restore: %v", err)
	}
	r, err := Open(ctx, target)
	if err != nil {
		t.Fatalf("Open the restored store: %v", err)
	}
	r.Close()
}

// A backup holds the team tables, and the restored audit log verifies
// and goes on chaining.
func TestBackupKeepsTeams(t *testing.T) {
	dir := t.TempDir()
	src := open(t)
	storetest.SeedTeam(t, src)
	backup, restored := filepath.Join(dir, "backup.db"), filepath.Join(dir, "restored.db")
	if err := src.Backup(t.Context(), backup); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if err := Restore(t.Context(), backup, restored, false); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	s, err := Open(t.Context(), restored)
	if err != nil {
		t.Fatalf("Open restored: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	storetest.CheckTeamKept(t, s)
	// The guards came along: the restored log is append-only too.
	if _, err := s.write.ExecContext(t.Context(), `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("DELETE on the restored audit log got %v, want a refusal", err)
	}
}
