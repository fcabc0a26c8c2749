// Package testpg gives tests a PostgreSQL database of their own on the
// server that scripts/pgtest.sh starts (env VIGIL_TEST_POSTGRES), and
// says clearly when there is none: in CI that fails the test, elsewhere
// it skips it.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Available says whether VIGIL_TEST_POSTGRES names a server, for tests
// that run on SQLite always and on PostgreSQL too when there is one. In
// CI, where there must be one, its absence fails the test; elsewhere it
// is logged, so that the run says which half it left out.
func Available(t testing.TB) bool {
	t.Helper()
	if os.Getenv("VIGIL_TEST_POSTGRES") != "" {
		return true
	}
	failInCI(t)
	t.Log("VIGIL_TEST_POSTGRES not set: PostgreSQL half of this test skipped (scripts/pgtest.sh sets it)")
	return false
}

// failInCI fails the test when CI is set: there PostgreSQL must be tested,
// and a skip would pass for a green run.
func failInCI(t testing.TB) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal("VIGIL_TEST_POSTGRES is not set in CI: run the tests through scripts/pgtest.sh")
	}
}

// Database creates a fresh database named prefix_<random> on the
// VIGIL_TEST_POSTGRES server, drops it (closing whatever is still
// connected) when the test ends, and returns its URL.
func Database(t testing.TB, prefix string) string {
	t.Helper()
	admin := os.Getenv("VIGIL_TEST_POSTGRES")
	if admin == "" {
		failInCI(t)
		t.Skip("PostgreSQL tests skipped: set VIGIL_TEST_POSTGRES, or run through scripts/pgtest.sh")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("VIGIL_TEST_POSTGRES is not a URL: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to VIGIL_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
