// A signage display: the operator's content in peacetime; the notice in force at the display's point, at or above its
// level, full screen in the level's colour otherwise. Watches the hub's stream, asks the alerts query what is in force,
// keeps the last state on screen when the network goes, and says how old it is.

import { json, phrase, distance } from '/public.js';

const $ = (id) => document.getElementById(id);
const deviceId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');
const query = new URLSearchParams(location.search);
// ?rotate= and ?stale= (seconds) are for tests and trials; a display's own settings come from the hub.
const rotateMs = (Number(query.get('rotate')) || 8) * 1000;

// Words of the page itself; the notice's words come from the standard-phrase dictionary or the notice.
const labels = {
  level: { ja: '警戒レベル', 'ja-x-easy': 'けいかい レベル', en: 'Alert level', 'zh-Hans': '警戒级别', ko: '경계 레벨', vi: 'Cấp cảnh báo', pt: 'Nível de alerta' },
  shelter: { ja: '最寄りの避難所', 'ja-x-easy': 'ちかくの ひなんじょ', en: 'Nearest shelter', 'zh-Hans': '最近的避难所', ko: '가장 가까운 대피소', vi: 'Nơi lánh nạn gần nhất', pt: 'Abrigo mais próximo' },
  language: { ja: '日本語', 'ja-x-easy': 'やさしい にほんご', en: 'English', 'zh-Hans': '简体中文', ko: '한국어', vi: 'Tiếng Việt', pt: 'Português' },
};

let display = null;
let phrases = null;         // the hub's standard phrases, when it serves them
let alerts = [];            // in force here, at or above the display's level, most severe first
let shelter = null;
const cancelled = new Set(); // a cancel is final: a refetch racing it never brings the notice back
let languageIndex = 0;
let lastHeard = null;

const jst = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The languages shown in turn: the display's, where the dictionary has words; Japanese and English from the notice without it. */
function languages() {
  const available = phrases ? Object.keys(phrases.phrases?.['level.4'] ?? {}) : ['ja', 'en'];
  const chosen = display.languages.filter((l) => available.includes(l));
  return chosen.length ? chosen : ['ja'];
}

const say = (key, lang) => phrase(phrases, key, lang);

function render() {
  const notice = alerts[0];
  document.body.dataset.mode = notice ? 'disaster' : 'peacetime';
  $('peacetime').hidden = !!notice;
  $('disaster').hidden = !notice;
  if (!notice) {
    delete document.body.dataset.level;
    delete document.body.dataset.notice;
    return;
  }
  const langs = languages();
  const lang = langs[languageIndex % langs.length];
  const level = notice.level;
  document.body.dataset.level = level;
  document.body.dataset.notice = notice.id;
  document.documentElement.lang = lang;
  $('exercise').hidden = display.status === 'Actual';
  $('level-label').textContent = labels.level[lang] ?? labels.level.en;
  $('level-number').textContent = level;
  // Without the dictionary: the notice's own headline, in Japanese or its English one.
  $('level-name').textContent = say(`level.${level}`, lang)
    ?? (lang === 'en' ? notice.headlineEn ?? notice.headline : notice.headline);
  $('area').textContent = display.area.name;
  $('action').textContent = (lang === 'ja' && notice.instruction) || say(`action.${level}`, lang) || (lang === 'ja' ? '' : notice.instruction ?? '');
  $('shelter').hidden = !shelter;
  if (shelter) {
    $('shelter-label').textContent = labels.shelter[lang] ?? labels.shelter.en;
    $('shelter-name').textContent = shelter.name;
    $('shelter-distance').textContent = distance(shelter.distanceM);
  }
  $('language-name').textContent = `${labels.language[lang] ?? lang}  ${langs.indexOf(lang) + 1}/${langs.length}`;
}

/** The nearest open shelter, or none: the hub may not serve shelters (404), and a sign shows nothing rather than an error. */
async function findShelter() {
  try {
    const answer = await json(`/api/v1/shelters?lat=${display.location.lat}&lng=${display.location.lng}&limit=5`);
    shelter = answer.shelters?.find((s) => s.status === 'open') ?? null;
  } catch {
    shelter = null;
  }
}

/** What is in force at the display's point now; throws when the hub cannot be reached. */
async function refresh() {
  const answer = await json(`/api/v1/alerts?lat=${display.location.lat}&lng=${display.location.lng}&status=${display.status}`);
  alerts = answer.alerts.filter((a) => a.level != null && a.level >= display.minLevel && !cancelled.has(a.id));
  if (alerts.length) await findShelter();
  render();
}

function heard() {
  lastHeard = new Date();
}

function markStale() {
  const since = jst.format(lastHeard ?? new Date());
  $('stale').textContent = `⚠ 接続が切れています。${since} 以降の情報は反映されていません / Offline: stale since ${since}`;
  $('stale').hidden = false;
  document.body.dataset.stale = 'true';
}

function clearStale() {
  $('stale').hidden = true;
  delete document.body.dataset.stale;
}

function handle(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (!['notice', 'cancel', 'expired', 'reset'].includes(type)) return;
  if (type === 'cancel') {
    // Off the screen at once, before asking what else is in force.
    const id = JSON.parse(data.join('\n') || '{}').id;
    cancelled.add(id);
    alerts = alerts.filter((a) => a.id !== id);
    render();
  }
  refresh().catch(() => {});
  // The alerts index may take a moment longer than the stream to see a revision: ask once more shortly after.
  setTimeout(() => refresh().catch(() => {}), 2000);
}

/**
 * Reads the stream with fetch rather than EventSource: EventSource hides comments, so a page using it cannot see the
 * heartbeats that tell a silent connection from a dead one. Reconnects by itself, and asks what is in force on every
 * (re)open, which also covers whatever passed while it was away.
 */
async function listen() {
  const staleMs = (Number(query.get('stale')) || display.staleAfterSeconds) * 1000;
  const url = `/api/v1/stream?codes=${display.area.code}&status=${display.status}`;
  for (let failures = 0; ; failures++) {
    const controller = new AbortController();
    let watchdog = 0;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => { markStale(); controller.abort(); }, staleMs);
    };
    try {
      const response = await fetch(url, { signal: controller.signal, cache: 'no-store', headers: { Accept: 'text/event-stream' } });
      if (!response.ok || !response.body) throw new Error(`stream: ${response.status}`);
      arm();
      await refresh();
      heard();
      clearStale();
      failures = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        heard();
        arm();
        buffer = (buffer + value).replace(/\r\n?/g, '\n');
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          handle(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Network gone, hub restarting, or the watchdog gave up on a silent connection: try again below.
    }
    clearTimeout(watchdog);
    markStale();
    await sleep(Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
  }
}

function tick() {
  $('clock').textContent = jst.format(new Date());
}

async function start() {
  for (;;) {
    try {
      display = await json(`/api/v1/signage/${encodeURIComponent(deviceId)}`);
      break;
    } catch (error) {
      if (error.status === 404) {
        $('unknown').textContent = `表示機「${deviceId}」は登録されていません / Display "${deviceId}" is not registered.`;
        $('unknown').hidden = false;
        document.body.dataset.mode = 'unknown';
        return;
      }
      await sleep(5000); // the hub not reachable yet: a sign keeps trying
    }
  }
  document.title = display.name;
  if (display.peacetime.url) {
    $('peacetime-frame').src = display.peacetime.url;
    $('peacetime-frame').hidden = false;
  } else {
    $('message').textContent = display.peacetime.message ?? display.name;
    $('display-name').textContent = display.name;
    $('peacetime-message').hidden = false;
    tick();
    setInterval(tick, 1000);
  }
  try {
    phrases = await json('/api/v1/phrases');
  } catch {
    phrases = null; // the notice's own Japanese and English stand in
  }
  setInterval(() => {
    languageIndex++;
    if (alerts.length) render();
  }, rotateMs);
  render();
  listen();
}

start();
