package cli

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// TestServeChecksAndDeliversAlerts: with nothing but `vigil serve`
// running, a rule's alerts are raised and reach its webhook, once each,
// and the check and the delivery are in the audit log as system — on
// both stores.
func TestServeChecksAndDeliversAlerts(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			hook := &hookRecorder{t: t, secret: []byte("serve-alerts-secret")}
			srv := httptest.NewServer(hook)
			defer srv.Close()
			vars := map[string]string{"VIGIL_DB": db, "VIGIL_WEBHOOK_SECRET": "serve-alerts-secret", "VIGIL_ALERTS_EVERY": "1s"}
			now := time.Now()
			run := func(args ...string) string {
				t.Helper()
				out, stderr, err := vigilEnv(t, vars, now, args...)
				if err != nil {
					t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, stderr)
				}
				return out
			}
			run("demo")
			// The demo's incidents with 20 killed or more: Zahedan 2019,
			// Ahvaz 2018 and Kerman 2024.
			run("alerts", "rules", "add", "incident", "--name", "deadly", "--min-killed", "20", "--since", "2000-01-01", "--recent", "0", "--webhook", srv.URL)

			serve := startVigil(t, Env{Getenv: func(k string) string { return vars[k] }, Now: time.Now},
				"serve", "--public", "--addr", "127.0.0.1:0", "--poll=false")
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, distinct, _ := hook.received(); len(distinct) >= 3 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			// Two more rounds pass: nothing is raised or sent again.
			time.Sleep(2500 * time.Millisecond)
			if err := serve.stop(t, 20*time.Second); err != nil {
				t.Fatalf("serve: %v", err)
			}
			all, distinct, bad := hook.received()
			if len(distinct) != 3 || len(all) != 3 || bad != 0 {
				t.Errorf("webhook got %d requests for %d keys (%d badly signed), want the 3 deadly incidents once each", len(all), len(distinct), bad)
			}
			for _, action := range []string{"alert.check", "alert.deliver"} {
				var entries []store.AuditEntry
				if err := json.Unmarshal([]byte(run("audit", "--action", action, "--format", "json")), &entries); err != nil || len(entries) != 1 ||
					entries[0].Actor != "system" {
					t.Errorf("audit %s: %v %+v, want one entry by system", action, err, entries)
				}
			}
		})
	}
}
