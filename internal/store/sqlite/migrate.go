package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/vigil-project/vigil/internal/store/internal/migrate"
)

// migrationFiles are the schema migrations, an append-only list: a
// released file is never edited, a change is a new file with the next
// number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationTarget is the database as internal/migrate needs it. SQLite
// takes one writer at a time, so the transaction is the lock.
type migrationTarget struct{ db *sql.DB }

func (t migrationTarget) Init(ctx context.Context) error {
	if _, err := t.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

func (t migrationTarget) Version(ctx context.Context) (int, error) { return schemaVersion(ctx, t.db) }

func (t migrationTarget) Apply(ctx context.Context, m migrate.Migration) (bool, error) {
	tx, err := t.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	cur, err := schemaVersion(ctx, tx)
	if err != nil || cur >= m.Version {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, formatTime(time.Now())); err != nil {
		return false, fmt.Errorf("record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// schemaVersion returns the highest migration applied, 0 for none.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
