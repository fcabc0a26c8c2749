package postgres

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// TestPruneRemovesBytes: after a prune the pruned bodies are in no
// chunk (not only hidden from Report); the kept bodies and the claims'
// documents are.
func TestPruneRemovesBytes(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)
	var recs []model.Record
	for i := range 100 {
		fetched := old
		if i%2 == 1 {
			fetched = old.Add(200 * 24 * time.Hour)
		}
		ref := string(rune('a'+i%26)) + string(rune('a'+i/26))
		recs = append(recs, storetest.Record("gtd", ref, 0, strings.Repeat("secret-old-body-"+ref, 50), fetched, nil))
	}
	for i := 0; i < len(recs); i += 25 {
		if _, err := s.ImportBatch(ctx, recs[i:i+25], old); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.PruneRaw(ctx, store.PruneOptions{Before: old.Add(time.Hour), At: old.Add(300 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Reports != 50 || c.Chunks != 4 {
		t.Errorf("prune got %+v, want 50 reports in 4 chunks", c)
	}
	rows, err := s.pool.Query(ctx, `SELECT codec, data FROM raw_chunks ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for rows.Next() {
		var codec string
		var data []byte
		if err := rows.Scan(&codec, &data); err != nil {
			t.Fatal(err)
		}
		b, err := plan.DecodeChunk(codec, data)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	rows.Close()
	for i, r := range recs {
		if in := bytes.Contains(raw, r.Report.Raw); in != (i%2 == 1) {
			t.Errorf("record %d: body in a chunk %v, want %v", i, in, i%2 == 1)
		}
		if !bytes.Contains(raw, []byte(`"id":"`+r.Claim.ID+`"`)) {
			t.Errorf("record %d: claim document %s is in no chunk", i, r.Claim.ID)
		}
	}
}

// BenchmarkPruneRaw: scripts/pgtest.sh go test -run '^$' -bench PruneRaw ./internal/store/postgres/
func BenchmarkPruneRaw(b *testing.B) {
	storetest.BenchPruneRaw(b, func(b *testing.B) storetest.Backend { return open(b) })
}
