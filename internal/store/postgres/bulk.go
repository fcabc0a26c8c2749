package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// bulkDeferred are the secondary indexes that a first load into an empty
// store builds at its end instead of row by row: the same as SQLite's
// (see its bulk.go). Planning reads none of them.
var bulkDeferred = []string{
	"incidents_start", "incidents_country_start", "incidents_attack_type",
	"claims_incident", "incident_versions_at",
}

// BeginBulk prepares a first load: when the store holds no report, it
// drops the indexes of bulkDeferred, recording their definitions in
// deferred_indexes in the same transaction, and reports true; EndBulk
// builds them again. A store that holds reports is left as it is (false).
// If the process dies before EndBulk, Open builds what is recorded.
func (s *Store) BeginBulk(ctx context.Context) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin bulk load: %w", err)
	}
	defer tx.Rollback(ctx)
	var one int
	switch err := tx.QueryRow(ctx, `SELECT 1 FROM reports LIMIT 1`).Scan(&one); {
	case err == nil:
		return false, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return false, fmt.Errorf("begin bulk load: %w", err)
	}
	n := 0
	for _, name := range bulkDeferred {
		var def string
		err := tx.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`, name).Scan(&def)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // deferred already, by an import that is still running or died
		}
		if err != nil {
			return false, fmt.Errorf("begin bulk load: index %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO deferred_indexes (name, sql) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET sql = excluded.sql`, name, def); err != nil {
			return false, fmt.Errorf("begin bulk load: index %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			if isPrivilege(err) {
				return false, nil // a role that does not own the tables imports the plain way
			}
			return false, fmt.Errorf("begin bulk load: index %s: %w", name, err)
		}
		n++
	}
	if n == 0 {
		return false, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("begin bulk load: commit: %w", err)
	}
	return true, nil
}

// isPrivilege says whether err is PostgreSQL's insufficient privilege:
// only a table's owner may drop or create its indexes.
func isPrivilege(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}

// EndBulk builds the indexes that BeginBulk deferred, each in its own
// transaction with its record, so that a crash half way leaves the rest
// recorded for Open. It is safe to call when nothing is deferred.
func (s *Store) EndBulk(ctx context.Context) error {
	return buildDeferred(ctx, s.pool)
}

// buildDeferred builds every index recorded in deferred_indexes.
func buildDeferred(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT name, sql FROM deferred_indexes ORDER BY name`)
	if err != nil {
		return fmt.Errorf("build deferred indexes: %w", err)
	}
	type index struct{ name, sql string }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var x index
		err := r.Scan(&x.name, &x.sql)
		return x, err
	})
	if err != nil {
		return fmt.Errorf("build deferred indexes: %w", err)
	}
	for _, x := range list {
		if err := buildIndex(ctx, pool, x.name, x.sql); err != nil {
			return fmt.Errorf("build deferred index %s: %w", x.name, err)
		}
	}
	return nil
}

// buildIndex creates one deferred index and forgets its record. The row
// is locked first, so that two processes opening the store at once build
// it once.
func buildIndex(ctx context.Context, pool *pgxpool.Pool, name, def string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var locked string
	err = tx.QueryRow(ctx, `SELECT name FROM deferred_indexes WHERE name = $1 FOR UPDATE`, name).Scan(&locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // built by another process meanwhile
	}
	if err != nil {
		return err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1)`,
		name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := tx.Exec(ctx, def); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM deferred_indexes WHERE name = $1`, name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
