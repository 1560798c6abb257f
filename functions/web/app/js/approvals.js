// approvals.js asks the signed-in member to decide the new devices they may
// approve (F9, 기기 인증): those GET /v1/device-approvals lists when the
// stream goes live, and those a live `notification` of kind
// device_approval announces. The prompt is an alertdialog at the top of the
// app naming the account and the device; the member types the match code
// the new device shows and approves, or denies. The API decides; the prompt
// only says what it answered (approved, wrong code with the attempts left,
// expired, already decided).
import { authed } from './api.js';
import { t, formatTime } from './i18n.js';
import { h, problemText } from './ui.js';

/** approvals keeps the pending requests and their prompt. It returns
 * mount(host) (where the prompt shows; the app calls it on every render
 * of its shell), load() (refetch the list) and onNotification(n). */
export function approvals() {
  const pending = []; // approvals as the API lists them, oldest first
  let error = ''; // the refusal of the shown request's last decision
  let result = ''; // what the last decision did, kept after its prompt goes
  let busy = false;
  let host = null;
  let returnFocus = null;

  function add(a) {
    if (!a.approvalId || pending.some((p) => p.approvalId === a.approvalId)) return;
    if (a.expiresAt && new Date(a.expiresAt) <= new Date()) return;
    pending.push(a);
    render();
  }

  // done removes the shown request with a result line for the member.
  function done(text) {
    pending.shift();
    error = '';
    result = text;
    render();
  }

  async function decide(a, action, matchCode) {
    if (busy) return;
    if (action === 'approve' && !/^[0-9]{6}$/.test(matchCode)) { error = t('errCodeFormat'); render(); return; }
    busy = true;
    const who = a.account?.name || '';
    try {
      const path = `/v1/device-approvals/${encodeURIComponent(a.approvalId)}/${action}`;
      await authed('POST', path, action === 'approve' ? { matchCode } : undefined);
      done(t(action === 'approve' ? 'deviceApproved' : 'deviceDenied', { name: who }));
    } catch (e) {
      const left = e.problem?.remainingAttempts;
      if (e.code === 'invalid_code' && left > 0) { error = t('errMatchCode', { n: left }); render(); }
      else if (e.code === 'invalid_code') done(t('deviceDeniedTooMany', { name: who }));
      else if (e.status === 409) done(t('approvalDecided'));
      else if (e.status === 410 || e.status === 404) done(t('approvalGone'));
      else if (e.status === 403) done(t('approvalForbidden'));
      else { error = problemText(e); render(); }
    } finally {
      busy = false;
    }
  }

  function prompt(a) {
    const code = h('input', { id: 'approval-code', name: 'approval-code', inputmode: 'numeric', autocomplete: 'off',
      maxlength: '6', pattern: '[0-9]{6}', required: true, 'aria-describedby': error ? 'approval-code-error' : 'approval-code-hint',
      'aria-invalid': error ? 'true' : undefined });
    const device = a.device?.name || a.device?.platform || '';
    return h('div', { class: 'approval-prompt', role: 'alertdialog', 'aria-modal': 'false',
      'aria-labelledby': 'approval-title', 'aria-describedby': 'approval-desc', 'data-approval': a.approvalId },
    h('h2', { id: 'approval-title' }, t('approvePromptTitle')),
    h('p', { id: 'approval-desc' }, t('approvePromptLead', { name: a.account?.name || '', device })),
    a.expiresAt && h('p', { class: 'muted' }, t('approvalExpiresAt', { time: formatTime(a.expiresAt) })),
    h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); decide(a, 'approve', code.value.trim()); } },
      h('div', { class: error ? 'field invalid' : 'field' },
        h('label', { for: 'approval-code' }, t('matchCodeInput')),
        h('p', { class: 'hint', id: 'approval-code-hint' }, t('matchCodeHint')),
        error && h('p', { class: 'field-error', id: 'approval-code-error', role: 'alert' }, error),
        code),
      h('div', { class: 'approval-actions' },
        h('button', { type: 'submit', class: 'approve' }, t('approve')),
        h('button', { type: 'button', class: 'deny', onclick: () => decide(a, 'deny') }, t('deny')))),
    pending.length > 1 && h('p', { class: 'muted' }, t('approvalsMore', { n: pending.length - 1 })));
  }

  function render() {
    if (!host) return;
    const hadFocus = host.contains(document.activeElement);
    const a = pending[0];
    host.replaceChildren(...[
      result && h('p', { class: 'notice approval-result', role: 'status' }, result),
      a && prompt(a),
    ].filter(Boolean));
    if (a) {
      // The prompt takes the focus when it comes (the member is asked
      // something), and gives it back when the last one goes.
      if (!hadFocus) returnFocus = document.activeElement;
      host.querySelector('#approval-code').focus();
    } else if (hadFocus) {
      if (returnFocus && document.contains(returnFocus) && returnFocus !== document.body) returnFocus.focus();
      else {
        const line = host.querySelector('.approval-result');
        line?.setAttribute('tabindex', '-1');
        line?.focus();
      }
      returnFocus = null;
    }
  }

  return {
    mount(el) { host = el; render(); },
    async load() {
      const { data } = await authed('GET', '/v1/device-approvals');
      for (const a of data.approvals || []) add(a);
    },
    onNotification(n) { if (n.kind === 'device_approval') add(n); },
  };
}
