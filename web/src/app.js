// vigil's dashboard: a map of the selected incidents with the forecast
// risk per province as a layer, a timeline that brushes the period,
// filters kept in the URL, tempo, severity and forecast charts with their
// tests in words, a page per incident, and the alert inbox. Everything it loads
// comes from the server that served it: no CDN, no tiles, no remote font.
//
// Report text is untrusted: it only ever reaches the page as text nodes
// (h() below), never as HTML.
import L from 'leaflet';
import 'leaflet.markercluster';
import uPlot from 'uplot';
import { feature } from 'topojson-client';
import { lang, t, num, date, month, instant, range } from './i18n.js';

// Leaflet's canvas renderer may still have a frame queued when its map is
// removed (the page moved on); it then draws on a context it no longer
// has. Skip such a frame instead of throwing.
const redraw = L.Canvas.prototype._redraw;
L.Canvas.prototype._redraw = function () {
  if (this._ctx) redraw.call(this);
  else this._redrawRequest = null;
};

const FILTERS = ['country', 'admin1', 'actor', 'type', 'status', 'since', 'until', 'min_killed'];
const TYPES = ['assassination', 'armed_assault', 'bombing', 'hijacking', 'barricade_hostage', 'kidnapping', 'facility_attack', 'unarmed_assault', 'unknown'];
const STATUSES = ['confirmed', 'probable', 'unverified', 'disputed', 'retracted'];
// One colour per attack type (colour-blind-safe where the count allows).
const COLOURS = {
  assassination: '#7b3294', armed_assault: '#d7191c', bombing: '#fdae61', hijacking: '#2b83ba',
  barricade_hostage: '#5e3c99', kidnapping: '#1a9641', facility_attack: '#a6611a', unarmed_assault: '#018571', unknown: '#777777',
};

/** h makes an element; strings become text nodes, never HTML. */
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) {
    if (k == null || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}

/** safeHref returns u when it is an http(s) URL: other schemes never become links. */
function safeHref(u) {
  try {
    const p = new URL(u);
    return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : null;
  } catch { return null; }
}

async function getJSON(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

/** params returns the URL's filters. */
function params() {
  const q = new URLSearchParams(location.search);
  const f = {};
  for (const k of FILTERS) if (q.get(k)) f[k] = q.get(k);
  return f;
}
function query(f, extra) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}
// View settings kept in the URL beside the filters; they select no
// incidents, so they are never sent as filters.
const VIEW = ['lang', 'order'];

/** go puts the filters (and the view settings) in the URL and redraws. */
function go(f, view) {
  const q = new URLSearchParams(query(f));
  const cur = new URLSearchParams(location.search);
  for (const k of VIEW) {
    const v = view && k in view ? view[k] : cur.get(k);
    if (v) q.set(k, v);
  }
  history.pushState(null, '', '/' + (q.toString() ? '?' + q : ''));
  route();
}
/** who shows who is logged in, with a log-out button (and the team's pages
 * their role opens), or a log-in link; nothing for an anonymous reader
 * of a --public server, who needs no account. Filled in from /api/me. */
function who() {
  const el = h('span', { class: 'who', id: 'who' });
  const q = lang === 'fa' ? '?lang=fa' : '';
  getJSON('/api/me').then((me) => {
    if (me.actor && me.actor.startsWith('user:')) {
      const role = me.role || '';
      el.append(
        role === 'analyst' || role === 'admin' ? h('a', { href: '/moderation' + q, id: 'moderation-link' }, t('moderation')) : null, ' ',
        role === 'admin' ? h('a', { href: '/admin' + q, id: 'admin-link' }, t('admin')) : null, ' ',
        h('bdi', { id: 'who-name' }, me.actor.slice(5)), ` (${t('role_' + role)}) `,
        h('form', { method: 'post', action: '/logout' + q, class: 'inline', id: 'logout' },
          h('input', { type: 'hidden', name: 'csrf', value: me.csrf || '' }),
          h('button', { type: 'submit' }, t('logout'))));
    } else if (!me.public && !me.actor) {
      el.append(h('a', { href: '/login' + q + (q ? '&' : '?') + 'next=' + encodeURIComponent(location.pathname + location.search), id: 'login-link' }, t('login')));
    }
    el.dataset.ready = '1';
  }).catch(() => { el.dataset.ready = '1'; });
  return el;
}

function langLink() {
  const q = new URLSearchParams(location.search);
  q.set('lang', lang === 'fa' ? 'en' : 'fa');
  return h('a', { class: 'switch', href: location.pathname + '?' + q, hreflang: lang === 'fa' ? 'en' : 'fa', id: 'lang-switch' }, t('switch'));
}

// Province names in Persian (from Natural Earth), for the Persian page.
const faNames = lang === 'fa' ? getJSON('/assets/admin1-fa.json').catch(() => ({})) : Promise.resolve({});

/** placeName names where an incident happened, in Persian where a
 * province of that name is known. */
function placeName(inc, names) {
  const local = (s) => (s && names[inc.country] && names[inc.country][s.toLowerCase()]) || s;
  return local(inc.place) || local(inc.admin1) || inc.country || inc.id;
}

const app = document.getElementById('app');
let map = null;

function route() {
  document.title = t('title');
  const m = location.pathname.match(/^\/incident\/([^/]+)$/);
  if (map) { map.remove(); map = null; }
  app.replaceChildren();
  if (m) incidentPage(decodeURIComponent(m[1]));
  else if (location.pathname === '/alerts') inbox();
  else dashboard();
}
window.addEventListener('popstate', route);

// ---- the dashboard ----

async function dashboard() {
  const f = params();
  const header = h('header', { class: 'top' }, h('h1', {}, 'vigil'), h('span', { class: 'count', id: 'count' }),
    h('a', { href: '/alerts' + langQuery(), id: 'inbox-link', onclick: nav }, t('inbox')), langLink(), who());
  const filters = h('form', { class: 'filters', id: 'filters' });
  const mapEl = h('div', { id: 'map', class: 'map' });
  const newest = new URLSearchParams(location.search).get('order') !== 'oldest';
  const order = h('select', { id: 'order', 'aria-label': t('order') },
    h('option', { value: 'newest', selected: newest }, t('newest_first')),
    h('option', { value: 'oldest', selected: !newest }, t('oldest_first')));
  order.addEventListener('change', () => go(params(), { order: order.value === 'oldest' ? 'oldest' : '' }));
  const list = h('ol', { id: 'list', class: 'list' });
  const more = h('button', { type: 'button', id: 'more', hidden: true }, t('more'));
  const timeline = h('div', { id: 'timeline', class: 'chart' });
  const tempo = h('div', { id: 'tempo', class: 'chart' });
  const tempoSay = h('p', { class: 'sentence', id: 'tempo-sentence', dir: 'auto' });
  const sev = h('div', { id: 'severity', class: 'chart' });
  const sevSay = h('p', { class: 'sentence', id: 'severity-sentence', dir: 'auto' });
  app.append(header, filters,
    h('main', { class: 'grid' }, mapEl, h('section', { class: 'side' }, h('div', { class: 'list-head' }, order), list, more)),
    h('section', { class: 'charts' },
      h('figure', {}, h('figcaption', {}, t('timeline')), timeline),
      h('figure', {}, h('figcaption', {}, t('tempo')), tempo, tempoSay),
      h('figure', {}, h('figcaption', {}, t('severity')), sev, sevSay)),
    h('section', { class: 'forecast', id: 'forecast' },
      h('h2', {}, t('forecast')),
      h('p', { class: 'sentence', id: 'forecast-sentence' }, t('loading')),
      h('p', { class: 'sentence', id: 'forecast-skill' }),
      h('div', { class: 'forecast-charts' },
        h('figure', {}, h('figcaption', {}, t('forecast_top')), h('ol', { id: 'forecast-bars', class: 'bars' })),
        h('figure', {}, h('figcaption', {}, t('forecast_weeks')), h('div', { id: 'forecast-chart', class: 'chart' })))));

  // The forecast is asked once and drawn twice: the map's layer and the
  // charts below.
  const fc = getJSON('/api/forecast?' + forecastQuery(f));
  drawMap(mapEl, f, fc);
  buildFilters(filters, f);
  loadList(list, more, f, '', newest);
  forecastCharts(fc);
  // The timeline shows every period of the other filters; the chosen
  // period is shaded and brushing chooses another.
  const wide = { ...f }; delete wide.since; delete wide.until;
  getJSON('/api/aggregates?' + query(wide, { by: 'month' })).then((ag) => drawTimeline(timeline, ag.buckets, f)).catch(showError(timeline));
  getJSON('/api/aggregates?' + query(f, { by: 'month' })).then((ag) => {
    drawBars(tempo, ag.buckets, 'count', '#3b6ea5');
    drawBars(sev, ag.buckets, 'killed', '#b2182b');
  }).catch(showError(tempo));
  sentence(tempoSay, 'tempo', f);
  sentence(sev, 'severity', f, sevSay);
}

function showError(el) {
  return (e) => el.replaceChildren(h('p', { class: 'error' }, t('error') + e.message));
}

/** said puts a result in words into el: the Persian sentence on the
 * Persian page, with the English one it translates a click away. */
function said(el, en, fa) {
  if (lang === 'fa' && fa) {
    el.replaceChildren(h('span', { class: 'fa' }, fa), ' ',
      h('details', { class: 'en', dir: 'ltr', lang: 'en' }, h('summary', {}, 'English'), en));
  } else {
    el.replaceChildren(en);
  }
}

function sentence(el, kind, f, target) {
  const out = target || el;
  getJSON(`/api/analyze/${kind}?` + query(f))
    .then((a) => said(out, a.sentence, a.sentence_fa))
    .catch(() => { out.textContent = t('no_result'); });
}

async function buildFilters(form, f) {
  const field = (name, control) => h('label', {}, h('span', {}, t(name)), control);
  const select = (name, options) => {
    const s = h('select', { name, id: 'f-' + name },
      h('option', { value: '' }, t('any')),
      options.map(([v, label]) => h('option', { value: v, selected: f[name] === v }, label)));
    s.addEventListener('change', () => go({ ...params(), [name]: s.value || undefined }));
    return s;
  };
  const input = (name, type, attrs) => {
    const i = h('input', { name, id: 'f-' + name, type, value: f[name] || '', ...attrs });
    i.addEventListener('change', () => go({ ...params(), [name]: i.value || undefined }));
    return i;
  };
  const country = select('country', []);
  const admin1 = select('admin1', []);
  const actor = select('actor', []);
  form.append(
    field('country', country), field('admin1', admin1), field('actor', actor),
    field('type', select('type', TYPES.map((v) => [v, t(v)]))),
    field('status', select('status', STATUSES.map((v) => [v, t(v)]))),
    field('since', input('since', 'date')), field('until', input('until', 'date')),
    field('min_killed', input('min_killed', 'number', { min: 0, step: 1, inputmode: 'numeric' })),
    h('button', { type: 'button', id: 'reset', onclick: () => go({}) }, t('reset')));
  form.addEventListener('submit', (e) => e.preventDefault());
  // The choices are what the store holds (a country's provinces once a
  // country is chosen), each with its count.
  const fill = async (sel, by, key, label, scope) => {
    const ag = await getJSON('/api/aggregates?' + query(scope || {}, { by }));
    for (const b of ag.buckets) {
      const v = b[key];
      if (!v) continue;
      sel.append(h('option', { value: v, selected: f[sel.name] === v }, `${label(b)} (${num(b.count)})`));
    }
    if (f[sel.name]) sel.value = f[sel.name];
  };
  fill(country, 'country', 'country', (b) => b.country);
  fill(admin1, 'admin1', 'admin1', (b) => b.admin1, f.country ? { country: f.country } : {});
  fill(actor, 'actor', 'actor', (b) => b.actor);
}

async function loadList(list, more, f, cursor, newest) {
  const names = await faNames;
  const page = await getJSON('/api/incidents?' + query(f, { limit: 50, sort: newest ? '-start' : 'start', ...(cursor ? { cursor } : {}) })).catch((e) => { showError(list)(e); return null; });
  if (!page) return;
  for (const inc of page.incidents) {
    list.append(h('li', { class: 'item', 'data-id': inc.id },
      h('span', { class: 'dot', 'data-type': inc.attack_type }),
      h('a', { href: '/incident/' + encodeURIComponent(inc.id) + location.search, class: 'incident-link', onclick: nav }, placeName(inc, names)),
      h('span', { class: 'when' }, date(inc.start)),
      h('span', { class: 'killed', title: t('killed') }, range(inc.killed)),
      (inc.contested || []).length ? h('span', { class: 'badge' }, t('contested')) : null));
  }
  document.getElementById('count').textContent = `${num(list.children.length)}${page.next_cursor ? '+' : ''} ${t('incidents')}`;
  more.hidden = !page.next_cursor;
  more.onclick = () => { more.hidden = true; loadList(list, more, f, page.next_cursor, newest); };
}

function nav(e) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
  e.preventDefault();
  history.pushState(null, '', e.currentTarget.getAttribute('href'));
  route();
  window.scrollTo(0, 0);
}

// ---- the map ----

function drawMap(el, f, forecast) {
  // Loads finish after the page may have moved on: each callback checks
  // that its map is still the one shown before drawing on it.
  const m = L.map(el, {
    // No zoom animation: leaving the page mid-animation would break Leaflet (it reads a removed pane).
    preferCanvas: true, minZoom: 2, maxZoom: 12, zoomAnimation: false, markerZoomAnimation: false, worldCopyJump: true, attributionControl: true, zoomSnap: 0.5 }).setView([32, 53], 4);
  map = m;
  const live = () => map === m;
  map.attributionControl.setPrefix(false).addAttribution('Boundaries: Natural Earth');
  const renderer = L.canvas({ padding: 0.2 });
  const countries = L.layerGroup().addTo(map);
  const admin1 = L.layerGroup();
  getJSON('/assets/countries.json').then((topo) => {
    if (!live()) return null;
    L.geoJSON(feature(topo, topo.objects.countries), {
      renderer, interactive: false,
      style: { color: '#8a8a8a', weight: 0.8, fillColor: '#f3f1ea', fillOpacity: 1 },
    }).addTo(countries);
    countries.eachLayer((l) => l.bringToBack());
    // Provinces come second: they are bigger, and only matter zoomed in.
    return getJSON('/assets/admin1.json');
  }).then((topo) => {
    if (!topo || !live()) return;
    const provinces = feature(topo, topo.objects.admin1);
    L.geoJSON(provinces, {
      renderer, interactive: false, style: { color: '#b5b0a0', weight: 0.5, fill: false, dashArray: '2 2' },
    }).addTo(admin1);
    const toggle = () => (live() && m.getZoom() >= 4.5 ? admin1.addTo(m) : admin1.remove());
    m.on('zoomend', toggle);
    toggle();
    return forecast.then((fc) => { if (live()) forecastLayer(m, el, provinces, fc); });
  }).catch(() => {});

  const cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true });
  map.addLayer(cluster);
  getJSON('/api/export.geojson?' + query(f, { limit: 5000 })).then((fc) => {
    if (!live()) return;
    const markers = fc.features.map((ft) => {
      const p = ft.properties;
      const killed = p.killed ? p.killed.best : 0;
      const m = L.circleMarker([ft.geometry.coordinates[1], ft.geometry.coordinates[0]], {
        radius: 5 + 2.2 * Math.sqrt(killed), color: '#222', weight: 1,
        fillColor: COLOURS[p.attack_type] || COLOURS.unknown, fillOpacity: 0.8, className: 'incident-marker',
      });
      m.bindPopup(() => h('div', { class: 'popup' },
        h('strong', {}, p.place || p.admin1 || ''), h('br'), date(p.start), h('br'),
        `${t('killed')}: ${range(p.killed)}`, h('br'),
        h('a', { href: '/incident/' + encodeURIComponent(p.id) + location.search, onclick: nav }, '→')));
      return m;
    });
    cluster.addLayers(markers);
    el.dataset.markers = String(markers.length);
    if (markers.length) m.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 7, animate: false });
    el.append(legend());
  }).catch(showError(el));
}

function legend() {
  return h('div', { class: 'legend' }, TYPES.filter((k) => k !== 'unknown').map((k) =>
    h('span', { class: 'key' }, h('span', { class: 'dot', 'data-type': k }), t(k))));
}

// ---- the forecast ----

/** forecastQuery asks for the forecast of the selection as of its end
 * (today when open-ended): the period filters bound the history used. */
function forecastQuery(f) {
  const g = { ...f };
  delete g.until;
  const extra = { level: 'admin1-week', horizon: 4 };
  if (f.until) extra.now = f.until;
  return query(g, extra);
}

/** expected turns the probability of at least one attack into the
 * expected number of attacks and its 90% interval, reading the count as
 * Poisson (p = 1 − e^−λ): the interval is the count's, not the model's. */
function expected(p) {
  const lambda = -Math.log(Math.max(1e-9, 1 - Math.min(p, 1 - 1e-9)));
  const quantile = (q) => {
    let k = 0, term = Math.exp(-lambda), cdf = term;
    while (cdf < q && k < 1000) { k++; term *= lambda / k; cdf += term; }
    return k;
  };
  return { lambda, lo: quantile(0.05), hi: quantile(0.95) };
}

/** pct writes a probability as a percentage; a small non-zero one as
 * "<1%", never as a zero that reads as "no risk". */
const pct = (p) => (p > 0 && p < 0.005 ? '<' + num(1) : num(Math.round(100 * p))) + (lang === 'fa' ? '٪' : '%');
const dec = (x) => (lang === 'fa' ? new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 2 }) : new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 })).format(x);

/** riskText says a region's risk for one period in words. */
function riskText(period) {
  const e = expected(period.probability);
  return `${t('from_date')} ${date(period.start)}: ${pct(period.probability)} ${t('chance')}; ` +
    `${t('expected_attacks')} ${dec(e.lambda)} (${t('interval90')} ${num(e.lo)}–${num(e.hi)}); ${t('expected_killed')} ${dec(period.expected_killed)}`;
}

// Risk colours, light to dark, by the probability of an attack.
const RISK = [[0.05, '#fee5d9'], [0.15, '#fcae91'], [0.35, '#fb6a4a'], [0.6, '#de2d26'], [1.01, '#a50f15']];
const riskColour = (p) => RISK.find(([x]) => p < x)[1];

function forecastLayer(m, el, provinces, fc) {
  const byKey = new Map(fc.regions.filter((r) => r.admin1 && r.periods.length)
    .map((r) => [r.country + '|' + r.admin1.toLowerCase(), r]));
  const shown = provinces.features.filter((ft) => byKey.has(ft.properties.c + '|' + ft.properties.n.toLowerCase()));
  const layer = L.geoJSON({ type: 'FeatureCollection', features: shown }, {
    // Polygons on the SVG renderer, so that each is an element a reader
    // (and a test) can point at.
    renderer: L.svg(),
    style: (ft) => {
      const r = byKey.get(ft.properties.c + '|' + ft.properties.n.toLowerCase());
      return { color: '#7a0000', weight: 1, fillColor: riskColour(r.periods[0].probability), fillOpacity: 0.55, className: 'risk-area' };
    },
    onEachFeature: (ft, l) => {
      const r = byKey.get(ft.properties.c + '|' + ft.properties.n.toLowerCase());
      const name = lang === 'fa' && ft.properties.f ? ft.properties.f : r.admin1;
      l.bindPopup(() => h('div', { class: 'popup risk-popup', dir: 'auto' },
        h('strong', {}, name), h('br'), t('next_week'), ': ', riskText(r.periods[0]),
        periodBars(r.periods),
        h('small', {}, t('model'), ': ', t('model_' + fc.model))));
    },
  });
  layer.addTo(m);
  L.control.layers(null, { [t('forecast_layer')]: layer }, { collapsed: false, position: 'topright' }).addTo(m);
  el.dataset.riskAreas = String(shown.length);
  el.append(h('div', { class: 'legend risk-legend', id: 'risk-legend' }, h('strong', {}, t('forecast_layer')),
    RISK.map(([x, c], i) => h('span', { class: 'key' }, h('span', { class: 'swatch', style: null, 'data-c': c }),
      `${i ? pct(RISK[i - 1][0]) : num(0)}–${x > 1 ? pct(1) : pct(x)}`))));
  // Colours go in through the DOM, not an inline style attribute (the CSP
  // forbids those).
  for (const s of el.querySelectorAll('.swatch')) s.style.background = s.dataset.c;
}

/** periodBars charts a region's chance of an attack in each period
 * ahead, the bars scaled to the largest. */
function periodBars(periods) {
  const top = Math.max(...periods.map((p) => p.probability), 1e-9);
  return h('ol', { class: 'bars period-bars' }, periods.map((p) => {
    const bar = h('span', { class: 'bar' });
    bar.style.width = Math.max(1, Math.round(100 * p.probability / top)) + '%';
    bar.style.background = riskColour(p.probability);
    return h('li', {}, h('span', { class: 'name' }, date(p.start)), h('span', { class: 'track' }, bar), h('span', { class: 'value' }, pct(p.probability)));
  }));
}

async function forecastCharts(forecast) {
  const say = document.getElementById('forecast-sentence');
  const skill = document.getElementById('forecast-skill');
  let fc;
  try {
    fc = await forecast;
  } catch (e) {
    say.textContent = t('no_forecast') + ' ' + e.message;
    return;
  }
  said(say, fc.sentence, fc.sentence_fa);
  said(skill, fc.skill, fc.skill_fa);
  skill.dataset.model = fc.model;
  const names = await faNames;
  const top = fc.regions.filter((r) => r.periods.length).slice(0, 10);
  const bars = document.getElementById('forecast-bars');
  bars.replaceChildren(...top.map((r) => {
    const p = r.periods[0];
    const e = expected(p.probability);
    const bar = h('span', { class: 'bar' });
    bar.style.width = Math.max(1, Math.round(100 * p.probability)) + '%';
    bar.style.background = riskColour(p.probability);
    const name = (r.admin1 && names[r.country] && names[r.country][r.admin1.toLowerCase()]) || r.admin1 || r.region;
    return h('li', { 'data-region': r.region },
      h('span', { class: 'name' }, name),
      h('span', { class: 'track' }, bar),
      h('span', { class: 'value' }, pct(p.probability)),
      h('small', {}, `${t('expected_attacks')} ${dec(e.lambda)} (${num(e.lo)}–${num(e.hi)}) · ${t('expected_killed')} ${dec(p.expected_killed)}`));
  }));
  // The probability over the weeks ahead for the five riskiest regions.
  const chart = document.getElementById('forecast-chart');
  const five = top.slice(0, 5);
  if (!five.length) return;
  const xs = five[0].periods.map((p) => Date.parse(p.start) / 1000);
  const palette = ['#a50f15', '#de2d26', '#fb6a4a', '#3b6ea5', '#777'];
  const font = '12px Vazirmatn, system-ui, sans-serif';
  new uPlot({
    width: chartWidth(chart), height: 200, legend: { show: true },
    scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.min(1, Math.max(0.01, hi * 1.25))] } },
    axes: [{ font, values: (u, s) => s.map((x) => date(new Date(x * 1000).toISOString().slice(0, 10))), space: 110 },
      // Small chances need decimals on the axis, or its ticks read 1%, 1%.
      { font, values: (u, s) => s.map((x) => (u.scales.y.max < 0.1 ? dec(100 * x) + (lang === 'fa' ? '٪' : '%') : pct(x))), size: 50 }],
    series: [{ label: '' }, ...five.map((r, i) => ({
      label: (r.admin1 && names[r.country] && names[r.country][r.admin1.toLowerCase()]) || r.admin1 || r.region,
      stroke: palette[i], width: 2, value: (u, v) => (v == null ? '' : pct(v)) }))],
  }, [xs, ...five.map((r) => r.periods.map((p) => p.probability))], chart);
  chart.dataset.regions = String(five.length);
}

// ---- the alert inbox ----

function langQuery() {
  const l = new URLSearchParams(location.search).get('lang');
  return l ? '?lang=' + l : '';
}

async function inbox() {
  document.title = t('inbox') + ' — vigil';
  app.append(h('header', { class: 'top' }, h('a', { href: '/' + langQuery(), class: 'back', onclick: nav }, t('back')),
    h('h1', {}, t('inbox')), langLink(), who()));
  const list = h('ol', { class: 'inbox', id: 'inbox' });
  app.append(h('main', { class: 'incident' }, list));
  let ans;
  try {
    ans = await getJSON('/api/alerts?limit=100&lang=' + lang);
  } catch (e) {
    list.replaceWith(h('p', { class: 'error' }, t('error') + e.message));
    return;
  }
  const names = await faNames;
  if (!ans.alerts.length) list.append(h('li', { class: 'empty' }, t('no_alerts')));
  for (const a of ans.alerts) {
    const ev = a.evidence;
    // display: the alert in the page's language when it could be written
    // in it (its lang says which), else as stored.
    const d = a.display || { lang: 'en', title: a.title, summary: a.summary };
    const dirOf = d.lang === 'fa' ? 'rtl' : 'ltr';
    list.append(h('li', { class: 'alert', 'data-id': String(a.id), 'data-kind': a.kind },
      h('div', { class: 'alert-head' }, h('strong', { class: 'alert-title', dir: dirOf, lang: d.lang }, d.title), ' ',
        h('span', { class: 'badge kind' }, t('kind_' + a.kind)), ' ', h('time', { datetime: a.at }, instant(a.at))),
      h('p', { class: 'summary', dir: dirOf, lang: d.lang }, d.summary),
      h('small', { dir: 'auto' }, t('rule'), ': ', a.rule_name),
      ev.incidents.length ? h('div', { class: 'evidence' }, h('span', {}, t('evidence_incidents'), ': '),
        h('ul', {}, ev.incidents.map((i) => h('li', {}, i.missing
          ? h('span', { class: 'missing' }, i.id, ' (', t('merged'), ')')
          : h('a', { href: '/incident/' + encodeURIComponent(i.id) + langQuery(), class: 'evidence-incident', onclick: nav },
            placeName(i, names), ' — ', date(i.start), i.killed ? ` · ${t('killed')}: ${range(i.killed)}` : ''))))) : null,
      ev.reports.length ? h('div', { class: 'evidence' }, h('span', {}, t('evidence_reports'), ': '),
        h('ul', {}, ev.reports.map((r) => {
          const href = r.url && safeHref(r.url);
          const label = `${r.source || ''} ${r.source_ref || r.id}`.trim();
          return h('li', {}, href
            ? h('a', { href, class: 'evidence-report', rel: 'noopener noreferrer nofollow', target: '_blank' }, r.source, ': ', new URL(href).host)
            : h('span', { class: 'evidence-report', dir: 'auto' }, r.missing ? `${r.id} (${t('missing')})` : label));
        }))) : null,
      a.incidents.length > ev.incidents.length || a.reports.length > ev.reports.length
        ? h('small', { class: 'more-evidence' }, `${t('in_all')}: ${num(a.incidents.length)} ${t('incidents')}, ${num(a.reports.length)} ${t('reports')}`) : null));
  }
  list.dataset.alerts = String(ans.alerts.length);
}

// ---- charts ----

const monthSecs = (p) => Date.UTC(+p.slice(0, 4), +p.slice(5, 7) - 1, 1) / 1000;

/** series fills the months between the first and last bucket with zeros. */
function series(buckets, key) {
  const dated = buckets.filter((b) => b.period);
  if (!dated.length) return [[], []];
  const byMonth = new Map(dated.map((b) => [b.period, b[key]]));
  const xs = [], ys = [];
  let [y, m] = dated[0].period.split('-').map(Number);
  const [ly, lm] = dated[dated.length - 1].period.split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    const p = `${y}-${String(m).padStart(2, '0')}`;
    xs.push(monthSecs(p));
    ys.push(byMonth.get(p) || 0);
    if (++m > 12) { m = 1; y++; }
  }
  return [xs, ys];
}

function axes() {
  const font = '12px Vazirmatn, system-ui, sans-serif';
  return [
    { font, values: (u, splits) => splits.map((s) => month(s)), space: 70 },
    { font, values: (u, splits) => splits.map((s) => num(s)), size: 40 },
  ];
}

function chartWidth(el) { return Math.max(260, el.clientWidth || el.parentElement.clientWidth || 400); }

function drawBars(el, buckets, key, colour) {
  const data = series(buckets, key);
  el.replaceChildren();
  if (!data[0].length) return;
  new uPlot({
    width: chartWidth(el), height: 160, legend: { show: false }, cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } }, axes: axes(),
    series: [{}, { stroke: colour, fill: colour + '55', paths: uPlot.paths.bars({ size: [0.9, 20] }), points: { show: false } }],
  }, data, el);
}

function drawTimeline(el, buckets, f) {
  const data = series(buckets, 'count');
  el.replaceChildren();
  if (!data[0].length) return;
  const u = new uPlot({
    width: chartWidth(el), height: 140, legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: true } }, axes: axes(),
    series: [{}, { stroke: '#555', fill: '#5555', paths: uPlot.paths.bars({ size: [0.9, 20] }), points: { show: false } }],
    hooks: {
      setSelect: [(u) => {
        if (u.select.width < 2) return;
        const from = new Date(u.posToVal(u.select.left, 'x') * 1000).toISOString().slice(0, 10);
        const to = new Date(u.posToVal(u.select.left + u.select.width, 'x') * 1000).toISOString().slice(0, 10);
        go({ ...params(), since: from, until: to });
      }],
      draw: [(u) => {
        // Shade the chosen period.
        if (!f.since && !f.until) return;
        const x0 = f.since ? u.valToPos(Date.parse(f.since) / 1000, 'x', true) : u.bbox.left;
        const x1 = f.until ? u.valToPos(Date.parse(f.until) / 1000, 'x', true) : u.bbox.left + u.bbox.width;
        u.ctx.save();
        u.ctx.fillStyle = 'rgba(59,110,165,0.15)';
        u.ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
        u.ctx.restore();
      }],
    },
  }, data, el);
  el.dataset.months = String(data[0].length);
  return u;
}

// ---- the incident page ----

async function incidentPage(id) {
  const back = h('a', { href: '/' + location.search, class: 'back', onclick: nav }, t('back'));
  app.append(h('header', { class: 'top' }, back, langLink()));
  let d;
  try {
    d = await getJSON('/api/incidents/' + encodeURIComponent(id));
  } catch (e) {
    app.append(h('p', { class: 'error' }, e.message === 'not found' || /not found/.test(e.message) ? t('not_found') : t('error') + e.message));
    return;
  }
  const inc = d.incident;
  const names = await faNames;
  const local = (v) => (v && names[inc.country] && names[inc.country][v.toLowerCase()]) || v;
  document.title = `${inc.place || inc.admin1 || id} — vigil`;
  const contested = new Set(inc.contested || []);
  const badge = (field) => (contested.has(field) ? h('span', { class: 'badge contested', 'data-field': field }, t('contested')) : null);
  const row = (key, value, field) => (value === '' || value == null ? null : h('tr', {}, h('th', {}, t(key)), h('td', {}, value, ' ', badge(field || key))));
  const figure = (key) => {
    const r = inc[key];
    if (!r) return row(key, '—');
    return h('tr', {}, h('th', {}, t(key)), h('td', {},
      h('span', { class: 'range' },
        h('span', { class: 'low', title: t('low') }, num(r.low)),
        h('span', { class: 'best', title: t('best') }, num(r.best)),
        h('span', { class: 'high', title: t('high') }, num(r.high))),
      ' ', range(r), ' ', badge(key)));
  };
  app.append(h('main', { class: 'incident', id: 'incident', 'data-id': inc.id },
    h('h1', {}, [local(inc.place), local(inc.admin1)].filter(Boolean).join(lang === 'fa' ? '، ' : ', ') || inc.id),
    h('p', { class: 'meta' }, h('span', { class: 'status', 'data-status': inc.status }, t(inc.status)), ' · ', date(inc.start),
      ' · ', h('a', { href: `/facts/${encodeURIComponent(inc.id)}?lang=${lang}`, id: 'facts-link' }, t('facts_page'))),
    h('table', { class: 'facts' }, h('tbody', {},
      row('date', date(inc.start) + (inc.end && inc.end !== inc.start ? ' – ' + date(inc.end) : ''), 'start'),
      row('place', [inc.place, inc.admin1, inc.country].filter(Boolean).join(', ')),
      row('type', t(inc.attack_type), 'attack_type'),
      figure('killed'), figure('wounded'),
      row('perpetrator', inc.perpetrator),
      row('claimed_by', (inc.claimed_by || []).join(', ')),
      row('suicide', inc.suicide == null ? '' : t(inc.suicide ? 'yes' : 'no')),
      row('sites', inc.sites > 1 ? num(inc.sites) : ''))),
    h('section', {}, h('h2', {}, t('figures')), h('div', { id: 'figure-chart', class: 'chart' })),
    h('section', {}, h('h2', {}, t('sources')), h('ol', { class: 'sources', id: 'sources' }, d.claims.map(sourceItem))),
    d.related.length ? h('section', {}, h('h2', {}, t('related')), h('ul', { id: 'related' }, d.related.map((r) =>
      h('li', {}, h('a', { href: '/incident/' + encodeURIComponent(r.id) + location.search, onclick: nav }, r.place || r.id), ' — ', date(r.start), ' · ', t('killed'), ': ', range(r.killed))))) : null,
    h('section', {}, h('h2', {}, t('versions')), versionsTable(d.versions))));
  figureChart(document.getElementById('figure-chart'), inc, d.versions);
}

function sourceItem(c) {
  const links = [];
  for (const v of Object.values(c.codes || {})) {
    for (const w of String(v).split(/\s+/)) {
      const href = safeHref(w.replace(/^[(<"']+|[)>"',;.]+$/g, ''));
      if (href) links.push(h('a', { href, rel: 'noopener noreferrer nofollow', target: '_blank' }, new URL(href).host));
    }
  }
  const cited = c.codes && c.codes.sources;
  return h('li', { class: c.superseded_by ? 'source old' : 'source' },
    h('strong', {}, c.source), c.superseded_by ? h('span', { class: 'badge' }, t('superseded')) : null,
    c.killed ? h('span', { class: 'said' }, ` — ${t('killed')}: ${range(c.killed)}`) : null,
    c.wounded ? h('span', { class: 'said' }, ` · ${t('wounded')}: ${range(c.wounded)}`) : null,
    c.text ? h('blockquote', { dir: 'auto' }, c.text) : null,
    cited ? h('p', { class: 'cited', dir: 'auto' }, cited) : null,
    links.length ? h('p', { class: 'links' }, links) : null,
    c.origin ? h('small', {}, c.origin) : null,
    // Retention removed the report as received; the claim stands.
    c.raw_pruned ? h('small', { class: 'pruned' }, ` (${t('body_pruned')} ${date(c.raw_pruned.slice(0, 10))})`) : null);
}

function versionsTable(versions) {
  return h('table', { class: 'versions', id: 'versions' },
    h('thead', {}, h('tr', {}, h('th', {}, t('version')), h('th', {}, t('date')), h('th', {}, t('killed')), h('th', {}, t('author')), h('th', {}, t('reason')))),
    h('tbody', {}, versions.map((v) => h('tr', {},
      h('td', {}, num(v.version)), h('td', {}, instant(v.at)), h('td', {}, range(v.incident.killed)), h('td', {}, v.author), h('td', {}, v.reason)))));
}

/** figureChart plots how the killed figure changed: the fused timeline when
 * the incident has one, else its versions. */
function figureChart(el, inc, versions) {
  let pts = [];
  const tl = inc.timeline && Array.isArray(inc.timeline.killed) ? inc.timeline.killed : null;
  if (tl) {
    pts = tl.filter((r) => r.value && r.time).map((r) => ({ t: Date.parse(r.time) / 1000, v: r.value }));
  } else {
    pts = versions.filter((v) => v.incident.killed).map((v) => ({ t: Date.parse(v.at) / 1000, v: v.incident.killed }));
  }
  pts.sort((a, b) => a.t - b.t);
  el.dataset.points = String(pts.length);
  if (!pts.length) { el.append(h('p', {}, '—')); return; }
  if (pts.length === 1) pts.push({ t: pts[0].t + 3600, v: pts[0].v }); // a flat line reads better than a dot
  const xs = pts.map((p) => p.t);
  const font = '12px Vazirmatn, system-ui, sans-serif';
  new uPlot({
    width: chartWidth(el), height: 200, legend: { show: true },
    scales: { x: { time: true } },
    axes: [{ font, values: (u, s) => s.map((x) => instant(new Date(x * 1000).toISOString()).replace(' UTC', '')), space: 120 },
      { font, values: (u, s) => s.map((x) => num(x)), size: 40 }],
    series: [{ label: '' },
      { label: t('low'), stroke: '#999', dash: [4, 4] },
      { label: t('best'), stroke: '#b2182b', width: 2 },
      { label: t('high'), stroke: '#999', dash: [4, 4] }],
    bands: [{ series: [3, 1], fill: 'rgba(178,24,43,0.12)' }],
  }, [xs, pts.map((p) => p.v.low), pts.map((p) => p.v.best), pts.map((p) => p.v.high)], el);
}

route();
