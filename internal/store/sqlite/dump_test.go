package sqlite

import (
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestDumpContract(t *testing.T) {
	storetest.RunDump(t, func(t *testing.T) storetest.DumpBackend { return open(t) })
}

// TestDumpRefusesUnknownColumn: a column that the dump format does not
// name (a migration that forgot the dump) stops a dump rather than being
// left out of it.
func TestDumpRefusesUnknownColumn(t *testing.T) {
	s := open(t)
	if _, err := s.write.ExecContext(t.Context(), `ALTER TABLE reports ADD COLUMN note TEXT`); err != nil {
		t.Fatal(err)
	}
	err := s.DumpRows(t.Context(), store.DumpTables, func(*store.DumpTable, []any) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "reports.note") {
		t.Errorf("DumpRows of a store with an unknown column: %v, want an error naming reports.note", err)
	}
}

// TestDumpNamesBadValue: a stored value that cannot be dumped (a time
// edited behind vigil's back) stops the dump with its table, row and
// column.
func TestDumpNamesBadValue(t *testing.T) {
	s := open(t)
	if _, err := s.write.ExecContext(t.Context(), `INSERT INTO sources (name, kind) VALUES ('gtd', 'dataset')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(t.Context(), `INSERT INTO fuse_retired (incident_id, merged_into, at) VALUES ('i1', 'i2', 'last tuesday')`); err != nil {
		t.Fatal(err)
	}
	err := s.DumpRows(t.Context(), store.DumpTables, func(*store.DumpTable, []any) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "dump fuse_retired: row incident_id i1: column at") {
		t.Errorf("DumpRows of a bad time: %v, want an error naming fuse_retired, row i1, column at", err)
	}
}
