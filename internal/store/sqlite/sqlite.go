// Package sqlite is vigil's embedded store: one SQLite file, no server,
// through the pure-Go modernc.org/sqlite driver.
//
// It follows PocketBase's setup: write-ahead logging so that readers never
// wait for the writer, a busy timeout instead of immediate "database is
// locked" errors, foreign keys on (except during an import batch, whose
// plan vouches for its references: see WriteBatch), synchronous=NORMAL (durable at each
// checkpoint, safe against corruption), and two connection pools: one
// writer connection, so that writes queue in Go rather than fail in
// SQLite, and a pool of read-only connections.
//
// The schema is the same as store/postgres's, with SQLite's types; the two
// backends are shaped alike file by file so that they can be compared.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/migrate"
	"github.com/vigil-project/vigil/internal/store/internal/plan"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a vigil store in one SQLite file. It is safe for concurrent use.
type Store struct {
	path  string  // the database file
	write *sql.DB // one connection: every write goes through it, in turn
	read  *sql.DB // read-only connections

	// stmts are prepared on write at Open and reused by every batch;
	// the map is not changed after Open.
	stmts map[string]*sql.Stmt
	// raw are the import's driver-level statements (see batchWriter).
	raw rawStmts

	chunks *plan.ChunkCache // decoded raw chunks, for Report
	obs    observer         // where operations are timed (SetMetrics)
}

// querier is what *sql.DB and *sql.Tx share for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Pragmas set on every connection through the DSN, so that a connection
// the pool opens later gets them too.
const (
	commonPragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// The writer begins its transactions IMMEDIATE (taking the write lock
	// at BEGIN, not at the first write, which would fail rather than wait
	// when a reader had started first).
	//
	// Import batches write rows of 1–2 kB and dirty many pages. 16 KiB
	// pages (set before journal_mode, which the driver's _journal_mode
	// key applies after every _pragma, so that a new file gets them)
	// waste less space around such rows than 4 KiB pages and mean fewer
	// log frames: a 200,000-row GTD import went from about 17 s to about
	// 15 s here. A 64 MiB page cache keeps the indexes a batch touches in
	// memory, and a checkpoint every 256 MiB of log (not SQLite's 4 MiB)
	// copies a page that several batches changed once, not once a batch:
	// the indexes keyed by hashed incident ids get most of their pages
	// changed by every batch. 256 MiB rather than 64 MiB took a tenth off
	// the bytes a 200,000-row import writes (2.6 to 2.3 GB) and about half
	// a second; the log file grows that large during an import and goes
	// when the store is closed.
	writePragmas = "_pragma=page_size(16384)&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(16384)" +
		"&_pragma=temp_store(MEMORY)&_journal_mode=WAL&_txlock=immediate"
	readPragmas = "_pragma=cache_size(-16384)&_pragma=query_only(1)"
)

// chunkCache is how many decoded raw chunks a store keeps for Report: a
// few, so that reading the reports of a batch in turn decodes it once.
const chunkCache = 4

// Open opens (creating if needed) the SQLite store in the file at path and
// applies pending migrations. It refuses, with an error wrapping
// store.ErrSchemaTooNew, a file that a newer vigil migrated.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite store: invalid file path %q", path)
	}
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	write, err := sql.Open("sqlite", path+"?"+commonPragmas+"&"+writePragmas)
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if _, err := migrate.Run(ctx, migrationTarget{write}, ms); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	// Indexes that an import deferred and did not live to build (see
	// BeginBulk) are built before anything reads the store.
	if err := buildDeferred(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", path+"?"+commonPragmas+"&"+readPragmas)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	s := &Store{path: path, write: write, read: read, stmts: make(map[string]*sql.Stmt), chunks: plan.NewChunkCache(chunkCache)}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	s.raw.close(ctx, s.write)
	cancel()
	for _, st := range s.stmts {
		st.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// SchemaVersion returns the number of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, s.read)
}

// prepare prepares the statements that writes use on the writer
// connection, once, so that every batch reuses them. It must run while
// no transaction holds the writer: preparing needs the connection.
func (s *Store) prepare(ctx context.Context) error {
	queries := []string{insertChunkSQL, saveCurrentSQL, updateIncidentSQL, supersedeSQL("reports"), supersedeSQL("claims"), saveRejectionSQL}
	for _, t := range []table{reportsTable, incidentsTable, claimsTable, versionsTable} {
		queries = append(queries, t.insertSQL(insertRows))
	}
	for _, q := range queries {
		st, err := s.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %.40q…: %w", q, err)
		}
		s.stmts[q] = st
	}
	return nil
}

// txStmt returns query bound to tx: the statement prepared by prepare
// when there is one, else one prepared in tx for this transaction only.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// The column encodings: dates as 'YYYY-MM-DD' text, times as RFC 3339 in
// UTC to the microsecond, NULL for unknown.

// dateValue returns d as stored: NULL when unknown.
func dateValue(d model.Date) any {
	if d.IsZero() {
		return nil
	}
	return formatDate(d)
}

// formatDate returns d.String() without fmt, which import batches would
// otherwise spend a few percent of their time in.
func formatDate(d model.Date) string {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
		return d.String()
	}
	var b [10]byte
	y, m := d.Year, int(d.Month)
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[5], b[6] = '-', byte('0'+m/10), byte('0'+m%10)
	b[7], b[8], b[9] = '-', byte('0'+d.Day/10), byte('0'+d.Day%10)
	return string(b[:])
}

// formatTime returns t as stored: to the microsecond, like PostgreSQL's
// timestamptz, so that both backends give the same times back.
func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// timeValue returns t as stored: NULL when zero.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// parseTime reads a stored time; NULL or "" is the zero time.
func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t, nil
}

// notFound wraps store.ErrNotFound with what was not found.
func notFound(what, id string) error { return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound) }
