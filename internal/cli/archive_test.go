package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/archive"
	"github.com/vigil-project/vigil/internal/store"
)

// TestExportImportVigil: export --all from a SQLite store, import vigil
// into a new store of each backend, export that again and import it into
// SQLite: incidents, users and the audit chain come through, a second
// import into the same store is refused, and the dumps differ only by the
// audit entries the commands appended.
func TestExportImportVigil(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src.db")
	mustVigil(t, src, "demo")
	mustVigil(t, src, "users", "add", "admin", "--role", "admin")
	mustVigil(t, src, "tokens", "add", "ci", "--role", "viewer")
	want := incidentsJSON(t, src)
	d1 := filepath.Join(t.TempDir(), "d1")
	out := mustVigil(t, src, "export", "--all", d1, "--with-accounts")
	if !strings.Contains(out, "dumped") || !strings.Contains(out, "accounts included") {
		t.Errorf("export output: %s", out)
	}
	if _, err := archive.Verify(t.Context(), d1); err != nil {
		t.Fatalf("the dump does not verify: %v", err)
	}
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			out := mustVigil(t, db, "import", "vigil", d1)
			if !strings.Contains(out, "restored "+d1) || !strings.Contains(out, "audit log verified") {
				t.Errorf("import vigil output: %s", out)
			}
			if got := incidentsJSON(t, db); !reflect.DeepEqual(got, want) {
				t.Errorf("incidents after import vigil: got %d, want the %d of the source store, the same", len(got), len(want))
			}
			if out := mustVigil(t, db, "users", "list"); !strings.Contains(out, "admin") {
				t.Errorf("users after import vigil --with-accounts dump: %s", out)
			}
			if out := mustVigil(t, db, "audit", "--verify"); !strings.Contains(out, "audit log verified") {
				t.Errorf("audit --verify after import vigil: %s", out)
			}
			_, _, err := vigil(t, db, "import", "vigil", d1)
			if err == nil || !errors.Is(err, store.ErrNotEmpty) || !strings.Contains(err.Error(), "nothing was changed") || ExitCode(err) != 1 {
				t.Errorf("a second import vigil: %v (exit %d), want a refusal of a store that is not empty", err, ExitCode(err))
			}

			d2 := filepath.Join(t.TempDir(), "d2")
			mustVigil(t, db, "export", "--all", d2, "--with-accounts")
			for _, f := range []string{"incidents", "claims", "reports", "raw_chunks", "incident_versions", "users", "api_tokens", "sources"} {
				a, _ := os.ReadFile(filepath.Join(d1, f+".jsonl"))
				b, _ := os.ReadFile(filepath.Join(d2, f+".jsonl"))
				if !bytes.Equal(a, b) {
					t.Errorf("%s.jsonl differs between the first dump and the dump of the %s store it was restored into", f, name)
				}
			}
			a, _ := os.ReadFile(filepath.Join(d1, "audit_log.jsonl"))
			b, _ := os.ReadFile(filepath.Join(d2, "audit_log.jsonl"))
			if !bytes.HasPrefix(b, a) || bytes.Count(b, []byte("\n")) != bytes.Count(a, []byte("\n"))+1 {
				t.Errorf("audit log of the second dump: want the first dump's entries and the import's:\n%s", b)
			}

			back := filepath.Join(t.TempDir(), "back.db")
			mustVigil(t, back, "import", "vigil", d2)
			if got := incidentsJSON(t, back); !reflect.DeepEqual(got, want) {
				t.Errorf("incidents after a second round trip through %s: got %d, want %d", name, len(got), len(want))
			}
			if out := mustVigil(t, back, "audit", "--verify"); !strings.Contains(out, "audit log verified") {
				t.Errorf("audit --verify after the second round trip: %s", out)
			}
		})
	}
}

func TestExportUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	for _, args := range [][]string{{"export", "d"}, {"export", "--all"}, {"import", "vigil"}, {"import", "vigil", "a", "b"}} {
		if _, _, err := vigil(t, db, args...); ExitCode(err) != 2 {
			t.Errorf("vigil %s: %v (exit %d), want a usage error", strings.Join(args, " "), err, ExitCode(err))
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := vigil(t, db, "export", "--all", dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export --all into a directory with a file: %v", err)
	}
	if _, _, err := vigil(t, db, "import", "vigil", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no manifest") {
		t.Errorf("import vigil of an empty directory: %v", err)
	}
}
