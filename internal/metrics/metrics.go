// Package metrics holds vigil's Prometheus series: one Metrics value made
// at start-up, handed down to the parts that do the work (ingest, fuse,
// the feed poller, the alert evaluator and deliverer, the stores, the
// server, the queue worker's handlers), which report to it; the server
// exposes its registry at /metrics, other long-running commands with
// --metrics-addr. It imports nothing of vigil, so that every package below the
// server can report without the arrows of the layout pointing up.
//
// Every method is safe on a nil *Metrics and does nothing there: a CLI
// one-shot or a test that does not care passes nil.
//
// Labels are bounded: source kinds, rule kinds, channels, routes and
// operation names come from the code; feed names and source names come
// from users, so each label of theirs keeps at most maxLabelValues
// distinct values and folds the rest into "_other". No label ever holds
// an incident id or free text. docs/METRICS.md documents every series.
package metrics

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// maxLabelValues is how many distinct user-given values (feed names,
// import source kinds) one label keeps before folding the rest into
// OtherLabel: enough for any real list of subscriptions, few enough that
// a mistaken script adding feeds in a loop cannot blow up Prometheus.
const maxLabelValues = 200

// OtherLabel is the value a bounded label takes once it is full.
const OtherLabel = "_other"

// Metrics is the set of vigil's series on one registry.
type Metrics struct {
	reg *prometheus.Registry

	// HTTP are the server's series, used by package server directly.
	HTTP HTTP

	importRows    *prometheus.CounterVec
	importRuns    *prometheus.CounterVec
	importBatch   *prometheus.HistogramVec
	importSuccess *prometheus.GaugeVec
	importKinds   *bounded

	fuseRuns      *prometheus.CounterVec
	fuseClaims    prometheus.Counter
	fuseIncidents *prometheus.CounterVec
	fuseDuration  *prometheus.HistogramVec
	fuseLast      *prometheus.GaugeVec // no labels: absent until a run succeeds

	feedPolls   *prometheus.CounterVec
	feedErrors  *prometheus.CounterVec
	feedItems   *prometheus.CounterVec
	feedSuccess *prometheus.GaugeVec
	feedFetch   *prometheus.HistogramVec
	feedNames   *bounded

	alertChecks     *prometheus.CounterVec
	alertRules      prometheus.Counter
	alertRaised     *prometheus.CounterVec
	alertDeliveries *prometheus.CounterVec
	alertRetries    *prometheus.CounterVec
	alertLatency    *prometheus.HistogramVec
	alertCheckLast  *prometheus.GaugeVec // no labels: absent until a check succeeds

	storeOps *prometheus.HistogramVec

	workerJobs     *prometheus.CounterVec
	workerDuration *prometheus.HistogramVec
	workerKinds    *bounded

	// own lists what New registered, for Series.
	own []prometheus.Collector
}

// HTTP are the server's series; package server counts into them.
type HTTP struct {
	// Requests counts requests by route pattern (never the raw path) and
	// status code.
	Requests *prometheus.CounterVec
	// Duration is the time to answer, by route pattern.
	Duration *prometheus.HistogramVec
	// CacheHits counts JSON answers served from the response cache.
	CacheHits prometheus.Counter
	// NotModified counts 304 answers.
	NotModified prometheus.Counter
	// SnapshotHits counts aggregates computed from the in-memory snapshot.
	SnapshotHits prometheus.Counter
}

// durationBuckets suit work from a millisecond (a store read) to minutes
// (a full fusion of a big store).
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 180, 600}

// New returns vigil's series on a fresh registry, with the Go runtime's
// and the process's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), importKinds: newBounded(), feedNames: newBounded(), workerKinds: newBounded()}
	m.HTTP = HTTP{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vigil_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
		CacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_http_cache_hits_total", Help: "JSON answers served from the response cache.",
		}),
		NotModified: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_http_not_modified_total", Help: "Requests answered 304 Not Modified from their ETag.",
		}),
		SnapshotHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_aggregate_snapshot_hits_total", Help: "Aggregates computed from the in-memory snapshot rather than the store.",
		}),
	}

	m.importRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_import_rows_total",
		Help: "Dataset rows imported, by source kind and outcome (new, updated, unchanged, rejected, skipped).",
	}, []string{"kind", "outcome"})
	m.importRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_import_runs_total", Help: "Imports of one file, by source kind and result (ok, failed).",
	}, []string{"kind", "result"})
	m.importBatch = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_import_batch_duration_seconds", Help: "Time to write one import batch (one transaction), by source kind.",
		Buckets: durationBuckets,
	}, []string{"kind"})
	m.importSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_import_last_success_timestamp_seconds", Help: "When an import of the source kind last finished without error (Unix time).",
	}, []string{"kind"})

	m.fuseRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_fuse_runs_total", Help: "Fusion runs, by mode (incremental, full) and result (ok, failed).",
	}, []string{"mode", "result"})
	m.fuseClaims = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vigil_fuse_claims_total", Help: "Claims fused.",
	})
	m.fuseIncidents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_fuse_incidents_total", Help: "Incidents written by fusion, by change (created, changed, retired).",
	}, []string{"change"})
	m.fuseDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_fuse_duration_seconds", Help: "Time of one fusion run, by mode.", Buckets: durationBuckets,
	}, []string{"mode"})
	// The last-success times are vectors without labels so that a process
	// that never fuses or checks exports no time at all rather than 0,
	// which an alert on its age would read as "fifty years ago".
	m.fuseLast = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_fuse_last_success_timestamp_seconds", Help: "When a fusion run last finished without error (Unix time).",
	}, nil)

	m.feedPolls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_feed_polls_total", Help: "Polls of a feed, by feed name and result (ok, not_modified, error).",
	}, []string{"feed", "result"})
	m.feedErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_feed_errors_total", Help: "Failed polls of a feed, by feed name and kind of error.",
	}, []string{"feed", "kind"})
	m.feedItems = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_feed_items_total", Help: "Items read from a feed, by feed name and state (new, updated, duplicate).",
	}, []string{"feed", "state"})
	m.feedSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_feed_last_success_timestamp_seconds", Help: "When a poll of the feed last succeeded (Unix time).",
	}, []string{"feed"})
	m.feedFetch = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_feed_fetch_duration_seconds", Help: "Time for the feed's server to answer (the GET, body included), by feed name.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"feed"})

	m.alertChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_alert_checks_total", Help: "Evaluations of every alert rule, by result (ok, failed).",
	}, []string{"result"})
	m.alertRules = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vigil_alert_rules_evaluated_total", Help: "Alert rules evaluated (a check of five rules counts five).",
	})
	m.alertRaised = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_alerts_raised_total", Help: "New alerts raised, by rule kind.",
	}, []string{"kind"})
	m.alertDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_alert_deliveries_total",
		Help: "Delivery attempts of alerts, by channel (webhook, email) and outcome (sent, failed: to be retried, dead: given up, deferred: grouped e-mail).",
	}, []string{"channel", "outcome"})
	m.alertRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_alert_delivery_retries_total", Help: "Delivery attempts of items that had failed before, by channel.",
	}, []string{"channel"})
	m.alertLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_alert_delivery_latency_seconds", Help: "Time from an alert being raised to its delivery, by channel.",
		Buckets: []float64{.1, .5, 1, 5, 15, 30, 60, 300, 900, 3600, 4 * 3600, 86400},
	}, []string{"channel"})
	m.alertCheckLast = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_alert_last_check_timestamp_seconds", Help: "The time the alert rules were last evaluated at without error (Unix time).",
	}, nil)

	m.storeOps = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_store_operation_duration_seconds", Help: "Time of store operations, by backend (sqlite, postgres) and operation.",
		Buckets: durationBuckets,
	}, []string{"backend", "op"})

	m.workerJobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_worker_jobs_total", Help: "Queue messages a worker handled, by kind of work and result (ok, failed: retried or dead-lettered).",
	}, []string{"kind", "result"})
	m.workerDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_worker_job_duration_seconds", Help: "Time a worker took over one queue message, by kind of work.",
		Buckets: durationBuckets,
	}, []string{"kind"})

	m.own = []prometheus.Collector{
		m.HTTP.Requests, m.HTTP.Duration, m.HTTP.CacheHits, m.HTTP.NotModified, m.HTTP.SnapshotHits,
		m.importRows, m.importRuns, m.importBatch, m.importSuccess,
		m.fuseRuns, m.fuseClaims, m.fuseIncidents, m.fuseDuration, m.fuseLast,
		m.feedPolls, m.feedErrors, m.feedItems, m.feedSuccess, m.feedFetch,
		m.alertChecks, m.alertRules, m.alertRaised, m.alertDeliveries, m.alertRetries, m.alertLatency, m.alertCheckLast,
		m.storeOps, storeDescs{}, m.workerJobs, m.workerDuration,
	}
	m.reg.MustRegister(m.own...)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the series are; /metrics serves it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// descParts reads a Desc's name and variable labels out of its String:
// client_golang keeps both unexported, and this is only for Series,
// which the documentation test reads.
var descParts = regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)

// Series is one of vigil's series as registered: its name and labels.
type Series struct {
	Name   string
	Labels []string
}

// Series lists vigil's own series (not the Go runtime's) sorted by name:
// what docs/METRICS.md must document.
func (m *Metrics) Series() []Series {
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range m.own {
			c.Describe(ch)
		}
		close(ch)
	}()
	var out []Series
	for d := range ch {
		sm := descParts.FindStringSubmatch(d.String())
		if sm == nil {
			continue
		}
		s := Series{Name: sm[1]}
		if sm[2] != "" {
			s.Labels = strings.Split(sm[2], ",")
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// bounded hands out a user-given label value while fewer than
// maxLabelValues are known, and OtherLabel after.
type bounded struct {
	mu   sync.Mutex
	seen map[string]bool
}

func newBounded() *bounded { return &bounded{seen: map[string]bool{}} }

func (b *bounded) value(v string) string {
	if v == "" {
		v = "_none"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[v] {
		return v
	}
	if len(b.seen) >= maxLabelValues {
		return OtherLabel
	}
	b.seen[v] = true
	return v
}

// sourceKind turns a source name into its kind: "csv:demo" is "csv",
// "gtd" stays "gtd".
func sourceKind(source string) string {
	k, _, _ := strings.Cut(source, ":")
	return k
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func result(err error) string {
	if err != nil {
		return "failed"
	}
	return "ok"
}
