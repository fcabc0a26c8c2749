package sqlite

import (
	"context"
	"database/sql"
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
func (s *Store) op(name string) func() { return s.obs.m.Load().StoreOp("sqlite", name) }

// countedTables are the tables whose rows the metrics give. SQLite counts
// a table by walking its smallest index: a few milliseconds per hundred
// thousand rows, which package metrics pays once per generation.
var countedTables = []string{"incidents", "claims", "reports", "articles", "incident_versions", "rejections",
	"feeds", "alerts", "alert_outbox", "import_runs"}

// TableRows counts the rows of the main tables.
func (s *Store) TableRows(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(countedTables))
	for _, t := range countedTables {
		var n int64
		// t is one of countedTables, never from outside.
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// Pools gives the statistics of the writer connection and the reader
// pool.
func (s *Store) Pools() []metrics.Pool {
	return []metrics.Pool{pool("write", s.write.Stats()), pool("read", s.read.Stats())}
}

func pool(name string, st sql.DBStats) metrics.Pool {
	return metrics.Pool{Name: name, Max: st.MaxOpenConnections, InUse: st.InUse, Idle: st.Idle,
		WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
}

// OutboxBacklog counts the alert deliveries pending or given up, by
// channel: the index on the outbox's state finds them without reading
// the delivered ones.
func (s *Store) OutboxBacklog(ctx context.Context) ([]metrics.OutboxCount, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT channel, state, count(*) FROM alert_outbox
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
