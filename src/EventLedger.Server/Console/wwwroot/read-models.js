// The read-models table: one row per entry of GET /projections (whatever kinds of consumer the server hosts), updated
// in place from each status event, with a lag chart and the latest rebuild's progress, ETA and controls.
import { call } from './api.js';
import { el, number, shortId, svg, duration, time } from './dom.js';

const ChartPoints = 60; // one a second: the last minute
const RateWindowMs = 10_000;

export function readModelsTable(tbody, { onMessage }) {
  const rows = new Map();

  function row(name) {
    if (rows.has(name)) return rows.get(name);
    const cells = {};
    for (const field of ['name', 'liveVersion', 'state', 'lag', 'applied', 'deadLetters', 'shards', 'rebuild']) {
      cells[field] = el('td', { dataset: { field } });
    }

    const entry = { name, cells, lags: [], rates: [], tr: el('tr', { dataset: { readModel: name } }, Object.values(cells)) };
    entry.rebuild = rebuildCell(entry, onMessage);
    cells.rebuild.append(entry.rebuild.node);
    rows.set(name, entry);
    tbody.append(entry.tr);
    return entry;
  }

  return {
    update(snapshot) {
      const at = Date.parse(snapshot.at);
      const seen = new Set();
      for (const model of snapshot.readModels) {
        seen.add(model.name);
        render(row(model.name), model, at);
      }

      for (const [name, entry] of rows) {
        if (!seen.has(name)) { entry.tr.remove(); rows.delete(name); }
      }
    },
  };
}

function render(entry, model, at) {
  const { cells } = entry;
  // liveVersion is the API's word; servers before it said activeVersion.
  const live = model.liveVersion ?? model.activeVersion;
  cells.name.replaceChildren(el('strong', { text: model.name }), el('span', { className: 'muted', text: ` schema v${model.schemaVersion}` }));
  cells.liveVersion.replaceChildren(el('span', { className: 'version', text: `v${live}` }));
  cells.state.replaceChildren(el('span', { className: 'badge', dataset: { state: String(model.state).toLowerCase() }, text: String(model.state).toLowerCase() }));

  entry.lags.push({ at, lag: model.lagMilliseconds });
  if (entry.lags.length > ChartPoints) entry.lags.shift();
  cells.lag.replaceChildren(
    el('span', { className: 'lag-value', text: model.lagMilliseconds === null || model.lagMilliseconds === undefined ? '—' : `${number(model.lagMilliseconds)} ms` }),
    lagChart(entry.lags));

  cells.applied.textContent = number(model.appliedCount);
  cells.deadLetters.replaceChildren(el('span', { className: model.deadLetters > 0 ? 'count alert' : 'count', text: number(model.deadLetters) }));
  cells.shards.replaceChildren(shards(model.versions ?? []));
  // A reaction is listed like a read model but never rebuilt (it would send every message again): no controls for it.
  entry.rebuild.show(model.rebuild, at, live, model.rebuildable !== false);
}

/** The last minute of lag as a small line chart; the scale is the largest lag in view. */
function lagChart(points) {
  const width = 120;
  const height = 28;
  const values = points.map(p => (typeof p.lag === 'number' ? p.lag : null));
  const max = Math.max(1, ...values.filter(v => v !== null));
  const step = width / (ChartPoints - 1);
  const offset = width - (points.length - 1) * step;
  const coordinates = values
    .map((v, i) => (v === null ? null : `${(offset + i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`))
    .filter(Boolean);
  return svg('svg', { className: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `lag over the last minute, peak ${number(max)} ms` },
    svg('title', { text: `peak ${number(max)} ms in the last ${points.length} s` }),
    svg('line', { x1: 0, y1: height - 2, x2: width, y2: height - 2, className: 'axis' }),
    coordinates.length > 1 ? svg('polyline', { points: coordinates.join(' '), className: 'line' }) : null);
}

function shards(versions) {
  if (versions.length === 0) return el('span', { className: 'muted', text: 'not fed here' });
  return el('ul', { className: 'shards' }, versions.map(v => v.shards.map(s => el('li', {},
    el('span', { className: 'muted', text: `v${v.version} ${v.role} ` }),
    shortId(s.shardId, 8), ' ',
    el('span', { className: 'badge small', dataset: { state: String(s.state).toLowerCase() }, text: String(s.state).toLowerCase() }),
    ' owner ', el('span', { className: 'owner', text: s.owner ?? '—' }),
    ' at ', shortId(s.checkpoint, 8)))));
}

/** The latest rebuild: a bar, what it is doing, events per second and the time left; Rebuild and Cancel buttons. */
function rebuildCell(entry, onMessage) {
  const fill = el('div', { className: 'fill' });
  const bar = el('div', { className: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': `rebuild of ${entry.name}` }, fill);
  const label = el('div', { className: 'rebuild-label' });
  const detail = el('div', { className: 'rebuild-detail muted' });
  const start = el('button', { type: 'button', dataset: { action: 'rebuild' }, text: 'Rebuild' });
  const restart = el('button', { type: 'button', className: 'secondary', dataset: { action: 'restart' }, text: 'Start over', hidden: true,
    title: 'Drop the half-built version and rebuild from the start' });
  const cancel = el('button', { type: 'button', className: 'secondary', dataset: { action: 'cancel' }, text: 'Cancel', hidden: true });
  const path = `/projections/${encodeURIComponent(entry.name)}/rebuild`;
  let current = null;

  async function act(method, button, done, failed, query = '') {
    button.disabled = true;
    try {
      const status = await call(method, path + query);
      if (status) show(status, null, status.liveVersion);
      onMessage(`${done} ${entry.name}.`);
    } catch (error) {
      onMessage(`Could not ${failed} ${entry.name}: ${error.message}`, true);
    } finally {
      button.disabled = current?.state === 'running' && button === start;
    }
  }

  start.addEventListener('click', () => act('POST', start, 'Started a rebuild of', 'start a rebuild of'));
  restart.addEventListener('click', () => act('POST', restart, 'Started over the rebuild of', 'start over the rebuild of', '?restart=true'));
  cancel.addEventListener('click', () => act('DELETE', cancel, 'Cancelled the rebuild of', 'cancel the rebuild of'));

  function show(rebuild, at, liveVersion, rebuildable = true) {
    if (!rebuildable) {
      start.hidden = restart.hidden = cancel.hidden = bar.hidden = true;
      label.textContent = 'not rebuilt';
      detail.textContent = `a reaction: redeliver its messages instead (eventledger reactions redeliver ${entry.name} --from …)`;
      return;
    }

    current = rebuild ?? null;
    start.hidden = false;
    const running = rebuild?.state === 'running';
    // A cancelled or failed rebuild resumes from its saved progress, or starts over (?restart=true).
    const stopped = rebuild?.state === 'cancelled' || rebuild?.state === 'failed';
    start.disabled = running;
    start.textContent = stopped ? 'Resume' : 'Rebuild';
    restart.hidden = !stopped;
    cancel.hidden = !running;
    bar.hidden = !rebuild;
    if (!rebuild) {
      label.textContent = 'never rebuilt';
      detail.textContent = '';
      return;
    }

    const done = rebuild.eventsDone ?? 0;
    const total = Math.max(rebuild.eventsTotal ?? 0, done);
    // 100 means finished: a bulk load that has read every event still has the catch-up and the switch ahead of it.
    const percent = rebuild.state === 'completed' ? 100 : total > 0 ? Math.min(99, Math.floor((done / total) * 100)) : null;
    if (percent === null) bar.removeAttribute('aria-valuenow'); else bar.setAttribute('aria-valuenow', String(percent));
    bar.dataset.state = rebuild.state;
    fill.style.width = `${percent ?? 0}%`;

    const rate = eventsPerSecond(entry, rebuild, at);
    label.textContent = `v${rebuild.version} ${rebuild.state} · ${rebuild.phase}${percent === null ? '' : ` · ${percent}%`}`;
    const parts = [`${number(done)} / ${total > 0 ? number(total) : '?'} events`];
    if (running && rate > 0) parts.push(`${number(Math.round(rate))} events/s`);
    if (running && rebuild.phase === 'bulk-load' && rate > 0 && total > done) parts.push(`ETA ${duration((total - done) / rate)}`);
    if (running && rebuild.phase !== 'bulk-load') parts.push(`${rebuild.phase}: live is v${liveVersion}`);
    if (!running) parts.push(`finished ${time(rebuild.finishedAt)}`);
    if (rebuild.error) parts.push(`error: ${rebuild.error}`);
    detail.textContent = parts.join(' · ');
  }

  return { node: el('div', { className: 'rebuild' }, bar, label, detail, el('div', { className: 'actions' }, start, restart, cancel)), show };
}

/** Over the last ten seconds of samples of this rebuild; before there are two, the average since it started. */
function eventsPerSecond(entry, rebuild, at) {
  if (rebuild.state !== 'running') { entry.rates = []; return 0; }
  if (at === null) return 0; // an answer to a click, not a timed status event
  const samples = entry.rates.filter(s => s.version === rebuild.version && at - s.at <= RateWindowMs);
  samples.push({ version: rebuild.version, at, done: rebuild.eventsDone });
  entry.rates = samples;
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (last.at - first.at >= 1000 && last.done > first.done) return ((last.done - first.done) * 1000) / (last.at - first.at);
  const elapsed = (at - Date.parse(rebuild.startedAt)) / 1000;
  return elapsed > 0 ? rebuild.eventsDone / elapsed : 0;
}
