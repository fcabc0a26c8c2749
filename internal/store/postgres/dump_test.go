package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestDumpContract(t *testing.T) {
	storetest.RunDump(t, func(t *testing.T) storetest.DumpBackend { return open(t) })
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

// TestRestoreRoles: a superuser restores with foreign-key triggers off
// and checks the keys once at the end; an ordinary role keeps the
// triggers. Both refuse a claim without its report, store nothing then,
// and restore the same dump row for row.
func TestRestoreRoles(t *testing.T) {
	ctx := t.Context()
	src := open(t)
	storetest.Populate(t, src)
	tables := store.DumpTablesFor(true)
	d := storetest.Dump(t, src, tables)
	bad := storetest.Dumped{}
	for k, v := range d {
		bad[k] = v
	}
	claims := d["claims"]
	orphan := claims[len(claims)-1][1].(string)
	bad["reports"] = slices.DeleteFunc(slices.Clone(d["reports"]), func(r []any) bool { return r[0] == orphan })
	bad["articles"] = slices.DeleteFunc(slices.Clone(d["articles"]), func(r []any) bool { return r[0] == orphan })

	super, plain := openAsPlainRole(t)
	for _, tc := range []struct {
		name string
		s    *Store
		want string
	}{
		{"superuser", super, "rows of claims refer to a missing row of reports (report_id)"},
		{"ordinary role", plain, "violates foreign key constraint"},
	} {
		err := tc.s.RestoreRows(ctx, tables, bad)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: RestoreRows of a claim without its report: %v, want an error with %q", tc.name, err, tc.want)
		}
		if full := storetest.Dump(t, tc.s, tables).NotEmpty(); len(full) != 0 {
			t.Errorf("%s: after a refused restore the store holds %v", tc.name, full)
		}
		var mode string
		if err := tc.s.pool.QueryRow(ctx, `SHOW session_replication_role`).Scan(&mode); err != nil || mode != "origin" {
			t.Errorf("%s: session_replication_role after a restore: %q, %v; want origin", tc.name, mode, err)
		}
	}
	// The two roles share one database: restore as the ordinary role, and
	// the superuser reads back what was dumped.
	if err := plain.RestoreRows(ctx, tables, d); err != nil {
		t.Fatalf("ordinary role: RestoreRows: %v", err)
	}
	got := storetest.Dump(t, super, tables)
	for _, tb := range tables {
		if !reflect.DeepEqual(got[tb.Name], d[tb.Name]) {
			t.Errorf("table %s restored by an ordinary role differs from the dump", tb.Name)
		}
	}
}
