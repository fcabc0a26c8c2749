package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// bulkDeferred are the secondary indexes that a first load into an empty
// store builds at its end instead of row by row. Each batch of an import
// otherwise adds an entry to every one of them at a random place (the
// incident ids are hashes, the dates of a dataset are not in file order),
// dirtying most of their pages in every batch, and every dirty page is
// written to the log and again to the file: for 200,000 GTD rows, half
// of the 2.4 GB an import wrote and a fifth of its CPU. Building an index
// afterwards sorts its entries once and writes each page once.
//
// The indexes that planning reads during the import stay (reports by
// source reference, claims by report, the primary keys), and so do those
// that queries name with INDEXED BY, which fails without them: the
// partial indexes of unfused claims and of incidents spanning days.
var bulkDeferred = []string{
	"incidents_start", "incidents_country_start", "incidents_attack_type",
	"claims_incident", "incident_versions_at",
}

// BeginBulk prepares a first load: when the store holds no report, it
// drops the indexes of bulkDeferred, recording their definitions in
// deferred_indexes in the same transaction, and reports true; EndBulk
// builds them again. A store that holds reports is left as it is (false):
// rebuilding its indexes would cost more than the import saves. Reads are
// correct throughout, only slower for the few seconds of the load. If the
// process dies before EndBulk, Open builds what is recorded.
func (s *Store) BeginBulk(ctx context.Context) (bool, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin bulk load: %w", err)
	}
	defer tx.Rollback()
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM reports LIMIT 1`).Scan(&one); err {
	case nil:
		return false, nil
	case sql.ErrNoRows:
	default:
		return false, fmt.Errorf("begin bulk load: %w", err)
	}
	n := 0
	for _, name := range bulkDeferred {
		var def sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, name).Scan(&def)
		if err == sql.ErrNoRows || (err == nil && !def.Valid) {
			continue // deferred already, by an import that is still running or died
		}
		if err != nil {
			return false, fmt.Errorf("begin bulk load: index %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO deferred_indexes (name, sql) VALUES (?, ?)`, name, def.String); err != nil {
			return false, fmt.Errorf("begin bulk load: index %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return false, fmt.Errorf("begin bulk load: index %s: %w", name, err)
		}
		n++
	}
	if n == 0 {
		return false, nil
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("begin bulk load: commit: %w", err)
	}
	return true, nil
}

// EndBulk builds the indexes that BeginBulk deferred, each in its own
// transaction with its record, so that a crash half way leaves the rest
// recorded for Open. It is safe to call when nothing is deferred.
func (s *Store) EndBulk(ctx context.Context) error {
	return buildDeferred(ctx, s.write)
}

// buildDeferred builds every index recorded in deferred_indexes.
func buildDeferred(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM deferred_indexes ORDER BY name`)
	if err != nil {
		return fmt.Errorf("build deferred indexes: %w", err)
	}
	type index struct{ name, sql string }
	var list []index
	for rows.Next() {
		var x index
		if err := rows.Scan(&x.name, &x.sql); err != nil {
			rows.Close()
			return fmt.Errorf("build deferred indexes: %w", err)
		}
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("build deferred indexes: %w", err)
	}
	for _, x := range list {
		if err := buildIndex(ctx, db, x.name, x.sql); err != nil {
			return fmt.Errorf("build deferred index %s: %w", x.name, err)
		}
	}
	return nil
}

// buildIndex creates one deferred index and forgets its record.
func buildIndex(ctx context.Context, db *sql.DB, name, def string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var exists int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, name).Scan(&exists)
	if err != nil {
		return err
	}
	if exists == 0 {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, name); err != nil {
		return err
	}
	return tx.Commit()
}
