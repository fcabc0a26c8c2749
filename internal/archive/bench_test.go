package archive

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

// benchIncidents is how many imported incidents the dump benchmarks
// store (VIGIL_BENCH_DUMP_N, default 20,000).
func benchIncidents(b *testing.B) int {
	if v := os.Getenv("VIGIL_BENCH_DUMP_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("VIGIL_BENCH_DUMP_N=%q: want a positive number", v)
		}
		return n
	}
	return 20000
}

// fill imports n synthetic GTD rows into b, 2,000 a batch, as an import
// does (each its report, claim, incident and version).
func fill(b *testing.B, s backend, n int) {
	b.Helper()
	if err := s.EnsureSource(b.Context(), storetest.GTD); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC)
	for i := 0; i < n; i += 2000 {
		if _, err := s.ImportBatch(b.Context(), storetest.Synthetic("gtd", i, min(2000, n-i), at), at); err != nil {
			b.Fatal(err)
		}
	}
}

// peakHeap samples the Go heap in use every few milliseconds while fn
// runs and returns the largest sample, in MB: a dump that streamed
// nothing would grow it with the store.
func peakHeap(fn func()) float64 {
	runtime.GC()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var top uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-done:
				peak <- top
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	return float64(<-peak) / 1e6
}

// BenchmarkDumpSQLite dumps a SQLite store of benchIncidents incidents;
// BenchmarkRestoreSQLite restores that dump into a new store. Both report
// rows a second and the peak heap.
func BenchmarkDumpSQLite(b *testing.B) {
	s := openSQLiteB(b)
	n := benchIncidents(b)
	fill(b, s, n)
	var m Manifest
	var heap float64
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), "d")
		heap = max(heap, peakHeap(func() {
			var err error
			if m, err = Write(b.Context(), dir, s, Options{Now: time.Now()}); err != nil {
				b.Fatal(err)
			}
		}))
	}
	rows, size := int64(0), int64(0)
	for _, t := range m.Tables {
		rows, size = rows+t.Rows, size+t.Bytes
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/1e6, "MB-dump")
	b.ReportMetric(heap, "MB-heap-peak")
}

func BenchmarkRestoreSQLite(b *testing.B) {
	s := openSQLiteB(b)
	fill(b, s, benchIncidents(b))
	dir := filepath.Join(b.TempDir(), "d")
	m, err := Write(b.Context(), dir, s, Options{Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	var heap float64
	for b.Loop() {
		b.StopTimer()
		dst := openSQLiteB(b)
		b.StartTimer()
		heap = max(heap, peakHeap(func() {
			if _, err := Restore(b.Context(), dir, dst, 99); err != nil {
				b.Fatal(err)
			}
		}))
	}
	rows := int64(0)
	for _, t := range m.Tables {
		rows += t.Rows
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(heap, "MB-heap-peak")
}

// BenchmarkPostgres dumps a PostgreSQL store of benchIncidents
// incidents and restores the dump into a new one (scripts/pgtest.sh).
func BenchmarkPostgres(b *testing.B) {
	s := openPostgres(b)
	fill(b, s, benchIncidents(b))
	b.Run("Dump", func(b *testing.B) {
		var rows int64
		for b.Loop() {
			m, err := Write(b.Context(), filepath.Join(b.TempDir(), "d"), s, Options{Now: time.Now()})
			if err != nil {
				b.Fatal(err)
			}
			rows = 0
			for _, t := range m.Tables {
				rows += t.Rows
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	dir := filepath.Join(b.TempDir(), "d")
	m, err := Write(b.Context(), dir, s, Options{Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Restore", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dst := openPostgres(b)
			b.StartTimer()
			if _, err := Restore(b.Context(), dir, dst, 99); err != nil {
				b.Fatal(err)
			}
		}
		rows := int64(0)
		for _, t := range m.Tables {
			rows += t.Rows
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
