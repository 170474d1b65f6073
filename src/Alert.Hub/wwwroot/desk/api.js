// The hub's API as the desk uses it: the issuer's key from this tab's session only (never localStorage or cookies).
const KEY = 'desk.key';

export const key = () => sessionStorage.getItem(KEY);
export const setKey = (value) => (value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY));

export const NOTICE_JSON = 'application/vnd.alert-hub.notice+json';

/** Calls the hub; answers { status, body } with the body parsed when it is JSON. */
export async function call(method, path, { body, type = NOTICE_JSON, accept } = {}) {
  const headers = {};
  if (key()) headers.Authorization = `Bearer ${key()}`;
  if (accept) headers.Accept = accept;
  if (body !== undefined) headers['Content-Type'] = type;
  const response = await fetch(path, {
    method, headers, body: body === undefined || typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  if (/json/.test(response.headers.get('Content-Type') ?? '')) {
    try { parsed = JSON.parse(text); } catch { /* left as text */ }
  }
  return { status: response.status, ok: response.ok, body: parsed };
}

export const get = (path, options) => call('GET', path, options);
export const post = (path, body, options) => call('POST', path, { ...options, body });

/** Now in Japan time with its offset, as notices carry it. */
export function nowJst() {
  const jst = new Date(Date.now() + 9 * 3600 * 1000);
  return `${jst.toISOString().slice(0, 19)}+09:00`;
}

/** Hours and minutes in Japan time (12:05), as the desk and the field page show when something happened. */
export const clock = (iso) => new Date(iso).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });

/** A new document id: the issuer's code, the day and a random tail. */
export function newDocumentId(code, category) {
  const day = nowJst().slice(0, 10).replaceAll('-', '');
  return `${code}-${category}-${day}-${Math.random().toString(36).slice(2, 8)}`;
}
