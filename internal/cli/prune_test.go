package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// vigilAt runs one command in-process with the clock at now.
func vigilAt(t *testing.T, db string, now time.Time, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "VIGIL_DB" {
				return db
			}
			return ""
		},
		Now: func() time.Time { return now }}
	err := Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

// TestPrune: on both stores, the demo's bodies are pruned 100 days later
// (a dry run first, changing nothing), claims and incidents stay and say
// the body is pruned, the prune is audited with its cutoff and counts, a
// second prune finds nothing and re-importing the demo is all unchanged.
func TestPrune(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mustVigil(t, db, "demo")
			before := statsOf(t, db)
			incs := incidentsJSON(t, db)
			if len(incs) == 0 || before.Reports == 0 {
				t.Fatalf("the demo stored %d incidents and %d reports", len(incs), before.Reports)
			}
			id := incs[0]["id"].(string)
			detailBefore := mustVigil(t, db, "incident", id, "--format", "json")
			later := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Add(100 * 24 * time.Hour)

			prune := func(args ...string) store.PruneCounts {
				t.Helper()
				out, stderr, err := vigilAt(t, db, later, append([]string{"prune", "--format", "json"}, args...)...)
				if err != nil {
					t.Fatalf("vigil prune %v: %v\n%s", args, err, stderr)
				}
				var c store.PruneCounts
				if err := json.Unmarshal([]byte(out), &c); err != nil {
					t.Fatalf("prune --format json: %v\n%s", err, out)
				}
				return c
			}
			dry := prune("--raw-older-than", "90d", "--dry-run")
			if !dry.DryRun || dry.Reports != before.Reports || dry.Bytes == 0 {
				t.Errorf("dry run: got %+v, want every one of the %d reports", dry, before.Reports)
			}
			if got := mustVigil(t, db, "incident", id, "--format", "json"); got != detailBefore {
				t.Errorf("a dry run changed incident %s:\n got %.300s\nwant %.300s", id, got, detailBefore)
			}
			if c := prune("--raw-older-than", "101d"); !c.Empty() {
				t.Errorf("prune of bodies older than 101 days, 100 days after the import: got %+v, want nothing", c)
			}
			c := prune("--raw-older-than", "90d")
			if c.DryRun || c.Reports != before.Reports || c.Bytes != dry.Bytes || c.Chunks != dry.Chunks {
				t.Errorf("prune: got %+v, want the dry run's %+v", c, dry)
			}
			if after := statsOf(t, db); after.Incidents != before.Incidents || after.Claims != before.Claims || after.Reports != before.Reports {
				t.Errorf("stats after the prune %+v, want those before %+v", after, before)
			}
			var detail struct {
				Claims []store.StoredClaim `json:"claims"`
			}
			if err := json.Unmarshal([]byte(mustVigil(t, db, "incident", id, "--format", "json")), &detail); err != nil {
				t.Fatal(err)
			}
			if len(detail.Claims) == 0 {
				t.Fatalf("incident %s has no claims after the prune", id)
			}
			for _, cl := range detail.Claims {
				if cl.RawPruned == nil || !cl.RawPruned.Equal(later) || cl.Start.IsZero() {
					t.Errorf("claim %s after the prune: raw_pruned %v, start %v; want pruned at %s and the claim whole", cl.ID, cl.RawPruned, cl.Start, later)
				}
			}
			if text := mustVigil(t, db, "incident", id); !strings.Contains(text, "report body pruned on "+later.Format("2006-01-02")) {
				t.Errorf("vigil incident %s after the prune does not say the body is pruned:\n%s", id, text)
			}
			entries := auditEntries(t, db, "prune")
			if len(entries) != 2 {
				t.Fatalf("audit entries of prune: got %d, want 2 (the dry run is not a change)", len(entries))
			}
			var d struct {
				store.PruneCounts
				OlderThan string `json:"older_than"`
			}
			if err := json.Unmarshal(entries[1].Details, &d); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(entries[1].Actor, "cli:") || !d.Before.Equal(later.Add(-90*24*time.Hour)) || d.Reports != c.Reports || d.OlderThan != "2160h0m0s" {
				t.Errorf("audit entry %+v details %+v: want the cli's, cutoff %s, %d reports", entries[1], d, later.Add(-90*24*time.Hour), c.Reports)
			}
			if again := prune("--raw-older-than", "90d"); !again.Empty() || again.Chunks != 0 {
				t.Errorf("second prune: got %+v, want nothing", again)
			}
			out := mustVigil(t, db, "demo")
			if !strings.Contains(out, "new 0, updated 0, unchanged") {
				t.Errorf("re-importing the pruned demo: %q, want all unchanged", firstLine(out))
			}
		})
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// auditEntries returns the audit log's entries of one action.
func auditEntries(t *testing.T, db, action string) []store.AuditEntry {
	t.Helper()
	var es []store.AuditEntry
	if err := json.Unmarshal([]byte(mustVigil(t, db, "audit", "--action", action, "--format", "json")), &es); err != nil {
		t.Fatalf("audit --format json: %v", err)
	}
	return es
}

func TestPruneUsage(t *testing.T) {
	db := t.TempDir() + "/v.db"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"prune"}, "--raw-older-than"},
		{[]string{"prune", "--raw-older-than", "90x"}, "90x"},
		{[]string{"prune", "--raw-older-than", "-3d"}, "-3d"},
		{[]string{"prune", "--raw-older-than", "90d", "extra"}, "no arguments"},
		{[]string{"prune", "--raw-older-than", "90d", "--format", "csv"}, "csv"},
	} {
		_, _, err := vigil(t, db, tt.args...)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("vigil %v: exit %d (%v), want 2 naming %q", tt.args, ExitCode(err), err, tt.want)
		}
	}
}

func TestParseAge(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"0d", 0, true},
		{"36h", 36 * time.Hour, true},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"", 0, false},
		{"-1h", 0, false},
		{"999999d", 0, false},
	} {
		got, err := parseAge(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestRetentionLoop: the daily prune of serve and worker prunes at start
// and at each tick, audits a prune that removed something as system, and
// neither prunes nor audits bodies younger than the retention.
func TestRetentionLoop(t *testing.T) {
	db := t.TempDir() + "/v.db"
	mustVigil(t, db, "demo") // stored at 2026-11-25 12:00
	st, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC) // 25 days on
	results := make(chan store.PruneCounts)
	r := &retention{st: st, days: 30, now: func() time.Time { return now }, log: slog.New(slog.DiscardHandler),
		done: func(c store.PruneCounts, err error) {
			if err != nil {
				t.Errorf("prune: %v", err)
			}
			results <- c
		}}
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(t.Context())
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		r.run(ctx, tick)
	}()
	if c := <-results; !c.Empty() {
		t.Errorf("prune at start, 25 days after the import with 30 days kept: got %+v, want nothing", c)
	}
	now = now.Add(10 * 24 * time.Hour)
	tick <- now
	c := <-results
	if c.Reports == 0 {
		t.Errorf("prune 35 days after the import with 30 days kept: got %+v, want the demo's reports", c)
	}
	cancel()
	<-ended
	var es []store.AuditEntry
	if err := st.Audit(t.Context(), store.AuditFilter{Action: audit.Prune}, func(e store.AuditEntry) error {
		es = append(es, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Actor != audit.System || !es[0].At.Equal(now) {
		t.Fatalf("audit entries of the loop's prunes: got %+v, want one by system at %s", es, now)
	}
}

// FuzzParseAge: any text gives a non-negative age or an error, never a
// panic, and whole days read back as days.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"90d", "36h", "0d", "1.5d", "-1h", "999999999999d", "d", "1h30m", "٩٠d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseAge(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Errorf("parseAge(%q) = %v, want no negative age", s, d)
		}
		if n, ok := strings.CutSuffix(s, "d"); ok && d%(24*time.Hour) != 0 {
			t.Errorf("parseAge(%q) = %v, not whole days of %q", s, d, n)
		}
	})
}

// TestServePrunesDaily: vigil serve with retention.raw_days prunes the
// bodies older than that when it starts (here the demo's, imported 40
// days before with 30 kept): the API shows them pruned, and the audit
// log has the prune by system.
func TestServePrunesDaily(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "demo") // stored at 2026-11-25 12:00
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Add(40 * 24 * time.Hour)
	vars := map[string]string{"VIGIL_PUBLIC": "true", "VIGIL_RETENTION_RAW_DAYS": "30"}
	serve := startVigil(t, Env{Getenv: func(k string) string { return vars[k] }, Now: func() time.Time { return now }},
		"--db", db, "serve", "--addr", "127.0.0.1:0", "--poll=false")
	addr := serve.address(t, &serve.out, servingAt)
	id := incidentsJSON(t, db)[0]["id"].(string)
	// The prune runs beside the server: look until it shows.
	var pruned *time.Time
	for deadline := time.Now().Add(60 * time.Second); pruned == nil; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/api/incidents/" + id)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Claims []store.StoredClaim `json:"claims"`
		}
		err = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if err != nil || len(d.Claims) == 0 {
			t.Fatalf("GET /api/incidents/%s: %v, %d claims", id, err, len(d.Claims))
		}
		if pruned = d.Claims[0].RawPruned; pruned == nil && time.Now().After(deadline) {
			t.Fatalf("incident %s's claim is not marked pruned 10 s after serve started", id)
		}
	}
	if !pruned.Equal(now) {
		t.Errorf("raw_pruned %s, want the server's now %s", pruned, now)
	}
	if err := serve.stop(t, time.Minute); err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
	es := auditEntries(t, db, "prune")
	if len(es) != 1 || es[0].Actor != audit.System {
		t.Errorf("audit entries of prune: %+v, want one by system", es)
	}
}
