package plan

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// The JSON names that appendIncident and appendClaim write, and those that
// make appendIncident give way to json.Marshal. A field added to the model
// fails TestDocFields until the encoders know it.
var (
	incidentWritten = []string{"id", "version", "status", "start", "end", "date_precision", "country", "admin1",
		"place", "lat", "lon", "place_precision", "attack_type", "target_type", "weapon", "perpetrator", "claimed_by",
		"suicide", "sites", "killed", "wounded", "contested", "sources", "first_seen", "updated", "claims"}
	incidentFallback = []string{"attackers_killed", "rules", "timeline", "group", "group_reasons", "merged_into"}
	claimWritten     = []string{"id", "report_id", "source", "start", "end", "date_precision", "country", "admin1",
		"admin2", "place", "lat", "lon", "place_precision", "attack_type", "target_type", "weapon", "perpetrator",
		"claimed_by", "killed", "wounded", "suicide", "sites", "related", "text", "codes", "flags"}
)

func jsonNames(v any) []string {
	var out []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

func TestDocFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []string
		want []string
	}{
		{"model.Incident", jsonNames(model.Incident{}), append(slices.Clone(incidentWritten), incidentFallback...)},
		{"model.Claim", jsonNames(model.Claim{}), claimWritten},
	} {
		got, want := slices.Sorted(slices.Values(tc.got)), slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s JSON fields got %v, want %v: teach appendIncident/appendClaim (fastjson.go) the new fields",
				tc.name, got, want)
		}
	}
}

// Which path checkDocs expects the encoders to take.
const (
	eitherPath = iota
	fastPath
	marshalPath
)

// checkDocs compares the fast encoders with json.Marshal on inc and c.
func checkDocs(t *testing.T, inc model.Incident, c model.Claim, path int) {
	t.Helper()
	want, werr := json.Marshal(inc)
	got, ok := appendIncident(nil, &inc)
	if ok && (werr != nil || string(got) != string(want)) {
		t.Errorf("appendIncident:\n got %s\nwant %s (%v)", got, want, werr)
	}
	c.Codes = nil
	wantC, cerr := json.Marshal(c)
	gotC, okC := appendClaim(nil, &c)
	if okC && (cerr != nil || string(gotC) != string(wantC)) {
		t.Errorf("appendClaim:\n got %s\nwant %s (%v)", gotC, wantC, cerr)
	}
	if path == fastPath && (!ok || !okC) {
		t.Errorf("fast path not taken (incident %v, claim %v) for %+v", ok, okC, inc)
	}
	if path == marshalPath && ok {
		t.Errorf("fast path taken for %+v, want json.Marshal", inc)
	}
}

// docPair returns an incident as an import makes it from a claim.
func docPair(text string, lat, lon float64, year, killed int, suicide bool) (model.Incident, model.Claim) {
	day := model.Date{Year: year, Month: time.March, Day: 9}
	c := model.Claim{ID: "gtd:" + text + "#1", ReportID: "gtd:" + text, Source: "gtd", Start: day, End: day,
		DatePrecision: model.PrecisionDay, Country: "IR", Admin1: text, Admin2: text, Place: text, Lat: &lat, Lon: &lon,
		PlacePrecision: model.PlaceCity, AttackType: model.Bombing, TargetType: "military", Weapon: "explosives",
		Perpetrator: text, ClaimedBy: []string{text, "Islamic State"}, Killed: model.Point(killed, model.AtLeast),
		Wounded: &model.Range{Low: 1, Best: 2, High: killed}, Suicide: &suicide, Sites: killed % 3, Related: []string{text},
		Text: text, Flags: []string{text}}
	seen := time.Date(2026, 11, 25, 8, 28, 10, 772487000, time.UTC)
	return model.IncidentFromClaim("i"+text, c, seen), c
}

func TestDocs(t *testing.T) {
	nan := math.NaN()
	fast := []struct {
		name string
		mod  func(*model.Incident, *model.Claim)
	}{
		{"as imported", func(*model.Incident, *model.Claim) {}},
		{"zero values", func(i *model.Incident, c *model.Claim) { *i, *c = model.Incident{}, model.Claim{} }},
		{"empty lists", func(i *model.Incident, c *model.Claim) {
			i.ClaimedBy, i.Contested, i.Claims, c.ClaimedBy, c.Flags = []string{}, []string{}, []string{}, []string{}, []string{}
		}},
		{"small and large floats", func(i *model.Incident, c *model.Claim) {
			a, b := 1e-7, -1e21
			i.Lat, i.Lon, c.Lat, c.Lon = &a, &b, &b, &a
		}},
		{"negative zero", func(i *model.Incident, _ *model.Claim) { z := math.Copysign(0, -1); i.Lat = &z }},
		{"unknown dates", func(i *model.Incident, c *model.Claim) {
			i.Start, i.End, c.Start = model.Date{}, model.Date{}, model.Date{}
		}},
		{"zero time", func(i *model.Incident, _ *model.Claim) { i.FirstSeen = time.Time{} }},
	}
	for _, tc := range fast {
		t.Run(tc.name, func(t *testing.T) {
			inc, c := docPair(`<a href="x">&</a> "q" \ tab	ctl`+"\x01\x7f\u2028\u2029 کرمان", 30.28, 57.08, 2024, 95, true)
			tc.mod(&inc, &c)
			checkDocs(t, inc, c, fastPath)
		})
	}
	slow := []struct {
		name string
		mod  func(*model.Incident)
	}{
		{"rules", func(i *model.Incident) { i.Rules = map[string]string{"killed": "max"} }},
		{"group", func(i *model.Incident) { i.Group = "ix" }},
		{"merged", func(i *model.Incident) { i.MergedInto = "ix" }},
		{"attackers killed", func(i *model.Incident) { i.AttackersKilled = model.Point(1, model.Exact) }},
		{"NaN", func(i *model.Incident) { i.Lat = &nan }},
		{"year 10000", func(i *model.Incident) { i.Start.Year = 10000 }},
		{"time not in UTC", func(i *model.Incident) { i.Updated = i.Updated.In(time.FixedZone("IRST", 12600)) }},
		{"invalid UTF-8", func(i *model.Incident) { i.Place = "Ker\xffman" }},
	}
	for _, tc := range slow {
		t.Run(tc.name, func(t *testing.T) {
			inc, c := docPair("x", 1, 2, 2024, 1, false)
			tc.mod(&inc)
			checkDocs(t, inc, c, marshalPath)
		})
	}
}

// FuzzDocs holds the fast encoders to json.Marshal's bytes.
func FuzzDocs(f *testing.F) {
	f.Add("Kerman", 30.28, 57.08, 2024, 95, true)
	f.Add("<&>\u2028\x00\"\\", -1e-9, 1e300, 0, -5, false)
	f.Add("\xff", math.Inf(1), 0.0, 9999, 0, true)
	f.Fuzz(func(t *testing.T, text string, lat, lon float64, year, killed int, suicide bool) {
		inc, c := docPair(text, lat, lon, year, killed, suicide)
		checkDocs(t, inc, c, eitherPath)
		var e claimEncoder
		c.Codes = map[string]string{text: text, "a": text}
		doc, err := e.marshal(c)
		if err != nil {
			return // json.Marshal refuses it too (NaN, ∞)
		}
		want, _ := json.Marshal(c)
		var back model.Claim
		if err := json.Unmarshal(doc, &back); err != nil {
			if json.Unmarshal(want, &back) != nil {
				return // json.Marshal's document does not read back either (a year below 0)
			}
			t.Fatalf("claim document %s: %v", doc, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(want) && json.Valid(want) && strings.ToValidUTF8(text, "") == text {
			t.Errorf("claim round trip:\n got %s\nwant %s", again, want)
		}
	})
}

func BenchmarkIncidentDoc(b *testing.B) {
	inc, _ := docPair("Kerman", 30.28, 57.08, 2024, 95, true)
	b.Run("appendIncident", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf, _ = appendIncident(buf[:0], &inc)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(inc)
		}
	})
}
