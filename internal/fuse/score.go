package fuse

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/vigil-project/vigil/internal/model"
)

// Feature is one compared aspect of a pair of claims.
type Feature int

// Features compared. Each has level 0 = "missing" (one side does not
// say), whose weight is 0 by construction.
const (
	FeatDate Feature = iota
	FeatDistance
	FeatAdmin1
	FeatPlace
	FeatAttackType
	FeatPerpetrator
	FeatKilled
	FeatText
	numFeatures
)

// featureNames are the names reasons are reported under.
var featureNames = [numFeatures]string{"date", "distance", "admin1", "place", "attack_type", "perpetrator", "killed", "text"}

// levelNames name each feature's levels; index 0 is always "missing".
var levelNames = [numFeatures][]string{
	FeatDate:        {"missing", "same_day", "overlap", "within_1d", "within_3d", "within_7d", "apart"},
	FeatDistance:    {"missing", "within_1km", "within_5km", "within_25km", "within_75km", "apart"},
	FeatAdmin1:      {"missing", "same", "different"},
	FeatPlace:       {"missing", "same", "different"},
	FeatAttackType:  {"missing", "same", "compatible", "incompatible"},
	FeatPerpetrator: {"missing", "same", "branch", "different"},
	FeatKilled:      {"missing", "equal", "compatible", "apart"},
	FeatText:        {"missing", "high", "medium", "low", "none"},
}

// String returns the feature's name.
func (f Feature) String() string {
	if f < 0 || f >= numFeatures {
		return fmt.Sprintf("feature(%d)", int(f))
	}
	return featureNames[f]
}

// maxLevels bounds the levels of any feature.
const maxLevels = 8

// Vector is a comparison vector: one level per feature.
type Vector [numFeatures]uint8

// key packs a vector into an integer (3 bits per feature) for counting patterns.
func (v Vector) key() uint32 {
	var k uint32
	for f := range numFeatures {
		k |= uint32(v[f]&7) << (3 * f)
	}
	return k
}

func vectorOf(k uint32) Vector {
	var v Vector
	for f := range numFeatures {
		v[f] = uint8(k >> (3 * f) & 7)
	}
	return v
}

// compatibleAttacks lists attack types that sources often tell apart
// differently for the same event: a complex attack is bombing to one and
// armed assault to another; a hostage-taking is a kidnapping to some.
var compatibleAttacks = map[[2]model.AttackType]bool{}

func init() {
	for _, p := range [][2]model.AttackType{
		{model.Bombing, model.ArmedAssault},
		{model.ArmedAssault, model.Assassination},
		{model.Bombing, model.Assassination},
		{model.ArmedAssault, model.BarricadeHostage},
		{model.Kidnapping, model.BarricadeHostage},
		{model.Kidnapping, model.Hijacking},
		{model.Hijacking, model.BarricadeHostage},
		{model.Bombing, model.FacilityAttack},
		{model.FacilityAttack, model.ArmedAssault},
		{model.UnarmedAssault, model.ArmedAssault},
		{model.UnarmedAssault, model.FacilityAttack},
	} {
		compatibleAttacks[p] = true
		compatibleAttacks[[2]model.AttackType{p[1], p[0]}] = true
	}
}

// AttackCompatibility returns the level name of two attack types:
// "missing" when either is unknown, "same", "compatible" or "incompatible".
func AttackCompatibility(a, b model.AttackType) string {
	return levelNames[FeatAttackType][attackLevel(a, b)]
}

func attackLevel(a, b model.AttackType) uint8 {
	switch {
	case a == "" || b == "" || a == model.UnknownAttack || b == model.UnknownAttack:
		return 0
	case a == b:
		return 1
	case compatibleAttacks[[2]model.AttackType{a, b}]:
		return 2
	}
	return 3
}

// FiguresCompatible reports whether two counts can describe the same
// event: their ranges overlap (an "at least" range is open above, an "up
// to" range open below), or their best figures are within max(2, 50%) of
// each other, since early and late tolls differ that much.
func FiguresCompatible(a, b *model.Range) bool {
	alo, ahi := bounds(a)
	blo, bhi := bounds(b)
	if alo <= bhi && blo <= ahi {
		return true
	}
	d := math.Abs(float64(a.Best - b.Best))
	return d <= math.Max(2, 0.5*float64(max(a.Best, b.Best)))
}

// bounds returns the interval a range allows, by its qualifier.
func bounds(r *model.Range) (lo, hi int) {
	lo, hi = min(r.Low, r.Best, r.High), max(r.Low, r.Best, r.High)
	switch r.Qualifier {
	case model.AtLeast:
		hi = math.MaxInt32
	case model.UpTo:
		lo = 0
	}
	return lo, hi
}

// compare computes the comparison vector of two prepared claims.
func compare(a, b *prepared) Vector {
	var v Vector
	// Date: the gap between the two periods.
	if a.start != 0 && b.start != 0 {
		gap := max(a.start-b.end, b.start-a.end, 0)
		dayBoth := a.c.DatePrecision == model.PrecisionDay && b.c.DatePrecision == model.PrecisionDay
		switch {
		case gap == 0 && dayBoth && a.start == b.start:
			v[FeatDate] = 1
		case gap == 0:
			v[FeatDate] = 2
		case gap <= 1:
			v[FeatDate] = 3
		case gap <= 3:
			v[FeatDate] = 4
		case gap <= 7:
			v[FeatDate] = 5
		default:
			v[FeatDate] = 6
		}
	}
	// Distance, only where both places are known to at least a district.
	if a.hasLL && b.hasLL && a.radius <= 75 && b.radius <= 75 {
		d := haversine(a.lat, a.lon, b.lat, b.lon)
		switch {
		case d <= 1:
			v[FeatDistance] = 1
		case d <= 5:
			v[FeatDistance] = 2
		case d <= 25:
			v[FeatDistance] = 3
		case d <= 75:
			v[FeatDistance] = 4
		default:
			v[FeatDistance] = 5
		}
	}
	v[FeatAdmin1] = sameLevel(a.admin1Key, b.admin1Key)
	v[FeatPlace] = sameLevel(a.placeKey, b.placeKey)
	v[FeatAttackType] = attackLevel(a.c.AttackType, b.c.AttackType)
	switch ComparePerpetrators(*a.perp, *b.perp) {
	case PerpSame:
		v[FeatPerpetrator] = 1
	case PerpBranch:
		v[FeatPerpetrator] = 2
	case PerpDifferent:
		v[FeatPerpetrator] = 3
	}
	if a.killed != nil && b.killed != nil {
		switch {
		case a.killed.Best == b.killed.Best:
			v[FeatKilled] = 1
		case FiguresCompatible(a.killed, b.killed):
			v[FeatKilled] = 2
		default:
			v[FeatKilled] = 3
		}
	}
	if len(a.tokens) > 0 && len(b.tokens) > 0 && a.script == b.script {
		j := jaccard(a.tokens, b.tokens)
		switch {
		case j >= 0.5:
			v[FeatText] = 1
		case j >= 0.2:
			v[FeatText] = 2
		case j >= 0.05:
			v[FeatText] = 3
		default:
			v[FeatText] = 4
		}
	}
	return v
}

func sameLevel(a, b string) uint8 {
	switch {
	case a == "" || b == "":
		return 0
	case a == b:
		return 1
	}
	return 2
}

// Model holds the Fellegi–Sunter parameters: per feature and level the
// probability m of the level among pairs that are the same event and u
// among pairs that are not, and Lambda, the share of candidate pairs that
// are matches. Level 0 (missing) is not used: its weight is 0.
type Model struct {
	M, U   [numFeatures][maxLevels]float64
	Lambda float64
	// Iterations is how many EM rounds Train ran; Converged says whether
	// it stopped because the parameters settled.
	Iterations int
	Converged  bool
}

// DefaultModel returns the prior parameters: judgement about how often
// each level occurs among candidate pairs (not among all pairs: blocking
// has already made them close in time and place) that are or are not the
// same event. They are what Train starts from and shrinks towards, and
// what scoring uses when there is nothing to train on.
func DefaultModel() *Model {
	m := &Model{Lambda: 0.3}
	set := func(f Feature, mm, uu []float64) {
		copy(m.M[f][1:], mm)
		copy(m.U[f][1:], uu)
	}
	set(FeatDate, []float64{.55, .12, .18, .1, .04, .01}, []float64{.08, .12, .15, .3, .2, .15})
	set(FeatDistance, []float64{.55, .25, .14, .05, .01}, []float64{.04, .08, .28, .35, .25})
	set(FeatAdmin1, []float64{.95, .05}, []float64{.6, .4})
	set(FeatPlace, []float64{.85, .15}, []float64{.25, .75})
	set(FeatAttackType, []float64{.8, .15, .05}, []float64{.35, .25, .4})
	set(FeatPerpetrator, []float64{.8, .1, .1}, []float64{.3, .05, .65})
	set(FeatKilled, []float64{.6, .3, .1}, []float64{.25, .3, .45})
	set(FeatText, []float64{.45, .3, .17, .08}, []float64{.01, .06, .4, .53})
	return m
}

// Weight returns log2(m/u) of a feature's level; 0 for missing.
func (m *Model) Weight(f Feature, level uint8) float64 {
	if level == 0 || int(level) >= len(levelNames[f]) {
		return 0
	}
	return math.Log2(m.M[f][level] / m.U[f][level])
}

// Score returns the match weight (log2 odds) of a comparison vector.
func (m *Model) Score(v Vector) float64 {
	w := math.Log2(m.Lambda / (1 - m.Lambda))
	for f := range numFeatures {
		w += m.Weight(f, v[f])
	}
	return w
}

// Probability turns a match weight into a match probability.
func Probability(weight float64) float64 { return 1 / (1 + math.Exp2(-weight)) }

// priorStrength is the number of pseudo-pairs the prior counts for per
// feature in EM: enough that a few dozen pairs cannot drive a level's
// probability to zero, little enough that thousands of pairs dominate.
const priorStrength = 20

// Train estimates m, u and λ by expectation maximisation over comparison
// vectors of candidate pairs (no labels), starting from and shrunk towards
// the prior p (DefaultModel when nil). Identical vectors are counted once
// with their multiplicity, so a round costs the number of distinct
// patterns, not pairs.
func Train(vectors []Vector, p *Model, maxIter int) *Model {
	if p == nil {
		p = DefaultModel()
	}
	counts := map[uint32]float64{}
	for _, v := range vectors {
		counts[v.key()]++
	}
	return trainCounts(counts, p, maxIter)
}

func trainCounts(counts map[uint32]float64, prior *Model, maxIter int) *Model {
	m := *prior
	m.Iterations, m.Converged = 0, false
	if len(counts) == 0 {
		return &m
	}
	type pat struct {
		v Vector
		n float64
	}
	pats := make([]pat, 0, len(counts))
	for k, n := range counts {
		pats = append(pats, pat{vectorOf(k), n})
	}
	// Summation order must not depend on map order: sort the patterns.
	sortPats := func(a, b pat) int { return cmp.Compare(a.v.key(), b.v.key()) }
	slices.SortFunc(pats, sortPats)
	for it := 0; it < maxIter; it++ {
		var mc, uc [numFeatures][maxLevels]float64
		var sumP, total float64
		for _, pt := range pats {
			w := m.Score(pt.v)
			pr := Probability(w)
			sumP += pr * pt.n
			total += pt.n
			for f := range numFeatures {
				l := pt.v[f]
				if l == 0 {
					continue
				}
				mc[f][l] += pr * pt.n
				uc[f][l] += (1 - pr) * pt.n
			}
		}
		next := m
		// λ is kept within [0.001, 0.999] with a weak prior towards the
		// starting value, so a degenerate sample cannot fix it at 0 or 1.
		next.Lambda = math.Min(0.999, math.Max(0.001, (sumP+priorStrength*prior.Lambda)/(total+priorStrength)))
		delta := math.Abs(next.Lambda - m.Lambda)
		for f := range numFeatures {
			n := len(levelNames[f])
			var ms, us float64
			for l := 1; l < n; l++ {
				ms += mc[f][l]
				us += uc[f][l]
			}
			for l := 1; l < n; l++ {
				nm := (mc[f][l] + priorStrength*prior.M[f][l]) / (ms + priorStrength)
				nu := (uc[f][l] + priorStrength*prior.U[f][l]) / (us + priorStrength)
				delta = math.Max(delta, math.Max(math.Abs(nm-m.M[f][l]), math.Abs(nu-m.U[f][l])))
				next.M[f][l], next.U[f][l] = nm, nu
			}
		}
		m = next
		m.Iterations = it + 1
		if delta < 1e-6 {
			m.Converged = true
			break
		}
	}
	return &m
}

// Reason is one feature's contribution to a link's score.
type Reason struct {
	Feature string  `json:"feature"`
	Level   string  `json:"level"`
	Weight  float64 `json:"weight"` // log2(m/u)
}

// Link is a scored candidate pair, with the reasons for its score: what
// `vigil incident ID --why` prints.
type Link struct {
	A           string   `json:"a"` // claim ids, A < B
	B           string   `json:"b"`
	Weight      float64  `json:"weight"`
	Probability float64  `json:"probability"`
	Reasons     []Reason `json:"reasons"`
}

// explain builds a Link with its reasons.
func (m *Model) explain(a, b string, v Vector) Link {
	if b < a {
		a, b = b, a
	}
	w := m.Score(v)
	l := Link{A: a, B: b, Weight: w, Probability: Probability(w), Reasons: make([]Reason, 0, numFeatures+1)}
	l.Reasons = append(l.Reasons, Reason{Feature: "prior", Level: fmt.Sprintf("lambda=%.4f", m.Lambda), Weight: math.Log2(m.Lambda / (1 - m.Lambda))})
	for f := range numFeatures {
		l.Reasons = append(l.Reasons, Reason{Feature: featureNames[f], Level: levelNames[f][v[f]], Weight: m.Weight(f, v[f])})
	}
	return l
}
