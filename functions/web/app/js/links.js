// links.js opens a profile link in the app (/app/links/{token}; seeds 004:
// 상대방 프로필 공유받기): the owner's card as the link shows it, "add as
// external member", then "start chat". Opening it never uses a one-time
// link up; adding does. Each refusal says what happened and offers what
// is still possible: a colleague's profile, the chat with someone already
// added.
import { authed } from './api.js';
import { t } from './i18n.js';
import { h, problemText } from './ui.js';
import { profileCard, link, focusHeading } from './people.js';
import { openDirect, chatProblem } from './newchat.js';

/** linkView shows the profile a link token names and adds its owner. */
export function linkView(ctx, host, [token]) {
  // state: loading | card | added | colleague | self | failed
  const s = { state: 'loading', shared: null, error: '', note: '', busy: false, already: false };
  let focusNext = true;

  async function load() {
    try {
      const { data } = await authed('GET', `/v1/profile-links/${encodeURIComponent(token)}`);
      s.shared = data;
      const owner = data.profile.memberId;
      if (owner === ctx.me.accountId) s.state = 'self';
      else if (data.workspace.workspaceId === ctx.session.workspaceId) s.state = 'colleague';
      else {
        const { data: ext } = await authed('GET', '/v1/me/external-members');
        s.already = ext.externalMembers.some((x) => x.memberId === owner);
        s.state = 'card';
      }
    } catch (e) {
      fail(e);
    }
    render();
  }

  // fail turns a refusal into the failed state's text (the same codes
  // answer opening the link and adding its owner).
  function fail(e) {
    s.state = 'failed';
    switch (e.code || (e.status === 410 ? 'gone' : '')) {
      case 'gone': s.error = t('linkGone'); break;
      case 'external_chat_disabled': s.error = t('errExternalChatOff'); break;
      case 'not_found': s.error = t('linkNotFound'); break;
      default: s.error = problemText(e);
    }
  }

  const owner = () => s.shared.profile;
  const ownerName = () => owner().displayName || owner().name;

  async function add() {
    if (s.busy) return;
    s.busy = true;
    s.note = '';
    try {
      await authed('POST', '/v1/me/external-members', { profileLinkToken: token });
      s.state = 'added';
      s.note = t('addedExternal', { name: ownerName() });
    } catch (e) {
      if (e.code === 'same_workspace') s.state = 'colleague';
      else if (e.status === 409) { s.already = true; s.note = t('errAlreadyExternal'); }
      else if (e.code === 'rate_limited' || e.status >= 500 || e.code === 'network') s.note = problemText(e);
      else fail(e);
    } finally { s.busy = false; }
    focusNext = true;
    render();
  }

  async function chat() {
    if (s.busy) return;
    s.busy = true;
    try {
      await openDirect(ctx, owner().memberId);
    } catch (e) {
      s.note = chatProblem(e);
      render();
    } finally { s.busy = false; }
  }

  function buttons() {
    const p = owner();
    const chatButton = h('button', { type: 'button', class: 'primary-small', id: 'start-chat', onclick: chat }, t('startChat'));
    const profile = link(ctx, `/app/people/${encodeURIComponent(p.memberId)}`, { class: 'button-link' }, t('viewProfile'));
    switch (s.state) {
      case 'card':
        if (s.already) return h('div', { class: 'actions' }, chatButton, profile);
        return h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary-small', id: 'add-external', onclick: add }, t('addExternal')));
      case 'added': return h('div', { class: 'actions' }, chatButton, profile);
      case 'colleague': return h('div', { class: 'actions' }, chatButton, profile);
      case 'self': return h('div', { class: 'actions' }, link(ctx, '/app/me', { class: 'button-link' }, t('myProfile')));
    }
    return null;
  }

  function lead() {
    switch (s.state) {
      case 'card': return s.already ? t('alreadyExternalLead', { name: ownerName() }) : t('addExternalLead', { workspace: s.shared.workspace.name });
      case 'added': return t('addedLead');
      case 'colleague': return t('errSameWorkspace');
      case 'self': return t('ownLinkLead');
    }
    return '';
  }

  function render() {
    const back = h('p', { class: 'back-link' }, link(ctx, '/app/people', {}, `‹ ${t('backToPeople')}`));
    let body;
    if (s.state === 'loading') body = [h('h1', { tabindex: '-1' }, t('profileLinkTitle')), h('p', { class: 'muted' }, t('loading'))];
    else if (s.state === 'failed') {
      body = [h('h1', { tabindex: '-1' }, t('linkFailedTitle')),
        h('p', { class: 'field-error link-error', role: 'alert' }, s.error),
        h('p', { class: 'muted' }, t('linkFailedHelp'))];
    } else {
      const external = s.state !== 'colleague' && s.state !== 'self';
      body = [
        h('p', { class: 'eyebrow' }, t('profileLinkTitle')),
        profileCard(owner(), { workspace: s.shared.workspace.name, external }),
        h('p', { class: 'link-lead' }, lead()),
        s.note && h('p', { class: s.state === 'added' ? 'notice' : 'field-error', role: 'status' }, s.note),
        buttons(),
      ];
    }
    host.replaceChildren(h('div', { class: 'page-view link-view' }, back, ...body));
    if (s.state === 'loading') return;
    if (focusNext) {
      focusNext = false;
      if (s.state === 'added') host.querySelector('#start-chat')?.focus();
      else focusHeading(host);
    }
  }

  render();
  load();
  return {
    update: ([next]) => {
      if (next === token) return;
      token = next;
      Object.assign(s, { state: 'loading', shared: null, error: '', note: '', already: false });
      focusNext = true;
      render();
      load();
    },
  };
}
