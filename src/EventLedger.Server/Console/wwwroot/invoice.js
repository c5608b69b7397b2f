// One invoice across the read side and the event store: its totals, per-country counts, transactions (voided too),
// history and raw events, each from its own GET under /invoices/{n}.
import { call } from './api.js';
import { el, number, objectTable, time } from './dom.js';

export function invoiceLookup({ form, input, result }) {
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const invoice = input.value.trim();
    if (!invoice) { result.replaceChildren(el('p', { className: 'error', text: 'Enter an invoice number.' })); return; }
    result.replaceChildren(el('p', { className: 'muted', text: `Looking up ${invoice}…` }));
    const base = `/invoices/${encodeURIComponent(invoice)}`;
    const [totals, countries, transactions, history, events] = await Promise.allSettled([
      call('GET', base), call('GET', `${base}/countries`), call('GET', `${base}/transactions?includeVoided=true`),
      call('GET', `${base}/history`), call('GET', `${base}/events`)]);
    if ([totals, events].every(r => r.status === 'rejected' && r.reason.status === 404)) {
      result.replaceChildren(el('p', { className: 'error', dataset: { field: 'not-found' }, text: `No invoice ${invoice}: ${totals.reason.message}` }));
      return;
    }

    result.replaceChildren(
      section('Totals', 'totals', totals, t => el('dl', { className: 'totals' },
        pair('total', `${t.total} ${t.currency ?? ''}`), pair('transactions', number(t.transactionCount)),
        pair('version', `v${t.version}`), pair('updated', time(t.updatedAt)))),
      section('Countries', 'countries', countries, rows => objectTable(rows, 'countries')),
      section('Transactions', 'transactions', transactions, rows => objectTable(rows, 'transactions')),
      section('History', 'history', history, rows => objectTable(rows, 'history entries')),
      section('Raw events', 'events', events, rows => el('pre', { className: 'json', text: JSON.stringify(rows, null, 2) })));
  });
}

function section(title, name, outcome, render) {
  return el('section', { className: 'invoice-part', dataset: { part: name } }, el('h3', { text: title }),
    outcome.status === 'fulfilled' ? render(outcome.value) : el('p', { className: 'error', text: outcome.reason.message }));
}

const pair = (term, value) => [el('dt', { text: term }), el('dd', { text: value })];
