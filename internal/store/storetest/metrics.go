package storetest

import (
	"maps"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// metricsBackend is what the metrics read of a backend and how they are
// handed to it.
type metricsBackend interface {
	metrics.StoreProbe
	SetMetrics(m *metrics.Metrics)
}

// testMetrics checks that a backend times its operations into the
// metrics it is given and that the store series read from it count what
// it holds.
func testMetrics(t *testing.T, b Backend) {
	mb, ok := b.(metricsBackend)
	if !ok {
		t.Fatalf("%T does not give the store metrics (SetMetrics, Generation, TableRows, Pools)", b)
	}
	m := metrics.New()
	mb.SetMetrics(m)
	if err := m.WatchStore(mb); err != nil {
		t.Fatal(err)
	}
	ensure(t, b, GTD)
	recs := []model.Record{Record("gtd", "a", 0, "row a", fetched, nil), Record("gtd", "b", 0, "row b", fetched, nil)}
	pb, err := b.PlanBatch(t.Context(), recs, at1)
	if err != nil {
		t.Fatalf("PlanBatch: %v", err)
	}
	if _, err := b.WriteBatch(t.Context(), pb); err != nil {
		t.Fatalf("WriteBatch: %v", err)
	}
	if _, err := b.Incident(t.Context(), incidentOf("gtd", "a")); err != nil {
		t.Fatalf("Incident: %v", err)
	}
	if _, err := mb.Generation(t.Context()); err != nil {
		t.Fatalf("Generation: %v", err)
	}
	rows, err := mb.TableRows(t.Context())
	if err != nil {
		t.Fatalf("TableRows: %v", err)
	}
	for table, want := range map[string]int64{"incidents": 2, "claims": 2, "reports": 2, "alerts": 0, "import_runs": 0} {
		if got, ok := rows[table]; !ok || got != want {
			t.Errorf("TableRows()[%q] = %d (present %v), want %d", table, got, ok, want)
		}
	}
	pools := mb.Pools()
	if len(pools) == 0 {
		t.Fatal("Pools() gave none")
	}
	for _, p := range pools {
		if p.Name == "" || p.InUse < 0 || p.Idle < 0 || p.Max < 0 {
			t.Errorf("pool %+v: want a name and no negative count", p)
		}
	}
	if open := pools[0].InUse + pools[0].Idle; len(pools) == 1 && open == 0 {
		t.Errorf("pool %+v: no connection open after a write", pools[0])
	}

	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	ops := map[string]uint64{}
	var incidents float64 = -1
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			switch f.GetName() {
			case "vigil_store_operation_duration_seconds":
				ops[label(mt, "op")] += mt.GetHistogram().GetSampleCount()
			case "vigil_store_rows":
				if label(mt, "table") == "incidents" {
					incidents = mt.GetGauge().GetValue()
				}
			}
		}
	}
	for _, op := range []string{"import_plan", "import_write", "incident_get", "generation"} {
		if ops[op] == 0 {
			t.Errorf("vigil_store_operation_duration_seconds{op=%q}: no observation, want one (got %v)", op, ops)
		}
	}
	if incidents != 2 {
		t.Errorf("vigil_store_rows{table=\"incidents\"} = %v, want 2", incidents)
	}
	// The outbox backlog: pending and dead deliveries by channel, not
	// the delivered ones.
	if ab, ok := b.(AlertBackend); ok {
		a := store.Alert{RuleID: 7, RuleName: "r", Kind: "incident", Key: "m1", At: at1, Title: "t", Summary: "s",
			Incidents: []string{"i1"}, Reports: []string{"gtd:1"}}
		ds := []store.Delivery{{Channel: "webhook", Target: "http://x/1", IdemKey: "m1"}, {Channel: "webhook", Target: "http://x/2", IdemKey: "m2"},
			{Channel: "webhook", Target: "http://x/3", IdemKey: "m3"}, {Channel: "email", Target: "a@example.org", IdemKey: "m4"}}
		if _, _, err := saveAlert(t, ab, a, ds); err != nil {
			t.Fatalf("SaveAlerts: %v", err)
		}
		items, err := ab.LeaseOutbox(t.Context(), at2, time.Minute, 10)
		if err != nil || len(items) != 4 {
			t.Fatalf("LeaseOutbox: %d items, %v; want 4", len(items), err)
		}
		for _, it := range items {
			r := store.OutboxResult{State: store.OutboxPending, Failed: true, NextAttempt: at3, Error: "busy"}
			switch it.IdemKey {
			case "m1":
				r = store.OutboxResult{State: store.OutboxDelivered, At: at2}
			case "m2":
				r = store.OutboxResult{State: store.OutboxDead, Failed: true, Error: "gone"}
			}
			if err := ab.FinishOutbox(t.Context(), it.ID, r); err != nil {
				t.Fatalf("FinishOutbox: %v", err)
			}
		}
		backlog, err := mb.OutboxBacklog(t.Context())
		if err != nil {
			t.Fatalf("OutboxBacklog: %v", err)
		}
		got := map[string]int64{}
		for _, c := range backlog {
			got[c.Channel+" "+c.State] += c.N
		}
		want := map[string]int64{"webhook pending": 1, "webhook dead": 1, "email pending": 1}
		if !maps.Equal(got, want) {
			t.Errorf("OutboxBacklog() = %v, want %v", got, want)
		}
	} else {
		t.Errorf("%T does not have the alert methods", b)
	}

	// Taken away, the metrics see no more operations.
	mb.SetMetrics(nil)
	before := ops["incident_get"]
	if _, err := b.Incident(t.Context(), incidentOf("gtd", "a")); err != nil {
		t.Fatalf("Incident: %v", err)
	}
	fams, _ = m.Registry().Gather()
	for _, f := range fams {
		if f.GetName() != "vigil_store_operation_duration_seconds" {
			continue
		}
		for _, mt := range f.GetMetric() {
			if label(mt, "op") == "incident_get" && mt.GetHistogram().GetSampleCount() != before {
				t.Errorf("incident_get observed after SetMetrics(nil): %d, want %d", mt.GetHistogram().GetSampleCount(), before)
			}
		}
	}
}

// label is the value of a series' label.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
