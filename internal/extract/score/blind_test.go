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
	write("feeds/real-saved/guardian.rss", `<rss><channel><item><title>Blast in Salem</title><description>&lt;p&gt;A bomb &lt;b&gt;exploded&lt;/b&gt;.&lt;/p&gt;</description></item></channel></rss>`)
	gold := write("gold.jsonl", `{"doc":"gtd#201001010001","lang":"en","is_incident_report":true,"incidents":[]}
{"doc":"acled#42","lang":"en","is_incident_report":true,"incidents":[]}
{"doc":"guardian#0","lang":"en","published":"2018-01-31","is_incident_report":true,"incidents":[]}
`)
	docs, err := LoadBlind(dir, gold)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"01/13/2010: A bomb exploded at a café’s door in Salem.", "On 30 April 2020, gunmen attacked a market.", "Blast in Salem\n\nA bomb exploded."}
	if len(docs) != len(want) {
		t.Fatalf("docs = %d, want %d", len(docs), len(want))
	}
	for i, d := range docs {
		if d.Text != want[i] {
			t.Errorf("%s: text = %q, want %q", d.Gold.Doc, d.Text, want[i])
		}
	}
	if got := docs[2].Published.String(); got != "2018-01-31" {
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
