// admin-ui.js holds what the admin console's sections (admin*.js) share:
// who may do what (the API's "who" column, read from GET /v1/me), the
// messages of refused admin calls, modal dialogs, copying to the
// clipboard and the small pieces of its forms.
import { t } from './i18n.js';
import { h, problemText } from './ui.js';

/** The permissions an admin can hold (PRODUCT.md §1). */
export const ADMIN_ACCESS = 'admin_access';
export const MEMBER_MANAGEMENT = 'member_management';

/** isSuper reports whether me (GET /v1/me) is the workspace's super admin. */
export function isSuper(me) { return me?.role === 'super_admin'; }

/** can reports whether me holds a permission: the super admin holds every
 * one, an admin those granted, a member none. */
export function can(me, perm) {
  return isSuper(me) || (me?.role === 'admin' && (me.permissions || []).includes(perm));
}

/** consoleAllowed reports whether me may use any part of the admin
 * console (admin.js): the super admin, or an admin holding at least one
 * permission. The shell shows the 관리자 tab then; it lives here, not in
 * admin.js, so the shell does not load the console before it is opened. */
export function consoleAllowed(me) {
  return can(me, ADMIN_ACCESS) || can(me, MEMBER_MANAGEMENT);
}

/** wsPath is the API path of the signed-in member's workspace, plus rest. */
export function wsPath(ctx, rest = '') {
  return `/v1/workspaces/${encodeURIComponent(ctx.session.workspaceId)}${rest}`;
}

/** adminProblem is the message for a refused admin call: keys in
 * overrides (by code or status) first, then the console's codes, then the
 * app's. */
export function adminProblem(e, overrides = {}) {
  const key = overrides[e.code] || overrides[e.status];
  if (key) return t(key);
  switch (e.code) {
    case 'plan_required': return t('admErrPlan');
    case 'forbidden': return t('admErrForbidden');
    case 'conflict': return t('admErrConflict');
    case 'invalid_credentials': return t('admErrPassword');
    case 'not_found': return t('admErrNotFound');
    case 'immutable': return t('admErrImmutable');
  }
  return problemText(e);
}

let dialogs = 0;

/** openDialog shows a modal <dialog> (focus kept inside, Escape closes)
 * titled title with content; onClose(returnValue) runs when it closes,
 * and the focus goes back to what had it. It returns the dialog, whose
 * body (.adm-dialog-body) callers may redraw. */
export function openDialog({ title, content, onClose, wide = false }) {
  const id = `adm-dialog-${++dialogs}`;
  const opener = document.activeElement;
  const body = h('div', { class: 'adm-dialog-body' }, ...content);
  const dialog = h('dialog', { class: wide ? 'adm-dialog wide' : 'adm-dialog', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title), body);
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.(dialog.returnValue);
    if (opener && document.contains(opener)) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** confirmDialog asks a yes/no question in a modal dialog; it resolves
 * true if the member confirmed. The safe answer has the focus first. */
export function confirmDialog({ title, body, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    openDialog({
      title,
      content: [
        ...[].concat(body).map((p) => (typeof p === 'string' ? h('p', {}, p) : p)),
        h('form', { method: 'dialog', class: 'adm-dialog-actions' },
          h('button', { type: 'submit', value: 'cancel', class: 'secondary', autofocus: true }, t('admCancel')),
          h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : 'adm-primary', 'data-confirm': 'ok' }, confirmLabel)),
      ],
      onClose: (value) => resolve(value === 'ok'),
    });
  });
}

/** copyText copies text to the clipboard, or selects it in input for
 * the member to copy when the browser refuses; it resolves whether it
 * copied. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input?.focus();
    input?.select();
    try { return document.execCommand('copy'); } catch { return false; }
  }
}

/** copyButton is a button that copies the value of the input with id
 * inputId, saying in a status line whether it did. */
export function copyButton(label, inputId) {
  const status = h('span', { class: 'adm-copy-status', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary adm-copy', onclick: async () => {
    const input = document.getElementById(inputId);
    const ok = await copyText(input.value, input);
    status.textContent = ok ? t('admCopied') : t('admCopyFailed');
  } }, label);
  return [button, status];
}

/** checkbox is a labelled checkbox with an optional hint under it. */
export function checkbox({ id, label, hint, checked, disabled, onchange, value }) {
  return h('div', { class: 'adm-check' },
    h('input', { type: 'checkbox', id, name: id, value, checked: !!checked, disabled: !!disabled, onchange,
      'aria-describedby': hint ? `${id}-hint` : undefined }),
    h('label', { for: id }, label),
    hint && h('p', { class: 'hint', id: `${id}-hint` }, hint));
}

/** radios is a fieldset of radio buttons named name, one per option
 * ({ value, label, hint? }), with value checked. */
export function radios({ name, legend, options, value, onchange }) {
  return h('fieldset', { class: 'adm-fieldset' },
    h('legend', {}, legend),
    options.map((o) => h('div', { class: 'adm-check' },
      h('input', { type: 'radio', id: `${name}-${o.value}`, name, value: o.value, checked: o.value === value, onchange,
        'aria-describedby': o.hint ? `${name}-${o.value}-hint` : undefined }),
      h('label', { for: `${name}-${o.value}` }, o.label),
      o.hint && h('p', { class: 'hint', id: `${name}-${o.value}-hint` }, o.hint))));
}

/** fill replaces host's children with the given ones, leaving out the
 * false, null and undefined of conditional parts (replaceChildren would
 * show them as text). */
export function fill(host, ...children) {
  host.replaceChildren(...children.flat().filter((c) => c !== false && c !== null && c !== undefined));
}

/** status is a polite status line (empty until something is said). */
export function statusLine(text = '') {
  return h('p', { class: text ? 'notice adm-status' : 'adm-status', role: 'status' }, text);
}

/** say puts text in a status line made by statusLine. */
export function say(line, text) {
  line.textContent = text;
  line.className = text ? 'notice adm-status' : 'adm-status';
}

/** roleLabel names a role in the current language. */
export function roleLabel(role) {
  return t({ super_admin: 'admRoleSuper', admin: 'admRoleAdmin', member: 'admRoleMember' }[role] || 'admRoleMember');
}

/** permLabel names a permission in the current language (the seeds'
 * words: 관리자 서비스 접속, 멤버 관리). */
export function permLabel(perm) {
  return t(perm === ADMIN_ACCESS ? 'admPermAdminAccess' : 'admPermMemberManagement');
}
