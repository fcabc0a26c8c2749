package csvmap

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// demoDir is the repository's demo/ folder, seen from this package.
var demoDir = filepath.Join("..", "..", "..", "demo")

func loadDemo(t testing.TB) (*Mapping, []byte) {
	t.Helper()
	m, err := LoadMapping(filepath.Join(demoDir, "iran_is_2017_2024.toml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(demoDir, "iran_is_2017_2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return m, data
}

func TestDemoDataset(t *testing.T) {
	m, data := loadDemo(t)
	recs, rerrs := readAll(t, m, data, "iran_is_2017_2024.csv")
	if len(rerrs) != 0 {
		t.Fatalf("row errors: got %v, want none", rerrs)
	}
	if got, want := len(recs), 11; got != want {
		t.Fatalf("records: got %d, want %d", got, want)
	}
	byID := map[string]model.Claim{}
	for _, r := range recs {
		byID[r.Report.SourceRef] = r.Claim
		c := r.Claim
		if c.Country != "IR" || c.DatePrecision != model.PrecisionDay || c.Start.Year < 2017 || c.Start.Year > 2024 {
			t.Errorf("%s: got country %q precision %s start %s, want IR, day, 2017–2024", r.Report.SourceRef, c.Country, c.DatePrecision, c.Start)
		}
		if c.Codes["sources"] == "" || c.Codes["note"] == "" || c.Codes["date_fa"] == "" || c.Codes["place_fa"] == "" {
			t.Errorf("%s: sources, note, date_fa and place_fa codes must all be filled; got %q", r.Report.SourceRef, c.Codes)
		}
		if c.Killed == nil {
			t.Errorf("%s: no killed figure", r.Report.SourceRef)
		}
		if len(c.Flags) != 0 {
			t.Errorf("%s: flags %q, want none", r.Report.SourceRef, c.Flags)
		}
	}

	k := byID["kerman-2024-soleimani"]
	if want := (&model.Range{Low: 84, Best: 95, High: 103, Qualifier: model.Exact}); !reflect.DeepEqual(k.Killed, want) {
		t.Errorf("Kerman killed: got %v, want %v", k.Killed, want)
	}
	if k.Start != (model.Date{Year: 2024, Month: 1, Day: 3}) || k.AttackType != model.Bombing || k.Suicide == nil || !*k.Suicide ||
		k.Sites != 2 || !reflect.DeepEqual(k.ClaimedBy, []string{"Islamic State"}) || k.Admin1 != "Kerman" {
		t.Errorf("Kerman: got %+v", k)
	}
	if k.Codes["date_fa"] != "1402-10-13" {
		t.Errorf("Kerman Solar Hijri date: got %q, want 1402-10-13", k.Codes["date_fa"])
	}

	parl, maus := byID["tehran-2017-parliament"], byID["tehran-2017-mausoleum"]
	if !reflect.DeepEqual(parl.Related, []string{"tehran-2017-mausoleum"}) || !reflect.DeepEqual(maus.Related, []string{"tehran-2017-parliament"}) {
		t.Errorf("Tehran 2017: related got %q and %q, want each other", parl.Related, maus.Related)
	}
	if parl.Start != maus.Start || parl.Sites != 2 || maus.Sites != 2 || parl.Admin1 != "Tehran" || maus.Admin1 != "Tehran" {
		t.Errorf("Tehran 2017: got start %s/%s sites %d/%d admin1 %q/%q", parl.Start, maus.Start, parl.Sites, maus.Sites, parl.Admin1, maus.Admin1)
	}
	if maus.Codes["place_fa"] != "حرم امام خمینی" {
		t.Errorf("mausoleum Persian name: got %q", maus.Codes["place_fa"])
	}

	ahvaz := byID["ahvaz-2018-parade"]
	if !reflect.DeepEqual(ahvaz.ClaimedBy, []string{"Islamic State", "Ahvaz National Resistance"}) || ahvaz.Perpetrator != "" {
		t.Errorf("Ahvaz: got claimed_by %q perpetrator %q, want both claimants and no perpetrator", ahvaz.ClaimedBy, ahvaz.Perpetrator)
	}
	if want := (&model.Range{Low: 24, Best: 25, High: 29, Qualifier: model.Exact}); !reflect.DeepEqual(ahvaz.Killed, want) {
		t.Errorf("Ahvaz killed: got %v, want %v", ahvaz.Killed, want)
	}

	sc := byID["shiraz-2022-shahcheragh"]
	if sc.Killed == nil || sc.Killed.Best != 13 || sc.Admin1 != "Fars" || sc.TargetType != "religious_figures_institutions" {
		t.Errorf("Shah Cheragh 2022: got %+v", sc)
	}
	if rc := byID["rask-chabahar-2024"]; rc.Suicide != nil || rc.Lat != nil || rc.PlacePrecision != model.PlaceAdmin1 ||
		rc.End != (model.Date{Year: 2024, Month: 4, Day: 4}) {
		t.Errorf("Rask/Chabahar 2024: got suicide %v lat %v precision %s end %s", rc.Suicide, rc.Lat, rc.PlacePrecision, rc.End)
	}
}

// The complete example in demo/README.md must be a valid mapping, so the
// documentation cannot drift from the code.
func TestReadmeExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(demoDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, after, ok := strings.Cut(doc, "### A complete example")
	if !ok {
		t.Fatal("README.md has no complete example")
	}
	_, after, ok = strings.Cut(after, "```toml\n")
	if !ok {
		t.Fatal("the complete example has no toml block")
	}
	example, _, ok := strings.Cut(after, "```")
	if !ok {
		t.Fatal("the complete example's toml block is not closed")
	}
	m, err := ParseMapping("README.md example", []byte(example))
	if err != nil {
		t.Fatalf("README example: %v", err)
	}
	if m.Source != "mylist" || m.Delimiter != "\t" || m.Columns.Codes["url"] != "Source URL" {
		t.Errorf("README example decoded as %+v", m)
	}
}
