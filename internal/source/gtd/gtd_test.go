package gtd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/sourcetest"
)

var fetched = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// readAll drains a reader, failing the test on a fatal error.
func readAll(t testing.TB, r source.Reader) (recs []model.Record, rowErrs []*source.RowError) {
	t.Helper()
	res := sourcetest.Drain(t, r)
	return res.Recs, res.Errs
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustReader(t testing.TB, data []byte, name string) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), source.Options{Name: name, Fetched: fetched})
	if err != nil {
		t.Fatalf("NewReader(%s): %v", name, err)
	}
	return r
}

func ptr[T any](v T) *T { return &v }

func date(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// checkClaim compares a claim field by field; Codes are compared only on
// the keys of wantCodes (a value "" means the key must be absent) unless
// exactCodes is set.
func checkClaim(t *testing.T, got, want model.Claim, wantCodes map[string]string, exactCodes bool) {
	t.Helper()
	if exactCodes {
		if !reflect.DeepEqual(got.Codes, wantCodes) {
			t.Errorf("%s: Codes:\ngot  %v\nwant %v", want.ID, got.Codes, wantCodes)
		}
	} else {
		for k, v := range wantCodes {
			if g, ok := got.Codes[k]; g != v || ok != (v != "") {
				t.Errorf("%s: Codes[%q]: got %q (present %v), want %q", want.ID, k, g, ok, v)
			}
		}
	}
	got.Codes, want.Codes = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("claim %s:\ngot  %s\nwant %s", want.ID, describe(got), describe(want))
	}
}

// describe formats a claim with its pointers followed, for failure messages.
func describe(c model.Claim) string {
	var b strings.Builder
	v := reflect.ValueOf(c)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		fmt.Fprintf(&b, "\n  %s: %+v", v.Type().Field(i).Name, f)
	}
	return b.String()
}

func TestRealFile(t *testing.T) {
	path := shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")
	r, err := Open(path, source.Options{Name: "gtd.csv", Fetched: fetched})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Source(); got.Name != "gtd" || got.Kind != model.KindDataset {
		t.Errorf("Source: got %+v, want name gtd, kind dataset", got)
	}
	recs, rowErrs := readAll(t, r)
	if len(recs) != 475 || len(rowErrs) != 0 {
		for _, e := range rowErrs {
			t.Log(e)
		}
		t.Fatalf("got %d records and %d rejected rows, want 475 and 0", len(recs), len(rowErrs))
	}
	byID := map[string]model.Record{}
	for _, rec := range recs {
		if rec.Claim.Country != "US" {
			t.Errorf("%s: Country: got %q, want US", rec.Report.SourceRef, rec.Claim.Country)
		}
		if !utf8.Valid(rec.Report.Raw) || bytes.ContainsAny(rec.Report.Raw, "\r\n") {
			t.Errorf("%s: Raw is not one line of UTF-8", rec.Report.SourceRef)
		}
		byID[rec.Report.SourceRef] = rec
	}
	if len(byID) != 475 {
		t.Errorf("distinct eventids: got %d, want 475", len(byID))
	}

	// Values below were read from the file itself.
	tests := []struct {
		line      int
		want      model.Claim
		codes     map[string]string
		textStart string
	}{
		{ // the first 9/11 attack: claimed, suicide, multiple with related ids
			line: 55,
			want: model.Claim{
				Start: date("2001-09-11"), End: date("2001-09-11"), DatePrecision: model.PrecisionDay,
				Country: "US", Admin1: "New York", Place: "New York City",
				Lat: ptr(40.697132), Lon: ptr(-73.931351), PlacePrecision: model.PlaceExact,
				AttackType: model.Hijacking, TargetType: "private_citizens_property", Weapon: "vehicle",
				Perpetrator: "Al-Qaida", ClaimedBy: []string{"Al-Qaida"},
				Killed: model.Point(1384, model.Exact), Wounded: model.Point(8190, model.Exact),
				Suicide: ptr(true), Sites: 4,
				Related: []string{"200109110005", "200109110006", "200109110007"},
			},
			codes: map[string]string{"attacktype2": "2", "targtype2": "1", "attacktype3": "", "claimmode": "6", "nkillus": "1360",
				"nkillter": "5", "nwoundus": "", "ishostkid": "1", "propextent": "1", "weaptype2": "8",
				"weaptype3": "9", "INT_ANY": "1", "dbsource": "CETIS", "multiple": "1", "country": "217",
				"country_txt": "United States", "region_txt": "North America"},
			textStart: "09/11/2001: This was one of four related attacks",
		},
		{ // anthrax letters: nkill and nwound empty, perpetrator Unknown, eight linked incidents
			line: 70,
			want: model.Claim{
				Start: date("2001-10-26"), End: date("2001-10-26"), DatePrecision: model.PrecisionDay,
				Country: "US", Admin1: "District of Columbia", Place: "Washington",
				Lat: ptr(38.908642), Lon: ptr(-77.015381), PlacePrecision: model.PlaceExact,
				AttackType: model.UnarmedAssault, TargetType: "government_general", Weapon: "biological",
				Suicide: ptr(false), Sites: 8,
				Related: []string{"200110020003", "200110090004", "200110120004", "200110150001",
					"200110150002", "200110180004", "200110290003"},
			},
			codes:     map[string]string{"guncertain1": "1", "individual": "1", "claimed": "0", "claimmode": "", "nkillus": "0"},
			textStart: "10/26/2001: In one of several anthrax-related incidents",
		},
		{ // claimed by two groups (claimed=1, claim2=1)
			line: 16,
			want: model.Claim{
				Start: date("2000-05-07"), End: date("2000-05-07"), DatePrecision: model.PrecisionDay,
				Country: "US", Admin1: "Washington", Place: "Olympia",
				Lat: ptr(47.039225), Lon: ptr(-122.891429), PlacePrecision: model.PlaceExact,
				AttackType: model.FacilityAttack, TargetType: "business", Weapon: "incendiary",
				Perpetrator: "Revenge of the Trees", ClaimedBy: []string{"Revenge of the Trees", "Earth Liberation Front (ELF)"},
				Killed: model.Point(0, model.Exact), Wounded: model.Point(0, model.Exact),
				Suicide: ptr(false), Sites: 1,
			},
			codes:     map[string]string{"claimmode": "10", "claim2": "1", "gname2": "Earth Liberation Front (ELF)", "weapsubtype1": "18", "targsubtype1": "5"},
			textStart: `05/07/2000: A previously unknown group called "Revenge of the Trees"`,
		},
		{ // iday 0: month precision, with GTD's approxdate
			line: 225,
			want: model.Claim{
				Start: date("2010-10-01"), End: date("2010-10-31"), DatePrecision: model.PrecisionMonth,
				Country: "US", Admin1: "Virginia", Place: "Triangle",
				Lat: ptr(38.544054), Lon: ptr(-77.343246), PlacePrecision: model.PlaceExact,
				AttackType: model.FacilityAttack, TargetType: "ngo", Weapon: "firearms",
				Perpetrator: "Jihadi-inspired extremists",
				Killed:      model.Point(0, model.Exact), Wounded: model.Point(0, model.Exact),
				Suicide: ptr(false), Sites: 1,
			},
			codes:     map[string]string{"approxdate": "October 16-17, 2010", "dbsource": "UMD Miscellaneous", "targsubtype1": "61", "weapsubtype1": "5", "INT_ANY": "-9"},
			textStart: "10/16/2010: Shots were fired overnight at the National Museum",
		},
		{ // extended incident: End is the resolution date
			line: 71,
			want: model.Claim{
				Start: date("2001-10-29"), End: date("2001-10-31"), DatePrecision: model.PrecisionDay,
				Country: "US", Admin1: "New York", Place: "New York City",
				Lat: ptr(40.697132), Lon: ptr(-73.931351), PlacePrecision: model.PlaceExact,
				AttackType: model.UnarmedAssault, TargetType: "business", Weapon: "biological",
				Killed: model.Point(1, model.Exact), Wounded: model.Point(0, model.Exact),
				Suicide: ptr(false), Sites: 8,
				Related: []string{"200110020003", "200110090004", "200110120004", "200110150001",
					"200110150002", "200110180004", "200110260004"},
			},
			codes:     map[string]string{"extended": "1", "resolution": "10/31/2001"},
			textStart: "10/29/2001: In one of several anthrax-related incidents",
		},
	}
	ids := map[int]string{55: "200109110004", 70: "200110260004", 16: "200005070004", 225: "201010000001", 71: "200110290003"}
	for _, tt := range tests {
		id := ids[tt.line]
		rec, ok := byID[id]
		if !ok {
			t.Errorf("eventid %s not read", id)
			continue
		}
		rep := rec.Report
		if rep.ID != "gtd:"+id || rep.Source != "gtd" || rep.SourceRef != id || rep.Revision != 0 {
			t.Errorf("%s: report: got id %q source %q ref %q revision %d", id, rep.ID, rep.Source, rep.SourceRef, rep.Revision)
		}
		if want := "gtd.csv:" + strconv.Itoa(tt.line); rep.Origin != want {
			t.Errorf("%s: Origin: got %q, want %q", id, rep.Origin, want)
		}
		if !rep.Fetched.Equal(fetched) || rep.Hash != source.Hash(rep.Raw) || !bytes.HasPrefix(rep.Raw, []byte(id+",")) {
			t.Errorf("%s: report fetched %v hash %s raw %.20q", id, rep.Fetched, rep.Hash, rep.Raw)
		}
		if !strings.HasPrefix(rec.Claim.Text, tt.textStart) {
			t.Errorf("%s: Text: got %.60q, want prefix %q", id, rec.Claim.Text, tt.textStart)
		}
		want := tt.want
		want.ID, want.ReportID, want.Source, want.Text = "gtd:"+id+"#1", "gtd:"+id, "gtd", rec.Claim.Text
		checkClaim(t, rec.Claim, want, tt.codes, false)
	}

	// Rows that GTD itself doubts or records as failed carry the flags.
	var doubt, failed int
	for _, rec := range recs {
		if slices.Contains(rec.Claim.Flags, model.FlagDoubtTerrorism) {
			doubt++
		}
		if slices.Contains(rec.Claim.Flags, model.FlagUnsuccessful) {
			failed++
		}
	}
	if doubt != 89 || failed != 77 {
		t.Errorf("flags: got %d doubt_terrorism and %d unsuccessful, want 89 and 77", doubt, failed)
	}
}
