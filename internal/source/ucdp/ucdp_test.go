package ucdp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/sourcetest"
)

// realFile is the shared GED 19.1 extract (see ../shared/data/ucdp/SOURCE.md).
const realFile = "ged191_myanmar_bangladesh.csv"

var fetched = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

// result is everything a reader yielded from one file.
type result = sourcetest.Result

func readAll(tb testing.TB, path string) result {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return readBytes(tb, data, filepath.Base(path))
}

func readBytes(tb testing.TB, data []byte, name string) result {
	tb.Helper()
	r, err := NewReader(bytes.NewReader(data), source.Options{Name: name, Fetched: fetched})
	if err != nil {
		tb.Fatalf("NewReader(%s): %v", name, err)
	}
	return sourcetest.Drain(tb, r)
}

// claimWant is the part of a claim the tests check field by field.
type claimWant struct {
	line                  int
	start, end            string
	prec                  model.DatePrecision
	country               string
	admin1, admin2, place string
	lat, lon              float64
	placePrec             model.PlacePrecision
	attack                model.AttackType
	perpetrator           string
	killed                model.Range
	text                  string
	flags                 []string
	codes                 map[string]string
}

func checkRecord(t *testing.T, rec model.Record, ref string, w claimWant) {
	t.Helper()
	rep, c := rec.Report, rec.Claim
	wantID := "ucdp:" + ref
	if rep.ID != wantID || rep.Source != "ucdp" || rep.SourceRef != ref || rep.Revision != 0 {
		t.Errorf("%s: report id/source/ref/revision = %q %q %q %d, want %q ucdp %q 0", ref, rep.ID, rep.Source, rep.SourceRef, rep.Revision, wantID, ref)
	}
	if rep.Hash != source.Hash(rep.Raw) || !rep.Fetched.Equal(fetched) || rep.Published != nil {
		t.Errorf("%s: hash %q fetched %v published %v: want hash of raw, %v, nil", ref, rep.Hash, rep.Fetched, rep.Published, fetched)
	}
	if !strings.HasSuffix(rep.Origin, ":"+strconv.Itoa(w.line)) {
		t.Errorf("%s: origin %q, want line %d", ref, rep.Origin, w.line)
	}
	if !strings.HasPrefix(string(rep.Raw), ref+",") {
		t.Errorf("%s: raw %.40q… does not start with the row's id", ref, rep.Raw)
	}
	if c.ID != model.ClaimID(wantID, 1) || c.ReportID != wantID || c.Source != "ucdp" {
		t.Errorf("%s: claim id %q report %q source %q", ref, c.ID, c.ReportID, c.Source)
	}
	if got, want := c.Start.String()+" "+c.End.String()+" "+string(c.DatePrecision), w.start+" "+w.end+" "+string(w.prec); got != want {
		t.Errorf("%s: dates got %q, want %q", ref, got, want)
	}
	if c.Country != w.country || c.Admin1 != w.admin1 || c.Admin2 != w.admin2 || c.Place != w.place || c.PlacePrecision != w.placePrec {
		t.Errorf("%s: place got %q %q %q %q %q, want %q %q %q %q %q", ref, c.Country, c.Admin1, c.Admin2, c.Place, c.PlacePrecision,
			w.country, w.admin1, w.admin2, w.place, w.placePrec)
	}
	if c.Lat == nil || c.Lon == nil || *c.Lat != w.lat || *c.Lon != w.lon {
		t.Errorf("%s: lat/lon got %v %v, want %v %v", ref, c.Lat, c.Lon, w.lat, w.lon)
	}
	if c.AttackType != w.attack || c.Perpetrator != w.perpetrator || c.TargetType != "" {
		t.Errorf("%s: what/who got %q %q %q, want %q %q \"\"", ref, c.AttackType, c.Perpetrator, c.TargetType, w.attack, w.perpetrator)
	}
	if c.Killed == nil || *c.Killed != w.killed || c.Wounded != nil || c.Suicide != nil {
		t.Errorf("%s: killed %v wounded %v suicide %v, want %v, nil, nil", ref, c.Killed, c.Wounded, c.Suicide, w.killed)
	}
	if c.Text != w.text {
		t.Errorf("%s: text got %q, want %q", ref, c.Text, w.text)
	}
	if !slices.Equal(c.Flags, w.flags) {
		t.Errorf("%s: flags got %v, want %v", ref, c.Flags, w.flags)
	}
	for k, v := range w.codes {
		if c.Codes[k] != v {
			t.Errorf("%s: codes[%s] got %q, want %q", ref, k, c.Codes[k], v)
		}
	}
	for k, v := range c.Codes {
		if v == "" {
			t.Errorf("%s: codes[%s] is empty, want absent", ref, k)
		}
	}
}

func TestRealFile(t *testing.T) {
	res := readAll(t, shareddata.Path(t, "ucdp", realFile))
	if len(res.Recs) != 3194 || len(res.Errs) != 0 {
		t.Errorf("read %d, rejected %d, want 3194 and 0", len(res.Recs), len(res.Errs))
	}
	for _, e := range res.Errs {
		t.Errorf("rejected: %v", e)
	}

	// The rows that break low ≤ best ≤ high are kept as given and flagged.
	var outOfOrder []string
	flags := map[string]int{}
	for _, rec := range res.Recs {
		c := rec.Claim
		for _, f := range c.Flags {
			flags[f]++
		}
		if slices.Contains(c.Flags, model.FlagKilledRangeOrder) != !c.Killed.Ordered() {
			t.Errorf("%s: flags %v for killed %v", rec.Report.SourceRef, c.Flags, c.Killed)
		}
		if !c.Killed.Ordered() {
			outOfOrder = append(outOfOrder, rec.Report.SourceRef+" "+c.Killed.String())
		}
		if !c.AttackType.Valid() || !c.DatePrecision.Valid() || !c.PlacePrecision.Valid() || c.Country == "" ||
			c.Start.IsZero() || c.End.Before(c.Start) || c.Lat == nil {
			t.Errorf("%s: incomplete claim %+v", rec.Report.SourceRef, c)
		}
	}
	wantOut := []string{"71686 ~0–0 (best 3)", "84006 ~0–0 (best 3)", "71645 ~0–4 (best 10)", "71690 ~0–16 (best 21)",
		"210317 ~2–1 (best 2)", "224479 ~1–3 (best 0)"}
	if !slices.Equal(outOfOrder, wantOut) {
		t.Errorf("out-of-order ranges got %v, want %v", outOfOrder, wantOut)
	}
	if want := map[string]int{model.FlagKilledRangeOrder: 6, FlagInternationalWaters: 7}; len(flags) != 2 ||
		flags[model.FlagKilledRangeOrder] != 6 || flags[FlagInternationalWaters] != 7 {
		t.Errorf("flags got %v, want %v", flags, want)
	}

	for _, tc := range []struct {
		ref  string
		want claimWant
	}{
		{"209980", claimWant{ // state-based: the rebel side is the perpetrator
			line: 2, start: "2015-05-11", end: "2015-05-12", prec: model.PrecisionWeek,
			country: "MM", admin1: "Shan State", admin2: "Laukkaing District", place: "Laukkaing Town",
			lat: 23.690225, lon: 98.765042, placePrec: model.PlaceCity,
			attack: model.ArmedAssault, perpetrator: "MNDAA", killed: model.Range{Low: 1, Best: 1, High: 30, Qualifier: model.About},
			text: "Kokang conflict intensifies north of Laogai",
			codes: map[string]string{"type_of_violence": "1", "conflict_new_id": "439", "dyad_new_id": "906", "side_a_new_id": "144",
				"side_b_new_id": "880", "gwnoa": "775", "where_prec": "2", "date_prec": "2", "event_clarity": "1", "number_of_sources": "1",
				"priogrid_gid": "163998", "deaths_a": "0", "deaths_b": "1", "deaths_civilians": "0", "deaths_unknown": "0", "region": "Asia"},
		}},
		{"210026", claimWant{ // after a row whose source_article spans lines 3–5
			line: 6, start: "2015-07-06", end: "2015-07-07", prec: model.PrecisionWeek,
			country: "MM", admin1: "Kayin State", admin2: "Kawkareik District", place: "Kawkareik Township",
			lat: 16.593758, lon: 98.228229, placePrec: model.PlaceAdmin1,
			attack: model.ArmedAssault, perpetrator: "DKBA 5", killed: model.Range{Low: 1, Best: 1, High: 1, Qualifier: model.About},
			text: "Talks Fail to End DKBA and Burma Army Fighting",
		}},
		{"71686", claimWant{ // 0/3/0, kept as given; a whole year somewhere in the country
			line: 147, start: "1989-01-01", end: "1989-12-31", prec: model.PrecisionYear,
			country: "MM", place: "Myanmar (Burma)", lat: 22, lon: 98, placePrec: model.PlaceCountry,
			attack: model.ArmedAssault, perpetrator: "KNU", killed: model.Range{Low: 0, Best: 3, High: 0, Qualifier: model.About},
			flags: []string{model.FlagKilledRangeOrder},
			codes: map[string]string{"number_of_sources": "-1", "event_clarity": "2", "deaths_unknown": "3"},
		}},
		{"51122", claimWant{ // one-sided violence at sea, in Bangladesh
			line: 481, start: "1998-10-07", end: "1998-10-07", prec: model.PrecisionDay,
			country: "BD", place: "Bay of Bengal", lat: 20.630564, lon: 92.367972, placePrec: model.PlaceCountry,
			attack: model.UnknownAttack, perpetrator: "Government of Myanmar (Burma)", killed: model.Range{Low: 3, Best: 5, High: 5, Qualifier: model.About},
			flags: []string{FlagInternationalWaters},
			codes: map[string]string{"type_of_violence": "3", "where_prec": "7", "deaths_civilians": "5", "side_b": "Civilians"},
		}},
	} {
		rec, ok := res.ByRef(tc.ref)
		if !ok {
			t.Errorf("%s: not read", tc.ref)
			continue
		}
		checkRecord(t, rec, tc.ref, tc.want)
	}

	// source_article stays in Raw only.
	rec, _ := res.ByRef("209406")
	if !bytes.Contains(rec.Report.Raw, []byte("Myanmar says 24 rebels killed in clashes near China border")) ||
		strings.Contains(rec.Claim.Text, `"`) || len(rec.Claim.Text) > 300 {
		t.Errorf("209406: text %q, raw %d bytes", rec.Claim.Text, len(rec.Report.Raw))
	}
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file string
		ref  string
		want claimWant
	}{
		{"hdx_hxl.csv", "990001", claimWant{ // line 2 is the HXL row
			line: 3, start: "2016-11-20", end: "2016-11-20", prec: model.PrecisionDay,
			country: "MM", admin1: "Kachin State", admin2: "Myitkyina District", place: "Myitkyina town", lat: 25.383333, lon: 97.4,
			placePrec: model.PlaceCity, attack: model.ArmedAssault, perpetrator: "KIO",
			killed: model.Range{Low: 5, Best: 5, High: 8, Qualifier: model.About}, text: "Fighting near Myitkyina",
		}},
		{"hdx_hxl.csv", "990002", claimWant{
			line: 4, start: "2016-11-01", end: "2016-11-30", prec: model.PrecisionMonth,
			country: "MM", admin1: "Kachin State", admin2: "Myitkyina District", place: "Myitkyina town", lat: 25.383333, lon: 97.4,
			placePrec: model.PlaceAdmin2, attack: model.UnknownAttack, perpetrator: "KIO",
			killed: model.Range{Low: 2, Best: 2, High: 2, Qualifier: model.About}, text: "Two villagers killed",
		}},
		{"ranges.csv", "990011", claimWant{
			line: 2, start: "1990-01-01", end: "1990-12-31", prec: model.PrecisionYear,
			country: "MM", place: "Myanmar (Burma)", lat: 25.383333, lon: 97.4, placePrec: model.PlaceCountry,
			attack: model.ArmedAssault, perpetrator: "KIO", killed: model.Range{Low: 0, Best: 3, High: 0, Qualifier: model.About},
			flags: []string{model.FlagKilledRangeOrder},
		}},
		{"ranges.csv", "990012", claimWant{
			line: 3, start: "2015-03-09", end: "2015-03-09", prec: model.PrecisionDay,
			country: "MM", admin1: "Kachin State", admin2: "Myitkyina District", place: "Myitkyina town", lat: 25.383333, lon: 97.4,
			placePrec: model.PlaceAdmin1, attack: model.ArmedAssault, perpetrator: "KIO",
			killed: model.Range{Low: 2, Best: 2, High: 1, Qualifier: model.About}, text: "Airstrike near the border",
			flags: []string{model.FlagKilledRangeOrder},
		}},
		{"ranges.csv", "990013", claimWant{
			line: 4, start: "2016-05-05", end: "2016-05-11", prec: model.PrecisionWeek,
			country: "MM", admin1: "Kachin State", admin2: "Myitkyina District", place: "Myitkyina town", lat: 25.383333, lon: 97.4,
			placePrec: model.PlaceAdmin1, attack: model.ArmedAssault, perpetrator: "KIO",
			killed: model.Range{Low: 1, Best: 0, High: 3, Qualifier: model.About}, flags: []string{model.FlagKilledRangeOrder},
		}},
		{"ranges.csv", "990014", claimWant{
			line: 5, start: "2016-05-05", end: "2016-05-06", prec: model.PrecisionWeek,
			country: "MM", admin1: "Kachin State", admin2: "Myitkyina District", place: "Myitkyina town", lat: 25.383333, lon: 97.4,
			placePrec: model.PlaceExact, attack: model.ArmedAssault, perpetrator: "KIO",
			killed: model.Range{Low: 0, Best: 2, High: 24, Qualifier: model.About},
		}},
		{"codes.csv", "990021", claimWant{ // non-state, international waters, country by name (no country_id)
			line: 2, start: "1995-12-19", end: "1995-12-19", prec: model.PrecisionDay,
			country: "MM", place: "Moei River", lat: 25.383333, lon: 97.4, placePrec: model.PlaceCountry,
			attack: model.ArmedAssault, perpetrator: "DKBA", killed: model.Range{Low: 2, Best: 2, High: 2, Qualifier: model.About},
			flags: []string{FlagInternationalWaters},
		}},
		{"codes.csv", "990022", claimWant{ // state-based with no "Government of" on side_a; dates with a time of day
			line: 3, start: "2001-04-18", end: "2001-04-18", prec: model.PrecisionDay,
			country: "BD", admin1: "Kachin State", admin2: "Myitkyina District", place: "Myitkyina town", lat: 25.383333, lon: 97.4,
			placePrec: model.PlaceCountry, attack: model.ArmedAssault, perpetrator: "Test Alliance",
			killed: model.Range{Low: 1, Best: 1, High: 1, Qualifier: model.About},
		}},
		{"ged231_renamed.csv", "990031", claimWant{ // later column names and order, BOM, CRLF, multi-line article
			line: 2, start: "2019-08-15", end: "2019-08-15", prec: model.PrecisionDay,
			country: "MM", admin1: "Shan State", admin2: "Lashio District", place: "Lashio town", lat: 22.933333, lon: 97.75,
			placePrec: model.PlaceCity, attack: model.ArmedAssault, perpetrator: "MNDAA",
			killed: model.Range{Low: 5, Best: 5, High: 9, Qualifier: model.About}, text: "Clashes in northern Shan;Army says posts attacked",
			codes: map[string]string{"relid": "MYA-2019-1-906-12", "code_status": "Clear", "conflict_dset_id": "439", "dyad_dset_id": "906",
				"side_a_dset_id": "144", "side_b_dset_id": "880", "gwnoa": "775", "deaths_a": "4", "deaths_b": "1"},
		}},
	}
	results := map[string]result{}
	for _, tc := range tests {
		res, ok := results[tc.file]
		if !ok {
			res = readAll(t, filepath.Join("testdata", tc.file))
			if len(res.Errs) != 0 {
				t.Errorf("%s: rejected %v, want none", tc.file, res.Errs)
			}
			results[tc.file] = res
		}
		rec, ok := res.ByRef(tc.ref)
		if !ok {
			t.Errorf("%s: %s not read", tc.file, tc.ref)
			continue
		}
		checkRecord(t, rec, tc.ref, tc.want)
	}
	if n := len(results["hdx_hxl.csv"].Recs); n != 2 {
		t.Errorf("hdx_hxl.csv: %d records, want 2 (the HXL row is not one)", n)
	}
	renamed := results["ged231_renamed.csv"].Recs[0]
	if _, ok := renamed.Claim.Codes["conflict_new_id"]; ok {
		t.Errorf("renamed: codes has conflict_new_id, which the file lacks")
	}
	if raw := string(renamed.Report.Raw); !strings.Contains(raw, "Army says\nposts attacked") || !strings.HasSuffix(raw, ",775,") {
		t.Errorf("renamed: raw got %q", raw)
	}
}

func TestBadRows(t *testing.T) {
	res := readAll(t, filepath.Join("testdata", "bad_rows.csv"))
	want := []struct {
		line          int
		field, reason string
	}{
		{3, "", "7 fields, want 42"},
		{4, "type_of_violence", `"4" is not a code from 1 to 3`},
		{5, "date_start", `date "2016-13-20": want YYYY-MM-DD`},
		{6, "date_end", "2016-11-19 is before date_start 2016-11-20"},
		{7, "low", `"-1" is negative`},
		{8, "where_prec", `"8" is not a code from 1 to 7`},
		{9, "country_id", `"Burma" is not a Gleditsch–Ward number`},
		{10, "country", `unknown country "Atlantis" (country_id "9999")`},
		{11, "best", `"many" is not a whole number`},
	}
	if len(res.Errs) != len(want) {
		t.Errorf("got %d row errors, want %d: %v", len(res.Errs), len(want), res.Errs)
	}
	for i := range min(len(res.Errs), len(want)) {
		e, w := res.Errs[i], want[i]
		if e.File != "bad_rows.csv" || e.Line != w.line || e.Field != w.field || !strings.Contains(e.Reason, w.reason) || e.Raw == "" {
			t.Errorf("error %d: got %s:%d %q %q, want bad_rows.csv:%d %q containing %q", i, e.File, e.Line, e.Field, e.Reason, w.line, w.field, w.reason)
		}
	}
	var refs []string
	for _, r := range res.Recs {
		refs = append(refs, r.Report.Origin)
	}
	if wantRefs := []string{"bad_rows.csv:2", "bad_rows.csv:12"}; !slices.Equal(refs, wantRefs) {
		t.Errorf("records got %v, want %v", refs, wantRefs)
	}
}

func TestKindError(t *testing.T) {
	gtd, err := os.ReadFile(filepath.Join("testdata", "gtd_header.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		input   []byte
		missing []string
	}{
		{"gtd_header.csv", gtd, []string{"id", "type_of_violence", "date_start", "date_end", "date_prec", "where_prec", "low", "best", "high", "side_a", "side_b"}},
		{"empty.csv", nil, Required},
		{"bom_only.csv", source.UTF8BOM, Required},
		{"acled.csv", []byte("event_id_cnty,event_date,country,latitude,longitude,fatalities\n"),
			[]string{"id", "type_of_violence", "date_start", "date_end", "date_prec", "where_prec", "low", "best", "high", "side_a", "side_b"}},
	}
	for _, tc := range tests {
		_, err := NewReader(bytes.NewReader(tc.input), source.Options{Name: tc.name})
		var ke *source.KindError
		if !errors.As(err, &ke) {
			t.Errorf("%s: got %v, want a *source.KindError", tc.name, err)
			continue
		}
		if ke.File != tc.name || ke.Kind != "UCDP GED" || !slices.Equal(ke.Expected, Required) || !slices.Equal(ke.Missing, tc.missing) {
			t.Errorf("%s: got %+v, want missing %v", tc.name, ke, tc.missing)
		}
	}
}

func TestPerpetrator(t *testing.T) {
	tests := []struct {
		violence     int
		sideA, sideB string
		want         string
	}{
		{1, "Government of Myanmar (Burma)", "KNU", "KNU"},
		{1, "Government of India", "Government of Pakistan", "Government of Pakistan"},
		{1, "Test Alliance", "Government of Bangladesh", "Test Alliance"},
		{1, "Government of Myanmar (Burma)", "", "Government of Myanmar (Burma)"},
		{2, "DKBA", "KNU", "DKBA"},
		{3, "Government of Myanmar (Burma)", "Civilians", "Government of Myanmar (Burma)"},
		{3, "KIO", "Civilians", "KIO"},
	}
	for _, tc := range tests {
		if got := perpetrator(tc.violence, tc.sideA, tc.sideB); got != tc.want {
			t.Errorf("perpetrator(%d, %q, %q) got %q, want %q", tc.violence, tc.sideA, tc.sideB, got, tc.want)
		}
	}
}

func TestSource(t *testing.T) {
	r, err := NewReader(strings.NewReader(strings.Join(Required, ",")+"\r\n"), source.Options{Name: "h.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Source(); s.Name != "ucdp" || s.Kind != model.KindDataset || s.Reliability <= 0 || s.Reliability > 1 {
		t.Errorf("source got %+v", s)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("header-only file: Next got %v, want io.EOF", err)
	}
}

func FuzzReader(f *testing.F) {
	sourcetest.AddSeeds(f, filepath.Join("testdata", "*.csv"))
	f.Add([]byte(strings.Join(Required, ",") + "\n#a,#b\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), source.Options{Name: "fuzz.csv"})
		if err != nil {
			var ke *source.KindError
			if !errors.As(err, &ke) {
				t.Fatalf("NewReader: %v, want a *source.KindError", err)
			}
			return
		}
		sourcetest.Exhaust(t, r, len(data), "fuzz.csv", func(rec model.Record) bool {
			c := rec.Claim
			return c.AttackType.Valid() && c.DatePrecision.Valid() && c.PlacePrecision.Valid() && c.Country != "" &&
				!c.End.Before(c.Start) && c.Killed != nil && c.Killed.Ordered() != slices.Contains(c.Flags, model.FlagKilledRangeOrder) &&
				rec.Report.SourceRef != ""
		})
	})
}

func BenchmarkReader(b *testing.B) {
	data, err := os.ReadFile(shareddata.Path(b, "ucdp", realFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if res := readBytes(b, data, realFile); len(res.Recs) != 3194 {
			b.Fatalf("read %d records, want 3194", len(res.Recs))
		}
	}
}
