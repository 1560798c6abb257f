// admin-invites.js is the console's 초대 링크 (F2): creating a link with an
// expiry and a use limit, its address to copy and its QR code (shown only
// when it is created: the API keeps only the token's hash), and the list
// of links with their uses, expiry and state, each revocable.
import { authed } from './api.js';
import { t, formatTime } from './i18n.js';
import { h, field, errorSummary } from './ui.js';
import { wsPath, adminProblem, confirmDialog, copyButton, statusLine, say, fill } from './admin-ui.js';

// created is the link just created, whose address the API shows only
// once: it is kept here so that a language switch (which draws the view
// again) does not lose it, and forgotten when the member leaves the
// section.
let created = null;

/** invitesSection draws the invite links into host. */
export function invitesSection(ctx, host) {
  const s = { links: [], loading: true, error: '', formError: '', fieldId: '', hours: '168', maxUses: '' };
  const els = {};

  async function load() {
    s.loading = true;
    els.list?.setAttribute('aria-busy', 'true');
    try {
      const { data } = await authed('GET', wsPath(ctx, '/invite-links'));
      s.links = data.inviteLinks || [];
      s.error = '';
    } catch (e) {
      s.error = adminProblem(e);
    }
    s.loading = false;
    // A link that can no longer be used (used up, expired, revoked) has no
    // address worth sharing: its panel goes.
    const mine = created && s.links.find((l) => l.id === created.id);
    if (mine && state(mine) !== 'active') { created = null; render(); return; }
    renderList();
  }

  function render() {
    els.status = statusLine();
    els.list = h('ul', { class: 'rows adm-invite-list', 'aria-labelledby': 'adm-invites-title', 'aria-busy': 'true' });
    fill(host,
      h('div', { class: 'panel adm-invite-new' },
        h('h2', {}, t('admInviteCreate')),
        errorSummary(s.formError, s.fieldId),
        h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); create(new FormData(e.target)); } },
          h('div', { class: 'adm-grid' },
            field({ id: 'adm-inv-hours', label: t('admInviteHours'), hint: t('admInviteHoursHint'), type: 'number', inputmode: 'numeric',
              min: '1', max: '720', step: '1', required: true, value: s.hours, error: s.fieldId === 'adm-inv-hours' ? s.formError : '' }),
            field({ id: 'adm-inv-uses', label: t('admInviteMaxUses'), hint: t('admInviteMaxUsesHint'), type: 'number', inputmode: 'numeric',
              min: '1', max: '10000', step: '1', value: s.maxUses, error: s.fieldId === 'adm-inv-uses' ? s.formError : '' })),
          h('div', { class: 'actions adm-form-actions' }, h('button', { type: 'submit', class: 'adm-primary' }, t('admInviteCreateSubmit'))))),
      created && createdPanel(created),
      els.status,
      h('div', { class: 'panel' },
        h('div', { class: 'adm-panel-head' },
          h('h2', { id: 'adm-invites-title' }, t('admInviteList')),
          h('button', { type: 'button', class: 'secondary', id: 'adm-inv-refresh', onclick: () => { load(); } }, t('admRefresh'))),
        els.list));
    renderList();
  }

  function createdPanel(l) {
    const qr = `/v1/invites/${encodeURIComponent(l.token)}/qr.png`;
    return h('section', { class: 'panel adm-invite-created', 'aria-labelledby': 'adm-inv-created-title' },
      h('h2', { id: 'adm-inv-created-title', tabindex: '-1' }, t('admInviteCreated')),
      h('p', { class: 'adm-warning' }, t('admInviteOnce')),
      h('div', { class: 'adm-created-grid' },
        h('div', {},
          h('div', { class: 'field' },
            h('label', { for: 'adm-inv-url' }, t('admInviteUrl')),
            h('input', { id: 'adm-inv-url', readonly: true, value: l.url, class: 'adm-mono', onfocus: (e) => e.target.select() })),
          h('p', { class: 'actions adm-copy-row' }, ...copyButton(t('admCopyLink'), 'adm-inv-url')),
          h('p', { class: 'muted' }, t('admInviteExpires', { time: formatTime(l.expiresAt, true) }),
            ' · ', l.maxUses ? t('admInviteLimit', { n: l.maxUses }) : t('admInviteUnlimited')),
          h('p', {}, h('a', { href: qr, download: 'workgate-invite-qr.png' }, t('admDownloadQr')))),
        h('img', { class: 'adm-qr', src: qr, width: '200', height: '200', alt: t('admInviteQrAlt') })));
  }

  // state names a link's state, as GET /v1/invites/{token} would judge it.
  function state(l) {
    if (l.revoked) return 'revoked';
    if (new Date(l.expiresAt) <= new Date()) return 'expired';
    if (l.maxUses && l.uses >= l.maxUses) return 'usedup';
    return 'active';
  }

  function renderList() {
    if (!els.list) return;
    els.list.setAttribute('aria-busy', s.loading ? 'true' : 'false');
    if (s.error) { els.list.replaceChildren(h('li', { class: 'field-error' }, s.error)); return; }
    if (s.loading && !s.links.length) { els.list.replaceChildren(h('li', { class: 'muted' }, t('loading'))); return; }
    if (!s.links.length) { els.list.replaceChildren(h('li', { class: 'muted' }, t('admInviteNone'))); return; }
    els.list.replaceChildren(...s.links.map((l) => {
      const st = state(l);
      return h('li', { 'data-invite': l.id, 'data-state': st },
        h('span', { class: 'row-text' },
          h('span', { class: 'adm-name' }, t('admInviteMade', { time: formatTime(l.createdAt, true) })),
          h('span', { class: 'muted' }, t('admInviteExpires', { time: formatTime(l.expiresAt, true) })),
          h('span', { class: 'muted adm-uses' }, l.maxUses ? t('admInviteUses', { n: l.uses, max: l.maxUses }) : t('admInviteUsesUnlimited', { n: l.uses }))),
        h('span', { class: `adm-tag state-${st}` }, t(`admInviteState_${st}`)),
        h('span', { class: 'actions' },
          st === 'active' && h('button', { type: 'button', class: 'danger', 'data-action': 'revoke', onclick: () => revoke(l) },
            t('admRevoke'), h('span', { class: 'visually-hidden' }, ` ${t('admInviteMade', { time: formatTime(l.createdAt, true) })}`))));
    }));
  }

  async function create(form) {
    s.hours = String(form.get('adm-inv-hours') || '').trim();
    s.maxUses = String(form.get('adm-inv-uses') || '').trim();
    const hours = Number(s.hours);
    const uses = Number(s.maxUses);
    const bad = (fieldId, key) => { s.formError = t(key); s.fieldId = fieldId; render(); host.querySelector('.error-summary')?.focus(); };
    if (!/^\d+$/.test(s.hours) || hours < 1 || hours > 720) return bad('adm-inv-hours', 'admErrHours');
    if (s.maxUses && (!/^\d+$/.test(s.maxUses) || uses < 1 || uses > 10000)) return bad('adm-inv-uses', 'admErrUses');
    const body = { expiresInHours: hours };
    if (s.maxUses) body.maxUses = uses;
    try {
      const { data } = await authed('POST', wsPath(ctx, '/invite-links'), body);
      created = data;
      Object.assign(s, { formError: '', fieldId: '', maxUses: '' });
      render();
      host.querySelector('#adm-inv-created-title')?.focus();
      load();
    } catch (e) {
      s.formError = adminProblem(e);
      s.fieldId = '';
      render();
      host.querySelector('.error-summary')?.focus();
    }
    return undefined;
  }

  async function revoke(l) {
    const ok = await confirmDialog({
      title: t('admRevokeTitle'),
      body: [t('admRevokeQuestion', { time: formatTime(l.createdAt, true) }), t('admRevokeWarning')],
      confirmLabel: t('admRevoke'),
    });
    if (!ok) return;
    try {
      await authed('DELETE', wsPath(ctx, `/invite-links/${encodeURIComponent(l.id)}`));
      if (created?.id === l.id) { created = null; render(); }
      say(els.status, t('admRevoked'));
    } catch (e) {
      say(els.status, adminProblem(e));
    }
    load();
  }

  render();
  load();
  const off = ctx.on('live', load);
  const here = location.pathname;
  return {
    stop: () => {
      off();
      // A redraw in place (a language switch) stops the view at the same
      // address; leaving it changes the address first.
      if (location.pathname !== here) created = null;
    },
  };
}
