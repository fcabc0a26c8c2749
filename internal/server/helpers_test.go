package server

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-project/vigil/demo"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/csvmap"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/testpg"
)

// testStore is a store the tests can fill and serve.
type testStore interface {
	Store
	ingest.Store
	Close() error
}

// demoTime is when the tests say the demo was imported: tests never read
// the clock for data.
var demoTime = time.Date(2024, 1, 5, 12, 0, 0, 0, time.UTC)

// backends returns the stores the API tests run against: a SQLite file
// always, PostgreSQL when VIGIL_TEST_POSTGRES names a server (always in
// CI, where scripts/pgtest.sh starts one).
func backends(t *testing.T) map[string]func(t *testing.T) testStore {
	return map[string]func(t *testing.T) testStore{
		"sqlite": func(t *testing.T) testStore {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": func(t *testing.T) testStore {
			s, err := postgres.Open(t.Context(), newPostgres(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// newPostgres creates a fresh database on the VIGIL_TEST_POSTGRES server
// and drops it when the test ends.
func newPostgres(t *testing.T) string {
	return testpg.Database(t, "vigil_server_test")
}

// loadDemo imports the demo dataset embedded in package demo, as `vigil
// demo` does.
func loadDemo(t testing.TB, st ingest.Store) {
	t.Helper()
	mapping, err := demo.FS.ReadFile(demo.MappingName)
	if err != nil {
		t.Fatal(err)
	}
	m, err := csvmap.ParseMapping(demo.MappingName, mapping)
	if err != nil {
		t.Fatal(err)
	}
	opts := source.Options{Name: demo.CSVName, Fetched: demoTime}
	open := func() (source.Reader, io.Closer, error) {
		f, err := demo.FS.Open(demo.CSVName)
		if err != nil {
			return nil, nil, err
		}
		r, err := csvmap.NewReader(f, m, opts)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return r, f, nil
	}
	if _, err := ingest.Run(context.Background(), st, open, ingest.Options{File: demo.CSVName, Now: func() time.Time { return demoTime }}); err != nil {
		t.Fatalf("import demo: %v", err)
	}
}
