package testpg

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestDatabase: the URL names a new database of the prefix that a test
// can write to, and the database is gone once that test has ended.
func TestDatabase(t *testing.T) {
	if !Available(t) {
		return
	}
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		dsn := Database(t, "vigil_testpg")
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("Database returned %q: %v", dsn, err)
		}
		name = strings.TrimPrefix(u.Path, "/")
		if !strings.HasPrefix(name, "vigil_testpg_") {
			t.Errorf("database name got %q, want prefix vigil_testpg_", name)
		}
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect to %s: %v", dsn, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE t (x int); INSERT INTO t VALUES (1)`); err != nil {
			t.Errorf("write to the new database: %v", err)
		}
		var got string
		if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&got); err != nil || got != name {
			t.Errorf("current_database() got %q, %v; want %q", got, err, name)
		}
	})
	conn, err := pgx.Connect(ctx, os.Getenv("VIGIL_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Errorf("databases named %q after the test got %d, %v; want 0 (dropped)", name, n, err)
	}
}

// TestDatabasesDiffer: two calls never share a database, so tests that
// run side by side cannot see each other's rows.
func TestDatabasesDiffer(t *testing.T) {
	if !Available(t) {
		return
	}
	a, b := Database(t, "vigil_testpg"), Database(t, "vigil_testpg")
	if a == b {
		t.Errorf("two calls got the same database %q", a)
	}
}
