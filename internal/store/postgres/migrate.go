package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/store/internal/migrate"
)

// migrationFiles are the schema migrations, an append-only list: a
// released file is never edited, a change is a new file with the next
// number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationTarget is the database as internal/migrate needs it. Several
// processes may open one database at once, so every step holds an
// advisory lock for its transaction.
type migrationTarget struct{ pool *pgxpool.Pool }

// Init creates schema_migrations under the lock: two processes creating
// it at once would collide.
func (t migrationTarget) Init(ctx context.Context) error {
	err := t.locked(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

func (t migrationTarget) Version(ctx context.Context) (int, error) { return schemaVersion(ctx, t.pool) }

// Apply runs m; concurrent migrators queue on the lock, and the loser
// then sees the version and does nothing.
func (t migrationTarget) Apply(ctx context.Context, m migrate.Migration) (ran bool, err error) {
	err = t.locked(ctx, func(tx pgx.Tx) error {
		cur, err := schemaVersion(ctx, tx)
		if err != nil || cur >= m.Version {
			return err
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, time.Now()); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		ran = true
		return nil
	})
	return ran && err == nil, err
}

// locked runs fn in a transaction that holds the migration lock, and
// commits it when fn succeeds.
func (t migrationTarget) locked(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := t.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// schemaVersion returns the highest migration applied, 0 for none.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
