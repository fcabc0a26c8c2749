package fuse

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "low/best/high", or "error"
	}{
		{"17", "17/17/17"},
		{" 17 ", "17/17/17"},
		{"16-18", "16/17/18"},
		{"16-18/16", "16/16/18"},
		{"84,95,103", "84/95/103"},
		{"0", "0/0/0"},
		{"18-16", "error"},
		{"16-18/20", "error"},
		{"95,84,103", "error"},
		{"-3", "error"},
		{"many", "error"},
		{"17/17", "error"},
		{"", "error"},
		{"1,2", "error"},
	} {
		r, err := ParseRange(tc.in)
		got := fmt.Sprintf("%d/%d/%d", r.Low, r.Best, r.High)
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("ParseRange(%q) = %s (%v), want %s", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"17", "16-18", "16-18/17", "84,95,103", "-", "/", ",,", "1-2-3", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err == nil && (!r.Ordered() || r.Low < 0) {
			t.Errorf("ParseRange(%q) = %+v: accepted out of order or negative", s, r)
		}
	})
}

func TestApplySet(t *testing.T) {
	at := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		field, value string
		check        func(model.Incident) bool
		bad          bool
	}{
		{"status", "disputed", func(i model.Incident) bool { return i.Status == model.StatusDisputed }, false},
		{"status", "maybe", nil, true},
		{"killed", "84,95,103", func(i model.Incident) bool { return i.Killed.Low == 84 && i.Killed.Best == 95 }, false},
		{"date", "2024-01-03", func(i model.Incident) bool { return i.Start.String() == "2024-01-03" && i.End == i.Start }, false},
		{"date", "2024-01-04/2024-01-03", nil, true},
		{"country", "IR", func(i model.Incident) bool { return i.Country == "IR" }, false},
		{"country", "Persia", nil, true},
		{"attack_type", "bombing", func(i model.Incident) bool { return i.AttackType == model.Bombing }, false},
		{"attack_type", "arson", nil, true},
		{"sites", "2", func(i model.Incident) bool { return i.Sites == 2 }, false},
		{"suicide", "true", func(i model.Incident) bool { return i.Suicide != nil && *i.Suicide }, false},
		{"colour", "red", nil, true},
	} {
		inc := model.Incident{ID: "i1"}
		err := applySet(&inc, Constraint{Kind: "set", Field: tc.field, Value: tc.value, Author: "a", Reason: "r", At: at})
		if tc.bad {
			if err == nil {
				t.Errorf("set %s %q: no error, want one", tc.field, tc.value)
			}
			continue
		}
		if err != nil || !tc.check(inc) {
			t.Errorf("set %s %q: %v, incident %+v", tc.field, tc.value, err, inc)
		}
		if !strings.HasPrefix(inc.Rules[tc.field], "set by a on 2024-01-05: r") {
			t.Errorf("set %s: rule %q, want who, when and why", tc.field, inc.Rules[tc.field])
		}
	}
}

func TestConstraintLinks(t *testing.T) {
	for _, tc := range []struct {
		name         string
		cons         []Constraint
		must, cannot string
	}{
		{"merge", []Constraint{{Kind: "merge", Claims: []string{"a", "b", "c"}}}, "[[a b c]]", "[]"},
		{"split", []Constraint{{Kind: "split", Claims: []string{"c"}, Others: []string{"a", "b"}}}, "[]", "[[[c] [a b]]]"},
		{"split then merge back", []Constraint{
			{Kind: "split", Claims: []string{"c", "d"}, Others: []string{"a"}},
			{Kind: "merge", Claims: []string{"a", "c", "d"}},
		}, "[[a c d]]", "[]"},
		{"merge then split", []Constraint{
			{Kind: "merge", Claims: []string{"a", "b", "c"}},
			{Kind: "split", Claims: []string{"c"}, Others: []string{"a", "b"}},
		}, "[[a b]]", "[[[c] [a b]]]"},
		{"set is no link", []Constraint{{Kind: "set", Incident: "i1", Field: "killed", Value: "3"}}, "[]", "[]"},
	} {
		must, cannot := constraintLinks(tc.cons)
		if got := fmt.Sprint(orEmpty(must)); got != tc.must {
			t.Errorf("%s: must = %s, want %s", tc.name, got, tc.must)
		}
		if got := fmt.Sprint(orEmptyPairs(cannot)); got != tc.cannot {
			t.Errorf("%s: cannot = %s, want %s", tc.name, got, tc.cannot)
		}
	}
}

func orEmpty(x [][]string) [][]string {
	if x == nil {
		return [][]string{}
	}
	return x
}

func orEmptyPairs(x [][2][]string) [][2][]string {
	if x == nil {
		return [][2][]string{}
	}
	return x
}

// TestFuseConstraints checks that Fuse honours must-link, cannot-link and
// fixed incidents on the perturbed GTD pairs: a forced merge of two
// unrelated claims, a pair kept apart, and two fixed incidents that a
// claim matching both may join only one of.
func TestFuseConstraints(t *testing.T) {
	day := model.Date{Year: 2017, Month: time.June, Day: 7}
	mk := func(id, src string, lat float64, killed int) model.Claim {
		lon := 51.4
		return model.Claim{ID: id, ReportID: id, Source: src, Start: day, End: day, DatePrecision: model.PrecisionDay,
			Country: "IR", Admin1: "Tehran", Place: "Tehran", Lat: &lat, Lon: &lon, PlacePrecision: model.PlaceCity,
			AttackType: model.ArmedAssault, Perpetrator: "Islamic State", Killed: model.Point(killed, model.Exact)}
	}
	srcs := map[string]model.Source{
		"a": {Name: "a", Kind: model.KindDataset, Reliability: 0.9},
		"b": {Name: "b", Kind: model.KindDataset, Reliability: 0.9},
		"c": {Name: "c", Kind: model.KindDataset, Reliability: 0.9},
	}
	claims := []model.Claim{mk("a1", "a", 35.69, 17), mk("b1", "b", 35.69, 17), mk("c1", "c", 35.69, 17)}
	clusters := func(r *Result) string { return fmt.Sprint(r.Clusters) }
	if got := clusters(Fuse(claims, srcs, Options{})); got != "[[a1 b1 c1]]" {
		t.Fatalf("unconstrained: %s, want one incident", got)
	}
	if got := clusters(Fuse(claims, srcs, Options{CannotLink: [][2][]string{{{"c1"}, {"a1", "b1"}}}})); got != "[[a1 b1] [c1]]" {
		t.Errorf("c1 kept apart: %s", got)
	}
	if got := clusters(Fuse(claims, srcs, Options{Fixed: map[string]string{"a1": "i1", "b1": "i2"}})); got != "[[a1 c1] [b1]]" && got != "[[a1] [b1 c1]]" {
		t.Errorf("two fixed incidents: %s, want c1 to join one of them, the two apart", got)
	}
	far := mk("d1", "a", 29.0, 3) // another day's attack 700 km away, same dataset as a1
	far.Start, far.End = day.AddDays(20), day.AddDays(20)
	got := Fuse(append(slices.Clone(claims), far), srcs, Options{MustLink: [][]string{{"a1", "d1"}}})
	if !slices.ContainsFunc(got.Clusters, func(c []string) bool { return slices.Contains(c, "a1") && slices.Contains(c, "d1") }) {
		t.Errorf("must-link a1+d1: %v", got.Clusters)
	}
}

func TestSlim(t *testing.T) {
	long := strings.Repeat("é", maxText) // 2 bytes a rune: cut inside one
	c := model.Claim{ID: "x", Source: "gtd", Text: long, Codes: map[string]string{
		"nkillter": "2", "attacktype1": "2", CodeVoice: "irna", codeURL: "http://x"}}
	s := Slim(c)
	if len(s.Text) > maxText || !strings.HasPrefix(long, s.Text) || len(s.Text)%2 != 0 {
		t.Errorf("text clipped to %d bytes, want ≤ %d at a rune boundary", len(s.Text), maxText)
	}
	want := map[string]string{"nkillter": "2", CodeVoice: "irna", codeURL: "http://x"}
	if fmt.Sprint(s.Codes) != fmt.Sprint(want) {
		t.Errorf("codes = %v, want %v (what fusion reads)", s.Codes, want)
	}
	if c.Codes["attacktype1"] != "2" {
		t.Error("Slim changed the caller's claim")
	}
}
