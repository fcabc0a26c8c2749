package score

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/shareddata"
)

// floors are the scores recorded in docs/ACCURACY.md less a small margin
// (0.03, one document in 30; own fixtures label no secondary incident): the test fails when the extractor gets
// worse than what the documentation claims. Raise them when it improves.
var floors = map[string]map[string]float64{
	"held-out": {
		"is_incident_report": 0.97, "incident_found": 0.97, "date": 0.88, "city": 0.88, "admin1": 0.97,
		"country": 0.88, "attack_type": 0.61, "target_type": 0.61, "perpetrator_named": 0.79, "claimed_by": 0.97,
		"suicide": 0.70, "sites": 0.97, "killed": 0.88, "wounded": 0.88, "secondary": 0.47,
	},
	"dev": {
		"is_incident_report": 0.97, "incident_found": 0.97, "date": 0.97, "city": 0.90, "admin1": 0.97,
		"country": 0.97, "attack_type": 0.90, "target_type": 0.97, "perpetrator_named": 0.90, "claimed_by": 0.97,
		"suicide": 0.90, "sites": 0.97, "killed": 0.97, "wounded": 0.90, "secondary": 0.86,
	},
	// blind: the set of testdata/blind, whose first score (before any rule
	// was fitted to it) is recorded in docs/ACCURACY.md; these floors are
	// the numbers after the rules both blind sets prompted less 0.06 (one
	// incident in 17).
	"blind": {
		"is_incident_report": 0.87, "incident_found": 0.91, "date": 0.59, "city": 0.59, "admin1": 0.65,
		"country": 0.59, "attack_type": 0.76, "target_type": 0.18, "perpetrator_named": 0.76, "claimed_by": 0.94,
		"suicide": 0.65, "sites": 0.94, "killed": 0.88, "wounded": 0.76, "secondary": 0,
	},
	// blind2: testdata/blind2, blind estimate 2 in docs/ACCURACY.md; the
	// numbers after the rules it prompted less 0.05 (one incident in 19).
	"blind2": {
		"is_incident_report": 0.92, "incident_found": 0.92, "date": 0.74, "city": 0.63, "admin1": 0.84,
		"country": 0.84, "attack_type": 0.84, "target_type": 0.37, "perpetrator_named": 0.74, "claimed_by": 0.95,
		"suicide": 0.79, "sites": 0.95, "killed": 0.79, "wounded": 0.90, "secondary": 0,
	},
	"own": {
		"is_incident_report": 0.97, "incident_found": 0.97, "date": 0.97, "city": 0.97, "admin1": 0.97,
		"country": 0.97, "attack_type": 0.97, "target_type": 0.97, "perpetrator_named": 0.97, "claimed_by": 0.97,
		"suicide": 0.97, "sites": 0.97, "killed": 0.97, "wounded": 0.97, "secondary": 0,
	},
}

func checkFloors(t *testing.T, name string, r Report) {
	t.Helper()
	got := r.Scores()
	for _, f := range Fields {
		if got[f] < floors[name][f] {
			t.Errorf("%s: %s = %.2f, below the recorded floor %.2f", name, f, got[f], floors[name][f])
		}
	}
	if testing.Verbose() {
		t.Logf("%s:\n%s", name, r.Table())
		if os.Getenv("VIGIL_SCORE_MISSES") != "" {
			for _, m := range r.Misses {
				t.Log(m)
			}
		}
	}
}

func TestAccuracyFloorsShared(t *testing.T) {
	g, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := LoadNews(shareddata.Path(t, "news"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 39 {
		t.Fatalf("shared news docs = %d, want 39", len(docs))
	}
	dev, held := Split(docs, g)
	if dev.Docs == 0 || held.Docs == 0 {
		t.Fatalf("split: %d dev, %d held-out docs; want both halves non-empty", dev.Docs, held.Docs)
	}
	checkFloors(t, "dev", dev)
	checkFloors(t, "held-out", held)
}

func TestAccuracyFloorsOwn(t *testing.T) {
	g, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := LoadNews("../testdata/news")
	if err != nil {
		t.Fatal(err)
	}
	checkFloors(t, "own", Run(docs, g))
}

func TestScorerCounts(t *testing.T) {
	// A field right, one wrong, one missed, one invented: the counts that
	// precision and recall are made of.
	r := Report{Field: map[string]*PR{"x": {}}}
	d := Doc{Gold: Gold{Doc: "d"}}
	r.cmp(d, "x", "a", "a", func(a, b string) bool { return a == b })
	r.cmp(d, "x", "a", "b", func(a, b string) bool { return a == b })
	r.cmp(d, "x", "a", "", func(a, b string) bool { return a == b })
	r.cmp(d, "x", "", "b", func(a, b string) bool { return a == b })
	r.cmp(d, "x", "", "", func(a, b string) bool { return a == b })
	p := r.Field["x"]
	if got, want := fmt.Sprint(p.TP, p.FP, p.FN, p.Correct, p.Total), "1 2 2 2 5"; got != want {
		t.Errorf("TP FP FN correct total = %s, want %s", got, want)
	}
	if got := p.Precision(); got != 1.0/3 {
		t.Errorf("precision = %v, want 1/3", got)
	}
	if !sameGroup("Daesh; al-Ahwazia", "Ahvaz National Resistance") || sameGroup("Daesh", "Taliban") {
		t.Error("sameGroup: want a match with the second named group and none across groups")
	}
	if targetSet("police (police headquarters), religious_site") != "police,religious_site" {
		t.Errorf("targetSet = %q", targetSet("police (police headquarters), religious_site"))
	}
	if !HeldOut("farsnews#2") == HeldOut("farsnews#2") {
		t.Error("HeldOut is not deterministic")
	}
}

func TestAccuracyFloorsBlind(t *testing.T) {
	g, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	// Each file the labels point into must be there (in CI it must).
	shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")
	shareddata.Path(t, "acled", "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv")
	shareddata.Path(t, "feeds", "real-saved", "guardian.rss")
	docs, err := LoadBlind(shareddata.Dir(), "testdata/blind/gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 22 {
		t.Fatalf("blind docs = %d, want 22", len(docs))
	}
	for _, d := range docs {
		if strings.TrimSpace(d.Text) == "" {
			t.Errorf("%s: empty text", d.Gold.Doc)
		}
	}
	checkFloors(t, "blind", Run(docs, g))
}

// TestAccuracyFloorsBlind2: the second blind set (testdata/blind2), whose
// first score is recorded in docs/ACCURACY.md.
func TestAccuracyFloorsBlind2(t *testing.T) {
	g, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")
	shareddata.Path(t, "acled", "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv")
	shareddata.Path(t, "ucdp", "ged191_myanmar_bangladesh.csv")
	shareddata.Path(t, "feeds", "real-saved", "guardian.rss")
	docs, err := LoadBlind(shareddata.Dir(), "testdata/blind2/gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 25 {
		t.Fatalf("blind 2 docs = %d, want 25", len(docs))
	}
	for _, d := range docs {
		if strings.TrimSpace(d.Text) == "" {
			t.Errorf("%s: empty text", d.Gold.Doc)
		}
	}
	checkFloors(t, "blind2", Run(docs, g))
}
