package teststore

import (
	"context"
	"testing"

	"github.com/vigil-project/vigil/internal/store"
)

type statser interface {
	Stats(ctx context.Context) (store.Stats, error)
}

// TestOpeners: each kind opens an empty store, and every call a new one,
// so that what one test writes no other test sees.
func TestOpeners(t *testing.T) {
	openers := Openers[statser]("vigil_teststore")
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			open, ok := openers[kind]
			if !ok {
				t.Fatalf("Openers has no %q", kind)
			}
			a, b := open(t), open(t)
			if a == b {
				t.Errorf("two calls got the same store %p", a)
			}
			st, err := a.Stats(t.Context())
			if err != nil || st.Incidents != 0 || st.Claims != 0 {
				t.Errorf("Stats of a fresh store got %+v, %v; want no incidents or claims", st, err)
			}
		})
	}
}
