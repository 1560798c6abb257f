// newchat.js starts conversations: openDirect (for any view: the people
// list, a profile) opens the 1:1 room with a member, and the chats tab's
// "new chat" dialog picks colleagues and external members for a direct or
// group room.
import { authed } from './api.js';
import { t } from './i18n.js';
import { h, problemText } from './ui.js';

// A group room's name is at most this many characters (API: CheckRoomName).
const maxRoomName = 50;

/** openDirect opens the direct room with memberId (POST /v1/rooms answers
 * the existing one with 200, a new one with 201) and navigates to it. It
 * throws the ApiError of a refusal (403 blocked…) for the caller to show,
 * for instance with chatProblem. */
export async function openDirect(ctx, memberId) {
  const { data } = await authed('POST', '/v1/rooms', { type: 'direct', memberIds: [memberId] });
  ctx.nav(roomPath(data.roomId));
  return data;
}

/** chatProblem is the message for a refused room creation: the codes
 * POST /v1/rooms answers, then the app's common ones. */
export function chatProblem(e) {
  switch (e.code) {
    case 'blocked': return t('chatErrBlocked');
    case 'external_chat_disabled': return t('chatErrExternalOff');
    case 'not_found': return t('chatErrNoMember');
  }
  return problemText(e);
}

/** roomPath is the app's address of a room. */
export function roomPath(roomId) { return `/app/rooms/${encodeURIComponent(roomId)}`; }

/** openNewChat shows the new-chat dialog (a native modal <dialog>) in
 * host: search the workspace's members and one's external members, pick
 * one for a 1:1 chat or several (and a name) for a group chat. On success
 * it navigates to the room; a refusal shows in the dialog. Closing it
 * returns focus to opener. */
export function openNewChat(ctx, host, opener) {
  const picked = new Map(); // memberId → name, in the order picked
  let externals = null; // GET /v1/me/external-members, read once
  let colleagues = [];
  let searchGen = 0;
  let timer = 0;
  let busy = false;

  const els = {};
  els.search = h('input', {
    id: 'new-chat-search', type: 'search', autocomplete: 'off', 'aria-controls': 'new-chat-results',
    oninput: () => { clearTimeout(timer); timer = setTimeout(search, 250); },
    onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); search(); } },
  });
  els.results = h('div', { class: 'new-chat-results', id: 'new-chat-results' });
  els.status = h('p', { class: 'visually-hidden', role: 'status' });
  els.chips = h('div', { class: 'new-chat-picked' });
  els.name = h('input', { id: 'new-chat-name', type: 'text', maxlength: String(maxRoomName * 2), autocomplete: 'off', 'aria-describedby': 'new-chat-name-hint' });
  els.nameField = h('div', { class: 'field', hidden: true },
    h('label', { for: 'new-chat-name' }, t('newChatGroupName')),
    h('p', { class: 'hint', id: 'new-chat-name-hint' }, t('newChatGroupNameHint')),
    els.name);
  els.error = h('p', { class: 'field-error', role: 'alert', id: 'new-chat-error' });
  els.start = h('button', { type: 'submit', class: 'primary' }, t('newChatStart'));

  const dialog = h('dialog', { class: 'new-chat', 'aria-labelledby': 'new-chat-title', 'aria-describedby': 'new-chat-lead' },
    h('form', { class: 'new-chat-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); create(); } },
      h('header', { class: 'new-chat-head' },
        h('h2', { id: 'new-chat-title' }, t('newChatTitle')),
        h('button', { type: 'button', class: 'link', onclick: () => dialog.close() }, t('newChatCancel'))),
      h('p', { class: 'muted', id: 'new-chat-lead' }, t('newChatLead')),
      h('div', { class: 'field' }, h('label', { for: 'new-chat-search' }, t('newChatSearch')), els.search),
      els.results,
      els.status,
      els.chips,
      els.nameField,
      els.error,
      els.start));
  dialog.addEventListener('close', () => {
    clearTimeout(timer);
    dialog.remove();
    opener?.focus();
  });
  host.append(dialog);
  dialog.showModal();
  els.search.focus();
  renderPicked();
  search();

  // search lists the members matching the search text: colleagues from
  // the member list (the API searches by name), external members from
  // the member's own list. An answer to an older search is dropped.
  async function search() {
    const gen = ++searchGen;
    const q = els.search.value.trim();
    els.status.textContent = t('newChatSearching');
    try {
      const ws = encodeURIComponent(ctx.me.workspaceId);
      const [{ data }, ext] = await Promise.all([
        authed('GET', `/v1/workspaces/${ws}/members?q=${encodeURIComponent(q)}&pageSize=30`),
        externals ? Promise.resolve(externals) : authed('GET', '/v1/me/external-members').then((r) => r.data.externalMembers || []),
      ]);
      externals = ext;
      if (gen !== searchGen) return;
      colleagues = data.members.filter((m) => m.status === 'active' && m.memberId !== ctx.me.accountId);
      renderResults(q);
    } catch (e) {
      if (gen === searchGen) { els.status.textContent = ''; els.error.textContent = chatProblem(e); }
    }
  }

  function renderResults(q) {
    const needle = q.toLowerCase();
    const ext = (externals || []).filter((m) => !needle || m.name.toLowerCase().includes(needle));
    els.results.replaceChildren(
      section('new-chat-colleagues', t('newChatColleagues'),
        colleagues.map((m) => ({ id: m.memberId, name: m.name, detail: m.department || '' })), t('newChatNoMatches')),
      section('new-chat-external', t('newChatExternal'),
        ext.map((m) => ({ id: m.memberId, name: m.name, detail: m.workspace?.name || '' })),
        externals?.length ? t('newChatNoMatches') : t('newChatNoExternal')));
    els.status.textContent = `${t('newChatColleagues')} ${colleagues.length}, ${t('newChatExternal')} ${ext.length}`;
  }

  function section(id, title, people, empty) {
    return h('section', { class: 'new-chat-section', 'aria-labelledby': id },
      h('h3', { id }, title),
      people.length
        ? h('ul', { class: 'rows pick-list' }, people.map((p) => h('li', {},
          h('input', {
            type: 'checkbox', id: `pick-${p.id}`, value: p.id, checked: picked.has(p.id),
            onchange: (e) => { if (e.target.checked) picked.set(p.id, p.name); else picked.delete(p.id); renderPicked(); },
          }),
          h('label', { for: `pick-${p.id}`, class: 'pick' },
            h('span', { class: 'avatar', 'aria-hidden': 'true' }, p.name.slice(0, 1)),
            h('span', { class: 'row-text' },
              h('span', { class: 'pick-name' }, p.name),
              p.detail && h('span', { class: 'muted' }, p.detail))))))
        : h('p', { class: 'muted' }, empty));
  }

  // renderPicked shows the picked members (each one removable), the
  // group name field when there are several, and what the button starts.
  function renderPicked() {
    const n = picked.size;
    els.chips.replaceChildren(h('div', {},
      h('p', { class: 'muted', id: 'new-chat-picked' }, n ? t('newChatSelected', { n }) : t('newChatNoneSelected')),
      n > 0 && h('ul', { class: 'chips', 'aria-labelledby': 'new-chat-picked' }, [...picked].map(([id, name]) => h('li', {},
        h('button', { type: 'button', class: 'chip', 'aria-label': t('newChatRemove', { name }), onclick: () => unpick(id) },
          name, h('span', { 'aria-hidden': 'true' }, ' ×')))))));
    els.nameField.hidden = n < 2;
    els.start.textContent = n < 2 ? t('newChatStart') : t('newChatStartGroup', { n });
    if (n > 0) els.error.textContent = '';
  }

  function unpick(id) {
    picked.delete(id);
    const box = dialog.querySelector(`#pick-${CSS.escape(id)}`);
    if (box) box.checked = false;
    renderPicked();
    els.search.focus();
  }

  // create opens the direct room of one pick (the existing one if any) or
  // a new group room of several, then goes there.
  async function create() {
    if (busy) return;
    const ids = [...picked.keys()];
    if (!ids.length) { els.error.textContent = t('newChatNoneSelected'); els.search.focus(); return; }
    const name = els.name.value.trim();
    if (ids.length > 1 && [...name].length > maxRoomName) { els.error.textContent = t('chatErrRoomName'); els.name.focus(); return; }
    const body = ids.length === 1 ? { type: 'direct', memberIds: ids } : { type: 'group', memberIds: ids, ...(name ? { name } : {}) };
    busy = true;
    els.start.setAttribute('aria-disabled', 'true');
    try {
      const { data } = await authed('POST', '/v1/rooms', body);
      opener = null; // focus goes to the room, not back to the button
      dialog.close();
      ctx.nav(roomPath(data.roomId));
    } catch (e) {
      els.error.textContent = chatProblem(e);
    } finally {
      busy = false;
      els.start.removeAttribute('aria-disabled');
    }
  }

  return dialog;
}
