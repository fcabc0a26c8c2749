package fuse

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

var t0 = time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)

// ev builds evidence for reconciliation tests: source, class, voice,
// killed figure, hours after t0.
func ev(id, src string, class SourceClass, voice string, killed *model.Range, hours int, codes ...string) Evidence {
	c := model.Claim{ID: id, ReportID: id, Source: src, Start: day(2024, 1, 3), End: day(2024, 1, 3),
		DatePrecision: model.PrecisionDay, Country: "IR", Place: "Kerman", PlacePrecision: model.PlaceCity,
		AttackType: model.Bombing, Killed: killed,
		Codes: map[string]string{CodeSourceClass: class.String()}}
	if voice != "" {
		c.Codes[CodeVoice] = voice
	}
	for i := 0; i+1 < len(codes); i += 2 {
		c.Codes[codes[i]] = codes[i+1]
	}
	p := t0.Add(time.Duration(hours) * time.Hour)
	return Evidence{Claim: c, Published: &p, Fetched: p.Add(time.Minute)}
}

var recSources = map[string]model.Source{
	"news":  {Name: "news", Kind: model.KindFeed, Reliability: 0.5},
	"gtd":   {Name: "gtd", Kind: model.KindDataset, Reliability: 0.9},
	"gdelt": {Name: "gdelt", Kind: model.KindDataset, Reliability: 0.3},
}

func TestReconcileKilled(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ev        []Evidence
		want      string // Range.String of killed
		contested bool
	}{
		{"at least bounds low", []Evidence{
			ev("a", "news", ClassAuthority, "ministry", model.Point(95, model.AtLeast), 1),
			ev("b", "news", ClassAuthority, "coroner", model.Point(97, model.Exact), 2),
			ev("c", "news", ClassMedia, "blog", model.Point(20, model.Exact), 3),
		}, "95–97 (best 97)", true},
		{"up to bounds high", []Evidence{
			ev("a", "news", ClassMedia, "p1", model.Point(7, model.UpTo), 1),
			ev("b", "news", ClassMedia, "p2", model.Point(5, model.Exact), 2),
		}, "5–7 (best 5)", false},
		{"corrections supersede (Kerman 2024)", []Evidence{
			ev("a", "news", ClassAuthority, "health ministry", model.Point(103, model.Exact), 1),
			ev("b", "news", ClassAuthority, "health ministry", model.Point(84, model.Exact), 20),
			ev("c", "news", ClassAuthority, "health ministry", model.Point(89, model.Exact), 30),
			ev("d", "news", ClassAuthority, "health ministry", model.Point(95, model.Exact), 40),
			ev("e", "news", ClassMedia, "site1", model.Point(101, model.AtLeast), 5),
			ev("f", "news", ClassMedia, "site2", model.Point(20, model.Exact), 2),
		}, "20–101 (best 95)", true},
		{"wire beats media even when older", []Evidence{
			ev("a", "news", ClassWire, "reuters", model.Point(12, model.Exact), 1),
			ev("b", "news", ClassMedia, "blog", model.Point(14, model.Exact), 9),
		}, "12–14 (best 12)", false},
		{"claimant never raises best", []Evidence{
			ev("a", "news", ClassAuthority, "ministry", model.Point(10, model.Exact), 1),
			ev("b", "news", ClassMedia, "amaq", model.Point(50, model.Exact), 2, CodeClaimant, "1"),
		}, "10", false},
		{"claimant only", []Evidence{
			ev("b", "news", ClassMedia, "amaq", model.Point(50, model.Exact), 2, CodeClaimant, "1"),
		}, "≤0–50 (best 0)", false},
		{"attackers kept apart", []Evidence{
			ev("a", "news", ClassMedia, "wiki", model.Point(23, model.Exact), 1, CodeKilledInclAttackers, "1", CodeAttackersKilled, "5"),
		}, "18", false},
		{"attackers counted, number unknown", []Evidence{
			ev("a", "news", ClassMedia, "blog", model.Point(23, model.Exact), 1, CodeKilledInclAttackers, "1"),
			ev("b", "news", ClassMedia, "paper", model.Point(17, model.Exact), 2),
		}, "17–23 (best 17)", false},
		{"unconfirmed figure not used", []Evidence{
			ev("a", "news", ClassMedia, "blog", model.Point(7, model.AtLeast), 1, CodeUnconfirmed, "1"),
			ev("b", "news", ClassMedia, "paper", model.Point(12, model.Exact), 2),
		}, "12", false},
		{"machine-coded only", []Evidence{
			ev("a", "gdelt", ClassMachine, "", model.Point(30, model.Exact), 1),
		}, "30", false},
		{"a figure of one site is not the best (wire's 2 at the shrine, media's 12 in all)", []Evidence{
			ev("a", "news", ClassWire, "reuters", model.Point(2, model.Exact), 9, codeKilledNote, "at shrine"),
			ev("b", "news", ClassMedia, "paper", model.Point(12, model.Exact), 2),
		}, "12", false},
		{"a figure of one site still bounds low", []Evidence{
			ev("a", "news", ClassMedia, "p1", model.Point(9, model.Exact), 2, codeKilledNote, "in hospital"),
			ev("b", "news", ClassMedia, "p2", model.Point(15, model.UpTo), 1),
		}, "9–15 (best 15)", false},
		{"figures of parts only: the latest is best, as a bound", []Evidence{
			ev("a", "news", ClassMedia, "p1", model.Point(2, model.Exact), 1, codeKilledNote, "at shrine"),
			ev("b", "news", ClassMedia, "p2", model.Point(4, model.Exact), 2, codeKilledNote, "at parliament"),
		}, "≥4", false},
		{"a remark that is no place keeps the figure whole", []Evidence{
			ev("a", "news", ClassWire, "reuters", model.Point(8, model.Exact), 9, codeKilledNote, "IRGC"),
			ev("b", "news", ClassMedia, "paper", model.Point(12, model.Exact), 2),
		}, "8–12 (best 8)", false},
		{"machine-coded ignored beside media", []Evidence{
			ev("a", "gdelt", ClassMachine, "", model.Point(300, model.Exact), 1),
			ev("b", "news", ClassMedia, "paper", model.Point(12, model.Exact), 2),
		}, "12", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Reconcile(tc.ev, recSources)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Killed.String(); got != tc.want {
				t.Errorf("killed = %s, want %s (rule: %s)", got, tc.want, f.Rules["killed"])
			}
			if got := slices.Contains(f.Contested, "killed"); got != tc.contested {
				t.Errorf("killed contested = %v, want %v (contested %v)", got, tc.contested, f.Contested)
			}
			if f.Rules["killed"] == "" {
				t.Errorf("no rule recorded for killed")
			}
			if n := len(f.Timeline["killed"]); n != len(tc.ev) {
				t.Errorf("timeline has %d revisions, want %d", n, len(tc.ev))
			}
		})
	}
}

func TestReconcileTimeline(t *testing.T) {
	evs := []Evidence{
		ev("c", "news", ClassAuthority, "health ministry", model.Point(89, model.Exact), 30),
		ev("a", "news", ClassAuthority, "health ministry", model.Point(103, model.Exact), 1),
		ev("b", "news", ClassAuthority, "health ministry", model.Point(84, model.Exact), 20),
	}
	f, err := Reconcile(evs, recSources)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Timeline["killed"] {
		s := r.ClaimID + "=" + r.Value.String()
		if r.Superseded {
			s += " superseded"
		}
		got = append(got, s)
	}
	want := "a=103 superseded, b=84 superseded, c=89"
	if g := strings.Join(got, ", "); g != want {
		t.Errorf("timeline = %s, want %s", g, want)
	}
}

func TestReconcileStatus(t *testing.T) {
	p := func(e Evidence, perp string) Evidence { e.Claim.Perpetrator = perp; return e }
	for _, tc := range []struct {
		name string
		ev   []Evidence
		want model.Status
	}{
		{"single media", []Evidence{ev("a", "news", ClassMedia, "blog", nil, 1)}, model.StatusUnverified},
		{"single wire", []Evidence{ev("a", "news", ClassWire, "afp", nil, 1)}, model.StatusProbable},
		{"two voices", []Evidence{ev("a", "news", ClassMedia, "x", nil, 1), ev("b", "news", ClassMedia, "y", nil, 2)}, model.StatusConfirmed},
		{"dataset of record", []Evidence{func() Evidence {
			e := ev("a", "gtd", ClassRecord, "", nil, 1)
			delete(e.Claim.Codes, CodeSourceClass)
			return e
		}()}, model.StatusConfirmed},
		{"media and machine", []Evidence{ev("a", "news", ClassMedia, "x", nil, 1), ev("b", "gdelt", ClassMachine, "", nil, 2)}, model.StatusProbable},
		{"denied", []Evidence{ev("a", "news", ClassWire, "x", nil, 1), ev("b", "news", ClassAuthority, "gov", nil, 2, CodeDenied, "1")}, model.StatusDisputed},
		{"perpetrators disagree", []Evidence{
			p(ev("a", "news", ClassWire, "x", nil, 1), "Islamic State"),
			p(ev("b", "news", ClassWire, "y", nil, 2), "Jaish al-Adl"),
		}, model.StatusDisputed},
		{"all retracted", []Evidence{ev("a", "news", ClassWire, "x", nil, 1, CodeRetracted, "1")}, model.StatusRetracted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Reconcile(tc.ev, recSources)
			if err != nil {
				t.Fatal(err)
			}
			if f.Status != tc.want {
				t.Errorf("status = %s, want %s (%s)", f.Status, tc.want, f.Rules["status"])
			}
		})
	}
}

func TestReconcileFields(t *testing.T) {
	a := ev("a", "news", ClassWire, "x", nil, 1)
	a.Claim.Perpetrator, a.Claim.Place = "Islamic State", "Kerman"
	b := ev("b", "news", ClassWire, "y", nil, 2)
	b.Claim.Perpetrator, b.Claim.Place, b.Claim.ClaimedBy = "ISKP", "کرمان", []string{"ISIS-K"}
	b.Claim.Lat, b.Claim.Lon = ll(30.25, 57.08)
	b.Claim.PlacePrecision = model.PlaceExact
	c := ev("c", "news", ClassMedia, "z", nil, 3)
	c.Claim.Start, c.Claim.End = day(2024, 1, 4), day(2024, 1, 4)
	c.Claim.AttackType = model.UnknownAttack
	d := ev("d", "news", ClassMedia, "w", nil, 4, CodeClaimant, "1")
	d.Claim.Perpetrator = "Islamic State"
	f, err := Reconcile([]Evidence{a, b, c, d}, recSources)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ field, got, want string }{
		{"perpetrator", f.Perpetrator, "Islamic State Khorasan Province"},
		{"claimed_by", strings.Join(f.ClaimedBy, "|"), "Islamic State|Islamic State Khorasan Province"},
		{"date", f.Start.String(), "2024-01-03"},
		{"place", f.Place, "کرمان"}, // the most precise claim naming the winning place
		{"place_precision", string(f.PlacePrecision), "exact"},
		{"attack_type", string(f.AttackType), "bombing"},
		{"status", string(f.Status), "confirmed"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q (rule %q)", tc.field, tc.got, tc.want, f.Rules[tc.field])
		}
	}
	if len(f.Contested) != 0 {
		t.Errorf("contested = %v, want none", f.Contested)
	}
	if _, err := Reconcile(nil, recSources); !errors.Is(err, ErrNoClaims) {
		t.Errorf("Reconcile(nil) error = %v, want ErrNoClaims", err)
	}
}

func TestReconcileOrderIndependent(t *testing.T) {
	ev := tableEvidence(t)["tehran_2017"]
	want, err := Reconcile(ev, tableSource)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(want)
	r := rand.New(rand.NewPCG(5, 6))
	for range 5 {
		s := slices.Clone(ev)
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		got, err := Reconcile(s, tableSource)
		if err != nil {
			t.Fatal(err)
		}
		if gj, _ := json.Marshal(got); string(gj) != string(wj) {
			t.Fatalf("result depends on input order:\n%s\nvs\n%s", gj, wj)
		}
	}
	inc := want.Incident("i1", 1, t0, t0)
	if inc.Killed.Best != want.Killed.Best || len(inc.Claims) != len(want.Claims) || inc.Status != want.Status {
		t.Errorf("Incident() lost fields: %+v", inc)
	}
}

func BenchmarkReconcile(b *testing.B) {
	var evs []Evidence
	for i := range 20 {
		evs = append(evs, ev("c"+string(rune('a'+i)), "news", SourceClass(i%5), "v"+string(rune('a'+i%7)), model.Point(10+i, model.Exact), i))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Reconcile(evs, recSources); err != nil {
			b.Fatal(err)
		}
	}
}
