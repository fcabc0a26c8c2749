package gdelt

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/sourcetest"
)

var fetched = time.Date(2024, 1, 4, 9, 0, 0, 0, time.UTC)

func opts(name string, roots ...string) Options {
	return Options{Options: source.Options{Name: name, Fetched: fetched}, CAMEORoots: roots}
}

// readAll reads every record and row error of a reader.
func readAll(t testing.TB, r *Reader) ([]model.Record, []*source.RowError) {
	t.Helper()
	res := sourcetest.Drain(t, r)
	return res.Recs, res.Errs
}

func openFile(t *testing.T, path string, o Options) ([]model.Record, []*source.RowError, *Reader) {
	t.Helper()
	r, c, err := Open(path, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	defer c.Close()
	recs, errs := readAll(t, r)
	return recs, errs, r
}

func byRef(recs []model.Record) map[string]model.Record {
	m := map[string]model.Record{}
	for _, r := range recs {
		m[r.Report.SourceRef] = r
	}
	return m
}

func f64(v float64) *float64 { return &v }

func utc(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// checkRecord compares the fields of a record that a test states; Raw is
// checked to be a tab-separated row starting with the event id.
func checkRecord(t *testing.T, got model.Record, wantRep model.Report, want model.Claim) {
	t.Helper()
	rep := got.Report
	if rep.ID != wantRep.ID || rep.Source != "gdelt" || rep.SourceRef != wantRep.SourceRef || rep.Origin != wantRep.Origin ||
		rep.Revision != 0 || !rep.Fetched.Equal(fetched) || rep.Hash != source.Hash(rep.Raw) {
		t.Errorf("report %s: got id %q ref %q origin %q rev %d fetched %v; want id %q ref %q origin %q",
			wantRep.SourceRef, rep.ID, rep.SourceRef, rep.Origin, rep.Revision, rep.Fetched, wantRep.ID, wantRep.SourceRef, wantRep.Origin)
	}
	if !bytes.HasPrefix(rep.Raw, []byte(wantRep.SourceRef+"\t")) || bytes.ContainsAny(rep.Raw, "\r\n") {
		t.Errorf("report %s: raw %.60q is not the row line", wantRep.SourceRef, rep.Raw)
	}
	switch {
	case rep.Published == nil && wantRep.Published != nil, rep.Published != nil && wantRep.Published == nil:
		t.Errorf("report %s: published got %v, want %v", wantRep.SourceRef, rep.Published, wantRep.Published)
	case rep.Published != nil && !rep.Published.Equal(*wantRep.Published):
		t.Errorf("report %s: published got %v, want %v", wantRep.SourceRef, *rep.Published, *wantRep.Published)
	}
	c := got.Claim
	want.ID = rep.ID + "#1"
	want.ReportID = rep.ID
	want.Source = "gdelt"
	want.DatePrecision = model.PrecisionDay
	if want.End.IsZero() {
		want.End = want.Start
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claim %s:\n got %+v\nwant %+v", wantRep.SourceRef, c, want)
		if !reflect.DeepEqual(c.Codes, want.Codes) {
			for k, v := range want.Codes {
				if c.Codes[k] != v {
					t.Errorf("  Codes[%s] got %q, want %q", k, c.Codes[k], v)
				}
			}
			for k, v := range c.Codes {
				if _, ok := want.Codes[k]; !ok {
					t.Errorf("  Codes[%s] got %q, want none", k, v)
				}
			}
		}
	}
}

func TestRealExport(t *testing.T) {
	path := shareddata.Path(t, "gdelt", "20191024143000.export.CSV")
	recs, errs, r := openFile(t, path, opts("20191024143000.export.CSV"))
	for _, e := range errs {
		t.Errorf("row error: %v", e)
	}
	if len(recs) != 219 || r.Skipped() != 2111-219 {
		t.Fatalf("got %d records and %d skipped, want 219 and %d", len(recs), r.Skipped(), 2111-219)
	}
	if r.Source() != Source || Source.Reliability >= 0.5 || Source.Kind != model.KindDataset {
		t.Errorf("Source() = %+v, want the gdelt dataset with a low prior", r.Source())
	}
	for _, rec := range recs {
		root := rec.Claim.Codes["EventRootCode"]
		if root != "18" && root != "19" && root != "20" || !rec.Claim.AttackType.Valid() {
			t.Errorf("%s: root %q attack type %q", rec.Report.SourceRef, root, rec.Claim.AttackType)
		}
	}
	m := byRef(recs)
	added := utc("2019-10-24T14:30:00Z")

	// The one event of roots 18–20 placed in Iran: Syria and Israel
	// fighting, geocoded to Iran as a whole (ActionGeo_Type 1).
	checkRecord(t, m["881992451"],
		model.Report{ID: "gdelt:881992451", SourceRef: "881992451", Origin: "20191024143000.export.CSV:1620", Published: added},
		model.Claim{
			Start: model.Date{Year: 2019, Month: 10, Day: 24}, Country: "IR", Lat: f64(32), Lon: f64(53),
			PlacePrecision: model.PlaceCountry, AttackType: model.Bombing, Perpetrator: "SYRIA",
			Text: "https://www.jns.org/this-has-been-one-of-the-iafs-busiest-operational-years/",
			Codes: map[string]string{
				"EventCode": "194", "EventBaseCode": "194", "EventRootCode": "19", "QuadClass": "4",
				"GoldsteinScale": "-10.0", "NumMentions": "5", "NumSources": "1", "NumArticles": "5",
				"AvgTone": "-3.31384015594542", "Actor1Code": "SYR", "Actor2Code": "ISR", "Actor2Name": "ISRAELI",
				"IsRootEvent": "1", "ActionGeo_Type": "1", "ActionGeo_CountryCode": "IR", "ActionGeo_ADM1Code": "IR",
				"ActionGeo_FeatureID": "IR",
				"SOURCEURL":           "https://www.jns.org/this-has-been-one-of-the-iafs-busiest-operational-years/",
			},
		})
	// A world city, dated a year before it was added; FIPS GM is Germany.
	checkRecord(t, m["881990839"],
		model.Report{ID: "gdelt:881990839", SourceRef: "881990839", Origin: "20191024143000.export.CSV:8", Published: added},
		model.Claim{
			Start: model.Date{Year: 2018, Month: 10, Day: 24}, Country: "DE", Admin1: "Berlin", Place: "Berlin",
			Lat: f64(52.5167), Lon: f64(13.4), PlacePrecision: model.PlaceCity, AttackType: model.ArmedAssault,
			Perpetrator: "POLICE",
			Text:        "https://www.bgdailynews.com/news/international/germany-arrests-people-suspected-of-trafficking-syrians/article_824a692c-a4e9-577a-bdfa-bd01d220bb84.html",
			Codes: map[string]string{
				"EventCode": "190", "EventBaseCode": "190", "EventRootCode": "19", "QuadClass": "4",
				"GoldsteinScale": "-10.0", "NumMentions": "20", "NumSources": "2", "NumArticles": "20",
				"AvgTone": "-8.03827751196173", "Actor1Code": "COP", "Actor2Code": "DEU", "Actor2Name": "GERMAN",
				"IsRootEvent": "1", "ActionGeo_Type": "4", "ActionGeo_CountryCode": "GM", "ActionGeo_ADM1Code": "GM16",
				"ActionGeo_ADM2Code": "16538", "ActionGeo_FeatureID": "-1746443",
				"SOURCEURL": "https://www.bgdailynews.com/news/international/germany-arrests-people-suspected-of-trafficking-syrians/article_824a692c-a4e9-577a-bdfa-bd01d220bb84.html",
			},
		})
	// An ADM1 name with a comma of its own; FIPS UK is the United Kingdom.
	ed := m["881990845"].Claim
	if ed.Country != "GB" || ed.Admin1 != "Edinburgh, City of" || ed.Place != "Edinburgh" || ed.PlacePrecision != model.PlaceCity {
		t.Errorf("881990845: got country %q admin1 %q place %q precision %q; want GB, \"Edinburgh, City of\", Edinburgh, city",
			ed.Country, ed.Admin1, ed.Place, ed.PlacePrecision)
	}
	// A US state: admin1, no place.
	sc := m["881990981"].Claim
	if sc.Country != "US" || sc.Admin1 != "South Carolina" || sc.Place != "" || sc.PlacePrecision != model.PlaceAdmin1 ||
		*sc.Lat != 33.8191 || *sc.Lon != -80.9066 {
		t.Errorf("881990981: got %q %q %q %q %v %v; want US, South Carolina, no place, admin1, 33.8191 -80.9066",
			sc.Country, sc.Admin1, sc.Place, sc.PlacePrecision, *sc.Lat, *sc.Lon)
	}
	// An event with no geography.
	ng := m["881990884"].Claim
	if ng.Country != "" || ng.Lat != nil || ng.PlacePrecision != model.PlaceUnknown || len(ng.Flags) != 0 ||
		ng.AttackType != model.ArmedAssault {
		t.Errorf("881990884: got country %q lat %v precision %q flags %v attack %q; want none, nil, unknown, none, armed_assault",
			ng.Country, ng.Lat, ng.PlacePrecision, ng.Flags, ng.AttackType)
	}
}

func TestRealExportOtherRoot(t *testing.T) {
	path := shareddata.Path(t, "gdelt", "20191024143000.export.CSV")
	recs, errs, r := openFile(t, path, opts("export.CSV", "04"))
	if len(recs) != 460 || len(errs) != 0 || r.Skipped() != 2111-460 {
		t.Fatalf("roots [04]: got %d records, %d row errors, %d skipped; want 460, 0, %d", len(recs), len(errs), r.Skipped(), 2111-460)
	}
	c := byRef(recs)["881990833"].Claim
	if c.Codes["EventCode"] != "040" || c.Codes["EventRootCode"] != "04" || c.AttackType != model.UnknownAttack {
		t.Errorf("881990833: got EventCode %q root %q attack %q; want 040, 04, unknown",
			c.Codes["EventCode"], c.Codes["EventRootCode"], c.AttackType)
	}
}

func TestFixture20(t *testing.T) {
	recs, errs, r := openFile(t, filepath.Join("testdata", "events20.export.CSV"), opts("events20.export.CSV"))
	if len(errs) != 0 {
		t.Fatalf("row errors: %v", errs)
	}
	var refs []string
	for _, rec := range recs {
		refs = append(refs, rec.Report.SourceRef)
	}
	if want := []string{"1148923001", "1148923004", "1148923005", "1148923006", "1148923007"}; !reflect.DeepEqual(refs, want) || r.Skipped() != 2 {
		t.Fatalf("got refs %v and %d skipped, want %v and 2", refs, r.Skipped(), want)
	}
	m := byRef(recs)
	checkRecord(t, m["1148923001"],
		model.Report{ID: "gdelt:1148923001", SourceRef: "1148923001", Origin: "events20.export.CSV:1", Published: utc("2024-01-03T15:15:00Z")},
		model.Claim{
			Start: model.Date{Year: 2024, Month: 1, Day: 3}, Country: "IR", Admin1: "Kerman", Place: "Kerman",
			Lat: f64(30.2832), Lon: f64(57.0788), PlacePrecision: model.PlaceCity, AttackType: model.Bombing,
			Text: "https://example.org/news/2024/01/03/kerman-twin-blasts",
			Codes: map[string]string{
				"EventCode": "183", "EventBaseCode": "183", "EventRootCode": "18", "QuadClass": "4",
				"GoldsteinScale": "-10.0", "NumMentions": "40", "NumSources": "8", "NumArticles": "40",
				"AvgTone": "-9.12280701754386", "Actor2Code": "IRNCVL", "Actor2Name": "IRAN", "IsRootEvent": "1",
				"ActionGeo_Type": "4", "ActionGeo_CountryCode": "IR", "ActionGeo_ADM1Code": "IR29",
				"ActionGeo_ADM2Code": "22151", "ActionGeo_FeatureID": "-3072425",
				"SOURCEURL": "https://example.org/news/2024/01/03/kerman-twin-blasts",
			},
		})
	cases := []struct {
		ref                   string
		country, admin1, plac string
		prec                  model.PlacePrecision
		attack                model.AttackType
		flags                 []string
	}{
		{"1148923004", "", "", "", model.PlaceUnknown, model.ArmedAssault, nil},
		{"1148923005", "", "", "", model.PlaceCountry, model.Bombing, []string{FlagUnknownCountry}},
		{"1148923006", "US", "Texas", "", model.PlaceAdmin1, model.UnarmedAssault, nil},
		{"1148923007", "GB", "Edinburgh, City of", "Edinburgh", model.PlaceCity, model.Assassination, nil},
	}
	for _, tc := range cases {
		c := m[tc.ref].Claim
		if c.Country != tc.country || c.Admin1 != tc.admin1 || c.Place != tc.plac || c.PlacePrecision != tc.prec ||
			c.AttackType != tc.attack || !reflect.DeepEqual(c.Flags, tc.flags) || c.Killed != nil || c.Wounded != nil {
			t.Errorf("%s: got %q %q %q %q %q %v; want %q %q %q %q %q %v", tc.ref, c.Country, c.Admin1, c.Place,
				c.PlacePrecision, c.AttackType, c.Flags, tc.country, tc.admin1, tc.plac, tc.prec, tc.attack, tc.flags)
		}
	}
}

// TestLeadingZeroCodes reads a root with a leading zero, asked for with and
// without it, and checks the codes keep their zeros.
func TestLeadingZeroCodes(t *testing.T) {
	for _, roots := range [][]string{{"04"}, {"4"}, {" 04 ", "01"}} {
		recs, errs, _ := openFile(t, filepath.Join("testdata", "events20.export.CSV"), opts("x", roots...))
		if len(errs) != 0 || len(recs) == 0 {
			t.Fatalf("roots %q: got %d records, %v", roots, len(recs), errs)
		}
		c := recs[0].Claim
		if recs[0].Report.SourceRef != "1148923002" || c.Codes["EventCode"] != "040" || c.Codes["EventBaseCode"] != "040" ||
			c.Codes["EventRootCode"] != "04" || c.AttackType != model.UnknownAttack || c.Perpetrator != "IRAN" {
			t.Errorf("roots %q: got ref %q codes %v attack %q perpetrator %q; want 1148923002 with 040/040/04, unknown, IRAN",
				roots, recs[0].Report.SourceRef, c.Codes, c.AttackType, c.Perpetrator)
		}
	}
	for _, roots := range [][]string{{"184"}, {"x"}, {""}, {"1a"}} {
		if _, err := NewReader(strings.NewReader(""), opts("x", roots...)); err == nil {
			t.Errorf("roots %q: got no error, want one", roots)
		}
	}
}

func TestGDELT10(t *testing.T) {
	tests := []struct {
		file    string
		refs    []string
		skipped int
		first   model.Claim
		added   *time.Time
	}{
		{"events10_57.CSV", []string{"153127201", "153127202"}, 1, model.Claim{
			Start: model.Date{Year: 2011, Month: 7, Day: 22}, Country: "NO", Admin1: "Oslo", Place: "Oslo",
			Lat: f64(59.9167), Lon: f64(10.75), PlacePrecision: model.PlaceCity, AttackType: model.Bombing,
			Codes: map[string]string{
				"EventCode": "183", "EventBaseCode": "183", "EventRootCode": "18", "QuadClass": "4", "GoldsteinScale": "-10.0",
				"NumMentions": "30", "NumSources": "6", "NumArticles": "30", "AvgTone": "-8.1", "Actor2Code": "NORGOV",
				"Actor2Name": "NORWAY", "IsRootEvent": "1", "ActionGeo_Type": "4", "ActionGeo_CountryCode": "NO",
				"ActionGeo_ADM1Code": "NO12", "ActionGeo_FeatureID": "-2245338",
			},
		}, utc("2011-07-22T00:00:00Z")},
		{"events10_58.CSV", []string{"250812301", "272011401"}, 0, model.Claim{
			Start: model.Date{Year: 2013, Month: 4, Day: 15}, Country: "US", Admin1: "Massachusetts", Place: "Boston",
			Lat: f64(42.3584), Lon: f64(-71.0598), PlacePrecision: model.PlaceCity, AttackType: model.Bombing,
			Text: "https://example.org/news/2013/04/15/boston-marathon-explosions",
			Codes: map[string]string{
				"EventCode": "183", "EventBaseCode": "183", "EventRootCode": "18", "QuadClass": "4", "GoldsteinScale": "-10.0",
				"NumMentions": "50", "NumSources": "10", "NumArticles": "50", "AvgTone": "-10.2", "Actor2Code": "USACVL",
				"Actor2Name": "UNITED STATES", "IsRootEvent": "1", "ActionGeo_Type": "3", "ActionGeo_CountryCode": "US",
				"ActionGeo_ADM1Code": "USMA", "ActionGeo_FeatureID": "617565",
				"SOURCEURL": "https://example.org/news/2013/04/15/boston-marathon-explosions",
			},
		}, utc("2013-04-15T00:00:00Z")},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			recs, errs, r := openFile(t, filepath.Join("testdata", tc.file), opts(tc.file))
			if len(errs) != 0 {
				t.Fatalf("row errors: %v", errs)
			}
			var refs []string
			for _, rec := range recs {
				refs = append(refs, rec.Report.SourceRef)
			}
			if !reflect.DeepEqual(refs, tc.refs) || r.Skipped() != tc.skipped {
				t.Fatalf("got %v, %d skipped; want %v, %d", refs, r.Skipped(), tc.refs, tc.skipped)
			}
			ref := tc.refs[0]
			checkRecord(t, recs[0], model.Report{ID: "gdelt:" + ref, SourceRef: ref, Origin: tc.file + ":1", Published: tc.added}, tc.first)
		})
	}
	// Westgate: a perpetrator named, Nairobi Area admin1, added the next day.
	recs, _, _ := openFile(t, filepath.Join("testdata", "events10_58.CSV"), opts("x"))
	w := recs[1]
	if c := w.Claim; c.Perpetrator != "AL SHABAAB" || c.Country != "KE" || c.Admin1 != "Nairobi Area" ||
		c.AttackType != model.Kidnapping || !w.Report.Published.Equal(*utc("2013-09-22T00:00:00Z")) {
		t.Errorf("westgate: got %q %q %q %q %v", c.Perpetrator, c.Country, c.Admin1, c.AttackType, w.Report.Published)
	}
}

func TestZip(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join("testdata", "events20.export.CSV"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, members map[string][]byte, order []string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for _, m := range order {
			w, err := zw.Create(m)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(members[m]); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("20240103151500.export.CSV.zip", map[string][]byte{"README.txt": []byte("not data"), "20240103151500.export.CSV": plain},
		[]string{"README.txt", "20240103151500.export.CSV"})
	recs, errs, r := openFile(t, good, opts("20240103151500.export.CSV.zip"))
	if len(recs) != 5 || len(errs) != 0 || r.Skipped() != 2 {
		t.Errorf("zip: got %d records, %v, %d skipped; want 5, none, 2", len(recs), errs, r.Skipped())
	}
	if len(recs) > 0 && recs[0].Report.Origin != "20240103151500.export.CSV.zip:1" {
		t.Errorf("zip: origin got %q", recs[0].Report.Origin)
	}
	// A zip whose name does not say so is still read as one.
	renamed := filepath.Join(dir, "events.dat")
	if err := os.Rename(good, renamed); err != nil {
		t.Fatal(err)
	}
	if recs, _, _ := openFile(t, renamed, opts("")); len(recs) != 5 || !strings.HasPrefix(recs[0].Report.Origin, renamed+":") {
		t.Errorf("renamed zip: got %d records", len(recs))
	}
	empty := write("empty.zip", map[string][]byte{"a.txt": []byte("x")}, []string{"a.txt"})
	if _, _, err := Open(empty, opts("empty.zip")); err == nil || !strings.Contains(err.Error(), "no .csv") {
		t.Errorf("zip without csv: got %v, want an error saying so", err)
	}
	hdr, _ := os.ReadFile(filepath.Join("testdata", "header.csv"))
	wrong := write("wrong.zip", map[string][]byte{"x.csv": hdr}, []string{"x.csv"})
	var ke *source.KindError
	if _, _, err := Open(wrong, opts("wrong.zip")); !errors.As(err, &ke) {
		t.Errorf("zip of a header CSV: got %v, want a KindError", err)
	}
	if _, _, err := Open(filepath.Join(dir, "missing.CSV"), opts("")); err == nil {
		t.Error("missing file: got no error")
	}
}

func TestRowErrors(t *testing.T) {
	recs, errs, r := openFile(t, filepath.Join("testdata", "bad.export.CSV"), opts("bad.export.CSV"))
	var refs []string
	for _, rec := range recs {
		refs = append(refs, rec.Report.SourceRef)
	}
	if want := []string{"1148923001", "1148923018"}; !reflect.DeepEqual(refs, want) || r.Skipped() != 1 {
		t.Errorf("got records %v, %d skipped; want %v, 1", refs, r.Skipped(), want)
	}
	want := []struct {
		line  int
		field string
		in    string
	}{
		{2, "", "60 tab-separated columns, want 61"},
		{3, "SQLDATE", "20241301"},
		{4, "ActionGeo_Lat", "91.5"},
		{5, "ActionGeo_Lat", "north"},
		{8, "ActionGeo_Type", "7"},
		{9, "DATEADDED", "2024-01-03"},
		{10, "GLOBALEVENTID", "x1148923017"},
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d row errors %v, want %d", len(errs), errs, len(want))
	}
	for i, w := range want {
		e := errs[i]
		if e.File != "bad.export.CSV" || e.Line != w.line || e.Field != w.field || !strings.Contains(e.Reason, w.in) || e.Raw == "" {
			t.Errorf("row error %d: got %s:%d field %q reason %q; want line %d field %q reason with %q",
				i, e.File, e.Line, e.Field, e.Reason, w.line, w.field, w.in)
		}
	}
}

func TestKindErrors(t *testing.T) {
	hdr, err := os.ReadFile(filepath.Join("testdata", "header.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, missing string
	}{
		{"comma CSV with a header", string(hdr), "comma-separated"},
		{"tab header row", strings.Join(Columns20, "\t") + "\n", "header row"},
		{"too few tabs", "1\t2\t3\n", "has 3 columns"},
		{"too many tabs", strings.Repeat("1\t", 70) + "\n", "has 71 columns"},
		{"json", `{"GLOBALEVENTID": 1}`, "comma-separated"},
		{"long first line", strings.Repeat("x", maxLine+10), "1 MiB"},
	}
	for _, tc := range tests {
		_, err := NewReader(strings.NewReader(tc.in), opts("f.csv"))
		var ke *source.KindError
		if !errors.As(err, &ke) {
			t.Errorf("%s: got %v, want a KindError", tc.name, err)
			continue
		}
		msg := ke.Error()
		if ke.File != "f.csv" || !strings.Contains(msg, "61") || !strings.Contains(msg, "57 or 58") ||
			!strings.Contains(msg, "GLOBALEVENTID") || !strings.Contains(msg, tc.missing) {
			t.Errorf("%s: got %q, want the layout named and %q", tc.name, msg, tc.missing)
		}
	}
}

func TestEdgeInput(t *testing.T) {
	row, err := os.ReadFile(filepath.Join("testdata", "events20.export.CSV"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(row), "\n")
	tests := []struct {
		name     string
		in       string
		records  int
		rowErrs  int
		lastLine int
	}{
		{"empty", "", 0, 0, 0},
		{"blank lines only", "\n\n\r\n", 0, 0, 0},
		{"BOM, CRLF, no final newline", "\uFEFF" + first + "\r\n" + first, 2, 0, 2},
		{"leading blank lines", "\n\n" + first + "\n", 1, 0, 3},
		{"long later line", first + "\n" + strings.Repeat("y", maxLine+5) + "\n" + first + "\n", 2, 1, 3},
		{"invalid UTF-8", strings.Replace(first, "Kerman, Kerman", "Ker\xffman, Kerman", 1) + "\n", 1, 0, 1},
	}
	for _, tc := range tests {
		r, err := NewReader(strings.NewReader(tc.in), opts("e"))
		if err != nil {
			t.Errorf("%s: NewReader: %v", tc.name, err)
			continue
		}
		recs, errs := readAll(t, r)
		if len(recs) != tc.records || len(errs) != tc.rowErrs {
			t.Errorf("%s: got %d records, %d row errors; want %d, %d", tc.name, len(recs), len(errs), tc.records, tc.rowErrs)
			continue
		}
		if len(recs) > 0 {
			last := recs[len(recs)-1]
			if want := "e:" + strconv.Itoa(tc.lastLine); last.Report.Origin != want {
				t.Errorf("%s: last origin got %q, want %q", tc.name, last.Report.Origin, want)
			}
			if strings.Contains(last.Claim.Place, "\xff") {
				t.Errorf("%s: place %q is not valid UTF-8", tc.name, last.Claim.Place)
			}
		}
		if _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("%s: Next after the end got %v, want io.EOF", tc.name, err)
		}
	}
}

// errReader fails after its data, as a broken disk or network would.
type errReader struct{ data io.Reader }

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.data.Read(p)
	if errors.Is(err, io.EOF) {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestIOError(t *testing.T) {
	row, _ := os.ReadFile(filepath.Join("testdata", "events20.export.CSV"))
	r, err := NewReader(&errReader{bytes.NewReader(row)}, opts("x"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := r.Next()
		if err == nil || source.IsRowError(err) {
			continue
		}
		if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("got %v, want the read error", err)
		}
		break
	}
	if _, err := NewReader(&errReader{strings.NewReader("")}, opts("x")); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("NewReader: got %v, want the read error", err)
	}
}

func FuzzReader(f *testing.F) {
	for _, name := range []string{"events20.export.CSV", "events10_57.CSV", "events10_58.CSV", "bad.export.CSV", "header.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte("1\t2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), opts("fuzz", "18", "19", "20", "01", "04"))
		if err != nil {
			var ke *source.KindError
			if !errors.As(err, &ke) {
				t.Fatalf("NewReader: %v is neither nil nor a KindError", err)
			}
			return
		}
		for range 10000 {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !source.IsRowError(err) {
					t.Fatalf("Next: %v is neither a record, a RowError nor io.EOF", err)
				}
				continue
			}
			c := rec.Claim
			if rec.Report.SourceRef == "" || c.Start.IsZero() || c.Start != c.End || !c.PlacePrecision.Valid() || !c.AttackType.Valid() {
				t.Fatalf("bad record %+v", rec)
			}
			if c.Lat != nil && (*c.Lat < -90 || *c.Lat > 90) || c.Lon != nil && (*c.Lon < -180 || *c.Lon > 180) {
				t.Fatalf("coordinates out of range: %v %v", *c.Lat, *c.Lon)
			}
		}
		t.Fatal("reader did not end")
	})
}

func BenchmarkReader(b *testing.B) {
	path := shareddata.Path(b, "gdelt", "20191024143000.export.CSV")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), opts("bench"))
		if err != nil {
			b.Fatal(err)
		}
		recs, _ := readAll(b, r)
		if len(recs) != 219 {
			b.Fatalf("got %d records", len(recs))
		}
	}
}
