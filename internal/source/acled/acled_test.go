package acled

import (
	"bytes"
	"errors"
	"io"
	"maps"
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

// realFile is the shared ACLED export (see ../shared/data/acled/SOURCE.md).
const realFile = "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv"

var fetched = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

// result is everything a reader yielded from one file, and the reader.
type result struct {
	sourcetest.Result
	reader *Reader
}

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
	return result{Result: sourcetest.Drain(tb, r), reader: r}
}

// claimWant is the part of a claim the tests check field by field.
type claimWant struct {
	line           int
	start, end     string
	prec           model.DatePrecision
	country        string
	admin1, admin2 string
	place          string
	lat, lon       float64
	placePrec      model.PlacePrecision
	attack         model.AttackType
	target         model.TargetType
	perpetrator    string
	killed         int
	suicide        *bool
	textPrefix     string
	codes          map[string]string
}

func checkRecord(t *testing.T, rec model.Record, ref string, revision int64, w claimWant) {
	t.Helper()
	rep, c := rec.Report, rec.Claim
	wantID := model.ReportID("acled", ref, revision)
	if rep.ID != wantID || rep.Source != "acled" || rep.SourceRef != ref || rep.Revision != revision {
		t.Errorf("%s: report id/source/ref/revision = %q %q %q %d, want %q acled %q %d",
			ref, rep.ID, rep.Source, rep.SourceRef, rep.Revision, wantID, ref, revision)
	}
	if rep.Hash != source.Hash(rep.Raw) || !rep.Fetched.Equal(fetched) || rep.Published != nil {
		t.Errorf("%s: hash %q fetched %v published %v: want hash of raw, %v, nil", ref, rep.Hash, rep.Fetched, rep.Published, fetched)
	}
	if !strings.HasSuffix(rep.Origin, ":"+strconv.Itoa(w.line)) {
		t.Errorf("%s: origin %q, want line %d", ref, rep.Origin, w.line)
	}
	if c.ID != model.ClaimID(wantID, 1) || c.ReportID != wantID || c.Source != "acled" {
		t.Errorf("%s: claim id %q report %q source %q", ref, c.ID, c.ReportID, c.Source)
	}
	if got := c.Start.String() + " " + c.End.String() + " " + string(c.DatePrecision); got != w.start+" "+w.end+" "+string(w.prec) {
		t.Errorf("%s: dates got %q, want %q", ref, got, w.start+" "+w.end+" "+string(w.prec))
	}
	if c.Country != w.country || c.Admin1 != w.admin1 || c.Admin2 != w.admin2 || c.Place != w.place || c.PlacePrecision != w.placePrec {
		t.Errorf("%s: place got %q %q %q %q %q, want %q %q %q %q %q", ref, c.Country, c.Admin1, c.Admin2, c.Place, c.PlacePrecision,
			w.country, w.admin1, w.admin2, w.place, w.placePrec)
	}
	if c.Lat == nil || c.Lon == nil || *c.Lat != w.lat || *c.Lon != w.lon {
		t.Errorf("%s: lat/lon got %v %v, want %v %v", ref, deref(c.Lat), deref(c.Lon), w.lat, w.lon)
	}
	if c.AttackType != w.attack || c.TargetType != w.target || c.Perpetrator != w.perpetrator {
		t.Errorf("%s: what/who got %q %q %q, want %q %q %q", ref, c.AttackType, c.TargetType, c.Perpetrator, w.attack, w.target, w.perpetrator)
	}
	if want := model.Point(w.killed, model.Exact); c.Killed == nil || *c.Killed != *want {
		t.Errorf("%s: killed got %v, want %v", ref, c.Killed, want)
	}
	if c.Wounded != nil {
		t.Errorf("%s: wounded got %v, want nil", ref, c.Wounded)
	}
	if (c.Suicide == nil) != (w.suicide == nil) || (c.Suicide != nil && *c.Suicide != *w.suicide) {
		t.Errorf("%s: suicide got %v, want %v", ref, c.Suicide, w.suicide)
	}
	if !strings.HasPrefix(c.Text, w.textPrefix) {
		t.Errorf("%s: text got %q, want prefix %q", ref, c.Text, w.textPrefix)
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

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestRealFile(t *testing.T) {
	res := readAll(t, shareddata.Path(t, "acled", realFile))
	const rows, wantRead, wantSkipped = 3902, 2475, 1427
	got := len(res.Recs) + res.reader.Skipped() + len(res.Errs)
	if len(res.Recs) != wantRead || res.reader.Skipped() != wantSkipped || len(res.Errs) != 0 || got != rows {
		t.Errorf("read %d + skipped %d + rejected %d = %d, want %d + %d + 0 = %d",
			len(res.Recs), res.reader.Skipped(), len(res.Errs), got, wantRead, wantSkipped, rows)
	}
	for _, e := range res.Errs {
		t.Errorf("rejected: %v", e)
	}
	wantReasons := map[string]int{
		"Peaceful protest": 1267, "Protest with intervention": 96, "Other": 37, "Change to group/activity": 23,
		"Agreement": 2, "Non-violent transfer of territory": 1, "Headquarters or base established": 1,
	}
	if reasons := res.reader.SkipReasons(); !maps.Equal(reasons, wantReasons) {
		t.Errorf("skip reasons got %v, want %v", reasons, wantReasons)
	}

	// Every claim is complete enough for fusion.
	refs := map[string]bool{}
	for _, rec := range res.Recs {
		c := rec.Claim
		if !c.AttackType.Valid() || !c.DatePrecision.Valid() || !c.PlacePrecision.Valid() || c.Country == "" ||
			c.Start.IsZero() || c.End.Before(c.Start) || c.Killed == nil || c.Lat == nil {
			t.Errorf("%s: incomplete claim %+v", rec.Report.SourceRef, c)
		}
		if refs[rec.Report.ID] {
			t.Errorf("%s: duplicate report id", rec.Report.ID)
		}
		refs[rec.Report.ID] = true
	}

	yes := true
	for _, tc := range []struct {
		ref      string
		revision int64
		want     claimWant
	}{
		{"MEX17991", 1589232621, claimWant{ // "9-May-20", time_precision 2, civilians targeted
			line: 2, start: "2020-05-09", end: "2020-05-09", prec: model.PrecisionWeek,
			country: "MX", admin1: "Chihuahua", admin2: "Cuauhtemoc", place: "Cuauhtemoc", lat: 28.4063, lon: -106.866, placePrec: model.PlaceAdmin2,
			attack: model.ArmedAssault, target: "private_citizens_property", perpetrator: "Unidentified Gang (Mexico)", killed: 1,
			textPrefix: "Around 9 May 2020 (as reported), in Cuauhtemoc municipality",
			codes: map[string]string{"event_type": "Violence against civilians", "sub_event_type": "Attack", "inter1": "3", "inter2": "7",
				"interaction": "37", "actor2": "Civilians (Mexico)", "time_precision": "2", "geo_precision": "2", "source": "Tiempo",
				"source_scale": "Subnational", "iso": "484", "iso3": "MEX", "data_id": "7079936"},
		}},
		{"SOM31065", 1589234730, claimWant{ // a battle with fatalities
			line: 3, start: "2020-05-09", end: "2020-05-09", prec: model.PrecisionDay,
			country: "SO", admin1: "Lower Juba", admin2: "Kismaayo", place: "Bar-Sanguun", lat: -0.4876, lon: 42.1839, placePrec: model.PlaceAdmin2,
			attack: model.ArmedAssault, target: "military", perpetrator: "Al Shabaab", killed: 2,
			textPrefix: "On 9 May 2020, Al shabaab militants attacked Jubaland security forces",
			codes: map[string]string{"event_type": "Battles", "sub_event_type": "Armed clash", "interaction": "12",
				"actor2": "Military Forces of Somalia (2017-) Jubaland Security Force", "source": "Calamada", "iso3": "SOM"},
		}},
		{"MEX17978", 1589232621, claimWant{ // time_precision 3: the whole month
			line: 200, start: "2020-05-01", end: "2020-05-31", prec: model.PrecisionMonth,
			country: "MX", admin1: "Baja California", admin2: "Tijuana", place: "Tijuana", lat: 32.5325, lon: -117.019, placePrec: model.PlaceCity,
			attack: model.ArmedAssault, target: "private_citizens_property", perpetrator: "Unidentified Gang (Mexico)", killed: 1,
			textPrefix: "Around 8 May 2020 (as reported), in Tijuana",
		}},
		{"AFG45338", 1588608251, claimWant{ // the one suicide bombing
			line: 3188, start: "2020-04-29", end: "2020-04-29", prec: model.PrecisionDay,
			country: "AF", admin1: "Kabul", admin2: "Chahar Asyab", place: "Rish Khor-e Bala", lat: 34.4256, lon: 69.1262, placePrec: model.PlaceCity,
			attack: model.Bombing, target: "private_citizens_property", perpetrator: "Unidentified Armed Group (Afghanistan)", killed: 4, suicide: &yes,
			textPrefix: "On 29 April 2020, an unknown suicide bomber killed 3 civilians",
			codes:      map[string]string{"sub_event_type": "Suicide bomb", "source": "Bakhtar News Agency; Pajhwok Afghan News; New York Times"},
		}},
		{"data_id:7080698", 1589234599, claimWant{ // the row without event_id_cnty
			line: 181, start: "2020-05-09", end: "2020-05-09", prec: model.PrecisionDay,
			country: "CD", admin1: "Kasai-Oriental", admin2: "Mbuji-Mayi", place: "Mbuji Mayi", lat: -6.15, lon: 23.6, placePrec: model.PlaceCity,
			attack: model.ArmedAssault, target: "private_citizens_property", perpetrator: "Police Forces of the Democratic Republic of Congo (2019-)",
			textPrefix: "On 9 May 2020, 4 journalists",
			codes:      map[string]string{"assoc_actor_2": "Journalists (Democratic Republic of Congo)", "data_id": "7080698"},
		}},
	} {
		rec, ok := res.ByRef(tc.ref)
		if !ok {
			t.Errorf("%s: not read", tc.ref)
			continue
		}
		checkRecord(t, rec, tc.ref, tc.revision, tc.want)
	}

	// A peaceful protest (line 7, IND74387) is skipped, not read.
	if _, ok := res.ByRef("IND74387"); ok {
		t.Errorf("IND74387 (peaceful protest) was read, want skipped")
	}
	// Raw is the row's bytes as in the file, without its CRLF.
	first, _ := res.ByRef("MEX17991")
	if want := "7079936,484,MEX17991,17991,9-May-20,2020,2,Violence against civilians,Attack,"; !strings.HasPrefix(string(first.Report.Raw), want) ||
		!strings.HasSuffix(string(first.Report.Raw), ",1,1589232621,MEX") {
		t.Errorf("raw got %q", first.Report.Raw)
	}
}

func TestDates(t *testing.T) {
	res := readAll(t, filepath.Join("testdata", "dates.csv"))
	if len(res.Errs) != 0 {
		t.Fatalf("rejected %v, want none", res.Errs)
	}
	if res.reader.Skipped() != 2 || !maps.Equal(res.reader.SkipReasons(), map[string]int{"Peaceful protest": 1, "Agreement": 1}) {
		t.Errorf("skipped %d %v, want 2 (a peaceful protest and an agreement)", res.reader.Skipped(), res.reader.SkipReasons())
	}
	yes := true
	tests := []struct {
		ref        string
		line       int
		start, end string
		prec       model.DatePrecision
		place      model.PlacePrecision
		attack     model.AttackType
		target     model.TargetType
		killed     int
		suicide    *bool
	}{
		{"NIG90001", 2, "2020-05-09", "2020-05-09", model.PrecisionDay, model.PlaceCity, model.ArmedAssault, "", 3, nil}, // "09 May 2020"
		{"NIG90002", 3, "2020-05-09", "2020-05-09", model.PrecisionDay, model.PlaceAdmin2, model.ArmedAssault, "private_citizens_property", 1, nil},
		{"NIG90003", 4, "2020-05-09", "2020-05-09", model.PrecisionDay, model.PlaceAdmin1, model.Bombing, "police", 0, nil},       // "2020-05-09"
		{"NIG90004", 5, "2020-05-09", "2020-05-09", model.PrecisionWeek, model.PlaceCity, model.ArmedAssault, "military", 5, nil}, // "9-May-20", week
		{"NIG90005", 6, "2020-04-01", "2020-04-30", model.PrecisionMonth, model.PlaceCity, model.Kidnapping, "private_citizens_property", 0, nil},
		{"AFG90006", 7, "2020-04-29", "2020-04-29", model.PrecisionDay, model.PlaceCity, model.Bombing, "private_citizens_property", 4, &yes},
		{"NIG90009", 10, "2020-05-07", "2020-05-07", model.PrecisionDay, model.PlaceCity, model.UnarmedAssault, "police", 0, nil}, // "[size=…]" is not a count
	}
	if len(res.Recs) != len(tests) {
		t.Fatalf("read %d records, want %d", len(res.Recs), len(tests))
	}
	type fields struct {
		ref, origin, start, end string
		prec                    model.DatePrecision
		place                   model.PlacePrecision
		attack                  model.AttackType
		target                  model.TargetType
		killed                  model.Range
	}
	for i, tc := range tests {
		rec := res.Recs[i]
		c := rec.Claim
		got := fields{rec.Report.SourceRef, rec.Report.Origin, c.Start.String(), c.End.String(), c.DatePrecision, c.PlacePrecision,
			c.AttackType, c.TargetType, *c.Killed}
		want := fields{tc.ref, "dates.csv:" + strconv.Itoa(tc.line), tc.start, tc.end, tc.prec, tc.place, tc.attack, tc.target,
			*model.Point(tc.killed, model.Exact)}
		if got != want {
			t.Errorf("record %d:\ngot  %+v\nwant %+v", i, got, want)
		}
		if (c.Suicide == nil) != (tc.suicide == nil) {
			t.Errorf("%s: suicide got %v, want %v", tc.ref, c.Suicide, tc.suicide)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		year    int
		want    string
		wantErr string
	}{
		{"09 May 2020", 2020, "2020-05-09", ""},
		{"9 May 2020", 0, "2020-05-09", ""},
		{"09 January 2024", 2024, "2024-01-09", ""},
		{"9-May-20", 2020, "2020-05-09", ""},
		{"9-May-20", 0, "2020-05-09", ""},
		{"31-Dec-97", 0, "1997-12-31", ""},
		{"31-Dec-97", 1997, "1997-12-31", ""},
		{"1-Sep-05", 0, "2005-09-01", ""},
		{"1-Sept-05", 0, "2005-09-01", ""},
		{"2020-05-09", 2020, "2020-05-09", ""},
		{"2020-5-9", 0, "2020-05-09", ""},
		{"2020-05-09 00:00:00", 0, "2020-05-09", ""},
		{"  09 may 2020 ", 0, "2020-05-09", ""},
		{"29-Feb-20", 2020, "2020-02-29", ""},
		{"9-May-19", 2020, "", "does not match year column 2020"},
		{"09 May 2019", 2020, "", "the year column says 2020"},
		{"2019-05-09", 2020, "", "the year column says 2020"},
		{"29-Feb-21", 2021, "", "February 2021 has 28 days"},
		{"31 Feb 2020", 0, "", "has 29 days"},
		{"9 Mai 2020", 0, "", "unknown month"},
		{"9-May-020", 0, "", "neither 2 nor 4 digits"},
		{"2020-13-01", 0, "", "invalid date"},
		{"2020-05", 0, "", "want"},
		{"", 0, "", "want"},
		{"May 9 2020", 0, "", "want"},
		{"5/9/2020", 0, "", "unknown month"},
	}
	for _, tc := range tests {
		got, err := parseDate(tc.in, tc.year)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("parseDate(%q, %d): error %v, want %s", tc.in, tc.year, err, tc.want)
		case tc.wantErr == "" && got.String() != tc.want:
			t.Errorf("parseDate(%q, %d) got %s, want %s", tc.in, tc.year, got, tc.want)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("parseDate(%q, %d) got %s, %v, want error containing %q", tc.in, tc.year, got, err, tc.wantErr)
		}
	}
}

func TestBadRows(t *testing.T) {
	res := readAll(t, filepath.Join("testdata", "bad_rows.csv"))
	want := []struct {
		line          int
		field, reason string
	}{
		{3, "", "10 fields, want 31"},
		{4, "fatalities", `"three" is not a whole number`},
		{5, "event_date", "February 2020 has 29 days"},
		{6, "event_date", "two-digit year 19 does not match year column 2020"},
		{7, "sub_event_type", `unknown sub-event type "Cyber attack" of event type "Battles"`},
		{8, "latitude", `"north" is not a number`},
		{9, "time_precision", `"4" is not 1, 2 or 3`},
		{10, "", "malformed CSV: bare \" in non-quoted-field"},
		{12, "timestamp", `"" is not a Unix time`},
		{13, "country", `unknown country "Atlantis" (iso3 "ATL", iso "0")`},
	}
	if len(res.Errs) != len(want) {
		t.Errorf("got %d row errors, want %d: %v", len(res.Errs), len(want), res.Errs)
	}
	for i := range min(len(res.Errs), len(want)) {
		e, w := res.Errs[i], want[i]
		if e.File != "bad_rows.csv" || e.Line != w.line || e.Field != w.field || !strings.Contains(e.Reason, w.reason) || e.Raw == "" {
			t.Errorf("error %d: got %s:%d %q %q (raw %d bytes), want bad_rows.csv:%d %q containing %q",
				i, e.File, e.Line, e.Field, e.Reason, len(e.Raw), w.line, w.field, w.reason)
		}
	}
	// The rows around the bad ones are read, including the one with only data_id.
	var refs []string
	for _, r := range res.Recs {
		refs = append(refs, r.Report.SourceRef+"@"+r.Report.Origin)
	}
	if wantRefs := []string{"NIG90001@bad_rows.csv:2", "NIG90002@bad_rows.csv:11", "data_id:9000022@bad_rows.csv:14"}; !slices.Equal(refs, wantRefs) {
		t.Errorf("records got %v, want %v", refs, wantRefs)
	}
	if e := res.Errs[0]; e.Raw != "9000011,566,NIG90011,90011,09 May 2020,2020,1,Battles,Armed clash,Military Forces of Nigeria (2015-)" {
		t.Errorf("truncated row raw got %q", e.Raw)
	}
}

func TestLayout2023(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "layout_2023.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, source.UTF8BOM) || !bytes.Contains(data, []byte("\r\n")) {
		t.Fatal("fixture lost its BOM or CRLF line endings")
	}
	res := readBytes(t, data, "layout_2023.csv")
	if res.reader.Skipped() != 1 {
		t.Errorf("skipped %d, want 1 (the peaceful protest)", res.reader.Skipped())
	}
	if len(res.Errs) != 1 || res.Errs[0].Line != 6 || res.Errs[0].Field != "event_id_cnty" {
		t.Errorf("row errors got %v, want one at line 6 on event_id_cnty (no data_id column to stand in)", res.Errs)
	}
	if len(res.Recs) != 2 {
		t.Fatalf("read %d records, want 2", len(res.Recs))
	}
	yes := true
	checkRecord(t, res.Recs[0], "IRN99001", 1704499200, claimWant{
		line: 2, start: "2024-01-03", end: "2024-01-03", prec: model.PrecisionDay,
		country: "IR", admin1: "Kerman", admin2: "Kerman", place: "Kerman", lat: 30.2839, lon: 57.0834, placePrec: model.PlaceCity,
		attack: model.Bombing, target: "private_citizens_property", perpetrator: "Islamic State (Iran)", killed: 95, suicide: &yes,
		textPrefix: "On 3 January 2024, two suicide bombers struck a crowd in Kerman.\nThe group said it \"carried out\" both blasts.",
		codes: map[string]string{"disorder_type": "Political violence", "civilian_targeting": "Civilian targeting", "inter1": "Rebel group",
			"interaction": "Rebel group-Civilians", "iso": "364"},
	})
	if _, ok := res.Recs[0].Claim.Codes["tags"]; ok {
		t.Errorf("empty tags kept in codes")
	}
	// No iso3 column and iso 0: Kosovo is found by name.
	checkRecord(t, res.Recs[1], "XKX99003", 1704499202, claimWant{
		line: 5, start: "2024-01-05", end: "2024-01-05", prec: model.PrecisionDay,
		country: "XK", admin1: "Mitrovica", admin2: "Mitrovice", place: "Mitrovice", lat: 42.8914, lon: 20.866, placePrec: model.PlaceAdmin2,
		attack: model.UnarmedAssault, target: "private_citizens_property", perpetrator: "Rioters (Kosovo)",
		textPrefix: "On 5 January 2024, a group beat a man",
	})
	// Raw keeps the multi-line notes with their CRLF and doubled quotes.
	if raw := string(res.Recs[0].Report.Raw); !strings.Contains(raw, "Kerman.\r\nThe group said it \"\"carried out\"\"") ||
		!strings.HasPrefix(raw, "IRN99001,") || !strings.HasSuffix(raw, ",40000") {
		t.Errorf("raw got %q", raw)
	}
}

func TestHXL(t *testing.T) {
	res := readAll(t, filepath.Join("testdata", "hdx_hxl.csv"))
	if len(res.Errs) != 0 || res.reader.Skipped() != 0 || len(res.Recs) != 1 {
		t.Fatalf("got %d records, %d skipped, errors %v; want 1, 0, none", len(res.Recs), res.reader.Skipped(), res.Errs)
	}
	if got := res.Recs[0]; got.Report.SourceRef != "SOM99001" || got.Report.Origin != "hdx_hxl.csv:3" || got.Claim.Country != "SO" {
		t.Errorf("got %s at %s in %q, want SOM99001 at hdx_hxl.csv:3 in SO", got.Report.SourceRef, got.Report.Origin, got.Claim.Country)
	}
}

func TestKindError(t *testing.T) {
	tests := []struct {
		name, input string
		missing     []string
	}{
		{"gtd_header.csv", "", []string{"event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "fatalities", "timestamp"}},
		{"empty.csv", "", Required},
		{"blank.csv", "\r\n\r\n", Required},
		{"ucdp.csv", "id,type_of_violence,date_start,country,latitude,longitude\n1,1,2020-01-01,Iran,1,2\n",
			[]string{"event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "fatalities", "timestamp"}},
		{"broken.csv", "event_id_cnty,\"event_date\n", Required},
	}
	for _, tc := range tests {
		input := []byte(tc.input)
		if tc.name == "gtd_header.csv" {
			var err error
			if input, err = os.ReadFile(filepath.Join("testdata", tc.name)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := NewReader(bytes.NewReader(input), source.Options{Name: tc.name})
		var ke *source.KindError
		if !errors.As(err, &ke) {
			t.Errorf("%s: got %v, want a *source.KindError", tc.name, err)
			continue
		}
		if ke.File != tc.name || ke.Kind != "ACLED" || !slices.Equal(ke.Expected, Required) || !slices.Equal(ke.Missing, tc.missing) {
			t.Errorf("%s: got %+v, want missing %v", tc.name, ke, tc.missing)
		}
		if !strings.Contains(err.Error(), "event_id_cnty, event_date, event_type") {
			t.Errorf("%s: message %q does not name the expected columns", tc.name, err)
		}
	}
}

// TestReadError checks that an I/O error ends the file and stays.
func TestReadError(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "dates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk gone")
	r, err := NewReader(io.MultiReader(bytes.NewReader(data[:len(data)/2]), errReader{boom}), source.Options{Name: "x.csv"})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err = r.Next(); err != nil && !source.IsRowError(err) {
			break
		}
	}
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the read error", err)
	}
	if _, again := r.Next(); !errors.Is(again, boom) {
		t.Errorf("Next after a fatal error got %v, want the same error", again)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestSource(t *testing.T) {
	r, err := NewReader(strings.NewReader(strings.Join(Required, ",")+"\n"), source.Options{Name: "h.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Source(); s.Name != "acled" || s.Kind != model.KindDataset || s.Reliability <= 0 || s.Reliability > 1 {
		t.Errorf("source got %+v", s)
	}
	if _, err := r.Next(); err != io.EOF { // bare, as io.Reader callers compare it
		t.Errorf("header-only file: Next got %v, want io.EOF", err)
	}
}

func FuzzReader(f *testing.F) {
	sourcetest.AddSeeds(f, filepath.Join("testdata", "*.csv"))
	f.Add([]byte(strings.Join(Required, ",") + "\n\"unterminated"))
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
				!c.End.Before(c.Start) && c.Killed != nil && c.Killed.Ordered() && rec.Report.SourceRef != ""
		})
	})
}

func BenchmarkReader(b *testing.B) {
	data, err := os.ReadFile(shareddata.Path(b, "acled", realFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res := readBytes(b, data, realFile)
		if len(res.Recs) != 2475 {
			b.Fatalf("read %d records, want 2475", len(res.Recs))
		}
	}
}
