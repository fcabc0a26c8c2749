// Command importfloor measures the floor under `vigil import`'s SQLite
// writer: it writes exactly the rows a finished import wrote (raw chunks,
// reports, claims, incidents, versions, copied from a store that vigil
// imported), batch by batch as an import does, into a fresh store, with no
// reading, parsing or planning at all. What it takes is what the writer
// alone must take, whatever the rest of the import does; flags switch the
// writing techniques on and off so that each is measured on its own:
//
//	go run ./bench/importfloor -from imported.db -to /tmp/floor.db [-mode sql|raw] [-sort] [-rows 64]
//
// It prints the wall time and CPU seconds of the load and of the index
// builds at its end.
package main

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/vigil-project/vigil/internal/store/sqlite"
)

func main() {
	var o options
	flag.StringVar(&o.from, "from", "", "a store that `vigil import --no-fuse` filled")
	flag.StringVar(&o.to, "to", "/tmp/importfloor.db", "the fresh store to write (removed first)")
	flag.StringVar(&o.mode, "mode", "sql", "sql: database/sql prepared statements; raw: the driver's statements through Conn.Raw")
	flag.BoolVar(&o.sort, "sort", false, "insert each batch's rows in primary-key order")
	flag.IntVar(&o.rows, "rows", 64, "rows per INSERT statement")
	flag.IntVar(&o.batch, "batch", 5000, "records per transaction")
	flag.StringVar(&o.tables, "tables", "incidents,incident_versions,reports,claims", "tables to write (raw_chunks always)")
	flag.StringVar(&o.pragmas, "pragmas", "", "extra pragmas for the writer, as in a DSN (&_pragma=…)")
	flag.BoolVar(&o.nodoc, "nodoc", false, "write an empty incident document (what the doc costs)")
	flag.StringVar(&o.worowid, "worowid", "", "tables to make WITHOUT ROWID before the load (comma-separated)")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "importfloor:", err)
		os.Exit(1)
	}
}

type options struct {
	from, to, mode, tables, pragmas string
	worowid                         string
	sort, nodoc                     bool
	rows, batch                     int
}

// table is one table's columns and rows, in the source store's rowid order
// (the order the import wrote them).
type table struct {
	name string
	cols []string
	key  []int // columns of the primary key, for -sort
	rows [][]driver.Value
}

var tables = []table{
	{name: "incidents", cols: []string{"id", "version", "status", "start_date", "end_date", "country",
		"admin1", "attack_type", "killed_best", "perpetrator", "actors", "doc", "first_seen", "updated"}, key: []int{0}},
	{name: "incident_versions", cols: []string{"incident_id", "version", "at", "author", "reason", "doc"}, key: []int{0, 1}},
	{name: "reports", cols: []string{"id", "source", "source_ref", "revision", "hash",
		"raw_chunk", "raw_offset", "raw_length", "origin", "fetched", "published", "superseded_by"}, key: []int{0}},
	{name: "claims", cols: []string{"id", "report_id", "incident_id", "superseded_by", "source",
		"start_date", "end_date", "country", "admin1", "lat", "lon", "attack_type", "doc_offset", "doc_length"}, key: []int{0}},
}

func run(ctx context.Context, o options) error {
	src, err := sql.Open("sqlite", o.from+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer src.Close()
	var chunks [][]driver.Value
	if chunks, err = load(ctx, src, "raw_chunks", []string{"codec", "data"}); err != nil {
		return err
	}
	var use []table
	for _, t := range tables {
		if !strings.Contains(","+o.tables+",", ","+t.name+",") {
			continue
		}
		if t.rows, err = load(ctx, src, t.name, t.cols); err != nil {
			return err
		}
		if o.nodoc && t.name == "incidents" {
			for _, r := range t.rows {
				r[11] = "{}"
			}
		}
		use = append(use, t)
	}

	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(o.to + suf)
	}
	st, err := sqlite.Open(ctx, o.to)
	if err != nil {
		return err
	}
	if _, err := st.BeginBulk(ctx); err != nil {
		return err
	}
	st.Close()

	if o.worowid != "" {
		if err := withoutRowid(ctx, o.to, strings.Split(o.worowid, ",")); err != nil {
			return err
		}
	}
	db, err := sql.Open("sqlite", o.to+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"+
		"&_pragma=page_size(16384)&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(16384)"+
		"&_pragma=temp_store(MEMORY)&_journal_mode=WAL&_txlock=immediate"+o.pragmas)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	w := &writer{conn: conn, mode: o.mode, rows: o.rows, stmts: map[string]*sql.Stmt{}, raw: map[string]driver.Stmt{}}

	t0, c0 := time.Now(), cpu()
	nrec := len(use[0].rows)
	for start, b := 0, 0; start < nrec; start, b = start+o.batch, b+1 {
		end := min(start+o.batch, nrec)
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return err
		}
		if b < len(chunks) {
			if err := w.insert(ctx, "raw_chunks", []string{"codec", "data"}, chunks[b:b+1]); err != nil {
				return err
			}
		}
		for _, t := range use {
			rows := t.rows[start:min(end, len(t.rows))]
			if o.sort {
				rows = slices.Clone(rows)
				slices.SortFunc(rows, func(a, b []driver.Value) int {
					for _, k := range t.key {
						if c := compare(a[k], b[k]); c != 0 {
							return c
						}
					}
					return 0
				})
			}
			if err := w.insert(ctx, t.name, t.cols, rows); err != nil {
				return err
			}
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return err
		}
	}
	w.close()
	conn.Close()
	db.Close()
	t1, c1 := time.Now(), cpu()
	st, err = sqlite.Open(ctx, o.to) // builds the deferred indexes
	if err != nil {
		return err
	}
	st.Close()
	t2, c2 := time.Now(), cpu()
	fi, _ := os.Stat(o.to)
	fmt.Printf("mode=%s sort=%v rows=%d batch=%d tables=%s nodoc=%v pragmas=%q worowid=%q\n", o.mode, o.sort, o.rows, o.batch, o.tables, o.nodoc, o.pragmas, o.worowid)
	fmt.Printf("load %.2f s wall %.2f s cpu; indexes %.2f s wall %.2f s cpu; total %.2f s wall %.2f s cpu; file %.0f MB\n",
		t1.Sub(t0).Seconds(), c1-c0, t2.Sub(t1).Seconds(), c2-c1, t2.Sub(t0).Seconds(), c2-c0, float64(fi.Size())/1e6)
	return nil
}

func compare(a, b driver.Value) int {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case int64:
		y, _ := b.(int64)
		return cmp.Compare(x, y)
	}
	return 0
}

// load reads a table's columns in rowid order.
func load(ctx context.Context, db *sql.DB, name string, cols []string) ([][]driver.Value, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+name+" ORDER BY rowid")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	defer rows.Close()
	var out [][]driver.Value
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		r := make([]driver.Value, len(cols))
		for i, v := range vals {
			r[i] = v
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// writer inserts rows with multi-row INSERTs, through database/sql or the
// driver's own statements.
type writer struct {
	conn  *sql.Conn
	mode  string
	rows  int
	stmts map[string]*sql.Stmt
	raw   map[string]driver.Stmt
}

func insertSQL(name string, cols []string, n int) string {
	row := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	return "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES " + row + strings.Repeat(", "+row, n-1)
}

func (w *writer) insert(ctx context.Context, name string, cols []string, rows [][]driver.Value) error {
	args := make([]any, 0, w.rows*len(cols))
	named := make([]driver.NamedValue, 0, w.rows*len(cols))
	for start := 0; start < len(rows); start += w.rows {
		part := rows[start:min(start+w.rows, len(rows))]
		q := insertSQL(name, cols, len(part))
		switch w.mode {
		case "raw":
			named = named[:0]
			for _, r := range part {
				for _, v := range r {
					named = append(named, driver.NamedValue{Ordinal: len(named) + 1, Value: v})
				}
			}
			err := w.conn.Raw(func(dc any) error {
				st, ok := w.raw[q]
				if !ok {
					var err error
					st, err = dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
					if err != nil {
						return err
					}
					w.raw[q] = st
				}
				_, err := st.(driver.StmtExecContext).ExecContext(ctx, named)
				return err
			})
			if err != nil {
				return fmt.Errorf("insert %s: %w", name, err)
			}
		default:
			args = args[:0]
			for _, r := range part {
				for _, v := range r {
					args = append(args, v)
				}
			}
			st, ok := w.stmts[q]
			if !ok {
				var err error
				if st, err = w.conn.PrepareContext(ctx, q); err != nil {
					return err
				}
				w.stmts[q] = st
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("insert %s: %w", name, err)
			}
		}
	}
	return nil
}

func (w *writer) close() {
	for _, st := range w.stmts {
		st.Close()
	}
	w.conn.Raw(func(any) error {
		for _, st := range w.raw {
			st.Close()
		}
		return nil
	})
}

// cpu returns the process's user + system CPU seconds so far.
func cpu() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// withoutRowid remakes empty tables of the fresh store as WITHOUT ROWID
// tables, with their indexes and triggers, to measure what a migration
// doing so would save.
func withoutRowid(ctx context.Context, path string, names []string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, name := range names {
		rows, err := db.QueryContext(ctx, `SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'table' DESC`, name)
		if err != nil {
			return err
		}
		var ddl []string
		for rows.Next() {
			var typ, q string
			if err := rows.Scan(&typ, &q); err != nil {
				rows.Close()
				return err
			}
			if typ == "table" {
				q += " WITHOUT ROWID"
			}
			ddl = append(ddl, q)
		}
		rows.Close()
		if _, err := db.ExecContext(ctx, "DROP TABLE "+name); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
		for _, q := range ddl {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
	}
	return nil
}
