package storetest

import (
	"testing"
)

// BatchSize is the number of records per ImportBatch in the benchmark.
const BatchSize = 1000

// BenchImportBatch is BenchmarkImportBatch for a backend: batches of
// BatchSize new synthetic records ("new"), and the same batches imported
// again ("unchanged"), into one growing store. open returns an empty
// store that is closed when the benchmark ends.
func BenchImportBatch(b *testing.B, open func(b *testing.B) Backend) {
	b.Run("new", func(b *testing.B) {
		st := open(b)
		if err := st.EnsureSource(b.Context(), GTD); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			recs := Synthetic("gtd", i*BatchSize, BatchSize, fetched)
			b.StartTimer()
			c, err := st.ImportBatch(b.Context(), recs, at1)
			if err != nil {
				b.Fatal(err)
			}
			if c.New != BatchSize {
				b.Fatalf("batch %d: counts got %+v, want %d new", i, c, BatchSize)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*BatchSize), "ns/record")
	})
	b.Run("unchanged", func(b *testing.B) {
		st := open(b)
		if err := st.EnsureSource(b.Context(), GTD); err != nil {
			b.Fatal(err)
		}
		recs := Synthetic("gtd", 0, BatchSize, fetched)
		if _, err := st.ImportBatch(b.Context(), recs, at1); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, err := st.ImportBatch(b.Context(), recs, at2)
			if err != nil {
				b.Fatal(err)
			}
			if c.Unchanged != BatchSize {
				b.Fatalf("counts got %+v, want %d unchanged", c, BatchSize)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*BatchSize), "ns/record")
	})
}
