package ingest

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/gtd"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// BenchmarkImportGTD imports a GTD CSV file into a fresh SQLite store
// the way `vigil import gtd --no-fuse` does (reader, gazetteer, the
// batches Run chooses, a bulk load): the whole import path, for CPU
// profiles. The file is VIGIL_BENCH_GTD when set (bench/gengtd makes a
// large one), else the shared GTD extract; VIGIL_BENCH_BATCH sets the
// batch size.
func BenchmarkImportGTD(b *testing.B) {
	file := os.Getenv("VIGIL_BENCH_GTD")
	if file == "" {
		file = shareddata.Path(b, "gtd", "gtd_0718dist_us_2000-2017.csv")
	}
	batch, _ := strconv.Atoi(os.Getenv("VIGIL_BENCH_BATCH"))
	places, err := gazetteer.Default()
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	rows := 0
	for b.Loop() {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "vigil.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		open := func() (source.Reader, io.Closer, error) {
			r, err := gtd.Open(file, source.Options{Name: filepath.Base(file), Fetched: time.Now().UTC()})
			return r, r, err
		}
		sum, err := Run(ctx, st, open, Options{File: filepath.Base(file), Places: places, BatchSize: batch})
		if err != nil {
			b.Fatal(err)
		}
		if sum.New == 0 {
			b.Fatalf("imported %+v: want new records", sum.BatchCounts)
		}
		rows += sum.Read
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
