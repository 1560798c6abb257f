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
  const s = {
    step: 'email', email: '', ticket: '', workspaces: [], workspace: null, org: null, approval: null, error: '', notice: message,
    errorField: '', resetName: '', resetEmail: '', from: '', recovery: { workspaceId: '', email: '', key: '' },
  };
  let polling = 0;

  const go = (step, extra = {}) => {
    // The recovery form starts from what the member already told: the
    // workspace chosen and the e-mail typed.
    if (step === 'recovery') s.recovery = { workspaceId: s.workspace?.workspaceId || s.org?.workspaceId || '', email: s.email, key: '' };
    Object.assign(s, { error: '', errorField: '', notice: '' }, extra, { step });
    render();
  };
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
  // backToLogin leaves the reset screens for the password screen while
  // its login ticket may still be good, else for the start.
  const backToLogin = () => linkButton(t('backToLogin'), () => go(s.ticket && s.workspace ? 'password' : 'email'));

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
      h('p', { class: 'alt' },
        linkButton(t('forgotPassword'), () => go('forgot', { resetName: '', resetEmail: s.email })),
        linkButton(t('recoveryLoginLink'), () => go('recovery', { from: 'password' }))),
      h('p', { class: 'alt' }, linkButton(t('back'), () => go('email'))),
    ],
    // F8: the answer is 202 whatever the name and e-mail are, so the next
    // screen says what happens if they match, never whether they did.
    forgot: () => [
      h('h1', {}, t('forgotTitle')), errorSummary(s.error, s.errorField),
      h('p', {}, t('forgotLead')),
      form(async (f) => {
        const name = String(f.get('reset-name')).trim();
        const email = String(f.get('reset-email')).trim();
        s.resetName = name;
        s.resetEmail = email;
        if (!name) { s.error = t('errNameRequired'); s.errorField = 'reset-name'; render(); return; }
        if (!email) { s.error = t('errEmailRequired'); s.errorField = 'reset-email'; render(); return; }
        try {
          await call('POST', '/v1/password-resets', { name, email });
          go('forgotSent');
        } catch (e) { s.errorField = 'reset-email'; fail(e); }
      },
      field({ id: 'reset-name', label: t('resetName'), autocomplete: 'name', required: true, value: s.resetName, autofocus: true,
        error: s.errorField === 'reset-name' ? s.error : '' }),
      field({ id: 'reset-email', label: t('email'), type: 'email', autocomplete: 'email', required: true, value: s.resetEmail,
        error: s.errorField === 'reset-email' ? s.error : '' }),
      submit(t('sendResetMail'))),
      h('p', { class: 'alt' }, backToLogin()),
    ],
    forgotSent: () => [
      h('h1', {}, t('forgotSentTitle')),
      h('p', { role: 'status' }, t('forgotSentLead', { email: s.resetEmail })),
      h('p', { class: 'muted' }, t('forgotSentNext')),
      h('p', { class: 'alt' }, backToLogin()),
    ],
    // The super admin's way in when no one can approve the device (F9):
    // the workspace's recovery key, used up by the login. Any wrong field
    // gets the one same refusal (the API tells none apart).
    recovery: () => [
      // One refusal for the four fields: the summary names none of them.
      h('h1', {}, t('recoveryTitle')), errorSummary(s.error),
      h('p', {}, t('recoveryLead')),
      form(async (f) => {
        const body = {
          workspaceId: String(f.get('recovery-workspace')).trim().toLowerCase(),
          email: String(f.get('recovery-email')).trim(),
          password: String(f.get('recovery-password')),
          recoveryKey: String(f.get('recovery-key')).trim(),
          device: device(),
        };
        // A refused form comes back with what was typed, but the password.
        s.recovery = { workspaceId: body.workspaceId, email: body.email, key: body.recoveryKey };
        if (!body.workspaceId || !body.email || !body.password || !body.recoveryKey) { s.error = t('errRecoveryRequired'); render(); return; }
        try {
          const { data } = await call('POST', '/v1/login/recovery', body);
          signedIn(data);
        } catch (e) {
          if (e.status === 401) { s.error = t('errRecovery'); s.notice = ''; render(); } else fail(e);
        }
      },
      field({ id: 'recovery-workspace', label: t('workspaceId'), autocomplete: 'organization', autocapitalize: 'none', spellcheck: 'false',
        required: true, autofocus: true, value: s.recovery.workspaceId }),
      field({ id: 'recovery-email', label: t('email'), type: 'email', autocomplete: 'username', required: true, value: s.recovery.email }),
      field({ id: 'recovery-password', label: t('password'), type: 'password', autocomplete: 'current-password', required: true }),
      field({ id: 'recovery-key', label: t('recoveryKey'), hint: t('recoveryKeyHint'), autocomplete: 'off', autocapitalize: 'characters',
        spellcheck: 'false', required: true, value: s.recovery.key }),
      submit(t('login'))),
      h('p', { class: 'alt' },
        s.from === 'password' && s.workspace && linkButton(t('backToPassword'), () => go('password')),
        s.from === 'approval' && s.approval && linkButton(t('backToApproval'), () => go('approval')),
        linkButton(t('back'), () => go('email'))),
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
        field({ id: 'nudge-member', label: t('memberId'), hint: t('nudgeHint'), autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' }),
        h('button', { type: 'submit', class: 'secondary' }, t('send'))),
        h('h2', {}, t('superAdminTitle')),
        h('p', { class: 'muted' }, t('superAdminHint')),
        h('p', {}, linkButton(t('recoveryLoginLink'), () => go('recovery', { from: 'approval' })))),
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
