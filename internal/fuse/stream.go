package fuse

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"

	"github.com/vigil-project/vigil/internal/model"
)

// The full re-fusion (All) streams the claims of a store in blocking
// order instead of holding them all: what it holds at any time is one
// country's sweep window (the claims whose blocking windows are still
// open) and the connected components that are not closed yet, so that its
// peak memory depends on how dense the busiest days are, not on how many
// claims the store holds.
//
// It reads the store twice. The first pass sweeps the claims as Fuse's
// blocking does and counts the comparison patterns of the candidate pairs
// (all EM needs), and notes what ties claims together beyond a link: the
// claims of one old incident, an analyst's merge, and the rows of one
// coordinated attack (related ids, one source's multiple-site rows of a
// day). The second pass sweeps again, scores each pair with the trained
// model and joins the claims of each link above the threshold, and of
// each tie, into components. A component is closed when no claim still
// to come can join it: the sweep has passed the end of every member's
// window and every tie it holds is complete. Its claims are then
// clustered exactly as Fuse clusters them (clusterLinks, the same order
// of links, the same guard), and handed on to be written.
//
// Claims without a country but with coordinates compare with every
// country; they come first in blocking order, are kept to the end, and so
// is every component holding one.

// ClaimStream calls fn with every current claim in blocking order: by
// country (bytewise, claims without a country first), then by the day of
// their Start (a claim without a date counts as 1970-01-01), then by id.
// Store.BlockClaims is one.
type ClaimStream func(ctx context.Context, fn func(StoredClaim) error) error

// errOrder is wrapped when a stream breaks blocking order.
var errOrder = errors.New("claims out of blocking order")

// maxSlack is the largest dateSlack: how far a claim's window may start
// before the day of its Start when that day starts its period. A month-
// or year-precise claim dated within its period starts its window
// earlier; the first pass measures the largest such lag and runs again
// with it.
const maxSlack = 7

// node is a claim in the stream.
type node struct {
	sc  StoredClaim
	p   prepared
	day int   // the day the stream is sorted by
	seq int32 // position in sweep order (country, window start, id): Fuse's index
	// up is the union-find parent; nil for a root, which holds comp.
	up    *node
	comp  *comp
	local int32 // index in its component's claims while it is clustered
}

// link is a scored link between two nodes, a.seq < b.seq.
type link struct {
	a, b *node
	v    Vector
	w    float64
}

// comp is an open connected component of links and ties.
type comp struct {
	nodes   []*node
	links   []link
	maxHi   int  // the latest window end of its claims
	pending int  // tie members still to come
	loose   bool // holds a claim without a country: kept to the end
	closed  bool
}

// nodeHeap orders nodes by window start, then id: the sweep order within
// a country.
type nodeHeap []*node

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(h[i].p.winLo, h[j].p.winLo), cmp.Compare(h[i].sc.Claim.ID, h[j].sc.Claim.ID)) < 0
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(*node)) }
func (h *nodeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// compEntry is a component in the closing heap, by its window end then
// its first claim (entries go stale when the component grows or merges).
type compEntry struct {
	hi  int
	seq int32
	c   *comp
}

type compHeap []compEntry

func (h compHeap) Len() int { return len(h) }
func (h compHeap) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(h[i].hi, h[j].hi), cmp.Compare(h[i].seq, h[j].seq)) < 0
}
func (h compHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *compHeap) Push(x any)   { *h = append(*h, x.(compEntry)) }
func (h *compHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// pass is one sweep over a stream: it puts the claims in sweep order
// (a small reorder buffer: the stream is sorted by day, the sweep by
// window start), assigns their positions and emits the candidate pairs
// Fuse's blocking would.
type pass struct {
	sources map[string]model.Source
	mm      *memo
	lag     int
	// pair receives each candidate pair, a.seq < b.seq.
	pair func(a, b *node)
	// released is called for each claim as it enters the sweep (before
	// its pairs), then after its pairs.
	released func(n *node)
	after    func(n *node) error
	// endCountry is called when a country's claims are all swept.
	endCountry func() error

	country string
	started bool
	lastDay int
	cutoff  int
	buf     nodeHeap
	seq     int32
	sw      *nsweep
	loose   []*node // claims without a country but with coordinates, by window start
	looseW  int     // the longest window among them
	stats   BlockStats
	maxLag  int
	late    bool
}

func newPass(sources map[string]model.Source, lag int) *pass {
	p := &pass{sources: sources, mm: newMemo(), lag: lag, cutoff: math.MinInt}
	p.sw = newNSweep(p.emit)
	return p
}

// push takes the next claim of the stream.
func (p *pass) push(sc StoredClaim) error {
	n := &node{sc: sc}
	n.p = prepareWith(&n.sc.Claim, p.sources[sc.Claim.Source], p.mm)
	n.day = epochDay(sc.Claim.Start)
	c := sc.Claim.Country
	if !p.started || c != p.country {
		if p.started && c < p.country {
			return fmt.Errorf("%w: claim %s of country %q after country %q", errOrder, sc.Claim.ID, c, p.country)
		}
		if err := p.flush(); err != nil {
			return err
		}
		p.country, p.started, p.lastDay, p.cutoff = c, true, math.MinInt, math.MinInt
	}
	if n.day < p.lastDay {
		return fmt.Errorf("%w: claim %s of %s after a claim of a later day", errOrder, sc.Claim.ID, sc.Claim.Start)
	}
	p.lastDay = n.day
	p.maxLag = max(p.maxLag, n.day-n.p.winLo)
	if n.p.winLo < p.cutoff {
		p.late = true // its window starts before claims already swept
	}
	heap.Push(&p.buf, n)
	cut := n.day - p.lag
	for len(p.buf) > 0 && p.buf[0].p.winLo < cut {
		if err := p.add(heap.Pop(&p.buf).(*node)); err != nil {
			return err
		}
	}
	p.cutoff = max(p.cutoff, cut)
	return nil
}

// flush sweeps what the reorder buffer holds and ends the country.
func (p *pass) flush() error {
	for len(p.buf) > 0 {
		if err := p.add(heap.Pop(&p.buf).(*node)); err != nil {
			return err
		}
	}
	if !p.started {
		return nil
	}
	p.sw.reset()
	if p.endCountry != nil {
		return p.endCountry()
	}
	return nil
}

// emit filters a candidate pair as Fuse's blocking does.
func (p *pass) emit(x, y *node) {
	p.stats.Checked++
	if !reach(&x.p, &y.p) {
		return
	}
	if !mayLink(&x.p, &y.p) {
		p.stats.SameSource++
		return
	}
	if x.seq > y.seq {
		x, y = y, x
	}
	p.stats.Pairs++
	p.pair(x, y)
}

// add puts a claim into the sweep.
func (p *pass) add(n *node) error {
	n.seq = p.seq
	p.seq++
	p.stats.Claims++
	if p.released != nil {
		p.released(n)
	}
	q := &n.p
	if q.c.Country == "" {
		if q.hasLL {
			p.withLoose(n)
			p.loose = append(p.loose, n) // in window-start order: they are swept first
			p.looseW = max(p.looseW, q.winHi-q.winLo)
		}
	} else {
		p.sw.add(n)
		if q.hasLL && len(p.loose) > 0 {
			p.withLoose(n)
		}
	}
	if p.after != nil {
		return p.after(n)
	}
	return nil
}

// withLoose pairs a claim with the claims without a country whose windows
// overlap its own and that lie within reach, as candidates does.
func (p *pass) withLoose(n *node) {
	q := &n.p
	lo, _ := slices.BinarySearchFunc(p.loose, q.winLo-p.looseW, func(x *node, t int) int { return cmp.Compare(x.p.winLo, t) })
	for _, o := range p.loose[lo:] {
		if o.p.winLo > q.winHi {
			break
		}
		if o.p.winHi < q.winLo || o == n {
			continue
		}
		lim := max(q.radius, o.p.radius)
		if math.IsInf(lim, 1) {
			lim = looseReach
		}
		if haversine(q.lat, q.lon, o.p.lat, o.p.lon) > lim {
			p.stats.Checked++
			continue
		}
		p.emit(o, n)
	}
}

// nsweep is sweep over nodes: the active window of one country.
type nsweep struct {
	emit   func(x, y *node)
	cells  map[cell][]*node
	coarse []*node
	all    []*node
	pruned int
	adds   int
}

func newNSweep(emit func(x, y *node)) *nsweep {
	return &nsweep{emit: emit, cells: map[cell][]*node{}}
}

func (s *nsweep) reset() {
	clear(s.cells)
	clear(s.coarse)
	clear(s.all)
	s.coarse, s.all, s.pruned = s.coarse[:0], s.all[:0], 0
}

func fineCell(p *prepared) (cell, bool) {
	if !p.hasLL || p.radius > fineKm || math.Abs(p.lat) >= fineMaxLa {
		return cell{}, false
	}
	return cell{int32(math.Floor(p.lat / cellDeg)), int32(math.Floor(p.lon / cellDeg))}, true
}

func (s *nsweep) visit(list []*node, n *node, lo int) []*node {
	k := 0
	for _, j := range list {
		if j.p.winHi >= lo {
			list[k] = j
			k++
			s.emit(j, n)
		}
	}
	clear(list[k:])
	return list[:k]
}

func prune(list []*node, lo int) []*node {
	k := 0
	for _, j := range list {
		if j.p.winHi >= lo {
			list[k] = j
			k++
		}
	}
	clear(list[k:])
	return list[:k]
}

func (s *nsweep) add(n *node) {
	p := &n.p
	lo := p.winLo
	s.coarse = s.visit(s.coarse, n, lo)
	c, ok := fineCell(p)
	if ok {
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				k := cell{c.y + dy, c.x + dx}
				if l, has := s.cells[k]; has {
					l = s.visit(l, n, lo)
					if len(l) == 0 {
						delete(s.cells, k)
					} else {
						s.cells[k] = l
					}
				}
			}
		}
		s.cells[c] = append(s.cells[c], n)
	} else {
		s.all = prune(s.all, lo)
		s.pruned = len(s.all)
		for _, j := range s.all {
			if _, f := fineCell(&j.p); f {
				s.emit(j, n)
			}
		}
		s.coarse = append(s.coarse, n)
	}
	s.all = append(s.all, n)
	if len(s.all) > 2*s.pruned+1024 {
		s.all = prune(s.all, lo)
		s.pruned = len(s.all)
	}
	// Cells no claim comes near again would keep their claims to the end
	// of the country: every so often all are pruned.
	if s.adds++; s.adds%(1<<14) == 0 {
		for k, l := range s.cells {
			if l = prune(l, lo); len(l) == 0 {
				delete(s.cells, k)
			} else {
				s.cells[k] = l
			}
		}
	}
}

// census is what the first pass learns.
type census struct {
	counts map[uint32]float64
	stats  BlockStats
	maxLag int
	late   bool
	ties   *tieTable
}

// tie kinds.
const (
	tieIncident = 'i' // the claims of one old incident
	tieMust     = 'm' // an analyst's merge
	tieRelated  = 'r' // a report and the rows naming it as related
	tieMulti    = 'g' // one source's multiple-site rows of a day, near each other
)

type tieKey struct {
	kind byte
	h    uint64
}

// tieTable says which ties each claim has and how many claims each tie
// holds. Keys are hashes (one seed per run): two keys that collide make
// one bigger tie, which costs memory, never correctness.
type tieTable struct {
	seed     maphash.Seed
	incident map[uint64]int32 // incident → claims, when more than one
	related  map[uint64]int32 // named report → claims (its own and those naming it)
	multi    map[uint64]int32 // claim → its group of multiple-site rows
	multiN   []int32
	must     map[string][]int32 // claim → merge groups
	mustN    []int32
}

func (t *tieTable) hash(s string) uint64 { return maphash.String(t.seed, s) }

// of returns the ties of a claim with their sizes.
func (t *tieTable) of(c *model.Claim, incident string) (keys []tieKey, sizes []int32) {
	if n := t.incident[t.hash(incident)]; n > 1 {
		keys, sizes = append(keys, tieKey{tieIncident, t.hash(incident)}), append(sizes, n)
	}
	for _, g := range t.must[c.ID] {
		if t.mustN[g] > 1 {
			keys, sizes = append(keys, tieKey{tieMust, uint64(g)}), append(sizes, t.mustN[g])
		}
	}
	if len(t.related) > 0 {
		own := t.hash(reportKey(c.ReportID))
		if n := t.related[own]; n > 1 {
			keys, sizes = append(keys, tieKey{tieRelated, own}), append(sizes, n)
		}
		for _, ref := range c.Related {
			h := t.hash(model.ReportID(c.Source, ref, 0))
			if n := t.related[h]; n > 1 && h != own && !slices.Contains(keys, tieKey{tieRelated, h}) {
				keys, sizes = append(keys, tieKey{tieRelated, h}), append(sizes, n)
			}
		}
	}
	if g, ok := t.multi[t.hash(c.ID)]; ok && t.multiN[g] > 1 {
		keys, sizes = append(keys, tieKey{tieMulti, uint64(g)}), append(sizes, t.multiN[g])
	}
	return keys, sizes
}

// multiRow is what the first pass keeps of a multiple-site row.
type multiRow struct {
	id               uint64
	source           string
	start            int
	hasLL            bool
	lat, lon         float64
	country, placeKy string
}

// survey is the first pass: pattern counts for EM and the ties.
func survey(ctx context.Context, stream ClaimStream, sources map[string]model.Source, must [][]string, lag int) (*census, error) {
	ce := &census{counts: map[uint32]float64{}}
	t := &tieTable{seed: maphash.MakeSeed(), incident: map[uint64]int32{}, related: map[uint64]int32{},
		multi: map[uint64]int32{}, must: map[string][]int32{}}
	mustOf := map[string][]int32{}
	for g, ids := range must {
		for _, id := range ids {
			if !slices.Contains(mustOf[id], int32(g)) {
				mustOf[id] = append(mustOf[id], int32(g))
			}
		}
	}
	t.mustN = make([]int32, len(must))
	// 8 bytes per claim each, for the two passes' ties: no claim is kept.
	var keys, incs []uint64
	named := map[uint64]int32{}
	var multis []multiRow
	p := newPass(sources, lag)
	p.pair = func(a, b *node) { ce.counts[compare(&a.p, &b.p).key()]++ }
	p.released = func(n *node) {
		c := &n.sc.Claim
		own := t.hash(reportKey(c.ReportID))
		keys = append(keys, own)
		incs = append(incs, t.hash(n.sc.IncidentID))
		var seen []uint64
		for _, ref := range c.Related {
			h := t.hash(model.ReportID(c.Source, ref, 0))
			if h != own && !slices.Contains(seen, h) {
				seen = append(seen, h)
				named[h]++
			}
		}
		for _, g := range mustOf[c.ID] {
			t.must[c.ID] = append(t.must[c.ID], g)
			t.mustN[g]++
		}
		if c.Sites >= 2 && c.DatePrecision == model.PrecisionDay {
			multis = append(multis, multiRow{id: t.hash(c.ID), source: c.Source, start: n.p.start, hasLL: n.p.hasLL,
				lat: n.p.lat, lon: n.p.lon, country: c.Country, placeKy: n.p.placeKey})
		}
	}
	if err := stream(ctx, func(sc StoredClaim) error { return p.push(sc) }); err != nil {
		return nil, err
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	ce.stats, ce.maxLag, ce.late = p.stats, p.maxLag, p.late
	n := int64(p.stats.Claims)
	ce.stats.AllPairs = n * (n - 1) / 2

	slices.Sort(incs)
	for i := 0; i < len(incs); {
		j := i + 1
		for j < len(incs) && incs[j] == incs[i] {
			j++
		}
		if j-i > 1 {
			t.incident[incs[i]] = int32(j - i)
		}
		i = j
	}
	incs = nil
	if len(named) > 0 {
		slices.Sort(keys)
		for h, namers := range named {
			lo, found := slices.BinarySearch(keys, h)
			if !found {
				continue // names a report the store does not hold
			}
			hi := lo
			for hi < len(keys) && keys[hi] == h {
				hi++
			}
			t.related[h] = int32(hi-lo) + namers
		}
	}
	keys = nil
	t.multi, t.multiN = multiTies(multis)
	ce.ties = t
	return ce, nil
}

// multiTies joins the multiple-site rows that eventGroups would put in
// one group (one source, one day, near each other) and returns each row's
// group with the groups' sizes.
func multiTies(rows []multiRow) (map[uint64]int32, []int32) {
	slices.SortFunc(rows, func(a, b multiRow) int {
		return cmp.Or(cmp.Compare(a.source, b.source), cmp.Compare(a.start, b.start))
	})
	parent := make([]int32, len(rows))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for s := 0; s < len(rows); {
		e := s + 1
		for e < len(rows) && rows[e].source == rows[s].source && rows[e].start == rows[s].start {
			e++
		}
		for x := s; x < e; x++ {
			for y := x + 1; y < e; y++ {
				a, b := &rows[x], &rows[y]
				near := false
				if a.hasLL && b.hasLL {
					near = haversine(a.lat, a.lon, b.lat, b.lon) <= coordinatedKm
				} else {
					near = a.country == b.country && a.placeKy != "" && a.placeKy == b.placeKy
				}
				if near {
					if ra, rb := find(int32(x)), find(int32(y)); ra != rb {
						parent[max(ra, rb)] = min(ra, rb)
					}
				}
			}
		}
		s = e
	}
	size := make([]int32, len(rows))
	for i := range rows {
		size[find(int32(i))]++
	}
	out := map[uint64]int32{}
	for i := range rows {
		if r := find(int32(i)); size[r] > 1 {
			out[rows[i].id] = r
		}
	}
	return out, size
}

// streamFuse fuses a stream of claims as Fuse fuses them all at once,
// and calls sink with each closed component: its claims in sweep order
// and their clusters, links and event groups (a Result whose Model is
// the trained one). It returns the trained model and the blocking
// statistics; a stream without claims gives a nil model.
func streamFuse(ctx context.Context, stream ClaimStream, sources map[string]model.Source, opts Options,
	sink func(nodes []*node, res *Result) error) (*Model, BlockStats, error) {
	th, prior, iters := opts.settings()
	lag := maxSlack
	var ce *census
	for try := 0; ; try++ {
		var err error
		if ce, err = survey(ctx, stream, sources, opts.MustLink, lag); err != nil {
			return nil, BlockStats{}, err
		}
		if !ce.late {
			break
		}
		// Some window starts further before its day than the lag
		// allowed: sweep again with the largest one seen.
		if try == 2 {
			return nil, ce.stats, fmt.Errorf("%w: window starts move while the store is read", errOrder)
		}
		lag = ce.maxLag
	}
	if ce.stats.Claims == 0 {
		return nil, ce.stats, nil
	}
	m := prior
	if !opts.NoTraining {
		m = trainCounts(ce.counts, prior, iters)
	}
	weights := make(map[uint32]float64, len(ce.counts))
	for k := range ce.counts {
		weights[k] = finite(m.Score(vectorOf(k)))
	}
	ce.counts = nil

	j := &joiner{ties: ce.ties, state: map[tieKey]*tieState{}, open: map[*comp]struct{}{},
		sink: sink, model: m, opts: opts}
	p := newPass(sources, lag)
	read := p.push
	push := func(sc StoredClaim) error {
		j.live++
		j.peak = max(j.peak, j.live)
		return read(sc)
	}
	p.pair = func(a, b *node) {
		k := compare(&a.p, &b.p).key()
		w, ok := weights[k]
		if !ok { // a pair the first pass did not see (the store changed)
			w = finite(m.Score(vectorOf(k)))
			weights[k] = w
		}
		if Probability(w) >= th {
			j.link(a, b, vectorOf(k), w)
		}
	}
	p.released = j.enter
	p.after = func(n *node) error {
		j.push(j.find(n).comp)
		return j.closeBefore(n.p.winLo)
	}
	p.endCountry = func() error { return j.closeBefore(math.MaxInt) }
	if err := stream(ctx, push); err != nil {
		return nil, ce.stats, err
	}
	if err := p.flush(); err != nil {
		return nil, ce.stats, err
	}
	if p.late {
		return nil, ce.stats, fmt.Errorf("%w: window starts moved between the two passes (the store changed while it was read)", errOrder)
	}
	if err := j.closeAll(); err != nil {
		return nil, ce.stats, err
	}
	ce.stats.Held = j.peak
	return m, ce.stats, nil
}

// tieState is a tie whose claims are still coming.
type tieState struct {
	root *node
	left int32
}

// joiner builds the components of the second pass and closes them.
type joiner struct {
	ties  *tieTable
	state map[tieKey]*tieState
	heap  compHeap
	open  map[*comp]struct{}
	sink  func(nodes []*node, res *Result) error
	model *Model
	opts  Options
	// live counts the claims read and not yet closed; peak is its most.
	live, peak int
}

func (j *joiner) find(n *node) *node {
	r := n
	for r.up != nil {
		r = r.up
	}
	for n.up != nil && n.up != r {
		next := n.up
		n.up = r
		n = next
	}
	return r
}

// enter gives a claim its component and joins it to its ties.
func (j *joiner) enter(n *node) {
	n.comp = &comp{nodes: []*node{n}, maxHi: n.p.winHi, loose: n.p.c.Country == "" && n.p.hasLL}
	j.open[n.comp] = struct{}{}
	keys, sizes := j.ties.of(&n.sc.Claim, n.sc.IncidentID)
	for i, k := range keys {
		st, ok := j.state[k]
		if ok && j.find(st.root).comp == nil {
			ok = false // closed early: the store changed between the passes
		}
		if !ok {
			j.state[k] = &tieState{root: n, left: sizes[i] - 1}
			j.find(n).comp.pending += int(sizes[i] - 1)
			continue
		}
		r := j.union(st.root, n)
		r.comp.pending--
		if st.left--; st.left <= 0 {
			delete(j.state, k)
		}
	}
}

// union joins the components of a and b and returns the root.
func (j *joiner) union(a, b *node) *node {
	ra, rb := j.find(a), j.find(b)
	if ra == rb {
		return ra
	}
	if len(ra.comp.nodes)+len(ra.comp.links) < len(rb.comp.nodes)+len(rb.comp.links) {
		ra, rb = rb, ra
	}
	ca, cb := ra.comp, rb.comp
	ca.nodes = append(ca.nodes, cb.nodes...)
	ca.links = append(ca.links, cb.links...)
	ca.maxHi = max(ca.maxHi, cb.maxHi)
	ca.pending += cb.pending
	ca.loose = ca.loose || cb.loose
	delete(j.open, cb)
	cb.nodes, cb.links, cb.closed = nil, nil, true
	rb.comp, rb.up = nil, ra
	return ra
}

// link records a link above the threshold.
func (j *joiner) link(a, b *node, v Vector, w float64) {
	r := j.union(a, b)
	r.comp.links = append(r.comp.links, link{a: a, b: b, v: v, w: w})
}

// push (re)enters a component in the closing heap.
func (j *joiner) push(c *comp) {
	heap.Push(&j.heap, compEntry{hi: c.maxHi, seq: c.nodes[0].seq, c: c})
}

// closeBefore closes the components whose windows all end before day lo
// and whose ties are complete: no claim still to come can join them.
func (j *joiner) closeBefore(lo int) error {
	for len(j.heap) > 0 && j.heap[0].hi < lo {
		e := heap.Pop(&j.heap).(compEntry)
		c := e.c
		if c.closed || c.maxHi != e.hi {
			continue // merged or grown since: a newer entry stands for it
		}
		if c.pending > 0 || c.loose {
			continue // waits: the union that completes it pushes it again
		}
		if err := j.close(c); err != nil {
			return err
		}
	}
	return nil
}

// closeAll closes what is left at the end of the stream, in sweep order.
func (j *joiner) closeAll() error {
	var left []*comp
	for c := range j.open {
		left = append(left, c)
	}
	for _, c := range left {
		slices.SortFunc(c.nodes, func(a, b *node) int { return cmp.Compare(a.seq, b.seq) })
	}
	slices.SortFunc(left, func(a, b *comp) int { return cmp.Compare(a.nodes[0].seq, b.nodes[0].seq) })
	for _, c := range left {
		if err := j.close(c); err != nil {
			return err
		}
	}
	return nil
}

// close clusters a component as Fuse would and hands it to the sink.
func (j *joiner) close(c *comp) error {
	delete(j.open, c)
	c.closed = true
	nodes := c.nodes
	slices.SortFunc(nodes, func(a, b *node) int { return cmp.Compare(a.seq, b.seq) })
	ps := make([]prepared, len(nodes))
	byID := make([]int32, len(nodes))
	for i, n := range nodes {
		n.local = int32(i)
		ps[i] = n.p
		byID[i] = int32(i)
	}
	slices.SortFunc(byID, func(a, b int32) int { return cmp.Compare(ps[a].c.ID, ps[b].c.ID) })
	for r, i := range byID {
		ps[i].rank = int32(r)
	}
	keep := make([]scored, len(c.links))
	for i, l := range c.links {
		keep[i] = scored{a: l.a.local, b: l.b.local, v: l.v, w: l.w}
	}
	c.links = nil
	res := clusterLinks(ps, keep, j.model, Options{MustLink: j.opts.MustLink, CannotLink: j.opts.CannotLink})
	for _, n := range nodes {
		n.up, n.comp = nil, nil
	}
	c.nodes = nil
	j.live -= len(nodes)
	return j.sink(nodes, res)
}
