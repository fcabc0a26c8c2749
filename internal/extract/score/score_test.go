package score

import (
	"os"
	"path/filepath"
	"strings"
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

func TestLoadNewsErrors(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(sub, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("gold.jsonl", "{\"doc\": \"x/a.txt\", \"lang\": \"en\", \"is_incident_report\": false, \"incidents\": []}\n{not json}\n")
	write("a.txt", "text")
	if _, err := LoadNews(dir); err == nil || !strings.Contains(err.Error(), "gold.jsonl:2") {
		t.Errorf("LoadNews with a broken second line: %v, want an error naming gold.jsonl:2", err)
	}
	write("gold.jsonl", "{\"doc\": \"x/missing.txt\", \"lang\": \"en\", \"is_incident_report\": false, \"incidents\": []}\n")
	if _, err := LoadNews(dir); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("LoadNews with a missing text: %v, want an error naming it", err)
	}
	write("gold.jsonl", "{\"doc\": \"x/a.txt\", \"lang\": \"en\", \"published\": \"2024-01-03\", \"is_incident_report\": false, \"incidents\": []}\n")
	docs, err := LoadNews(dir)
	if err != nil || len(docs) != 1 || docs[0].Text != "text" || docs[0].Published.String() != "2024-01-03" {
		t.Errorf("LoadNews = %+v, %v; want one doc with its text and publication date", docs, err)
	}
}
