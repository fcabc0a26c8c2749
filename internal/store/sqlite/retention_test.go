package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// decodedChunks returns every raw chunk, decoded, concatenated.
func decodedChunks(t *testing.T, s *Store) []byte {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), `SELECT codec, data FROM raw_chunks ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []byte
	for rows.Next() {
		var codec string
		var data []byte
		if err := rows.Scan(&codec, &data); err != nil {
			t.Fatal(err)
		}
		raw, err := plan.DecodeChunk(codec, data)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, raw...)
	}
	return all
}

// TestPruneRemovesBytes: after a prune the pruned bodies are in no
// chunk (not only hidden from Report), the kept bodies and the claims'
// documents are; --vacuum shrinks the file and leaves it in incremental
// auto-vacuum, so that the next prune gives pages back on its own.
func TestPruneRemovesBytes(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)
	// Bodies that do not compress (hex of a hash chain), so that pruning
	// them frees pages.
	body := func(i int) string {
		var b strings.Builder
		b.WriteString("secret-old-body-")
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		for range 200 {
			b.WriteString(hex.EncodeToString(sum[:]))
			sum = sha256.Sum256(sum[:])
		}
		return b.String()
	}
	var recs []model.Record
	for i := range 200 {
		fetched := old
		if i%2 == 1 {
			fetched = old.Add(200 * 24 * time.Hour)
		}
		ref := string(rune('a'+i%26)) + string(rune('a'+i/26))
		recs = append(recs, storetest.Record("gtd", ref, 0, body(i)+ref, fetched, nil))
	}
	for i := 0; i < len(recs); i += 50 {
		if _, err := s.ImportBatch(ctx, recs[i:i+50], old); err != nil {
			t.Fatal(err)
		}
	}
	pages := func() int64 {
		var n int64
		if err := s.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := pages()
	c, err := s.PruneRaw(ctx, store.PruneOptions{Before: old.Add(time.Hour), At: old.Add(300 * 24 * time.Hour), Vacuum: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Reports != 100 || c.Chunks != 4 {
		t.Errorf("prune got %+v, want 100 reports in 4 chunks", c)
	}
	raw := decodedChunks(t, s)
	for i, r := range recs {
		in := bytes.Contains(raw, r.Report.Raw)
		if in != (i%2 == 1) {
			t.Errorf("record %d (received %s): body in a chunk %v, want %v", i, r.Report.Fetched.Format("2006-01-02"), in, i%2 == 1)
		}
		if !bytes.Contains(raw, []byte(`"id":"`+r.Claim.ID+`"`)) {
			t.Errorf("record %d: claim document %s is in no chunk", i, r.Claim.ID)
		}
	}
	var mode int
	if err := s.write.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Errorf("auto_vacuum after a prune with Vacuum: %d (%v), want 2 (incremental)", mode, err)
	}
	if after := pages(); after >= before || c.FreedBytes <= 0 {
		t.Errorf("database of %d pages before, %d after the prune with Vacuum (freed %d bytes): want it smaller, and freed bytes said", before, after, c.FreedBytes)
	}
	// Incremental from now on: the next prune shrinks the file without
	// being asked.
	before = pages()
	c, err = s.PruneRaw(ctx, store.PruneOptions{Before: old.Add(201 * 24 * time.Hour), At: old.Add(300 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if after := pages(); c.Reports != 100 || after >= before || c.FreedBytes <= 0 {
		t.Errorf("second prune %+v: %d pages before, %d after; want the other 100 reports and a smaller file", c, before, after)
	}
	if raw := decodedChunks(t, s); bytes.Contains(raw, []byte("secret-old-body")) {
		t.Errorf("a body is still in a chunk after every body was pruned")
	}
}

// BenchmarkPruneRaw: go test -run '^$' -bench PruneRaw ./internal/store/sqlite/
func BenchmarkPruneRaw(b *testing.B) {
	storetest.BenchPruneRaw(b, func(b *testing.B) storetest.Backend { return open(b) })
}

// TestReportPrunedWhileRead: a Report that read its row before a prune
// and its chunk after it finds zeros; it reads the row again and gives
// the pruned state, not zeros for a body. The state between the reads is
// made by hand: the chunk zeroed and the row marked, its length kept.
func TestReportPrunedWhileRead(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)
	rec := storetest.Record("gtd", "1", 0, "a body read while it was pruned", old, nil)
	if _, err := s.ImportBatch(ctx, []model.Record{rec}, old); err != nil {
		t.Fatal(err)
	}
	var chunk, offset, length int64
	if err := s.read.QueryRowContext(ctx, `SELECT raw_chunk, raw_offset, raw_length FROM reports WHERE id = ?`, rec.Report.ID).
		Scan(&chunk, &offset, &length); err != nil {
		t.Fatal(err)
	}
	var codec string
	var data []byte
	if err := s.read.QueryRowContext(ctx, `SELECT codec, data FROM raw_chunks WHERE id = ?`, chunk).Scan(&codec, &data); err != nil {
		t.Fatal(err)
	}
	codec, data, err := zeroBodies(codec, data, []bodyRange{{id: rec.Report.ID, offset: offset, length: length}})
	if err != nil {
		t.Fatal(err)
	}
	at := old.Add(time.Hour)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE raw_chunks SET codec = ?, data = ? WHERE id = ?`, []any{codec, data, chunk}},
		{`UPDATE reports SET pruned = ? WHERE id = ?`, []any{formatTime(at), rec.Report.ID}},
	} {
		if _, err := s.write.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Report(ctx, rec.Report.ID)
	if err != nil || len(r.Raw) != 0 || r.Pruned == nil || !r.Pruned.Equal(at) {
		t.Errorf("Report mid-prune: raw %q pruned %v (%v), want no body and pruned at %s", r.Raw, r.Pruned, err, at)
	}
}
