// events.js keeps the live stream (GET /v1/me/events, API.md "Live
// events") open: it reads server-sent events from fetch (the stream needs
// the Authorization header, which EventSource cannot send), hands each to
// onEvent, and reconnects with Last-Event-ID when the stream ends, so
// nothing is lost and nothing comes twice.
import { openStream } from './api.js';

/** connect starts the stream; it returns a function that stops it.
 * handlers: onEvent(name, data), onStatus('live'|'reconnecting'),
 * onRevoked(). */
export function connect({ onEvent, onStatus, onRevoked }) {
  let lastEventId = '';
  let stopped = false;
  const controller = new AbortController();

  async function readOnce() {
    const res = await openStream(lastEventId, controller.signal);
    onStatus('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let ev = { id: '', name: 'message', data: '' };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (ev.data !== '') {
            if (ev.id) lastEventId = ev.id;
            if (ev.name === 'session_revoked') { stopped = true; onRevoked(); return; }
            let data = {};
            try { data = JSON.parse(ev.data); } catch { /* keep {} */ }
            onEvent(ev.name, data);
          }
          ev = { id: '', name: 'message', data: '' };
          continue;
        }
        if (line.startsWith(':')) continue; // keepalive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') ev.id = val;
        else if (field === 'event') ev.name = val;
        else if (field === 'data') ev.data += (ev.data ? '\n' : '') + val;
      }
    }
  }

  (async () => {
    let delay = 500;
    while (!stopped) {
      try {
        await readOnce();
        delay = 500;
      } catch (e) {
        if (stopped || e.name === 'AbortError' || e.status === 401) return;
      }
      if (stopped) return;
      onStatus('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();

  return () => { stopped = true; controller.abort(); };
}
