package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/store"
)

// physicalColumns are this backend's own columns that a dump leaves out:
// claims.seq keeps the order claims came in for the fusion queue and is
// numbered again, in the dump's order, on restore.
var physicalColumns = []string{"claims.seq"}

// DumpRows implements store.Dumper: every row of tables, in their order,
// from one REPEATABLE READ READ ONLY transaction (one snapshot), streamed.
func (s *Store) DumpRows(ctx context.Context, tables []store.DumpTable, fn func(t *store.DumpTable, row []any) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("dump: begin: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := dumpSchema(ctx, tx); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	for i := range tables {
		t := &tables[i]
		dump := dumpTable
		if t.Name == store.IDSequences {
			dump = dumpSequences
		}
		if err := dump(ctx, tx, t, fn); err != nil {
			return fmt.Errorf("dump %s: %w", t.Name, err)
		}
	}
	return nil
}

// dumpSequences gives store.IDSequences: for each table, the last value
// its identity sequence gave out, or its largest id if more.
func dumpSequences(ctx context.Context, tx pgx.Tx, t *store.DumpTable, fn func(t *store.DumpTable, row []any) error) error {
	row := make([]any, 2)
	for _, name := range store.SequenceTables {
		var seq *string
		if err := tx.QueryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, name).Scan(&seq); err != nil || seq == nil {
			return fmt.Errorf("%s: no identity sequence (%v)", name, err)
		}
		var v int64
		// The sequence's name comes from the catalogue, quoted as needed.
		if err := tx.QueryRow(ctx, `SELECT greatest((SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM `+*seq+`),
			(SELECT coalesce(max(id), 0) FROM `+pgx.Identifier{name}.Sanitize()+`))`).Scan(&v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		row[0], row[1] = name, v
		if err := fn(t, row); err != nil {
			return err
		}
	}
	return nil
}

// dumpSchema reads the tables and columns of the store's schema and
// checks them with store.CheckDumpSchema.
func dumpSchema(ctx context.Context, tx pgx.Tx) (map[string][]store.SchemaColumn, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname, a.attname, NOT a.attnotnull FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	defer rows.Close()
	schema := map[string][]store.SchemaColumn{}
	for rows.Next() {
		var table, col string
		var null bool
		if err := rows.Scan(&table, &col, &null); err != nil {
			return nil, fmt.Errorf("read schema: %w", err)
		}
		schema[table] = append(schema[table], store.SchemaColumn{Name: col, Null: null})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	return schema, store.CheckDumpSchema(schema, physicalColumns)
}

// selectSQL selects a table's dumped columns in the dump's order: dates
// as 'YYYY-MM-DD' text, JSON as the stored text, text keys compared
// bytewise (COLLATE "C", SQLite's order).
func selectSQL(t *store.DumpTable) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		switch c.Kind {
		case store.KindDate:
			cols[i] = `to_char(` + c.Name + `, 'YYYY-MM-DD')`
		case store.KindJSON:
			cols[i] = c.Name + `::text`
		default:
			cols[i] = c.Name
		}
	}
	order := make([]string, len(t.Order))
	for i, name := range t.Order {
		order[i] = name
		if j := t.Column(name); j >= 0 && t.Columns[j].Kind == store.KindText {
			order[i] += ` COLLATE "C"`
		}
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + t.Name + ` ORDER BY ` + strings.Join(order, ", ")
}

func dumpTable(ctx context.Context, tx pgx.Tx, t *store.DumpTable, fn func(t *store.DumpTable, row []any) error) error {
	rows, err := tx.Query(ctx, selectSQL(t))
	if err != nil {
		return err
	}
	defer rows.Close()
	row := make([]any, len(t.Columns))
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		for i, c := range t.Columns {
			v, err := fromPostgres(c, vals[i])
			if err != nil {
				return fmt.Errorf("row %s %v: column %s: %w", t.Columns[0].Name, vals[0], c.Name, err)
			}
			row[i] = v
		}
		if err := fn(t, row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// fromPostgres converts a value as pgx decodes it to its dumped form.
func fromPostgres(c store.DumpColumn, v any) (any, error) {
	if v == nil {
		if c.Null {
			return nil, nil
		}
		return nil, errors.New("NULL in a column that does not allow it")
	}
	switch c.Kind {
	case store.KindText, store.KindDate:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case store.KindJSON:
		if x, ok := v.(string); ok {
			return []byte(x), nil
		}
	case store.KindBytes:
		if x, ok := v.([]byte); ok {
			return x, nil
		}
	case store.KindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		}
	case store.KindFloat:
		if x, ok := v.(float64); ok {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a finite number", x)
			}
			return x, nil
		}
	case store.KindBool:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case store.KindTime:
		if x, ok := v.(time.Time); ok {
			return x.UTC().Truncate(time.Microsecond), nil
		}
	}
	return nil, fmt.Errorf("stored %T, want a %s", v, c.Kind)
}

// copyBatch bounds the rows held for one COPY: a count, and bytes for
// the tables of large rows (raw chunks, incident documents).
const (
	copyRows  = 5000
	copyBytes = 32 << 20
)

// RestoreRows implements store.Restorer: one transaction, each table
// written by COPY in batches of bounded size, foreign keys checked (once
// at the end for a superuser, else as COPY goes: tables come after those
// they refer to), identity sequences moved past the restored ids.
func (s *Store) RestoreRows(ctx context.Context, tables []store.DumpTable, src store.RowSource) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("restore: begin: %w", err)
	}
	defer tx.Rollback(context.Background())
	schema, err := dumpSchema(ctx, tx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := checkEmpty(ctx, tx, schema); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Foreign keys are triggers that PostgreSQL runs row by row, one
	// query each. A role that may (a superuser, as pg_restore
	// --disable-triggers does) turns them off for this transaction and
	// checks every foreign key once, by one query each, after the COPYs;
	// other roles keep them. The audit log's guards fire always.
	if _, err := tx.Exec(ctx, restoreTriggersOffSQL); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var unchecked bool
	if err := tx.QueryRow(ctx, `SELECT current_setting('session_replication_role') = 'replica'`).Scan(&unchecked); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	type sequence struct {
		name  string
		value int64
	}
	var seqs []sequence
	for i := range tables {
		t := &tables[i]
		if t.Name == store.IDSequences {
			// Applied after resetIdentities, which would lower them.
			err := src.Rows(ctx, t, func(row []any) error {
				name, v, err := store.SequenceRow(row)
				seqs = append(seqs, sequence{name, v})
				return err
			})
			if err != nil {
				return fmt.Errorf("restore %s: %w", t.Name, err)
			}
			continue
		}
		if err := restoreTable(ctx, tx, t, src); err != nil {
			return fmt.Errorf("restore %s: %w", t.Name, err)
		}
	}
	if unchecked {
		if err := checkForeignKeys(ctx, tx); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := resetIdentities(ctx, tx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, sq := range seqs {
		if sq.value == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'),
			greatest($2::bigint, (SELECT coalesce(max(id), 0) FROM `+pgx.Identifier{sq.name}.Sanitize()+`)))`, sq.name, sq.value); err != nil {
			return fmt.Errorf("restore %s: %s: %w", store.IDSequences, sq.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("restore: commit: %w", err)
	}
	return nil
}

// checkEmpty refuses a store that holds any row, in any table but the
// bookkeeping ones (store.Bookkeeping).
func checkEmpty(ctx context.Context, tx pgx.Tx, schema map[string][]store.SchemaColumn) error {
	var full []string
	for table := range schema {
		if slices.Contains(store.Bookkeeping, table) {
			continue
		}
		var some bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{table}.Sanitize()+`)`).Scan(&some); err != nil {
			return fmt.Errorf("check %s is empty: %w", table, err)
		}
		if some {
			full = append(full, table)
		}
	}
	if len(full) > 0 {
		slices.Sort(full)
		return fmt.Errorf("%w (rows in %s): restore into a new store", store.ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

func restoreTable(ctx context.Context, tx pgx.Tx, t *store.DumpTable, src store.RowSource) error {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	var batch [][]any
	size, done := 0, 0
	// A COPY fails as a whole: its error names the rows it held (the
	// lines of the table's file), and PostgreSQL's message the key.
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, names, pgx.CopyFromRows(batch)); err != nil {
			return fmt.Errorf("rows %d–%d: copy: %w", done+1, done+len(batch), err)
		}
		done += len(batch)
		batch, size = batch[:0], 0
		return nil
	}
	err := src.Rows(ctx, t, func(row []any) error {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("row of %d values, want %d", len(row), len(t.Columns))
		}
		vals := make([]any, len(row))
		for i, c := range t.Columns {
			v, n, err := toPostgres(c, row[i])
			if err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			vals[i] = v
			size += n
		}
		batch = append(batch, vals)
		if len(batch) >= copyRows || size >= copyBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// toPostgres converts a dumped value to what pgx writes into the column,
// and its size in bytes, roughly.
func toPostgres(c store.DumpColumn, v any) (any, int, error) {
	if v == nil {
		if c.Null {
			return nil, 0, nil
		}
		return nil, 0, errors.New("null in a column that does not allow it")
	}
	switch x := v.(type) {
	case string:
		if c.Kind == store.KindDate {
			d, err := time.Parse(time.DateOnly, x)
			if err != nil {
				return nil, 0, fmt.Errorf("date %q: %w", x, err)
			}
			return d, 8, nil
		}
		return x, len(x), nil
	case []byte:
		if c.Kind == store.KindJSON {
			return string(x), len(x), nil
		}
		return x, len(x), nil
	case int64, float64, bool, time.Time:
		return x, 8, nil
	}
	return nil, 0, fmt.Errorf("value of type %T", v)
}

// restoreTriggersOffSQL turns triggers (foreign keys among them) off
// until the end of the transaction when the role is a superuser, and does
// nothing otherwise: the WHERE clause is evaluated before set_config.
const restoreTriggersOffSQL = `SELECT set_config('session_replication_role', 'replica', true)
	WHERE current_setting('is_superuser') = 'on'`

// foreignKeysSQL lists the schema's foreign keys: table, referenced
// table, and their columns in order.
const foreignKeysSQL = `SELECT cl.relname, pl.relname,
	(SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY AS k (n, i)
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n),
	(SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY AS k (n, i)
		JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n)
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_class pl ON pl.oid = con.confrelid
JOIN pg_namespace n ON n.oid = cl.relnamespace
WHERE con.contype = 'f' AND n.nspname = current_schema()
ORDER BY cl.relname, con.conname`

// checkForeignKeys does what the foreign-key triggers would have done
// row by row: it fails when a row refers to one that is not there,
// naming the tables, one query (an anti-join) a foreign key.
func checkForeignKeys(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, foreignKeysSQL)
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	type fk struct {
		table, parent string
		cols, refs    []string
	}
	var fks []fk
	for rows.Next() {
		var f fk
		if err := rows.Scan(&f.table, &f.parent, &f.cols, &f.refs); err != nil {
			rows.Close()
			return fmt.Errorf("foreign keys: %w", err)
		}
		fks = append(fks, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	var bad []string
	for _, f := range fks {
		if len(f.cols) == 0 || len(f.cols) != len(f.refs) {
			return fmt.Errorf("foreign key of %s: %d columns referring to %d", f.table, len(f.cols), len(f.refs))
		}
		var notNull, match []string
		for i, c := range f.cols {
			col, ref := pgx.Identifier{c}.Sanitize(), pgx.Identifier{f.refs[i]}.Sanitize()
			notNull = append(notNull, "c."+col+" IS NOT NULL")
			match = append(match, "p."+ref+" = c."+col)
		}
		var n int64
		q := `SELECT count(*) FROM ` + pgx.Identifier{f.table}.Sanitize() + ` c WHERE ` + strings.Join(notNull, " AND ") +
			` AND NOT EXISTS (SELECT 1 FROM ` + pgx.Identifier{f.parent}.Sanitize() + ` p WHERE ` + strings.Join(match, " AND ") + `)`
		if err := tx.QueryRow(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("foreign key of %s: %w", f.table, err)
		}
		if n > 0 {
			bad = append(bad, fmt.Sprintf("%d rows of %s refer to a missing row of %s (%s)", n, f.table, f.parent, strings.Join(f.cols, ", ")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the dump's rows do not hold together: %s", strings.Join(bad, "; "))
	}
	return nil
}

// resetIdentities moves every identity column's sequence past the
// largest id restored, so that the next row stored gets a new id.
func resetIdentities(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT c.relname, a.attname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attidentity <> ''`)
	if err != nil {
		return fmt.Errorf("identity columns: %w", err)
	}
	type col struct{ table, name string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.name); err != nil {
			rows.Close()
			return fmt.Errorf("identity columns: %w", err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("identity columns: %w", err)
	}
	for _, c := range cols {
		table, name := pgx.Identifier{c.table}.Sanitize(), pgx.Identifier{c.name}.Sanitize()
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(`+name+`) AS m FROM `+table+`) x WHERE m IS NOT NULL`,
			table, c.name); err != nil {
			return fmt.Errorf("identity %s.%s: %w", c.table, c.name, err)
		}
	}
	return nil
}
