package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Pool is one connection pool of a store as it is at a scrape.
type Pool struct {
	Name         string // "read", "write" (SQLite) or "pool" (PostgreSQL)
	Max          int    // most connections it opens; 0 for no limit
	InUse, Idle  int
	WaitCount    int64         // connections waited for, in all
	WaitDuration time.Duration // time spent waiting, in all
}

// StoreProbe is what the store series read from a store at each scrape.
// Both backends implement it.
type StoreProbe interface {
	// Generation is the number that moves on every stored change.
	Generation(ctx context.Context) (int64, error)
	// TableRows counts the rows of the main tables (an estimate where
	// counting is dear, as PostgreSQL's planner statistics).
	TableRows(ctx context.Context) (map[string]int64, error)
	// Pools gives the connection pools' statistics; it does no I/O.
	Pools() []Pool
	// OutboxBacklog counts the alert deliveries not done, by channel and
	// state (pending, dead): read at every scrape, so it must be cheap
	// (the outbox's index on state).
	OutboxBacklog(ctx context.Context) ([]OutboxCount, error)
}

// OutboxCount is how many alert deliveries of a channel are in a state.
type OutboxCount struct {
	Channel, State string
	N              int64
}

// rowsTTL is how long table counts are kept when the generation has not
// moved: tables that do not move it (alerts, feeds) are recounted this
// often, and a Prometheus scraping every 15 s costs one count a minute.
const rowsTTL = time.Minute

// The store series, described once for the registry; their values come
// from the watched store at each scrape.
var (
	descGeneration = prometheus.NewDesc("vigil_store_generation",
		"The store's generation: a number that moves on every stored change.", nil, nil)
	descRows = prometheus.NewDesc("vigil_store_rows",
		"Rows of the store's main tables (PostgreSQL: the planner's estimate), by table.", []string{"table"}, nil)
	descConns = prometheus.NewDesc("vigil_store_connections",
		"Open connections of the store's pools, by pool and state (in_use, idle).", []string{"pool", "state"}, nil)
	descConnsMax = prometheus.NewDesc("vigil_store_connections_max",
		"Most connections a pool of the store opens (0: no limit).", []string{"pool"}, nil)
	descWaits = prometheus.NewDesc("vigil_store_connection_waits_total",
		"Times a caller waited for a free connection of the pool.", []string{"pool"}, nil)
	descWaitSeconds = prometheus.NewDesc("vigil_store_connection_wait_seconds_total",
		"Time callers spent waiting for a free connection of the pool.", []string{"pool"}, nil)
	descOutbox = prometheus.NewDesc("vigil_alert_outbox_items",
		"Alert deliveries waiting (pending) or given up (dead) in the store's outbox, by channel and state.", []string{"channel", "state"}, nil)
	descProbeErrors = prometheus.NewDesc("vigil_store_probe_errors_total",
		"Scrapes at which the store could not be read for its generation or row counts.", nil, nil)
)

// storeDescs describes the store series whether or not a store is
// watched, so that the registry knows every name (and Names lists them).
type storeDescs struct{}

func (storeDescs) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descGeneration, descRows, descConns, descConnsMax, descWaits, descWaitSeconds, descOutbox, descProbeErrors} {
		ch <- d
	}
}

func (storeDescs) Collect(chan<- prometheus.Metric) {}

// storeCollector reads a store's series at each scrape.
type storeCollector struct {
	p StoreProbe

	mu       sync.Mutex
	gen      int64
	rows     map[string]int64
	counted  time.Time
	failures int
}

// WatchStore makes every scrape read the store's generation, table rows,
// pools and alert outbox backlog. Only one store is watched per Metrics.
func (m *Metrics) WatchStore(p StoreProbe) error {
	if m == nil {
		return nil
	}
	if err := m.reg.Register(&storeCollector{p: p}); err != nil {
		return fmt.Errorf("metrics: watch store: %w", err)
	}
	return nil
}

// Describe sends nothing: the series are described by storeDescs, and an
// unchecked collector may then give them.
func (c *storeCollector) Describe(chan<- *prometheus.Desc) {}

// Collect reads the store. A scrape must not hang on a busy database:
// the reads get a few seconds, then the last counts are given again.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	gen, err := c.p.Generation(ctx)
	if err == nil {
		if gen != c.gen || c.rows == nil || time.Since(c.counted) > rowsTTL {
			rows, rerr := c.p.TableRows(ctx)
			if rerr == nil {
				c.rows, c.counted, c.gen = rows, time.Now(), gen
			}
			err = rerr
		}
	}
	backlog := map[[2]string]int64{}
	for _, ch := range []string{"webhook", "email"} {
		for _, st := range []string{"pending", "dead"} {
			backlog[[2]string{ch, st}] = 0
		}
	}
	counts, oerr := c.p.OutboxBacklog(ctx)
	for _, oc := range counts {
		ch := oc.Channel
		if ch != "webhook" && ch != "email" {
			ch = OtherLabel
		}
		backlog[[2]string{ch, oc.State}] += oc.N
	}
	if err == nil {
		err = oerr
	}
	if err != nil {
		c.failures++
	}
	if oerr == nil {
		for k, n := range backlog {
			ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(n), k[0], k[1])
		}
	}
	ch <- prometheus.MustNewConstMetric(descProbeErrors, prometheus.CounterValue, float64(c.failures))
	if c.rows != nil {
		ch <- prometheus.MustNewConstMetric(descGeneration, prometheus.GaugeValue, float64(c.gen))
		for t, n := range c.rows {
			ch <- prometheus.MustNewConstMetric(descRows, prometheus.GaugeValue, float64(n), t)
		}
	}
	for _, p := range c.p.Pools() {
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(p.InUse), p.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(p.Idle), p.Name, "idle")
		ch <- prometheus.MustNewConstMetric(descConnsMax, prometheus.GaugeValue, float64(p.Max), p.Name)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(p.WaitCount), p.Name)
		ch <- prometheus.MustNewConstMetric(descWaitSeconds, prometheus.CounterValue, p.WaitDuration.Seconds(), p.Name)
	}
}
