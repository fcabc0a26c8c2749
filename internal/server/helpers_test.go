package server

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/vigil-project/vigil/demo"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/csvmap"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/teststore"
)

// testStore is a store the tests can fill and serve.
type testStore interface {
	Store
	ingest.Store
	Close() error
}

var (
	_ testStore = (*sqlite.Store)(nil)
	_ testStore = (*postgres.Store)(nil)
)

// demoTime is when the tests say the demo was imported: tests never read
// the clock for data.
var demoTime = time.Date(2024, 1, 5, 12, 0, 0, 0, time.UTC)

// backends returns the stores the API tests run against: a SQLite file
// always, PostgreSQL when VIGIL_TEST_POSTGRES names a server (always in
// CI, where scripts/pgtest.sh starts one).
func backends(t *testing.T) map[string]func(t *testing.T) testStore {
	return teststore.Openers[testStore]("vigil_server_test")
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
