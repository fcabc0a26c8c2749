package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestDriverValue(t *testing.T) {
	ts := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   any
		want driver.Value
	}{
		{nil, nil},
		{"a", "a"},
		{7, int64(7)},
		{int64(-3), int64(-3)},
		{int32(5), int64(5)},
		{1.5, 1.5},
		{true, true},
		{[]byte("x"), []byte("x")},
		{ts, ts},
	} {
		got, err := driverValue(tc.in)
		if err != nil {
			t.Errorf("driverValue(%#v) got error %v", tc.in, err)
			continue
		}
		if g, w := driverValueString(got), driverValueString(tc.want); g != w {
			t.Errorf("driverValue(%#v) got %s, want %s", tc.in, g, w)
		}
	}
	if _, err := driverValue(struct{}{}); err == nil {
		t.Errorf("driverValue(struct{}{}) got no error, want one")
	}
}

func driverValueString(v driver.Value) string {
	return fmt.Sprintf("%T:%v", v, v)
}

// TestImportDriverStatements checks the batches written through the
// driver's own statements: prepared once on the writer connection and
// reused by every batch, all rows stored, a batch whose context ends
// before its write stores nothing, and Close closes the statements.
func TestImportDriverStatements(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	day := time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC)
	// 150 records: more than two INSERTs of insertRows rows each, and a
	// last INSERT of fewer.
	c, err := s.ImportBatch(ctx, storetest.Synthetic("gtd", 0, 150, day), at)
	if err != nil || c.New != 150 {
		t.Fatalf("first batch got %+v, %v; want 150 new", c, err)
	}
	s.raw.mu.Lock()
	prepared := len(s.raw.stmts)
	s.raw.mu.Unlock()
	if prepared == 0 {
		t.Fatalf("no driver statements prepared after a batch")
	}
	c, err = s.ImportBatch(ctx, storetest.Synthetic("gtd", 150, 150, day), at)
	if err != nil || c.New != 150 {
		t.Fatalf("second batch got %+v, %v; want 150 new", c, err)
	}
	s.raw.mu.Lock()
	again := len(s.raw.stmts)
	s.raw.mu.Unlock()
	if again != prepared {
		t.Errorf("driver statements after a second batch of the same shape got %d, want the %d of the first reused", again, prepared)
	}
	for table, want := range map[string]int{"reports": 300, "claims": 300, "incidents": 300, "incident_versions": 300} {
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != want {
			t.Errorf("%s rows got %d, %v; want %d", table, n, err, want)
		}
	}

	// A plan whose context has ended when it is written stores nothing.
	pb, err := s.PlanBatch(ctx, storetest.Synthetic("gtd", 300, 150, day), at)
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.WriteBatch(done, pb); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteBatch on an ended context got %v, want context.Canceled", err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM reports`).Scan(&n); err != nil || n != 300 {
		t.Errorf("reports after the cancelled batch got %d, %v; want 300", n, err)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s.raw.mu.Lock()
	left := len(s.raw.stmts)
	s.raw.mu.Unlock()
	if left != 0 {
		t.Errorf("driver statements after Close got %d, want 0", left)
	}
}

func TestTimeText(t *testing.T) {
	a := time.Date(2024, 1, 3, 10, 0, 0, 123456789, time.UTC)
	b := a.Add(time.Second)
	var c timeText
	for i, tc := range []time.Time{a, a, b, a.In(time.FixedZone("IRST", 12600)), b, {}} {
		if got, want := c.format(tc), formatTime(tc); got != want {
			t.Errorf("format %d (%v) got %q, want %q", i, tc, got, want)
		}
	}
}
