// me.js is the me tab (내 정보): the member's own profile and its edit
// form (seeds 004: 내 프로필 수정하기), sharing it by a one-time or a QR
// profile link (내 프로필 공유하기), the blocked members (차단 멤버
// 관리), the chat with oneself (나와의 채팅) and the way to the settings.
//
// The list of live links (GET /v1/me/profile-links) has no tokens: a
// link's URL exists only in the answer that created it. The links created
// while the app is open are kept in memory (never stored), so their copy
// button and QR code stay while the member moves between tabs; older ones
// can only be revoked or made again.
import { authed } from './api.js';
import { t, formatTime } from './i18n.js';
import { h, field, problemText } from './ui.js';
import { avatar, confirmDialog, focusHeading, link } from './people.js';

// made holds the links created in this page, by linkId: { url, token }.
const made = new Map();

// The editable fields of the own profile (PATCH /v1/me/profile), with
// their input types and the limits the API enforces.
const editable = [
  { key: 'nickname', label: 'pfNickname', max: 30 },
  { key: 'title', label: 'pfTitle', max: 100 },
  { key: 'position', label: 'pfPosition', max: 100 },
  { key: 'mobile', label: 'pfMobile', type: 'tel', max: 32, autocomplete: 'tel', hint: 'phoneHint' },
  { key: 'landline', label: 'pfLandline', type: 'tel', max: 32, hint: 'phoneHint' },
  { key: 'workLocation', label: 'pfWorkLocation', max: 100 },
  { key: 'birthday', label: 'pfBirthday', type: 'date' },
  { key: 'statusMessage', label: 'pfStatusMessage', max: 60 },
  { key: 'photoUrl', label: 'pfPhotoUrl', type: 'url', max: 2048, hint: 'photoHint' },
];

/** checkField is the API's rule for a field (domain.ProfileEdit), checked
 * before sending so that every problem shows at once; '' when fine. */
export function checkField(key, value, max) {
  const v = value.trim();
  if (!v) return '';
  if (max && [...v].length > max) return t('errTooLong', { n: max });
  if (key === 'mobile' || key === 'landline') {
    if (!/^\+?[0-9 ().-]+$/.test(v) || [...v].length > 32) return t('errPhone');
    const d = v.replace(/\D/g, '');
    const ok = v.startsWith('+') ? d.length >= 8 && d.length <= 15 && d[0] !== '0'
      : (d[0] === '0' && d.length >= 9 && d.length <= 11) || (d[0] === '1' && d.length === 8);
    return ok ? '' : t('errPhone');
  }
  if (key === 'birthday') {
    const d = new Date(`${v}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v
      || d.getUTCFullYear() < 1900 || d > new Date()) return t('errBirthday');
  }
  if (key === 'photoUrl') {
    let u = null;
    try { u = new URL(v); } catch { /* not a URL */ }
    if (!u || !/^https?:$/.test(u.protocol) || !u.host || u.username) return t('errPhotoUrl');
  }
  return '';
}

// refusal is what to say at a field the API refused.
function refusal(f) {
  if (f.key === 'mobile' || f.key === 'landline') return t('errPhone');
  if (f.key === 'birthday') return t('errBirthday');
  if (f.key === 'photoUrl') return t('errPhotoUrl');
  return t('errTooLong', { n: f.max });
}

/** meView is the me tab. */
export function meView(ctx, host) {
  const s = {
    profile: null, editing: false, errors: {}, formError: '', draft: {}, saved: '', error: '',
    links: null, linksError: '', shareNote: '', justMade: '',
    blocks: null, blocksError: '', blocksNote: '', busy: false,
  };
  const els = {};

  // ---- loading

  async function loadProfile() {
    try {
      const { data } = await authed('GET', '/v1/me/profile');
      s.profile = data;
      s.error = '';
    } catch (e) { s.error = problemText(e); }
    renderProfile();
  }

  // Only the latest load draws the list: an older one, answered after a
  // link was made, does not hold it yet and would hide its address (shown
  // once, when made) for good.
  let linksAsked = 0;
  async function loadLinks() {
    const asked = ++linksAsked;
    try {
      const { data } = await authed('GET', '/v1/me/profile-links');
      if (asked !== linksAsked) return;
      s.links = data.profileLinks;
      s.linksError = '';
      for (const id of made.keys()) if (!s.links.some((l) => l.linkId === id)) made.delete(id);
    } catch (e) {
      if (asked !== linksAsked) return;
      s.linksError = problemText(e);
    }
    renderShare();
  }

  async function loadBlocks() {
    try {
      const { data } = await authed('GET', '/v1/me/blocks');
      s.blocks = data.blocked;
      s.blocksError = '';
    } catch (e) { s.blocksError = problemText(e); }
    renderBlocks();
  }

  // ---- the profile and its form

  function renderProfile() {
    const p = s.profile;
    if (!p) {
      els.profile.replaceChildren(s.error ? h('p', { class: 'field-error', role: 'alert' }, s.error) : h('p', { class: 'muted' }, t('loading')));
      return;
    }
    els.profile.replaceChildren(...(s.editing ? editForm(p) : card(p)).filter(Boolean));
  }

  function card(p) {
    const role = [p.title, p.position].filter(Boolean).join(' · ');
    const rows = [['nickname', 'pfNickname'], ['email', 'pfEmail'], ['mobile', 'pfMobile'], ['landline', 'pfLandline'],
      ['workLocation', 'pfWorkLocation'], ['birthday', 'pfBirthday']].filter(([k]) => p[k]);
    return [
      h('div', { class: 'profile-head' },
        avatar(p.name, p.photoUrl, 'large'),
        h('div', { class: 'profile-id' },
          h('h2', { id: 'me-name' }, p.name),
          role && h('p', { class: 'profile-role', 'data-field': 'role' }, role),
          p.department && h('p', { class: 'muted profile-dept' }, p.department))),
      p.statusMessage && h('p', { class: 'status-message', 'data-field': 'statusMessage' }, p.statusMessage),
      rows.length > 0 && h('dl', { class: 'profile-fields' }, rows.map(([k, label]) =>
        h('div', { class: 'pf-row', 'data-field': k }, h('dt', {}, t(label)), h('dd', {}, p[k])))),
      s.saved && h('p', { class: 'notice', role: 'status' }, s.saved),
      h('p', { class: 'muted' }, t('fieldsVisibility')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary-small', id: 'edit-profile', onclick: () => edit(true) }, t('editProfile')),
        h('button', { type: 'button', class: 'secondary', onclick: selfChat }, t('selfRoom'))),
    ];
  }

  function edit(on) {
    s.editing = on;
    s.errors = {};
    s.formError = '';
    s.saved = '';
    s.draft = {};
    renderProfile();
    if (on) els.profile.querySelector('#pf-nickname')?.focus();
    else els.profile.querySelector('#edit-profile')?.focus();
  }

  function editForm(p) {
    const errs = Object.entries(s.errors);
    const value = (k) => (k in s.draft ? s.draft[k] : p[k] || '');
    const ro = (id, label, v) => field({ id, label: t(label), value: v || '', readonly: true, hint: t('readOnlyHint') });
    return [
      h('h2', { id: 'edit-title' }, t('editProfile')),
      s.formError && h('p', { class: 'field-error form-error', role: 'alert', tabindex: '-1' }, s.formError),
      errs.length > 0 && h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
        h('h2', {}, t('errorSummary')),
        h('ul', {}, errs.map(([k, msg]) => h('li', {}, h('a', { href: `#pf-${k}`,
          onclick: (e) => { e.preventDefault(); document.getElementById(`pf-${k}`)?.focus(); } },
        `${t(editable.find((f) => f.key === k).label)}: ${msg}`))))),
      h('form', { class: 'profile-form', novalidate: true, 'aria-labelledby': 'edit-title', onsubmit: save },
        h('div', { class: 'form-grid' },
          ro('pf-name', 'pfName', p.name),
          ro('pf-email', 'pfEmail', p.email),
          ro('pf-department', 'pfDepartment', p.department),
          ...editable.map((f) => field({
            id: `pf-${f.key}`, label: t(f.label), error: s.errors[f.key], hint: f.hint && t(f.hint),
            type: f.type || 'text', value: value(f.key), maxlength: f.max ? String(f.max) : undefined, autocomplete: f.autocomplete || 'off',
          }))),
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'primary-small' }, t('profileSave')),
          h('button', { type: 'button', class: 'secondary', onclick: () => edit(false) }, t('dialogCancel')))),
    ];
  }

  // save sends the fields that changed (an empty one clears it); the
  // form's own check first, then the API's answer, each shown at its field.
  async function save(e) {
    e.preventDefault();
    if (s.busy) return;
    const form = e.target;
    const body = {};
    const errors = {};
    for (const f of editable) {
      const v = form.elements[`pf-${f.key}`].value.trim();
      s.draft[f.key] = v;
      if (v === (s.profile[f.key] || '')) continue;
      const problem = checkField(f.key, v, f.max);
      if (problem) errors[f.key] = problem;
      body[f.key] = v;
    }
    s.errors = errors;
    if (Object.keys(errors).length) { renderProfile(); els.profile.querySelector('.error-summary')?.focus(); return; }
    if (!Object.keys(body).length) { s.editing = false; s.saved = t('nothingChanged'); renderProfile(); els.profile.querySelector('#edit-profile')?.focus(); return; }
    s.busy = true;
    try {
      const { data } = await authed('PATCH', '/v1/me/profile', body);
      s.profile = data;
      s.editing = false;
      s.draft = {};
      s.saved = t('profileSaved');
      ctx.forget(ctx.me.accountId);
      renderProfile();
      els.profile.querySelector('#edit-profile')?.focus();
    } catch (err) {
      // The API names the field it refused first in its detail
      // ("mobile must be a phone number…"): the message goes there.
      const f = err.status === 400 && editable.find((x) => (err.problem?.detail || '').startsWith(`${x.key} `));
      s.errors = f ? { [f.key]: refusal(f) } : {};
      s.formError = f ? '' : problemText(err);
      renderProfile();
      els.profile.querySelector('.error-summary, .form-error')?.focus();
    } finally { s.busy = false; }
  }

  async function selfChat() {
    try {
      const { data } = await authed('GET', '/v1/rooms/self');
      ctx.nav(`/app/rooms/${encodeURIComponent(data.roomId)}`);
    } catch (e) {
      s.saved = problemText(e);
      renderProfile();
    }
  }

  // ---- sharing

  async function create(type) {
    if (s.busy) return;
    const qr = s.links?.find((l) => l.type === 'qr');
    if (type === 'qr' && qr) {
      const ok = await confirmDialog({ title: t('qrAgainTitle'), text: t('qrAgainText'), confirm: t('makeQrAgain') });
      if (!ok) return;
    }
    s.busy = true;
    try {
      const { data } = await authed('POST', '/v1/me/profile-links', { type });
      made.set(data.linkId, { url: data.url, token: data.token });
      s.justMade = data.linkId;
      s.shareNote = t(type === 'qr' ? 'qrMade' : 'oneTimeMade');
      await loadLinks();
      els.share.querySelector(`[data-link="${data.linkId}"] input`)?.focus();
    } catch (e) {
      s.shareNote = '';
      s.linksError = problemText(e);
      renderShare();
    } finally { s.busy = false; }
  }

  async function revoke(l) {
    try {
      await authed('DELETE', `/v1/me/profile-links/${encodeURIComponent(l.linkId)}`);
      made.delete(l.linkId);
      s.shareNote = t('linkRevoked');
    } catch (e) {
      s.shareNote = e.status === 404 ? t('linkAlreadyGone') : problemText(e);
    }
    await loadLinks();
    els.shareNote.focus();
  }

  async function copy(input, status) {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = t('copied');
    } catch {
      // No clipboard (permission, insecure origin): the text stays
      // selected in its field, to copy by hand.
      status.textContent = t('copyFailed');
      input.focus();
      input.select();
    }
  }

  function linkRow(l) {
    const mine = made.get(l.linkId);
    const qr = l.type === 'qr';
    const title = t(qr ? 'qrLink' : 'oneTimeLink');
    const expiry = l.expiresAt ? t('linkExpiresAt', { time: formatTime(l.expiresAt, true) }) : t('noExpiry');
    const id = `link-${l.linkId}`;
    const status = h('p', { class: 'copy-status', role: 'status' });
    const input = mine && h('input', { id, type: 'text', readonly: true, value: mine.url, class: 'link-url', onfocus: (e) => e.target.select() });
    return h('li', { class: 'link-row', 'data-link': l.linkId, 'data-type': l.type },
      h('div', { class: 'link-main' },
        h('div', { class: 'row-text' },
          h('span', { class: 'person-name' }, title),
          h('span', { class: 'muted' }, `${t('linkCreatedAt', { time: formatTime(l.createdAt, true) })} · ${expiry}`)),
        mine && h('div', { class: 'field link-copy' },
          h('label', { for: id, class: 'visually-hidden' }, t('linkUrlLabel', { type: title })),
          h('div', { class: 'inline-field' }, input,
            h('button', { type: 'button', class: 'secondary', onclick: () => copy(input, status) }, t('linkCopy')))),
        mine && status,
        !mine && h('p', { class: 'muted small' }, t('linkHidden')),
        mine && qr && h('img', { class: 'qr', src: `/v1/profile-links/${encodeURIComponent(mine.token)}/qr.png`,
          alt: t('qrAlt'), width: '200', height: '200' })),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', 'aria-label': t('revokeLabel', { type: title }), onclick: () => revoke(l) }, t('linkRevoke'))));
  }

  // buildShare draws the panel's fixed parts once: its buttons and status
  // line stay the same nodes (a click or a screen reader never loses
  // them) while the list below is drawn again.
  function buildShare() {
    els.makeQr = h('button', { type: 'button', class: 'primary-small', id: 'make-qr', onclick: () => create('qr') }, t('makeQr'));
    els.shareNote = h('p', { class: 'notice share-note', role: 'status', tabindex: '-1', hidden: true });
    els.linkList = h('div', { class: 'link-list' });
    els.share.replaceChildren(
      h('h2', { id: 'share-title' }, t('shareTitle')),
      h('p', {}, t('shareLead')),
      h('ul', { class: 'link-types' },
        h('li', {},
          h('div', { class: 'row-text' }, h('strong', {}, t('oneTimeLink')), h('span', { class: 'muted' }, t('oneTimeLinkDesc'))),
          h('button', { type: 'button', class: 'primary-small', id: 'make-one-time', onclick: () => create('one_time') }, t('makeOneTime'))),
        h('li', {},
          h('div', { class: 'row-text' }, h('strong', {}, t('qrLink')), h('span', { class: 'muted' }, t('qrLinkDesc'))),
          els.makeQr)),
      els.shareNote,
      h('h3', { id: 'live-links-title' }, t('liveLinks')),
      els.linkList);
  }

  function renderShare() {
    const links = s.links;
    els.makeQr.textContent = t(links?.some((l) => l.type === 'qr') ? 'makeQrAgain' : 'makeQr');
    els.shareNote.textContent = s.shareNote;
    els.shareNote.hidden = !s.shareNote;
    let list;
    if (s.linksError) list = h('p', { class: 'field-error', role: 'alert' }, s.linksError);
    else if (!links) list = h('p', { class: 'muted' }, t('loading'));
    else if (!links.length) list = h('p', { class: 'muted' }, t('noLinks'));
    else list = h('ul', { class: 'rows links', 'aria-labelledby': 'live-links-title' }, links.map(linkRow));
    els.linkList.replaceChildren(list);
  }

  // ---- blocks

  async function unblock(b) {
    try {
      await authed('DELETE', `/v1/me/blocks/${encodeURIComponent(b.memberId)}`);
      s.blocksNote = t('unblocked', { name: b.name });
      ctx.forget(b.memberId);
    } catch (e) {
      s.blocksNote = e.status === 404 ? t('notBlockedAnymore') : problemText(e);
    }
    await loadBlocks();
    els.blocksNote.focus();
  }

  function buildBlocks() {
    els.blocksNote = h('p', { class: 'notice blocks-note', role: 'status', tabindex: '-1', hidden: true });
    els.blockList = h('div', { class: 'block-list' });
    els.blocks.replaceChildren(
      h('h2', { id: 'blocks-title', tabindex: '-1' }, t('blockedMembers')),
      h('p', { class: 'muted' }, t('blockedLead')),
      els.blocksNote,
      els.blockList);
  }

  function renderBlocks() {
    els.blocksNote.textContent = s.blocksNote;
    els.blocksNote.hidden = !s.blocksNote;
    let list;
    if (s.blocksError) list = h('p', { class: 'field-error', role: 'alert' }, s.blocksError);
    else if (!s.blocks) list = h('p', { class: 'muted' }, t('loading'));
    else if (!s.blocks.length) list = h('p', { class: 'muted' }, t('noBlocked'));
    else {
      list = h('ul', { class: 'rows', 'aria-labelledby': 'blocks-title' }, s.blocks.map((b) => h('li', { 'data-member': b.memberId },
        avatar(b.name),
        h('span', { class: 'row-text' }, h('span', { class: 'person-name' }, b.name),
          h('span', { class: 'muted' }, t('blockedAt', { time: formatTime(b.blockedAt, true) }))),
        h('button', { type: 'button', class: 'secondary', 'aria-label': t('unblockLabel', { name: b.name }), onclick: () => unblock(b) }, t('unblockMember')))));
    }
    els.blockList.replaceChildren(list);
  }

  // ---- the page

  els.profile = h('section', { class: 'panel my-profile', 'aria-label': t('myProfile') });
  els.share = h('section', { class: 'panel share', 'aria-labelledby': 'share-title' });
  els.blocks = h('section', { class: 'panel blocks', 'aria-labelledby': 'blocks-title' });
  host.replaceChildren(h('div', { class: 'page-view me' },
    h('h1', { tabindex: '-1' }, t('myProfile')),
    els.profile,
    els.share,
    els.blocks,
    h('section', { class: 'panel', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, t('meSettingsTitle')),
      h('p', { class: 'muted' }, t('meSettingsLead')),
      h('p', {}, link(ctx, '/app/settings', { class: 'settings-link' }, `${t('meOpenSettings')} ›`)))));
  buildShare();
  buildBlocks();
  renderProfile();
  renderShare();
  renderBlocks();
  const target = location.hash && host.querySelector(location.hash.replace(/[^#\w-]/g, ''));
  if (target) target.focus(); else focusHeading(host);
  // A way here to one panel (#blocks-title, from a blocked profile)
  // scrolls to it again once the panels above have their content.
  Promise.all([loadProfile(), loadLinks(), loadBlocks()]).then(() => { if (target && document.contains(target)) target.scrollIntoView(); });
  const refetch = () => { loadLinks(); loadBlocks(); };
  ctx.on('live', refetch);
  // Someone added the member: a one-time link may just have been used.
  ctx.on('notification', (n) => { if (n.kind === 'external_member_added') loadLinks(); });
  return {};
}
