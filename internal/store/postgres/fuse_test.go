package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// BenchmarkFuseAttach attaches one new claim to a fused store of 10,000
// incidents in a fresh database, with VIGIL_BENCH_100K=1 of 100,000, and
// with VIGIL_BENCH_1M=1 of 1,000,000 (built in the run: many minutes)
// (run under scripts/pgtest.sh):
//
//	scripts/pgtest.sh go test -run XXX -bench FuseAttach -benchtime 200x ./internal/store/postgres/
//	VIGIL_BENCH_1M=1 scripts/pgtest.sh go test -run XXX -bench FuseAttach/1M -benchtime 200x -timeout 3h ./internal/store/postgres/
//
// With VIGIL_BENCH_FUSE_DB=name the store is kept in database name_10k or
// name_1M and reused by later runs while its fingerprint (the size and
// the generator's records) matches; with VIGIL_PGTEST_DIR the server's
// cluster survives scripts/pgtest.sh too, so the 1M store is built once:
//
//	VIGIL_PGTEST_DIR=/tmp/vigil-bench-pg VIGIL_BENCH_FUSE_DB=vigil_bench VIGIL_BENCH_1M=1 \
//		scripts/pgtest.sh go test -run XXX -bench FuseAttach/1M -benchtime 200x -timeout 3h ./internal/store/postgres/
//
// The fingerprint does not cover fusion's code: after a change to
// fuse.All, drop the database (or name another) to rebuild.
func BenchmarkFuseAttach(b *testing.B) {
	for _, size := range []struct {
		n          int
		name, gate string
	}{{10_000, "10k", ""}, {100_000, "100k", "VIGIL_BENCH_100K"}, {1_000_000, "1M", "VIGIL_BENCH_1M"}} {
		n, name := size.n, size.name
		if size.gate != "" && os.Getenv(size.gate) == "" {
			continue
		}
		// Opened outside b.Run, which calls the function twice (once with
		// N=1): FillFused finds the store full the second time.
		var s *Store
		keep := os.Getenv("VIGIL_BENCH_FUSE_DB")
		if keep != "" {
			s = openKept(b, keep+"_"+name, n)
		} else {
			s = open(b)
		}
		b.Run(name, func(b *testing.B) {
			t0 := time.Now()
			if err := storetest.FillFused(b.Context(), s, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%d incidents imported and fused in %s", n, time.Since(t0).Round(time.Second))
			if keep != "" {
				if err := writeFingerprint(b.Context(), s, n); err != nil {
					b.Fatal(err)
				}
			}
			storetest.BenchFuseAttach(b, s, n)
		})
	}
}

// TestFuseSetupAgrees checks that the one-query setup of a fusion run
// reads what the three separate reads do: sources, the model of the last
// full run, and the analysts' corrections in order.
func TestFuseSetupAgrees(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	empty, err := s.FuseSetup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Model != nil || len(empty.Constraints) != 0 {
		t.Errorf("fresh store: got model %v and %d corrections, want none", empty.Model, len(empty.Constraints))
	}
	if err := storetest.FillFused(ctx, s, 300); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM incidents ORDER BY id LIMIT 2) x`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, field := range []string{"perpetrator", "killed"} {
		value := []string{"Islamic State", "12"}[i]
		if err := fuse.Set(ctx, s, ids[i], field, value, fuse.Correction{Author: "analyst", Reason: "test " + field, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FuseSetup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want fuse.Setup
	if want.Sources, err = s.FuseSources(ctx); err != nil {
		t.Fatal(err)
	}
	if want.Model, err = s.FuseModel(ctx); err != nil {
		t.Fatal(err)
	}
	if want.Constraints, err = s.Constraints(ctx); err != nil {
		t.Fatal(err)
	}
	if len(want.Sources) == 0 || want.Model == nil || len(want.Constraints) != 2 {
		t.Fatalf("fixture: %d sources, model %v, %d corrections; want sources, a model and 2", len(want.Sources), want.Model != nil, len(want.Constraints))
	}
	if !reflect.DeepEqual(got.Sources, want.Sources) {
		t.Errorf("sources: got %+v, want %+v", got.Sources, want.Sources)
	}
	if !reflect.DeepEqual(got.Model, want.Model) {
		t.Errorf("model: got %+v, want %+v", got.Model, want.Model)
	}
	if len(got.Constraints) != len(want.Constraints) {
		t.Fatalf("got %d corrections, want %d", len(got.Constraints), len(want.Constraints))
	}
	for i := range got.Constraints {
		g, w := got.Constraints[i], want.Constraints[i]
		if !g.At.Equal(w.At) || g.Field != w.Field || g.Value != w.Value || g.Incident != w.Incident || g.Reason != w.Reason {
			t.Errorf("correction %d: got %+v, want %+v", i, g, w)
		}
	}
}

// benchFingerprint names what a kept benchmark store was built from: its
// size and the generator's first and last records. A store whose
// fingerprint differs (or that has none: its build was interrupted) is
// dropped and built again.
func benchFingerprint(n int) (string, error) {
	recs := append(storetest.Spread("gtd", 0, 1, time.Time{}), storetest.Spread("gtd", n-1, 1, time.Time{})...)
	doc, err := json.Marshal(recs)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(doc)
	return fmt.Sprintf("%d incidents, records %s", n, hex.EncodeToString(sum[:8])), nil
}

// openKept opens the benchmark store kept in database name on the
// VIGIL_TEST_POSTGRES server, creating it (empty, for FillFused) when it
// is missing or was built from something else. It is not dropped.
func openKept(tb testing.TB, name string, n int) *Store {
	tb.Helper()
	ctx := tb.Context()
	admin := os.Getenv("VIGIL_TEST_POSTGRES")
	if admin == "" {
		tb.Skip("VIGIL_BENCH_FUSE_DB needs VIGIL_TEST_POSTGRES: run through scripts/pgtest.sh")
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("VIGIL_TEST_POSTGRES is not a URL: %v", err)
	}
	want, err := benchFingerprint(n)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect to VIGIL_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		tb.Fatalf("kept store %s: %v", name, err)
	}
	u.Path = "/" + name
	if exists {
		got, err := readFingerprint(ctx, u.String())
		if err == nil && got == want {
			tb.Logf("reusing the kept store %s (%s)", name, got)
		} else {
			tb.Logf("kept store %s: fingerprint %q (%v), want %q: building it again", name, got, err, want)
			if _, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
				tb.Fatalf("drop kept store %s: %v", name, err)
			}
			exists = false
		}
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
			tb.Fatalf("create kept store %s: %v", name, err)
		}
	}
	return openAt(tb, u.String())
}

// readFingerprint reads a kept store's fingerprint.
func readFingerprint(ctx context.Context, dsn string) (string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var fp string
	err = conn.QueryRow(ctx, `SELECT fingerprint FROM bench_fingerprint`).Scan(&fp)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errors.New("no fingerprint: its build did not finish")
	}
	return fp, err
}

// writeFingerprint records, once the store is built, what it was built from.
func writeFingerprint(ctx context.Context, s *Store, n int) error {
	fp, err := benchFingerprint(n)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_fingerprint (fingerprint text NOT NULL);
		DELETE FROM bench_fingerprint`); err != nil {
		return fmt.Errorf("fingerprint: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO bench_fingerprint VALUES ($1)`, fp); err != nil {
		return fmt.Errorf("fingerprint: %w", err)
	}
	return nil
}
