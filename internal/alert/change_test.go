package alert

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// change makes a version change of incident i1 from prev to cur (prev nil
// for a first version).
func change(prev *model.Incident, cur model.Incident, version int) store.VersionChange {
	cur.ID = "i1"
	if prev != nil {
		prev.ID = "i1"
	}
	return store.VersionChange{Version: store.Version{IncidentID: "i1", Version: version, Incident: cur}, Previous: prev}
}

func TestRevised(t *testing.T) {
	k84, k95 := model.Point(84, model.AtLeast), &model.Range{Low: 84, Best: 95, High: 103}
	tests := []struct {
		name      string
		prev, cur model.Incident
		first     bool
		want      []string // in the summary; nil: no alert
		title     string
	}{
		{name: "killed revised", prev: model.Incident{Killed: k84}, cur: model.Incident{Killed: k95},
			want: []string{"killed ≥84 → 84–103 (best 95)"}, title: "Figures revised"},
		{name: "killed now known", prev: model.Incident{}, cur: model.Incident{Killed: k84},
			want: []string{"killed unknown → ≥84"}, title: "Figures revised"},
		{name: "qualifier only", prev: model.Incident{Killed: model.Point(84, model.About)}, cur: model.Incident{Killed: model.Point(84, model.Exact)},
			want: []string{"killed ~84 → 84"}, title: "Figures revised"},
		{name: "wounded", prev: model.Incident{Wounded: model.Point(280, model.Exact)}, cur: model.Incident{Wounded: model.Point(284, model.Exact)},
			want: []string{"wounded 280 → 284"}, title: "Figures revised"},
		{name: "contested", prev: model.Incident{Killed: k95, Contested: []string{}}, cur: model.Incident{Killed: k95, Contested: []string{"killed"}},
			want: []string{"now contested: [killed]"}, title: "Figures contested"},
		{name: "settled", prev: model.Incident{Contested: []string{"killed", "perpetrator"}}, cur: model.Incident{Contested: []string{"perpetrator"}},
			want: []string{"no longer contested: [killed]"}, title: "Figures revised"},
		{name: "same figures", prev: model.Incident{Killed: k95, Place: "Kerman"}, cur: model.Incident{Killed: k95, Place: "Kerman city"}},
		{name: "first version", cur: model.Incident{Killed: k95}, first: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var prev *model.Incident
			if !tc.first {
				prev = &tc.prev
			}
			c, ok := revised(Rule{}, change(prev, tc.cur, 2))
			if tc.want == nil {
				if ok {
					t.Fatalf("got an alert %q, want none", c.title)
				}
				return
			}
			if !ok {
				t.Fatalf("got no alert, want one saying %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(c.summary, w) {
					t.Errorf("summary got %q, want it to say %q", c.summary, w)
				}
			}
			if !strings.HasPrefix(c.title, tc.title) || c.key != "revised/i1@2" {
				t.Errorf("title %q key %q, want %q… and revised/i1@2", c.title, c.key, tc.title)
			}
			// The parts say what the title says, for another language.
			p := c.parts
			verb := strings.TrimPrefix(tc.title, "Figures ")
			if p == nil || p.Template != verb || !sameRange(p.Killed, tc.cur.Killed) || !sameRange(p.PrevKilled, tc.prev.Killed) ||
				p.KilledChanged != !sameRange(tc.prev.Killed, tc.cur.Killed) || p.WoundedChanged != !sameRange(tc.prev.Wounded, tc.cur.Wounded) {
				t.Errorf("parts got %+v, want template %s with the figures before and after", p, verb)
			}
		})
	}
}

func TestNewClaims(t *testing.T) {
	tests := []struct {
		name  string
		prev  []string
		first bool
		cur   []string
		want  []string // keys
	}{
		{name: "first version with a claim", first: true, cur: []string{"Islamic State"}, want: []string{"claim/i1/islamic state"}},
		{name: "a new claimant", prev: []string{"Jaish al-Adl"}, cur: []string{"Jaish al-Adl", "Islamic State"}, want: []string{"claim/i1/islamic state"}},
		{name: "same claimant respelled", prev: []string{"Islamic State"}, cur: []string{" islamic state"}},
		{name: "claim withdrawn", prev: []string{"Islamic State"}, cur: []string{}},
		{name: "listed twice", prev: nil, cur: []string{"IS", "is"}, want: []string{"claim/i1/is"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var prev *model.Incident
			if !tc.first {
				prev = &model.Incident{ClaimedBy: tc.prev}
			}
			var got []string
			for _, c := range newClaims(Rule{}, change(prev, model.Incident{ClaimedBy: tc.cur}, 2)) {
				got = append(got, c.key)
				if c.parts == nil || c.parts.Template != "claim" || foldName(c.parts.Group) != strings.TrimPrefix(c.key, "claim/i1/") {
					t.Errorf("parts got %+v, want a claim by the group of %s", c.parts, c.key)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	inc := model.Incident{ID: "i1", Country: "IR", Admin1: "Kerman", AttackType: model.Bombing, Status: model.StatusConfirmed,
		Perpetrator: "", ClaimedBy: []string{"Islamic State – Khorasan Province"}, Killed: model.Point(95, model.Exact)}
	tests := []struct {
		spec Spec
		want bool
	}{
		{Spec{}, true},
		{Spec{Country: "ir", Admin1: "KERMAN"}, true},
		{Spec{Country: "IQ"}, false},
		{Spec{Actor: "khorasan"}, true},
		{Spec{Actor: "jaish"}, false},
		{Spec{AttackType: "bombing", Status: "confirmed", MinKilled: 95}, true},
		{Spec{MinKilled: 96}, false},
		{Spec{Incidents: []string{"i2"}}, false},
		{Spec{Incidents: []string{"i2", "i1"}}, true},
	}
	for _, tc := range tests {
		if got := tc.spec.matches(inc); got != tc.want {
			t.Errorf("%+v matches got %v, want %v", tc.spec, got, tc.want)
		}
	}
	if (Spec{MinKilled: 1}).matches(model.Incident{}) {
		t.Errorf("unknown killed matched min_killed 1")
	}
}
