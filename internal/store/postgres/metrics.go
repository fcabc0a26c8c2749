package postgres

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/vigil-project/vigil/internal/metrics"
)

// observer holds the metrics a store reports its operations to; the
// zero value reports nowhere.
type observer struct {
	m atomic.Pointer[metrics.Metrics]
}

// SetMetrics makes the store time its main operations into m
// (vigil_store_operation_duration_seconds); nil stops it.
func (s *Store) SetMetrics(m *metrics.Metrics) { s.obs.m.Store(m) }

// op starts timing one operation; the function returned ends it.
func (s *Store) op(name string) func() { return s.obs.m.Load().StoreOp("postgres", name) }

// countedTables are the tables whose rows the metrics give.
var countedTables = []string{"incidents", "claims", "reports", "articles", "incident_versions", "rejections",
	"feeds", "alerts", "alert_outbox", "import_runs"}

// exactBelow is the planner's estimate under which a table is counted
// exactly: counting a small table costs nothing, and a table never
// analysed yet (estimate -1) is small or new.
const exactBelow = 50000

// TableRows gives the rows of the main tables: the planner's estimate
// (pg_class.reltuples, kept by autovacuum) for big tables, where
// count(*) would read the whole table at every scrape, and an exact
// count for small ones.
func (s *Store) TableRows(ctx context.Context) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname, c.reltuples::bigint FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($1)`, countedTables)
	if err != nil {
		return nil, fmt.Errorf("table rows: %w", err)
	}
	est := map[string]int64{}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("table rows: %w", err)
		}
		est[t] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table rows: %w", err)
	}
	out := make(map[string]int64, len(countedTables))
	for _, t := range countedTables {
		n, ok := est[t]
		if !ok {
			continue
		}
		if n < exactBelow {
			// t is one of countedTables, never from outside.
			if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
				return nil, fmt.Errorf("count %s: %w", t, err)
			}
		}
		out[t] = n
	}
	return out, nil
}

// Pools gives the statistics of the connection pool.
func (s *Store) Pools() []metrics.Pool {
	st := s.pool.Stat()
	return []metrics.Pool{{Name: "pool", Max: int(st.MaxConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		WaitCount: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime()}}
}

// OutboxBacklog counts the alert deliveries pending or given up, by
// channel: the index on the outbox's state finds them without reading
// the delivered ones.
func (s *Store) OutboxBacklog(ctx context.Context) ([]metrics.OutboxCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT channel, state, count(*) FROM alert_outbox
		WHERE state IN ('pending', 'dead') GROUP BY channel, state`)
	if err != nil {
		return nil, fmt.Errorf("outbox backlog: %w", err)
	}
	defer rows.Close()
	var out []metrics.OutboxCount
	for rows.Next() {
		var c metrics.OutboxCount
		if err := rows.Scan(&c.Channel, &c.State, &c.N); err != nil {
			return nil, fmt.Errorf("outbox backlog: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox backlog: %w", err)
	}
	return out, nil
}
