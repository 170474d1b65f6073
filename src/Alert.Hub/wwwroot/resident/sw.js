// Keeps the page itself and the phrase dictionary so the page opens offline; what applies here is kept, dated, by
// the page (localStorage), which says plainly when it shows an old answer. Network first: a fresh page when there is one.
const CACHE = 'resident-v3';
const SHELL = ['./', './index.html', './resident.js', './i18n.js', './resident.css', './manifest.webmanifest', './icon.svg', '../levels.css', '../public.js', '/api/v1/phrases'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const shell = url.origin === location.origin && (url.pathname.startsWith('/resident/') || url.pathname === '/api/v1/phrases' || url.pathname === '/levels.css' || url.pathname === '/public.js');
  if (event.request.method !== 'GET' || !shell) return; // the API's answers and the stream go straight to the network
  event.respondWith(fetch(event.request)
    .then((response) => {
      const copy = response.clone();
      if (response.ok) caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      return response;
    })
    .catch(() => caches.match(event.request, { ignoreSearch: true })));
});
