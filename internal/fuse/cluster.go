package fuse

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// DefaultThreshold is the match probability at or above which a link
// joins two claims. On the tuning half of the perturbed GTD set (see
// gtd_test.go) F1 was flat from 0.5 to 0.99, because EM separates the
// candidate pairs sharply; 0.9 is a conservative choice within that range.
const DefaultThreshold = 0.9

// maxGuard bounds the member pairs checked when two clusters merge; a
// merge that would need more is refused, which keeps a dense window from
// growing one giant cluster by chaining.
const maxGuard = 1 << 14

// scored is a candidate pair with its vector and weight.
type scored struct {
	a, b int32
	v    Vector
	w    float64
}

// clusterer joins claims into clusters, strongest link first.
//
// Guard against chaining: two clusters merge only if every member of one
// is within the blocking window of every member of the other (periods
// overlapping once widened by their precision, places within reach) and
// no two members are rows of the same dataset. A→B→C chains whose ends are
// a week or 100 km apart therefore stay apart even when each link is
// strong. Processing links in a fixed order (weight, then claim order)
// makes the result independent of the input order.
type clusterer struct {
	ps      []prepared
	parent  []int32
	members [][]int32
	// lo and hi are, per root, the latest window start and the earliest
	// window end of its members: intervals overlap pairwise exactly when
	// the latest start is before the earliest end, so the date half of
	// the guard costs O(1) per merge.
	lo, hi []int
	// forbid holds, per claim index, the claims it must stay apart from
	// (an analyst's split); nil when there are none.
	forbid map[int32][]int32
	// label is, per root, the index+1 of the fixed incident its cluster
	// holds claims of (0: none); nil when nothing is fixed.
	label []int32
}

// fix joins the claims of each fixed incident and labels the clusters so
// that union never joins two fixed incidents.
func (c *clusterer) fix(ps []prepared, fixed map[string]string) {
	c.label = make([]int32, len(ps))
	byInc := map[string]int32{}
	first := map[string]int32{}
	for i := range ps {
		inc, ok := fixed[ps[i].c.ID]
		if !ok {
			continue
		}
		l, ok := byInc[inc]
		if !ok {
			l = int32(len(byInc) + 1)
			byInc[inc] = l
		}
		if f, ok := first[inc]; ok {
			c.force(f, int32(i))
		} else {
			first[inc] = int32(i)
		}
		c.label[c.find(int32(i))] = l
	}
}

// constrain applies analysts' corrections: must-link groups are joined
// at once, past the guard; cannot-link sets are remembered for union.
func (c *clusterer) constrain(ps []prepared, must [][]string, cannot [][2][]string) {
	index := make(map[string]int32, len(ps))
	for i := range ps {
		index[ps[i].c.ID] = int32(i)
	}
	for _, g := range must {
		var first int32 = -1
		for _, id := range g {
			j, ok := index[id]
			if !ok {
				continue
			}
			if first < 0 {
				first = j
				continue
			}
			c.force(first, j)
		}
	}
	for _, pair := range cannot {
		for _, a := range pair[0] {
			i, ok := index[a]
			if !ok {
				continue
			}
			for _, b := range pair[1] {
				j, ok := index[b]
				if !ok {
					continue
				}
				if c.forbid == nil {
					c.forbid = map[int32][]int32{}
				}
				c.forbid[i] = append(c.forbid[i], j)
				c.forbid[j] = append(c.forbid[j], i)
			}
		}
	}
}

// force joins the clusters of a and b without the guard.
func (c *clusterer) force(a, b int32) {
	ra, rb := c.find(a), c.find(b)
	if ra == rb {
		return
	}
	if ra > rb {
		ra, rb = rb, ra
	}
	xs, ys := c.list(ra), c.list(rb)
	c.parent[rb] = ra
	c.lo[ra], c.hi[ra] = max(c.lo[ra], c.lo[rb]), min(c.hi[ra], c.hi[rb])
	if c.label != nil && c.label[ra] == 0 {
		c.label[ra] = c.label[rb]
	}
	merged := make([]int32, 0, len(xs)+len(ys))
	merged = append(append(merged, xs...), ys...)
	c.members[ra], c.members[rb] = merged, nil
}

// forbidden reports whether a member of xs must stay apart from the
// cluster rooted at rb.
func (c *clusterer) forbidden(xs []int32, rb int32) bool {
	for _, x := range xs {
		for _, y := range c.forbid[x] {
			if c.find(y) == rb {
				return true
			}
		}
	}
	return false
}

func newClusterer(ps []prepared) *clusterer {
	c := &clusterer{ps: ps, parent: make([]int32, len(ps)), members: make([][]int32, len(ps)),
		lo: make([]int, len(ps)), hi: make([]int, len(ps))}
	for i := range ps {
		c.parent[i] = int32(i)
		c.lo[i], c.hi[i] = ps[i].winLo, ps[i].winHi
	}
	return c
}

func (c *clusterer) find(i int32) int32 {
	for c.parent[i] != i {
		c.parent[i] = c.parent[c.parent[i]]
		i = c.parent[i]
	}
	return i
}

func (c *clusterer) list(r int32) []int32 {
	if c.members[r] == nil {
		return []int32{r}
	}
	return c.members[r]
}

// compatible reports whether every pair across the two member lists may
// be in one incident.
func compatible(ps []prepared, xs, ys []int32) bool {
	if len(xs)*len(ys) > maxGuard {
		return false
	}
	for _, x := range xs {
		for _, y := range ys {
			if !reach(&ps[x], &ps[y]) || !mayLink(&ps[x], &ps[y]) {
				return false
			}
		}
	}
	return true
}

// union merges the clusters of a and b when the guard allows; it reports
// whether they are now one cluster because of this call.
func (c *clusterer) union(a, b int32) bool {
	ra, rb := c.find(a), c.find(b)
	if ra == rb {
		return false
	}
	lo, hi := max(c.lo[ra], c.lo[rb]), min(c.hi[ra], c.hi[rb])
	if lo > hi {
		return false
	}
	xs, ys := c.list(ra), c.list(rb)
	if c.forbid != nil && c.forbidden(xs, rb) {
		return false
	}
	if c.label != nil && c.label[ra] != 0 && c.label[rb] != 0 && c.label[ra] != c.label[rb] {
		return false
	}
	if !compatible(c.ps, xs, ys) {
		return false
	}
	if ra > rb { // the smaller index is the root: deterministic
		ra, rb = rb, ra
		xs, ys = ys, xs
	}
	c.parent[rb] = ra
	c.lo[ra], c.hi[ra] = lo, hi
	if c.label != nil && c.label[ra] == 0 {
		c.label[ra] = c.label[rb]
	}
	merged := make([]int32, 0, len(xs)+len(ys))
	merged = append(append(merged, xs...), ys...)
	c.members[ra], c.members[rb] = merged, nil
	return true
}

// groups returns the clusters as lists of indexes in claim-id order,
// ordered by their first claim id.
func (c *clusterer) groups() [][]int32 {
	var out [][]int32
	byRank := func(x, y int32) int { return cmp.Compare(c.ps[x].rank, c.ps[y].rank) }
	for i := range c.ps {
		if c.find(int32(i)) != int32(i) {
			continue
		}
		g := slices.Clone(c.list(int32(i)))
		slices.SortFunc(g, byRank)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []int32) int { return byRank(a[0], b[0]) })
	return out
}

// sortLinks orders links strongest first, ties by claim order.
func sortLinks(ls []scored) {
	slices.SortFunc(ls, func(x, y scored) int {
		return cmp.Or(cmp.Compare(y.w, x.w), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
}

// EventGroup links incidents that are parts of one coordinated attack
// (Tehran 2017: the parliament and the mausoleum) without merging them:
// each keeps its own figures.
type EventGroup struct {
	// Clusters are indexes into Result.Clusters, ascending.
	Clusters []int `json:"clusters"`
	// Reasons say why, e.g. "related:gtd:201706070001" or
	// "same_source_multiple:gtd:2017-06-07".
	Reasons []string `json:"reasons"`
}

// reportKey strips a report id's revision ("@n"): the key a source's own
// reference of a row becomes.
func reportKey(id string) string {
	if i := strings.LastIndexByte(id, '@'); i >= 0 {
		return id[:i]
	}
	return id
}

// coordinatedKm is how close two same-day rows of one source marked as
// part of multiple attacks must be to form an event group without an
// explicit related id (Tehran's two sites are 16 km apart).
const coordinatedKm = 50

// eventGroups finds coordinated attacks among clusters: a claim whose
// Related names a row of another cluster, or two rows of the same source
// on the same day, both with Sites ≥ 2 (GTD multiple=1), within
// coordinatedKm (or with the same place key when coordinates are missing).
func eventGroups(ps []prepared, clusters [][]int32) []EventGroup {
	n := len(clusters)
	of := make([]int, len(ps))
	related := false
	for ci, cl := range clusters {
		for _, i := range cl {
			of[i] = ci
			related = related || len(ps[i].c.Related) > 0
		}
	}
	// The report index is only needed when some claim names related rows.
	var byReport map[string]int
	if related {
		byReport = make(map[string]int, len(ps))
		for i := range ps {
			byReport[reportKey(ps[i].c.ReportID)] = of[i]
		}
	}
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	reasons := map[int][]string{}
	join := func(a, b int, why string) {
		if a == b {
			return
		}
		ra, rb := find(a), find(b)
		if ra != rb {
			if rb < ra {
				ra, rb = rb, ra
			}
			parent[rb] = ra
		}
		// A run of one day's rows joins each pair with the same reason:
		// kept once, or a busy day's reasons grow with the square of its rows.
		if r := reasons[a]; len(r) == 0 || r[len(r)-1] != why {
			reasons[a] = append(r, why)
		}
	}
	// Related ids.
	for i := range ps {
		c := ps[i].c
		for _, ref := range c.Related {
			if cj, ok := byReport[model.ReportID(c.Source, ref, 0)]; ok {
				join(of[i], cj, "related:"+c.Source+":"+ref)
			}
		}
	}
	// Same source, same day, both multiple: sort by source and day, then
	// compare within runs (runs are short: one source's rows of one day).
	var multi []int32
	for i := range ps {
		if ps[i].c.Sites >= 2 && ps[i].c.DatePrecision == model.PrecisionDay {
			multi = append(multi, int32(i))
		}
	}
	slices.SortFunc(multi, func(x, y int32) int {
		return cmp.Or(cmp.Compare(ps[x].c.Source, ps[y].c.Source), cmp.Compare(ps[x].start, ps[y].start), cmp.Compare(x, y))
	})
	for s := 0; s < len(multi); {
		e := s + 1
		for e < len(multi) && ps[multi[e]].c.Source == ps[multi[s]].c.Source && ps[multi[e]].start == ps[multi[s]].start {
			e++
		}
		why := ""
		for x := s; x < e; x++ {
			for y := x + 1; y < e; y++ {
				a, b := &ps[multi[x]], &ps[multi[y]]
				near := false
				switch {
				case a.hasLL && b.hasLL:
					near = haversine(a.lat, a.lon, b.lat, b.lon) <= coordinatedKm
				default:
					near = a.c.Country == b.c.Country && a.placeKey != "" && a.placeKey == b.placeKey
				}
				if near {
					if why == "" {
						why = "same_source_multiple:" + a.c.Source + ":" + a.c.Start.String()
					}
					join(of[multi[x]], of[multi[y]], why)
				}
			}
		}
		s = e
	}
	// Most clusters are alone: groups are made only for roots that hold two.
	size := make([]int32, n)
	for ci := range n {
		size[find(ci)]++
	}
	byRoot := map[int]*EventGroup{}
	var roots []int
	for ci := range n {
		r := find(ci)
		if size[r] < 2 {
			continue
		}
		g := byRoot[r]
		if g == nil {
			g = &EventGroup{}
			byRoot[r] = g
			roots = append(roots, r)
		}
		g.Clusters = append(g.Clusters, ci)
		g.Reasons = append(g.Reasons, reasons[ci]...)
	}
	var out []EventGroup
	for _, r := range roots {
		g := byRoot[r]
		if len(g.Clusters) < 2 {
			continue
		}
		slices.Sort(g.Reasons)
		g.Reasons = slices.Compact(g.Reasons)
		out = append(out, *g)
	}
	return out
}

// finite replaces ±Inf (a vector with all levels at certainty) by a large
// finite weight so that sorting and JSON stay well defined.
func finite(w float64) float64 {
	switch {
	case math.IsNaN(w):
		return 0
	case math.IsInf(w, 1):
		return 1e6
	case math.IsInf(w, -1):
		return -1e6
	}
	return w
}
