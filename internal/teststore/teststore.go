// Package teststore opens, for the tests of packages that drive a store
// (server, metrics…), a fresh store of each kind: a SQLite file, and a
// PostgreSQL database on the scripts/pgtest.sh server. It stands apart
// from storetest and testpg because it imports both backends, whose own
// tests import those two.
package teststore

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/testpg"
)

// Openers returns, by kind ("sqlite", "postgres"), a function opening a
// fresh empty store of that kind as S, the interface the caller's tests
// drive, closed when the test ends. The PostgreSQL database is named
// prefix_<random>; without a server its opener skips the test, or fails
// it in CI (see testpg). A store that does not satisfy S fails the test:
// callers also assert it at compile time, so that this never runs late.
func Openers[S any](prefix string) map[string]func(t *testing.T) S {
	return map[string]func(t *testing.T) S{
		"sqlite": func(t *testing.T) S {
			t.Helper()
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
			if err != nil {
				t.Fatalf("open SQLite store: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return as[S](t, s)
		},
		"postgres": func(t *testing.T) S {
			t.Helper()
			s, err := postgres.Open(t.Context(), testpg.Database(t, prefix))
			if err != nil {
				t.Fatalf("open PostgreSQL store: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return as[S](t, s)
		},
	}
}

// as gives s as S, or fails the test naming both types.
func as[S any](t *testing.T, s any) S {
	t.Helper()
	v, ok := s.(S)
	if !ok {
		t.Fatalf("%T does not implement %v", s, reflect.TypeFor[S]())
	}
	return v
}
