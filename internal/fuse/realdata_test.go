package fuse

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/acled"
	"github.com/vigil-project/vigil/internal/source/gdelt"
	"github.com/vigil-project/vigil/internal/source/ucdp"
)

// readAll drains a reader, skipping rejected rows.
func readAll(t *testing.T, r source.Reader) []model.Claim {
	t.Helper()
	var out []model.Claim
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if source.IsRowError(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Claim)
	}
}

func openShared(t *testing.T, elem ...string) *os.File {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestRealSourcesTogether fuses the four shared datasets at once. They do
// not overlap (GTD: USA 2000–2017; UCDP: Myanmar and Bangladesh to 2018;
// GDELT: 2019-10-24; ACLED: 2020 outside the Middle East), and rows of
// one dataset are never merged, so every claim must stay alone: any link
// would be a false match between real, unrelated rows.
func TestRealSourcesTogether(t *testing.T) {
	opts := source.Options{Fetched: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	claims := loadGTD(t)
	srcs := map[string]model.Source{"gtd": {Name: "gtd", Kind: model.KindDataset, Reliability: 0.9}}
	ar, err := acled.NewReader(openShared(t, "acled", "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv"), opts)
	if err != nil {
		t.Fatal(err)
	}
	claims = append(claims, readAll(t, ar)...)
	srcs[ar.Source().Name] = ar.Source()
	ur, err := ucdp.NewReader(openShared(t, "ucdp", "ged191_myanmar_bangladesh.csv"), opts)
	if err != nil {
		t.Fatal(err)
	}
	claims = append(claims, readAll(t, ur)...)
	srcs[ur.Source().Name] = ur.Source()
	gr, err := gdelt.NewReader(openShared(t, "gdelt", "20191024143000.export.CSV"), gdelt.Options{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	claims = append(claims, readAll(t, gr)...)
	srcs[gr.Source().Name] = gr.Source()

	res := Fuse(claims, srcs, Options{})
	t.Logf("%d real claims: %d windows checked, %d candidate pairs, %d same-dataset pairs dropped, %d all pairs; %d clusters",
		len(claims), res.Stats.Checked, res.Stats.Pairs, res.Stats.SameSource, res.Stats.AllPairs, len(res.Clusters))
	if len(res.Clusters) != len(claims) {
		for _, l := range res.Links {
			t.Logf("link %s – %s p=%.3f", l.A, l.B, l.Probability)
		}
		t.Errorf("got %d clusters of %d claims, want every claim alone", len(res.Clusters), len(claims))
	}
	if res.Stats.Checked > res.Stats.AllPairs/20 {
		t.Errorf("blocking checked %d of %d pairs: want a small fraction", res.Stats.Checked, res.Stats.AllPairs)
	}
}
