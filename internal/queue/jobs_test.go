package queue_test

import (
	"encoding/json"
	"testing"

	"github.com/vigil-project/vigil/internal/queue"
)

// FuzzJobs gives the job decoders what a worker may find in a message:
// anything. Decoding may fail; what decodes must give its id and its
// articles or records without panicking, and the same id twice.
func FuzzJobs(f *testing.F) {
	f.Add([]byte(`{"source":"s","articles":[{"report":{"id":"r1","source":"s","hash":"h"},"raw":"eA=="}]}`))
	f.Add([]byte(`{"source":{"name":"acled"},"file":"a.csv","records":[{"Report":{"id":"r"},"Claim":{"id":"c"},"raw":null}],"rejections":[{"line":3}]}`))
	f.Add([]byte(`{"feed":"f","due":"2026-11-25T12:00:00Z"}`))
	f.Add([]byte(`{"country":"IR"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var x queue.ExtractJob
		if json.Unmarshal(data, &x) == nil {
			if a, b := x.ID(), x.ID(); a != b {
				t.Fatal("extract job id not stable")
			}
			if got := len(x.ModelArticles()); got != len(x.Articles) {
				t.Fatalf("ModelArticles gave %d of %d", got, len(x.Articles))
			}
		}
		var im queue.ImportJob
		if json.Unmarshal(data, &im) == nil {
			if a, b := im.ID(), im.ID(); a != b {
				t.Fatal("import job id not stable")
			}
			if got := len(im.ModelRecords()); got != len(im.Records) {
				t.Fatalf("ModelRecords gave %d of %d", got, len(im.Records))
			}
		}
		var fj queue.FetchJob
		if json.Unmarshal(data, &fj) == nil {
			_ = fj.ID()
		}
	})
}

func TestNewExtractJobsSplits(t *testing.T) {
	// Chunks keep every article once, in order, within both limits.
	_, arts := writeFeeds(t, t.TempDir(), "split", 1, 30)
	tests := []struct{ maxArticles, maxBytes, wantJobs int }{
		{50, 1 << 20, 1},
		{10, 1 << 20, 3},
		{50, 1, 30}, // every article over the size: one a job
	}
	for _, tt := range tests {
		jobs := queue.NewExtractJobs("split0", "", "", arts, tt.maxArticles, tt.maxBytes)
		if len(jobs) != tt.wantJobs {
			t.Errorf("NewExtractJobs(%d articles, max %d, %d bytes) = %d jobs, want %d", len(arts), tt.maxArticles, tt.maxBytes, len(jobs), tt.wantJobs)
		}
		i := 0
		for _, j := range jobs {
			if len(j.Articles) > tt.maxArticles {
				t.Errorf("a job of %d articles, max %d", len(j.Articles), tt.maxArticles)
			}
			for _, a := range j.Articles {
				if a.Report.ID != arts[i].Report.ID {
					t.Fatalf("article %d is %s, want %s", i, a.Report.ID, arts[i].Report.ID)
				}
				i++
			}
		}
		if i != len(arts) {
			t.Errorf("%d articles in the jobs, want %d", i, len(arts))
		}
	}
}
