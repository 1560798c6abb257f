// notifications.js is the notifications tab (알림): the member's newest
// notifications (GET /v1/me/notifications), with those the live stream
// brings put on top. Each kind says what happened and leads on: a message
// opens its room; someone who added the member as an external member (F12)
// can be added back, then chatted with, or their profile opened; a new
// device's request (F9) points at the approval prompt the shell shows at
// the top while the request is still pending.
import { authed } from './api.js';
import { t, formatTime } from './i18n.js';
import { h, problemText } from './ui.js';

const limit = 50;

/** notificationsView shows the notifications list. */
export function notificationsView(ctx, host) {
  const s = {
    notes: [], // newest first, as the API lists them
    error: '',
    loaded: false,
    added: new Set(), // external members the member has (added back or not)
    pending: new Set(), // approval IDs still waiting for a decision
    results: new Map(), // notificationId → { text, error } of its last action
    busy: new Set(), // notificationIds with an action under way
  };
  const rooms = new Map(); // roomId → Promise of its title
  const els = {};
  let roomList = null; // Promise of GET /v1/rooms, fetched once

  // ---- data

  async function load() {
    const [notes, external, approvals] = await Promise.all([
      authed('GET', `/v1/me/notifications?limit=${limit}`).then((r) => r.data.notifications || []),
      authed('GET', '/v1/me/external-members').then((r) => r.data.externalMembers || []).catch(() => null),
      authed('GET', '/v1/device-approvals').then((r) => r.data.approvals || []).catch(() => null),
    ]);
    if (external) s.added = new Set(external.map((m) => m.memberId));
    if (approvals) s.pending = new Set(approvals.map((a) => a.approvalId));
    // Notifications that came live while the list loaded stay.
    const byId = new Map([...notes, ...s.notes].map((n) => [n.notificationId, n]));
    s.notes = [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).slice(0, limit);
    s.loaded = true;
    s.error = '';
    renderList();
  }

  const reload = () => load().catch((e) => { s.error = problemText(e); renderList(); });

  // roomTitle names a message's room as the chats tab does: its name, the
  // self room, else the other members' names. Rooms outside the newest 50
  // are named by the sender alone.
  function roomTitle(n) {
    if (!rooms.has(n.roomId)) {
      roomList ||= authed('GET', '/v1/rooms?pageSize=50').then((r) => r.data.rooms || []).catch(() => []);
      rooms.set(n.roomId, roomList.then(async (list) => {
        const room = list.find((r) => r.roomId === n.roomId);
        if (!room) return '';
        if (room.isSelf || room.type === 'self') return t('selfRoom');
        if (room.name) return room.name;
        const others = room.memberIds.filter((id) => id !== ctx.me?.accountId);
        return (await Promise.all(others.map((id) => ctx.name(id)))).join(', ');
      }));
    }
    return rooms.get(n.roomId);
  }

  // ---- actions

  function setResult(n, text, error = false) {
    s.results.set(n.notificationId, { text, error });
  }

  // addBack adds back someone who added the member (POST
  // /v1/me/external-members by member ID); then the row offers a chat.
  async function addBack(n) {
    const id = n.addBack?.memberId;
    if (!id || s.busy.has(n.notificationId)) return;
    s.busy.add(n.notificationId);
    const name = profileName(n);
    try {
      await authed('POST', '/v1/me/external-members', { memberId: id });
      s.added.add(id);
      setResult(n, t('noteAddedBack', { name }));
    } catch (e) {
      if (e.status === 409) { s.added.add(id); setResult(n, t('noteAlreadyAdded', { name })); }
      else setResult(n, refusal(e), true);
    } finally {
      s.busy.delete(n.notificationId);
    }
    ctx.forget(id); // their profile may show more now
    renderRow(n, s.added.has(id) ? '.note-chat' : '.note-add');
  }

  // chat opens the 1:1 room with them (the one that exists, or a new one),
  // as newchat.js's openDirect does.
  async function chat(n) {
    const id = n.addBack?.memberId;
    if (!id || s.busy.has(n.notificationId)) return;
    s.busy.add(n.notificationId);
    try {
      const { data } = await authed('POST', '/v1/rooms', { type: 'direct', memberIds: [id] });
      ctx.nav(`/app/rooms/${encodeURIComponent(data.roomId)}`);
    } catch (e) {
      setResult(n, refusal(e), true);
      renderRow(n, '.note-chat');
    } finally {
      s.busy.delete(n.notificationId);
    }
  }

  // refusal is the message for a refused add-back or chat.
  function refusal(e) {
    switch (e.code) {
      case 'external_chat_disabled': return t('noteErrExternalOff');
      case 'same_workspace': return t('noteErrSameWorkspace');
      case 'blocked': return t('noteErrBlocked');
      case 'not_found': case 'gone': return t('noteErrGone');
    }
    return problemText(e, ctx);
  }

  // toPrompt moves the focus to the approval prompt at the top of the app;
  // if it is gone (decided meanwhile), the row says so.
  function toPrompt(n) {
    const input = document.querySelector('.approvals #approval-code');
    if (input) { input.scrollIntoView({ block: 'nearest' }); input.focus(); return; }
    s.pending.delete(n.approvalId);
    renderRow(n);
    els.list.querySelector(`[data-note="${cssId(n.notificationId)}"] .note-state`)?.focus();
  }

  // ---- rendering

  function layout() {
    els.heading = h('h1', { id: 'notes-title', tabindex: '-1' }, t('notesTitle'));
    els.error = h('p', { class: 'field-error', role: 'alert' });
    els.list = h('ul', { class: 'rows notes', 'aria-labelledby': 'notes-title' });
    els.announce = h('p', { class: 'visually-hidden', role: 'status' });
    host.replaceChildren(h('div', { class: 'page-view notes-view' },
      els.heading,
      els.announce,
      h('section', { class: 'panel' }, els.error, els.list)));
  }

  function renderList() {
    els.error.textContent = s.error;
    if (!s.loaded && !s.notes.length) { els.list.replaceChildren(h('li', { class: 'muted' }, t('loading'))); return; }
    if (!s.notes.length) { els.list.replaceChildren(h('li', { class: 'muted notes-empty' }, t('notesEmpty'))); return; }
    els.list.replaceChildren(...s.notes.map(row).filter(Boolean));
  }

  // renderRow draws one notification again, keeping the focus on the
  // control focusSel names (the one the member used, or its successor).
  function renderRow(n, focusSel) {
    const old = els.list.querySelector(`[data-note="${cssId(n.notificationId)}"]`);
    if (!old) return;
    const hadFocus = old.contains(document.activeElement);
    const li = row(n);
    old.replaceWith(li);
    if (hadFocus || focusSel) (focusSel && li.querySelector(focusSel) || li.querySelector('.note-result') || li).focus();
  }

  function row(n) {
    const kind = { message: messageRow, external_member_added: addedRow, device_approval: approvalRow }[n.kind];
    return kind ? kind(n) : null;
  }

  function when(n) {
    const d = new Date(n.createdAt);
    const today = d.toDateString() === new Date().toDateString();
    return h('time', { class: 'note-time', datetime: n.createdAt }, formatTime(n.createdAt, !today));
  }

  function messageRow(n) {
    const sender = n.senderName || t('unknownMember');
    const room = h('span', { class: 'note-room muted' });
    roomTitle(n).then((title) => { if (title && title !== sender) room.textContent = title; });
    return h('li', { class: 'note note-message', 'data-note': n.notificationId, 'data-kind': n.kind },
      h('a', {
        href: `/app/rooms/${encodeURIComponent(n.roomId)}`, class: 'note-link',
        onclick: (e) => { e.preventDefault(); ctx.nav(`/app/rooms/${encodeURIComponent(n.roomId)}`); },
      },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, sender.slice(0, 1)),
      h('span', { class: 'row-text' },
        h('span', { class: 'note-head' }, h('strong', {}, sender), room),
        h('span', { class: 'note-text' }, n.text || '')),
      when(n)));
  }

  function profileName(n) {
    return n.profile?.displayName || n.profile?.name || t('unknownMember');
  }

  function addedRow(n) {
    const id = n.addBack?.memberId || n.profile?.memberId || '';
    const name = profileName(n);
    const added = s.added.has(id);
    const result = s.results.get(n.notificationId);
    const about = [n.profile?.department, n.workspace?.name && t('noteAddedFrom', { workspace: n.workspace.name })].filter(Boolean).join(' · ');
    return h('li', { class: 'note note-added', 'data-note': n.notificationId, 'data-kind': n.kind },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, name.slice(0, 1)),
      h('div', { class: 'row-text' },
        h('p', { class: 'note-line' }, t('noteAdded', { name })),
        about && h('p', { class: 'muted note-about' }, about),
        h('div', { class: 'actions' },
          added
            ? h('button', { type: 'button', class: 'secondary note-chat', onclick: () => chat(n) }, t('noteChat'))
            : h('button', { type: 'button', class: 'secondary note-add', onclick: () => addBack(n) }, t('noteAddBack')),
          id && h('a', {
            href: `/app/people/${encodeURIComponent(id)}`, class: 'note-profile',
            onclick: (e) => { e.preventDefault(); ctx.nav(`/app/people/${encodeURIComponent(id)}`); },
          }, t('noteProfile'))),
        result && h('p', { class: result.error ? 'field-error note-result' : 'note-result notice', role: result.error ? 'alert' : 'status', tabindex: '-1' }, result.text)),
      when(n));
  }

  function approvalRow(n) {
    const who = n.account?.name || t('unknownMember');
    const device = n.device?.name || n.device?.platform || '';
    const pending = s.pending.has(n.approvalId) && (!n.expiresAt || new Date(n.expiresAt) > new Date());
    return h('li', { class: 'note note-approval', 'data-note': n.notificationId, 'data-kind': n.kind },
      h('span', { class: 'avatar avatar-device', 'aria-hidden': 'true' }, who.slice(0, 1)),
      h('div', { class: 'row-text' },
        h('p', { class: 'note-line' }, t('noteApproval', { name: who, device })),
        pending
          ? h('div', { class: 'actions' },
            h('p', { class: 'muted note-state', tabindex: '-1' }, t('noteApprovalPending')),
            h('button', { type: 'button', class: 'secondary note-go', onclick: () => toPrompt(n) }, t('noteApprovalGo')))
          : h('p', { class: 'muted note-state', tabindex: '-1' }, t('noteApprovalDone'))),
      when(n));
  }

  // ---- live

  function arrived(n) {
    if (!n.notificationId || s.notes.some((x) => x.notificationId === n.notificationId)) return;
    if (n.kind === 'device_approval' && n.approvalId) s.pending.add(n.approvalId);
    s.notes.unshift(n);
    if (s.notes.length > limit) s.notes.pop();
    s.loaded = true;
    const li = row(n);
    if (!li) return;
    els.list.querySelector('.notes-empty')?.remove();
    els.list.prepend(li);
    els.list.querySelector(`li:nth-child(${limit + 1})`)?.remove();
    els.announce.textContent = t('noteArrived', { text: li.querySelector('.note-line, .note-head')?.textContent || '' });
  }

  // A decided request leaves the prompt at the top: the rows follow.
  const prompts = document.querySelector('.approvals');
  const observer = new MutationObserver(() => {
    authed('GET', '/v1/device-approvals').then(({ data }) => {
      s.pending = new Set((data.approvals || []).map((a) => a.approvalId));
      for (const n of s.notes) if (n.kind === 'device_approval') renderRow(n);
    }).catch(() => {});
  });
  if (prompts) observer.observe(prompts, { childList: true });

  ctx.on('notification', arrived);
  ctx.on('live', reload);
  ctx.on('reset', reload);

  ctx.badge('notifications', 0);
  layout();
  renderList();
  // Opened by navigation: the heading takes the focus, unless the member
  // is answering an approval prompt.
  if (!document.activeElement?.closest('.approvals')) els.heading.focus();
  reload();
  return { stop: () => observer.disconnect() };
}

// cssId quotes an ID for an attribute selector.
function cssId(id) {
  return String(id).replace(/["\\]/g, '\\$&');
}
