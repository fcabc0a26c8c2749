package fuse

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

func day(y int, m time.Month, d int) model.Date { return model.Date{Year: y, Month: m, Day: d} }

func ll(lat, lon float64) (*float64, *float64) { return &lat, &lon }

// claimAt makes a day-precise claim at a place.
func claimAt(id, src, country string, d model.Date, lat, lon float64, prec model.PlacePrecision) model.Claim {
	a, b := ll(lat, lon)
	return model.Claim{ID: id, ReportID: id, Source: src, Start: d, End: d, DatePrecision: model.PrecisionDay,
		Country: country, Lat: a, Lon: b, PlacePrecision: prec, AttackType: model.Bombing}
}

func TestAttackCompatibility(t *testing.T) {
	for _, tc := range []struct {
		a, b model.AttackType
		want string
	}{
		{model.Bombing, model.Bombing, "same"},
		{model.Bombing, model.ArmedAssault, "compatible"},
		{model.ArmedAssault, model.Bombing, "compatible"},
		{model.Kidnapping, model.Hijacking, "compatible"},
		{model.Bombing, model.Kidnapping, "incompatible"},
		{model.UnknownAttack, model.Kidnapping, "missing"},
		{"", model.Bombing, "missing"},
	} {
		if got := AttackCompatibility(tc.a, tc.b); got != tc.want {
			t.Errorf("AttackCompatibility(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
	// The taxonomy's mappings meet: an ACLED suicide bomb and a CAMEO 183 are both bombings.
	acled, _ := model.AttackTypeFromACLED("Suicide bomb")
	cameo, _ := model.AttackTypeFromCAMEO("1831")
	ucdp, _ := model.AttackTypeFromUCDP(1)
	if got := AttackCompatibility(acled, cameo); got != "same" {
		t.Errorf("ACLED suicide bomb vs CAMEO 1831: %s, want same", got)
	}
	if got := AttackCompatibility(acled, ucdp); got != "compatible" {
		t.Errorf("ACLED suicide bomb vs UCDP state-based: %s, want compatible", got)
	}
}

func TestFiguresCompatible(t *testing.T) {
	for _, tc := range []struct {
		a, b *model.Range
		want bool
	}{
		{model.Point(17, model.Exact), model.Point(17, model.Exact), true},
		{model.Point(17, model.Exact), model.Point(12, model.AtLeast), true}, // ≥12 allows 17
		{model.Point(17, model.Exact), model.Point(7, model.UpTo), false},    // ≤7 excludes 17, and 7 vs 17 > 50%
		{model.Point(24, model.Exact), model.Point(29, model.Exact), true},   // within 50%
		{model.Point(1, model.Exact), model.Point(3, model.Exact), true},     // within 2
		{model.Point(2, model.Exact), model.Point(95, model.Exact), false},
		{&model.Range{Low: 84, Best: 95, High: 103}, model.Point(100, model.Exact), true},
	} {
		if got := FiguresCompatible(tc.a, tc.b); got != tc.want {
			t.Errorf("FiguresCompatible(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompareLevels(t *testing.T) {
	base := claimAt("a", "s1", "IR", day(2017, 6, 7), 35.69, 51.43, model.PlaceExact)
	base.Place, base.Perpetrator, base.Killed, base.Text = "Tehran", "ISIS", model.Point(17, model.Exact), "gunmen stormed the parliament in Tehran"
	for _, tc := range []struct {
		name  string
		edit  func(c *model.Claim)
		f     Feature
		level string
	}{
		{"same day", func(c *model.Claim) {}, FeatDate, "same_day"},
		{"two days", func(c *model.Claim) { c.Start, c.End = day(2017, 6, 9), day(2017, 6, 9) }, FeatDate, "within_3d"},
		{"month precision", func(c *model.Claim) {
			c.Start, c.End, c.DatePrecision = day(2017, 6, 1), day(2017, 6, 30), model.PrecisionMonth
		}, FeatDate, "overlap"},
		{"3 km", func(c *model.Claim) { c.Lat, c.Lon = ll(35.69+3.0/111, 51.43) }, FeatDistance, "within_5km"},
		{"province only", func(c *model.Claim) { c.PlacePrecision = model.PlaceAdmin1 }, FeatDistance, "missing"},
		{"Persian name", func(c *model.Claim) { c.Place = "تهران" }, FeatPlace, "same"},
		{"other town", func(c *model.Claim) { c.Place = "Karaj" }, FeatPlace, "different"},
		{"Daesh", func(c *model.Claim) { c.Perpetrator = "داعش" }, FeatPerpetrator, "same"},
		{"ISKP", func(c *model.Claim) { c.Perpetrator = "ISKP" }, FeatPerpetrator, "branch"},
		{"no group", func(c *model.Claim) { c.Perpetrator = "" }, FeatPerpetrator, "missing"},
		{"16 killed", func(c *model.Claim) { c.Killed = model.Point(16, model.Exact) }, FeatKilled, "compatible"},
		{"similar text", func(c *model.Claim) { c.Text = "gunmen stormed the parliament building in Tehran" }, FeatText, "high"},
		{"no text", func(c *model.Claim) { c.Text = "" }, FeatText, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			o.ID = "b"
			tc.edit(&o)
			pa, pb := prepare(&base, model.Source{}), prepare(&o, model.Source{})
			v := compare(&pa, &pb)
			if got := levelNames[tc.f][v[tc.f]]; got != tc.level {
				t.Errorf("%s level = %s, want %s", tc.f, got, tc.level)
			}
		})
	}
}

func TestTrainRecoversParameters(t *testing.T) {
	// Draw vectors from a known model and check EM finds λ and the
	// strongest m/u contrasts again, starting from the default prior.
	truth := DefaultModel()
	truth.Lambda = 0.2
	truth.M[FeatDate] = [maxLevels]float64{0, .8, .05, .1, .05, 0, 0}
	truth.U[FeatDate] = [maxLevels]float64{0, .05, .1, .15, .3, .25, .15}
	r := rand.New(rand.NewPCG(3, 4))
	draw := func(p [maxLevels]float64, n int) uint8 {
		x := r.Float64()
		for l := 1; l < n; l++ {
			x -= p[l]
			if x <= 0 {
				return uint8(l)
			}
		}
		return uint8(n - 1)
	}
	var vs []Vector
	for range 20000 {
		match := r.Float64() < truth.Lambda
		var v Vector
		for f := range numFeatures {
			p := truth.U[f]
			if match {
				p = truth.M[f]
			}
			v[f] = draw(p, len(levelNames[f]))
		}
		vs = append(vs, v)
	}
	m := Train(vs, nil, 200)
	if math.Abs(m.Lambda-truth.Lambda) > 0.05 {
		t.Errorf("lambda = %.3f, want %.3f ± 0.05", m.Lambda, truth.Lambda)
	}
	if got := m.M[FeatDate][1]; math.Abs(got-0.8) > 0.08 {
		t.Errorf("m(date=same_day) = %.3f, want 0.8 ± 0.08", got)
	}
	if got := m.U[FeatDate][1]; math.Abs(got-0.05) > 0.05 {
		t.Errorf("u(date=same_day) = %.3f, want 0.05 ± 0.05", got)
	}
	if m.Iterations == 0 {
		t.Errorf("EM ran 0 rounds")
	}
	// Nothing to train on: the prior comes back.
	if e := Train(nil, nil, 10); e.Lambda != DefaultModel().Lambda {
		t.Errorf("Train(nil) lambda = %v, want the prior's %v", e.Lambda, DefaultModel().Lambda)
	}
}

func TestMissingLevelsWeighNothing(t *testing.T) {
	m := DefaultModel()
	for f := range numFeatures {
		if w := m.Weight(f, 0); w != 0 {
			t.Errorf("weight of %s missing = %v, want 0", f, w)
		}
	}
	var v Vector
	if got, want := m.Score(v), math.Log2(m.Lambda/(1-m.Lambda)); got != want {
		t.Errorf("score of an all-missing vector = %v, want the prior log-odds %v", got, want)
	}
}

func TestBlockingWindows(t *testing.T) {
	d := day(2018, 9, 22)
	for _, tc := range []struct {
		name string
		b    func() model.Claim
		want bool
	}{
		{"3 days later", func() model.Claim { return claimAt("b", "s2", "IR", d.AddDays(3), 31.3, 48.7, model.PlaceCity) }, true},
		{"7 days later", func() model.Claim { return claimAt("b", "s2", "IR", d.AddDays(7), 31.3, 48.7, model.PlaceCity) }, false},
		{"month precision", func() model.Claim {
			c := claimAt("b", "s2", "IR", day(2018, 9, 1), 31.3, 48.7, model.PlaceCity)
			c.End, c.DatePrecision = day(2018, 9, 30), model.PrecisionMonth
			return c
		}, true},
		{"month precision, previous month", func() model.Claim {
			c := claimAt("b", "s2", "IR", day(2018, 8, 1), 31.3, 48.7, model.PlaceCity)
			c.End, c.DatePrecision = day(2018, 8, 31), model.PrecisionMonth
			return c
		}, false},
		{"year precision", func() model.Claim {
			c := claimAt("b", "s2", "IR", day(2018, 1, 1), 31.3, 48.7, model.PlaceCity)
			c.End, c.DatePrecision = day(2018, 12, 31), model.PrecisionYear
			return c
		}, true},
		{"20 km at city precision", func() model.Claim { return claimAt("b", "s2", "IR", d, 31.3+20.0/111, 48.7, model.PlaceCity) }, true},
		{"30 km at city precision", func() model.Claim { return claimAt("b", "s2", "IR", d, 31.3+30.0/111, 48.7, model.PlaceCity) }, false},
		{"200 km at province precision", func() model.Claim { return claimAt("b", "s2", "IR", d, 31.3+200.0/111, 48.7, model.PlaceAdmin1) }, true},
		{"country precision anywhere", func() model.Claim { return claimAt("b", "s2", "IR", d, 36, 59, model.PlaceCountry) }, true},
		{"other country", func() model.Claim { return claimAt("b", "s2", "IQ", d, 31.3, 48.7, model.PlaceCity) }, false},
		{"no country, near", func() model.Claim { return claimAt("b", "s2", "", d, 31.31, 48.7, model.PlaceCity) }, true},
		{"no country, far", func() model.Claim { return claimAt("b", "s2", "", d, 35, 51, model.PlaceCity) }, false},
		{"same dataset", func() model.Claim { return claimAt("b", "s1", "IR", d, 31.3, 48.7, model.PlaceCity) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := claimAt("a", "s1", "IR", d, 31.3, 48.7, model.PlaceCity)
			srcs := map[string]model.Source{"s1": {Name: "s1", Kind: model.KindDataset}, "s2": {Name: "s2", Kind: model.KindFeed}}
			ps := prepareAll([]model.Claim{a, tc.b()}, srcs)
			pairs, _ := candidates(ps)
			if got := len(pairs) == 1; got != tc.want {
				t.Errorf("candidate pair = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBlockingMatchesAllPairs checks that the sweep finds exactly the pairs
// an all-pairs comparison with the same window test finds.
func TestBlockingMatchesAllPairs(t *testing.T) {
	claims, _ := synthClaims(3000, 9)
	// Some claims without a country, to exercise the loose pass.
	for i := 0; i < len(claims); i += 17 {
		claims[i].Country = ""
	}
	ps := prepareAll(claims, synthSources)
	pairs, st := candidates(ps)
	want := 0
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			a, b := &ps[i], &ps[j]
			if (a.c.Country == "" && !a.hasLL) || (b.c.Country == "" && !b.hasLL) {
				continue
			}
			if reach(a, b) && mayLink(a, b) {
				want++
			}
		}
	}
	if len(pairs) != want {
		t.Errorf("sweep found %d pairs, all-pairs %d", len(pairs), want)
	}
	t.Logf("%d claims: %d pairs checked, %d candidates, all pairs %d", st.Claims, st.Checked, st.Pairs, st.AllPairs)
}

func TestWindow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c        model.Claim
		from, to string
		km       float64
	}{
		{"day, city", model.Claim{Start: day(2018, 9, 22), End: day(2018, 9, 22), DatePrecision: model.PrecisionDay, PlacePrecision: model.PlaceCity},
			"2018-09-19", "2018-09-25", 25},
		{"month, province", model.Claim{Start: day(2018, 9, 1), End: day(2018, 9, 30), DatePrecision: model.PrecisionMonth, PlacePrecision: model.PlaceAdmin1},
			"2018-08-29", "2018-10-03", 300},
		{"year without End", model.Claim{Start: day(2018, 1, 1), DatePrecision: model.PrecisionYear, PlacePrecision: model.PlaceExact},
			"2018-01-01", "2018-12-31", 10},
		{"no date", model.Claim{PlacePrecision: model.PlaceCountry}, "", "", math.Inf(1)},
	} {
		from, to, km := Window(tc.c)
		if from.String() != tc.from || to.String() != tc.to || km != tc.km {
			t.Errorf("%s: Window = %s, %s, %v; want %s, %s, %v", tc.name, from, to, km, tc.from, tc.to, tc.km)
		}
	}
}
