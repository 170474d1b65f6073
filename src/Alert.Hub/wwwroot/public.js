// What the public pages (the resident page and signs) share: asking the hub's public API and reading its phrases.

/** GETs JSON from the hub, never from the HTTP cache; throws with the status and the problem document when refused. */
export async function json(path) {
  const response = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw Object.assign(new Error(`${path}: ${response.status}`), { status: response.status, body });
  return body;
}

/** A standard phrase from /api/v1/phrases in a language (its phrases.json key), or '' when there is none. */
export const phrase = (phrases, key, lang) => phrases?.phrases?.[key]?.[lang] ?? '';

/** Metres as people say them: 420 m, 3.2 km. */
export const distance = (metres) => (metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`);
