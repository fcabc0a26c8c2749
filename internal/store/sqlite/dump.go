package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// DumpRows implements store.Dumper: every row of tables, in their order,
// from one read transaction (one snapshot of the WAL), streamed.
func (s *Store) DumpRows(ctx context.Context, tables []store.DumpTable, fn func(t *store.DumpTable, row []any) error) error {
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	defer conn.Close()
	// A deferred read transaction: its snapshot is taken at the first
	// SELECT and holds for every table after it.
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("dump: begin: %w", err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	if _, err := dumpSchema(ctx, conn); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	for i := range tables {
		t := &tables[i]
		dump := dumpTable
		if t.Name == store.IDSequences {
			dump = dumpSequences
		}
		if err := dump(ctx, conn, t, fn); err != nil {
			return fmt.Errorf("dump %s: %w", t.Name, err)
		}
	}
	return nil
}

// dumpSequences gives store.IDSequences: for each table, the highest id
// AUTOINCREMENT gave out (sqlite_sequence), or its largest id if more.
func dumpSequences(ctx context.Context, conn *sql.Conn, t *store.DumpTable, fn func(t *store.DumpTable, row []any) error) error {
	row := make([]any, 2)
	for _, name := range store.SequenceTables {
		var v int64
		if err := conn.QueryRowContext(ctx, `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),
			coalesce((SELECT max(id) FROM `+name+`), 0))`, name).Scan(&v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		row[0], row[1] = name, v
		if err := fn(t, row); err != nil {
			return err
		}
	}
	return nil
}

// restoreSequences applies store.IDSequences: each table's AUTOINCREMENT
// counter goes up to the dumped value, never down.
func restoreSequences(ctx context.Context, tx *sql.Tx, src store.RowSource, t *store.DumpTable) error {
	return src.Rows(ctx, t, func(row []any) error {
		name, v, err := store.SequenceRow(row)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) SELECT ?1, 0
			WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)`, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1`, name, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}

func dumpTable(ctx context.Context, conn *sql.Conn, t *store.DumpTable, fn func(t *store.DumpTable, row []any) error) error {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	rows, err := conn.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+t.Name+` ORDER BY `+strings.Join(t.Order, ", "))
	if err != nil {
		return err
	}
	defer rows.Close()
	raw := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	row := make([]any, len(t.Columns))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, c := range t.Columns {
			v, err := fromSQLite(c, raw[i])
			if err != nil {
				return fmt.Errorf("row %s %v: column %s: %w", t.Columns[0].Name, raw[0], c.Name, err)
			}
			row[i] = v
		}
		if err := fn(t, row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// fromSQLite converts a stored value to its dumped form (see store.Kind).
func fromSQLite(c store.DumpColumn, v any) (any, error) {
	if v == nil {
		switch {
		case c.Null:
			return nil, nil
		case c.Kind == store.KindBytes:
			return []byte{}, nil
		}
		return nil, errors.New("NULL in a column that does not allow it")
	}
	switch c.Kind {
	case store.KindText, store.KindDate:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case store.KindJSON, store.KindBytes:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case []byte:
			return x, nil
		}
	case store.KindInt:
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case store.KindFloat:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a finite number", x)
			}
			return x, nil
		case int64:
			return float64(x), nil
		}
	case store.KindBool:
		if x, ok := v.(int64); ok {
			return x != 0, nil
		}
	case store.KindTime:
		switch x := v.(type) {
		case string:
			t, err := parseTime(sql.NullString{String: x, Valid: true})
			if err != nil {
				return nil, err
			}
			if t.IsZero() && c.Null {
				return nil, nil
			}
			return t.UTC().Truncate(time.Microsecond), nil
		case int64:
			// Times stored as microseconds (alert and team tables) mean
			// "never" by 0, where PostgreSQL has NULL.
			if x == 0 && c.Null {
				return nil, nil
			}
			return time.UnixMicro(x).UTC(), nil
		}
	}
	return nil, fmt.Errorf("stored %T, want a %s", v, c.Kind)
}

// columnTypes are the declared types of a table's columns, upper-cased.
type columnTypes map[string]string

// dumpSchema reads the store's tables and columns and checks them
// against store.DumpTables: every table is dumped or left out on purpose
// (store.NotDumped), every column of a dumped table is dumped, every
// dumped column exists. A migration that adds a table or a column makes
// dumps fail here until DumpTables names it, rather than lose it.
func dumpSchema(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) (map[string]columnTypes, error) {
	// A primary key column counts as NOT NULL: SQLite lets a TEXT key
	// hold NULL only through an old bug it keeps, which vigil never uses.
	rows, err := q.QueryContext(ctx, `SELECT m.name, p.name, upper(p.type), p."notnull" = 0 AND p.pk = 0 FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	defer rows.Close()
	schema := map[string]columnTypes{}
	names := map[string][]store.SchemaColumn{}
	for rows.Next() {
		var table, col, typ string
		var null bool
		if err := rows.Scan(&table, &col, &typ, &null); err != nil {
			return nil, fmt.Errorf("read schema: %w", err)
		}
		if schema[table] == nil {
			schema[table] = columnTypes{}
		}
		schema[table][col] = typ
		names[table] = append(names[table], store.SchemaColumn{Name: col, Null: null})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	return schema, store.CheckDumpSchema(names, nil)
}

// restoreCacheKiB is the page cache of a restore's connection, as
// PRAGMA cache_size takes it (negative: KiB).
const restoreCacheKiB = -16384

// RestoreRows implements store.Restorer: one write transaction, foreign
// keys checked once at its end (PRAGMA foreign_key_check) rather than
// row by row, rows inserted as dumped.
func (s *Store) RestoreRows(ctx context.Context, tables []store.DumpTable, src store.RowSource) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer s.releaseUnchecked(conn)
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// The whole restore is one transaction. With the writer's usual page
	// cache (64 MiB) the process grew with the dump (416 MB resident for
	// 200,000 incidents, 141 MB for 40,000); with 16 MiB it stays near
	// 75 MB whatever the size, at about the same speed. The usual cache
	// is put back after.
	var cache int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, restoreCacheKiB)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("restore: begin: %w", err)
	}
	defer tx.Rollback()
	schema, err := dumpSchema(ctx, tx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := checkEmpty(ctx, tx, schema); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for i := range tables {
		t := &tables[i]
		if t.Name == store.IDSequences {
			if err := restoreSequences(ctx, tx, src, t); err != nil {
				return fmt.Errorf("restore %s: %w", t.Name, err)
			}
			continue
		}
		if err := restoreTable(ctx, tx, t, schema[t.Name], src); err != nil {
			return fmt.Errorf("restore %s: %w", t.Name, err)
		}
	}
	if err := foreignKeyCheck(ctx, tx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("restore: commit: %w", err)
	}
	return nil
}

// checkEmpty refuses a store that holds any row, in any table but the
// bookkeeping ones (store.Bookkeeping).
func checkEmpty[T any](ctx context.Context, tx *sql.Tx, schema map[string]T) error {
	var full []string
	for table := range schema {
		if slices.Contains(store.Bookkeeping, table) {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+table+` LIMIT 1)`).Scan(&n); err != nil {
			return fmt.Errorf("check %s is empty: %w", table, err)
		}
		if n > 0 {
			full = append(full, table)
		}
	}
	if len(full) > 0 {
		slices.Sort(full)
		return fmt.Errorf("%w (rows in %s): restore into a new store", store.ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

func restoreTable(ctx context.Context, tx *sql.Tx, t *store.DumpTable, types columnTypes, src store.RowSource) error {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	// The driver binds an empty []byte as NULL: a column of bytes that
	// cannot be NULL takes x'' instead (an empty raw row, a chunk whose
	// bodies were all pruned).
	vals := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		vals[i] = "?"
		if c.Kind == store.KindBytes && !c.Null {
			vals[i] = "coalesce(?, x'')"
		}
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO `+t.Name+` (`+strings.Join(names, ", ")+`) VALUES (`+strings.Join(vals, ", ")+`)`)
	if err != nil {
		return err
	}
	defer st.Close()
	args := make([]any, len(t.Columns))
	return src.Rows(ctx, t, func(row []any) error {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("row of %d values, want %d", len(row), len(t.Columns))
		}
		for i, c := range t.Columns {
			v, err := toSQLite(c, types[c.Name], row[i])
			if err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			args[i] = v
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return nil
	})
}

// toSQLite converts a dumped value to what the column stores; typ is its
// declared type, which says how a time is stored (TEXT or microseconds).
func toSQLite(c store.DumpColumn, typ string, v any) (any, error) {
	if v == nil {
		switch {
		case c.Kind == store.KindTime && typ == "INTEGER":
			return int64(0), nil
		case c.Null:
			return nil, nil
		}
		return nil, errors.New("null in a column that does not allow it")
	}
	switch x := v.(type) {
	case time.Time:
		if typ == "INTEGER" {
			return x.UnixMicro(), nil
		}
		return formatTime(x), nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case []byte:
		if c.Kind == store.KindJSON {
			return string(x), nil
		}
		return x, nil
	case string, int64, float64:
		return x, nil
	}
	return nil, fmt.Errorf("value of type %T", v)
}

// foreignKeyCheck fails when a restored row refers to one that is not
// there, naming the first few.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		if len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("the dump's rows do not hold together: %s", strings.Join(bad, "; "))
	}
	return nil
}
