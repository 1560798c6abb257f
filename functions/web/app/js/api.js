// api.js calls workgate's public API (API.md), the same way any client
// does. It holds the session: the access token in memory only, the refresh
// and device tokens through storage.js. An authenticated call that gets 401
// refreshes the session once and retries; if that fails, the app is told
// the session is over (onSessionEnd) and goes back to sign-in.
import { storage } from './storage.js';

/** ApiError is a refused call: status, code (API.md error codes, or
 * "network") and the whole problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || problem.code || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || '';
    this.problem = problem;
  }
}

let session = null;
let refreshing = null;
let sessionEnd = () => {};

/** onSessionEnd sets what happens when the session is over for good. */
export function onSessionEnd(fn) { sessionEnd = fn; }

/** current is the signed-in session (accountId, workspaceId, deviceId…), or null. */
export function current() { return session; }

/** startSession keeps a session response: the access token in memory, the
 * refresh token and (when the response trusts this device) the device
 * token in storage. */
export function startSession(s) {
  session = s;
  storage.setRefreshToken(s.refreshToken);
  if (s.deviceToken) storage.setDeviceToken(s.deviceToken);
}

/** endSession forgets the session (the device token stays: the browser
 * remains a trusted device). */
export function endSession() {
  session = null;
  storage.setRefreshToken('');
}

/** request sends one call and returns the parsed body, or throws ApiError. */
async function request(method, path, body, token, headers = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'network' });
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const problem = data && typeof data === 'object' ? data : {};
    if (!problem.retryAfterSeconds && res.headers.get('Retry-After')) {
      problem.retryAfterSeconds = Number(res.headers.get('Retry-After'));
    }
    throw new ApiError(res.status, problem);
  }
  return { status: res.status, data };
}

/** call is an anonymous call (sign-in steps). */
export function call(method, path, body) {
  return request(method, path, body, '');
}

/** resume renews the session from the stored refresh token; false if there
 * is none or it no longer works. */
export async function resume() {
  if (!storage.refreshToken()) return false;
  return refresh();
}

/** refresh rotates the refresh token once, even when several calls or
 * tabs ask at the same time: a reused refresh token would revoke the whole
 * session, so tabs take a lock and re-read the newest token inside it. */
function refresh() {
  if (!refreshing) {
    const run = async () => {
      const token = storage.refreshToken();
      if (!token) return false;
      try {
        const { data } = await request('POST', '/v1/token/refresh', { refreshToken: token });
        startSession(data);
        return true;
      } catch (e) {
        if (e.status === 401) { endSession(); return false; }
        throw e;
      }
    };
    const locked = navigator.locks ? navigator.locks.request('workgate-refresh', run) : run();
    refreshing = locked.finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** authed sends a call as the signed-in member, refreshing once on 401.
 * A 401 invalid_credentials is a re-entered password that is wrong (the
 * token was fine): it is not sent again, since every try counts towards
 * the password lockout. */
export async function authed(method, path, body) {
  if (!session) { sessionEnd('sessionExpired'); throw new ApiError(401, { code: 'unauthenticated' }); }
  try {
    return await request(method, path, body, session.accessToken);
  } catch (e) {
    if (e.status !== 401 || e.code === 'invalid_credentials') throw e;
  }
  if (!(await refresh())) {
    sessionEnd('sessionExpired');
    throw new ApiError(401, { code: 'unauthenticated' });
  }
  return request(method, path, body, session.accessToken);
}

/** openStream opens the live events stream (GET /v1/me/events), resuming
 * after lastEventId; it refreshes once on 401. It returns the Response. */
export async function openStream(lastEventId, signal) {
  const open = () => {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.accessToken}` };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    return fetch('/v1/me/events', { headers, signal, cache: 'no-store' });
  };
  if (!session) throw new ApiError(401, { code: 'unauthenticated' });
  let res = await open();
  if (res.status === 401) {
    if (!(await refresh())) { sessionEnd('sessionExpired'); throw new ApiError(401, { code: 'unauthenticated' }); }
    res = await open();
  }
  if (!res.ok) throw new ApiError(res.status, {});
  return res;
}

/** logout ends the session on the server, then here. */
export async function logout() {
  try { await authed('POST', '/v1/logout'); } catch { /* ended anyway */ }
  endSession();
}

/** device names this browser for approvals and the device list. */
export function device() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return { name: `workgate web (${browser})`, platform: 'web' };
}
