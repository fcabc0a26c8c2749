package extract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
)

// sharedArticles returns every article text of shared/data/news with its
// publication date where known (Fars link ids).
func sharedArticles(tb testing.TB) ([]string, []model.Date) {
	tb.Helper()
	dir := shareddata.Path(tb, "news")
	var texts []string
	var pubs []model.Date
	files, _ := filepath.Glob(filepath.Join(dir, "tehrantimes", "*", "*.txt"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, string(b))
		pubs = append(pubs, model.Date{})
	}
	fp := filepath.Join(dir, "farsnews", "farsnews_violence_even.json")
	fh, err := os.Open(fp)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	arts, err := ReadArticles(fh)
	if err != nil {
		tb.Fatalf("%s: %v", fp, err)
	}
	for _, a := range arts {
		texts = append(texts, a.Text())
		p, _ := FarsPublished(a.Link)
		pubs = append(pubs, p)
	}
	return texts, pubs
}

// BenchmarkExtract extracts the shared articles in turn, one goroutine;
// articles/s is the measure (goal: 2,000 per core), articles/cpu-s
// the same per CPU-second, MB/s the text rate.
func BenchmarkExtract(b *testing.B) {
	texts, pubs := sharedArticles(b)
	g, err := gazetteer.Default()
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		k := i % len(texts)
		_ = Extract(texts[k], Options{Published: pubs[k], Gazetteer: g})
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
	// Per CPU-second (GC included): the per-core rate, whatever else the machine runs.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "articles/cpu-s")
	}
}
