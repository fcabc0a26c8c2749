// Package gazetteer is vigil's offline place lookup: world cities (GeoNames,
// population ≥ 15,000, plus every Iranian place GeoNames lists) and the
// admin-1 regions of the world (Natural Earth 1:10m, simplified), embedded
// in the binary so that nothing needs a network.
//
// Two questions are answered:
//
//   - Lookup: a name in any script or common transliteration ("Ahvaz",
//     "Ahwaz", "اهواز") → candidate places with country, admin-1 region,
//     coordinates and population, most populous first.
//   - Admin1At: a point → the admin-1 region that contains it, through a
//     1° grid over region bounding boxes, then point-in-polygon;
//     FillAdmin1 gives a claim with coordinates only its region.
//
// The data files under data/ are made by scripts/gen-gazetteer.sh from npm
// packages (see data/SOURCE.md for sources and licences); aliases.tsv,
// written by hand, adds Persian names and the spellings news actually uses.
// A city's admin-1 region is the region its point falls in, so names from
// Lookup and from Admin1At always agree.
package gazetteer

import (
	"math"
	"strings"
	"sync"
)

//go:generate ../../scripts/gen-gazetteer.sh

// Kind tells a city from an admin-1 region in lookup results.
type Kind uint8

// The kinds of place.
const (
	City Kind = iota + 1
	Admin1
)

// String names the kind as the JSON output does.
func (k Kind) String() string {
	switch k {
	case City:
		return "city"
	case Admin1:
		return "admin1"
	}
	return "unknown"
}

// Place is one candidate for a name.
type Place struct {
	Name       string  // English name as the source spells it (Natural Earth for regions, GeoNames for cities)
	Kind       Kind    // City or Admin1
	Country    string  // ISO 3166-1 alpha-2
	Admin1     string  // the admin-1 region's English name ("" if unknown); for a region, itself
	Admin1ID   int32   // index into Regions, -1 if unknown
	Lat, Lon   float64 // city centre, or a region's label point
	Population int     // 0 when unknown (regions, small Iranian places)
	Curated    bool    // named in aliases.tsv: a place news writes about, safe to find in running text
}

// Region is an admin-1 region (province, state) with its boundary.
type Region struct {
	ID      int32
	Country string // ISO 3166-1 alpha-2
	Name    string // Natural Earth English name
	NameFa  string // Persian name from Natural Earth, without "استان"
	ISO     string // ISO 3166-2 code as Natural Earth gives it (old Iranian codes; Tehran and Alborz share IR-07)
	Lat     float64
	Lon     float64

	rings                  [][]int32 // x,y interleaved in 1e-4 degrees
	minX, minY, maxX, maxY int32
}

// Gazetteer answers name and point lookups. It is read-only after
// loading and safe for concurrent use.
type Gazetteer struct {
	regions []Region
	byKey   map[string][]Place
	first   map[string]int // key of a name's first word → most words in a name starting with it
	grid    [][]int32      // 360×180 one-degree cells → regions whose bounding box touches the cell
}

var (
	defaultOnce sync.Once
	defaultG    *Gazetteer
	defaultErr  error
)

// Default returns the embedded gazetteer, loading it on first use (about
// a second; later calls are free).
func Default() (*Gazetteer, error) {
	defaultOnce.Do(func() { defaultG, defaultErr = load() })
	return defaultG, defaultErr
}

// Lookup returns the places a name may mean, most likely first: curated
// places, then cities (a city named like its province, as Kerman, is what
// a text naming it usually means, and it carries the province), then
// regions, each by population. The slice is
// shared: callers must not modify it. An unknown name gives nil.
func (g *Gazetteer) Lookup(name string) []Place {
	k := Key(name)
	if ps, ok := g.byKey[k]; ok {
		return ps
	}
	// "Khuzestan Province", "استان خوزستان", "Ostan-e Fars": the region's
	// name with a word for "province" around it.
	for _, w := range regionWords {
		if t, ok := strings.CutSuffix(k, w); ok && t != "" {
			return regionsOnly(g.byKey[t])
		}
		if t, ok := strings.CutPrefix(k, w); ok && t != "" {
			return regionsOnly(g.byKey[t])
		}
	}
	return nil
}

// regionWords are the folded words that say "province" or "state".
var regionWords = func() []string {
	var out []string
	for _, w := range []string{"province", "governorate", "state", "region", "ostane", "ostan", "استان"} {
		out = append(out, Key(w))
	}
	return out
}()

func regionsOnly(ps []Place) []Place {
	var out []Place
	for _, p := range ps {
		if p.Kind == Admin1 {
			out = append(out, p)
		}
	}
	return out
}

// LookupKey is Lookup for a name already folded with Key.
func (g *Gazetteer) LookupKey(key string) []Place {
	return g.byKey[key]
}

// NameWords reports how many words the longest indexed name starting
// with a word of this key has (0: no name starts with it), so that a text
// scanner tries multi-word names only where one can begin.
func (g *Gazetteer) NameWords(firstWordKey string) int {
	return g.first[firstWordKey]
}

// NameWordsKey is NameWords for a key built with AppendKey; it does not allocate.
func (g *Gazetteer) NameWordsKey(firstWordKey []byte) int {
	return g.first[string(firstWordKey)]
}

// Regions returns all admin-1 regions, indexed by Region.ID. Shared, read-only.
func (g *Gazetteer) Regions() []Region { return g.regions }

// Admin1At returns the admin-1 region containing the point, or false when
// the point is at sea or outside every region. Points on a border may
// fall on either side: boundaries are simplified to about 1 km.
func (g *Gazetteer) Admin1At(lat, lon float64) (Region, bool) {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return Region{}, false
	}
	x, y := lon*1e4, lat*1e4
	for _, id := range g.grid[cellOf(lat, lon)] {
		r := &g.regions[id]
		if x < float64(r.minX) || x > float64(r.maxX) || y < float64(r.minY) || y > float64(r.maxY) {
			continue
		}
		if r.contains(x, y) {
			return *r, true
		}
	}
	return Region{}, false
}

func cellOf(lat, lon float64) int {
	cx := int(math.Floor(lon + 180))
	cy := int(math.Floor(lat + 90))
	cx = min(max(cx, 0), 359)
	cy = min(max(cy, 0), 179)
	return cy*360 + cx
}

// contains is the even-odd rule over all rings, so holes (enclaves) and
// islands need no special case.
func (r *Region) contains(x, y float64) bool {
	in := false
	for _, ring := range r.rings {
		n := len(ring) / 2
		for i, j := 0, n-1; i < n; j, i = i, i+1 {
			xi, yi := float64(ring[2*i]), float64(ring[2*i+1])
			xj, yj := float64(ring[2*j]), float64(ring[2*j+1])
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
		}
	}
	return in
}
