// GET /projections/stream read with fetch() rather than EventSource: EventSource cannot send an Authorization header,
// and the alternative, a token in the query string, would land in access logs and browser history (docs/adr/0014).
import { authorization, refused } from './api.js';

export const StreamPath = '/projections/stream';

/**
 * Keeps one stream open and hands every `status` event to onStatus; reconnects with backoff after a drop.
 * onConnection gets 'connecting' | 'live' | 'reconnecting' | 'refused' and a message. Returns a function that stops it.
 */
export function watchStatus({ onStatus, onConnection }) {
  const stop = new AbortController();
  let backoff = 500;
  (async () => {
    while (!stop.signal.aborted) {
      onConnection('connecting', '');
      try {
        // problem+json too: a refusal (401, 403) comes as problem details.
        const response = await fetch(StreamPath, { headers: { ...authorization(), Accept: 'text/event-stream, application/problem+json' }, cache: 'no-store', signal: stop.signal });
        if (response.status === 401) { onConnection('refused', 'token refused'); refused('The server refused the token (expired or not signed by its issuer).'); return; }
        if (!response.ok) {
          const problem = await response.json().catch(() => null);
          onConnection('refused', `${response.status}: ${problem?.detail ?? problem?.title ?? response.statusText}`);
          if (response.status === 403) return;
          throw new Error(`${response.status}`);
        }

        onConnection('live', '');
        backoff = 500;
        await readEvents(response.body, (type, data) => { if (type === 'status') onStatus(JSON.parse(data)); });
        if (!stop.signal.aborted) onConnection('reconnecting', 'the server closed the stream');
      } catch (error) {
        if (stop.signal.aborted) return;
        onConnection('reconnecting', String(error.message ?? error));
      }

      await sleep(backoff, stop.signal);
      backoff = Math.min(backoff * 2, 10_000);
    }
  })();
  return () => stop.abort();
}

/** Parses text/event-stream: fields per line, an event per blank line; data lines join with newlines. */
async function readEvents(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = text;
        else if (field === 'data') data.push(text);
      }

      if (data.length > 0) dispatch(type, data.join('\n'));
    }
  }
}

function sleep(ms, signal) {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
