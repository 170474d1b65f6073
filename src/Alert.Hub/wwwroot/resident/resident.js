// The resident page: what applies at a place now, the nearest open shelters and lifeline states, live over the
// hub's stream. Nothing here needs a key. The last answer is kept in localStorage and shown, dated, when offline.
import { LANGUAGES, language, setLanguage, t, translate } from './i18n.js';
import { json, phrase, distance, projection, pathOf } from '../public.js';

const $ = (id) => document.getElementById(id);
const PLACES = 'resident.places';
const LAST = 'resident.last';
const LOOKS = 'resident.looks';

let place = null;   // { name, lat, lng, code, byArea }: byArea asks for the whole municipality, not the point
let state = null;   // { key, at, area, alerts, shelters, support, offline }
let phrases = null; // the hub's standard phrases, /api/v1/phrases
let stream = null;  // { code, source }
let asked = 0;      // answers to older questions are dropped when a newer one was asked
const firstShown = {};

/** A standard phrase in the page's language (Japanese when the dictionary lacks it). */
const say = (key) => phrase(phrases, key, language().key) || phrase(phrases, key, 'ja');

/** Japan time, as every notice is written: a resident abroad still reads the times the town speaks of. */
const time = (iso) => new Intl.DateTimeFormat(language().tag,
  { timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));


const keyOf = (p) => (p ? `${p.byArea ? p.code : `${p.lat},${p.lng}`}` : '');

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

// ---- what applies here ----

/** The map layers of places a resident may need after a disaster (GET /api/v1/layers/{code}/{layer}). */
const SUPPORT = ['water-points', 'baths', 'charging', 'wifi', 'relief-supplies', 'offices'];
const SHOWN_SUPPORT = 10;

/** Metres between two points on the sphere: enough to order places a walk apart. */
function metres(a, b) {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2
    + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lng - a.lng) * rad) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

/**
 * The places of the municipality or ward, open ones first, then nearest (when the place is a point); closed ones
 * stay, marked, so that a resident who saw one earlier learns it has shut.
 */
async function support(code) {
  if (!code) return [];
  // The layers are not worth calling the page offline for: without them the last list stays.
  const layers = await Promise.all(SUPPORT.map((layer) => json(`/api/v1/layers/${encodeURIComponent(code)}/${layer}`))).catch(() => null);
  if (!layers) return state?.support ?? [];
  const rank = { open: 0, preparing: 1, closed: 2 };
  return layers.flatMap((l) => l.features.map((f) => ({
    layer: l.layer, ...f.properties, lat: f.geometry.coordinates[1], lng: f.geometry.coordinates[0],
    distanceM: place.lat != null ? metres(place, { lat: f.geometry.coordinates[1], lng: f.geometry.coordinates[0] }) : null,
  }))).sort((a, b) => rank[a.state] - rank[b.state] || (a.distanceM ?? 0) - (b.distanceM ?? 0) || a.name.localeCompare(b.name))
    .slice(0, SHOWN_SUPPORT);
}

async function refresh() {
  if (!place) return render();
  const mine = ++asked;
  const where = place.byArea ? `code=${place.code}` : `lat=${place.lat}&lng=${place.lng}`;
  try {
    const [alerts, shelters] = await Promise.all([
      json(`/api/v1/alerts?${where}&lang=${encodeURIComponent(language().key)}`),
      place.lat != null ? json(`/api/v1/shelters?lat=${place.lat}&lng=${place.lng}&limit=5`) : { shelters: [] },
    ]);
    const near = await support(place.byArea ? place.code : alerts.area?.code);
    const code = alerts.area?.code;
    // Kept only once had: an outline missed while offline is asked for again at the next answer.
    const outline = code && !boundaries.has(code) ? await json(`/api/v1/areas/${encodeURIComponent(code)}`).catch(() => null) : null;
    if (outline) boundaries.set(code, outline);
    if (mine !== asked) return;
    state = { key: keyOf(place), at: new Date().toISOString(), area: alerts.area, alerts: alerts.alerts, shelters: shelters.shelters,
      support: near, offline: false };
    localStorage.setItem(LAST, JSON.stringify(state));
    listen(place.byArea ? place.code : alerts.area?.code);
  } catch {
    if (mine !== asked) return;
    const kept = JSON.parse(localStorage.getItem(LAST) ?? 'null');
    state = kept?.key === keyOf(place) ? { ...kept, offline: true } : state?.key === keyOf(place) ? { ...state, offline: true } : null;
    // The stream reconnects by itself and says when the hub is back (opened offline, the page has none yet).
    listen(place.byArea ? place.code : state?.area?.code);
  }
  render();
}

/** Live updates for the municipality: any event means "ask again"; a cancel takes its notice off at once. */
function listen(code) {
  if (!code || stream?.code === code) return;
  stream?.source.close();
  const source = new EventSource(`/api/v1/stream?codes=${encodeURIComponent(code)}`);
  stream = { code, source, opened: false };
  for (const type of ['notice', 'expired', 'reset']) source.addEventListener(type, refresh);
  source.addEventListener('cancel', (event) => {
    const { id } = JSON.parse(event.data);
    if (state) state = { ...state, alerts: state.alerts.filter((a) => a.id !== id) };
    render();
    refresh();
  });
  // A reconnect asks again (what changed while away); the first open needs nothing unless the page is offline.
  source.addEventListener('open', () => {
    document.body.dataset.live = 'open';
    if (stream.opened || state?.offline) refresh();
    stream.opened = true;
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.OPEN) return;
    document.body.dataset.live = 'lost';
    if (state && !state.offline) { state = { ...state, offline: true }; render(); }
  });
}

// ---- drawing ----

function alertItem(a) {
  const li = element('li', `alert ${a.level ? `level${a.level}` : `severity-${a.severity.toLowerCase()}`}`);
  li.dataset.id = a.id;
  // When this page first showed the notice (epoch ms): what the hub's own figures for "issue to screen" are read from.
  li.dataset.shownAt = firstShown[a.id] ??= Date.now();
  const badge = element('p', 'badge');
  if (a.level) badge.append(element('span', 'level-number', String(a.level)), ' ');
  badge.append(a.level ? say(`level.${a.level}`) : say(`category.${a.category}`));
  li.append(badge, element('h3', 'headline', a.headline));
  if (a.instruction) li.append(element('p', 'instruction', a.instruction));
  li.append(element('p', 'areas', t('areas', { list: a.areas.map((x) => x.name).join(' ') })),
    element('p', 'sent', t('sent', { t: time(a.sent) })));
  if (a.untranslated) li.append(element('p', 'untranslated', t('untranslated')));
  return li;
}

function shelterItem(s) {
  const li = element('li', `shelter ${s.status}`);
  const head = element('p', 'shelter-head');
  head.append(element('strong', 'shelter-name', s.name), ' ', element('span', 'shelter-status', say(`shelter.${s.status}`)),
    ' ', element('span', 'shelter-distance', t('away', { d: distance(s.distanceM) })));
  li.append(head);
  if (s.address) li.append(element('p', 'shelter-address', s.address));
  if (s.present != null && s.capacity != null) li.append(element('p', 'occupancy', t('occupancy', { present: s.present, capacity: s.capacity })));
  if (s.hazards.length) li.append(element('p', 'hazards', t('hazardsFor', { list: s.hazards.map((h) => say(`disaster.${h}`)).join(say('list.hazards') || '、') })));
  return li;
}

function supportItem(p) {
  const li = element('li', `shelter support ${p.state}`);
  li.dataset.layer = p.layer;
  const head = element('p', 'shelter-head');
  head.append(element('span', 'support-kind', t(`layer.${p.layer}`)), ' ', element('strong', 'shelter-name', p.name), ' ',
    element('span', 'shelter-status', t(`place.${p.state}`)));
  if (p.distanceM != null) head.append(' ', element('span', 'shelter-distance', t('away', { d: distance(p.distanceM) })));
  li.append(head);
  if (p.hours) li.append(element('p', 'support-hours', t('hours', { h: p.hours })));
  if (p.address) li.append(element('p', 'shelter-address', p.address));
  return li;
}

const SVG = 'http://www.w3.org/2000/svg';
const boundaries = new Map(); // the area's outline, asked once per code: it does not change in a disaster

/**
 * The shelters and places of the lists on a small map, with where the resident stands and the area's outline: the
 * map layers as a resident sees them. No tiles (the hub may have no internet); the lists above say it all in words.
 */
function drawNearMap(places, shelters, here, boundary) {
  const box = $('near-map');
  const marks = [...shelters.map((s) => ({ kind: 'shelter', state: s.status, name: s.name, at: [s.lng, s.lat] })),
    ...places.filter((p) => p.lat != null).map((p) => ({ kind: p.layer, state: p.state, name: p.name, at: [p.lng, p.lat] }))];
  box.hidden = marks.length === 0;
  if (marks.length === 0) return box.replaceChildren();
  const points = [...marks.map((m) => m.at), ...(here?.lat != null ? [[here.lng, here.lat]] : [])];
  // A little room around the marks (about 300 m), so one place alone still makes a map.
  const pad = 0.003;
  const frame = [[Math.min(...points.map((p) => p[0])) - pad, Math.min(...points.map((p) => p[1])) - pad],
    [Math.max(...points.map((p) => p[0])) + pad, Math.max(...points.map((p) => p[1])) + pad]];
  const { height, at } = projection(frame, 600);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 600 ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('mapLabel', { n: marks.length }));
  const add = (name, attributes, className, title) => {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
    el.setAttribute('class', className);
    if (title) el.append(Object.assign(document.createElementNS(SVG, 'title'), { textContent: title }));
    svg.append(el);
  };
  if (boundary) add('path', { d: pathOf(boundary.geometry, at) }, 'boundary');
  for (const m of marks) {
    const [x, y] = at(m.at);
    if (m.kind === 'shelter') add('rect', { x: x - 13, y: y - 13, width: 26, height: 26 }, `mark shelter ${m.state}`, m.name);
    else add('circle', { cx: x, cy: y, r: 13 }, `mark ${m.kind} ${m.state}`, m.name);
  }
  if (here?.lat != null) {
    const [x, y] = at([here.lng, here.lat]);
    add('circle', { cx: x, cy: y, r: 16 }, 'here', t('here'));
  }
  box.replaceChildren(svg);
}

function render() {
  translate();
  $('lang').value = language().key;
  const area = state?.key === keyOf(place) ? state.area?.name : null;
  const name = !place ? t('choosePlace') : !place.name ? area ?? '' : place.here && area ? `${place.name}（${area}）` : place.name;
  $('place-name').textContent = name;
  renderSaved();

  const all = place && state?.key === keyOf(place) ? state.alerts : [];
  const lifelines = all.filter((a) => a.category === 'lifeline');
  const alerts = all.filter((a) => a.category !== 'lifeline');
  const shelters = place && state?.key === keyOf(place) ? state.shelters : [];
  $('alerts').replaceChildren(...alerts.map(alertItem));
  $('lifelines').replaceChildren(...lifelines.map(alertItem));
  $('shelters').replaceChildren(...shelters.map(shelterItem));
  const near = place && state?.key === keyOf(place) ? state.support ?? [] : [];
  $('support').replaceChildren(...near.map(supportItem));
  drawNearMap(near, shelters, place, boundaries.get(state?.area?.code));
  $('no-support').hidden = !place || !state || near.length > 0;
  $('no-alerts').hidden = !place || !state || alerts.length > 0;
  $('no-lifelines').hidden = !place || !state || lifelines.length > 0;
  $('no-shelters').hidden = !place || !state || shelters.length > 0;
  $('updated').textContent = state && place ? t('updated', { t: time(state.at) }) : '';
  $('offline').hidden = !state?.offline;
  $('offline').textContent = state?.offline ? t('offline', { t: time(state.at) }) : '';
  document.body.classList.toggle('danger', alerts.some((a) => a.level >= 4));
}

// ---- places ----

const saved = () => JSON.parse(localStorage.getItem(PLACES) ?? '[]');

function renderSaved() {
  const places = saved();
  $('saved-title').hidden = places.length === 0;
  $('saved').replaceChildren(...places.map((p, i) => {
    const li = element('li', 'chip');
    const go = element('button', 'go', `${t(p.label)}: ${p.name}`);
    go.type = 'button';
    go.addEventListener('click', () => choose(p));
    const remove = element('button', 'remove', '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', t('remove', { name: `${t(p.label)} ${p.name}` }));
    remove.addEventListener('click', () => {
      localStorage.setItem(PLACES, JSON.stringify(places.filter((_, j) => j !== i)));
      renderSaved();
    });
    li.append(go, remove);
    return li;
  }));
}

function choose(p) {
  place = { name: p.name, lat: p.lat, lng: p.lng, code: p.code, byArea: !!p.byArea, here: !!p.here };
  const url = new URL(location.href);
  url.search = p.byArea ? `?code=${p.code}` : `?lat=${p.lat}&lng=${p.lng}`;
  history.replaceState(null, '', url);
  $('place-error').hidden = true;
  render();
  refresh();
}

function problem(text) {
  $('place-error').textContent = text;
  $('place-error').hidden = false;
}

async function search() {
  const q = $('search').value.trim();
  if (!q) return;
  try {
    const found = await json(`/api/v1/areas/geocode?address=${encodeURIComponent(q)}`);
    choose({ name: found.municipality + (found.town ?? ''), lat: found.lat, lng: found.lng, code: found.code, byArea: found.precision === 'municipality' });
  } catch (error) {
    const candidates = error.body?.candidates ?? [];
    problem(t('notFound', { q }) + (candidates.length ? ` ${t('candidates', { c: candidates.slice(0, 8).join('、') })}` : ''));
  }
}

let suggesting;
function suggest() {
  clearTimeout(suggesting);
  const q = $('search').value.trim();
  if (!q) return;
  suggesting = setTimeout(async () => {
    const found = await json(`/api/v1/areas/search?q=${encodeURIComponent(q)}`).catch(() => []);
    $('search-list').replaceChildren(...found.map((s) => { const o = element('option'); o.value = s.name; return o; }));
  }, 200);
}

function locate() {
  if (!navigator.geolocation) return problem(t('locationDenied'));
  $('place-name').textContent = t('locating');
  navigator.geolocation.getCurrentPosition(
    (position) => choose({ name: t('myLocation'), lat: +position.coords.latitude.toFixed(6), lng: +position.coords.longitude.toFixed(6), here: true }),
    () => { render(); problem(t('locationDenied')); },
    { timeout: 15000, maximumAge: 60000 });
}

function save() {
  if (!place) return;
  const label = $('save-label').value;
  const places = saved().filter((p) => p.label !== label);
  places.push({ label, name: place.here && state?.area ? state.area.name : place.name, lat: place.lat, lng: place.lng, code: place.code, byArea: place.byArea });
  localStorage.setItem(PLACES, JSON.stringify(places));
  renderSaved();
}

// ---- reading: large text, contrast, aloud ----

function looks(change) {
  const current = { large: false, contrast: false, ...JSON.parse(localStorage.getItem(LOOKS) ?? '{}'), ...change };
  localStorage.setItem(LOOKS, JSON.stringify(current));
  document.body.classList.toggle('large', current.large);
  document.body.classList.toggle('contrast', current.contrast);
  $('large').setAttribute('aria-pressed', String(current.large));
  $('contrast').setAttribute('aria-pressed', String(current.contrast));
}

/** Reads out the place and each notice (headline, then what to do), in the page's language. */
function speak() {
  const items = (state?.alerts ?? []).map((a) => [a.headline, a.instruction].filter(Boolean).join('。'));
  const text = [$('place-name').textContent, ...(items.length ? items : [t('noAlerts')])].join('。\n');
  $('speak').dataset.spoken = text;
  $('speaking').textContent = t('reading');
  if (!('speechSynthesis' in window)) return;
  speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = language().tag;
  utterance.onend = () => { $('speaking').textContent = ''; };
  speechSynthesis.speak(utterance);
}

// ---- start ----

async function start() {
  $('lang').replaceChildren(...LANGUAGES.map((l) => { const o = element('option', '', l.name); o.value = l.key; o.lang = l.key; return o; }));
  $('lang').addEventListener('change', () => { setLanguage($('lang').value); render(); refresh(); });
  $('large').addEventListener('click', () => looks({ large: $('large').getAttribute('aria-pressed') !== 'true' }));
  $('contrast').addEventListener('click', () => looks({ contrast: $('contrast').getAttribute('aria-pressed') !== 'true' }));
  $('speak').addEventListener('click', speak);
  $('locate').addEventListener('click', locate);
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  $('search').addEventListener('input', suggest);
  $('save').addEventListener('click', save);
  addEventListener('online', refresh);
  looks({});

  if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch(() => { /* the page works without it, online */ });
  phrases = await json('/api/v1/phrases').catch(() => JSON.parse(localStorage.getItem('resident.phrases') ?? 'null'));
  if (phrases) localStorage.setItem('resident.phrases', JSON.stringify(phrases));

  // A link may name the place (?lat=&lng= or ?code=); else the first saved place; else the last one looked at.
  const query = new URLSearchParams(location.search);
  const kept = JSON.parse(localStorage.getItem(LAST) ?? 'null');
  if (query.has('lat') && query.has('lng')) choose({ name: null, lat: +query.get('lat'), lng: +query.get('lng'), here: true });
  else if (query.has('code')) choose({ name: null, code: query.get('code'), byArea: true });
  else if (saved().length) choose(saved()[0]);
  else if (kept?.area) choose({ name: kept.area.name, ...(kept.key.includes(',') ? { lat: +kept.key.split(',')[0], lng: +kept.key.split(',')[1] } : { code: kept.key, byArea: true }) });
  else render();
}

start();
