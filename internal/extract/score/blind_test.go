package score

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A blind set laid out like shared data, written here: each kind of text
// reference resolves, and a bad one is an error naming the label file,
// its line and the doc.
func TestLoadBlind(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// GTD is Windows-1252: 0x92 is a right single quote
	write("gtd/gtd_0718dist_us_2000-2017.csv", "eventid,iyear,summary\n201001010001,2010,\"01/13/2010: A bomb exploded at a caf\xe9\x92s door in Salem.\"\n")
	write("acled/acled_2020-04-27_to_2020-05-09_outside_middle_east.csv", "data_id,notes\n42,\"On 30 April 2020, gunmen attacked a market.\"\n")
	write("ucdp/ged191_myanmar_bangladesh.csv", "id,year,source_article\n7,2016,\"\"\"Reuters News,2016-10-09,Nine police killed\"\"\"\n")
	write("feeds/real-saved/guardian.rss", `<rss><channel><item><title>Blast in Salem</title><description>&lt;p&gt;A bomb &lt;b&gt;exploded&lt;/b&gt;.&lt;/p&gt;</description></item></channel></rss>`)
	gold := write("gold.jsonl", `{"doc":"gtd#201001010001","lang":"en","is_incident_report":true,"incidents":[]}
{"doc":"acled#42","lang":"en","is_incident_report":true,"incidents":[]}
{"doc":"ucdp#7","lang":"en","is_incident_report":true,"incidents":[]}
{"doc":"guardian#0","lang":"en","published":"2018-01-31","is_incident_report":true,"incidents":[]}
`)
	docs, err := LoadBlind(dir, gold)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"01/13/2010: A bomb exploded at a café’s door in Salem.", "On 30 April 2020, gunmen attacked a market.", `"Reuters News,2016-10-09,Nine police killed"`, "Blast in Salem\n\nA bomb exploded."}
	if len(docs) != len(want) {
		t.Fatalf("docs = %d, want %d", len(docs), len(want))
	}
	for i, d := range docs {
		if d.Text != want[i] {
			t.Errorf("%s: text = %q, want %q", d.Gold.Doc, d.Text, want[i])
		}
	}
	if got := docs[3].Published.String(); got != "2018-01-31" {
		t.Errorf("published = %s, want 2018-01-31", got)
	}
	for _, tc := range []struct{ line, want string }{
		{`{"doc":"nohash"}`, "want set#id"},
		{`{"doc":"reuters#1"}`, "unknown text set"},
		{`{"doc":"acled#43"}`, "no text with id 43"},
		{`{"doc":"guardian#0","published":"31/01/2018"}`, "published"},
	} {
		bad := write("bad.jsonl", `{"doc":"acled#42"}`+"\n"+tc.line+"\n")
		_, err := LoadBlind(dir, bad)
		if err == nil || !strings.Contains(err.Error(), bad+":2") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one naming %s:2 and %q", tc.line, err, bad, tc.want)
		}
	}
}

// Labels in the GTD codebook's types match the extractor's finer words
// through its translation; labels in the extractor's own words compare as
// before, and a codebook label is no wildcard.
func TestSameTarget(t *testing.T) {
	for _, tc := range []struct {
		gold, pred string
		want       bool
	}{
		{"police (police headquarters), religious_site", "religious_site, police", true},
		{"religious_figures_institutions (a mosque)", "religious_site", true},
		{"military", "military_parade", true},
		{"government_general, religious_figures_institutions", "religious_site, government_building", true},
		{"military_parade", "military", false},
		{"business", "police", false},
		{"business", "", false},
		{"transportation", "railway, police", false},
	} {
		if got := sameTarget(tc.gold, tc.pred); got != tc.want {
			t.Errorf("sameTarget(%q, %q) = %v, want %v", tc.gold, tc.pred, got, tc.want)
		}
	}
}
