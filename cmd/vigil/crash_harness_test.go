package main

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/vigil-project/vigil/internal/testpg"
)

// The kill tests share this harness: one binary built from this package,
// a fresh store of each kind per call, and a kill at a random moment of a
// run whose full length was measured first, so the kills land inside it.

// buildVigil builds the binary under test into a temporary directory.
func buildVigil(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vigil")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashKills is how many kills per store a test makes: VIGIL_CRASH_KILLS,
// default 4 (`make soak` runs many more).
func crashKills(t *testing.T) int {
	v := os.Getenv("VIGIL_CRASH_KILLS")
	if v == "" {
		return 4
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("VIGIL_CRASH_KILLS=%q: want a count", v)
	}
	return n
}

// freshStores gives, per store kind, a function returning the address of
// a new empty store: a SQLite file, and a new PostgreSQL database on the
// test server when there is one (required in CI).
func freshStores(t *testing.T) map[string]func() string {
	t.Helper()
	stores := map[string]func() string{"sqlite": func() string { return filepath.Join(t.TempDir(), "crash.db") }}
	if testpg.Available(t) {
		stores["postgres"] = func() string { return testpg.Database(t, "vigil_crash") }
	}
	return stores
}

// killMidway starts `vigil --db DB ARGS…`, kills it with SIGKILL after a
// random part of full, and says whether the kill landed (false: the run
// ended first, which is fine as long as it ended well).
func killMidway(t *testing.T, rng *rand.Rand, full time.Duration, bin, db string, args ...string) bool {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(rng.Int64N(int64(full))))
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return true
	}
	if err != nil {
		t.Fatalf("vigil %s between kills failed on its own: %v", strings.Join(args, " "), err)
	}
	return false
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
		// A first import killed mid-way had deferred these indexes (a bulk
		// load): the next run must have built them.
		{"indexes deferred and not built", `SELECT count(*) FROM deferred_indexes`, "0"},
		{"query indexes", `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN
			('incidents_start', 'incidents_country_start', 'incidents_attack_type', 'claims_incident', 'incident_versions_at')`, "5"},
	} {
		var got string
		if err := db.QueryRowContext(ctx, c.q).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.what, got, err, c.want)
		}
	}
}
