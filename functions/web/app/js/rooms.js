// rooms.js is the chats tab: the room list (unread counts, newest
// activity first) beside the open room (history, posting, read position).
// Both follow the live stream: a message, a read position or a room change
// shows up without a reload.
import { authed } from './api.js';
import { t, formatTime } from './i18n.js';
import { h, problemText } from './ui.js';

/** chatsView shows the room list and, when params name one, that room.
 * Moving between rooms updates it in place. */
export function chatsView(ctx, host, [roomId = ''] = []) {
  const s = { rooms: [], roomId: '', messages: [], readSent: 0, error: '' };
  const els = {};
  let draft = { text: '', clientMessageId: '' };
  const nav = ctx.nav;
  const me = () => ctx.me;

  const name = (id) => ctx.name(id);
  async function title(room) {
    if (room.isSelf || room.type === 'self') return t('selfRoom');
    if (room.name) return room.name;
    const others = room.memberIds.filter((id) => id !== me().accountId);
    return (await Promise.all(others.map(name))).join(', ') || t('selfRoom');
  }

  async function loadRooms() {
    const { data } = await authed('GET', '/v1/rooms?pageSize=50');
    for (const r of data.rooms) r.title = await title(r);
    s.rooms = data.rooms;
    renderList();
    const heading = els.room.querySelector('#room-title');
    const open = s.rooms.find((r) => r.roomId === s.roomId);
    if (heading && open) heading.textContent = open.title;
  }

  async function loadHistory(roomId) {
    const all = [];
    let after = 0;
    for (;;) {
      const { data } = await authed('GET', `/v1/rooms/${encodeURIComponent(roomId)}/messages?afterSeq=${after}&limit=100`);
      all.push(...data.messages);
      if (data.messages.length < 100) return all;
      after = data.messages[data.messages.length - 1].seq;
    }
  }

  // ---- rendering

  function layout() {
    els.list = h('ul', { class: 'room-list' });
    els.room = h('section', { class: 'room', 'aria-labelledby': 'room-title' });
    els.panes = h('div', { class: 'panes' },
      h('section', { class: 'rooms', 'aria-labelledby': 'rooms-title' }, h('h1', { id: 'rooms-title' }, t('chats')), els.list),
      els.room);
    host.replaceChildren(els.panes);
    renderList();
    renderRoom();
  }

  function renderList() {
    ctx.badge('chats', s.rooms.reduce((n, r) => n + (r.unreadCount || 0), 0));
    if (!s.rooms.length) { els.list.replaceChildren(h('li', { class: 'empty' }, t('noRooms'))); return; }
    els.list.replaceChildren(...s.rooms.map((r) => h('li', {},
      h('a', {
        href: `/app/rooms/${encodeURIComponent(r.roomId)}`, class: 'room-link', 'data-room': r.roomId,
        'aria-current': r.roomId === s.roomId ? 'page' : undefined,
        onclick: (e) => { e.preventDefault(); nav(`/app/rooms/${encodeURIComponent(r.roomId)}`); },
      },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, r.title.slice(0, 1)),
      h('span', { class: 'room-text' },
        h('span', { class: 'room-name' }, r.title),
        h('span', { class: 'room-last' }, r.lastMessage ? r.lastMessage.text : '')),
      h('span', { class: 'room-meta' },
        r.lastMessage && h('time', { datetime: r.lastMessage.createdAt }, formatTime(r.lastMessage.createdAt)),
        r.unreadCount > 0 && h('span', { class: 'badge', 'aria-label': t('unread', { n: r.unreadCount }) }, String(r.unreadCount)))))));
  }

  function renderRoom() {
    els.panes.classList.toggle('room-open', !!s.roomId);
    const room = s.rooms.find((r) => r.roomId === s.roomId);
    if (!s.roomId) {
      els.room.replaceChildren(h('p', { class: 'pick' }, t('pickRoom')));
      return;
    }
    els.messages = h('ol', { class: 'messages', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    const text = h('textarea', { id: 'composer', name: 'text', rows: '1', maxlength: '10000', required: true,
      onkeydown: (e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); e.target.form.requestSubmit(); } } });
    text.value = draft.text;
    els.error = h('p', { class: 'field-error', role: 'alert' }, s.error);
    els.room.replaceChildren(
      h('header', { class: 'room-head' },
        h('a', { href: '/app/', class: 'back', onclick: (e) => { e.preventDefault(); nav('/app/'); } }, `‹ ${t('backToList')}`),
        h('h2', { id: 'room-title', tabindex: '-1' }, room ? room.title : '')),
      els.messages,
      h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); post(text); } },
        h('label', { for: 'composer', class: 'visually-hidden' }, t('message')),
        text,
        h('button', { type: 'submit', class: 'primary' }, t('sendMessage'))),
      els.error);
    if (!s.messages.length) els.messages.append(h('li', { class: 'empty' }, t('noMessages')));
    for (const m of s.messages) appendMessage(m, false);
    scrollDown();
  }

  function appendMessage(m, scroll = true) {
    els.messages.querySelector('.empty')?.remove();
    const mine = m.senderId === me().accountId;
    const sender = h('span', { class: 'sender' }, mine ? t('you') : '');
    if (!mine) name(m.senderId).then((n) => { sender.textContent = n; });
    els.messages.append(h('li', { class: mine ? 'msg mine' : 'msg', 'data-seq': String(m.seq), 'data-id': m.messageId },
      sender,
      h('p', { class: 'bubble' }, m.text),
      h('time', { datetime: m.createdAt }, formatTime(m.createdAt))));
    if (scroll) scrollDown();
  }

  function scrollDown() { els.messages.scrollTop = els.messages.scrollHeight; }

  // ---- actions

  async function open(roomId) {
    s.roomId = roomId || '';
    s.messages = [];
    s.readSent = 0;
    s.error = '';
    draft = { text: '', clientMessageId: '' };
    renderList();
    renderRoom();
    if (!roomId) return;
    try {
      const messages = await loadHistory(roomId);
      if (s.roomId !== roomId) return;
      s.messages = messages;
      renderRoom();
      els.room.querySelector('#room-title')?.focus();
      markRead();
    } catch (e) {
      s.error = problemText(e);
      renderRoom();
    }
  }

  function addMessage(m) {
    if (m.roomId && m.roomId !== s.roomId) return;
    if (s.messages.some((x) => x.messageId === m.messageId)) return;
    s.messages.push(m);
    s.messages.sort((a, b) => a.seq - b.seq);
    appendMessage(m);
    markRead();
  }

  async function markRead() {
    const last = s.messages[s.messages.length - 1];
    if (!last || last.seq <= s.readSent || document.hidden) return;
    s.readSent = last.seq;
    const room = s.rooms.find((r) => r.roomId === s.roomId);
    if (room) { room.unreadCount = 0; renderList(); }
    try { await authed('POST', `/v1/rooms/${encodeURIComponent(s.roomId)}/read`, { seq: last.seq }); } catch { s.readSent = 0; }
  }

  // post sends the composer's text; a retry of the same text reuses its
  // clientMessageId, so a lost answer never posts twice.
  async function post(textarea) {
    const text = textarea.value.trim();
    if (!text) return;
    if (draft.text !== text || !draft.clientMessageId) draft = { text, clientMessageId: newId() };
    const roomId = s.roomId;
    try {
      const { data } = await authed('POST', `/v1/rooms/${encodeURIComponent(roomId)}/messages`, { text, clientMessageId: draft.clientMessageId });
      draft = { text: '', clientMessageId: '' };
      if (s.roomId !== roomId) return;
      textarea.value = '';
      els.error.textContent = '';
      addMessage({ ...data, roomId });
      bump({ ...data, roomId });
    } catch (e) {
      draft.text = text;
      els.error.textContent = `${t('sendFailed')} ${problemText(e)}`;
    }
  }

  // bump moves a room with a new message to the top of the list.
  function bump(m) {
    const i = s.rooms.findIndex((r) => r.roomId === m.roomId);
    if (i < 0) { loadRooms().catch(() => {}); return; }
    const [room] = s.rooms.splice(i, 1);
    const isNew = !room.lastMessage || room.lastMessage.seq < m.seq;
    if (isNew) room.lastMessage = m;
    if (isNew && m.senderId !== me().accountId && m.roomId !== s.roomId) room.unreadCount = (room.unreadCount || 0) + 1;
    s.rooms.unshift(room);
    renderList();
  }

  function onRead(data) {
    const room = s.rooms.find((r) => r.roomId === data.roomId);
    if (room && (!room.lastMessage || data.seq >= room.lastMessage.seq)) { room.unreadCount = 0; renderList(); } else loadRooms().catch(() => {});
  }

  const refetch = () => { loadRooms().catch(() => {}); if (s.roomId) open(s.roomId); };
  ctx.on('message', (m) => { addMessage(m); bump(m); });
  ctx.on('read', onRead);
  ctx.on('room', () => loadRooms().catch(() => {}));
  ctx.on('reset', refetch);
  ctx.on('live', () => loadRooms().catch(() => {}));
  const visible = () => { if (!document.hidden && s.roomId) markRead(); };
  document.addEventListener('visibilitychange', visible);

  layout();
  loadRooms().catch((e) => { s.error = problemText(e); renderRoom(); });
  open(roomId);
  return {
    update: ([id = ''] = []) => open(id),
    stop: () => document.removeEventListener('visibilitychange', visible),
  };
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
