// The desk's stations: the gauges it watches and the level each reading stands for. A reading over a threshold makes a
// draft the desk sees beside its map (desk.js); this is where the thresholds are set, in peacetime, by the same desk.
import { t } from './i18n.js';
import { get, call, clock } from './api.js';
import { showErrors, clearErrors } from './errors.js';

const $ = (id) => document.getElementById(id);
const LEVELS = [3, 4, 5];

export function setUpStations(desk, { toast }) {
  const root = $('stations-card');

  function edit(station) {
    clearErrors(root);
    $('station-id').value = station?.id ?? '';
    $('station-id').readOnly = Boolean(station); // the id is the station's address: a new id is a new station
    $('station-name').value = station?.name ?? '';
    $('station-kind').value = station?.kind ?? 'river-level';
    $('station-area').value = station?.areaCode ?? desk.area.code;
    for (const level of LEVELS) $(`station-t${level}`).value = station?.thresholds.find((x) => x.level === level)?.value ?? '';
    $('station-secret').textContent = '';
  }

  async function load() {
    const answer = await get('/api/v1/stations');
    if (!answer.ok) return;
    $('stations').replaceChildren(...answer.body.map((s) => {
      const row = document.createElement('tr');
      row.dataset.id = s.id;
      const time = s.lastAt ? clock(s.lastAt) : '';
      const cells = [`${s.name}（${s.id}）`, t(s.kind), s.areaCode, s.thresholds.map((x) => `${x.level}: ${x.value}`).join(' / '),
        s.lastValue == null ? '—' : t('stationLastLine', { value: s.lastValue, time, level: s.lastLevel })];
      row.append(...cells.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
      const actions = document.createElement('td');
      const button = (text, className, onClick) => {
        const b = Object.assign(document.createElement('button'), { type: 'button', className, textContent: text });
        b.setAttribute('aria-label', `${text} ${s.name}`);
        b.addEventListener('click', onClick);
        return b;
      };
      actions.append(button(t('stationEdit'), 'quiet station-edit', () => { edit(s); $('station-name').focus(); }),
        button(t('stationDelete'), 'danger station-delete', async () => {
          if (!window.confirm(t('stationDeleteConfirm', { name: s.name }))) return;
          await call('DELETE', `/api/v1/stations/${encodeURIComponent(s.id)}`);
          edit(null);
          load();
        }));
      row.append(actions);
      return row;
    }));
  }

  $('station-new').addEventListener('click', () => { edit(null); $('station-id').focus(); });

  $('station-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(root);
    // Problems name the thresholds sent by their place in the list: the levels left blank are not in it.
    const used = LEVELS.filter((level) => $(`station-t${level}`).value.trim() !== '');
    used.forEach((level, i) => $(`station-t${level}`).setAttribute('data-path', `thresholds.${i}`));
    const body = {
      name: $('station-name').value.trim(), kind: $('station-kind').value, areaCode: $('station-area').value.trim(),
      thresholds: used.map((level) => ({ value: Number($(`station-t${level}`).value), level })),
    };
    const id = $('station-id').value.trim();
    const answer = await call('PUT', `/api/v1/stations/${encodeURIComponent(id || '-')}`, { body, type: 'application/json' });
    if (!answer.ok) {
      showErrors(answer.body?.errors ?? [], answer.body, root);
      return;
    }
    toast(t('stationSaved', { name: answer.body.name }));
    edit(answer.body);
    // Shown when the station is made: the gauge's feed signs its readings with it.
    if (answer.status === 201) $('station-secret').textContent = t('stationSecret', { secret: answer.body.secret });
    load();
  });

  edit(null);
  load();
}
