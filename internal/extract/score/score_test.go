package score

import (
	"os"
	"testing"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/shareddata"
)

func TestPrintShared(t *testing.T) {
	if os.Getenv("VIGIL_SCORE_PRINT") == "" {
		t.Skip("set VIGIL_SCORE_PRINT=1 to print the accuracy tables")
	}
	g, _ := gazetteer.Default()
	docs, err := LoadNews(shareddata.Path(t, "news"))
	if err != nil {
		t.Fatal(err)
	}
	dev, held := Split(docs, g)
	all := Run(docs, g)
	t.Logf("DEV\n%s", dev.Table())
	t.Logf("HELD-OUT\n%s", held.Table())
	t.Logf("ALL\n%s", all.Table())
	for _, m := range all.Misses {
		t.Log(m)
	}
}

func TestPrintOwn(t *testing.T) {
	if os.Getenv("VIGIL_SCORE_PRINT") == "" {
		t.Skip("set VIGIL_SCORE_PRINT=1 to print the accuracy tables")
	}
	g, _ := gazetteer.Default()
	docs, err := LoadNews("../testdata/news")
	if err != nil {
		t.Fatal(err)
	}
	r := Run(docs, g)
	t.Logf("OWN\n%s", r.Table())
	for _, m := range r.Misses {
		t.Log(m)
	}
}
