package fuse

import (
	"cmp"
	"slices"

	"github.com/vigil-project/vigil/internal/model"
)

// Options configure Fuse. The zero value trains the model by EM and uses
// DefaultThreshold.
type Options struct {
	// Threshold is the match probability at or above which claims link;
	// 0 means DefaultThreshold.
	Threshold float64
	// Prior is the model EM starts from and shrinks towards; nil means
	// DefaultModel.
	Prior *Model
	// NoTraining scores with Prior as it is, without EM (as Attach does
	// between re-fusions, with the model of the last full run).
	NoTraining bool
	// MaxIter bounds EM rounds; 0 means 50.
	MaxIter int
	// MustLink lists groups of claim ids that must be one incident (an
	// analyst's merge or split): they are joined before any scored link,
	// whatever the guard says. Ids of claims not given are ignored.
	MustLink [][]string
	// CannotLink lists pairs of claim id sets that must stay apart (an
	// analyst's split): no scored link joins clusters holding one each.
	CannotLink [][2][]string
	// Fixed places claims in existing incidents (claim id → incident id)
	// that must not change: claims of one incident are joined first, and
	// no link joins two clusters holding claims of different incidents.
	// Incremental fusion fixes the incidents around new claims this way,
	// so that new claims join them or make new ones, and the store is
	// never re-clustered.
	Fixed map[string]string
}

// Result is the outcome of fusing a set of claims.
type Result struct {
	// Clusters are the incidents: claim ids, sorted, clusters ordered by
	// their first id.
	Clusters [][]string `json:"clusters"`
	// Links are the links that joined each cluster (a spanning tree per
	// cluster), with their reasons: what `incident --why` shows.
	Links []Link `json:"links"`
	// Groups link clusters that are parts of one coordinated attack.
	Groups []EventGroup `json:"groups,omitempty"`
	// Model is the trained model: keep it for Attach.
	Model *Model     `json:"model"`
	Stats BlockStats `json:"stats"`
}

// Linker scores claims against each other with a fixed model: what
// incremental attaching and explaining need between full runs.
type Linker struct {
	Model     *Model
	Sources   map[string]model.Source
	Threshold float64
}

// NewLinker returns a linker; a nil model means DefaultModel and a zero
// threshold DefaultThreshold.
func NewLinker(m *Model, sources map[string]model.Source, threshold float64) *Linker {
	if m == nil {
		m = DefaultModel()
	}
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	return &Linker{Model: m, Sources: sources, Threshold: threshold}
}

// prepareAll prepares claims and lays them out in sweep order (country,
// window start, claim id): pairs then touch neighbouring memory, which
// matters at a million claims. Each claim's rank in id order is kept for
// output order and ties; nothing depends on the input order.
func prepareAll(claims []model.Claim, sources map[string]model.Source) []prepared {
	// Sort small keys, then prepare each claim once, in its final place.
	type key struct {
		i     int32
		rank  int32
		winLo int
	}
	keys := make([]key, len(claims))
	for i := range keys {
		keys[i].i = int32(i)
	}
	slices.SortStableFunc(keys, func(a, b key) int { return cmp.Compare(claims[a.i].ID, claims[b.i].ID) })
	for k := range keys {
		keys[k].rank = int32(k)
		c := &claims[keys[k].i]
		keys[k].winLo = windowStart(c)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(claims[a.i].Country, claims[b.i].Country), cmp.Compare(a.winLo, b.winLo), cmp.Compare(a.rank, b.rank))
	})
	ps := make([]prepared, len(claims))
	mm := newMemo()
	for k, x := range keys {
		ps[k] = prepareWith(&claims[x.i], sources[claims[x.i].Source], mm)
		ps[k].rank = x.rank
	}
	return ps
}

// settings returns the threshold, prior and EM round limit opts asks for,
// the defaults filled in where it leaves them zero.
func (opts Options) settings() (threshold float64, prior *Model, maxIter int) {
	threshold, prior, maxIter = opts.Threshold, opts.Prior, opts.MaxIter
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	if prior == nil {
		prior = DefaultModel()
	}
	if maxIter <= 0 {
		maxIter = 50
	}
	return threshold, prior, maxIter
}

// Fuse links claims into clusters: blocking, comparison, EM training (unless
// opts.NoTraining), scoring, clustering with the chaining guard, and event
// groups. claims is not modified; the result does not depend on its order.
func Fuse(claims []model.Claim, sources map[string]model.Source, opts Options) *Result {
	th, prior, iters := opts.settings()
	ps := prepareAll(claims, sources)
	pairs, st := candidates(ps)
	// Only the vector's packed key is kept per pair (4 bytes): a million
	// claims give tens of millions of candidate pairs.
	keys := make([]uint32, len(pairs))
	counts := map[uint32]float64{}
	for k, p := range pairs {
		keys[k] = compare(&ps[p.a], &ps[p.b]).key()
		counts[keys[k]]++
	}
	m := prior
	if !opts.NoTraining {
		m = trainCounts(counts, prior, iters)
	}
	// Score each distinct pattern once; keep the pairs above the threshold.
	weights := make(map[uint32]float64, len(counts))
	for k := range counts {
		weights[k] = finite(m.Score(vectorOf(k)))
	}
	var keep []scored
	for k, p := range pairs {
		if w := weights[keys[k]]; Probability(w) >= th {
			keep = append(keep, scored{a: p.a, b: p.b, v: vectorOf(keys[k]), w: w})
		}
	}
	pairs, keys = nil, nil
	res := clusterLinks(ps, keep, m, opts)
	res.Stats = st
	return res
}

// clusterLinks clusters prepared claims along their scored links (by
// index into ps, a < b): strongest link first under the chaining guard,
// with opts' fixed incidents and analysts' constraints, then the event
// groups. It is what Fuse does once the pairs are scored, and what the
// streamed re-fusion (stream.go) does for each closed component, so that
// both give the same clusters.
func clusterLinks(ps []prepared, keep []scored, m *Model, opts Options) *Result {
	sortLinks(keep)
	cl := newClusterer(ps)
	if len(opts.Fixed) > 0 {
		cl.fix(ps, opts.Fixed)
	}
	if len(opts.MustLink) > 0 || len(opts.CannotLink) > 0 {
		cl.constrain(ps, opts.MustLink, opts.CannotLink)
	}
	res := &Result{Model: m}
	// The links that merged, in claim-id order of their ends.
	type mergedLink struct {
		ra, rb int32 // ranks, ra < rb
		s      scored
	}
	var merged []mergedLink
	for _, s := range keep {
		if cl.union(s.a, s.b) {
			a, b := ps[s.a].rank, ps[s.b].rank
			merged = append(merged, mergedLink{min(a, b), max(a, b), s})
		}
	}
	slices.SortFunc(merged, func(x, y mergedLink) int { return cmp.Or(cmp.Compare(x.ra, y.ra), cmp.Compare(x.rb, y.rb)) })
	res.Links = make([]Link, len(merged))
	for i, ml := range merged {
		res.Links[i] = m.explain(ps[ml.s.a].c.ID, ps[ml.s.b].c.ID, ml.s.v)
	}
	groups := cl.groups()
	res.Clusters = make([][]string, len(groups))
	for i, g := range groups {
		ids := make([]string, len(g))
		for k, j := range g {
			ids[k] = ps[j].c.ID
		}
		res.Clusters[i] = ids
	}
	res.Groups = eventGroups(ps, groups)
	return res
}

// Compare scores one pair of claims with the linker's model and says why.
func (l *Linker) Compare(a, b model.Claim) Link {
	pa, pb := prepare(&a, l.Sources[a.Source]), prepare(&b, l.Sources[b.Source])
	return l.Model.explain(a.ID, b.ID, compare(&pa, &pb))
}

// Attachment is what Attach decided.
type Attachment struct {
	// Cluster is the index of the chosen candidate cluster, or -1 for a
	// new incident.
	Cluster int `json:"cluster"`
	// Link is the strongest link to the chosen cluster (nil for new).
	Link *Link `json:"link,omitempty"`
}

// Attach decides where one new claim belongs among candidate clusters
// (the claims of the incidents whose window it falls in; see Window): the
// cluster holding its strongest link at or above the threshold, provided
// the claim passes the chaining guard with every member, as in Fuse; else
// a new incident (-1). Ties go to the cluster whose linked claim id sorts
// first. It does not re-cluster the candidates.
func (l *Linker) Attach(c model.Claim, clusters [][]model.Claim) Attachment {
	pc := prepare(&c, l.Sources[c.Source])
	best := Attachment{Cluster: -1}
	var bestW float64
	var bestID string
	for ci, cl := range clusters {
		ps := make([]prepared, len(cl))
		ok := true
		for k := range cl {
			ps[k] = prepare(&cl[k], l.Sources[cl[k].Source])
			if !reach(&pc, &ps[k]) || !mayLink(&pc, &ps[k]) {
				ok = false
				break
			}
		}
		if !ok || len(cl)+1 > maxGuard {
			continue
		}
		for k := range ps {
			v := compare(&pc, &ps[k])
			w := finite(l.Model.Score(v))
			if Probability(w) < l.Threshold {
				continue
			}
			id := cl[k].ID
			if best.Cluster < 0 || w > bestW || (w == bestW && id < bestID) {
				lk := l.Model.explain(c.ID, id, v)
				best, bestW, bestID = Attachment{Cluster: ci, Link: &lk}, w, id
			}
		}
	}
	return best
}

// Window returns the blocking window of a claim, for finding the
// incidents a new claim may attach to: the days from and to (inclusive)
// its period reaches once widened by its date precision, and the distance
// in km its place precision allows (+Inf when only the country is known).
// A store should offer Attach the incidents of the same country (or any,
// when the claim has none) whose own windows overlap [from, to]. A claim
// without a date has zero dates: it can only start a new incident.
func Window(c model.Claim) (from, to model.Date, km float64) {
	p := prepare(&c, model.Source{})
	if c.Start.IsZero() {
		return model.Date{}, model.Date{}, p.radius
	}
	from = model.DateOf(model.Date{Year: 1970, Month: 1, Day: 1}.Time().AddDate(0, 0, p.winLo))
	to = model.DateOf(model.Date{Year: 1970, Month: 1, Day: 1}.Time().AddDate(0, 0, p.winHi))
	return from, to, p.radius
}
