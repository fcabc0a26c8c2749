package postgres

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestDumpContract(t *testing.T) {
	storetest.RunDump(t, func(t *testing.T) storetest.DumpBackend { return open(t) })
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
