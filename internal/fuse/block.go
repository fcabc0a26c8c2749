package fuse

import (
	"cmp"
	"math"
	"slices"
)

// looseReach bounds in km how far a claim without a country reaches when
// either place is known only coarsely.
const looseReach = 600

// pair is a candidate pair of prepared claims by index, a < b.
type pair struct{ a, b int32 }

// BlockStats measures blocking: how many pairs it compared against how
// many an all-pairs comparison would have.
type BlockStats struct {
	Claims int `json:"claims"`
	// Checked is the number of pairs whose windows were tested (the sweep's work).
	Checked int64 `json:"checked"`
	// Pairs is the number of candidate pairs produced.
	Pairs int64 `json:"pairs"`
	// SameSource counts pairs dropped because both rows come from the same dataset.
	SameSource int64 `json:"same_source"`
	// AllPairs is n(n-1)/2, for comparison.
	AllPairs int64 `json:"all_pairs"`
	// Held is, for a streamed re-fusion, the most claims it held at once
	// (in its reorder buffer, its sweep and its open components).
	Held int `json:"held,omitempty"`
}

// mayLink reports whether two claims may ever be merged: two rows of one
// dataset are distinct events unless the source marks one a duplicate of
// the other (a "duplicate_of" code naming the other's report id). Rows of
// a claim table are of another type: each says what a cited voice said
// (they carry a "voice" code), and many rows describe one event.
func mayLink(a, b *prepared) bool {
	if a.c.Source != b.c.Source || !(a.dataset && b.dataset) {
		return true
	}
	if a.c.Codes[CodeVoice] != "" && b.c.Codes[CodeVoice] != "" {
		return true
	}
	return a.c.Codes["duplicate_of"] == b.c.ReportID || b.c.Codes["duplicate_of"] == a.c.ReportID
}

// candidates returns the candidate pairs of ps by sorting on country and
// window start and sweeping with an active list per country: a claim is
// compared only with claims of its country whose widened periods overlap
// its own, then filtered by distance. Claims without a country but with
// coordinates are compared with every claim whose period overlaps theirs
// and that lies within reach. Pairs come out sorted, whatever the order of
// the input.
func candidates(ps []prepared) ([]pair, BlockStats) {
	n := len(ps)
	st := BlockStats{Claims: n, AllPairs: int64(n) * int64(n-1) / 2}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		a, b := &ps[x], &ps[y]
		return cmp.Or(cmp.Compare(a.c.Country, b.c.Country), cmp.Compare(a.winLo, b.winLo), cmp.Compare(x, y))
	})
	var out []pair
	emit := func(x, y int32) {
		a, b := &ps[x], &ps[y]
		st.Checked++
		if !reach(a, b) {
			return
		}
		if !mayLink(a, b) {
			st.SameSource++
			return
		}
		if x > y {
			x, y = y, x
		}
		out = append(out, pair{x, y})
	}
	sw := newSweep(ps, emit)
	country := "\x00"
	for _, i := range order {
		p := &ps[i]
		if p.c.Country == "" {
			continue
		}
		if p.c.Country != country {
			country = p.c.Country
			sw.reset()
		}
		sw.add(i)
	}

	// Claims with no country: by time over all claims, then by distance.
	var loose []int32
	for i := range ps {
		if ps[i].c.Country == "" && ps[i].hasLL {
			loose = append(loose, int32(i))
		}
	}
	if len(loose) > 0 {
		byStart := make([]int32, n)
		copy(byStart, order)
		slices.SortFunc(byStart, func(x, y int32) int { return cmp.Or(cmp.Compare(ps[x].winLo, ps[y].winLo), cmp.Compare(x, y)) })
		maxLen := 0
		for i := range ps {
			maxLen = max(maxLen, ps[i].winHi-ps[i].winLo)
		}
		for _, i := range loose {
			p := &ps[i]
			lo, _ := slices.BinarySearchFunc(byStart, p.winLo-maxLen, func(x int32, t int) int { return cmp.Compare(ps[x].winLo, t) })
			for _, j := range byStart[lo:] {
				if ps[j].winLo > p.winHi {
					break
				}
				q := &ps[j]
				if j == i || !q.hasLL || (q.c.Country == "" && j < i) {
					continue // a country-less pair is emitted once, from its lower index
				}
				// Without a country to agree on, the distance must be
				// bounded even for coarse places.
				lim := max(p.radius, q.radius)
				if math.IsInf(lim, 1) {
					lim = looseReach
				}
				if haversine(p.lat, p.lon, q.lat, q.lon) > lim {
					st.Checked++
					continue
				}
				emit(i, j)
			}
		}
	}
	st.Pairs = int64(len(out))
	return out, st
}

// cellDeg is the size in degrees of the grid cells that fine claims are
// swept in. Two fine claims reach at most 25 km (city); a 0.5° cell is at
// least 27 km wide below 60° of latitude, so a claim's own cell and its
// eight neighbours hold every fine claim it can reach.
const (
	cellDeg   = 0.5
	fineKm    = 25 // the largest radius of a fine claim (city)
	fineMaxLa = 60 // beyond, longitude cells grow too narrow: claims are swept as coarse
)

type cell struct{ y, x int32 }

// sweep is the active window of one country's sweep. Fine claims (with
// coordinates, city precision or better, below 60° latitude) sit in grid
// cells and are compared with the nine cells around them; coarse claims
// are compared with every active claim, and every claim with the active
// coarse ones. Lists are pruned lazily when visited: claims arrive by
// window start, so a claim whose window ended before the current one
// starts is never needed again.
type sweep struct {
	ps     []prepared
	emit   func(x, y int32)
	cells  map[cell][]int32
	coarse []int32
	all    []int32 // every active claim, for coarse claims to scan
	pruned int     // len(all) after the last pruning
}

func newSweep(ps []prepared, emit func(x, y int32)) *sweep {
	return &sweep{ps: ps, emit: emit, cells: map[cell][]int32{}}
}

func (s *sweep) reset() {
	clear(s.cells)
	s.coarse, s.all, s.pruned = s.coarse[:0], s.all[:0], 0
}

func (s *sweep) fine(p *prepared) (cell, bool) {
	if !p.hasLL || p.radius > fineKm || math.Abs(p.lat) >= fineMaxLa {
		return cell{}, false
	}
	return cell{int32(math.Floor(p.lat / cellDeg)), int32(math.Floor(p.lon / cellDeg))}, true
}

// visit prunes a list to the claims still active at day lo and emits pairs with i.
func (s *sweep) visit(list []int32, i int32, lo int) []int32 {
	k := 0
	for _, j := range list {
		if s.ps[j].winHi >= lo {
			list[k] = j
			k++
			s.emit(j, i)
		}
	}
	return list[:k]
}

func (s *sweep) prune(list []int32, lo int) []int32 {
	k := 0
	for _, j := range list {
		if s.ps[j].winHi >= lo {
			list[k] = j
			k++
		}
	}
	return list[:k]
}

func (s *sweep) add(i int32) {
	p := &s.ps[i]
	lo := p.winLo
	s.coarse = s.visit(s.coarse, i, lo)
	c, ok := s.fine(p)
	if ok {
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				k := cell{c.y + dy, c.x + dx}
				if l, has := s.cells[k]; has {
					l = s.visit(l, i, lo)
					if len(l) == 0 {
						delete(s.cells, k)
					} else {
						s.cells[k] = l
					}
				}
			}
		}
		s.cells[c] = append(s.cells[c], i)
	} else {
		// A coarse claim meets every active fine claim.
		s.all = s.prune(s.all, lo)
		s.pruned = len(s.all)
		for _, j := range s.all {
			if _, f := s.fine(&s.ps[j]); f {
				s.emit(j, i)
			}
		}
		s.coarse = append(s.coarse, i)
	}
	s.all = append(s.all, i)
	if len(s.all) > 2*s.pruned+1024 {
		s.all = s.prune(s.all, lo)
		s.pruned = len(s.all)
	}
}
