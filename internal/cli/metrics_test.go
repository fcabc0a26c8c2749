package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/queue"
)

// TestDeliverMetrics runs `vigil alerts deliver --loop --metrics-addr`
// on both stores and reads its /metrics: the deliveries made and the
// store it delivers from.
func TestDeliverMetrics(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) { testDeliverMetrics(t, db) })
	}
}

func testDeliverMetrics(t *testing.T, db string) {
	const n = 4
	seedSynthetic(t, db, n)
	secret := "metrics-test-secret-16+"
	hook := &hookRecorder{t: t, secret: []byte(secret)}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	mustVigil(t, db, "alerts", "rules", "add", "incident", "--name", "all", "--since", "2025-12-31", "--recent", "0", "--webhook", srv.URL)
	if out := mustVigil(t, db, "alerts", "check", "--at", "2026-01-02T00:00:00Z"); !strings.Contains(out, fmt.Sprintf(": %d new alerts", n)) {
		t.Fatalf("check got %q, want %d new alerts", out, n)
	}

	deliver := startVigil(t, Env{Now: time.Now, Getenv: func(k string) string {
		return map[string]string{"VIGIL_DB": db, "VIGIL_WEBHOOK_SECRET": secret}[k]
	}}, "alerts", "deliver", "--loop", "--poll", "50ms", "--metrics-addr", "127.0.0.1:0")
	body := waitMetrics(t, deliver.address(t, &deliver.errb, metricsAt), fmt.Sprintf(`vigil_alert_deliveries_total{channel="webhook",outcome="sent"} %d`, n),
		fmt.Sprintf(`vigil_alert_delivery_latency_seconds_count{channel="webhook"} %d`, n),
		fmt.Sprintf(`vigil_store_rows{table="alerts"} %d`, n))
	if !strings.Contains(body, `op="outbox_lease"`) {
		t.Errorf("/metrics: no outbox_lease operation timed")
	}
	if err := deliver.stop(t, time.Minute); err != nil {
		t.Errorf("deliver --loop after cancel: %v", err)
	}
	if _, distinct, _ := hook.received(); len(distinct) != n {
		t.Errorf("webhook received %d alerts, want %d", len(distinct), n)
	}
}

// TestCheckLoopMetrics runs `vigil alerts check --loop --metrics-addr`
// and reads its /metrics: the rules evaluated and the alerts raised.
func TestCheckLoopMetrics(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	const n = 3
	seedSynthetic(t, db, n)
	mustVigil(t, db, "alerts", "rules", "add", "incident", "--name", "all", "--since", "2025-12-31", "--recent", "0")
	if _, _, err := vigil(t, db, "alerts", "check", "--loop", "--at", "2026-01-02"); ExitCode(err) != 2 {
		t.Errorf("check --loop --at: %v, want a usage error", err)
	}

	check := startVigil(t, Env{Now: time.Now, Getenv: func(k string) string { return map[string]string{"VIGIL_DB": db}[k] }},
		"alerts", "check", "--loop", "--every", "1s", "--metrics-addr", "127.0.0.1:0")
	// Two rounds: the first raises the alerts, the second none again.
	body := waitMetrics(t, check.address(t, &check.errb, metricsAt), fmt.Sprintf(`vigil_alerts_raised_total{kind="incident"} %d`, n),
		`vigil_alert_checks_total{result="ok"} 2`, `vigil_alert_rules_evaluated_total 2`,
		fmt.Sprintf(`vigil_alert_outbox_items{channel="webhook",state="pending"} %d`, 0))
	if !strings.Contains(body, "vigil_alert_last_check_timestamp_seconds ") {
		t.Error("/metrics: no last check time")
	}
	if err := check.stop(t, time.Minute); err != nil {
		t.Errorf("check --loop after cancel: %v", err)
	}
	out := check.out.String()
	if got := strings.Count(out, "rules evaluated"); got < 2 {
		t.Errorf("check --loop printed %d rounds, want 2 or more:\n%s", got, out)
	}
	if !strings.Contains(out, fmt.Sprintf(": %d new alerts", n)) {
		t.Errorf("check --loop output %q, want a round with %d new alerts", out, n)
	}
}

// TestWorkerTimed: with metrics, each message a worker handles is
// counted by kind and result and timed; without, the handler is left as
// it is.
func TestWorkerTimed(t *testing.T) {
	fail := errors.New("feed down")
	h := func(ctx context.Context, m queue.Msg) error {
		if m.ID == "bad" {
			return fail
		}
		return nil
	}
	w := &worker{metrics: metrics.New()}
	timed := w.timed(queue.Fetch, h)
	for _, id := range []string{"a", "b", "bad"} {
		if err := timed(t.Context(), queue.Msg{ID: id}); (id == "bad") != errors.Is(err, fail) {
			t.Errorf("message %s: got %v, want the handler's error", id, err)
		}
	}
	fams, err := w.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				got[key] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				got[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for key, want := range map[string]float64{
		"vigil_worker_jobs_total kind=fetch result=ok":     2,
		"vigil_worker_jobs_total kind=fetch result=failed": 1,
		"vigil_worker_job_duration_seconds kind=fetch":     3,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	if plain := (&worker{}).timed(queue.Fetch, h); plain(t.Context(), queue.Msg{ID: "bad"}) != fail {
		t.Error("without metrics: the handler's error is not passed on")
	}
}
