package fuse

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/gtd"
)

// loadGTD reads the shared GTD extract through the GTD reader.
func loadGTD(t testing.TB) []model.Claim {
	t.Helper()
	path := shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")
	r, err := gtd.Open(path, source.Options{Fetched: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []model.Claim
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if source.IsRowError(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Claim)
	}
	return out
}

// gtd2 is the second source the GTD rows are re-imported under.
var gtd2 = model.Source{Name: "gtd2", Kind: model.KindDataset, Reliability: 0.7}

func testSources() map[string]model.Source {
	return map[string]model.Source{"gtd": gtd.Source, "gtd2": gtd2}
}

// transliterate varies a place name the way sources do: spacing,
// hyphens, case, accents, doubled letters.
func transliterate(r *rand.Rand, s string) string {
	switch r.IntN(6) {
	case 0:
		return strings.ReplaceAll(s, " ", "")
	case 1:
		return strings.ReplaceAll(s, " ", "-")
	case 2:
		return strings.ToUpper(s)
	case 3:
		return strings.NewReplacer("e", "é", "a", "á").Replace(s)
	case 4: // double the first consonant after the first letter
		rs := []rune(s)
		for i := 1; i < len(rs); i++ {
			if unicode.IsLetter(rs[i]) && !strings.ContainsRune("aeiouAEIOU", rs[i]) {
				return string(rs[:i+1]) + string(rs[i:])
			}
		}
	case 5:
		return strings.NewReplacer("ou", "u", "ee", "i", "oo", "u").Replace(s)
	}
	return s
}

// perpAlias gives another name of a known group.
var perpAlias = map[string]string{
	"Earth Liberation Front (ELF)":                "ELF",
	"Animal Liberation Front (ALF)":               "Animal Liberation Front",
	"Islamic State of Iraq and the Levant (ISIL)": "Daesh",
	"Al-Qaida": "al-Qaeda",
}

// perturb re-imports a GTD claim as source gtd2 with realistic noise.
func perturb(r *rand.Rand, c model.Claim) model.Claim {
	p := c
	ref := strings.TrimPrefix(c.ReportID, "gtd:")
	p.Source = "gtd2"
	p.ReportID = model.ReportID("gtd2", ref, 0)
	p.ID = model.ClaimID(p.ReportID, 1)
	p.Codes = nil
	p.Related = nil
	if c.DatePrecision == model.PrecisionDay {
		switch x := r.Float64(); {
		case x < 0.5:
			d := 1 + r.IntN(3)
			if r.IntN(2) == 0 {
				d = -d
			}
			p.Start, p.End = c.Start.AddDays(d), c.End.AddDays(d)
		case x < 0.7:
			p.Start = model.Date{Year: c.Start.Year, Month: c.Start.Month, Day: 1}
			p.End = model.Date{Year: c.Start.Year, Month: c.Start.Month, Day: model.DaysIn(c.Start.Year, c.Start.Month)}
			p.DatePrecision = model.PrecisionMonth
		}
	}
	if c.Lat != nil && c.Lon != nil {
		rad := placeRadius(c.PlacePrecision)
		if math.IsInf(rad, 1) {
			rad = 25
		}
		dist := r.Float64() * rad / 2 // within the precision
		ang := r.Float64() * 2 * math.Pi
		lat := *c.Lat + dist*math.Cos(ang)/111
		lon := *c.Lon + dist*math.Sin(ang)/(111*math.Max(0.1, math.Cos(*c.Lat*math.Pi/180)))
		p.Lat, p.Lon = &lat, &lon
	}
	if r.IntN(2) == 0 {
		p.Place = transliterate(r, c.Place)
	}
	if r.IntN(3) == 0 {
		p.Admin1 = transliterate(r, c.Admin1)
	}
	if a, ok := perpAlias[c.Perpetrator]; ok && r.IntN(2) == 0 {
		p.Perpetrator = a
	}
	if r.IntN(10) == 0 {
		p.AttackType = model.UnknownAttack
	}
	revise := func(x *model.Range) *model.Range {
		if x == nil || r.IntN(3) != 0 {
			return x
		}
		n := x.Best + 1 + r.IntN(2)
		if x.Best > 5 {
			n = int(float64(x.Best) * (0.8 + 0.4*r.Float64()))
		}
		return model.Point(n, model.Exact)
	}
	p.Killed, p.Wounded = revise(c.Killed), revise(c.Wounded)
	if c.Text != "" { // another writer's account: about half the words
		var kept []string
		for _, w := range strings.Fields(c.Text) {
			if r.Float64() < 0.5 {
				kept = append(kept, w)
			}
		}
		p.Text = strings.Join(kept, " ")
	}
	return p
}

// pairScore is the pairwise precision, recall and F1 of clusters against
// the truth that claim X and its copy are one event and all else apart.
type pairScore struct {
	TP, FP, FN  int
	P, R, F1    float64
	Pred, Truth int
}

func scorePairs(clusters [][]string, truth map[string]string) pairScore {
	var s pairScore
	of := map[string]int{}
	for i, cl := range clusters {
		for _, id := range cl {
			of[id] = i
		}
		n := len(cl)
		s.Pred += n * (n - 1) / 2
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				if truth[cl[a]] == truth[cl[b]] {
					s.TP++
				}
			}
		}
	}
	groups := map[string][]string{}
	for id := range of { // the truth among the claims that were fused
		groups[truth[id]] = append(groups[truth[id]], id)
	}
	for _, ids := range groups {
		s.Truth += len(ids) * (len(ids) - 1) / 2
	}
	s.FP, s.FN = s.Pred-s.TP, s.Truth-s.TP
	if s.Pred > 0 {
		s.P = float64(s.TP) / float64(s.Pred)
	}
	if s.Truth > 0 {
		s.R = float64(s.TP) / float64(s.Truth)
	}
	if s.P+s.R > 0 {
		s.F1 = 2 * s.P * s.R / (s.P + s.R)
	}
	return s
}

// perturbedHalves returns the GTD rows with their perturbed copies, split
// by eventid parity into a tuning half and a held-out half, and the truth.
func perturbedHalves(t testing.TB, text bool) (tune, held []model.Claim, truth map[string]string) {
	rows := loadGTD(t)
	r := rand.New(rand.NewPCG(2017, 6))
	truth = map[string]string{}
	for _, c := range rows {
		p := perturb(r, c)
		if !text {
			p.Text = ""
		}
		truth[c.ID], truth[p.ID] = c.ReportID, c.ReportID
		ref := strings.TrimPrefix(c.ReportID, "gtd:")
		if (ref[len(ref)-1]-'0')%2 == 0 {
			tune = append(tune, c, p)
		} else {
			held = append(held, c, p)
		}
	}
	return tune, held, truth
}

func TestGTDPerturbedLinkage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		text  bool
		minF1 float64
	}{
		{"with summaries", true, 0.95},
		// Without text the copies' only evidence is date, place, type,
		// group and figures: same-day attacks in one city become hard.
		{"without text on the copies", false, 0.90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tune, held, truth := perturbedHalves(t, tc.text)
			if got := len(tune) + len(held); got != 2*475 {
				t.Fatalf("got %d claims, want %d (475 GTD rows and their copies)", got, 2*475)
			}
			// Tune the threshold on one half (EM needs no labels; the threshold does).
			bestTh, bestF1 := DefaultThreshold, -1.0
			for _, th := range []float64{0.5, 0.7, 0.8, 0.9, 0.95, 0.99} {
				res := Fuse(tune, testSources(), Options{Threshold: th})
				s := scorePairs(res.Clusters, truth)
				t.Logf("tuning half, threshold %.2f: P=%.3f R=%.3f F1=%.3f", th, s.P, s.R, s.F1)
				if s.F1 > bestF1 {
					bestTh, bestF1 = th, s.F1
				}
			}
			res := Fuse(held, testSources(), Options{Threshold: bestTh})
			s := scorePairs(res.Clusters, truth)
			t.Logf("held-out half (%d claims, %d candidate pairs of %d possible), threshold %.2f: TP=%d FP=%d FN=%d P=%.3f R=%.3f F1=%.3f; EM %d rounds, lambda %.3f",
				len(held), res.Stats.Pairs, res.Stats.AllPairs, bestTh, s.TP, s.FP, s.FN, s.P, s.R, s.F1, res.Model.Iterations, res.Model.Lambda)
			if s.F1 < tc.minF1 {
				t.Errorf("held-out F1 = %.3f, want ≥ %.2f", s.F1, tc.minF1)
			}
			if res.Stats.Pairs >= res.Stats.AllPairs/10 {
				t.Errorf("blocking produced %d pairs of %d: want far fewer than all pairs", res.Stats.Pairs, res.Stats.AllPairs)
			}
		})
	}
}

func TestFuseOrderIndependent(t *testing.T) {
	_, held, _ := perturbedHalves(t, true)
	a := Fuse(held, testSources(), Options{})
	shuffled := slices.Clone(held)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b := Fuse(shuffled, testSources(), Options{})
	if fmt.Sprint(a.Clusters) != fmt.Sprint(b.Clusters) {
		t.Errorf("clusters differ with input order")
	}
	if fmt.Sprint(a.Links) != fmt.Sprint(b.Links) || fmt.Sprint(a.Groups) != fmt.Sprint(b.Groups) {
		t.Errorf("links or groups differ with input order")
	}
}
