// Wires the console: sign-in, the live status stream, the read models, dead letters and the invoice lookup.
import { claims, onUnauthorized, session, takeTokenFromFragment } from './api.js';
import { deadLettersPanel } from './dead-letters.js';
import { el, time } from './dom.js';
import { invoiceLookup } from './invoice.js';
import { readModelsTable } from './read-models.js';
import { watchStatus } from './status-stream.js';

const $ = id => document.getElementById(id);
let stopWatching = null;
let deadLetterTotal = null;
let deadLetterTimer = null;

// The status's dead-letter counts move at once when a record is parked, but a retry or discard elsewhere shows there
// only at the subscription's next shard discovery (up to 30 s): so the list also reloads on a timer while in view.
const DeadLetterRefreshMs = 5000;

function message(text, isError = false) {
  const list = $('messages');
  list.prepend(el('li', { className: isError ? 'error' : '' }, el('span', { className: 'muted', text: `${time(new Date().toISOString())} ` }), text));
  while (list.children.length > 5) list.lastElementChild.remove();
}

const readModels = readModelsTable($('read-model-rows'), { onMessage: message });
const deadLetters = deadLettersPanel({ tbody: $('dead-letter-rows'), detail: $('dead-letter-detail'), summary: $('dead-letter-summary'), onMessage: message });
invoiceLookup({ form: $('invoice-form'), input: $('invoice-number'), result: $('invoice-result') });

function connection(state, detail) {
  const badge = $('connection');
  badge.dataset.state = state;
  badge.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', refused: 'refused' }[state] ?? state;
  badge.title = detail || '';
  if (state === 'refused' && detail) message(`Status stream refused: ${detail}`, true);
}

function showSignIn(reason) {
  stopWatching?.();
  stopWatching = null;
  clearInterval(deadLetterTimer);
  deadLetterTotal = null;
  $('workspace').hidden = true;
  $('sign-out').hidden = true;
  $('identity').textContent = '';
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = reason ?? '';
  connection('offline', '');
  $('token-input').focus();
}

function start() {
  const token = session.token;
  if (!token) { showSignIn(''); return; }
  const who = claims(token);
  if (who?.expires && who.expires < new Date()) { session.signOut(); showSignIn(`That token expired at ${time(who.expires.toISOString())}.`); return; }
  $('identity').textContent = who ? `${who.subject} · ${who.scopes.join(' ') || 'no scopes'}${who.expires ? ` · until ${time(who.expires.toISOString())}` : ''}` : 'signed in';
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  $('token-input').value = '';
  stopWatching?.();
  stopWatching = watchStatus({
    onConnection: connection,
    onStatus: snapshot => {
      readModels.update(snapshot);
      $('status-at').textContent = `status at ${time(snapshot.at)}`;
      const total = snapshot.readModels.reduce((sum, m) => sum + (m.deadLetters ?? 0), 0);
      if (total !== deadLetterTotal) { deadLetterTotal = total; deadLetters.load(); }
    },
  });
  deadLetters.load();
  clearInterval(deadLetterTimer);
  deadLetterTimer = setInterval(() => { if (!document.hidden) deadLetters.load(); }, DeadLetterRefreshMs);
}

$('sign-in-form').addEventListener('submit', event => {
  event.preventDefault();
  const token = $('token-input').value.trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) { $('sign-in-error').textContent = 'That is not a JWT (three base64url parts separated by dots).'; return; }
  session.signIn(token);
  start();
});

$('sign-out').addEventListener('click', () => { session.signOut(); showSignIn('Signed out.'); });
$('dead-letters-refresh').addEventListener('click', () => deadLetters.load());
onUnauthorized(reason => { session.signOut(); showSignIn(`The server refused the token: ${reason}`); });

takeTokenFromFragment();
start();
