package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/vigil-project/vigil/internal/shareddata"
)

// The import guarantee, tested the hard way: `vigil import` killed with
// SIGKILL at random moments, then run again, leaves every row stored
// exactly once, and the store whole. VIGIL_CRASH_KILLS sets how many
// kills per store (default 4; `make soak` runs many more).
func TestImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 30,000 rows several times")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vigil")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const rows = 30000
	csvPath := filepath.Join(dir, "gtd.csv")
	writeGTD(t, shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv"), csvPath, rows)
	kills := 4
	if v := os.Getenv("VIGIL_CRASH_KILLS"); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	stores := map[string]string{"sqlite": filepath.Join(dir, "crash.db")}
	if base := os.Getenv("VIGIL_TEST_POSTGRES"); base != "" {
		stores["postgres"] = newPGDatabase(t, base)
	} else if os.Getenv("CI") != "" {
		t.Fatal("VIGIL_TEST_POSTGRES is not set in CI: run the tests through make test")
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for name, db := range stores {
		t.Run(name, func(t *testing.T) {
			// A first full run tells how long an import takes here, so
			// that the kills land inside the next ones.
			full := timeImport(t, bin, db, csvPath)
			os.Remove(db) // SQLite: start again from nothing
			if name == "postgres" {
				db = newPGDatabase(t, os.Getenv("VIGIL_TEST_POSTGRES"))
			}
			killed := 0
			for range kills {
				cmd := exec.Command(bin, "--db", db, "import", "gtd", csvPath)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(rng.Int64N(int64(full))))
				cmd.Process.Signal(syscall.SIGKILL)
				err := cmd.Wait()
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					killed++
				} else if err != nil {
					t.Fatalf("import between kills failed on its own: %v", err)
				}
			}
			t.Logf("%s: killed %d of %d imports mid-way (a full import takes %v)", name, killed, kills, full.Round(time.Millisecond))
			out, err := exec.Command(bin, "--db", db, "import", "gtd", csvPath).CombinedOutput()
			if err != nil {
				t.Fatalf("import after the kills: %v\n%s", err, out)
			}
			out, err = exec.Command(bin, "--db", db, "import", "gtd", csvPath).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "new 0, updated 0, unchanged 30000") {
				t.Fatalf("a further import must find everything stored: %v\n%s", err, out)
			}
			var st struct {
				Incidents, Claims, Reports int
				Rejected                   map[string]int `json:"rejected_by_source"`
			}
			out, err = exec.Command(bin, "--db", db, "stats", "--format", "json").Output()
			if err != nil || json.Unmarshal(out, &st) != nil {
				t.Fatalf("stats: %v\n%s", err, out)
			}
			if st.Incidents != rows || st.Claims != rows || st.Reports != rows || len(st.Rejected) != 0 {
				t.Errorf("after %d kills: %d incidents, %d claims, %d reports, rejected %v; want %d each and none rejected",
					killed, st.Incidents, st.Claims, st.Reports, st.Rejected, rows)
			}
			if name == "sqlite" {
				checkSQLite(t, db)
			}
		})
	}
}

func timeImport(t *testing.T, bin, db, csvPath string) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(bin, "--db", db, "import", "gtd", csvPath).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	return time.Since(start)
}

// checkSQLite runs SQLite's own integrity check and looks for orphans and
// doubles that the counts could hide.
func checkSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, c := range []struct{ what, q, want string }{
		{"integrity", `PRAGMA integrity_check`, "ok"},
		{"foreign keys", `SELECT count(*) FROM pragma_foreign_key_check`, "0"},
		{"claims without an incident", `SELECT count(*) FROM claims c LEFT JOIN incidents i ON i.id = c.incident_id WHERE i.id IS NULL`, "0"},
		{"reports stored twice", `SELECT count(*) FROM (SELECT source_ref FROM reports GROUP BY source, source_ref HAVING count(*) > 1)`, "0"},
		{"incidents without a version", `SELECT count(*) FROM incidents i LEFT JOIN incident_versions v ON v.incident_id = i.id WHERE v.incident_id IS NULL`, "0"},
	} {
		var got string
		if err := db.QueryRowContext(ctx, c.q).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.what, got, err, c.want)
		}
	}
}

func newPGDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("vigil_crash_%d", rand.Uint64())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	return strings.Replace(base, "/postgres?", "/"+name+"?", 1)
}

// writeGTD writes n rows in the GTD layout: the rows of a real GTD file
// repeated with fresh eventids.
func writeGTD(t *testing.T, in, out string, n int) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(o)
	w.Write(header)
	for i := range n {
		row := append([]string(nil), rows[i%len(rows)]...)
		row[0] = strconv.Itoa(800000000000 + i)
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
}
