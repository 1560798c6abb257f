// admin-super.js holds the console's sections for the super admin alone
// (API.md: "super admin"): the recovery key (F9, 인증키), the organisation
// link (F17, seeds 003: 계정/조직 연동 설정), super admin delegation (F16)
// and service withdrawal (F18, with the seeds' warnings: everything is
// deleted, it cannot be undone). Each asks for the password again where
// the API does.
import { authed } from './api.js';
import { t } from './i18n.js';
import { h, field, errorSummary } from './ui.js';
import { wsPath, adminProblem, copyButton, statusLine, say, fill } from './admin-ui.js';

// focusError moves the focus to the error summary a form shows.
const focusError = (host) => host.querySelector('.error-summary')?.focus();

// passwordField is the re-entered password of the signed-in member.
function passwordField(id, error) {
  return field({ id, label: t('admPasswordAgain'), hint: t('admPasswordAgainHint'), type: 'password', autocomplete: 'current-password', required: true, error });
}

// ---- recovery key

// shownKey is a recovery key just made: shown until the super admin says
// it is stored, kept across a language switch, gone when the member
// leaves the section (the API never shows it again).
let shownKey = '';

/** recoverySection draws 인증키 into host. */
export function recoverySection(ctx, host) {
  let error = '';

  function render() {
    if (shownKey) {
      host.replaceChildren(h('section', { class: 'panel adm-key', 'aria-labelledby': 'adm-key-title' },
        h('h2', { id: 'adm-key-title', tabindex: '-1' }, t('admKeyMade')),
        h('p', { class: 'adm-warning', role: 'alert' }, h('strong', {}, t('admKeyStoreNow')), ' ', t('admKeyOnce')),
        h('div', { class: 'field' },
          h('label', { for: 'adm-key' }, t('admKey')),
          h('input', { id: 'adm-key', readonly: true, value: shownKey, class: 'adm-mono adm-key-value', spellcheck: 'false', onfocus: (e) => e.target.select() })),
        h('p', { class: 'actions' }, ...copyButton(t('admCopyKey'), 'adm-key')),
        h('p', { class: 'muted' }, t('admKeyUse')),
        h('button', { type: 'button', class: 'adm-primary', id: 'adm-key-done', onclick: () => { shownKey = ''; render(); host.querySelector('#adm-key-password')?.focus(); } }, t('admKeyStored'))));
      return;
    }
    host.replaceChildren(h('form', { class: 'panel adm-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); make(new FormData(e.target)); } },
      h('h2', {}, t('admKeyNew')),
      errorSummary(error, 'adm-key-password'),
      h('ul', { class: 'adm-points' },
        h('li', {}, t('admKeyPoint1')), h('li', {}, t('admKeyPoint2')), h('li', {}, t('admKeyPoint3'))),
      passwordField('adm-key-password', error),
      h('div', { class: 'actions adm-form-actions' }, h('button', { type: 'submit', class: 'adm-primary' }, t('admKeyCreate')))));
  }

  async function make(form) {
    const password = String(form.get('adm-key-password') || '');
    if (!password) { error = t('errPasswordRequired'); render(); focusError(host); return; }
    try {
      const { data } = await authed('POST', wsPath(ctx, '/recovery-key'), { password });
      shownKey = data.recoveryKey;
      error = '';
      render();
      host.querySelector('#adm-key-title')?.focus();
    } catch (e) {
      error = adminProblem(e);
      render();
      focusError(host);
    }
  }

  render();
  const here = location.pathname;
  // A redraw in place (a language switch) stops the view at the same
  // address; leaving it changes the address first.
  return { stop: () => { if (location.pathname !== here) shownKey = ''; } };
}

// ---- organisation link

// businessNumberOK checks the form of a Korean business registration
// number (10 digits, the last a check digit of the first nine), so a typo
// is pointed out before the application is sent; the API judges it again.
export function businessNumberOK(n) {
  if (!/^\d{10}$/.test(n)) return false;
  const w = [1, 3, 7, 1, 3, 7, 1, 3, 5];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(n[i]) * w[i];
  sum += Math.floor((Number(n[8]) * 5) / 10);
  return (10 - (sum % 10)) % 10 === Number(n[9]);
}

const formatBusinessNumber = (n) => (/^\d{10}$/.test(n) ? `${n.slice(0, 3)}-${n.slice(3, 5)}-${n.slice(5)}` : n);

/** orgLinkSection draws 계정/조직 연동 설정 into host. */
export function orgLinkSection(ctx, host) {
  const s = { link: null, plan: '', error: '', fieldId: '', values: { orgName: '', orgId: '', businessNumber: '' }, nameError: '' };
  const els = { status: statusLine() };

  async function load() {
    const [ws, link] = await Promise.all([
      authed('GET', wsPath(ctx)).then((r) => r.data),
      authed('GET', wsPath(ctx, '/org-link')).then((r) => r.data).catch((e) => { if (e.status === 404) return null; throw e; }),
    ]);
    ctx.workspace = ws;
    s.plan = ws.plan;
    s.link = link;
    render();
  }

  function statusPanel(l) {
    return h('section', { class: 'panel adm-org', 'aria-labelledby': 'adm-org-title' },
      h('h2', { id: 'adm-org-title' }, t('admOrgStatusTitle')),
      h('dl', { class: 'adm-facts' },
        h('div', {}, h('dt', {}, t('admOrgName')), h('dd', {}, l.orgName)),
        h('div', {}, h('dt', {}, t('admOrgId')), h('dd', { class: 'adm-mono' }, l.orgId)),
        l.businessNumber && h('div', {}, h('dt', {}, t('admBusinessNumber')), h('dd', {}, formatBusinessNumber(l.businessNumber))),
        h('div', {}, h('dt', {}, t('admOrgState')), h('dd', {}, h('span', { class: `adm-tag org-${l.status}`, id: 'adm-org-state' }, t(`admOrgState_${l.status}`))))),
      h('p', { class: 'muted' }, t(`admOrgStateLead_${l.status}`, { orgId: l.orgId })),
      h('form', { class: 'adm-method', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveMethod(new FormData(e.target)); } },
        errorSummary(s.nameError, 'adm-org-method'),
        field({ id: 'adm-org-method', label: t('admLoginMethod'), hint: t('admLoginMethodHint'), maxlength: '60', required: true,
          value: l.loginMethodName || '', autocomplete: 'off', error: s.nameError }),
        h('div', { class: 'actions adm-form-actions' }, h('button', { type: 'submit', class: 'adm-primary' }, t('admSave')))));
  }

  function applyForm() {
    if (s.plan === 'free') {
      return h('section', { class: 'panel', 'aria-labelledby': 'adm-org-apply-title' },
        h('h2', { id: 'adm-org-apply-title' }, t('admOrgApply')),
        h('p', { class: 'adm-warning', id: 'adm-org-plan' }, t('admOrgPlanNeeded')));
    }
    const v = s.values;
    const err = (id) => (s.fieldId === id ? s.error : '');
    return h('form', { class: 'panel adm-form', novalidate: true, 'aria-labelledby': 'adm-org-apply-title', onsubmit: (e) => { e.preventDefault(); apply(new FormData(e.target)); } },
      h('h2', { id: 'adm-org-apply-title' }, t('admOrgApply')),
      errorSummary(s.error, s.fieldId),
      h('p', { class: 'muted' }, t('admOrgApplyLead')),
      field({ id: 'adm-org-name', label: t('admOrgName'), hint: t('admOrgNameHint'), maxlength: '60', required: true, value: v.orgName, autocomplete: 'organization', error: err('adm-org-name') }),
      field({ id: 'adm-org-id', label: t('admOrgId'), hint: t('admOrgIdHint'), maxlength: '40', required: true, value: v.orgId, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', error: err('adm-org-id') }),
      field({ id: 'adm-org-bn', label: t('admBusinessNumber'), hint: t('admBusinessNumberHint'), inputmode: 'numeric', maxlength: '12', required: true, value: v.businessNumber, autocomplete: 'off', error: err('adm-org-bn') }),
      h('div', { class: 'actions adm-form-actions' }, h('button', { type: 'submit', class: 'adm-primary' }, t('admOrgApplySubmit'))));
  }

  function render() {
    const l = s.link;
    fill(host, els.status,
      l && statusPanel(l),
      (!l || l.status === 'rejected') && applyForm());
  }

  async function apply(form) {
    const v = {
      orgName: String(form.get('adm-org-name') || '').trim(),
      orgId: String(form.get('adm-org-id') || '').trim().toLowerCase(),
      businessNumber: String(form.get('adm-org-bn') || '').replace(/[\s-]/g, ''),
    };
    s.values = { ...v, businessNumber: String(form.get('adm-org-bn') || '').trim() };
    const bad = (fieldId, key) => { s.error = t(key); s.fieldId = fieldId; render(); focusError(host); };
    if (!v.orgName || v.orgName.length > 60) return bad('adm-org-name', 'admErrOrgName');
    if (!/^[a-z0-9-]{3,40}$/.test(v.orgId)) return bad('adm-org-id', 'admErrOrgId');
    if (!businessNumberOK(v.businessNumber)) return bad('adm-org-bn', 'admErrBusinessNumber');
    try {
      await authed('POST', wsPath(ctx, '/org-link'), v);
      Object.assign(s, { error: '', fieldId: '' });
      await load();
      say(els.status, t('admOrgApplied'));
    } catch (e) {
      if (e.code === 'conflict') return bad('adm-org-id', 'admErrOrgIdTaken');
      s.error = adminProblem(e);
      s.fieldId = '';
      render();
      focusError(host);
    }
    return undefined;
  }

  async function saveMethod(form) {
    const name = String(form.get('adm-org-method') || '').trim();
    if (!name) { s.nameError = t('admErrLoginMethod'); render(); focusError(host); return; }
    try {
      const { data } = await authed('PATCH', wsPath(ctx, '/org-link'), { loginMethodName: name });
      s.link = data;
      s.nameError = '';
      render();
      say(els.status, t('admSaved'));
    } catch (e) {
      s.nameError = adminProblem(e);
      render();
      focusError(host);
    }
  }

  host.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  load().catch((e) => host.replaceChildren(h('p', { class: 'field-error' }, adminProblem(e))));
  return {};
}

// ---- super admin delegation

/** delegationSection draws 슈퍼 관리자 위임 into host: the seeds' warnings,
 * a member to choose among the active ones, the password, the mail. */
export function delegationSection(ctx, host) {
  const s = { q: '', members: [], next: null, chosen: '', error: '', fieldId: '', sent: '' };

  async function search(more = false) {
    const query = new URLSearchParams({ pageSize: '20' });
    if (s.q) query.set('q', s.q);
    if (more && s.next) query.set('pageToken', s.next);
    const { data } = await authed('GET', wsPath(ctx, `/members?${query}`));
    const found = (data.members || []).filter((m) => m.status === 'active' && m.memberId !== ctx.me.accountId);
    s.members = more ? [...s.members, ...found] : found;
    s.next = data.nextPageToken || null;
  }

  function render() {
    const q = h('input', { type: 'search', id: 'adm-del-q', value: s.q, autocomplete: 'off' });
    fill(host,
      h('section', { class: 'panel adm-warning-panel', 'aria-labelledby': 'adm-del-notes' },
        h('h2', { id: 'adm-del-notes' }, t('admDelegationNotes')),
        h('ul', { class: 'adm-points' },
          h('li', {}, t('admDelegationNote1')), h('li', {}, t('admDelegationNote2')), h('li', {}, t('admDelegationNote3')))),
      s.sent && h('p', { class: 'notice', role: 'status', id: 'adm-del-sent', tabindex: '-1' }, s.sent),
      h('div', { class: 'panel adm-form' },
        h('h2', {}, t('admDelegationPick')),
        errorSummary(s.error, s.fieldId),
        h('form', { class: 'adm-search', role: 'search', onsubmit: async (e) => {
          e.preventDefault(); s.q = q.value.trim(); s.chosen = '';
          try { await search(); } catch (err) { s.error = adminProblem(err); }
          render(); host.querySelector('#adm-del-q')?.focus();
        } },
        h('label', { for: 'adm-del-q' }, t('admSearchMembers')),
        h('span', { class: 'adm-inline' }, q, h('button', { type: 'submit', class: 'secondary' }, t('admSearch')))),
        h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); send(new FormData(e.target)); } },
          h('fieldset', { class: 'adm-fieldset adm-pick', id: 'adm-del-member', tabindex: '-1' },
            h('legend', {}, t('admDelegationTo')),
            s.fieldId === 'adm-del-member' && h('p', { class: 'field-error' }, s.error),
            s.members.length
              ? h('ul', { class: 'rows' }, s.members.map((m) => h('li', {},
                h('input', { type: 'radio', name: 'adm-del-to', id: `adm-del-${m.memberId}`, value: m.memberId, checked: s.chosen === m.memberId,
                  onchange: () => { s.chosen = m.memberId; } }),
                h('label', { for: `adm-del-${m.memberId}`, class: 'row-text' },
                  h('span', { class: 'adm-name' }, m.name),
                  h('span', { class: 'muted' }, [m.email, m.department].filter(Boolean).join(' · '))))))
              : h('p', { class: 'muted' }, s.q ? t('admNoMatch', { q: s.q }) : t('admNoOneToDelegate')),
            s.next && h('button', { type: 'button', class: 'secondary', onclick: async () => { await search(true).catch(() => {}); render(); } }, t('admMore'))),
          passwordField('adm-del-password', s.fieldId === 'adm-del-password' ? s.error : ''),
          h('div', { class: 'actions adm-form-actions' }, h('button', { type: 'submit', class: 'adm-primary' }, t('admDelegationSend'))))));
  }

  async function send(form) {
    const to = String(form.get('adm-del-to') || '');
    const password = String(form.get('adm-del-password') || '');
    s.chosen = to;
    const bad = (fieldId, text) => { s.error = text; s.fieldId = fieldId; render(); focusError(host); };
    if (!to) return bad('adm-del-member', t('admErrPickMember'));
    if (!password) return bad('adm-del-password', t('errPasswordRequired'));
    const m = s.members.find((x) => x.memberId === to);
    try {
      await authed('POST', wsPath(ctx, '/super-admin-delegations'), { toMemberId: to, password });
      Object.assign(s, { error: '', fieldId: '', chosen: '', sent: t('admDelegationSent', { name: m?.name || '' }) });
      render();
      host.querySelector('#adm-del-sent')?.focus();
    } catch (e) {
      if (e.code === 'invalid_credentials') return bad('adm-del-password', adminProblem(e));
      bad('', adminProblem(e, { not_found: 'admErrNotActive' }));
    }
    return undefined;
  }

  host.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  search().then(render).catch((e) => host.replaceChildren(h('p', { class: 'field-error' }, adminProblem(e))));
  return {};
}

// ---- service withdrawal

/** withdrawalSection draws 서비스 탈퇴 into host: what is deleted, that it
 * cannot be undone, and the typed workspace name with the password. Once
 * accepted, the app is signed out when the live stream says the session
 * ended (shell.js). */
export function withdrawalSection(ctx, host) {
  const s = { error: '', fieldId: '', done: false, typed: '' };
  const name = () => ctx.workspace?.name || '';

  function render() {
    if (s.done) {
      host.replaceChildren(h('p', { class: 'notice', role: 'status', id: 'adm-wd-done', tabindex: '-1' }, t('admWithdrawn')));
      return;
    }
    fill(host,
      h('section', { class: 'panel adm-warning-panel', 'aria-labelledby': 'adm-wd-caution' },
        h('h2', { id: 'adm-wd-caution' }, t('admWdCaution')),
        h('ul', { class: 'adm-points' },
          h('li', {}, h('strong', {}, t('admWdPoint1', { name: name() }))),
          h('li', {}, h('strong', {}, t('admWdPoint2'))),
          h('li', {}, t('admWdPoint3'))),
        h('h3', {}, t('admWdDeleted')),
        h('ul', { class: 'adm-points' },
          h('li', {}, t('admWdDeleted1')), h('li', {}, t('admWdDeleted2')), h('li', {}, t('admWdDeleted3')), h('li', {}, t('admWdDeleted4')))),
      h('form', { class: 'panel adm-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); withdraw(new FormData(e.target)); } },
        h('h2', {}, t('admWdConfirm')),
        errorSummary(s.error, s.fieldId),
        field({ id: 'adm-wd-name', label: t('admWdTypeName', { name: name() }), hint: t('admWdTypeNameHint'), required: true, autocomplete: 'off', spellcheck: 'false',
          value: s.typed, error: s.fieldId === 'adm-wd-name' ? s.error : '' }),
        passwordField('adm-wd-password', s.fieldId === 'adm-wd-password' ? s.error : ''),
        h('div', { class: 'actions adm-form-actions' }, h('button', { type: 'submit', class: 'danger adm-danger-solid' }, t('admWdSubmit')))));
  }

  async function withdraw(form) {
    s.typed = String(form.get('adm-wd-name') || '');
    const password = String(form.get('adm-wd-password') || '');
    const bad = (fieldId, text) => { s.error = text; s.fieldId = fieldId; render(); focusError(host); };
    if (s.typed !== name()) return bad('adm-wd-name', t('admErrWdName'));
    if (!password) return bad('adm-wd-password', t('errPasswordRequired'));
    try {
      await authed('POST', wsPath(ctx, '/withdrawal'), { password, confirmName: s.typed });
      s.done = true;
      render();
      host.querySelector('#adm-wd-done')?.focus();
    } catch (e) {
      if (e.code === 'invalid_credentials') return bad('adm-wd-password', adminProblem(e));
      if (e.code === 'invalid_request') return bad('adm-wd-name', t('admErrWdName'));
      bad('', adminProblem(e));
    }
    return undefined;
  }

  // The name to type is the workspace's name now, not the one the app
  // started with.
  authed('GET', wsPath(ctx)).then(({ data }) => { ctx.workspace = data; }).catch(() => {}).finally(render);
  return {};
}
