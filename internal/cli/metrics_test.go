package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/queue"
	"github.com/vigil-project/vigil/internal/store/storetest"
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
	ctx := t.Context()
	s, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	const n = 4
	if _, err := s.ImportBatch(ctx, storetest.Synthetic("gtd", 0, n, seen), seen); err != nil {
		t.Fatal(err)
	}
	s.Close()
	secret := "metrics-test-secret-16+"
	hook := &hookRecorder{t: t, secret: []byte(secret)}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	mustVigil(t, db, "alerts", "rules", "add", "incident", "--name", "all", "--since", "2025-12-31", "--recent", "0", "--webhook", srv.URL)
	if out := mustVigil(t, db, "alerts", "check", "--at", "2026-01-02T00:00:00Z"); !strings.Contains(out, fmt.Sprintf(": %d new alerts", n)) {
		t.Fatalf("check got %q, want %d new alerts", out, n)
	}

	var out, errb syncBuffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: time.Now,
		Getenv: func(k string) string {
			return map[string]string{"VIGIL_DB": db, "VIGIL_WEBHOOK_SECRET": secret}[k]
		}}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(runCtx, env, []string{"alerts", "deliver", "--loop", "--poll", "50ms", "--metrics-addr", "127.0.0.1:0"})
	}()
	at := regexp.MustCompile(`metrics on http://(127\.0\.0\.1:\d+)/metrics`)
	var addr []string
	for deadline := time.Now().Add(60 * time.Second); addr == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		addr = at.FindStringSubmatch(errb.String())
	}
	if addr == nil {
		cancel()
		<-done
		t.Fatalf("deliver --loop --metrics-addr printed no address: %q", errb.String())
	}
	body := waitMetrics(t, addr[1], fmt.Sprintf(`vigil_alert_deliveries_total{channel="webhook",outcome="sent"} %d`, n),
		fmt.Sprintf(`vigil_alert_delivery_latency_seconds_count{channel="webhook"} %d`, n),
		fmt.Sprintf(`vigil_store_rows{table="alerts"} %d`, n))
	if !strings.Contains(body, `op="outbox_lease"`) {
		t.Errorf("/metrics: no outbox_lease operation timed")
	}
	cancel()
	if err := <-done; err != nil {
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
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.EnsureSource(t.Context(), storetest.GTD); err != nil {
		t.Fatal(err)
	}
	const n = 3
	if _, err := s.ImportBatch(t.Context(), storetest.Synthetic("gtd", 0, n, seen), seen); err != nil {
		t.Fatal(err)
	}
	s.Close()
	mustVigil(t, db, "alerts", "rules", "add", "incident", "--name", "all", "--since", "2025-12-31", "--recent", "0")
	if _, _, err := vigil(t, db, "alerts", "check", "--loop", "--at", "2026-01-02"); ExitCode(err) != 2 {
		t.Errorf("check --loop --at: %v, want a usage error", err)
	}

	var out, errb syncBuffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: time.Now,
		Getenv: func(k string) string { return map[string]string{"VIGIL_DB": db}[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, env, []string{"alerts", "check", "--loop", "--every", "1s", "--metrics-addr", "127.0.0.1:0"})
	}()
	at := regexp.MustCompile(`metrics on http://(127\.0\.0\.1:\d+)/metrics`)
	var addr []string
	for deadline := time.Now().Add(60 * time.Second); addr == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		addr = at.FindStringSubmatch(errb.String())
	}
	if addr == nil {
		cancel()
		<-done
		t.Fatalf("check --loop --metrics-addr printed no address: %q", errb.String())
	}
	// Two rounds: the first raises the alerts, the second none again.
	body := waitMetrics(t, addr[1], fmt.Sprintf(`vigil_alerts_raised_total{kind="incident"} %d`, n),
		`vigil_alert_checks_total{result="ok"} 2`, `vigil_alert_rules_evaluated_total 2`,
		fmt.Sprintf(`vigil_alert_outbox_items{channel="webhook",state="pending"} %d`, 0))
	if !strings.Contains(body, "vigil_alert_last_check_timestamp_seconds ") {
		t.Error("/metrics: no last check time")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("check --loop after cancel: %v", err)
	}
	if got := strings.Count(out.String(), "rules evaluated"); got < 2 {
		t.Errorf("check --loop printed %d rounds, want 2 or more:\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf(": %d new alerts", n)) {
		t.Errorf("check --loop output %q, want a round with %d new alerts", out.String(), n)
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
