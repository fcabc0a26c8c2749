// Package postgres is vigil's server store: PostgreSQL through pgx v5 and
// its connection pool, for teams and servers.
//
// The schema is the same as store/sqlite's, with PostgreSQL's native types
// (date, timestamptz, jsonb, bytea); the two backends are shaped alike
// file by file so that they can be compared. Import batches are written
// with COPY and serialized among vigil processes by a transaction-level
// advisory lock, so that two importers never plan against each other's
// half-written batches.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/migrate"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// Store is a vigil store in a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	chunks *plan.ChunkCache // decoded raw chunks, for Report
	obs    observer         // where operations are timed (SetMetrics)
	fuse   fuseConns        // fusion's connections (fuse.go)
}

// chunkCache is how many decoded raw chunks a store keeps for Report: a
// few, so that reading the reports of a batch in turn decodes it once.
const chunkCache = 4

// querier is what *pgxpool.Pool and pgx.Tx share for reading.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Advisory lock keys (pg_advisory_xact_lock), arbitrary but fixed: one
// for schema migrations, one for import batches, one for audit appends.
const (
	migrateLock int64 = 0x76696769_6c000001 // "vigil" 1
	importLock  int64 = 0x76696769_6c000002 // "vigil" 2
	auditLock   int64 = 0x76696769_6c000003 // "vigil" 3
)

// Open connects to the database that the postgres:// URL dsn names and
// applies pending migrations. It refuses, with an error wrapping
// store.ErrSchemaTooNew, a database that a newer vigil migrated.
func Open(ctx context.Context, dsn string) (*Store, error) {
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error can quote the URL, password included.
		return nil, errors.New("postgres store: invalid connection URL")
	}
	// pgx prepares and caches every statement; after five runs PostgreSQL
	// may switch such a statement to a generic plan, which for the import
	// lookup (source_ref = ANY($2)) was twenty times slower than the plan
	// made for the actual values. vigil's queries are few and their
	// parameters matter, so always plan for the values.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if _, err := migrate.Run(ctx, migrationTarget{pool}, ms); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	// Indexes that an import deferred and did not live to build (see
	// BeginBulk) are built before anything reads the store; a role that
	// may not build them (not the tables' owner) leaves them to one that
	// may, and reads correctly meanwhile, only slower.
	if err := buildDeferred(ctx, pool); err != nil && !isPrivilege(err) {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	return &Store{pool: pool, chunks: plan.NewChunkCache(chunkCache)}, nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	s.fuse.close()
	s.pool.Close()
	return nil
}

// SchemaVersion returns the number of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, s.pool)
}

// The column encodings: dates as date, times as timestamptz, NULL for
// unknown.

// dateValue returns d as stored: NULL when unknown.
func dateValue(d model.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.Time()
}

// timeValue returns t as stored: NULL when zero.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// parseTime reads a stored time: NULL is the zero time. Times come back
// in UTC, as the SQLite store gives them.
func parseTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// notFound wraps store.ErrNotFound with what was not found.
func notFound(what, id string) error { return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound) }
