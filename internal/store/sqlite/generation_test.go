package sqlite

import (
	"testing"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

// BenchmarkGenerationCost: an import with and without the generation's
// triggers (migration 0007), batch by batch in turn.
func BenchmarkGenerationCost(b *testing.B) {
	with, without := open(b), open(b)
	rows, err := without.write.QueryContext(b.Context(), `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'gen\_%' ESCAPE '\'`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			b.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) == 0 {
		b.Fatal("no generation trigger found")
	}
	for _, n := range names {
		if _, err := without.write.ExecContext(b.Context(), `DROP TRIGGER `+n); err != nil {
			b.Fatal(err)
		}
	}
	storetest.BenchGenerationCost(b, with, without)
}
