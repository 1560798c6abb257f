// rooms.js is the chats tab: the room list (the self room first, then
// unread counts, newest activity first) beside the open room (its newest
// messages, paging up to earlier ones, posting, the read position).
// Both follow the live stream: a message, a read position or a room change
// shows up without a reload.
import { authed } from './api.js';
import { t, formatTime, currentLang } from './i18n.js';
import { h, problemText } from './ui.js';
import { openNewChat, roomPath } from './newchat.js';

// A page of history; the API reads at most 100 a call.
const pageSize = 50;
const roomsPageSize = 50;
// beforeSeq of the newest page: every seq is below 2^53 (API.md).
const newest = Number.MAX_SAFE_INTEGER;
// Opening a room with unread messages reads back this many pages at most
// to show where the unread ones start.
const unreadPages = 4;

/** chatsView shows the room list and, when params name one, that room.
 * Moving between rooms updates it in place. */
export function chatsView(ctx, host, [roomId = ''] = []) {
  const s = {
    rooms: [], self: null, roomId: '', messages: [], loading: false,
    later: [], nextRooms: '', loadingRooms: false, // rooms of the list's later pages
    hasEarlier: false, loadingEarlier: false, unreadFrom: 0, readSent: 0,
  };
  const els = {};
  let draft = { text: '', clientMessageId: '' };
  let openGen = 0;
  let observer = null;
  const nav = ctx.nav;
  const me = () => ctx.me;
  const isSelf = (room) => !!room && (room.isSelf || room.type === 'self');

  const name = (id) => ctx.name(id);
  async function title(room) {
    if (isSelf(room)) return t('selfRoom');
    if (room.name) return room.name;
    const others = room.memberIds.filter((id) => id !== me().accountId);
    return (await Promise.all(others.map(name))).join(', ') || t('unknownMember');
  }

  // loadRooms reads the room list and the self room, which is always
  // first: GET /v1/rooms/self makes it on first use, and it may be past
  // the list's first page when it has been quiet.
  // loadRooms (re)loads the first page of the list; the rooms of later
  // pages the member asked for (moreRooms) stay below it.
  // The self room is asked for first, once: the first ask creates it, and
  // the list then always counts it the same way.
  async function loadRooms() {
    if (!s.self) s.self = await authed('GET', '/v1/rooms/self').then((r) => r.data).catch(() => null);
    const { data } = await authed('GET', `/v1/rooms?pageSize=${roomsPageSize}`);
    if (!s.later.length) s.nextRooms = data.nextPageToken || '';
    const first = new Set(data.rooms.map((r) => r.roomId));
    s.later = s.later.filter((r) => !first.has(r.roomId));
    const rooms = [...data.rooms, ...s.later].filter((r) => !isSelf(r));
    const selfRoom = data.rooms.find(isSelf) || s.self;
    if (selfRoom) rooms.unshift(selfRoom);
    await Promise.all(rooms.map(async (r) => { r.title = await title(r); }));
    s.rooms = rooms;
    renderList();
    renderHead();
  }

  // moreRooms appends the next page of the list.
  async function moreRooms() {
    if (!s.nextRooms || s.loadingRooms) return;
    // A keyboard user who pressed "more" goes on at the first new room.
    const hadFocus = !!document.activeElement?.closest('.more-rooms');
    let fresh = [];
    s.loadingRooms = true;
    renderList();
    try {
      const { data } = await authed('GET', `/v1/rooms?pageSize=${roomsPageSize}&pageToken=${encodeURIComponent(s.nextRooms)}`);
      const known = new Set(s.rooms.map((r) => r.roomId));
      fresh = data.rooms.filter((r) => !known.has(r.roomId) && !isSelf(r));
      await Promise.all(fresh.map(async (r) => { r.title = await title(r); }));
      s.later.push(...fresh);
      s.rooms.push(...fresh);
      s.nextRooms = data.nextPageToken || '';
    } catch (e) {
      s.error = problemText(e);
    } finally {
      s.loadingRooms = false;
      renderList();
      if (hadFocus) (els.list.querySelector(`[data-room="${fresh[0]?.roomId}"]`) || els.list.querySelector('.more-rooms button'))?.focus();
    }
  }
  let roomsReady = null; // the first loadRooms, once the layout is drawn

  const room = () => s.rooms.find((r) => r.roomId === s.roomId);

  async function before(roomId, seq) {
    const { data } = await authed('GET', `/v1/rooms/${encodeURIComponent(roomId)}/messages?beforeSeq=${seq}&limit=${pageSize}`);
    return data.messages;
  }

  // ---- rendering

  function layout() {
    els.list = h('ul', { class: 'room-list' });
    els.room = h('section', { class: 'room' });
    els.newChat = h('button', { type: 'button', class: 'new-chat-button', 'aria-haspopup': 'dialog', onclick: () => openNewChat(ctx, host, els.newChat) },
      h('span', { class: 'plus', 'aria-hidden': 'true' }, '+'), t('newChat'));
    els.panes = h('div', { class: 'panes' },
      h('section', { class: 'rooms', 'aria-labelledby': 'rooms-title' },
        h('header', { class: 'rooms-head' }, h('h1', { id: 'rooms-title', tabindex: '-1' }, t('chats')), els.newChat),
        els.list),
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
        href: roomPath(r.roomId), class: isSelf(r) ? 'room-link self' : 'room-link', 'data-room': r.roomId,
        'aria-current': r.roomId === s.roomId ? 'page' : undefined,
        onclick: (e) => { e.preventDefault(); nav(roomPath(r.roomId)); },
      },
      avatar(r),
      h('span', { class: 'room-text' },
        h('span', { class: 'room-title-line' },
          h('span', { class: 'room-name' }, r.title),
          r.type === 'group' && h('span', { class: 'room-count' }, String(r.memberIds.length))),
        h('span', { class: 'room-last' }, r.lastMessage ? r.lastMessage.text : '')),
      h('span', { class: 'room-meta' },
        r.lastMessage && h('time', { datetime: r.lastMessage.createdAt }, listTime(r.lastMessage.createdAt)),
        // (aria-label is not for a plain span: the count is said in words.)
        r.unreadCount > 0 && h('span', { class: 'badge', 'aria-hidden': 'true' }, r.unreadCount > 999 ? '999+' : String(r.unreadCount)),
        r.unreadCount > 0 && h('span', { class: 'visually-hidden' }, t('unread', { n: r.unreadCount })))))),
    s.nextRooms && h('li', { class: 'more-rooms' },
      h('button', { type: 'button', class: 'secondary', 'aria-busy': s.loadingRooms ? 'true' : 'false', onclick: moreRooms },
        s.loadingRooms ? t('loading') : t('moreRooms'))));
  }

  function avatar(r) {
    if (isSelf(r)) return h('span', { class: 'avatar avatar-me', 'aria-hidden': 'true' }, t('selfBadge'));
    return h('span', { class: r.type === 'group' ? 'avatar avatar-group' : 'avatar', 'aria-hidden': 'true' }, (r.title || '?').slice(0, 1));
  }

  function renderRoom() {
    observer?.disconnect();
    els.panes.classList.toggle('room-open', !!s.roomId);
    if (s.roomId) els.room.setAttribute('aria-labelledby', 'room-title'); else els.room.removeAttribute('aria-labelledby');
    if (!s.roomId) {
      els.head = null;
      els.room.replaceChildren(h('p', { class: 'pick' }, t('pickRoom')));
      return;
    }
    els.list2 = h('ol', { class: 'messages', 'aria-labelledby': 'room-title' });
    els.earlier = h('div', { class: 'earlier' });
    els.scroller = h('div', { class: 'scroller', role: 'region', tabindex: '0', 'aria-label': t('roomMessages'),
      onscroll: () => { if (nearBottom()) els.jump.hidden = true; } },
    els.earlier, els.list2);
    els.jump = h('button', { type: 'button', class: 'jump', hidden: true, onclick: () => { scrollDown(); els.jump.hidden = true; } }, `↓ ${t('jumpToNewest')}`);
    els.announce = h('p', { class: 'visually-hidden', role: 'status' });
    const text = h('textarea', { id: 'composer', name: 'text', rows: '1', maxlength: '10000', required: true,
      onkeydown: (e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); e.target.form.requestSubmit(); } } });
    text.value = draft.text;
    els.error = h('p', { class: 'field-error', role: 'alert' });
    els.head = null;
    els.headSlot = h('div', { class: 'room-head-slot' });
    els.room.replaceChildren(
      els.headSlot,
      h('div', { class: 'room-body' }, els.scroller, els.jump),
      h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); post(text); } },
        h('label', { for: 'composer', class: 'visually-hidden' }, t('message')),
        text,
        h('button', { type: 'submit', class: 'primary' }, t('sendMessage'))),
      els.error,
      els.announce);
    renderHead();
    renderEarlier();
    renderMessages();
  }

  // renderHead draws the room's header: back to the list, its title (the
  // self room marked 나), a group's member count and a disclosure of its
  // members linking to their profiles. It is drawn again only when what
  // it shows changed, so an open disclosure or focus inside it stays.
  function renderHead() {
    if (!s.roomId || !els.headSlot) return;
    const r = room();
    const key = r ? `${r.title}|${r.memberIds.join(',')}` : '';
    if (els.head && els.headKey === key) return;
    const hadFocus = els.head?.contains(document.activeElement);
    const wasOpen = els.head?.querySelector('details')?.open;
    els.headKey = key;
    const others = r ? r.memberIds.filter((id) => id !== me().accountId) : [];
    els.head = h('header', { class: 'room-head' },
      h('a', { href: '/app/', class: 'back', onclick: (e) => { e.preventDefault(); nav('/app/'); } },
        h('span', { 'aria-hidden': 'true' }, '‹ '), t('backToList')),
      r && avatar(r),
      h('div', { class: 'room-head-text' },
        h('h2', { id: 'room-title', tabindex: '-1' }, r ? r.title : ''),
        r?.type === 'group' && h('span', { class: 'muted room-head-count' }, t('members', { n: r.memberIds.length })),
        isSelf(r) && h('span', { class: 'muted room-head-count' }, t('selfRoomLead'))),
      r && !isSelf(r) && others.length > 0 && membersDisclosure(r, wasOpen));
    els.headSlot.replaceChildren(els.head);
    if (hadFocus) els.head.querySelector('#room-title')?.focus();
  }

  function membersDisclosure(r, open) {
    const ids = [me().accountId, ...r.memberIds.filter((id) => id !== me().accountId)];
    return h('details', { class: 'room-members', open: !!open },
      h('summary', {}, t('roomMembers')),
      h('ul', {}, ids.map((id) => {
        const mine = id === me().accountId;
        const label = h('span', {}, mine ? `${me().name} (${t('you')})` : '…');
        if (!mine) name(id).then((n) => { label.textContent = n; });
        const href = mine ? '/app/me' : `/app/people/${encodeURIComponent(id)}`;
        return h('li', {}, h('a', { href, onclick: (e) => { e.preventDefault(); nav(href); } }, label));
      })));
  }

  // renderEarlier draws the top of the history: the button (and the
  // sentinel the observer watches) while there are earlier messages, the
  // start of the conversation once there are none. The button stays the
  // same element while it loads, so a keyboard user keeps their place.
  function renderEarlier() {
    if (!els.earlier) return;
    if (s.loading) { els.earlier.replaceChildren(); return; }
    if (s.hasEarlier) {
      if (!els.earlierButton || !els.earlier.contains(els.earlierButton)) {
        els.earlierButton = h('button', { type: 'button', class: 'secondary earlier-button', onclick: () => loadEarlier() });
        els.earlier.replaceChildren(els.earlierButton);
      }
      els.earlierButton.textContent = s.loadingEarlier ? t('loadingEarlier') : t('earlierMessages');
      els.earlierButton.setAttribute('aria-busy', s.loadingEarlier ? 'true' : 'false');
      return;
    }
    const hadFocus = els.earlier.contains(document.activeElement);
    els.earlierButton = null;
    els.earlier.replaceChildren(s.messages.length ? h('p', { class: 'history-start', tabindex: '-1' }, t('historyStart')) : '');
    if (hadFocus) els.earlier.querySelector('.history-start')?.focus();
  }

  function renderMessages() {
    if (!els.list2) return;
    if (s.loading) { els.list2.replaceChildren(h('li', { class: 'empty' }, t('loading'))); return; }
    if (!s.messages.length) { els.list2.replaceChildren(h('li', { class: 'empty' }, t('noMessages'))); return; }
    els.list2.replaceChildren(...messageNodes(s.messages, null));
  }

  // messageNodes draws messages after prev: a date line where the day
  // changes, the unread divider before the first unread one, and the
  // sender's name on the first of a run of their messages.
  function messageNodes(list, prev) {
    const out = [];
    for (const m of list) {
      const newDay = !prev || dayKey(prev.createdAt) !== dayKey(m.createdAt);
      if (newDay) out.push(h('li', { class: 'day-sep' }, h('time', { datetime: dayKey(m.createdAt) }, formatDay(m.createdAt))));
      const divider = s.unreadFrom > 0 && m.seq === s.unreadFrom;
      if (divider) out.push(h('li', { class: 'unread-divider', id: 'unread-divider' }, h('span', {}, t('unreadFromHere'))));
      out.push(messageNode(m, newDay || divider || !prev || prev.senderId !== m.senderId));
      prev = m;
    }
    return out;
  }

  function messageNode(m, first) {
    const mine = m.senderId === me().accountId;
    const sender = h('span', { class: mine || !first ? 'sender visually-hidden' : 'sender' }, mine ? t('you') : '');
    if (!mine) name(m.senderId).then((n) => { sender.textContent = n; });
    return h('li', { class: `msg${mine ? ' mine' : ''}${first ? ' first' : ''}`, 'data-seq': String(m.seq), 'data-id': m.messageId },
      sender,
      h('div', { class: 'msg-body' },
        h('p', { class: 'bubble' }, m.text),
        h('time', { datetime: m.createdAt }, formatTime(m.createdAt))));
  }

  const nearBottom = () => !els.scroller || els.scroller.scrollHeight - els.scroller.scrollTop - els.scroller.clientHeight < 80;
  function scrollDown() { if (els.scroller) els.scroller.scrollTop = els.scroller.scrollHeight; }

  // watchTop loads earlier messages when the top of the history scrolls
  // into view. Observing again makes the observer report at once, so a
  // page too short to fill the screen loads the next.
  function watchTop() {
    if (!els.scroller || !s.hasEarlier || typeof IntersectionObserver === 'undefined') return;
    if (!observer || observer.root !== els.scroller) {
      observer?.disconnect();
      observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) loadEarlier();
      }, { root: els.scroller, rootMargin: '150px 0px 0px 0px' });
    }
    observer.unobserve(els.earlier);
    observer.observe(els.earlier);
  }

  // ---- actions

  async function open(roomId) {
    const gen = ++openGen;
    s.roomId = roomId || '';
    s.messages = [];
    s.loading = !!roomId;
    s.hasEarlier = false;
    s.loadingEarlier = false;
    s.unreadFrom = 0;
    s.readSent = 0;
    draft = { text: '', clientMessageId: '' };
    renderList();
    renderRoom();
    if (!roomId) { host.querySelector('#rooms-title')?.focus({ preventScroll: true }); return; }
    // Focus moves to the room now, not when its history comes: by then
    // the member may be typing.
    els.room.querySelector('#room-title')?.focus({ preventScroll: true });
    try {
      await roomsReady.catch(() => {});
      if (gen !== openGen) return;
      if (!room()) await (roomsReady = loadRooms()); // a room made a moment ago
      const unread = room()?.unreadCount || 0;
      let page = await before(roomId, newest);
      let messages = page;
      // Read back to the first unread message (a few pages at most).
      for (let n = 1; page.length === pageSize && fromOthers(messages) < unread && n < unreadPages; n++) {
        page = await before(roomId, messages[0].seq);
        messages = [...page, ...messages];
      }
      if (gen !== openGen) return;
      s.hasEarlier = page.length === pageSize;
      s.messages = merged(messages, s.messages); // live ones that came meanwhile
      s.unreadFrom = firstUnread(s.messages, unread);
      s.loading = false;
      renderHead();
      renderEarlier();
      renderMessages();
      const divider = els.list2.querySelector('#unread-divider');
      if (divider) els.scroller.scrollTop = divider.offsetTop - els.scroller.offsetTop - 8;
      else scrollDown();
      if (document.activeElement === document.body) els.room.querySelector('#room-title')?.focus({ preventScroll: true });
      markRead();
      watchTop();
    } catch (e) {
      if (gen !== openGen) return;
      s.loading = false;
      renderMessages();
      els.error.textContent = problemText(e);
    }
  }

  const fromOthers = (ms) => ms.reduce((n, m) => n + (m.senderId !== me().accountId ? 1 : 0), 0);

  // firstUnread is the seq of the first of the room's unread messages:
  // the unread count counts others' messages after the read position, so
  // it is the unread-th of theirs from the end.
  function firstUnread(ms, unread) {
    if (!unread) return 0;
    let n = 0;
    for (let i = ms.length - 1; i >= 0; i--) {
      if (ms[i].senderId === me().accountId) continue;
      if (++n === unread) return ms[i].seq;
    }
    return ms.length ? ms[0].seq : 0; // more unread than read back
  }

  // loadEarlier prepends the page before the first message shown, keeping
  // what the member is looking at in place.
  async function loadEarlier() {
    if (!s.hasEarlier || s.loadingEarlier || s.loading || !s.messages.length) return;
    const roomId = s.roomId;
    s.loadingEarlier = true;
    renderEarlier();
    try {
      const older = await before(roomId, s.messages[0].seq);
      if (roomId !== s.roomId) return;
      const fromBottom = els.scroller.scrollHeight - els.scroller.scrollTop;
      s.hasEarlier = older.length === pageSize;
      const count = s.messages.length;
      s.messages = merged(older, s.messages);
      renderMessages();
      els.scroller.scrollTop = els.scroller.scrollHeight - fromBottom;
      els.announce.textContent = t('loadedEarlier', { n: s.messages.length - count });
    } catch (e) {
      if (roomId === s.roomId) els.error.textContent = problemText(e);
    } finally {
      if (roomId === s.roomId) {
        s.loadingEarlier = false;
        renderEarlier();
        watchTop();
      }
    }
  }

  function addMessage(m) {
    if (m.roomId && m.roomId !== s.roomId) return;
    if (s.messages.some((x) => x.messageId === m.messageId)) return;
    const mine = m.senderId === me().accountId;
    if (s.loading) { s.messages.push(m); return; } // merged when the history comes
    const atBottom = nearBottom();
    const last = s.messages[s.messages.length - 1];
    if (last && m.seq < last.seq) {
      s.messages = merged([m], s.messages);
      renderMessages();
    } else {
      s.messages.push(m);
      if (s.messages.length === 1) els.list2.replaceChildren();
      els.list2.append(...messageNodes([m], last || null));
    }
    if (mine || atBottom) scrollDown(); else els.jump.hidden = false;
    if (!mine) name(m.senderId).then((n) => { if (m.roomId === s.roomId || !m.roomId) els.announce.textContent = t('newMessageFrom', { name: n, text: m.text }); });
    markRead();
  }

  async function markRead() {
    const last = s.messages[s.messages.length - 1];
    if (!last || last.seq <= s.readSent || document.hidden) return;
    s.readSent = last.seq;
    const r = room();
    if (r) { r.unreadCount = 0; renderList(); }
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

  // bump moves a room with a new message to the top of the list (under
  // the self room, which stays first).
  function bump(m) {
    const i = s.rooms.findIndex((r) => r.roomId === m.roomId);
    if (i < 0) { loadRooms().catch(() => {}); return; }
    const [r] = s.rooms.splice(i, 1);
    const isNew = !r.lastMessage || r.lastMessage.seq < m.seq;
    if (isNew) r.lastMessage = m;
    if (isNew && m.senderId !== me().accountId && m.roomId !== s.roomId) r.unreadCount = (r.unreadCount || 0) + 1;
    s.rooms.splice(isSelf(r) || !isSelf(s.rooms[0]) ? 0 : 1, 0, r);
    renderList();
  }

  function onRead(data) {
    const r = s.rooms.find((x) => x.roomId === data.roomId);
    if (r && (!r.lastMessage || data.seq >= r.lastMessage.seq)) { r.unreadCount = 0; renderList(); } else loadRooms().catch(() => {});
  }

  const refetch = () => { roomsReady = loadRooms(); roomsReady.catch(() => {}); if (s.roomId) open(s.roomId); };
  ctx.on('message', (m) => { addMessage(m); bump(m); });
  ctx.on('read', onRead);
  ctx.on('room', () => loadRooms().catch(() => {}));
  ctx.on('reset', refetch);
  ctx.on('live', () => loadRooms().catch(() => {}));
  const visible = () => { if (!document.hidden && s.roomId) markRead(); };
  document.addEventListener('visibilitychange', visible);

  layout();
  roomsReady = loadRooms();
  roomsReady.catch((e) => { if (els.error) els.error.textContent = problemText(e); });
  open(roomId);
  return {
    update: ([id = ''] = []) => open(id),
    stop: () => { document.removeEventListener('visibilitychange', visible); observer?.disconnect(); },
  };
}

// merged is two runs of messages as one, ascending by seq, each message
// once (a live message may also come in a page read afterwards).
function merged(a, b) {
  const byId = new Map();
  for (const m of [...a, ...b]) byId.set(m.messageId, m);
  return [...byId.values()].sort((x, y) => x.seq - y.seq);
}

const locale = () => (currentLang() === 'ko' ? 'ko-KR' : 'en-GB');

// dayKey is a time's day where the member is (YYYY-MM-DD).
function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// formatDay is the date line between days: 2026년 11월 21일 토요일 /
// Saturday 21 November 2026.
function formatDay(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'full' }).format(new Date(iso));
}

// listTime is the room list's time of the last message: the time today,
// the day this year, the date before.
function listTime(iso) {
  const d = new Date(iso);
  const now = new Date();
  if (dayKey(iso) === dayKey(now.toISOString())) return formatTime(iso);
  const opts = d.getFullYear() === now.getFullYear() ? { month: 'short', day: 'numeric' } : { dateStyle: 'short' };
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
