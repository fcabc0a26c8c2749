package metrics_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

var benchIncidents = flag.Int("bench-incidents", 20000, "incidents in the store of BenchmarkScrape")

// BenchmarkScrape measures one scrape of a server's series with the store
// watched, on a SQLite store of -bench-incidents incidents: "counted" when
// the generation moves before each scrape (every table recounted),
// "cached" when it does not.
func BenchmarkScrape(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "vigil.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.EnsureSource(b.Context(), storetest.GTD); err != nil {
		b.Fatal(err)
	}
	for first := 0; first < *benchIncidents; first += 2000 {
		if _, err := st.ImportBatch(b.Context(), storetest.Synthetic("gtd", first, min(2000, *benchIncidents-first), at), at); err != nil {
			b.Fatal(err)
		}
	}
	m := metrics.New()
	st.SetMetrics(m)
	if err := m.WatchStore(st); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.Registry().Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("counted", func(b *testing.B) {
		n := *benchIncidents
		for b.Loop() {
			// A new import run moves the generation: the next scrape
			// counts every table again.
			b.StopTimer()
			if _, err := st.ImportBatch(b.Context(), storetest.Synthetic("gtd", n, 1, at), at); err != nil {
				b.Fatal(err)
			}
			n++
			b.StartTimer()
			if _, err := m.Registry().Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStoreOp measures what timing one store operation costs the
// operation, with metrics and without (nil).
func BenchmarkStoreOp(b *testing.B) {
	for _, c := range []struct {
		name string
		m    *metrics.Metrics
	}{{"nil", nil}, {"live", metrics.New()}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.m.StoreOp("sqlite", "incident_get")()
			}
		})
	}
}
