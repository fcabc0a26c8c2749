package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// TestLoadBounded puts a bounded load on a real server on loopback, on
// each store: four clients for a few seconds over the endpoints a
// dashboard calls (distinct selections, so that most answers are not
// cached; and repeated ones, so that some are), with the server's
// timeouts and limits as configured for production. It must answer every
// request without an error; the latency percentiles are logged and
// written to the artefacts (they are a record, not a goal: the goals are
// measured by bench/serve.sh, never in a test). VIGIL_LOAD_DURATION
// lengthens it (make soak).
func TestLoadBounded(t *testing.T) {
	dur := 3 * time.Second
	if v := os.Getenv("VIGIL_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("VIGIL_LOAD_DURATION %q: %v", v, err)
		}
		dur = d
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := t.Context()
			if err := st.EnsureSource(ctx, storetest.GTD); err != nil {
				t.Fatal(err)
			}
			const n = 10000
			for first := 0; first < n; first += 2500 {
				if _, err := st.ImportBatch(ctx, storetest.Spread("gtd", first, 2500, demoTime), demoTime); err != nil {
					t.Fatal(err)
				}
			}
			var ids []string
			if err := st.Incidents(ctx, store.Filter{Limit: 200}, func(inc model.Incident) error {
				ids = append(ids, inc.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			srv, err := New(st, Config{Addr: "127.0.0.1:0", Version: "load-test", GenerationTTL: time.Second, Public: true})
			if err != nil {
				t.Fatal(err)
			}
			runCtx, stop := context.WithCancel(context.Background())
			addrc, done := make(chan string, 1), make(chan error, 1)
			go func() { done <- srv.Run(runCtx, func(a string) { addrc <- a }) }()
			var base string
			select {
			case a := <-addrc:
				base = "http://" + a
			case err := <-done:
				t.Fatalf("server: %v", err)
			}
			defer func() {
				stop()
				if err := <-done; err != nil {
					t.Errorf("server stopped with %v", err)
				}
			}()

			countries := []string{"IQ", "AF", "PK", "IN", "NG", "SO", "YE", "SY", "IR", "TR"}
			scenarios := []struct {
				name string
				path func(i int) string
			}{
				{"page of 100", func(i int) string {
					return fmt.Sprintf("/api/incidents?limit=100&country=%s&since=%d-01-01", countries[i%len(countries)], 2004+i%20)
				}},
				{"monthly by admin1", func(i int) string {
					return fmt.Sprintf("/api/aggregates?by=month,admin1&country=%s&since=%d-01-01", countries[i%len(countries)], 2004+i%20)
				}},
				{"cached aggregate", func(int) string { return "/api/aggregates?by=type" }},
				{"incident", func(i int) string { return "/api/incidents/" + ids[i%len(ids)] }},
				{"facts page", func(i int) string { return "/facts/" + ids[i%len(ids)] }},
				{"geojson export", func(i int) string {
					return fmt.Sprintf("/api/export.geojson?country=%s&since=%d-01-01", countries[i%len(countries)], 2020+i%4)
				}},
				{"dashboard", func(int) string { return "/" }},
			}
			type result struct {
				scenario int
				took     time.Duration
				err      string
			}
			var (
				mu      sync.Mutex
				results []result
				wg      sync.WaitGroup
			)
			client := &http.Client{Timeout: 30 * time.Second}
			// One request of each kind first, uncounted: the first
			// aggregate builds the server's snapshot of the store.
			for _, sc := range scenarios {
				if resp, err := client.Get(base + sc.path(0)); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			// The load runs for dur and at least 20 requests of each kind,
			// so that a slow machine (the race detector, other work) still
			// gives every percentile something to stand on.
			const least = 20
			deadline := time.Now().Add(dur)
			var next int64
			var nextMu sync.Mutex
			take := func() (int, bool) {
				nextMu.Lock()
				defer nextMu.Unlock()
				if time.Now().After(deadline) && next >= int64(least*len(scenarios)) {
					return 0, false
				}
				next++
				return int(next - 1), true
			}
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i, ok := take()
						if !ok {
							return
						}
						sc := i % len(scenarios)
						path := scenarios[sc].path(i / len(scenarios))
						t0 := time.Now()
						resp, err := client.Get(base + path)
						var msg string
						if err != nil {
							msg = err.Error()
						} else {
							_, cerr := io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							switch {
							case resp.StatusCode != http.StatusOK:
								msg = path + ": " + resp.Status
							case cerr != nil:
								msg = path + ": body: " + cerr.Error()
							}
						}
						mu.Lock()
						results = append(results, result{sc, time.Since(t0), msg})
						mu.Unlock()
					}
				}()
			}
			wg.Wait()

			var report strings.Builder
			fmt.Fprintf(&report, "bounded load, %s store of %d incidents, 4 clients, %v (race detector: %v)\n", name, n, dur, raceEnabled)
			fmt.Fprintf(&report, "%-18s %7s %9s %9s %9s %6s\n", "scenario", "n", "p50", "p90", "p99", "errors")
			var errs []string
			for sc, s := range scenarios {
				var lat []time.Duration
				bad := 0
				for _, r := range results {
					if r.scenario != sc {
						continue
					}
					lat = append(lat, r.took)
					if r.err != "" {
						bad++
						if len(errs) < 10 {
							errs = append(errs, r.err)
						}
					}
				}
				if len(lat) == 0 {
					t.Errorf("scenario %s: no request was sent in %v", s.name, dur)
					continue
				}
				slices.Sort(lat)
				q := func(p float64) string {
					return strconv.FormatFloat(float64(lat[int(p*float64(len(lat)-1))])/1e6, 'f', 1, 64) + "ms"
				}
				fmt.Fprintf(&report, "%-18s %7d %9s %9s %9s %6d\n", s.name, len(lat), q(0.5), q(0.9), q(0.99), bad)
			}
			t.Log("\n" + report.String())
			if len(errs) > 0 {
				t.Errorf("errors under load (first %d):\n%s", len(errs), strings.Join(errs, "\n"))
			}
			if dir := os.Getenv("VIGIL_ARTEFACTS"); dir != "" {
				if err := os.MkdirAll(dir, 0o755); err == nil {
					os.WriteFile(filepath.Join(dir, "load-"+name+".txt"), []byte(report.String()), 0o644)
				}
			}
		})
	}
}
