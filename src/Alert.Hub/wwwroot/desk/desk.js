// The disaster desk: sign in, the municipality's map and notices in force, the evacuation form with preview, each
// notice's deliveries live, and update / lift / correct / cancel. Shelters and other notices are in boards.js.
import { t, message, translate, toggleLanguage, lang } from './i18n.js';
import { phrase } from '../public.js';
import { key, setKey, get, post, nowJst, newDocumentId, clock, NOTICE_JSON } from './api.js';
import { drawMap } from './map.js';
import { showErrors, clearErrors } from './errors.js';
import { setUpBoards } from './boards.js';
import { setUpStations } from './stations.js';

const $ = (id) => document.getElementById(id);
const desk = {
  me: null, area: null, map: null,
  form: { kind: 'Issue', documentId: null, revision: 1, districts: [], issued: {} },
  open: null, openTimer: null, preview: null,
};

/** Exercise mode is part of this session: every notice sent while it is on goes out as Exercise. */
const exercise = () => $('exercise').checked;
const mode = () => (exercise() ? 'Exercise' : 'Actual');

let toastTimer;
function toast(text) {
  $('toast').textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $('toast').textContent = ''; }, 6000);
}

// ---- sign in ----

async function signIn() {
  const me = await get('/api/v1/me').catch(() => null);
  if (!me?.ok || me.body.role !== 'issuer' || !me.body.areaCode) {
    setKey(null);
    return false;
  }
  desk.me = me.body;
  const [area, towns, phrases] = await Promise.all([get(`/api/v1/areas/${me.body.areaCode}`), get(`/api/v1/areas/${me.body.areaCode}/towns`),
    get('/api/v1/phrases')]);
  desk.phrases = phrases.ok ? phrases.body : null; // the hub's own words for categories, as residents read them
  desk.area = { code: area.body.properties.code, name: me.body.name };
  $('who').textContent = `${me.body.name}（${desk.area.code}）`;
  desk.map = drawMap($('map'), area.body, towns.body, { onToggle: toggleDistrict, label: t('mapTitle') });
  $('sign-in').hidden = true;
  $('desk').hidden = false;
  $('sign-out').hidden = false;
  $('exercise-control').hidden = false;
  desk.boards = setUpBoards(desk, { mode, sent: boardSent });
  setUpStations(desk, { toast });
  newOrder();
  await refreshActive();
  return true;
}

$('sign-in-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  setKey($('key').value.trim());
  if (!(await signIn())) {
    $('key-error').textContent = t('signInFailed');
    $('key-error').hidden = false;
    $('key').setAttribute('aria-invalid', 'true');
  }
});

$('sign-out').addEventListener('click', () => {
  setKey(null);
  location.reload();
});

$('language').addEventListener('click', () => {
  toggleLanguage();
  renderForm();
  if (desk.open) showNotice(desk.open.id);
  refreshActive();
});

$('exercise').addEventListener('change', () => {
  sessionStorage.setItem('desk.exercise', exercise() ? '1' : '');
  $('exercise-banner').hidden = !exercise();
  document.body.classList.toggle('exercising', exercise());
  refreshActive();
});

// ---- tabs (the three boards, and the preview's renderings) ----

function tabs(list, onSelect) {
  const all = [...list.querySelectorAll('[role=tab]')];
  const select = (tab) => {
    for (const other of all) {
      other.setAttribute('aria-selected', String(other === tab));
      other.tabIndex = other === tab ? 0 : -1;
    }
    onSelect(tab);
  };
  list.addEventListener('click', (e) => { if (e.target.closest('[role=tab]')) select(e.target.closest('[role=tab]')); });
  list.addEventListener('keydown', (e) => {
    const i = all.indexOf(e.target);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1 }[e.key];
    if (i < 0 || next === undefined) return;
    const tab = all[(next + all.length) % all.length];
    select(tab);
    tab.focus();
  });
  return select;
}

const selectBoard = tabs(document.querySelector('.tabs'), (tab) => {
  for (const id of ['panel-evacuation', 'panel-shelters', 'panel-other']) $(id).hidden = tab.getAttribute('aria-controls') !== id;
  if (tab.id === 'tab-shelters') desk.boards?.loadShelters();
});

/** A board's notice was taken: its deliveries show in the notice view, as an evacuation order's do. */
async function boardSent(receipt) {
  toast(t('sent', { rev: receipt.revision }));
  selectBoard($('tab-evacuation'));
  await showNotice(receipt.id);
  refreshActive();
}
tabs(document.querySelector('#preview-panel [role=tablist]'), () => renderPreview());

// ---- the evacuation form ----

const level = () => document.querySelector('input[name=level]:checked')?.value ?? '4';

function newOrder(draft = null) {
  desk.form = { kind: 'Issue', documentId: newDocumentId(desk.area.code, 'evac'), revision: 1, districts: [], issued: {}, draft };
  $('reason').value = '';
  closeNotice();
  renderForm();
}

function toggleDistrict(name) {
  const list = desk.form.districts;
  const i = list.findIndex((d) => d.name === name);
  if (i >= 0) list.splice(i, 1);
  else list.push({ name, households: '', persons: '' });
  renderForm();
}

function renderForm() {
  const { kind, revision, districts } = desk.form;
  $('order-title').textContent = kind === 'Issue' ? t('formIssue') : t(kind === 'Correction' ? 'formCorrection' : 'formUpdate', { rev: revision });
  $('reason-field').hidden = kind !== 'Correction';
  document.querySelector('.levels').dataset.current = level();
  const rows = districts.map((d, i) => {
    const row = document.createElement('tr');
    row.innerHTML = `
      <th scope="row"><span data-path="body.districts.${i}.name" aria-describedby="d${i}-error"></span><p id="d${i}-error" class="field-error" hidden></p></th>
      <td><input type="number" inputmode="numeric" id="d${i}-households" data-path="body.districts.${i}.households" aria-describedby="d${i}-error"></td>
      <td><input type="number" inputmode="numeric" id="d${i}-persons" data-path="body.districts.${i}.persons" aria-describedby="d${i}-error"></td>
      <td><button type="button" class="icon remove">×</button></td>`;
    row.querySelector('span').textContent = d.name;
    const [households, persons] = row.querySelectorAll('input');
    households.value = d.households;
    persons.value = d.persons;
    households.setAttribute('aria-label', t('householdsOf', { name: d.name }));
    persons.setAttribute('aria-label', t('personsOf', { name: d.name }));
    households.addEventListener('input', () => { d.households = households.value; totals(); });
    persons.addEventListener('input', () => { d.persons = persons.value; totals(); });
    const remove = row.querySelector('.remove');
    remove.setAttribute('aria-label', t('removeDistrict', { name: d.name }));
    remove.addEventListener('click', () => toggleDistrict(d.name));
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement('tr');
    row.innerHTML = '<td colspan="4" class="note"></td>';
    row.firstChild.textContent = t('noDistricts');
    rows.push(row);
  }
  $('districts').replaceChildren(...rows);
  totals();
  desk.map?.setSelected(districts.map((d) => d.name), level());
}

const count = (value) => (value === '' || value === undefined ? undefined : Number(value));

function totals() {
  const sum = (field) => desk.form.districts.reduce((s, d) => s + (Number(d[field]) || 0), 0);
  $('totals').textContent = desk.form.districts.length ? t('total', { h: sum('households'), p: sum('persons') }) : '';
}

document.querySelector('.levels').addEventListener('change', () => renderForm());

// Completion from the hub's own town names, as the desk types.
let searching = 0;
$('district-search').addEventListener('input', async () => {
  const q = $('district-search').value.trim();
  const mine = ++searching;
  if (!q) return;
  const found = await get(`/api/v1/areas/search?q=${encodeURIComponent(q)}&code=${desk.area.code}`);
  if (mine !== searching || !found.ok) return;
  $('district-names').replaceChildren(...found.body.map((s) => Object.assign(document.createElement('option'), { value: s.name })));
});

function addTyped() {
  const name = $('district-search').value.trim();
  if (!name) return;
  if (!desk.form.districts.some((d) => d.name === name)) toggleDistrict(name);
  $('district-search').value = '';
}

$('district-add').addEventListener('click', addTyped);
$('district-search').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    addTyped();
  }
});

/** The native notice the form describes (schemas/notice/notice-1.schema.json). */
function notice({ kind = desk.form.kind, reason = $('reason').value.trim(), lift = false } = {}) {
  const now = nowJst();
  return {
    envelope: {
      documentId: desk.form.documentId, revision: desk.form.revision, issuerCode: desk.area.code, issuerName: desk.area.name,
      mode: mode(), kind, ...(reason ? { reason } : {}), sent: now, areas: [{ code: desk.area.code, name: desk.area.name }],
    },
    body: kind === 'Cancel' ? undefined : {
      category: 'evacuation',
      districts: desk.form.districts.map((d) => ({
        name: d.name, level: level(), disasterType: $('disaster-type').value,
        households: count(d.households), persons: count(d.persons),
        issued: desk.form.issued[d.name] ?? now, ...(lift ? { lifted: now } : {}),
      })),
    },
  };
}

$('preview').addEventListener('click', async () => {
  clearErrors($('order'));
  const answer = await post('/api/v1/notices/preview', notice());
  if (answer.ok && answer.body.valid) {
    desk.preview = answer.body.renderings;
    $('preview-panel').hidden = false;
    renderPreview();
  } else {
    $('preview-panel').hidden = true;
    showErrors(answer.body?.errors ?? [], answer.body, $('order'));
  }
});

function renderPreview() {
  if (!desk.preview) return;
  const tab = document.querySelector('#preview-panel [aria-selected=true]').id;
  const { cap, json, text, textEn } = desk.preview;
  $('pv-body').textContent = { 'pv-cap': cap, 'pv-json': JSON.stringify(JSON.parse(json), null, 2), 'pv-text': text, 'pv-en': textEn }[tab];
  $('pv-body').setAttribute('aria-labelledby', tab);
}

$('order-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  await send(notice());
});

/** Sends a revision; on success opens the notice, else shows each error beside its field. */
async function send(body) {
  clearErrors($('order'));
  $('send').disabled = true;
  $('send').textContent = t('sending');
  try {
    const answer = await post('/api/v1/notices', body);
    if (answer.status !== 202) {
      // A cancel or lift is sent from the notice view, where the form is not shown: its refusal is said there.
      if ($('order').hidden) toast(message(answer.body?.errors?.[0] ?? { ja: answer.body?.titleJa, en: answer.body?.title }));
      showErrors(answer.body?.errors ?? [], answer.body, $('order'));
      return false;
    }
    toast(t('sent', { rev: answer.body.revision }));
    // A person reviewed the sensor's draft and sent this: the draft is done, and names the notice.
    if (desk.form.draft) await post(`/api/v1/drafts/${desk.form.draft.id}/issued`, { noticeId: answer.body.id });
    desk.form.draft = null;
    $('preview-panel').hidden = true;
    desk.preview = null;
    await showNotice(answer.body.id);
    refreshActive();
    return true;
  } finally {
    $('send').disabled = false;
    $('send').textContent = t('send');
  }
}

// ---- notices in force ----

const levelOf = (districts) => String(Math.max(...districts.filter((d) => !d.lifted).map((d) => Number(d.level)), 0) || '');

/** Drafts made by the desk's stations when a reading crossed a threshold: started from, or dismissed, by a person. */
async function refreshDrafts() {
  const answer = await get('/api/v1/drafts');
  if (!answer.ok) return;
  $('drafts-card').hidden = answer.body.length === 0;
  $('drafts').replaceChildren(...answer.body.map((draft) => {
    const item = document.createElement('li');
    item.dataset.id = draft.id;
    item.dataset.level = draft.level;
    const time = clock(draft.observedAt);
    const text = Object.assign(document.createElement('p'), { className: 'draft-line', textContent: t('draftLine', { station: draft.stationName, value: draft.value, time, level: draft.level }) });
    const use = Object.assign(document.createElement('button'), { type: 'button', className: 'primary draft-use', textContent: t('draftUse') });
    use.addEventListener('click', () => {
      newOrder(draft);
      const radio = document.querySelector(`input[name=level][value="${draft.level}"]`);
      if (radio) radio.checked = true;
      $('disaster-type').value = draft.disasterType;
      renderForm();
      toast(t('draftFrom', { station: draft.stationName, value: draft.value }));
      $('order-title').focus();
    });
    const dismiss = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary draft-dismiss', textContent: t('draftDismiss') });
    dismiss.addEventListener('click', async () => {
      await post(`/api/v1/drafts/${draft.id}/dismissed`);
      refreshDrafts();
    });
    item.append(text, use, dismiss);
    return item;
  }));
}

/** The map layers drawn on the desk's map (GET /api/v1/layers/{code}/{layer}), counted in words beside it. */
const LAYERS = ['shelters', 'water-points', 'baths', 'charging', 'wifi', 'relief-supplies', 'offices'];

async function refreshPlaces() {
  const answers = await Promise.all(LAYERS.map((layer) => get(`/api/v1/layers/${desk.area.code}/${layer}?status=${mode()}`)));
  if (answers.some((a) => !a.ok)) return;
  desk.places = answers.flatMap((a) => a.body.features.map((f) => ({ ...f, layer: a.body.layer })));
  drawPlaces();
  $('map-layers').replaceChildren(...answers.filter((a) => a.body.features.length > 0).map((a) => {
    const item = document.createElement('li');
    item.className = a.body.layer;
    item.dataset.count = a.body.features.length;
    item.append(Object.assign(document.createElement('span'), { className: 'swatch' }),
      t('layerCount', { name: t(`layer.${a.body.layer}`), n: a.body.features.length }));
    return item;
  }));
}

/** Places and placed field reports share the map's one marker layer. */
const drawPlaces = () => desk.map.setPlaces([...(desk.places ?? []), ...(desk.reportMarkers ?? [])]);

/** A photo only the desk may see yet: fetched with its key once, then shown from memory each time the list is drawn. */
const thumbnails = new Map();
async function thumbnail(img, url) {
  if (!thumbnails.has(url)) {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${key()}` } }).catch(() => null);
    if (!response?.ok) return;
    thumbnails.set(url, URL.createObjectURL(await response.blob()));
  }
  img.src = thumbnails.get(url);
}

/**
 * Field staff's reports of the desk's area: each verified, rejected or merged into another by a person, and the
 * verified ones sent on as one damage notice. Placed ones are drawn on the map; one without a position is flagged.
 */
async function refreshReports() {
  const answer = await get('/api/v1/field-reports');
  if (!answer.ok) return;
  const open = answer.body.filter((r) => r.state === 'new' || r.state === 'verified');
  desk.reportMarkers = open.filter((r) => r.located).map((r) => ({
    geometry: { type: 'Point', coordinates: [r.lng, r.lat] }, layer: 'field-report', properties: { state: r.state },
  }));
  drawPlaces();
  // Redrawn every few seconds with the rest: left alone while nothing changed, so a choice half made stays.
  const signature = JSON.stringify(open.map((r) => [r.id, r.state]));
  if (signature === desk.reportsSignature) return;
  desk.reportsSignature = signature;
  $('reports-card').hidden = open.length === 0;
  const label = (r) => `${t(`report.${r.category}`)} ${r.comment ?? ''}`.trim();
  $('reports').replaceChildren(...open.map((r) => {
    const item = document.createElement('li');
    item.dataset.id = r.id;
    item.dataset.state = r.state;
    const img = Object.assign(document.createElement('img'), { className: 'thumb', alt: '' });
    if (r.photos.length > 0) thumbnail(img, r.photos[0].thumbUrl);
    const time = clock(r.postedAt);
    const line = Object.assign(document.createElement('p'), { className: 'report-line', textContent: `${time} ${label(r)} — ${r.areaName} (${t(`reportState.${r.state}`)})` });
    if (!r.located) line.append(' ', Object.assign(document.createElement('span'), { className: 'flag', textContent: t('reportNoLocation') }));
    const actions = Object.assign(document.createElement('div'), { className: 'report-actions' });
    const act = (text, className, onClick) => {
      const button = Object.assign(document.createElement('button'), { type: 'button', className, textContent: text });
      button.addEventListener('click', async () => { await onClick(); refreshReports(); });
      return button;
    };
    if (r.state === 'new') actions.append(act(t('reportVerify'), 'secondary report-verify', () => post(`/api/v1/field-reports/${r.id}/verified`)));
    actions.append(act(t('reportReject'), 'quiet report-reject', () => post(`/api/v1/field-reports/${r.id}/rejected`)));
    const others = open.filter((o) => o.id !== r.id);
    if (others.length > 0) {
      const into = Object.assign(document.createElement('select'), { className: 'report-into' });
      into.setAttribute('aria-label', t('reportMergeInto'));
      into.append(...others.map((o) => Object.assign(document.createElement('option'), { value: o.id, textContent: label(o) })));
      actions.append(into, act(t('reportMerge'), 'quiet report-merge', () => post(`/api/v1/field-reports/${r.id}/merged`, { into: into.value }, { type: 'application/json' })));
    }
    if (r.state === 'verified' && r.located) {
      const include = Object.assign(document.createElement('label'), { className: 'report-include' });
      include.append(Object.assign(document.createElement('input'), { type: 'checkbox', value: r.id, checked: true }), ' ', t('reportInclude'));
      actions.append(include);
    }
    item.append(img, line, actions);
    return item;
  }));
}

$('reports-send').addEventListener('click', async () => {
  const reports = [...document.querySelectorAll('#reports .report-include input:checked')].map((c) => c.value);
  if (reports.length === 0) {
    toast(t('reportsNone'));
    return;
  }
  // One notice per press: the button waits for the hub's answer (the hub also refuses a set already being sent).
  $('reports-send').disabled = true;
  const answer = await post('/api/v1/field-reports/damage-notice', { reports, mode: mode() }, { type: 'application/json' })
    .finally(() => { $('reports-send').disabled = false; });
  if (answer.ok) toast(t('reportsSent', { id: answer.body.id }));
  else toast(answer.body?.errors?.map(message).join(' ') ?? String(answer.status));
  refreshReports();
});

async function refreshActive() {
  if (!desk.area) return;
  refreshPlaces();
  refreshDrafts();
  refreshReports();
  const answer = await get(`/api/v1/alerts?code=${desk.area.code}&status=${mode()}`);
  if (!answer.ok) return;
  const items = answer.body.alerts.map((alert) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'active-item';
    button.dataset.id = alert.id;
    if (alert.level) button.dataset.level = alert.level;
    button.innerHTML = '<span class="badge"></span><span class="headline"></span>';
    button.querySelector('.badge').textContent = alert.level ? `Lv${alert.level}`
      : phrase(desk.phrases, `category.${alert.category}`, lang()) || alert.category;
    button.querySelector('.headline').textContent = alert.headline;
    button.addEventListener('click', () => showNotice(alert.id));
    item.append(button);
    return item;
  });
  if (items.length === 0) items.push(Object.assign(document.createElement('li'), { className: 'note', textContent: t('activeNone') }));
  $('active').replaceChildren(...items);
}

setInterval(refreshActive, 5000);
$('new-order').addEventListener('click', () => newOrder());
$('zoom-in').addEventListener('click', () => desk.map?.zoom(0.5));
$('zoom-out').addEventListener('click', () => desk.map?.zoom(2));

// ---- one notice: its state, districts and deliveries, refreshed every 2 s while open ----

async function showNotice(id) {
  clearInterval(desk.openTimer);
  const [status, source] = await Promise.all([get(`/api/v1/notices/${id}`), get(`/api/v1/notices/${id}`, { accept: NOTICE_JSON })]);
  if (!status.ok) return;
  desk.open = { id, status: status.body, notice: source.ok && typeof source.body === 'object' ? source.body : null };
  $('notice').hidden = false;
  $('order').hidden = true;
  renderNotice();
  window.scrollTo(0, 0);
  desk.openTimer = setInterval(async () => {
    const fresh = await get(`/api/v1/notices/${id}`);
    if (fresh.ok && desk.open?.id === id) {
      desk.open.status = fresh.body;
      renderNotice();
    }
  }, 2000);
}

function closeNotice() {
  clearInterval(desk.openTimer);
  desk.open = null;
  $('notice').hidden = true;
  $('order').hidden = false;
}

$('notice-close').addEventListener('click', newOrder);

// Times in Japan time, as every notice states them, whatever the clock of the device the desk runs on.
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'Asia/Tokyo' }) : '');

function renderNotice() {
  const { id, status, notice: source } = desk.open;
  const districts = source?.body?.category === 'evacuation' ? source.body.districts : [];
  $('notice-title').textContent = t('noticeTitle', { id });
  const state = { active: 'stateActive', cancelled: 'stateCancelled', expired: 'stateExpired' }[status.state] ?? 'stateActive';
  $('notice-status').textContent = `${t(state)} · ${t('revision', { rev: status.currentRevision })} · ${status.revisions.at(-1).title}`;
  $('notice-status').dataset.state = status.state;
  $('notice-status').dataset.level = levelOf(districts);
  $('notice-districts').replaceChildren(...districts.map((d) => Object.assign(document.createElement('li'), {
    textContent: `${d.name ?? d.areaCode} — ${d.lifted ? t('lifted') : `Lv${d.level} ${t(`level${d.level}`)}`}${d.persons !== undefined ? ` · ${d.households ?? '-'} / ${d.persons}` : ''}`,
  })));
  // The map shows what the open notice covers now.
  desk.map?.setSelected(status.state === 'active' ? districts.filter((d) => !d.lifted).map((d) => d.name) : [], levelOf(districts));
  const live = status.state === 'active';
  $('notice-actions').hidden = !live;
  for (const b of ['do-update', 'do-lift', 'do-correct']) $(b).hidden = !live || districts.length === 0;
  const rows = [...status.deliveries].sort((a, b) => b.revision - a.revision).map((d) => {
    const row = document.createElement('tr');
    row.dataset.state = d.state;
    row.dataset.revision = d.revision;
    for (const text of [d.subscriber, d.revision, t(d.state), d.attempts, time(d.createdAt), time(d.deliveredAt), d.lastError ?? '']) {
      row.append(Object.assign(document.createElement('td'), { textContent: text }));
    }
    row.children[2].className = `state state-${d.state}`;
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement('tr');
    row.append(Object.assign(document.createElement('td'), { colSpan: 7, className: 'note', textContent: t('deliveriesNone') }));
    rows.push(row);
  }
  $('deliveries').replaceChildren(...rows);
}

/** The open notice into the form, as its next revision. */
function edit(kind) {
  const { status, notice: source } = desk.open;
  const districts = source.body.districts;
  desk.form = {
    kind, documentId: source.envelope.documentId, revision: status.currentRevision + 1,
    districts: districts.filter((d) => !d.lifted).map((d) => ({ name: d.name, households: d.households ?? '', persons: d.persons ?? '' })),
    issued: Object.fromEntries(districts.map((d) => [d.name, d.issued])),
  };
  const current = levelOf(districts);
  if (current) document.querySelector(`input[name=level][value="${current}"]`).checked = true;
  $('disaster-type').value = districts[0]?.disasterType ?? 'flood';
  closeNotice();
  renderForm();
  // Keyboard users land on the form they are now editing.
  $('order-title').focus();
}

$('do-update').addEventListener('click', () => edit('Update'));
$('do-correct').addEventListener('click', () => edit('Correction'));
$('do-lift').addEventListener('click', async () => {
  edit('Update');
  await send(notice({ kind: 'Update', lift: true }));
});

// Cancel says first who will be told: every subscriber the notice has gone to.
$('do-cancel').addEventListener('click', () => {
  const names = [...new Set(desk.open.status.deliveries.map((d) => d.subscriber))];
  $('cancel-who').textContent = names.length ? t('cancelWho', { names: names.join('、') }) : t('cancelNobody');
  $('cancel-reason').value = '';
  $('cancel-reason-error').hidden = true;
  $('cancel-dialog').showModal();
});
$('cancel-back').addEventListener('click', () => $('cancel-dialog').close());
$('cancel-reason').addEventListener('input', () => {
  $('cancel-reason-error').hidden = true;
  $('cancel-reason').removeAttribute('aria-invalid');
});
$('cancel-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const reason = $('cancel-reason').value.trim();
  if (!reason) {
    $('cancel-reason-error').textContent = t('reasonRequired');
    $('cancel-reason-error').hidden = false;
    $('cancel-reason').setAttribute('aria-invalid', 'true');
    $('cancel-reason').focus();
    return;
  }
  const { status, notice: source } = desk.open;
  $('cancel-dialog').close();
  // Revisions name the issuer's own document id; the hub's id (in the URL) is another.
  desk.form = { ...desk.form, documentId: source.envelope.documentId, revision: status.currentRevision + 1 };
  await send(notice({ kind: 'Cancel', reason }));
});

// ---- start ----

translate();
$('exercise').checked = sessionStorage.getItem('desk.exercise') === '1';
$('exercise').dispatchEvent(new Event('change'));
if (!key() || !(await signIn())) {
  $('sign-in').hidden = false;
  $('key').focus();
}
