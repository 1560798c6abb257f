// admin-members.js is the console's 멤버 관리 (seeds 001: 워크스페이스 멤버 >
// 멤버 관리): the member list with e-mail addresses (search, pages),
// registering a member who then gets the set-password mail (F3),
// deleting one after a confirmation (F15), and, for the super admin only,
// the role and permissions of each (F15).
import { authed } from './api.js';
import { t } from './i18n.js';
import { h, field, errorSummary } from './ui.js';
import {
  isSuper, wsPath, adminProblem, openDialog, confirmDialog, checkbox, radios, statusLine, say,
  roleLabel, permLabel, fill, ADMIN_ACCESS, MEMBER_MANAGEMENT,
} from './admin-ui.js';

const PAGE_SIZE = 20;

/** membersSection draws the member list into host. */
export function membersSection(ctx, host) {
  const me = ctx.me;
  const s = { q: '', tokens: [''], page: 0, members: [], next: null, loading: true, error: '' };
  const els = {};

  async function load() {
    s.loading = true;
    renderList();
    const query = new URLSearchParams({ pageSize: String(PAGE_SIZE) });
    if (s.q) query.set('q', s.q);
    if (s.tokens[s.page]) query.set('pageToken', s.tokens[s.page]);
    try {
      const { data } = await authed('GET', wsPath(ctx, `/members?${query}`));
      Object.assign(s, { members: data.members || [], next: data.nextPageToken || null, error: '' });
    } catch (e) {
      Object.assign(s, { members: [], next: null, error: adminProblem(e) });
    }
    s.loading = false;
    renderList();
  }

  function layout() {
    const search = h('input', { type: 'search', id: 'adm-member-q', name: 'q', value: s.q, autocomplete: 'off' });
    els.status = statusLine();
    els.list = h('ul', { class: 'rows adm-members', 'aria-labelledby': 'adm-members-title', 'aria-busy': 'true' });
    els.pager = h('nav', { class: 'adm-pager', 'aria-label': t('admPages') });
    host.replaceChildren(
      h('div', { class: 'adm-toolbar' },
        h('form', { class: 'adm-search', role: 'search', onsubmit: (e) => { e.preventDefault(); s.q = search.value.trim(); s.tokens = ['']; s.page = 0; load(); } },
          h('label', { for: 'adm-member-q' }, t('admSearchMembers')),
          h('span', { class: 'adm-inline' }, search, h('button', { type: 'submit', class: 'secondary' }, t('admSearch')))),
        h('button', { type: 'button', class: 'adm-primary', id: 'adm-register', onclick: register }, t('admRegister'))),
      els.status,
      h('div', { class: 'panel' },
        h('h2', { id: 'adm-members-title' }, t('admMemberList')),
        els.list,
        els.pager));
  }

  function renderList() {
    els.list.setAttribute('aria-busy', s.loading ? 'true' : 'false');
    if (s.error) {
      els.list.replaceChildren(h('li', { class: 'field-error' }, s.error));
    } else if (s.loading && !s.members.length) {
      els.list.replaceChildren(h('li', { class: 'muted' }, t('loading')));
    } else if (!s.members.length) {
      els.list.replaceChildren(h('li', { class: 'muted' }, s.q ? t('admNoMatch', { q: s.q }) : t('admNoMembers')));
    } else {
      els.list.replaceChildren(...s.members.map(row));
    }
    els.pager.replaceChildren(
      h('button', { type: 'button', class: 'secondary', disabled: s.page === 0 || s.loading, onclick: () => { s.page -= 1; load(); } }, t('admPrev')),
      h('span', { class: 'muted' }, t('admPage', { n: s.page + 1 })),
      h('button', { type: 'button', class: 'secondary', disabled: !s.next || s.loading, onclick: () => { s.tokens[s.page + 1] = s.next; s.page += 1; load(); } }, t('admNext')));
  }

  function row(m) {
    const self = m.memberId === me.accountId;
    const superRow = m.role === 'super_admin';
    const who = h('span', { class: 'visually-hidden' }, ` ${m.name}`);
    return h('li', { 'data-member': m.memberId },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, (m.name || '?').slice(0, 1)),
      h('span', { class: 'row-text' },
        h('span', { class: 'adm-name' }, m.name, self && h('span', { class: 'muted' }, ` (${t('admYou')})`)),
        m.email && h('span', { class: 'muted adm-email' }, m.email),
        m.department && h('span', { class: 'muted' }, m.department)),
      h('span', { class: 'adm-tags' },
        h('span', { class: `adm-tag role-${m.role}` }, roleLabel(m.role)),
        m.role === 'admin' && (m.permissions || []).map((p) => h('span', { class: 'adm-tag perm' }, permLabel(p))),
        m.status === 'invited' && h('span', { class: 'adm-tag invited' }, t('admInvited'))),
      h('span', { class: 'actions' },
        // The super admin's role changes only by delegation, and nobody
        // deletes the super admin or themselves: those calls are refused.
        isSuper(me) && !superRow && !self && h('button', { type: 'button', class: 'secondary', 'data-action': 'role', onclick: () => editRole(m) }, t('admEditRole'), who.cloneNode(true)),
        !superRow && !self && h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => remove(m) }, t('admDelete'), who)));
  }

  // ---- registering (F3)

  function register() {
    const v = { email: '', name: '', department: '', title: '', position: '', mobile: '' };
    let dialog = null;
    const draw = (error = '', fieldId = '', fieldError = '') => {
      const f = (id, label, extra = {}) => field({ id: `adm-reg-${id}`, label, value: v[id], error: fieldId === id ? fieldError : '', ...extra });
      fill(dialog.querySelector('.adm-dialog-body'),
        errorSummary(error, fieldId && `adm-reg-${fieldId}`),
        h('p', { class: 'muted' }, t('admRegisterLead')),
        h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(new FormData(e.target)); } },
          f('email', t('admEmailId'), { type: 'email', required: true, autocomplete: 'off', autofocus: true }),
          f('name', t('admName'), { required: true, autocomplete: 'off' }),
          h('div', { class: 'adm-grid' },
            f('department', t('admDepartment'), { autocomplete: 'off' }),
            f('mobile', t('admMobile'), { type: 'tel', autocomplete: 'off' }),
            f('title', t('admTitleField'), { autocomplete: 'off' }),
            f('position', t('admPosition'), { autocomplete: 'off' })),
          h('div', { class: 'adm-dialog-actions' },
            h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, t('admCancel')),
            h('button', { type: 'submit', class: 'adm-primary' }, t('admRegisterSubmit')))));
      const target = dialog.querySelector('.error-summary') || dialog.querySelector('[autofocus]');
      target?.focus();
    };
    async function submit(form) {
      for (const k of Object.keys(v)) v[k] = String(form.get(`adm-reg-${k}`) || '').trim();
      if (!v.email || !/^[^@\s]+@[^@\s]+$/.test(v.email)) { draw(t('admErrEmail'), 'email', t('admErrEmail')); return; }
      if (!v.name) { draw(t('admErrName'), 'name', t('admErrName')); return; }
      const body = { email: v.email, name: v.name };
      for (const k of ['department', 'title', 'position', 'mobile']) if (v[k]) body[k] = v[k];
      try {
        await authed('POST', wsPath(ctx, '/members'), body);
        dialog.close();
        say(els.status, t('admRegistered', { name: v.name, email: v.email }));
        s.tokens = ['']; s.page = 0;
        load();
      } catch (e) {
        if (e.code === 'conflict') draw(t('admErrAlreadyMember'), 'email', t('admErrAlreadyMember'));
        else draw(adminProblem(e));
      }
    }
    dialog = openDialog({ title: t('admRegisterTitle'), content: [], wide: true });
    draw();
  }

  // ---- deleting (F15)

  async function remove(m) {
    const ok = await confirmDialog({
      title: t('admDeleteTitle'),
      body: [t('admDeleteQuestion', { name: m.name, email: m.email || '' }), t('admDeleteWarning')],
      confirmLabel: t('admDelete'),
    });
    if (!ok) return;
    try {
      await authed('DELETE', wsPath(ctx, `/members/${encodeURIComponent(m.memberId)}`));
      say(els.status, t('admDeleted', { name: m.name }));
      ctx.forget?.(m.memberId);
    } catch (e) {
      say(els.status, adminProblem(e));
    }
    load();
  }

  // ---- role and permissions (super admin only)

  function editRole(m) {
    const v = { role: m.role === 'admin' ? 'admin' : 'member', perms: new Set(m.permissions || []) };
    let dialog = null;
    const draw = (error = '') => {
      const isAdmin = v.role === 'admin';
      fill(dialog.querySelector('.adm-dialog-body'),
        errorSummary(error),
        h('p', { class: 'muted' }, t('admRoleLead', { name: m.name })),
        h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } },
          radios({
            name: 'adm-role', legend: t('admRole'), value: v.role,
            options: [
              { value: 'admin', label: t('admRoleAdmin'), hint: t('admRoleAdminHint') },
              { value: 'member', label: t('admRoleMember'), hint: t('admRoleMemberHint') },
            ],
            onchange: (e) => { v.role = e.target.value; draw(); dialog.querySelector(`#adm-role-${v.role}`).focus(); },
          }),
          h('fieldset', { class: 'adm-fieldset', disabled: !isAdmin },
            h('legend', {}, t('admPermissions')),
            [ADMIN_ACCESS, MEMBER_MANAGEMENT].map((p) => checkbox({
              id: `adm-perm-${p}`, value: p, label: permLabel(p), hint: t(p === ADMIN_ACCESS ? 'admPermAdminAccessHint' : 'admPermMemberManagementHint'),
              checked: isAdmin && v.perms.has(p),
              onchange: (e) => { if (e.target.checked) v.perms.add(p); else v.perms.delete(p); },
            }))),
          h('div', { class: 'adm-dialog-actions' },
            h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, t('admCancel')),
            h('button', { type: 'submit', class: 'adm-primary' }, t('admSave')))));
    };
    async function save() {
      const permissions = v.role === 'admin' ? [ADMIN_ACCESS, MEMBER_MANAGEMENT].filter((p) => v.perms.has(p)) : [];
      try {
        await authed('PUT', wsPath(ctx, `/members/${encodeURIComponent(m.memberId)}/role`), { role: v.role, permissions });
        dialog.close();
        say(els.status, t('admRoleSaved', { name: m.name }));
        load();
      } catch (e) {
        draw(adminProblem(e));
        dialog.querySelector('.error-summary')?.focus();
      }
    }
    dialog = openDialog({ title: t('admRoleTitle', { name: m.name }), content: [] });
    draw();
    dialog.querySelector(`#adm-role-${v.role}`).focus();
  }

  layout();
  load();
  return { stop: ctx.on('live', load) };
}
