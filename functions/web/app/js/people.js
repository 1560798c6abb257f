// people.js is the people tab (멤버): the workspace's members, searchable
// and paged, the member's external members with "add by link", and a
// member's profile card (a colleague's, an external member's or that of
// someone who added the member) with the group rooms both are in, a 1:1
// chat, and for someone of another workspace: remove, add back, block
// (seeds 004: 외부 멤버 추가 및 관리, 외부 멤버 차단, 함께 있는 채팅방).
// What a card shows is what the API returns: the owner's workspace
// settings decide which fields are there.
import { authed } from './api.js';
import { t } from './i18n.js';
import { h, problemText } from './ui.js';
import { openDirect, chatProblem } from './newchat.js';

// ---- pieces the people, me and links views share

/** avatar is a member's picture: the photo when the app may load it (the
 * CSP allows this origin's images and https ones, as the link pages do),
 * else the name's first letter; a photo that fails to load gives way to
 * the letter too. */
export function avatar(name, photoUrl, size = '') {
  const cls = size ? `avatar ${size}` : 'avatar';
  const letter = () => h('span', { class: cls, 'aria-hidden': 'true' }, (name || '?').trim().slice(0, 1).toUpperCase());
  if (!photoUrl || !loadable(photoUrl)) return letter();
  const img = h('img', { class: `${cls} photo`, src: photoUrl, alt: '', referrerpolicy: 'no-referrer' });
  img.addEventListener('error', () => img.replaceWith(letter()), { once: true });
  return img;
}

function loadable(url) {
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin || u.protocol === 'https:';
  } catch {
    return false;
  }
}

// The optional fields of a profile card, in the order they show; each is
// on the card only when the API sent it (the workspace shows it) with a
// value.
const cardFields = [
  ['nickname', 'pfNickname'], ['title', 'pfTitle'], ['position', 'pfPosition'], ['email', 'pfEmail'],
  ['mobile', 'pfMobile'], ['landline', 'pfLandline'], ['workLocation', 'pfWorkLocation'], ['birthday', 'pfBirthday'],
];

/** profileCard draws a profile as the API shows it to the member: the
 * display name first (the view's h1), title and position, department,
 * the workspace when it is another one, the status message and the
 * fields present. */
export function profileCard(p, { workspace = '', external = false } = {}) {
  const name = p.displayName || p.name || t('unknownMember');
  const role = [p.title, p.position].filter(Boolean).join(' · ');
  const details = cardFields.filter(([k]) => p[k]).map(([k, label]) => {
    let value = p[k];
    if (k === 'email') value = h('a', { href: `mailto:${p[k]}` }, p[k]);
    if (k === 'mobile' || k === 'landline') value = h('a', { href: `tel:${p[k]}` }, p[k]);
    return h('div', { class: 'pf-row', 'data-field': k }, h('dt', {}, t(label)), h('dd', {}, value));
  });
  return h('section', { class: 'panel profile-card', 'aria-labelledby': 'profile-name' },
    h('div', { class: 'profile-head' },
      avatar(name, p.photoUrl, 'large'),
      h('div', { class: 'profile-id' },
        h('h1', { id: 'profile-name', tabindex: '-1' }, name),
        role && h('p', { class: 'profile-role' }, role),
        p.department && h('p', { class: 'muted profile-dept' }, p.department),
        (external || workspace) && h('p', { class: 'profile-ws' },
          external && h('span', { class: 'tag' }, t('externalTag')),
          workspace && h('span', {}, t('ofWorkspace', { name: workspace }))))),
    p.statusMessage && h('p', { class: 'status-message' }, p.statusMessage),
    details.length > 0 && h('dl', { class: 'profile-fields' }, details));
}

/** confirmDialog asks in a native modal dialog (focus kept inside,
 * Escape cancels) and resolves true when the member confirms. */
export function confirmDialog({ title, text, confirm, danger = false }) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', { id: 'confirm-text' }, text),
      h('form', { method: 'dialog', class: 'actions dialog-actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'secondary', autofocus: true }, t('dialogCancel')),
        h('button', { type: 'submit', value: 'confirm', class: danger ? 'danger' : 'primary-small' }, confirm)));
    const back = document.activeElement;
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (back && document.contains(back)) back.focus();
      resolve(dlg.returnValue === 'confirm');
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** link is an in-app link: a real <a href>, followed without a reload. */
export function link(ctx, path, attrs, ...children) {
  return h('a', { href: path, ...attrs, onclick: (e) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    ctx.nav(path);
  } }, ...children);
}

/** focusHeading moves focus to the view's h1, so keyboard and screen
 * reader users land on the new view. */
export function focusHeading(host) {
  const h1 = host.querySelector('h1');
  if (!h1) return;
  if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
  h1.focus();
}

/** linkToken reads a profile link's token from what a member pasted: the
 * link's URL (…/p/{token}), the app's address of it (…/app/links/{token})
 * or the token itself; '' if it is none of these. */
export function linkToken(text) {
  const s = text.trim();
  const m = s.match(/\/(?:p|app\/links)\/([^/?#\s]+)/);
  const token = m ? decodeURIComponent(m[1]) : s;
  return /^[0-9a-f]{32}\.[A-Za-z0-9_-]+$/.test(token) ? token : '';
}

const memberPath = (id) => `/app/people/${encodeURIComponent(id)}`;

// ---- the people tab

/** peopleView is the people tab: members of the workspace (search,
 * "more") and external members, with a field that opens a profile link. */
export function peopleView(ctx, host) {
  const s = { q: '', members: [], next: null, loading: false, seq: 0, externals: null, listError: '', extError: '' };
  const els = {};
  let debounce = 0;

  function row(id, name, ...lines) {
    const path = id === ctx.me.accountId ? '/app/me' : memberPath(id);
    return h('li', {}, link(ctx, path, { class: 'person', 'data-member': id },
      avatar(name),
      h('span', { class: 'row-text' }, h('span', { class: 'person-name' }, name), ...lines)));
  }

  function memberRow(m) {
    const badges = [];
    if (m.memberId === ctx.workspace?.superAdminId) badges.push(t('memberRoleSuperAdmin'));
    else if (m.role === 'admin') badges.push(t('memberRoleAdmin'));
    if (m.status === 'invited') badges.push(t('memberInvited'));
    return row(m.memberId, m.name,
      (m.department || m.email) && h('span', { class: 'muted' }, [m.department, m.email].filter(Boolean).join(' · ')),
      m.memberId === ctx.me.accountId && h('span', { class: 'tag' }, t('you')),
      ...badges.map((b) => h('span', { class: 'tag' }, b)));
  }

  function renderMembers() {
    if (s.listError) els.list.replaceChildren(h('li', { class: 'empty field-error', role: 'alert' }, s.listError));
    else if (!s.members.length && !s.loading) els.list.replaceChildren(h('li', { class: 'empty' }, s.q ? t('noMembersFound', { q: s.q }) : t('noMembers')));
    else els.list.replaceChildren(...s.members.map(memberRow));
    els.more.hidden = !s.next;
    els.more.disabled = s.loading;
  }

  function renderExternals() {
    if (s.extError) { els.externals.replaceChildren(h('li', { class: 'empty field-error', role: 'alert' }, s.extError)); return; }
    if (!s.externals) { els.externals.replaceChildren(h('li', { class: 'empty' }, t('loading'))); return; }
    if (!s.externals.length) { els.externals.replaceChildren(h('li', { class: 'empty' }, t('noExternals'))); return; }
    els.externals.replaceChildren(...s.externals.map((x) => row(x.memberId, x.name,
      x.workspace?.name && h('span', { class: 'muted' }, x.workspace.name))));
  }

  // load fetches the first page for the search text, or the next page;
  // an answer to an older search is dropped.
  async function load(more) {
    const seq = ++s.seq;
    s.loading = true;
    renderMembers();
    const query = new URLSearchParams({ pageSize: '50' });
    if (s.q) query.set('q', s.q);
    if (more && s.next) query.set('pageToken', s.next);
    try {
      const { data } = await authed('GET', `/v1/workspaces/${encodeURIComponent(ctx.session.workspaceId)}/members?${query}`);
      if (seq !== s.seq) return;
      s.members = more ? s.members.concat(data.members) : data.members;
      s.next = data.nextPageToken || null;
      s.listError = '';
      els.count.textContent = t(s.q ? 'membersFound' : 'membersShown', { n: s.members.length, q: s.q });
    } catch (e) {
      if (seq !== s.seq) return;
      s.listError = problemText(e);
    } finally {
      if (seq === s.seq) { s.loading = false; renderMembers(); }
    }
  }

  async function loadExternals() {
    try {
      const { data } = await authed('GET', '/v1/me/external-members');
      s.externals = data.externalMembers;
      s.extError = '';
    } catch (e) {
      s.extError = problemText(e);
    }
    renderExternals();
  }

  function openLink(e) {
    e.preventDefault();
    const token = linkToken(els.linkInput.value);
    if (!token) {
      els.linkError.textContent = t('errLinkFormat');
      els.linkInput.setAttribute('aria-invalid', 'true');
      els.linkInput.focus();
      return;
    }
    ctx.nav(`/app/links/${encodeURIComponent(token)}`);
  }

  els.list = h('ul', { class: 'rows people-list', id: 'member-list', 'aria-labelledby': 'members-title' });
  els.externals = h('ul', { class: 'rows people-list', 'aria-labelledby': 'externals-title' });
  els.count = h('p', { class: 'visually-hidden', role: 'status' });
  els.more = h('button', { type: 'button', class: 'secondary more', hidden: true, onclick: () => load(true) }, t('membersMore'));
  els.linkError = h('p', { class: 'field-error', id: 'add-link-error' });
  els.linkInput = h('input', { id: 'add-link', name: 'add-link', type: 'text', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'add-link-hint add-link-error', oninput: () => { els.linkError.textContent = ''; els.linkInput.removeAttribute('aria-invalid'); } });
  const search = h('input', { id: 'member-q', name: 'q', type: 'search', autocomplete: 'off',
    oninput: (e) => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { s.q = e.target.value.trim(); load(false); }, 300);
    } });

  host.replaceChildren(h('div', { class: 'page-view people' },
    h('h1', { tabindex: '-1' }, t('peopleTitle')),
    h('section', { class: 'panel', 'aria-labelledby': 'members-title' },
      h('h2', { id: 'members-title' }, ctx.workspace?.name ? t('membersOf', { name: ctx.workspace.name }) : t('membersTitle')),
      h('form', { role: 'search', class: 'search', onsubmit: (e) => { e.preventDefault(); clearTimeout(debounce); s.q = search.value.trim(); load(false); } },
        h('label', { for: 'member-q', class: 'visually-hidden' }, t('searchMembers')),
        search,
        h('button', { type: 'submit', class: 'secondary' }, t('membersSearch'))),
      els.count,
      els.list,
      els.more),
    h('section', { class: 'panel', 'aria-labelledby': 'externals-title' },
      h('h2', { id: 'externals-title' }, t('externalsTitle')),
      els.externals,
      h('form', { class: 'add-link', novalidate: true, onsubmit: openLink },
        h('div', { class: 'field' },
          h('label', { for: 'add-link' }, t('addByLink')),
          h('p', { class: 'hint', id: 'add-link-hint' }, t('addByLinkHint')),
          els.linkError,
          h('div', { class: 'inline-field' }, els.linkInput,
            h('button', { type: 'submit', class: 'secondary' }, t('openLink'))))))));
  search.setAttribute('placeholder', t('searchMembers'));
  search.setAttribute('aria-controls', 'member-list');
  renderExternals();
  focusHeading(host);
  load(false);
  loadExternals();
  ctx.on('live', () => { loadExternals(); });
  return { stop: () => clearTimeout(debounce) };
}

// ---- a member's profile

/** memberView is another member's profile card, the group rooms both are
 * in and what the member can do: a 1:1 chat; for someone of another
 * workspace, remove or add (back) and block. */
export function memberView(ctx, host, [memberId]) {
  if (memberId === ctx.me.accountId) {
    history.replaceState(null, '', '/app/me');
    ctx.nav('/app/me');
    return {};
  }
  const s = { profile: null, kind: '', workspace: '', rooms: null, error: '', gone: false, notice: '', busy: false, blocked: false };
  const els = {};
  let focused = false;

  // relation finds how the member stands to the profile's owner: an
  // external member (listed, with their workspace), a colleague (in the
  // member list), or someone of another workspace who added the member.
  async function relation(p) {
    const { data } = await authed('GET', '/v1/me/external-members');
    const ext = data.externalMembers.find((x) => x.memberId === memberId);
    if (ext) return { kind: 'external', workspace: ext.workspace?.name || '' };
    const q = new URLSearchParams({ q: p.name || p.displayName || '', pageSize: '100' });
    const { data: page } = await authed('GET', `/v1/workspaces/${encodeURIComponent(ctx.session.workspaceId)}/members?${q}`);
    if (page.members.some((m) => m.memberId === memberId)) return { kind: 'colleague', workspace: '' };
    return { kind: 'adder', workspace: '' };
  }

  async function load() {
    ctx.forget(memberId);
    try {
      const { data } = await authed('GET', `/v1/members/${encodeURIComponent(memberId)}/profile`);
      const rel = await relation(data);
      Object.assign(s, { profile: data, kind: rel.kind, workspace: rel.workspace, gone: false, error: '' });
    } catch (e) {
      if (e.status === 404) Object.assign(s, { profile: null, gone: true, error: '' });
      else s.error = problemText(e);
    }
    render();
    if (s.profile) loadRooms();
  }

  async function loadRooms() {
    try {
      const { data } = await authed('GET', `/v1/members/${encodeURIComponent(memberId)}/shared-rooms`);
      const rooms = await Promise.all(data.rooms.map(async (r) => ({ ...r, title: r.name || await roomTitle(r) })));
      s.rooms = rooms;
    } catch {
      s.rooms = [];
    }
    renderRooms();
  }

  async function roomTitle(r) {
    const others = r.memberIds.filter((id) => id !== ctx.me.accountId);
    return (await Promise.all(others.slice(0, 4).map((id) => ctx.name(id)))).join(', ');
  }

  async function act(fn) {
    if (s.busy) return;
    s.busy = true;
    s.error = '';
    try { await fn(); } catch (e) { s.error = actionError(e); render(); } finally { s.busy = false; }
  }

  function actionError(e) {
    switch (e.code) {
      case 'external_chat_disabled': return t('errExternalChatOff');
      case 'cannot_block_workspace_member': return t('errCannotBlockColleague');
      case 'same_workspace': return t('errSameWorkspace');
      case 'conflict': return t('errAlreadyExternal');
      case 'not_found': return t('profileGoneLead');
    }
    return problemText(e);
  }

  const name = () => s.profile?.displayName || s.profile?.name || '';

  const chat = async () => {
    if (s.busy) return;
    s.busy = true;
    try { await openDirect(ctx, memberId); } catch (e) { s.error = chatProblem(e); render(); } finally { s.busy = false; }
  };

  const remove = () => act(async () => {
    const ok = await confirmDialog({ title: t('removeExternalTitle', { name: name() }), text: t('removeExternalText'), confirm: t('removeExternal'), danger: true });
    if (!ok) return;
    await authed('DELETE', `/v1/me/external-members/${encodeURIComponent(memberId)}`);
    s.notice = t('removedExternal', { name: name() });
    await load();
  });

  const addBack = () => act(async () => {
    await authed('POST', '/v1/me/external-members', { memberId });
    s.notice = t('addedExternal', { name: name() });
    await load();
  });

  const block = () => act(async () => {
    const ok = await confirmDialog({ title: t('blockTitle', { name: name() }), text: t('blockText'), confirm: t('blockMember'), danger: true });
    if (!ok) return;
    await authed('POST', '/v1/me/blocks', { memberId });
    ctx.forget(memberId);
    s.blocked = true;
    s.notice = t('blockedNotice', { name: name() });
    render();
    host.querySelector('.notice')?.focus();
  });

  function actions() {
    const external = s.kind !== 'colleague';
    return h('div', { class: 'actions profile-actions' },
      h('button', { type: 'button', class: 'primary-small', onclick: chat }, t('directChat')),
      s.kind === 'external' && h('button', { type: 'button', class: 'secondary', onclick: remove }, t('removeExternal')),
      s.kind === 'adder' && h('button', { type: 'button', class: 'secondary', onclick: addBack }, t('addExternal')),
      // A colleague is never blocked (400 cannot_block_workspace_member).
      external && h('button', { type: 'button', class: 'danger', onclick: block }, t('blockMember')));
  }

  // The rooms panel is filled in when the rooms come, without drawing
  // the card and its buttons again.
  function roomsPanel() {
    els.rooms = h('section', { class: 'panel', 'aria-labelledby': 'shared-title' });
    renderRooms();
    return els.rooms;
  }

  function renderRooms() {
    if (!els.rooms) return;
    let body;
    if (!s.rooms) body = h('p', { class: 'muted' }, t('loading'));
    else if (!s.rooms.length) body = h('p', { class: 'muted' }, t('noSharedRooms'));
    else {
      body = h('ul', { class: 'rows' }, s.rooms.map((r) => h('li', {},
        link(ctx, `/app/rooms/${encodeURIComponent(r.roomId)}`, { class: 'person', 'data-room': r.roomId },
          avatar(r.title),
          h('span', { class: 'row-text' }, h('span', { class: 'person-name' }, r.title),
            h('span', { class: 'muted' }, t('members', { n: r.memberIds.length })))))));
    }
    els.rooms.replaceChildren(h('h2', { id: 'shared-title' }, t('sharedRooms')), body);
  }

  function back() {
    return h('p', { class: 'back-link' }, link(ctx, '/app/people', {}, `‹ ${t('backToPeople')}`));
  }

  function render() {
    els.rooms = null;
    const notice = s.notice && h('p', { class: 'notice', role: 'status', tabindex: '-1' }, s.notice);
    const error = s.error && h('p', { class: 'field-error', role: 'alert' }, s.error);
    let body;
    if (s.blocked) {
      body = [h('h1', { tabindex: '-1' }, t('blockedTitle')), notice,
        h('p', {}, link(ctx, '/app/me#blocks-title', {}, t('manageBlocked')))];
    } else if (s.gone) {
      body = [h('h1', { tabindex: '-1' }, t('profileGoneTitle')), notice, h('p', {}, t('profileGoneLead'))];
    } else if (s.profile) {
      body = [profileCard(s.profile, { workspace: s.workspace, external: s.kind !== 'colleague' }), notice, error, actions(), roomsPanel()];
    } else if (s.error) {
      body = [h('h1', { tabindex: '-1' }, t('memberProfileTitle')), error];
    } else {
      body = [h('h1', { tabindex: '-1' }, t('memberProfileTitle')), h('p', { class: 'muted' }, t('loading'))];
    }
    host.replaceChildren(h('div', { class: 'page-view member' }, back(), ...body));
    if (!focused && (s.profile || s.gone || s.error)) { focused = true; focusHeading(host); }
  }

  render();
  load();
  return { update: ([id]) => { if (id !== memberId) { memberId = id; s.rooms = null; s.notice = ''; s.blocked = false; focused = false; load(); } } };
}
