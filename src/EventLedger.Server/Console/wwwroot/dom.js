// Builds elements from data without ever parsing data as HTML: every string becomes a text node or an attribute value,
// so an error message or an event field from the server cannot inject markup into the page.

const SvgNamespace = 'http://www.w3.org/2000/svg';

export function el(tag, props = {}, ...children) {
  return fill(document.createElement(tag), props, children);
}

export function svg(tag, props = {}, ...children) {
  return fill(document.createElementNS(SvgNamespace, tag), props, children);
}

function fill(node, props, children) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
  }

  node.append(...children.flat(Infinity).filter(c => c !== null && c !== undefined && c !== false)
    .map(c => (c instanceof Node ? c : String(c))));
  return node;
}

export const number = n => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function time(iso) {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const two = n => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
}

/** The last `keep` characters of a long identifier (shard ids, sequence numbers), the whole in the tooltip. */
export function shortId(id, keep = 12) {
  if (id === null || id === undefined) return el('span', { text: '—' });
  const text = String(id);
  return el('span', { className: 'id', title: text, text: text.length <= keep + 1 ? text : `…${text.slice(-keep)}` });
}

/** A table of objects whose columns are the union of their keys (for read-model rows whose shape the page does not fix). */
export function objectTable(rows, label) {
  if (!Array.isArray(rows) || rows.length === 0) return el('p', { className: 'empty', text: `No ${label}.` });
  const columns = [...new Set(rows.flatMap(r => Object.keys(r)))];
  return el('table', { className: 'data', dataset: { table: label } },
    el('thead', {}, el('tr', {}, columns.map(c => el('th', { scope: 'col', text: c })))),
    el('tbody', {}, rows.map(r => el('tr', {}, columns.map(c => el('td', { text: cell(r[c]) }))))));
}

const cell = v => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
