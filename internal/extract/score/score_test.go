package score

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
