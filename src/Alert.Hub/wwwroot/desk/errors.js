// The hub's errors beside the fields that caused them. Problems carry a path: a JSON path for the JSON form
// ($.body.districts[0].persons) or the XML-like path of the district checks (/notice/evacuation/district[1]/name).
import { t, message } from './i18n.js';

// The XML path names the body by its category and each item in the singular: district[1] is districts[0].
const plural = { district: 'districts', shelter: 'shelters', place: 'places', status: 'statuses', report: 'reports', area: 'areas' };

/** "$.body.districts[0].persons" and "/notice/evacuation/district[1]/persons" both → "body.districts.0.persons". */
export function fieldKey(path) {
  if (!path) return null;
  if (path.startsWith('$')) return path.slice(2).replace(/\[(\d+)\]/g, '.$1');
  const [first, ...rest] = path.split('/').filter((s) => s && s !== 'notice');
  const steps = rest.map((step) => {
    const [, name, index] = step.match(/^([\w-]+)\[(\d+)\]$/) ?? [null, step, null];
    return index ? `${plural[name] ?? name}.${Number(index) - 1}` : name;
  });
  return [first === 'envelope' ? 'envelope' : 'body', ...steps].join('.');
}

/** The element an error belongs to: the field itself, or the field all items share (the form's one level). */
function fieldFor(key, root) {
  if (!key) return null;
  for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const exact = root.querySelector(`[data-path="${k}"]`) ?? root.querySelector(`[data-path="${k.replace(/\.\d+(?=\.|$)/, '.*')}"]`);
    if (exact) return exact;
  }
  return null;
}

export function clearErrors(root = document) {
  for (const el of root.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const box of root.querySelectorAll('.error-summary')) box.hidden = true;
}

/** A summary box above the form of a section that has none yet. */
function newSummary(root) {
  const box = document.createElement('div');
  box.className = 'error-summary';
  box.setAttribute('role', 'alert');
  box.setAttribute('aria-label', t('errorsTitle'));
  box.tabIndex = -1;
  box.append(Object.assign(document.createElement('p'), { textContent: t('errorsTitle') }), document.createElement('ul'));
  root.querySelector('form').before(box);
  return box;
}

/** Shows each error beside its field (aria-describedby) and all of them in the summary at the top, which takes focus. */
export function showErrors(errors, problem, root = document) {
  const list = errors.length ? errors : [{ ja: problem?.titleJa ?? t('networkError'), en: problem?.title ?? t('networkError'), path: null }];
  const items = list.map((error) => {
    const field = fieldFor(fieldKey(error.path), root);
    const item = document.createElement('li');
    const text = message(error);
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      const note = field.classList.contains('field-error') ? field : document.getElementById(field.getAttribute('aria-describedby')?.split(' ')[0]);
      if (note) {
        note.textContent = note.hidden ? text : `${note.textContent} ${text}`;
        note.hidden = false;
      }
      const link = document.createElement('a');
      link.href = '#';
      link.textContent = text;
      link.addEventListener('click', (e) => {
        e.preventDefault();
        (field.matches('input, select, textarea') ? field : field.querySelector('input') ?? field).focus();
      });
      item.append(link);
    } else {
      item.textContent = text;
    }
    return item;
  });
  const box = root.querySelector('.error-summary') ?? newSummary(root);
  box.querySelector('ul').replaceChildren(...items);
  box.hidden = false;
  box.focus();
}
