// The bearer token and every call the console makes. The token lives in this tab's sessionStorage only (gone when the
// tab closes) and goes out in the Authorization header, never in a URL; the server validates it like any client's.

const TokenKey = 'eventledger.console.token';

export const session = {
  get token() { return sessionStorage.getItem(TokenKey); },
  signIn(token) { sessionStorage.setItem(TokenKey, token.trim()); },
  signOut() { sessionStorage.removeItem(TokenKey); },
};

/**
 * `./eventledger console` opens /console#token=…: the fragment never reaches the server (nor its logs). Take the token
 * and drop the fragment from the address bar and this tab's history at once.
 */
export function takeTokenFromFragment() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  if (token) session.signIn(token);
  return Boolean(token);
}

/** What the token says about itself, for display only (the server decides what it allows). */
export function claims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), c => c.charCodeAt(0))));
    return {
      subject: json.sub ?? json.client_id ?? 'unknown',
      scopes: String(json.scope ?? json.scp ?? '').split(' ').filter(Boolean),
      expires: typeof json.exp === 'number' ? new Date(json.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}

/** A failed call: the status and the problem details' title and detail. */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
  }
}

let unauthorized = () => {};

/** Called with a message when the server refuses the token (401): the console asks for a new one. */
export function onUnauthorized(handler) { unauthorized = handler; }

export function refused(message) { unauthorized(message); }

export function authorization() { return { Authorization: `Bearer ${session.token ?? ''}` }; }

export async function call(method, path, body) {
  const headers = { ...authorization(), Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'The server does not answer', String(error.message ?? error));
  }

  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (response.ok) return json;
  const error = new ApiError(response.status, json?.title ?? `${response.status} ${response.statusText}`, json?.detail ?? (json ? '' : text));
  if (response.status === 401) refused(error.message);
  throw error;
}
