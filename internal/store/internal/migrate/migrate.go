// Package migrate is the schema-migration procedure both store backends
// follow: an append-only list of numbered SQL files embedded in the
// binary, applied in order, each in its own transaction, and a refusal to
// open a database that a newer vigil migrated. The backends supply only
// what differs between them: how a transaction, a lock and a statement
// are spelled (Target).
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/store"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string // the file name, NNNN_name.sql
	SQL     string
}

// Load reads the migrations migrations/NNNN_name.sql from fsys and checks
// that they are numbered 1, 2, 3… without gaps: a gap means a file was
// lost or misnamed, and applying around it would give a schema no vigil
// ever had.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d: versions must run 1, 2, 3… without gaps", m.Name, i+1)
		}
	}
	return ms, nil
}

// Target is a database as the procedure needs it.
type Target interface {
	// Init creates the schema_migrations table if it is missing.
	Init(ctx context.Context) error
	// Version returns the highest migration applied, 0 for none.
	Version(ctx context.Context) (int, error)
	// Apply runs m and records it in one transaction, unless the
	// database is already at m's version or past it (another process
	// got there first), and reports whether it ran.
	Apply(ctx context.Context, m Migration) (bool, error)
}

// Run brings the database up to the newest of ms and returns how many
// migrations it applied. A database migrated past ms is refused with
// store.ErrSchemaTooNew: this vigil does not know that schema and could
// damage it.
func Run(ctx context.Context, t Target, ms []Migration) (applied int, err error) {
	if err := t.Init(ctx); err != nil {
		return 0, err
	}
	cur, err := t.Version(ctx)
	if err != nil {
		return 0, err
	}
	if cur > len(ms) {
		return 0, fmt.Errorf("database schema version %d, this vigil knows up to %d: %w", cur, len(ms), store.ErrSchemaTooNew)
	}
	for _, m := range ms[cur:] {
		ok, err := t.Apply(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if ok {
			applied++
		}
	}
	return applied, nil
}
