// Dead letters: the list (GET /dead-letters), one record's error and event, retry and discard. The list reloads when
// the status stream's dead-letter count changes, so a record parked or cleared elsewhere shows up without a click.
import { call } from './api.js';
import { el, number, shortId, time } from './dom.js';

export function deadLettersPanel({ tbody, detail, summary, onMessage }) {
  let loading = null;
  let reloadAgain = false;

  async function load() {
    if (loading) { reloadAgain = true; return loading; }
    loading = (async () => {
      try {
        const items = [];
        let token = null;
        do {
          const page = await call('GET', `/dead-letters?pageSize=200${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
          items.push(...page.items);
          token = page.nextPageToken;
        } while (token && items.length < 1000);
        render(items);
      } catch (error) {
        summary.textContent = `Could not list dead letters: ${error.message}`;
      } finally {
        loading = null;
        if (reloadAgain) { reloadAgain = false; load(); }
      }
    })();
    return loading;
  }

  function render(items) {
    summary.textContent = items.length === 0 ? 'No dead letters.' : `${number(items.length)} parked`;
    const shown = new Set(items.map(d => d.id));
    if (detail.dataset.id && !shown.has(detail.dataset.id)) hideDetail();
    tbody.replaceChildren(...items.map(d => el('tr', { dataset: { deadLetterId: d.id } },
      el('td', {}, el('span', { text: d.subscription })),
      el('td', { text: d.invoiceNumber ?? '—' }),
      el('td', { text: d.version ?? '—' }),
      el('td', { text: d.eventType ?? '—' }),
      el('td', { text: d.reason }),
      el('td', { text: number(d.attempts) }),
      el('td', { text: time(d.lastFailureAt) }),
      el('td', { className: 'actions' },
        el('button', { type: 'button', className: 'secondary', dataset: { action: 'inspect' }, text: 'Inspect', onclick: () => inspect(d) }),
        el('button', { type: 'button', dataset: { action: 'retry' }, text: 'Retry', onclick: e => retry(d, e.currentTarget) }),
        discardButton(d)))));
  }

  // Two clicks, not window.confirm: a discard is final, and a modal dialog would block the page's live updates.
  function discardButton(d) {
    const button = el('button', { type: 'button', className: 'danger', dataset: { action: 'discard' }, text: 'Discard' });
    button.addEventListener('click', async () => {
      if (button.dataset.armed !== 'true') {
        button.dataset.armed = 'true';
        button.textContent = 'Discard for good?';
        setTimeout(() => { button.dataset.armed = 'false'; button.textContent = 'Discard'; }, 5000);
        return;
      }

      button.disabled = true;
      try {
        await call('DELETE', `/dead-letters/${encodeURIComponent(d.id)}`);
        onMessage(`Discarded the dead letter of ${d.invoiceNumber ?? d.id} v${d.version ?? '?'}.`);
      } catch (error) {
        onMessage(`Could not discard ${d.id}: ${error.message}`, true);
      }

      await load();
    });
    return button;
  }

  async function retry(d, button) {
    button.disabled = true;
    try {
      const result = await call('POST', `/dead-letters/${encodeURIComponent(d.id)}/retry`);
      if (result.succeeded) onMessage(`Applied ${d.invoiceNumber ?? d.id} v${d.version ?? '?'} to ${d.subscription}; the dead letter is gone.`);
      else onMessage(`Retry of ${d.invoiceNumber ?? d.id} v${d.version ?? '?'} failed again: ${result.error ?? 'no error given'}`, true);
    } catch (error) {
      onMessage(`Could not retry ${d.id}: ${error.message}`, true);
    }

    await load();
  }

  /** The error as parked, and the event it holds, read from the event store (GET /invoices/{n}/events). */
  async function inspect(d) {
    detail.hidden = false;
    detail.dataset.id = d.id;
    const event = el('pre', { className: 'json', text: 'loading the event…' });
    detail.replaceChildren(
      el('h3', {}, 'Dead letter ', shortId(d.id, 40)),
      el('button', { type: 'button', className: 'secondary close', text: 'Close', onclick: hideDetail }),
      el('dl', {},
        pair('subscription', d.subscription), pair('shard', d.shardId), pair('sequence number', d.sequenceNumber),
        pair('reason', d.reason), pair('attempts', number(d.attempts)),
        pair('first failure', time(d.firstFailureAt)), pair('last failure', time(d.lastFailureAt)),
        pair('error type', d.errorType ?? '—')),
      el('h4', { text: 'Error' }),
      el('pre', { className: 'error-text', dataset: { field: 'error' }, text: d.errorMessage ?? '(no message)' }),
      el('h4', { text: `Event: invoice ${d.invoiceNumber ?? '?'}, version ${d.version ?? '?'}, ${d.eventType ?? '?'}` }),
      event);
    if (!d.invoiceNumber) { event.textContent = 'The record names no invoice.'; return; }
    try {
      const events = await call('GET', `/invoices/${encodeURIComponent(d.invoiceNumber)}/events`);
      const match = events.find(e => String(e.version) === String(d.version));
      event.textContent = match ? JSON.stringify(match, null, 2) : `No event v${d.version} of ${d.invoiceNumber} in the event store.`;
    } catch (error) {
      event.textContent = `Could not read the event: ${error.message}`;
    }
  }

  function hideDetail() {
    detail.hidden = true;
    delete detail.dataset.id;
    detail.replaceChildren();
  }

  return { load };
}

const pair = (term, value) => [el('dt', { text: term }), el('dd', {}, value instanceof Node ? value : el('span', { text: value ?? '—' }))];
