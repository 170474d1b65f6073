// The field staff's page: sign in with a field key, say what you see, attach photos, send. The position comes from
// the phone when asked, else from a photo's own location; the hub keeps a report without either and flags it.
import { key, setKey, get, clock } from '../desk/api.js';

const $ = (id) => document.getElementById(id);
const CATEGORY = {
  'road-blocked': '通行止め', 'building-damage': '建物の被害', landslide: '土砂崩れ', flooding: '浸水・冠水', other: 'その他',
};
const STATE = { new: '未確認', verified: '確認済み', rejected: '却下', merged: '統合済み', reported: '被害情報で発表' };
let position = null;

async function signIn() {
  const me = await get('/api/v1/me').catch(() => null);
  if (!me?.ok || me.body.role !== 'field') {
    setKey(null);
    return false;
  }
  $('who').textContent = me.body.name;
  $('sign-in').hidden = true;
  $('report').hidden = false;
  $('sign-out').hidden = false;
  await refreshMine();
  return true;
}

$('sign-in-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  setKey($('key').value.trim());
  if (!(await signIn())) {
    $('key-error').hidden = false;
    $('key').setAttribute('aria-invalid', 'true');
  }
});

$('sign-out').addEventListener('click', () => {
  setKey(null);
  location.reload();
});

$('locate').addEventListener('click', () => {
  if (!navigator.geolocation) {
    $('position').textContent = 'この端末では現在地を取れません。写真の位置情報を使います。';
    return;
  }
  $('position').textContent = '現在地を取得しています…';
  navigator.geolocation.getCurrentPosition((p) => {
    position = { lat: p.coords.latitude.toFixed(6), lng: p.coords.longitude.toFixed(6) };
    $('position').textContent = `現在地: ${position.lat}, ${position.lng}（±${Math.round(p.coords.accuracy)} m）`;
  }, () => {
    $('position').textContent = '現在地を取れませんでした。写真の位置情報を使います。どちらもなければ位置なしで届きます。';
  }, { enableHighAccuracy: true, timeout: 15000 });
});

function showErrors(problems) {
  const list = $('errors').querySelector('ul');
  list.replaceChildren(...problems.map((p) => Object.assign(document.createElement('li'), { textContent: `${p.ja}（${p.en}）` })));
  $('errors').hidden = problems.length === 0;
  if (problems.length > 0) $('errors').focus();
}

$('report').addEventListener('submit', async (e) => {
  e.preventDefault();
  const category = document.querySelector('input[name=category]:checked')?.value;
  $('category-error').hidden = Boolean(category);
  $('category-error').textContent = category ? '' : '種類を選んでください。';
  if (!category) {
    document.querySelector('input[name=category]').focus();
    return;
  }
  const form = new FormData();
  form.append('category', category);
  form.append('comment', $('comment').value);
  if (position) {
    form.append('lat', position.lat);
    form.append('lng', position.lng);
  }
  for (const file of $('photos').files) form.append('photo', file, file.name);
  $('send').disabled = true;
  $('sent').textContent = '送信しています…';
  // The browser sets the multipart boundary itself: no Content-Type of our own.
  const answer = await fetch('/api/v1/field-reports', { method: 'POST', headers: { Authorization: `Bearer ${key()}` }, body: form })
    .then(async (r) => ({ ok: r.ok, status: r.status, body: await r.json().catch(() => null) }))
    .catch(() => ({ ok: false, status: 0, body: null }));
  $('send').disabled = false;
  if (!answer.ok) {
    $('sent').textContent = '';
    showErrors(answer.body?.errors ?? [{ ja: `送信できませんでした（${answer.status || '通信エラー'}）。電波のよい所でもう一度送ってください。`, en: 'Not sent; try again where the signal is better.' }]);
    return;
  }
  showErrors([]);
  const report = answer.body;
  $('sent').textContent = report.located
    ? `送信しました（${report.areaName}、位置: ${report.locatedBy === 'photo' ? '写真の位置情報' : '現在地'}）。デスクが確認します。`
    : '送信しました（位置なし）。デスクが確認します。';
  $('report').reset();
  position = null;
  await refreshMine();
});

async function refreshMine() {
  const answer = await get('/api/v1/field-reports');
  if (!answer.ok) return;
  $('mine-card').hidden = answer.body.length === 0;
  $('mine').replaceChildren(...answer.body.map((r) => {
    const item = document.createElement('li');
    item.dataset.id = r.id;
    const time = clock(r.postedAt);
    item.append(`${time} ${CATEGORY[r.category] ?? r.category} — ${STATE[r.state] ?? r.state}`);
    if (!r.located) item.append(' ', Object.assign(document.createElement('span'), { className: 'flag', textContent: '位置なし' }));
    return item;
  }));
}

if (key()) signIn().then((ok) => { $('sign-in').hidden = ok; });
else $('sign-in').hidden = false;
