// What the hub's pages share: asking the hub's public API, reading its phrases, and drawing maps of its GeoJSON.

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

/** The rings of a GeoJSON polygon or multipolygon, as [lng, lat] points. */
export function rings(geometry) {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

/**
 * An equirectangular projection of [lng, lat] points onto a picture `width` wide, north up, longitude shrunk by the
 * latitude's cosine: true enough at a city's scale, and no tiles (the hub's machines may have no internet).
 */
export function projection(points, width) {
  const lngs = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [west, east, south, north] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
  const shrink = Math.cos(((north + south) / 2) * Math.PI / 180);
  const scale = width / ((east - west) * shrink);
  return {
    height: Math.ceil((north - south) * scale),
    at: ([lng, lat]) => [((lng - west) * shrink * scale).toFixed(1), ((north - lat) * scale).toFixed(1)],
  };
}

/** An SVG path of a geometry's rings. */
export const pathOf = (geometry, at) => rings(geometry).map((ring) => `M${ring.map((p) => at(p).join(',')).join('L')}Z`).join('');

