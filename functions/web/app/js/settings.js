// settings.js is the settings view (설정): muting message notifications for
// a while (F14, 알림 끄기: 30 minutes to 4 hours), the member's trusted
// devices with a way to remove one (F9), the language, and logging out.
// The mute is the member's, not the device's: GET /v1/me/notification-mute
// tells until when, so every device shows the same.
import { authed } from './api.js';
import { t, formatTime } from './i18n.js';
import { h, langButton, problemText } from './ui.js';

const muteChoices = [0, 30, 60, 120, 240];

/** settingsView shows the member's settings. */
export function settingsView(ctx, host) {
  const s = { devices: null, devicesError: '', devicesNote: '', muteError: '', muteBusy: false };
  const els = {};
  let revoking = null; // the device the confirm dialog asks about
  let revokeButton = null; // the button that opened it, to give the focus back

  // ---- the mute (minutes null: muted, for how long chosen elsewhere)

  async function loadMute() {
    try {
      const { data } = await authed('GET', '/v1/me/notification-mute');
      s.mute = { minutes: data.mutedUntil ? null : 0, until: data.mutedUntil || null };
    } catch (e) {
      s.muteError = problemText(e, ctx);
    }
    renderMute();
  }

  async function setMute(minutes) {
    if (s.muteBusy) return;
    s.muteBusy = true;
    s.muteError = '';
    try {
      const { data } = await authed('PUT', '/v1/me/notification-mute', { minutes });
      s.mute = { minutes: data.mutedUntil ? minutes : 0, until: data.mutedUntil || null };
    } catch (e) {
      s.muteError = problemText(e, ctx);
    } finally {
      s.muteBusy = false;
    }
    renderMute();
  }

  // ---- devices

  async function loadDevices() {
    try {
      const { data } = await authed('GET', '/v1/me/devices');
      // This device first, then the most recently used.
      s.devices = (data.devices || []).sort((a, b) => (b.current - a.current) || (a.lastSeenAt < b.lastSeenAt ? 1 : -1));
      s.devicesError = '';
    } catch (e) {
      s.devicesError = problemText(e, ctx);
    }
    renderDevices();
  }

  function askRevoke(d, button) {
    revoking = d;
    revokeButton = button;
    els.dialogText.textContent = t('deviceConfirmText', { name: d.name || platformName(d.platform) });
    els.dialogError.textContent = '';
    els.dialog.showModal();
    els.dialog.querySelector('.dialog-cancel').focus(); // the safe choice first
  }

  async function revoke() {
    const d = revoking;
    if (!d) return;
    try {
      await authed('DELETE', `/v1/me/devices/${encodeURIComponent(d.deviceId)}`);
    } catch (e) {
      if (e.status !== 404) { els.dialogError.textContent = problemText(e, ctx); return; }
      // 404: already removed (another tab, another device): gone all the same.
    }
    s.devices = s.devices.filter((x) => x.deviceId !== d.deviceId);
    s.devicesNote = t('deviceRevoked', { name: d.name || platformName(d.platform) });
    revokeButton = null;
    els.dialog.close();
    renderDevices();
    els.devicesNote.focus();
  }

  // ---- rendering

  function layout() {
    els.heading = h('h1', { id: 'settings-title', tabindex: '-1' }, t('settingsTitle'));
    els.mute = h('section', { class: 'panel', 'aria-labelledby': 'mute-title' });
    els.devices = h('section', { class: 'panel', 'aria-labelledby': 'devices-title' });
    els.dialogText = h('p', { id: 'revoke-desc' });
    els.dialogError = h('p', { class: 'field-error', role: 'alert' });
    els.dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'revoke-title', 'aria-describedby': 'revoke-desc' },
      h('h2', { id: 'revoke-title' }, t('deviceConfirmTitle')),
      els.dialogText,
      els.dialogError,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary dialog-cancel', onclick: () => els.dialog.close() }, t('settingsCancel')),
        h('button', { type: 'button', class: 'danger dialog-confirm', onclick: revoke }, t('deviceConfirm'))));
    els.dialog.addEventListener('close', () => {
      revoking = null;
      if (revokeButton && document.contains(revokeButton)) revokeButton.focus();
      revokeButton = null;
    });
    host.replaceChildren(h('div', { class: 'page-view settings-view' },
      els.heading,
      els.mute,
      els.devices,
      h('section', { class: 'panel', 'aria-labelledby': 'lang-title' },
        h('h2', { id: 'lang-title' }, t('languageTitle')),
        h('p', {}, t('languageNow', { lang: t('langName') })),
        h('p', { class: 'settings-lang' }, langButton(ctx.rerender))),
      h('section', { class: 'panel', 'aria-labelledby': 'logout-title' },
        h('h2', { id: 'logout-title' }, t('logoutTitle')),
        h('p', { class: 'muted' }, t('logoutLead')),
        h('button', { type: 'button', class: 'danger settings-logout', onclick: () => ctx.logout() }, t('logout'))),
      els.dialog));
    renderMute();
    renderDevices();
  }

  function renderMute() {
    const m = s.mute;
    const state = !m ? t('loading')
      : m.until ? t('mutedUntil', { time: formatTime(m.until, new Date(m.until).toDateString() !== new Date().toDateString()) })
        : t('muteIsOff');
    const radios = muteChoices.map((n) => h('label', { class: 'choice-radio' },
      h('input', { type: 'radio', name: 'mute', value: String(n), checked: m && m.minutes === n ? true : undefined }),
      h('span', {}, t(`mute${n}`))));
    const hadFocus = els.mute.contains(document.activeElement) ? document.activeElement : null;
    els.mute.replaceChildren(
      h('h2', { id: 'mute-title' }, t('muteTitle')),
      h('p', { class: 'muted', id: 'mute-lead' }, t('muteLead')),
      h('form', {
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          const v = new FormData(e.target).get('mute');
          if (v === null) { s.muteError = t('muteChoose'); renderMute(); return; }
          setMute(Number(v));
        },
      },
      h('fieldset', { class: 'mute-choices', 'aria-describedby': 'mute-lead' },
        h('legend', {}, t('muteLegend')),
        radios),
      s.muteError && h('p', { class: 'field-error', role: 'alert' }, s.muteError),
      h('p', { class: m && m.until ? 'mute-state muted-on' : 'mute-state', role: 'status' }, state),
      h('button', { type: 'submit', class: 'secondary mute-save' }, t('muteSave'))));
    // The member was on the form: the focus stays on the same control.
    if (hadFocus) {
      const same = hadFocus.name === 'mute' ? els.mute.querySelector(`input[value="${hadFocus.value}"]`) : els.mute.querySelector('.mute-save');
      same?.focus();
    }
  }

  function renderDevices() {
    els.devicesNote = h('p', { class: 'notice devices-note', role: 'status', tabindex: '-1' }, s.devicesNote);
    if (!s.devicesNote) els.devicesNote.hidden = true;
    els.devices.replaceChildren(
      h('h2', { id: 'devices-title' }, t('devicesTitle')),
      h('p', { class: 'muted' }, t('devicesLead')),
      els.devicesNote,
      s.devicesError && h('p', { class: 'field-error', role: 'alert' }, s.devicesError),
      !s.devices ? h('p', { class: 'muted' }, t('loading'))
        : !s.devices.length ? h('p', { class: 'muted' }, t('devicesEmpty'))
          : h('ul', { class: 'rows devices', 'aria-labelledby': 'devices-title' }, s.devices.map(deviceRow)));
  }

  function deviceRow(d) {
    const name = d.name || platformName(d.platform);
    const seen = d.lastSeenAt && !d.lastSeenAt.startsWith('0001-') ? d.lastSeenAt : '';
    return h('li', { class: d.current ? 'device current' : 'device', 'data-device': d.deviceId },
      h('span', { class: `avatar device-icon platform-${d.platform || 'other'}`, 'aria-hidden': 'true' }),
      h('span', { class: 'row-text' },
        h('span', { class: 'device-name' }, h('strong', {}, name), d.current && h('span', { class: 'this-device' }, t('deviceThis'))),
        h('span', { class: 'muted' }, [platformName(d.platform),
          seen && t('deviceLastSeen', { time: formatTime(seen, true) })].filter(Boolean).join(' · '))),
      !d.current && h('button', {
        type: 'button', class: 'danger device-revoke', 'aria-label': t('deviceRevokeLabel', { name }),
        onclick: (e) => askRevoke(d, e.currentTarget),
      }, t('deviceRevoke')));
  }

  s.mute = null;
  layout();
  // Opened by navigation: the heading takes the focus, unless the member
  // is answering an approval prompt.
  if (!document.activeElement?.closest('.approvals')) els.heading.focus();
  loadMute();
  loadDevices();
  ctx.on('live', () => { loadMute(); loadDevices(); });
  return { stop: () => { if (els.dialog.open) els.dialog.close(); } };
}

/** platformName names a device platform (API.md: mac, windows, linux,
 * ios, android, web). */
function platformName(p) {
  const key = { mac: 'platformMac', windows: 'platformWindows', linux: 'platformLinux', ios: 'platformIos', android: 'platformAndroid', web: 'platformWeb' }[p];
  return key ? t(key) : (p || '');
}
