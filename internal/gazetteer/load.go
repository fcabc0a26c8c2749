package gazetteer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

//go:embed data/admin1.tsv.gz
var admin1GZ []byte

//go:embed data/cities.tsv.gz
var citiesGZ []byte

//go:embed aliases.tsv
var aliasesTSV []byte

// skipAlt lists Natural Earth alternative names that are not names of the
// region and would mislead a lookup (Bushehr's "Persian Gulf").
var skipAlt = map[string]bool{Key("Persian Gulf"): true}

func load() (*Gazetteer, error) {
	g := &Gazetteer{byKey: make(map[string][]Place, 64000), first: map[string]int{}}
	if err := g.loadRegions(admin1GZ); err != nil {
		return nil, fmt.Errorf("gazetteer: admin1.tsv.gz: %w", err)
	}
	if err := g.loadCities(citiesGZ); err != nil {
		return nil, fmt.Errorf("gazetteer: cities.tsv.gz: %w", err)
	}
	g.buildGrid()
	if err := g.loadAliases(aliasesTSV); err != nil {
		return nil, fmt.Errorf("gazetteer: aliases.tsv: %w", err)
	}
	g.sortCandidates()
	return g, nil
}

func gunzipLines(data []byte, fn func(line int, fields []string) error) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return eachLine(zr, fn)
}

func eachLine(r io.Reader, fn func(line int, fields []string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		if err := fn(n, strings.Split(t, "\t")); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

func (g *Gazetteer) loadRegions(data []byte) error {
	var cur *Region
	return gunzipLines(data, func(line int, f []string) error {
		switch f[0] {
		case "A":
			if len(f) != 9 {
				return fmt.Errorf("region: %d fields, want 9", len(f))
			}
			lat, err1 := strconv.ParseFloat(f[7], 64)
			lon, err2 := strconv.ParseFloat(f[8], 64)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("region %s: label point %q,%q", f[3], f[7], f[8])
			}
			id := int32(len(g.regions))
			g.regions = append(g.regions, Region{ID: id, Country: f[2], Name: f[3], NameFa: f[4], ISO: f[6], Lat: lat, Lon: lon})
			cur = &g.regions[id]
			p := Place{Name: f[3], Kind: Admin1, Country: f[2], Admin1: f[3], Admin1ID: id, Lat: lat, Lon: lon}
			g.add(f[3], p)
			if f[4] != "" {
				g.add(f[4], p)
			}
			for alt := range strings.SplitSeq(f[5], "|") {
				if alt != "" && !skipAlt[Key(alt)] {
					g.add(alt, p)
				}
			}
		case "R":
			if cur == nil {
				return fmt.Errorf("ring before any region")
			}
			ring, err := decodeRing(f[1])
			if err != nil {
				return fmt.Errorf("region %s: %w", cur.Name, err)
			}
			cur.rings = append(cur.rings, ring)
		default:
			return fmt.Errorf("unknown record %q", f[0])
		}
		return nil
	})
}

// decodeRing reads delta-encoded x,y pairs (1e-4 degrees).
func decodeRing(s string) ([]int32, error) {
	out := make([]int32, 0, strings.Count(s, ",")+1)
	var acc [2]int32
	i := 0
	for v := range strings.SplitSeq(s, ",") {
		d, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("ring coordinate %q: %w", v, err)
		}
		acc[i%2] += int32(d)
		out = append(out, acc[i%2])
		i++
	}
	if len(out)%2 != 0 || len(out) < 6 {
		return nil, fmt.Errorf("ring of %d numbers", len(out))
	}
	return out, nil
}

func (g *Gazetteer) loadCities(data []byte) error {
	return gunzipLines(data, func(line int, f []string) error {
		if len(f) != 8 {
			return fmt.Errorf("city: %d fields, want 8", len(f))
		}
		rid, err := strconv.Atoi(f[3])
		if err != nil || rid >= len(g.regions) {
			return fmt.Errorf("city %s: admin1 id %q", f[1], f[3])
		}
		lat, err1 := strconv.ParseFloat(f[4], 64)
		lon, err2 := strconv.ParseFloat(f[5], 64)
		pop, err3 := strconv.Atoi(f[6])
		if err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("city %s: lat/lon/population %q %q %q", f[1], f[4], f[5], f[6])
		}
		p := Place{Name: f[1], Kind: City, Country: f[2], Admin1ID: int32(rid), Lat: lat, Lon: lon, Population: pop}
		if rid >= 0 {
			p.Admin1 = g.regions[rid].Name
		}
		g.add(f[1], p)
		return nil
	})
}

// loadAliases reads aliases.tsv: country, kind (city|admin1), the name the
// data knows the place by, then its other names separated by "|", and for
// a town the generated data lacks, a fifth field "lat,lon".
func (g *Gazetteer) loadAliases(data []byte) error {
	return eachLine(bytes.NewReader(data), func(line int, f []string) error {
		if len(f) != 4 && len(f) != 5 {
			return fmt.Errorf("%d fields, want 4 or 5 (country, kind, name, aliases[, lat,lon])", len(f))
		}
		var kind Kind
		switch f[1] {
		case "city":
			kind = City
		case "admin1":
			kind = Admin1
		default:
			return fmt.Errorf("kind %q, want city or admin1", f[1])
		}
		k := Key(f[2])
		cands := g.byKey[k]
		at := -1
		for i, p := range cands {
			if p.Country == f[0] && p.Kind == kind && (at < 0 || p.Population > cands[at].Population) {
				at = i
			}
		}
		var p Place
		switch {
		case at >= 0:
			cands[at].Curated = true
			p = cands[at]
		case len(f) == 5 && kind == City:
			lat, lon, ok := strings.Cut(f[4], ",")
			la, err1 := strconv.ParseFloat(lat, 64)
			lo, err2 := strconv.ParseFloat(lon, 64)
			if !ok || err1 != nil || err2 != nil {
				return fmt.Errorf("%s: coordinates %q, want lat,lon", f[2], f[4])
			}
			p = Place{Name: f[2], Kind: City, Country: f[0], Admin1ID: -1, Lat: la, Lon: lo, Curated: true}
			if r, ok := g.Admin1At(la, lo); ok {
				p.Admin1, p.Admin1ID = r.Name, r.ID
			}
			g.add(f[2], p)
		default:
			return fmt.Errorf("%s %s %q not in the generated data", f[0], f[1], f[2])
		}
		for a := range strings.SplitSeq(f[3], "|") {
			if a = strings.TrimSpace(a); a != "" {
				g.add(a, p)
			}
		}
		return nil
	})
}

func (g *Gazetteer) add(name string, p Place) {
	k := Key(name)
	if k == "" {
		return
	}
	for i, q := range g.byKey[k] {
		if q.Kind == p.Kind && q.Country == p.Country && q.Name == p.Name && q.Lat == p.Lat {
			g.byKey[k][i].Curated = q.Curated || p.Curated
			return
		}
	}
	g.byKey[k] = append(g.byKey[k], p)
	words := len(strings.Fields(strings.NewReplacer("-", " ", "\u200c", " ").Replace(name)))
	fk := Key(strings.Fields(strings.NewReplacer("-", " ", "\u200c", " ").Replace(name))[0])
	if fk != "" && words > g.first[fk] {
		g.first[fk] = words
	}
}

// sortCandidates puts the likeliest meaning of each name first.
func (g *Gazetteer) sortCandidates() {
	for _, ps := range g.byKey {
		slices.SortStableFunc(ps, func(a, b Place) int {
			if a.Curated != b.Curated {
				if a.Curated {
					return -1
				}
				return 1
			}
			if a.Kind != b.Kind {
				if a.Kind == City {
					return -1
				}
				return 1
			}
			return b.Population - a.Population
		})
	}
}

// buildGrid indexes regions by the one-degree cells their bounding boxes touch.
func (g *Gazetteer) buildGrid() {
	g.grid = make([][]int32, 360*180)
	for i := range g.regions {
		r := &g.regions[i]
		r.minX, r.minY, r.maxX, r.maxY = 1<<31-1, 1<<31-1, -1<<31, -1<<31
		for _, ring := range r.rings {
			for j := 0; j+1 < len(ring); j += 2 {
				r.minX, r.maxX = min(r.minX, ring[j]), max(r.maxX, ring[j])
				r.minY, r.maxY = min(r.minY, ring[j+1]), max(r.maxY, ring[j+1])
			}
		}
		x0, x1 := floorDeg(r.minX)+180, floorDeg(r.maxX)+180
		y0, y1 := floorDeg(r.minY)+90, floorDeg(r.maxY)+90
		for y := max(y0, 0); y <= min(y1, 179); y++ {
			for x := max(x0, 0); x <= min(x1, 359); x++ {
				g.grid[y*360+x] = append(g.grid[y*360+x], r.ID)
			}
		}
	}
}

func floorDeg(v int32) int {
	if v >= 0 {
		return int(v / 1e4)
	}
	return -int((-v + 1e4 - 1) / 1e4)
}
