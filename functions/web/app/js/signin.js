// signin.js is the sign-in flow of the seeds (000: 로그인하기): e-mail →
// code → workspace → password, or organisation ID → ID and password; a new
// device then waits for approval with its match code (기기 인증). What the
// API answers drives each step; the client repeats none of its rules.
import { call, startSession, device } from './api.js';
import { storage } from './storage.js';
import { t, formatTime } from './i18n.js';
import { h, mount, card, field, errorSummary, notice, problemText } from './ui.js';

/** signIn shows the sign-in screens; done() runs once a session exists.
 * message is shown first (why the member is here: logged out, expired…). */
export function signIn(done, message = '') {
  const s = { step: 'email', email: '', ticket: '', workspaces: [], workspace: null, org: null, approval: null, error: '', notice: message };
  let polling = 0;

  const go = (step, extra = {}) => { Object.assign(s, { error: '', notice: '' }, extra, { step }); render(); };
  const fail = (e, ctx) => { s.error = problemText(e, ctx); s.notice = ''; render(); };

  function signedIn(session) {
    clearTimeout(polling);
    startSession(session);
    done();
  }

  // A password answer is a session (200) or an approval request (202).
  function answered({ status, data }) {
    if (status === 200) signedIn(data);
    else go('approval', { approval: data });
  }

  function form(onsubmit, ...children) {
    return h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); onsubmit(new FormData(e.target)); } }, ...children);
  }

  const submit = (label) => h('button', { type: 'submit', class: 'primary' }, label);
  const linkButton = (label, onclick) => h('button', { type: 'button', class: 'link', onclick }, label);

  const screens = {
    email: () => [
      h('h1', {}, t('signInTitle')), notice(s.notice), errorSummary(s.error, 'email'),
      h('p', {}, t('signInLead')),
      form(async (f) => {
        const email = String(f.get('email')).trim();
        if (!email) { s.error = t('errEmailRequired'); render(); return; }
        try {
          await call('POST', '/v1/login/email-code', { email });
          go('code', { email });
        } catch (e) { s.email = email; fail(e); }
      },
      field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'email', required: true, value: s.email, autofocus: true, error: s.error }),
      submit(t('confirm'))),
      h('p', { class: 'alt' }, linkButton(t('orgLoginLink'), () => go('org'))),
    ],
    code: () => [
      h('h1', {}, t('codeTitle')), notice(s.notice), errorSummary(s.error, 'code'),
      h('p', {}, t('codeLead', { email: s.email })),
      form(async (f) => {
        const code = String(f.get('code')).trim();
        if (!/^[0-9]{6}$/.test(code)) { s.error = t('errCodeFormat'); render(); return; }
        try {
          const { data } = await call('POST', '/v1/login/email-code/verify', { email: s.email, code });
          go('workspace', { ticket: data.loginTicket, workspaces: data.workspaces || [] });
        } catch (e) { fail(e, { gone: 'errCodeGone' }); }
      },
      field({ id: 'code', label: t('code'), hint: t('codeHint'), inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', required: true, autofocus: true, error: s.error }),
      submit(t('confirm'))),
      h('p', { class: 'alt' },
        linkButton(t('resend'), async () => {
          try { await call('POST', '/v1/login/email-code', { email: s.email }); go('code', { notice: t('resent') }); } catch (e) { fail(e); }
        }),
        linkButton(t('back'), () => go('email'))),
    ],
    workspace: () => [
      h('h1', {}, t('workspaceTitle')), errorSummary(s.error),
      s.workspaces.length ? h('p', {}, t('workspaceLead')) : h('p', {}, t('noWorkspaces')),
      h('ul', { class: 'choices' }, s.workspaces.map((w) =>
        h('li', {}, h('button', { type: 'button', class: 'choice', onclick: () => go('password', { workspace: w }) },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, (w.name || w.workspaceId).slice(0, 1)),
          h('span', { class: 'choice-text' }, h('strong', {}, w.name), h('span', { class: 'muted' }, w.workspaceId)))))),
      h('p', { class: 'alt' }, linkButton(t('back'), () => go('email'))),
    ],
    password: () => [
      h('h1', {}, t('passwordTitle')), errorSummary(s.error, 'password'),
      h('p', { class: 'workspace-name' }, s.workspace.name),
      form(async (f) => {
        const password = String(f.get('password'));
        if (!password) { s.error = t('errPasswordRequired'); render(); return; }
        const body = { loginTicket: s.ticket, workspaceId: s.workspace.workspaceId, email: s.email, password, device: device() };
        if (storage.deviceToken()) body.deviceToken = storage.deviceToken();
        try { answered(await call('POST', '/v1/login/password', body)); } catch (e) { fail(e); }
      },
      field({ id: 'login-email', label: t('email'), type: 'email', autocomplete: 'username', value: s.email, readonly: true }),
      field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: s.error }),
      submit(t('login'))),
      h('p', { class: 'alt' }, linkButton(t('back'), () => go('email'))),
    ],
    org: () => [
      h('h1', {}, t('orgTitle')), errorSummary(s.error, 'org-id'),
      h('p', {}, t('orgLead')),
      form(async (f) => {
        const orgId = String(f.get('org-id')).trim().toLowerCase();
        if (!orgId) { s.error = t('errInvalid'); render(); return; }
        try {
          const { data } = await call('GET', `/v1/orgs/${encodeURIComponent(orgId)}`);
          go('orgLogin', { org: data });
        } catch (e) { fail(e, { notFound: 'errOrgNotFound' }); }
      },
      field({ id: 'org-id', label: t('orgId'), autocomplete: 'organization', autocapitalize: 'none', required: true, autofocus: true, error: s.error }),
      submit(t('confirm'))),
      h('p', { class: 'alt' }, linkButton(t('emailLoginLink'), () => go('email'))),
    ],
    orgLogin: () => [
      h('h1', {}, s.org.orgName), errorSummary(s.error, 'login-id'),
      s.org.loginMethodName && h('p', { class: 'muted' }, s.org.loginMethodName),
      form(async (f) => {
        const body = { orgId: s.org.orgId, loginId: String(f.get('login-id')).trim(), password: String(f.get('password')), device: device() };
        if (storage.deviceToken()) body.deviceToken = storage.deviceToken();
        try { answered(await call('POST', '/v1/login/org', body)); } catch (e) { fail(e); }
      },
      field({ id: 'login-id', label: t('loginId'), autocomplete: 'username', required: true, autofocus: true, error: s.error }),
      field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'current-password', required: true }),
      submit(t('login'))),
      h('p', { class: 'alt' }, linkButton(t('back'), () => go('org'))),
    ],
    approval: () => [
      h('h1', {}, t('approvalTitle')), errorSummary(s.error), notice(s.notice),
      h('p', {}, t('approvalLead')),
      h('p', { class: 'match-label', id: 'match-label' }, t('matchCodeLabel')),
      h('p', { class: 'match-code', 'data-testid': 'match-code' }, s.approval.matchCode),
      h('p', { class: 'waiting', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('approvalWaiting')),
      h('p', { class: 'muted' }, t('approvalExpiresAt', { time: formatTime(s.approval.expiresAt) })),
      h('details', { class: 'other-ways' },
        h('summary', {}, t('otherWays')),
        h('p', {}, t('otherDevice')),
        h('h2', {}, t('askSomeone')),
        h('p', {}, t('askSomeoneLead')),
        form(async (f) => {
          const memberId = String(f.get('nudge-member')).trim();
          if (!memberId) return;
          try {
            await call('POST', `/v1/device-approvals/${encodeURIComponent(s.approval.approvalId)}/nudge`, { pollToken: s.approval.pollToken, memberId });
            s.notice = t('nudged'); s.error = ''; render();
          } catch (e) { fail(e); }
        },
        field({ id: 'nudge-member', label: t('memberId'), autocomplete: 'off' }),
        h('button', { type: 'submit', class: 'secondary' }, t('send'))),
        h('p', { class: 'muted' }, t('superAdminHint'))),
      h('p', { class: 'alt' }, linkButton(t('back'), () => { clearTimeout(polling); go('email'); })),
    ],
  };

  // poll asks about the approval every 2 s while its screen is shown.
  async function poll() {
    if (s.step !== 'approval') return;
    const a = s.approval;
    try {
      const { data } = await call('GET', `/v1/device-approvals/${encodeURIComponent(a.approvalId)}?pollToken=${encodeURIComponent(a.pollToken)}`);
      if (s.step !== 'approval' || s.approval !== a) return;
      if (data.status === 'approved' && data.session) { signedIn(data.session); return; }
      if (data.status === 'denied') { go('email', { notice: t('approvalDenied') }); return; }
      if (data.status === 'expired') { go('email', { notice: t('approvalExpired') }); return; }
    } catch (e) {
      if (e.status === 410 || e.status === 404) { go('email', { notice: t('approvalExpired') }); return; }
    }
    polling = setTimeout(poll, 2000);
  }

  function render() {
    mount(card(render, ...screens[s.step]()));
    if (s.step === 'approval' && !polling) polling = setTimeout(poll, 2000);
    if (s.step !== 'approval') { clearTimeout(polling); polling = 0; }
  }
  render();
}
