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
