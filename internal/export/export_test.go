package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func ptr[T any](v T) *T { return &v }

func sample() []model.Incident {
	seen := time.Date(2024, 1, 4, 8, 0, 0, 0, time.UTC)
	kerman := model.Incident{ID: "i000000000001", Version: 3, Status: model.StatusConfirmed,
		Start: model.Date{Year: 2024, Month: 1, Day: 3}, End: model.Date{Year: 2024, Month: 1, Day: 3},
		DatePrecision: model.PrecisionDay, Country: "IR", Admin1: "Kerman", Place: "Kerman",
		Lat: ptr(30.2656), Lon: ptr(57.0753), PlacePrecision: model.PlaceExact,
		AttackType: model.Bombing, TargetType: "religious_figures_institutions", Weapon: "explosives",
		Perpetrator: "Islamic State", ClaimedBy: []string{"Islamic State"}, Suicide: ptr(true), Sites: 2,
		Killed:    &model.Range{Low: 84, Best: 95, High: 103, Qualifier: model.About},
		Wounded:   &model.Range{Low: 284, Best: 284, High: 284, Qualifier: model.About},
		Contested: []string{"killed"}, Sources: 13, FirstSeen: seen, Updated: seen.Add(72 * time.Hour)}
	unplaced := model.Incident{ID: "i000000000002", Version: 1, Status: model.StatusUnverified,
		Start: model.Date{Year: 2017, Month: 6, Day: 1}, End: model.Date{Year: 2017, Month: 6, Day: 30},
		DatePrecision: model.PrecisionMonth, Country: "IR", PlacePrecision: model.PlaceCountry,
		AttackType: model.UnknownAttack, ClaimedBy: []string{}, Contested: []string{}, Sources: 1,
		Perpetrator: "جیش العدل", FirstSeen: seen, Updated: seen}
	return []model.Incident{kerman, unplaced}
}

func render(t *testing.T, f Format, incs []model.Incident) ([]byte, Writer) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if err := w.Write(inc); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w
}

func TestGolden(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			got, _ := render(t, f, sample())
			path := filepath.Join("testdata", "incidents."+string(f))
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s output differs from %s:\ngot:\n%s\nwant:\n%s", f, path, got, want)
			}
		})
	}
}

func TestJSONShape(t *testing.T) {
	out, _ := render(t, JSON, sample())
	var got []map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	if len(got) != 2 {
		t.Fatalf("got %d objects, want 2", len(got))
	}
	k := got[0]["killed"].(map[string]any)
	if k["low"] != 84.0 || k["best"] != 95.0 || k["high"] != 103.0 {
		t.Errorf("killed = %v, want low 84 best 95 high 103", k)
	}
	for _, key := range []string{"id", "version", "status", "start", "end", "date_precision", "country", "admin1", "place",
		"lat", "lon", "place_precision", "attack_type", "target_type", "perpetrator", "claimed_by", "suicide", "sites",
		"killed", "wounded", "contested", "sources", "first_seen", "updated"} {
		if _, ok := got[0][key]; !ok {
			t.Errorf("incident JSON lacks %q", key)
		}
	}
	if got[1]["killed"] != nil {
		t.Errorf("unknown killed = %v, want null", got[1]["killed"])
	}
}

func TestEmpty(t *testing.T) {
	for f, want := range map[Format]string{JSON: "[]\n", GeoJSON: "{\"type\":\"FeatureCollection\",\"features\":[\n\n]}\n", Table: "no incidents\n"} {
		got, _ := render(t, f, nil)
		if string(got) != want {
			t.Errorf("%s with no incidents = %q, want %q", f, got, want)
		}
	}
	got, _ := render(t, CSV, nil)
	rows, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
	if err != nil || len(rows) != 1 || len(rows[0]) != len(CSVHeader) {
		t.Errorf("empty CSV = %q (%v), want the header only", got, err)
	}
}

func TestGeoJSON(t *testing.T) {
	out, w := render(t, GeoJSON, sample())
	if Skipped(w) != 1 {
		t.Errorf("skipped = %d, want 1 (the incident without coordinates)", Skipped(w))
	}
	var fc struct {
		Type     string
		Features []struct {
			Type     string
			Geometry struct {
				Type        string
				Coordinates []float64
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(out, &fc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 1 {
		t.Fatalf("got %s with %d features, want FeatureCollection with 1", fc.Type, len(fc.Features))
	}
	g := fc.Features[0].Geometry
	if g.Type != "Point" || len(g.Coordinates) != 2 || g.Coordinates[0] != 57.0753 || g.Coordinates[1] != 30.2656 {
		t.Errorf("geometry = %+v, want Point [57.0753 30.2656] (lon, lat)", g)
	}
	if _, ok := fc.Features[0].Properties["lat"]; ok {
		t.Errorf("properties repeat lat; the geometry holds it")
	}
}

func TestCSVRoundTrip(t *testing.T) {
	out, _ := render(t, CSV, sample())
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want header + 2", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, c := range []struct{ col, want string }{{"killed_low", "84"}, {"killed_best", "95"}, {"killed_high", "103"},
		{"killed_qualifier", "about"}, {"suicide", "true"}, {"lat", "30.2656"}, {"contested", "killed"}} {
		if got := rows[1][col[c.col]]; got != c.want {
			t.Errorf("%s = %q, want %q", c.col, got, c.want)
		}
	}
	if got := rows[2][col["perpetrator"]]; got != "جیش العدل" {
		t.Errorf("perpetrator = %q, want the Persian name unchanged", got)
	}
}

func TestParseFormat(t *testing.T) {
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) gave no error")
	}
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%s) = %v, %v", f, got, err)
		}
	}
}
