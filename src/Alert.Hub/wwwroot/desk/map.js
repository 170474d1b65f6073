// The municipality drawn as SVG from the hub's own GeoJSON (no tiles: the desk may have no internet), with its towns'
// approximate cells as toggle buttons. One cell at a time is in the tab order; arrow keys move between them.
import { rings, projection, pathOf } from '../public.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 800;

/**
 * Draws the map into the container. onToggle(name) is called when a cell is clicked or pressed (Enter/Space);
 * the caller says which are selected through the returned setSelected(names, level).
 */
export function drawMap(container, boundary, towns, { onToggle, label }) {
  const { height, at } = projection(rings(boundary.geometry).flat(), WIDTH);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${height}`);
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', label);
  svg.classList.add('map');

  const outline = document.createElementNS(SVG, 'path');
  outline.setAttribute('d', pathOf(boundary.geometry, at));
  outline.classList.add('boundary');
  svg.append(outline);

  const cells = new Map();
  const labels = document.createElementNS(SVG, 'g');
  labels.classList.add('labels');
  for (const feature of towns.features) {
    const name = feature.properties.name;
    const cell = document.createElementNS(SVG, 'path');
    cell.setAttribute('d', pathOf(feature.geometry, at));
    cell.setAttribute('role', 'button');
    cell.setAttribute('aria-pressed', 'false');
    cell.setAttribute('aria-label', name);
    cell.setAttribute('tabindex', '-1');
    cell.classList.add('cell');
    cell.dataset.name = name;
    const title = document.createElementNS(SVG, 'title');
    title.textContent = name;
    cell.append(title);
    svg.append(cell);
    const [x, y] = at(feature.properties.point);
    cells.set(name, { cell, x, y });
  }
  svg.append(labels);
  // Places of the notices in force (water points, shelters…): drawn over the cells but never in the way of a click.
  const places = document.createElementNS(SVG, 'g');
  places.classList.add('places');
  places.setAttribute('aria-hidden', 'true');
  svg.append(places);
  const order = [...cells.values()].map((c) => c.cell);
  if (order.length > 0) order[0].setAttribute('tabindex', '0');

  const focus = (cell) => {
    for (const c of order) c.setAttribute('tabindex', '-1');
    cell.setAttribute('tabindex', '0');
    cell.focus();
  };
  svg.addEventListener('click', (e) => {
    const cell = e.target.closest('.cell');
    if (cell) onToggle(cell.dataset.name);
  });
  svg.addEventListener('keydown', (e) => {
    const cell = e.target.closest('.cell');
    if (!cell) return;
    const i = order.indexOf(cell);
    const moves = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: order.length - 1 };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onToggle(cell.dataset.name);
    } else if (e.key in moves) {
      e.preventDefault();
      focus(order[(moves[e.key] + order.length) % order.length]);
    }
  });

  // Zoom by buttons and pan by dragging: a city's central towns are small at the full view.
  let view = { x: 0, y: 0, w: WIDTH, h: height };
  const show = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  const zoom = (factor) => {
    const cx = view.x + view.w / 2;
    const cy = view.y + view.h / 2;
    const w = Math.min(WIDTH, Math.max(WIDTH / 16, view.w * factor));
    const h = w * height / WIDTH;
    view = { x: cx - w / 2, y: cy - h / 2, w, h };
    show();
  };
  let drag = null;
  svg.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY, view, moved: false }; });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const ratio = view.w / svg.getBoundingClientRect().width;
    const [dx, dy] = [e.clientX - drag.x, e.clientY - drag.y];
    if (Math.abs(dx) + Math.abs(dy) < 4 && !drag.moved) return;
    drag.moved = true;
    view = { ...drag.view, x: drag.view.x - dx * ratio, y: drag.view.y - dy * ratio };
    show();
  });
  svg.addEventListener('pointerup', () => { setTimeout(() => { drag = null; }); });
  // A drag that moved is not a click on the cell under it.
  svg.addEventListener('click', (e) => { if (drag?.moved) e.stopImmediatePropagation(); }, true);

  container.replaceChildren(svg);
  return {
    zoom,
    setSelected(names, level) {
      labels.replaceChildren();
      for (const [name, { cell, x, y }] of cells) {
        const on = names.includes(name);
        cell.setAttribute('aria-pressed', String(on));
        cell.classList.toggle('selected', on);
        cell.dataset.level = on ? level : '';
        if (on) {
          const text = document.createElementNS(SVG, 'text');
          text.setAttribute('x', x);
          text.setAttribute('y', y);
          text.textContent = name;
          labels.append(text);
        }
      }
    },
    has: (name) => cells.has(name),
    /** Draws one marker per GeoJSON point feature, classed by its layer and state; the page lists them in words. */
    setPlaces(features) {
      places.replaceChildren(...features.map((f) => {
        const [x, y] = at(f.geometry.coordinates);
        const dot = document.createElementNS(SVG, 'circle');
        dot.setAttribute('cx', x);
        dot.setAttribute('cy', y);
        dot.setAttribute('r', '12');
        dot.classList.add('place', f.layer, f.properties.state);
        return dot;
      }));
    },
  };
}
