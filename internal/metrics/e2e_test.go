package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/metrics"
	vmodel "github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/server"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/csvmap"
	"github.com/vigil-project/vigil/internal/source/feed/poll"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/teststore"
)

// backend is what the test drives: every subsystem's store, and the
// metrics' hooks.
type backend interface {
	ingest.Store
	fuse.Store
	poll.Store
	alert.Store
	alert.Outbox
	server.Store
	metrics.StoreProbe
	SetMetrics(m *metrics.Metrics)
	AddFeed(ctx context.Context, f store.Feed) error
	AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error)
}

var (
	_ backend = (*sqlite.Store)(nil)
	_ backend = (*postgres.Store)(nil)
)

func backends() map[string]func(t *testing.T) backend {
	return teststore.Openers[backend]("vigil_metrics_test")
}

// clock is a test's time, stepped by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rss is the local feed: two items, served with an ETag so that the
// second poll is a 304.
const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>http://example.org/</link>
<item><title>Explosion in Kerman</title><link>http://example.org/1</link><guid>w-1</guid>
<pubDate>Wed, 03 Jan 2024 12:00:00 GMT</pubDate><description>Two explosions near the cemetery in Kerman killed at least 84 people.</description></item>
<item><title>Attack in Shiraz</title><link>http://example.org/2</link><guid>w-2</guid>
<pubDate>Sun, 13 Aug 2023 18:00:00 GMT</pubDate><description>A gunman attacked the Shah Cheragh shrine in Shiraz.</description></item>
</channel></rss>`

// TestEndToEnd runs the subsystems as `vigil serve` runs them on one set
// of metrics — an import with a rejected row, a fusion, polls of a
// working and a broken local feed, an alert check and a webhook
// delivery, HTTP requests — then scrapes /metrics through the server and
// checks that every series moved as the work says.
func TestEndToEnd(t *testing.T) {
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) { testEndToEnd(t, open(t)) })
	}
}

func testEndToEnd(t *testing.T, st backend) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2024, 1, 5, 10, 0, 0, 0, time.UTC)}
	m := metrics.New()
	st.SetMetrics(m)
	if err := m.WatchStore(st); err != nil {
		t.Fatal(err)
	}

	// Two rules on every new incident, delivered to local webhooks: one
	// that takes them, one that is down. Neither has seen anything
	// before the import.
	var hooks atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		hooks.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	for name, path := range map[string]string{"every incident": "/hook", "every incident, down": "/down"} {
		rule, err := alert.NewRule(name, alert.KindIncident, alert.Spec{Webhooks: []string{hook.URL + path}})
		if err != nil {
			t.Fatal(err)
		}
		rule.Created, rule.Checked = clk.Now(), clk.Now()
		if _, err := st.AddAlertRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
	}

	// Import.
	clk.Add(time.Minute)
	importedAt := clk.Now()
	sum, err := ingest.Run(ctx, st, fixture(t), ingest.Options{File: "incidents.csv", Now: clk.Now, Metrics: m, BatchSize: 2})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if sum.New == 0 || sum.Rejected == 0 {
		t.Fatalf("import: %+v, want new rows and a rejected one (the fixture has both)", sum.ImportRun)
	}
	kind, _, _ := strings.Cut(sum.Source, ":")

	// Fusion: the first is a full one; the second finds nothing to do.
	clk.Add(time.Minute)
	fusedAt := clk.Now()
	fsum, err := fuse.Incremental(ctx, st, fuse.RunOptions{At: fusedAt, Metrics: m})
	if err != nil {
		t.Fatalf("fuse: %v", err)
	}
	if !fsum.Full || fsum.Claims != sum.New {
		t.Fatalf("fuse: %+v, want a full run over the %d claims imported", fsum, sum.New)
	}
	if _, err := fuse.Incremental(ctx, st, fuse.RunOptions{At: fusedAt, Metrics: m}); err != nil {
		t.Fatalf("fuse again: %v", err)
	}

	// Feeds: one answers, then says not modified; one fails.
	var feedGets atomic.Int32
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feedGets.Add(1)
		if r.URL.Path == "/broken.xml" {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rss)
	}))
	defer feedSrv.Close()
	for _, f := range []store.Feed{{Name: "wire", URL: feedSrv.URL + "/feed.xml"}, {Name: "broken", URL: feedSrv.URL + "/broken.xml"}} {
		f.Interval, f.AllowPrivate, f.Added = time.Hour, true, clk.Now()
		if err := st.AddFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	p := &poll.Poller{Store: st, Client: fetch.New(fetch.Options{}), Now: clk.Now, Metrics: m}
	clk.Add(time.Minute)
	polledAt := clk.Now()
	var articles int
	for range 2 {
		res, err := p.PollDue(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			articles += r.Counts.New
		}
	}
	if articles != 2 || feedGets.Load() != 4 {
		t.Fatalf("polls stored %d new articles with %d GETs, want 2 with 4", articles, feedGets.Load())
	}

	// Alerts: one check, then delivery to the webhook.
	clk.Add(time.Minute)
	checkedAt := clk.Now()
	e := &alert.Evaluator{Store: st, Metrics: m}
	res, err := e.Check(ctx, checkedAt)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if len(res.Alerts) == 0 {
		t.Fatal("check raised no alert, want one per incident imported")
	}
	clk.Add(30 * time.Second)
	d := &alert.Deliverer{Outbox: st, Webhook: &alert.Webhook{Secret: []byte("s")}, Now: clk.Now, Metrics: m}
	ds, err := d.DeliverOnce(ctx)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if ds.Delivered+ds.Failed != len(res.Alerts) || ds.Delivered != ds.Failed || int(hooks.Load()) != ds.Delivered {
		t.Fatalf("delivered %d (webhook saw %d), failed %d, want half of the %d alerts raised each", ds.Delivered, hooks.Load(), ds.Failed, len(res.Alerts))
	}
	// The failed ones are tried again after their back-off, and fail again.
	clk.Add(3 * time.Hour)
	again, err := d.DeliverOnce(ctx)
	if err != nil {
		t.Fatalf("deliver again: %v", err)
	}
	if again.Failed != ds.Failed {
		t.Fatalf("second delivery: %+v, want the %d failed items failing again", again, ds.Failed)
	}

	// HTTP.
	srv, err := server.New(st, server.Config{Public: true, Metrics: m, NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	var first string
	if err := st.Incidents(ctx, store.Filter{Limit: 1}, func(inc vmodel.Incident) error { first = inc.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/incidents", "/api/incidents?country=IR", "/api/incidents/" + first, "/api/incidents/no-such-incident"} {
		get(t, hs.URL+path)
	}

	fams := scrape(t, hs.URL+"/metrics")
	gen, err := st.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.TableRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"vigil_import_rows_total", map[string]string{"kind": kind, "outcome": "new"}, float64(sum.New)},
		{"vigil_import_rows_total", map[string]string{"kind": kind, "outcome": "rejected"}, float64(sum.Rejected)},
		{"vigil_import_rows_total", map[string]string{"kind": kind, "outcome": "unchanged"}, float64(sum.Unchanged)},
		{"vigil_import_runs_total", map[string]string{"kind": kind, "result": "ok"}, 1},
		{"vigil_import_batch_duration_seconds", map[string]string{"kind": kind}, float64((sum.New + sum.Updated + sum.Unchanged + 1) / 2)},
		{"vigil_import_last_success_timestamp_seconds", map[string]string{"kind": kind}, float64(importedAt.Unix())},

		{"vigil_fuse_runs_total", map[string]string{"mode": "full", "result": "ok"}, 1},
		{"vigil_fuse_runs_total", map[string]string{"mode": "incremental", "result": "ok"}, 1},
		{"vigil_fuse_claims_total", nil, float64(fsum.Claims)},
		{"vigil_fuse_incidents_total", map[string]string{"change": "created"}, float64(fsum.Created)},
		{"vigil_fuse_incidents_total", map[string]string{"change": "changed"}, float64(fsum.Versions - fsum.Created)},
		{"vigil_fuse_incidents_total", map[string]string{"change": "retired"}, float64(fsum.Retired)},
		{"vigil_fuse_duration_seconds", map[string]string{"mode": "full"}, 1},
		{"vigil_fuse_last_success_timestamp_seconds", nil, float64(fusedAt.Unix())},

		{"vigil_feed_polls_total", map[string]string{"feed": "wire", "result": "ok"}, 1},
		{"vigil_feed_polls_total", map[string]string{"feed": "wire", "result": "not_modified"}, 1},
		{"vigil_feed_polls_total", map[string]string{"feed": "broken", "result": "error"}, 2},
		{"vigil_feed_errors_total", map[string]string{"feed": "broken", "kind": "http_5xx"}, 2},
		{"vigil_feed_items_total", map[string]string{"feed": "wire", "state": "new"}, 2},
		{"vigil_feed_items_total", map[string]string{"feed": "wire", "state": "duplicate"}, 0},
		{"vigil_feed_fetch_duration_seconds", map[string]string{"feed": "wire"}, 2},
		{"vigil_feed_last_success_timestamp_seconds", map[string]string{"feed": "wire"}, float64(polledAt.Unix())},

		{"vigil_alert_checks_total", map[string]string{"result": "ok"}, 1},
		{"vigil_alert_rules_evaluated_total", nil, 2},
		{"vigil_alerts_raised_total", map[string]string{"kind": "incident"}, float64(len(res.Alerts))},
		{"vigil_alert_deliveries_total", map[string]string{"channel": "webhook", "outcome": "sent"}, float64(ds.Delivered)},
		{"vigil_alert_deliveries_total", map[string]string{"channel": "webhook", "outcome": "failed"}, float64(ds.Failed + again.Failed)},
		{"vigil_alert_delivery_retries_total", map[string]string{"channel": "webhook"}, float64(again.Failed)},
		{"vigil_alert_delivery_latency_seconds", map[string]string{"channel": "webhook"}, float64(ds.Delivered)},
		{"vigil_alert_last_check_timestamp_seconds", nil, float64(checkedAt.Unix())},
		{"vigil_alert_outbox_items", map[string]string{"channel": "webhook", "state": "pending"}, float64(again.Failed)},
		{"vigil_alert_outbox_items", map[string]string{"channel": "webhook", "state": "dead"}, 0},

		{"vigil_http_requests_total", map[string]string{"route": "GET /api/incidents", "code": "200"}, 2},
		{"vigil_http_requests_total", map[string]string{"route": "GET /api/incidents/{id}", "code": "200"}, 1},
		{"vigil_http_requests_total", map[string]string{"route": "GET /api/incidents/{id}", "code": "404"}, 1},

		{"vigil_store_generation", nil, float64(gen)},
		{"vigil_store_rows", map[string]string{"table": "incidents"}, float64(rows["incidents"])},
		{"vigil_store_rows", map[string]string{"table": "articles"}, 2},
		{"vigil_store_rows", map[string]string{"table": "alerts"}, float64(len(res.Alerts))},
	}
	for _, c := range checks {
		got, ok := value(fams, c.name, c.labels)
		if !ok {
			t.Errorf("%s%v: not in /metrics", c.name, c.labels)
			continue
		}
		if got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Operations of every subsystem were timed in the store.
	for _, op := range []string{"import_write", "fuse_apply", "articles_save", "alerts_save", "outbox_lease", "incidents_list", "incident_get"} {
		if n, _ := value(fams, "vigil_store_operation_duration_seconds", map[string]string{"op": op}); n == 0 {
			t.Errorf("vigil_store_operation_duration_seconds{op=%q}: no observation", op)
		}
	}
	if n, _ := value(fams, "vigil_store_connections_max", nil); n == 0 {
		t.Error("vigil_store_connections_max: no pool with a limit")
	}
	// Routes are patterns: no label carries an id or a raw path.
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if strings.Contains(l.GetValue(), first) || strings.Contains(l.GetValue(), "no-such-incident") {
					t.Errorf("%s: label %s=%q holds an incident id", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// fixture opens testdata/incidents.csv with its mapping.
func fixture(t *testing.T) ingest.Opener {
	mapping, err := os.ReadFile("testdata/incidents.toml")
	if err != nil {
		t.Fatal(err)
	}
	mp, err := csvmap.ParseMapping("incidents.toml", mapping)
	if err != nil {
		t.Fatal(err)
	}
	return func() (source.Reader, io.Closer, error) {
		f, err := os.Open("testdata/incidents.csv")
		if err != nil {
			return nil, nil, err
		}
		r, err := csvmap.NewReader(f, mp, source.Options{Name: "incidents.csv", Fetched: time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return r, f, nil
	}
}

func get(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// scrape reads /metrics with Prometheus's own text parser.
func scrape(t *testing.T, u string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value sums the series of a family whose labels include want: a
// counter's or gauge's value, a histogram's count of observations.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, mt := range f.GetMetric() {
		for k, v := range want {
			if labelOf(mt, k) != v {
				continue next
			}
		}
		found = true
		switch {
		case mt.Counter != nil:
			sum += mt.GetCounter().GetValue()
		case mt.Gauge != nil:
			sum += mt.GetGauge().GetValue()
		case mt.Histogram != nil:
			sum += float64(mt.GetHistogram().GetSampleCount())
		case mt.Untyped != nil:
			sum += mt.GetUntyped().GetValue()
		}
	}
	return sum, found
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
