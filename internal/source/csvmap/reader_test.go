package csvmap

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

var fetched = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

// readAll reads every row, separating records from row errors; a fatal
// error stops it.
func readAll(t testing.TB, m *Mapping, data []byte, name string) ([]model.Record, []*source.RowError) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), m, source.Options{Name: name, Fetched: fetched})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var recs []model.Record
	var rerrs []*source.RowError
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs, rerrs
		}
		var re *source.RowError
		if errors.As(err, &re) {
			rerrs = append(rerrs, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		recs = append(recs, rec)
	}
}

func load(t testing.TB, name string) (*Mapping, []byte) {
	t.Helper()
	m, err := LoadMapping(filepath.Join("testdata", name+".toml"))
	if err != nil {
		t.Fatal(err)
	}
	ext := ".csv"
	if name == "tsv" {
		ext = ".tsv"
	}
	data, err := os.ReadFile(filepath.Join("testdata", name+ext))
	if err != nil {
		t.Fatal(err)
	}
	return m, data
}

func ptr[T any](v T) *T { return &v }

func TestReaderFixture(t *testing.T) {
	m, data := load(t, "incidents")
	recs, rerrs := readAll(t, m, data, "incidents.csv")
	if len(rerrs) != 0 {
		t.Fatalf("row errors: got %v, want none", rerrs)
	}
	if len(recs) != 6 {
		t.Fatalf("records: got %d, want 6", len(recs))
	}

	t1 := recs[0]
	wantReport := model.Report{
		ID: "csv:test:t1", Source: "csv:test", SourceRef: "t1",
		Origin: "incidents.csv:2", Fetched: fetched,
		Published: ptr(time.Date(2017, 6, 8, 10, 0, 0, 0, time.UTC)),
	}
	gotReport := t1.Report
	gotReport.Raw, gotReport.Hash = nil, ""
	if !reflect.DeepEqual(gotReport, wantReport) {
		t.Errorf("t1 report:\n got %+v\nwant %+v", gotReport, wantReport)
	}
	wantRaw := `t1,,2017-06-07,,,IR,Tehran,Tehran,35.6926,51.4330,exact,Shooting,government_general,firearms,Islamic State,ISIS,yes,2,17,16,17,,30,,,at_least,"Gunmen stormed the parliament, ""Majlis"".",t2,2017-06-08T10:00:00Z,https://example.org/a`
	if string(t1.Report.Raw) != wantRaw {
		t.Errorf("t1 raw:\n got %s\nwant %s", t1.Report.Raw, wantRaw)
	}
	if t1.Report.Hash != source.Hash(t1.Report.Raw) {
		t.Errorf("t1 hash: got %s, want the hash of raw", t1.Report.Hash)
	}
	d := model.Date{Year: 2017, Month: 6, Day: 7}
	wantClaim := model.Claim{
		ID: "csv:test:t1#1", ReportID: "csv:test:t1", Source: "csv:test",
		Start: d, End: d, DatePrecision: model.PrecisionDay,
		Country: "IR", Admin1: "Tehran", Place: "Tehran", Lat: ptr(35.6926), Lon: ptr(51.4330), PlacePrecision: model.PlaceExact,
		AttackType: model.ArmedAssault, TargetType: "government_general", Weapon: "firearms",
		Perpetrator: "Islamic State", ClaimedBy: []string{"Islamic State"},
		Killed:  &model.Range{Low: 16, Best: 17, High: 17, Qualifier: model.Exact},
		Wounded: &model.Range{Low: 30, Best: 30, High: 30, Qualifier: model.AtLeast},
		Suicide: ptr(true), Sites: 2, Related: []string{"t2"},
		Text:  `Gunmen stormed the parliament, "Majlis".`,
		Codes: map[string]string{"url": "https://example.org/a", "type_of_attack": "Shooting", "claims": "ISIS"},
	}
	if !reflect.DeepEqual(t1.Claim, wantClaim) {
		t.Errorf("t1 claim:\n got %+v\nwant %+v", t1.Claim, wantClaim)
	}

	// t2 spans two physical lines; the next row's line number must count both.
	if got, want := recs[1].Report.Origin, "incidents.csv:3"; got != want {
		t.Errorf("t2 origin: got %s, want %s", got, want)
	}
	if got, want := recs[1].Claim.Text, "Attack on the mausoleum,\nover two lines."; got != want {
		t.Errorf("t2 text: got %q, want %q", got, want)
	}
	if got, want := recs[1].Claim.Wounded, (&model.Range{Low: 2, Best: 4, High: 4, Qualifier: model.Exact}); !reflect.DeepEqual(got, want) {
		t.Errorf("t2 wounded: got %v, want %v", got, want)
	}
	if got, want := recs[1].Claim.Country, "IR"; got != want {
		t.Errorf("t2 country by name: got %q, want %q", got, want)
	}

	t3 := recs[2]
	if got, want := t3.Report.Origin, "incidents.csv:5"; got != want {
		t.Errorf("t3 origin: got %s, want %s", got, want)
	}
	if got, want := t3.Report.ID, "csv:test:t3@2"; got != want {
		t.Errorf("t3 report id with revision: got %s, want %s", got, want)
	}
	if t3.Claim.Start != (model.Date{Year: 2024, Month: 1, Day: 1}) || t3.Claim.End != (model.Date{Year: 2024, Month: 12, Day: 31}) ||
		t3.Claim.DatePrecision != model.PrecisionYear {
		t.Errorf("t3 year-only date: got %s–%s %s, want 2024-01-01–2024-12-31 year", t3.Claim.Start, t3.Claim.End, t3.Claim.DatePrecision)
	}
	if !reflect.DeepEqual(t3.Claim.ClaimedBy, []string{"Islamic State", "Islamic State"}) {
		t.Errorf("t3 claimed_by: got %q, want two mapped items and the empty one dropped", t3.Claim.ClaimedBy)
	}
	if t3.Claim.AttackType != model.Bombing || t3.Claim.Country != "IR" || t3.Claim.PlacePrecision != model.PlaceAdmin1 {
		t.Errorf("t3: got attack %s country %s place precision %s, want bombing IR admin1",
			t3.Claim.AttackType, t3.Claim.Country, t3.Claim.PlacePrecision)
	}
	if got, want := t3.Claim.Killed, (&model.Range{Low: 84, Best: 95, High: 103, Qualifier: model.Exact}); !reflect.DeepEqual(got, want) {
		t.Errorf("t3 killed: got %v, want %v", got, want)
	}

	t4 := recs[3]
	if t4.Claim.Start != (model.Date{Year: 2023, Month: 8, Day: 1}) || t4.Claim.End != (model.Date{Year: 2023, Month: 8, Day: 31}) ||
		t4.Claim.DatePrecision != model.PrecisionMonth {
		t.Errorf("t4 month date: got %s–%s %s, want 2023-08-01–2023-08-31 month", t4.Claim.Start, t4.Claim.End, t4.Claim.DatePrecision)
	}
	if got, want := t4.Claim.Killed, (&model.Range{Low: 4, Best: 2, High: 1, Qualifier: model.Exact}); !reflect.DeepEqual(got, want) {
		t.Errorf("t4 killed kept as given: got %v, want %v", got, want)
	}
	if !reflect.DeepEqual(t4.Claim.Flags, []string{model.FlagKilledRangeOrder}) {
		t.Errorf("t4 flags: got %q, want [%s]", t4.Claim.Flags, model.FlagKilledRangeOrder)
	}
	if t4.Claim.AttackType != model.ArmedAssault || t4.Claim.TargetType != "religious_figures_institutions" || t4.Claim.Weapon != "firearms" {
		t.Errorf("t4 normalised enums: got %s %s %s", t4.Claim.AttackType, t4.Claim.TargetType, t4.Claim.Weapon)
	}
	if t4.Claim.Suicide == nil || *t4.Claim.Suicide {
		t.Errorf("t4 suicide: got %v, want false", t4.Claim.Suicide)
	}
	if t4.Claim.PlacePrecision != model.PlaceCity {
		t.Errorf("t4 place precision inferred from the place: got %s, want city", t4.Claim.PlacePrecision)
	}

	t5 := recs[4]
	if t5.Claim.Start != (model.Date{Year: 2023, Month: 8, Day: 13}) || t5.Claim.End != (model.Date{Year: 2023, Month: 8, Day: 14}) ||
		t5.Claim.DatePrecision != model.PrecisionDay {
		t.Errorf("t5 dd/mm/yyyy with end: got %s–%s %s, want 2023-08-13–2023-08-14 day", t5.Claim.Start, t5.Claim.End, t5.Claim.DatePrecision)
	}
	if t5.Claim.AttackType != model.UnknownAttack || t5.Claim.Killed != nil || t5.Claim.Suicide != nil {
		t.Errorf("t5 empty cells: got attack %s killed %v suicide %v, want unknown, nil, nil", t5.Claim.AttackType, t5.Claim.Killed, t5.Claim.Suicide)
	}

	t6 := recs[5]
	if t6.Claim.Start != (model.Date{Year: 2018, Month: 6, Day: 1}) || t6.Claim.DatePrecision != model.PrecisionMonth {
		t.Errorf("t6 month layout 01/2006: got %s %s, want 2018-06-01 month", t6.Claim.Start, t6.Claim.DatePrecision)
	}
	if got, want := t6.Claim.Killed, (&model.Range{Low: 25, Best: 25, High: 25, Qualifier: model.About}); !reflect.DeepEqual(got, want) {
		t.Errorf("t6 Persian digits and qualifier: got %v, want %v", got, want)
	}
	if t6.Claim.PlacePrecision != model.PlaceCountry {
		t.Errorf("t6 place precision: got %s, want country", t6.Claim.PlacePrecision)
	}

	r, err := NewReader(bytes.NewReader(data), m, source.Options{Name: "incidents.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Source(), (model.Source{Name: "csv:test", Kind: model.KindDataset, Title: "csvmap test fixture", Reliability: 0.6}); got != want {
		t.Errorf("Source: got %+v, want %+v", got, want)
	}
}

func TestReaderTSVWindows1252(t *testing.T) {
	m, data := load(t, "tsv")
	recs, rerrs := readAll(t, m, data, "tsv.tsv")
	if len(rerrs) != 0 || len(recs) != 2 {
		t.Fatalf("got %d records and row errors %v, want 2 and none", len(recs), rerrs)
	}
	c := recs[0].Claim
	if c.Place != "Ahvâz" {
		t.Errorf("place decoded from Windows-1252: got %q, want %q", c.Place, "Ahvâz")
	}
	if c.Text != `Café – parade, "quoted"` {
		t.Errorf("text with a lazy quote and an en dash: got %q", c.Text)
	}
	if !reflect.DeepEqual(c.ClaimedBy, []string{"Islamic State", "Ahvaz National Resistance"}) {
		t.Errorf("claimed_by split on |: got %q", c.ClaimedBy)
	}
	if c.Start != (model.Date{Year: 2018, Month: 9, Day: 22}) {
		t.Errorf("start mapped as start: got %s", c.Start)
	}
	if got, want := string(recs[0].Report.Raw), "w1\t2018-09-22\tIran\tAhvâz\tarmed_assault\tIslamic State|Ahvaz National Resistance\t25\t\"Café – parade, \"\"quoted\"\"\""; got != want {
		t.Errorf("raw re-encoded as UTF-8 TSV:\n got %q\nwant %q", got, want)
	}
	if recs[1].Claim.Place != "Zâhedân" || recs[1].Report.Origin != "tsv.tsv:3" {
		t.Errorf("second row: got place %q origin %s", recs[1].Claim.Place, recs[1].Report.Origin)
	}

	// Without lazy_quotes the quoted word is malformed CSV: one row error,
	// and the next row still reads.
	strict := *m
	strict.LazyQuotes = false
	recs, rerrs = readAll(t, &strict, data, "tsv.tsv")
	if len(recs) != 1 || len(rerrs) != 1 || rerrs[0].Line != 2 || !strings.Contains(rerrs[0].Reason, "malformed CSV") {
		t.Errorf("strict quotes: got %d records and row errors %v, want 1 record and one malformed-CSV error on line 2", len(recs), rerrs)
	}

	// Read as UTF-8, the Windows-1252 bytes are invalid: a row error that says what to do.
	utf := *m
	utf.Encoding = ""
	_, rerrs = readAll(t, &utf, data, "tsv.tsv")
	if len(rerrs) != 2 || !strings.Contains(rerrs[0].Reason, "windows-1252") || rerrs[0].Field != "City" {
		t.Errorf("Windows-1252 read as UTF-8: got %v, want 2 row errors on column City naming windows-1252", rerrs)
	}
}

// rowMapping maps every field to a column named differently, so that each
// row error can be checked to name the column, not the field.
const rowMapping = `
source = "rows"
id = "ID"
revision = "Rev"
[columns]
date = "Date"
end = "End"
date_precision = "DatePrec"
country = "Nation"
place = "Town"
lat = "Y"
lon = "X"
place_precision = "LocPrec"
attack_type = "Kind"
target_type = "Target"
weapon = "Arms"
claimed_by = "Claims"
suicide = "Martyr"
sites = "NSites"
killed = "Dead"
killed_low = "DeadMin"
killed_high = "DeadMax"
killed_qualifier = "DeadQ"
wounded = "Hurt"
wounded_low = "HurtMin"
wounded_high = "HurtMax"
wounded_qualifier = "HurtQ"
published = "Pub"
[values.suicide]
"unknown" = ""
[values.claimed_by]
"" = "nobody yet"
`

var rowHeader = []string{"ID", "Rev", "Date", "End", "DatePrec", "Nation", "Town", "Y", "X", "LocPrec", "Kind", "Target",
	"Arms", "Claims", "Martyr", "NSites", "Dead", "DeadMin", "DeadMax", "DeadQ", "Hurt", "HurtMin", "HurtMax", "HurtQ", "Pub"}

// rowCSV makes a one-row file from a valid row with some cells replaced.
func rowCSV(cells map[string]string) []byte {
	base := map[string]string{"ID": "r1", "Date": "2024-01-03", "Nation": "IR"}
	for k, v := range cells {
		base[k] = v
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(rowHeader, ",") + "\n")
	vals := make([]string, len(rowHeader))
	for i, h := range rowHeader {
		vals[i] = base[h]
	}
	b.WriteString(strings.Join(vals, ",") + "\n")
	return b.Bytes()
}

func TestReaderRows(t *testing.T) {
	m, err := ParseMapping("rows.toml", []byte(rowMapping))
	if err != nil {
		t.Fatal(err)
	}
	type check func(t *testing.T, c model.Claim, rep model.Report)
	tests := []struct {
		name    string
		cells   map[string]string
		errCol  string // column the row error names; "" for a good row
		errText []string
		check   check
	}{
		{name: "bad attack type", cells: map[string]string{"Kind": "suicide bombing"}, errCol: "Kind",
			errText: []string{"attack_type", `"suicide bombing" is not an attack type`}},
		{name: "bad target type", cells: map[string]string{"Target": "shrine"}, errCol: "Target", errText: []string{"target_type", "shrine"}},
		{name: "bad weapon", cells: map[string]string{"Arms": "rifle"}, errCol: "Arms", errText: []string{"weapon", "rifle"}},
		{name: "bad country", cells: map[string]string{"Nation": "Atlantis"}, errCol: "Nation", errText: []string{"country", "Atlantis"}},
		{name: "country by name", cells: map[string]string{"Nation": "iran (islamic republic of)"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Country != "IR" {
				t.Errorf("country: got %q, want IR", c.Country)
			}
		}},
		{name: "lat out of range", cells: map[string]string{"Y": "95", "X": "51"}, errCol: "Y", errText: []string{"lat", "outside"}},
		{name: "lon out of range", cells: map[string]string{"Y": "35", "X": "-181"}, errCol: "X", errText: []string{"lon", "outside"}},
		{name: "lat not a number", cells: map[string]string{"Y": "north", "X": "51"}, errCol: "Y", errText: []string{"lat", "not a number"}},
		{name: "lat NaN", cells: map[string]string{"Y": "NaN", "X": "51"}, errCol: "Y", errText: []string{"lat"}},
		{name: "lat without lon", cells: map[string]string{"Y": "35"}, errCol: "X", errText: []string{"lon", "both"}},
		{name: "bad place precision", cells: map[string]string{"LocPrec": "street"}, errCol: "LocPrec", errText: []string{"place_precision", "street"}},
		{name: "bad date", cells: map[string]string{"Date": "3 Jan 2024"}, errCol: "Date", errText: []string{"date", "3 Jan 2024", "2006-01-02"}},
		{name: "impossible date", cells: map[string]string{"Date": "2023-02-30"}, errCol: "Date", errText: []string{"date"}},
		{name: "bad month", cells: map[string]string{"Date": "2023-13"}, errCol: "Date", errText: []string{"month 13"}},
		{name: "empty date", cells: map[string]string{"Date": ""}, errCol: "Date", errText: []string{"date", "empty"}},
		{name: "end before start", cells: map[string]string{"End": "2024-01-02"}, errCol: "End", errText: []string{"end", "before"}},
		{name: "bad date precision", cells: map[string]string{"DatePrec": "decade"}, errCol: "DatePrec", errText: []string{"date_precision", "decade"}},
		{name: "precision finer than the cell", cells: map[string]string{"Date": "2024-01", "DatePrec": "day"}, errCol: "DatePrec",
			errText: []string{"date_precision", "finer"}},
		{name: "coarser precision widens the period", cells: map[string]string{"Date": "2024-01-03", "DatePrec": "month"},
			check: func(t *testing.T, c model.Claim, _ model.Report) {
				if c.Start != (model.Date{Year: 2024, Month: 1, Day: 1}) || c.End != (model.Date{Year: 2024, Month: 1, Day: 31}) || c.DatePrecision != model.PrecisionMonth {
					t.Errorf("got %s–%s %s, want 2024-01-01–2024-01-31 month", c.Start, c.End, c.DatePrecision)
				}
			}},
		{name: "week precision", cells: map[string]string{"DatePrec": "Week"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.End != (model.Date{Year: 2024, Month: 1, Day: 9}) || c.DatePrecision != model.PrecisionWeek {
				t.Errorf("got %s–%s %s, want end 2024-01-09 week", c.Start, c.End, c.DatePrecision)
			}
		}},
		{name: "year start, month end", cells: map[string]string{"Date": "2023", "End": "2024-02"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Start != (model.Date{Year: 2023, Month: 1, Day: 1}) || c.End != (model.Date{Year: 2024, Month: 2, Day: 29}) || c.DatePrecision != model.PrecisionYear {
				t.Errorf("got %s–%s %s, want 2023-01-01–2024-02-29 year", c.Start, c.End, c.DatePrecision)
			}
		}},
		{name: "bad killed", cells: map[string]string{"Dead": "many"}, errCol: "Dead", errText: []string{"killed", `"many" is not a whole number`}},
		{name: "negative killed", cells: map[string]string{"Dead": "-3"}, errCol: "Dead", errText: []string{"killed", "range"}},
		{name: "fractional killed", cells: map[string]string{"Dead": "2.5"}, errCol: "Dead", errText: []string{"killed", "whole"}},
		{name: "spreadsheet whole number", cells: map[string]string{"Dead": "12.0"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Killed == nil || c.Killed.Best != 12 {
				t.Errorf("killed: got %v, want 12", c.Killed)
			}
		}},
		{name: "bad killed_low", cells: map[string]string{"Dead": "5", "DeadMin": "x"}, errCol: "DeadMin", errText: []string{"killed_low"}},
		{name: "bad wounded_high", cells: map[string]string{"Hurt": "5", "HurtMax": "?"}, errCol: "HurtMax", errText: []string{"wounded_high"}},
		{name: "low without best", cells: map[string]string{"DeadMin": "3"}, errCol: "Dead", errText: []string{"killed", "best"}},
		{name: "bad qualifier", cells: map[string]string{"Dead": "5", "DeadQ": "roughly"}, errCol: "DeadQ", errText: []string{"killed_qualifier", "roughly"}},
		{name: "qualifier without a figure is ignored", cells: map[string]string{"DeadQ": "exact"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Killed != nil {
				t.Errorf("killed: got %v, want nil", c.Killed)
			}
		}},
		{name: "range with qualifier", cells: map[string]string{"Dead": "95", "DeadMin": "84", "DeadMax": "103", "DeadQ": "At least"},
			check: func(t *testing.T, c model.Claim, _ model.Report) {
				if want := (&model.Range{Low: 84, Best: 95, High: 103, Qualifier: model.AtLeast}); !reflect.DeepEqual(c.Killed, want) {
					t.Errorf("killed: got %v, want %v", c.Killed, want)
				}
				if len(c.Flags) != 0 {
					t.Errorf("flags: got %q, want none", c.Flags)
				}
			}},
		{name: "single figure", cells: map[string]string{"Hurt": "284"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if want := (&model.Range{Low: 284, Best: 284, High: 284, Qualifier: model.Exact}); !reflect.DeepEqual(c.Wounded, want) {
				t.Errorf("wounded: got %v, want %v", c.Wounded, want)
			}
		}},
		{name: "wounded out of order flagged", cells: map[string]string{"Hurt": "10", "HurtMax": "7"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if want := (&model.Range{Low: 10, Best: 10, High: 7, Qualifier: model.Exact}); !reflect.DeepEqual(c.Wounded, want) {
				t.Errorf("wounded kept as given: got %v, want %v", c.Wounded, want)
			}
			if !reflect.DeepEqual(c.Flags, []string{model.FlagWoundedRangeOrder}) {
				t.Errorf("flags: got %q, want [%s]", c.Flags, model.FlagWoundedRangeOrder)
			}
		}},
		{name: "bad suicide", cells: map[string]string{"Martyr": "maybe"}, errCol: "Martyr", errText: []string{"suicide", "maybe"}},
		{name: "suicide yes", cells: map[string]string{"Martyr": "YES"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Suicide == nil || !*c.Suicide {
				t.Errorf("suicide: got %v, want true", c.Suicide)
			}
		}},
		{name: "suicide mapped to empty", cells: map[string]string{"Martyr": "Unknown"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Suicide != nil {
				t.Errorf("suicide: got %v, want nil", *c.Suicide)
			}
		}},
		{name: "bad sites", cells: map[string]string{"NSites": "two"}, errCol: "NSites", errText: []string{"sites", "two"}},
		{name: "empty id", cells: map[string]string{"ID": ""}, errCol: "ID", errText: []string{"id", "empty"}},
		{name: "bad revision", cells: map[string]string{"Rev": "v2"}, errCol: "Rev", errText: []string{"revision", "v2"}},
		{name: "bad published", cells: map[string]string{"Pub": "yesterday"}, errCol: "Pub", errText: []string{"published", "yesterday"}},
		{name: "published date", cells: map[string]string{"Pub": "2024-01-04"}, check: func(t *testing.T, _ model.Claim, rep model.Report) {
			if rep.Published == nil || !rep.Published.Equal(time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("published: got %v, want 2024-01-04 00:00 UTC", rep.Published)
			}
		}},
		{name: "empty claimed_by mapped by the empty key", check: func(t *testing.T, c model.Claim, _ model.Report) {
			if !reflect.DeepEqual(c.ClaimedBy, []string{"nobody yet"}) {
				t.Errorf("claimed_by: got %q, want [nobody yet]", c.ClaimedBy)
			}
		}},
		{name: "Persian digits in a date", cells: map[string]string{"Date": "۲۰۲۴-۰۱-۰۳"}, check: func(t *testing.T, c model.Claim, _ model.Report) {
			if c.Start != (model.Date{Year: 2024, Month: 1, Day: 3}) {
				t.Errorf("start: got %s, want 2024-01-03", c.Start)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rerrs := readAll(t, m, rowCSV(tt.cells), "rows.csv")
			if tt.errCol == "" {
				if len(rerrs) != 0 || len(recs) != 1 {
					t.Fatalf("got %d records and row errors %v, want one record", len(recs), rerrs)
				}
				tt.check(t, recs[0].Claim, recs[0].Report)
				return
			}
			if len(rerrs) != 1 || len(recs) != 0 {
				t.Fatalf("got %d records and row errors %v, want one row error", len(recs), rerrs)
			}
			re := rerrs[0]
			if re.File != "rows.csv" || re.Line != 2 || re.Field != tt.errCol {
				t.Errorf("row error at %s:%d field %q, want rows.csv:2 field %q", re.File, re.Line, re.Field, tt.errCol)
			}
			for _, w := range tt.errText {
				if !strings.Contains(re.Reason, w) {
					t.Errorf("reason: got %q, want it to contain %q", re.Reason, w)
				}
			}
			if !strings.HasPrefix(re.Raw, "r1,") && tt.cells["ID"] != "" {
				t.Errorf("raw: got %q, want the row", re.Raw)
			}
		})
	}
}

func TestReaderHeaderErrors(t *testing.T) {
	m, err := ParseMapping("rows.toml", []byte(rowMapping))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("missing columns", func(t *testing.T) {
		data := "ID,Rev,Date,End,DatePrec,Nation\nr1,,2024-01-03,,,IR\n"
		_, err := NewReader(strings.NewReader(data), m, source.Options{Name: "short.csv"})
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Fatalf("got %v, want a *HeaderError", err)
		}
		for _, w := range []string{"short.csv", "rows.toml", `"Town" (place)`, `"Dead" (killed)`, "the header has: ID, Rev, Date, End, DatePrec, Nation"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q: want it to contain %q", err, w)
			}
		}
		if len(he.Missing) == 0 || he.Missing[0].Column != "Town" || !reflect.DeepEqual(he.Missing[0].Fields, []string{"place"}) {
			t.Errorf("first missing column: got %+v, want Town (place)", he.Missing)
		}
		var ke *source.KindError
		if !errors.As(err, &ke) || ke.Kind != "csv:rows" || !contains(ke.Missing, "Town") {
			t.Errorf("got KindError %+v, want kind csv:rows missing Town", ke)
		}
	})
	t.Run("case-insensitive header", func(t *testing.T) {
		lower := strings.ToLower(strings.Join(rowHeader, ","))
		data := "\ufeff" + lower + "\nr1" + strings.Repeat(",", len(rowHeader)-1) + "\n"
		data = strings.Replace(data, "r1,,", "r1,,2024-01-03", 1)
		recs, rerrs := readAll(t, m, []byte(data), "lower.csv")
		if len(recs) != 1 || len(rerrs) != 0 {
			t.Errorf("got %d records and %v, want one record", len(recs), rerrs)
		}
	})
	t.Run("duplicate mapped column", func(t *testing.T) {
		data := strings.Join(rowHeader, ",") + ",Dead\n"
		_, err := NewReader(strings.NewReader(data), m, source.Options{Name: "dup.csv"})
		if err == nil || !strings.Contains(err.Error(), `"Dead"`) || !strings.Contains(err.Error(), "2 times") {
			t.Errorf("got %v, want an error naming the repeated column Dead", err)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		_, err := NewReader(strings.NewReader(""), m, source.Options{Name: "empty.csv"})
		if err == nil || !strings.Contains(err.Error(), "empty.csv") {
			t.Errorf("got %v, want an error naming empty.csv", err)
		}
	})
	t.Run("invalid hand-built mapping", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("a\n"), &Mapping{Source: "x"}, source.Options{Name: "a.csv"})
		if err == nil || !strings.Contains(err.Error(), "id") {
			t.Errorf("got %v, want the mapping's validation error", err)
		}
		if _, err := NewReader(strings.NewReader("a\n"), nil, source.Options{}); err == nil {
			t.Error("nil mapping: got no error")
		}
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestReaderBadRowsContinue(t *testing.T) {
	m, err := ParseMapping("rows.toml", []byte(rowMapping))
	if err != nil {
		t.Fatal(err)
	}
	h := strings.Join(rowHeader, ",")
	empty := strings.Repeat(",", len(rowHeader)-3)
	data := h + "\n" +
		"a,,2024-01-03" + empty + "\n" + // line 2: good
		"b,,2024-01-03\n" + // line 3: short row
		"a,,2024-01-04" + empty + "\n" + // line 4: duplicate id
		"c,,2024-01-0\"5" + empty + "\n" + // line 5: bare quote
		"d,,2024-01-06" + empty + "\n" // line 6: good
	recs, rerrs := readAll(t, m, []byte(data), "mixed.csv")
	if len(recs) != 2 || recs[0].Report.SourceRef != "a" || recs[1].Report.SourceRef != "d" {
		t.Fatalf("got records %d, want a and d", len(recs))
	}
	if got, want := recs[1].Report.Origin, "mixed.csv:6"; got != want {
		t.Errorf("origin after bad rows: got %s, want %s", got, want)
	}
	want := []struct {
		line  int
		field string
		text  string
	}{{3, "", "fields"}, {4, "ID", "line 2"}, {5, "", "malformed CSV"}}
	if len(rerrs) != len(want) {
		t.Fatalf("row errors: got %v, want %d", rerrs, len(want))
	}
	for i, w := range want {
		if rerrs[i].Line != w.line || rerrs[i].Field != w.field || !strings.Contains(rerrs[i].Reason, w.text) {
			t.Errorf("row error %d: got %v (line %d field %q), want line %d field %q containing %q",
				i, rerrs[i], rerrs[i].Line, rerrs[i].Field, w.line, w.field, w.text)
		}
	}
}
