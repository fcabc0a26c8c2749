package gtd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// fixtureClaims are the claims of testdata/cp1252.csv and utf8bom.csv,
// with the line each row starts on.
func fixtureClaims() (lines []int, claims []model.Claim, codes []map[string]string) {
	us := func(id string) (string, string) { return "gtd:" + id + "#1", "gtd:" + id }
	idA, repA := us("201503150001")
	idB, repB := us("201506000001")
	idC, repC := us("201600000001")
	idD, repD := us("201702280001")
	common := map[string]string{"crit1": "1", "crit2": "1", "crit3": "1", "guncertain1": "0", "individual": "0",
		"nkillter": "0", "nwoundte": "0", "ishostkid": "0", "dbsource": "START Primary Collection",
		"INT_LOG": "-9", "INT_IDEO": "-9", "INT_MISC": "0", "INT_ANY": "-9", "vicinity": "0"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range common {
			out[k] = v
		}
		for k, v := range m {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	lines = []int{2, 3, 7, 8}
	claims = []model.Claim{
		{
			ID: idA, ReportID: repA, Source: "gtd",
			Start: date("2015-03-15"), End: date("2015-03-17"), DatePrecision: model.PrecisionDay,
			Country: "CA", Admin1: "Quebec", Place: "Montréal", Lat: ptr(45.508888), Lon: ptr(-73.561668),
			PlacePrecision: model.PlaceExact, AttackType: model.Bombing, TargetType: "business", Weapon: "explosives",
			Killed: model.Point(2, model.Exact), Wounded: model.Point(5, model.Exact), Suicide: ptr(false), Sites: 1,
			Text: "03/15/2015: An explosive device detonated outside a café in Montréal, Quebec, Canada. " +
				"Police called it a “deliberate attack”. Two people were killed and five were injured in the blast.",
		},
		{
			ID: idB, ReportID: repB, Source: "gtd",
			Start: date("2015-06-01"), End: date("2015-06-30"), DatePrecision: model.PrecisionMonth,
			Country: "US", Admin1: "Texas", PlacePrecision: model.PlaceAdmin1,
			AttackType: model.Bombing, TargetType: "transportation", Weapon: "explosives",
			Suicide: ptr(false), Sites: 1, Flags: []string{model.FlagUnsuccessful},
			Text: "06/2015: A pipe bomb was found at a rail yard in Texas, United States.\n" +
				"The device, described as a \"crude\" one, did not detonate.\n\nNo group claimed responsibility.",
		},
		{
			ID: idC, ReportID: repC, Source: "gtd",
			Start: date("2016-01-01"), End: date("2016-12-31"), DatePrecision: model.PrecisionYear,
			Country: "US", Admin1: "Oregon", Place: "Portland", Lat: ptr(45.523452), Lon: ptr(-122.676207),
			PlacePrecision: model.PlaceExact, AttackType: model.ArmedAssault, TargetType: "police", Weapon: "firearms",
			Perpetrator: "Example Front", ClaimedBy: []string{"Example Front", "Example Brigade"},
			Killed: model.Point(1, model.Exact), Wounded: model.Point(0, model.Exact), Suicide: ptr(true),
			Sites: 3, Related: []string{"201600000002", "201600000003"},
			Flags: []string{model.FlagDoubtTerrorism, model.FlagUnsuccessful},
			Text:  "2016: Assailants opened fire on a police post in Portland, Oregon, United States.",
		},
		{
			ID: idD, ReportID: repD, Source: "gtd",
			Start: date("2017-02-28"), End: date("2017-02-28"), DatePrecision: model.PrecisionDay,
			Admin1: "North Province", Place: "Capital City", PlacePrecision: model.PlaceCity,
			AttackType: model.Kidnapping, TargetType: "journalists_media", Weapon: "unknown",
			Perpetrator: "Example Front", Killed: model.Point(3, model.Exact), Suicide: ptr(false), Sites: 1,
			Flags: []string{FlagUnknownCountry},
		},
	}
	codes = []map[string]string{
		with(map[string]string{"country": "38", "country_txt": "Canada", "region": "1", "region_txt": "North America",
			"extended": "1", "resolution": "3/17/2015", "specificity": "1", "doubtterr": "0", "multiple": "0", "success": "1",
			"attacktype1": "3", "targtype1": "1", "targsubtype1": "10", "claimed": "0", "weaptype1": "6",
			"nkillus": "0", "nwoundus": "0", "property": "1", "propextent": "3"}),
		with(map[string]string{"country": "217", "country_txt": "United States", "region": "1", "region_txt": "North America",
			"approxdate": "June 2015", "extended": "0", "specificity": "4", "doubtterr": "0", "multiple": "0", "success": "0",
			"attacktype1": "3", "targtype1": "19", "claimed": "-9", "weaptype1": "6",
			"nkillus": "-99", "nwoundus": "-9", "property": "0"}),
		with(map[string]string{"country": "217", "country_txt": "United States", "region": "1", "region_txt": "North America",
			"extended": "0", "specificity": "1", "doubtterr": "1", "alternative": "1", "multiple": "1", "success": "0",
			"related":     "201600000001, 201600000002,201600000003 ,201600000002",
			"attacktype1": "2", "attacktype2": "7", "targtype1": "3", "gname2": "Example Brigade",
			"claimed": "1", "claimmode": "5", "claim2": "1", "weaptype1": "5", "weaptype2": "8",
			"nkillus": "0", "nwoundus": "0", "property": "0"}),
		with(map[string]string{"country": "999", "country_txt": "Freedonia", "region": "12", "region_txt": "Elsewhere",
			"extended": "0", "specificity": "2", "doubtterr": "0", "multiple": "0", "success": "1",
			"attacktype1": "6", "targtype1": "10", "claimed": "0", "weaptype1": "13", "nkill": "2.5",
			"nkillus": "0", "nwoundus": "0", "property": "0"}),
	}
	return lines, claims, codes
}

func TestFixtures(t *testing.T) {
	lines, claims, codes := fixtureClaims()
	var first []model.Record
	for _, name := range []string{"cp1252.csv", "utf8bom.csv"} {
		t.Run(name, func(t *testing.T) {
			recs, rowErrs := readAll(t, mustReader(t, readFile(t, name), "fixture.csv"))
			if len(rowErrs) != 0 || len(recs) != len(claims) {
				t.Fatalf("got %d records and row errors %v, want %d records", len(recs), rowErrs, len(claims))
			}
			for i, rec := range recs {
				checkClaim(t, rec.Claim, claims[i], codes[i], true)
				if want := fmt.Sprintf("fixture.csv:%d", lines[i]); rec.Report.Origin != want {
					t.Errorf("%s: Origin: got %q, want %q", rec.Report.ID, rec.Report.Origin, want)
				}
				if !bytes.HasPrefix(rec.Report.Raw, []byte(rec.Report.SourceRef+",")) || bytes.HasSuffix(rec.Report.Raw, []byte("\r")) {
					t.Errorf("%s: Raw: got %q, want the row without its line break", rec.Report.ID, rec.Report.Raw)
				}
			}
			if !bytes.Contains(recs[0].Report.Raw, []byte("Montréal")) || !bytes.Contains(recs[0].Report.Raw, []byte("“deliberate attack”")) {
				t.Errorf("Raw of the first row is not decoded to UTF-8: %q", recs[0].Report.Raw)
			}
			if want := `"crude"`; !bytes.Contains(recs[1].Report.Raw, []byte(`""crude""`)) {
				t.Errorf("Raw keeps the CSV quoting: got %q, want it to contain %s doubled", recs[1].Report.Raw, want)
			}
			// The same rows in either encoding are the same reports.
			if first == nil {
				first = recs
			} else if !reflect.DeepEqual(first, recs) {
				t.Errorf("records of utf8bom.csv differ from those of cp1252.csv")
			}
		})
	}
}

func TestBadRows(t *testing.T) {
	r := mustReader(t, readFile(t, "bad.csv"), "bad.csv")
	type outcome struct {
		line   int
		field  string
		reason string // a substring of the reason; "" for a record
	}
	want := []outcome{
		{2, "", ""},
		{3, "imonth", "month 13 out of range"},
		{4, "iday", "day 30 does not exist in February 2017"},
		{5, "", "40 fields, want 135"},
		{6, "nkill", `"several" is not a number`},
		{7, "eventid", `"2.01703E+11" is not an eventid`},
		{8, "", ""}, // a summary over two lines
		{10, "city", "text after closing quote"},
		{11, "", ""},
	}
	var got []outcome
	for {
		rec, err := r.Next()
		if err != nil && !source.IsRowError(err) {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("fatal error: %v", err)
			}
			break
		}
		var re *source.RowError
		if errors.As(err, &re) {
			if re.File != "bad.csv" || re.Raw == "" {
				t.Errorf("row error %v: got file %q, raw %.20q", re, re.File, re.Raw)
			}
			got = append(got, outcome{re.Line, re.Field, re.Reason})
			continue
		}
		var line int
		fmt.Sscanf(strings.TrimPrefix(rec.Report.Origin, "bad.csv:"), "%d", &line)
		got = append(got, outcome{line, "", ""})
	}
	if len(got) != len(want) {
		t.Fatalf("got %d outcomes %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.line != w.line || g.field != w.field || !strings.Contains(g.reason, w.reason) || (w.reason == "") != (g.reason == "") {
			t.Errorf("outcome %d: got line %d field %q reason %q, want line %d field %q reason containing %q",
				i, g.line, g.field, g.reason, w.line, w.field, w.reason)
		}
	}
}

func TestKindError(t *testing.T) {
	for _, tt := range []struct {
		name        string
		data        []byte
		wantMissing []string // some of the columns that must be reported missing
		notMissing  []string
	}{
		{"acled", readFile(t, "acled.csv"), []string{"eventid", "iyear", "nkill", "gname", "related"}, []string{"latitude", "longitude"}},
		{"empty", nil, requiredColumns, nil},
		{"blank lines", []byte("\n\r\n\n"), requiredColumns, nil},
		{"binary", []byte("\x00\x01\x02\xff\"\xfe"), requiredColumns, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.data), source.Options{Name: tt.name + ".csv"})
			var ke *source.KindError
			if !errors.As(err, &ke) {
				t.Fatalf("got error %v, want a *source.KindError", err)
			}
			if ke.Kind != "GTD" || ke.File != tt.name+".csv" || !slices.Equal(ke.Expected, requiredColumns) {
				t.Errorf("got kind %q file %q expected %v, want GTD, %s.csv, %v", ke.Kind, ke.File, ke.Expected, tt.name, requiredColumns)
			}
			for _, c := range tt.wantMissing {
				if !slices.Contains(ke.Missing, c) {
					t.Errorf("Missing: got %v, want it to list %q", ke.Missing, c)
				}
			}
			for _, c := range tt.notMissing {
				if slices.Contains(ke.Missing, c) {
					t.Errorf("Missing: got %v, want it not to list %q", ke.Missing, c)
				}
			}
			if !strings.Contains(err.Error(), "eventid") {
				t.Errorf("message %q does not name the expected columns", err)
			}
		})
	}
}

// TestEncodingSniff checks the encoding is told apart when the first
// non-ASCII byte comes after the sniffed window.
func TestEncodingSniff(t *testing.T) {
	data := readFile(t, "bad.csv")
	header, rest, _ := bytes.Cut(data, []byte("\n"))
	row, _, _ := bytes.Cut(rest, []byte("\n")) // a good ASCII row
	build := func(city []byte) []byte {
		var b bytes.Buffer
		b.Write(header)
		b.WriteByte('\n')
		for b.Len() < 3*bufSize {
			b.Write(row)
			b.WriteByte('\n')
		}
		b.Write(bytes.Replace(row, []byte(",Columbus,"), append(append([]byte(","), city...), ','), 1))
		b.WriteByte('\n')
		return b.Bytes()
	}
	for _, tt := range []struct {
		name string
		city []byte
	}{
		{"windows-1252", []byte("Montr\xe9al")},
		{"utf-8", []byte("Montréal")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recs, rowErrs := readAll(t, mustReader(t, build(tt.city), tt.name))
			if len(rowErrs) != 0 || len(recs) < 2 {
				t.Fatalf("got %d records, row errors %v", len(recs), rowErrs)
			}
			if got := recs[len(recs)-1].Claim.Place; got != "Montréal" {
				t.Errorf("Place: got %q, want %q", got, "Montréal")
			}
		})
	}
}

func TestParseCount(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    *model.Range
		wantErr bool
	}{
		{"", nil, false},
		{"0", model.Point(0, model.Exact), false},
		{"17", model.Point(17, model.Exact), false},
		{"-9", nil, false},
		{"-99", nil, false},
		{"3.0", model.Point(3, model.Exact), false},
		{"2.5", model.Point(3, model.Exact), false},
		{"0.4", model.Point(0, model.Exact), false},
		{"many", nil, true},
		{"NaN", nil, true},
		{"1e300", nil, true},
	} {
		got, err := parseCount(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseCount(%q): got %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseResolution(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // "" for no date
	}{
		{"10/31/2001", "2001-10-31"},
		{"3/9/2003", "2003-03-09"},
		{"2016-01-05", "2016-01-05"},
		{"2/30/2016", ""},
		{"soon", ""},
		{"", ""},
	} {
		got, ok := parseResolution(tt.in)
		if got.String() != tt.want || ok != (tt.want != "") {
			t.Errorf("parseResolution(%q): got %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestSplitFields(t *testing.T) {
	for _, tt := range []struct {
		in     string
		want   []string
		bad    int
		reason string
	}{
		{`a,b,c`, []string{"a", "b", "c"}, -1, ""},
		{`a,,`, []string{"a", "", ""}, -1, ""},
		{``, []string{""}, -1, ""},
		{`"a,b","c""d",""`, []string{"a,b", `c"d`, ""}, -1, ""},
		{"\"line\r\nbreak\",x", []string{"line\nbreak", "x"}, -1, ""},
		{`a,"b"c,d`, nil, 1, "text after closing quote"},
		{`a,b"c`, nil, 1, `bare " in unquoted field`},
		{`"open`, nil, 0, "quoted field not closed"},
	} {
		got, bad, reason := splitFields(nil, tt.in)
		if bad != tt.bad || reason != tt.reason || (bad < 0 && !slices.Equal(got, tt.want)) {
			t.Errorf("splitFields(%q): got %q, bad %d %q; want %q, bad %d %q", tt.in, got, bad, reason, tt.want, tt.bad, tt.reason)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, tt := range []struct {
		in    string
		atEOF bool
		want  bool
	}{
		{"plain", false, false},
		{"caf\xc3\xa9", true, false},
		{"caf\xe9", true, true},
		{"caf\xc3", false, false}, // cut at the window's end
		{"caf\xc3", true, true},   // cut at the file's end
		{"\x93quoted\x94", false, true},
	} {
		if got := invalidUTF8([]byte(tt.in), tt.atEOF); got != tt.want {
			t.Errorf("invalidUTF8(%q, %v): got %v, want %v", tt.in, tt.atEOF, got, tt.want)
		}
	}
}
