// The other boards, in the evacuation form's pattern: shelters (edited as a table, or sent as a status sheet), lifeline
// states and general notices. Each send is a native notice; its errors show beside their fields, its deliveries in
// the notice view.
import { t, message } from './i18n.js';
import { get, post, nowJst, newDocumentId, NOTICE_JSON } from './api.js';
import { showErrors, clearErrors } from './errors.js';

const $ = (id) => document.getElementById(id);

export function setUpBoards(desk, { mode, sent }) {
  const envelope = (documentId, revision) => ({
    documentId, revision, issuerCode: desk.area.code, issuerName: desk.area.name, mode: mode(),
    kind: revision === 1 ? 'Issue' : 'Update', sent: nowJst(), areas: [{ code: desk.area.code, name: desk.area.name }],
  });

  /** Sends one notice from a board; true when the hub took it. */
  async function send(form, body) {
    const root = form.closest('section');
    clearErrors(root);
    const answer = await post('/api/v1/notices', body);
    if (answer.status !== 202) {
      showErrors(answer.body?.errors ?? [], answer.body, root);
      return null;
    }
    await sent(answer.body);
    return answer.body;
  }

  // ---- shelters: one document per municipality and mode, each revision the whole list ----
  const shelters = { documentId: null, revision: 1, list: [] };

  async function loadShelters() {
    clearErrors($('panel-shelters'));
    $('csv-errors').replaceChildren();
    const active = await get(`/api/v1/alerts?code=${desk.area.code}&status=${mode()}`);
    const mine = [];
    for (const alert of active.ok ? active.body.alerts.filter((a) => a.category === 'shelters') : []) {
      const source = await get(`/api/v1/notices/${alert.id}`, { accept: NOTICE_JSON });
      if (source.ok && typeof source.body === 'object') mine.push({ ...source.body, revision: alert.revision });
    }
    const current = mine[0];
    Object.assign(shelters, current
      ? { documentId: current.envelope.documentId, revision: current.envelope.revision + 1, list: current.body.shelters }
      : { documentId: newDocumentId(desk.area.code, 'shelters'), revision: 1, list: [] });
    renderShelters();
  }

  function renderShelters() {
    $('shelters-revision').textContent = shelters.revision > 1 ? t('revision', { rev: shelters.revision - 1 }) : '';
    $('shelters').replaceChildren(...shelters.list.map((s, i) => {
      const row = document.createElement('tr');
      row.innerHTML = `
        <td><input id="s${i}-name" data-path="body.shelters.${i}.name" aria-describedby="s${i}-error"><p id="s${i}-error" class="field-error" hidden></p></td>
        <td><select id="s${i}-status" data-path="body.shelters.${i}.status" aria-describedby="s${i}-error">
          <option value="open"></option><option value="full"></option><option value="closed"></option></select></td>
        <td><input type="number" inputmode="numeric" id="s${i}-present" data-path="body.shelters.${i}.present" aria-describedby="s${i}-error"></td>
        <td><input type="number" inputmode="numeric" id="s${i}-capacity" data-path="body.shelters.${i}.capacity" aria-describedby="s${i}-error"></td>
        <td><button type="button" class="icon remove">×</button></td>`;
      const [name, present, capacity] = ['name', 'present', 'capacity'].map((f) => row.querySelector(`#s${i}-${f}`));
      const status = row.querySelector('select');
      for (const option of status.options) option.textContent = t(option.value);
      name.value = s.name ?? '';
      status.value = s.status ?? 'open';
      present.value = s.present ?? '';
      capacity.value = s.capacity ?? '';
      name.setAttribute('aria-label', t('shelterName'));
      status.setAttribute('aria-label', t('shelterStatus', {}) + (s.name ? ` ${s.name}` : ''));
      present.setAttribute('aria-label', `${t('present')} ${s.name ?? ''}`);
      capacity.setAttribute('aria-label', `${t('capacity')} ${s.name ?? ''}`);
      name.addEventListener('input', () => { s.name = name.value; });
      status.addEventListener('change', () => { s.status = status.value; });
      present.addEventListener('input', () => { s.present = present.value; });
      capacity.addEventListener('input', () => { s.capacity = capacity.value; });
      const remove = row.querySelector('.remove');
      remove.setAttribute('aria-label', t('removeDistrict', { name: s.name ?? '' }));
      remove.addEventListener('click', () => { shelters.list.splice(i, 1); renderShelters(); });
      return row;
    }));
  }

  const count = (value) => (value === '' || value === undefined || value === null ? undefined : Number(value));

  $('shelter-add').addEventListener('click', () => {
    shelters.list.push({ name: '', status: 'open', present: '', capacity: '', hazards: [] });
    renderShelters();
    $(`s${shelters.list.length - 1}-name`).focus();
  });

  $('shelters-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const now = nowJst();
    const receipt = await send(e.target, {
      envelope: envelope(shelters.documentId, shelters.revision),
      body: {
        category: 'shelters',
        shelters: shelters.list.map((s) => ({
          ...s, present: count(s.present), capacity: count(s.capacity), hazards: s.hazards ?? [],
          opened: s.status !== 'closed' ? (s.opened ?? now) : s.opened, closed: s.status === 'closed' ? (s.closed ?? now) : undefined,
        })),
      },
    });
    if (receipt) shelters.revision = receipt.revision + 1;
  });

  // The status sheet goes to the intake as it is; the hub reports every bad row with its line.
  $('csv-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = $('csv-file').files[0];
    if (!file) return;
    const query = new URLSearchParams({ sheet: 'shelter-status', documentId: shelters.documentId, revision: shelters.revision, mode: mode() });
    const answer = await post(`/api/v1/notices?${query}`, file, { type: 'text/csv' });
    const errors = answer.status === 202 ? [] : answer.body?.errors ?? [{ ja: answer.body?.titleJa, en: answer.body?.title }];
    $('csv-errors').replaceChildren(...errors.map((error) => Object.assign(document.createElement('li'), {
      // The hub's own text usually names the line already; where it does not, the line goes first.
      textContent: error.line && !message(error).includes(String(error.line)) ? t('csvBad', { n: error.line, msg: message(error) }) : message(error),
    })));
    if (answer.status === 202) {
      await sent(answer.body);
      await loadShelters();
    }
  });

  // ---- lifeline states and general notices: a new document each ----
  $('lifeline-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    await send(e.target, {
      envelope: envelope(newDocumentId(desk.area.code, 'lifeline'), 1),
      body: {
        category: 'lifeline',
        statuses: [{
          kind: $('lifeline-kind').value, state: $('lifeline-state').value, area: { code: desk.area.code, name: desk.area.name },
          households: count($('lifeline-households').value), at: nowJst(),
        }],
      },
    });
  });

  // The places of a general notice: the hub places each on the map from its address (or says it could not).
  const places = [];
  const KINDS = ['water-point', 'bath', 'charging', 'wifi', 'relief-supplies', 'office', 'other'];
  const STATES = ['open', 'preparing', 'closed'];

  function renderPlaces() {
    $('places').replaceChildren(...places.map((p, i) => {
      const row = document.createElement('tr');
      const cell = (field, control) => `<td>${control(`p${i}-${field}`, `body.places.${i}.${field}`)}</td>`;
      const input = (id, path) => `<input id="${id}" data-path="${path}" aria-describedby="p${i}-error">`;
      const select = (values) => (id, path) => `<select id="${id}" data-path="${path}" aria-describedby="p${i}-error">${
        values.map((v) => `<option value="${v}"></option>`).join('')}</select>`;
      row.innerHTML = cell('name', (id, path) => `${input(id, path)}<p id="p${i}-error" class="field-error" hidden></p>`)
        + cell('kind', select(KINDS)) + cell('state', select(STATES)) + cell('address', input) + cell('hours', input)
        + '<td><button type="button" class="icon remove">×</button></td>';
      for (const field of ['name', 'kind', 'state', 'address', 'hours']) {
        const control = row.querySelector(`#p${i}-${field}`);
        const prefix = field === 'kind' ? 'kind' : 'state';
        for (const option of control.options ?? []) option.textContent = t(`${prefix}.${option.value}`);
        control.value = p[field] ?? '';
        control.setAttribute('aria-label', `${t(`place${field[0].toUpperCase()}${field.slice(1)}`)} ${p.name ?? ''}`.trim());
        control.addEventListener(control.tagName === 'SELECT' ? 'change' : 'input', () => { p[field] = control.value; });
      }
      const remove = row.querySelector('.remove');
      remove.setAttribute('aria-label', t('removeDistrict', { name: p.name ?? '' }));
      remove.addEventListener('click', () => { places.splice(i, 1); renderPlaces(); });
      return row;
    }));
  }

  $('place-add').addEventListener('click', () => {
    places.push({ name: '', kind: 'water-point', state: 'open', address: '', hours: '' });
    renderPlaces();
    $(`p${places.length - 1}-name`).focus();
  });

  $('general-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const receipt = await send(e.target, {
      envelope: envelope(newDocumentId(desk.area.code, 'general'), 1),
      body: {
        category: 'general', title: $('general-title-field').value.trim(), text: $('general-text').value.trim(),
        places: places.map((p) => ({ name: p.name.trim(), kind: p.kind, state: p.state, address: p.address.trim() || null, hours: p.hours.trim() || null })),
      },
    });
    if (receipt) { places.length = 0; renderPlaces(); }
  });

  return { loadShelters };
}
