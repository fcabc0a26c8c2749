package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/config"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
)

// TestTwoWorkersDeliverOnce runs the alert loop of two workers, each
// with its own connections, on one PostgreSQL store, round after round
// at the same moments, against a real local webhook receiver: every
// alert is stored once and received once (no idempotency key twice),
// one worker's check stores the alerts, and the audit log holds the
// check and deliveries that add up to what the receiver got.
func TestTwoWorkersDeliverOnce(t *testing.T) {
	db, ok := stores(t)["postgres"]
	if !ok {
		return // stores has said why (and failed in CI)
	}
	secret := "two-workers-secret-0123"
	hook := &hookRecorder{t: t, secret: []byte(secret), delay: 20 * time.Millisecond}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	vars := map[string]string{"VIGIL_DB": db}
	for _, args := range [][]string{
		{"demo"},
		{"alerts", "rules", "add", "incident", "--name", "deadly", "--min-killed", "20", "--since", "2000-01-01", "--recent", "0", "--webhook", srv.URL},
		{"alerts", "rules", "add", "claim", "--name", "IS claims", "--actor", "islamic state", "--since", "2000-01-01", "--recent", "0", "--webhook", srv.URL},
	} {
		if _, stderr, err := vigilEnv(t, vars, now, args...); err != nil {
			t.Fatalf("vigil %v: %v\n%s", args, err, stderr)
		}
	}

	var conf config.Loaded
	conf.Config = config.Default()
	conf.Alerts.WebhookSecret = secret
	const workers, rounds = 2, 4
	type w struct {
		aw   *alertWorker
		tick chan time.Time
		done chan error
	}
	ws := make([]w, workers)
	for i := range ws {
		st, err := postgres.Open(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		pool, err := pgxpool.New(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		var stderr bytes.Buffer
		env := Env{Stderr: &stderr, Now: func() time.Time { return now }}
		aw, err := newAlertWorker(env, st, pool, Config{Conf: conf}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w{aw: aw, tick: make(chan time.Time), done: make(chan error, rounds)}
		done := ws[i].done
		aw.done = func(err error) { done <- err }
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(t.Context())
	for _, x := range ws {
		wg.Go(func() { x.aw.run(ctx, x.tick) })
	}
	for r := range rounds {
		for i, x := range ws {
			if err := <-x.done; err != nil {
				t.Errorf("worker %d, round %d: %v", i, r, err)
			}
		}
		if r < rounds-1 {
			// Both workers start their next round together.
			var start sync.WaitGroup
			for _, x := range ws {
				start.Go(func() { x.tick <- now })
			}
			start.Wait()
		}
	}

	cancel()
	wg.Wait()
	all, distinct, bad := hook.received()
	var items []store.OutboxItem
	out, _, err := vigilEnv(t, vars, now, "alerts", "outbox", "--format", "json")
	if err != nil || json.Unmarshal([]byte(out), &items) != nil {
		t.Fatalf("alerts outbox: %v\n%s", err, out)
	}
	delivered := 0
	for _, it := range items {
		if it.State == store.OutboxDelivered && it.Attempts == 0 {
			delivered++
		}
	}
	if len(items) < 6 || delivered != len(items) || len(all) != len(items) || len(distinct) != len(items) || bad != 0 {
		t.Errorf("outbox of %d items, %d delivered at the first attempt; receiver got %d requests, %d distinct keys, %d bad signatures; want every item once",
			len(items), delivered, len(all), len(distinct), bad)
	}
	var checks, deliveries []store.AuditEntry
	for action, into := range map[string]*[]store.AuditEntry{"alert.check": &checks, "alert.deliver": &deliveries} {
		out, _, err := vigilEnv(t, vars, now, "audit", "--action", action, "--format", "json")
		if err != nil || json.Unmarshal([]byte(out), into) != nil {
			t.Fatalf("audit --action %s: %v\n%s", action, err, out)
		}
	}
	if len(checks) != 1 || checks[0].Actor != "system" {
		t.Errorf("audit entries of checks that stored alerts: %+v, want one by system", checks)
	}
	sent := 0
	for _, e := range deliveries {
		var d struct {
			Channels map[string]alert.ChannelStats `json:"channels"`
		}
		if err := json.Unmarshal(e.Details, &d); err != nil {
			t.Fatal(err)
		}
		sent += d.Channels[alert.ChannelWebhook].Sent
		if e.Actor != "system" || strings.Contains(string(e.Details), srv.URL) {
			t.Errorf("delivery audit entry %+v: want system's, without the target", e)
		}
	}
	if sent != len(items) {
		t.Errorf("the delivery audit entries add up to %d webhooks sent, want %d", sent, len(items))
	}
	t.Logf("%d alerts delivered once by %d workers", len(items), workers)
}
