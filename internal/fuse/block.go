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
}

// mayLink reports whether two claims may ever be merged: two rows of one
// dataset are distinct events unless the source marks one a duplicate of
// the other (a "duplicate_of" code naming the other's report id). Rows of
// a claim table are of another type: each says what a cited voice said
// (they carry a "voice" code), and many rows describe one event.
func mayLink(a, b *prepared) bool {
	if a.sourceKey != b.sourceKey || !(a.dataset && b.dataset) {
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
	var active []int32
	country := "\x00"
	for _, i := range order {
		p := &ps[i]
		if p.c.Country == "" {
			continue
		}
		if p.c.Country != country {
			country, active = p.c.Country, active[:0]
		}
		// Drop claims whose windows ended before this one starts; the
		// list stays short because windows are short.
		k := 0
		for _, j := range active {
			if ps[j].winHi >= p.winLo {
				active[k] = j
				k++
			}
		}
		active = active[:k]
		for _, j := range active {
			emit(j, i)
		}
		active = append(active, i)
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
				lim := p.radius + q.radius
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
	slices.SortFunc(out, func(x, y pair) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	out = slices.Compact(out)
	st.Pairs = int64(len(out))
	return out, st
}
