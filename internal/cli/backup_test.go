package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Backup and restore through the command line, on both stores: the
// restored store lists the same incidents, byte for byte.
func TestBackupRestore(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mustVigil(t, db, "demo")
			want := mustVigil(t, db, "incidents", "--format", "json")
			file := filepath.Join(t.TempDir(), "backup")
			out := mustVigil(t, db, "backup", file)
			if !strings.Contains(out, "11 incidents") {
				t.Errorf("backup said %q", out)
			}
			if _, _, err := vigil(t, db, "backup", file); err == nil {
				t.Errorf("a second backup over the same file got no error")
			}
			target := filepath.Join(t.TempDir(), "restored.db")
			if name == "postgres" {
				target = stores(t)["postgres"]
			}
			out = mustVigil(t, target, "restore", file)
			if !strings.Contains(out, "11 incidents") || strings.Contains(out, "password") {
				t.Errorf("restore said %q", out)
			}
			if got := mustVigil(t, target, "incidents", "--format", "json"); got != want {
				t.Errorf("restored incidents differ:\n%s\nwant\n%s", got, want)
			}
			if _, _, err := vigil(t, target, "restore", file); err == nil || !strings.Contains(err.Error(), "--force") {
				t.Errorf("restore over a store without --force: got %v", err)
			}
			mustVigil(t, target, "restore", "--force", file)
		})
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("not a backup"), 0o644)
	if _, _, err := vigil(t, filepath.Join(t.TempDir(), "x.db"), "restore", bad); err == nil {
		t.Errorf("restore of a file that is no backup got no error")
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://vigil:s3cret@db:5432/vigil?sslmode=disable": "postgres://vigil:***@db:5432/vigil?sslmode=disable",
		"postgres://vigil@db/vigil":                             "postgres://vigil@db/vigil",
		"vigil.db":                                              "vigil.db",
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) got %q, want %q", in, got, want)
		}
	}
}
