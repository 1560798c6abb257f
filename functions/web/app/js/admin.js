// admin.js is the admin console (F21), the seeds' 관리자 서비스 inside the
// app: a sub-navigation of sections (a side list on a desktop, a row at
// the top on a phone) and the section of the address /app/admin/{section}.
// Which sections show follows the API's "who" column exactly, read from
// GET /v1/me: a member never sees a control whose call would be refused,
// and an address they may not use says so politely, with a way back.
// The role is read again whenever a section opens, so a delegation or a
// role change shows without a reload.
import { authed } from './api.js';
import { t } from './i18n.js';
import { h } from './ui.js';
import { can, isSuper, ADMIN_ACCESS, MEMBER_MANAGEMENT } from './admin-ui.js';
import { membersSection } from './admin-members.js';
import { invitesSection } from './admin-invites.js';
import { settingsSection, profileFieldsSection } from './admin-settings.js';
import { recoverySection, orgLinkSection, delegationSection, withdrawalSection } from './admin-super.js';

// The sections in the seeds' two menus: 워크스페이스 멤버 and
// 워크스페이스 환경.
const groups = [
  { id: 'people', label: 'admGroupMembers' },
  { id: 'workspace', label: 'admGroupWorkspace' },
];

const sections = [
  { id: 'members', group: 'people', label: 'admMembers', lead: 'admMembersLead', may: (me) => can(me, MEMBER_MANAGEMENT), view: membersSection },
  { id: 'invites', group: 'people', label: 'admInvites', lead: 'admInvitesLead', may: (me) => can(me, ADMIN_ACCESS), view: invitesSection },
  { id: 'org-link', group: 'people', label: 'admOrgLink', lead: 'admOrgLinkLead', may: isSuper, view: orgLinkSection },
  { id: 'settings', group: 'workspace', label: 'admSettings', lead: 'admSettingsLead', may: (me) => can(me, ADMIN_ACCESS), view: settingsSection },
  { id: 'profile-fields', group: 'workspace', label: 'admProfileFields', lead: 'admProfileFieldsLead', may: (me) => can(me, ADMIN_ACCESS), view: profileFieldsSection },
  { id: 'delegation', group: 'workspace', label: 'admDelegation', lead: 'admDelegationLead', may: isSuper, view: delegationSection },
  { id: 'recovery-key', group: 'workspace', label: 'admRecovery', lead: 'admRecoveryLead', may: isSuper, view: recoverySection },
  { id: 'withdrawal', group: 'workspace', label: 'admWithdrawal', lead: 'admWithdrawalLead', may: isSuper, view: withdrawalSection },
];

/** adminView shows the console at /app/admin (the first section the
 * member may use) or /app/admin/{section}. */
export function adminView(ctx, host, [id = ''] = []) {
  let shown = null; // { section, instance }
  const els = {};

  function layout() {
    els.nav = h('nav', { class: 'adm-nav', 'aria-label': t('admNavLabel') });
    els.main = h('div', { class: 'adm-main page-view' });
    host.replaceChildren(h('div', { class: 'adm' }, els.nav, els.main));
  }

  function renderNav(current) {
    const mine = sections.filter((s) => s.may(ctx.me));
    els.nav.hidden = mine.length === 0;
    els.nav.replaceChildren(...groups.map((g) => {
      const items = mine.filter((s) => s.group === g.id);
      if (!items.length) return null;
      return h('div', { class: 'adm-nav-group' },
        h('p', { class: 'adm-nav-title', id: `adm-nav-${g.id}` }, t(g.label)),
        h('ul', { 'aria-labelledby': `adm-nav-${g.id}` }, items.map((s) => h('li', {},
          h('a', {
            href: `/app/admin/${s.id}`, 'data-section': s.id, 'aria-current': s.id === current ? 'page' : undefined,
            onclick: (e) => { e.preventDefault(); ctx.nav(`/app/admin/${s.id}`); },
          }, t(s.label))))));
    }).filter(Boolean));
    // On a phone the list is a row that scrolls sideways: the section
    // shown is brought into it.
    els.nav.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  // open shows a section (stopping the one shown), or the polite refusal
  // of one the member may not use.
  function open(sectionId, focus) {
    shown?.instance?.stop?.();
    shown = null;
    const mine = sections.filter((s) => s.may(ctx.me));
    if (!sectionId && mine.length) {
      sectionId = mine[0].id;
      history.replaceState(null, '', `/app/admin/${sectionId}`);
    }
    const section = sections.find((s) => s.id === sectionId);
    renderNav(section?.id);
    const title = h('h1', { id: 'adm-title', tabindex: '-1' });
    if (!section || !section.may(ctx.me)) {
      title.textContent = t('admUnavailableTitle');
      const back = mine.length ? ['/app/admin', 'admBackToConsole'] : ['/app/', 'admBackToApp'];
      els.main.replaceChildren(h('section', { class: 'adm-unavailable', 'aria-labelledby': 'adm-title' },
        title,
        h('p', {}, t(section || !sectionId ? 'admUnavailable' : 'admUnknownSection')),
        h('p', {}, h('a', { href: back[0], class: 'adm-back', onclick: (e) => { e.preventDefault(); ctx.nav(back[0]); } }, t(back[1])))));
    } else {
      title.textContent = t(section.label);
      const body = h('div', { class: 'adm-body' });
      els.main.replaceChildren(h('section', { class: `adm-section adm-${section.id}`, 'aria-labelledby': 'adm-title' },
        title, h('p', { class: 'adm-lead' }, t(section.lead)), body));
      shown = { section, instance: section.view(ctx, body) || {} };
    }
    if (focus) title.focus();
  }

  // checkRole reads the member's role again: if it changed (a delegation
  // accepted, a grant, a removal), the whole app is drawn again, so the
  // tabs and the console show what the member may now do.
  async function checkRole() {
    try {
      const { data } = await authed('GET', '/v1/me');
      const was = ctx.me || {};
      const same = data.role === was.role && [...(data.permissions || [])].sort().join() === [...(was.permissions || [])].sort().join();
      if (!same) { ctx.me = data; ctx.rerender(); }
    } catch { /* the app deals with a session that ended */ }
  }

  layout();
  open(id, true);
  checkRole();
  ctx.on('live', checkRole);
  return {
    update: ([next = ''] = []) => { open(next, true); checkRole(); },
    stop: () => shown?.instance?.stop?.(),
  };
}
