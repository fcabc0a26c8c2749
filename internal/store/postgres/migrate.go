package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/store"
)

// migrationFiles are the schema migrations, an append-only list: a
// released file is never edited, a change is a new file with the next
// number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the migrations NNNN_name.sql from fsys and checks
// that they are numbered 1, 2, 3… without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
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
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d: versions must run 1, 2, 3… without gaps", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate brings the database up to the newest migration in ms, each in
// its own transaction, and returns how many it applied. It refuses a
// database migrated past ms with store.ErrSchemaTooNew: this vigil does
// not know that schema and could damage it.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration) (applied int, err error) {
	if err := createMigrationsTable(ctx, pool); err != nil {
		return 0, err
	}
	known := len(ms)
	cur, err := schemaVersion(ctx, pool)
	if err != nil {
		return 0, err
	}
	if cur > known {
		return 0, fmt.Errorf("database schema version %d, this vigil knows up to %d: %w", cur, known, store.ErrSchemaTooNew)
	}
	for _, m := range ms[cur:] {
		ok, err := apply(ctx, pool, m)
		if err != nil {
			return applied, err
		}
		if ok {
			applied++
		}
	}
	return applied, nil
}

// createMigrationsTable creates schema_migrations if it is missing, under
// the migration lock: two processes creating it at once would collide.
func createMigrationsTable(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("create schema_migrations: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

// apply runs one migration in a transaction unless another process
// applied it first, and reports whether it ran.
func apply(ctx context.Context, pool *pgxpool.Pool, m migration) (bool, error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback(ctx)
	// Concurrent migrators queue here; the loser then sees the version.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return false, fmt.Errorf("migration %s: lock: %w", m.name, err)
	}
	cur, err := schemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	if cur >= m.version {
		return false, nil
	}
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now()); err != nil {
		return false, fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return true, nil
}

// schemaVersion returns the highest migration applied, 0 for none.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
