// shell.js is the signed-in app's frame: the top bar, the tabs of the
// seeds' app (채팅 chats, 멤버 people, 알림 notifications, 내 정보 me), the
// approval prompt, and the view of the current address. It keeps the one
// live stream of the app and hands its events to whichever view listens,
// so a message, a read position or a notification shows up without a
// reload on every screen.
import { authed, current } from './api.js';
import { connect } from './events.js';
import { t } from './i18n.js';
import { h, mount, langButton } from './ui.js';
import { approvals } from './approvals.js';
import { routes } from './routes.js';
import { consoleAllowed } from './admin-ui.js';

/** startApp shows the app for the signed-in member. nav(path) changes the
 * address; onLogout() and onRevoked() leave for sign-in. It returns
 * route() (show the view of the current address), stop() and ready. */
export function startApp({ nav, onLogout, onRevoked }) {
  const listeners = new Set();
  const profiles = new Map();
  const badges = { chats: 0, notifications: 0 };
  const els = {};
  const asks = approvals();
  let status = 'reconnecting';
  let view = null; // { route, params, instance: { update?, stop? }, unsubscribe: [] }

  // ctx is what every view gets: who is signed in, navigation, the live
  // events, profiles (cached) and the tab badges.
  const ctx = {
    me: null,
    workspace: null,
    session: current(),
    nav,
    approvals: asks,
    /** on subscribes to a live event (or '*' for all) while the view is shown. */
    on(name, fn) {
      const l = { name, fn };
      listeners.add(l);
      view?.unsubscribe.push(() => listeners.delete(l));
      return () => listeners.delete(l);
    },
    /** profile is a member's profile as the API shows it to this member
     * (GET /v1/members/{id}/profile), or null when hidden (blocked,
     * unrelated); fetched once per member. */
    profile(id) {
      if (!profiles.has(id)) {
        profiles.set(id, authed('GET', `/v1/members/${encodeURIComponent(id)}/profile`)
          .then(({ data }) => data)
          .catch(() => { profiles.delete(id); return null; }));
      }
      return profiles.get(id);
    },
    /** forget drops a cached profile (after a block, an edit…). */
    forget(id) { profiles.delete(id); },
    /** name is a member's display name in this workspace's format. */
    async name(id) {
      if (id === ctx.me?.accountId) return ctx.me.name;
      const p = await ctx.profile(id);
      return p ? (p.displayName || p.name || t('unknownMember')) : t('unknownMember');
    },
    /** badge sets the count shown on a tab (chats: unread, notifications: new). */
    badge(tab, n) { badges[tab] = n; renderTabs(); },
    /** rerender draws the whole app again (after a language switch). */
    rerender: () => frame(),
    /** logout ends the session and goes back to sign-in. */
    logout: () => onLogout(),
  };

  // ---- the frame

  const tabs = [
    { id: 'chats', path: '/app/', label: 'tabChats' },
    { id: 'people', path: '/app/people', label: 'tabPeople' },
    { id: 'notifications', path: '/app/notifications', label: 'tabNotifications' },
    { id: 'me', path: '/app/me', label: 'tabMe' },
    // The admin console (admin.js): only for the super admin and admins
    // holding a permission.
    { id: 'admin', path: '/app/admin', label: 'tabAdmin', when: () => consoleAllowed(ctx.me) },
  ];

  function frame() {
    els.status = h('span', { class: 'live', role: 'status' });
    els.approvals = h('div', { class: 'approvals' });
    els.tabs = h('ul', { class: 'tabs' });
    els.main = h('main', { class: 'view', id: 'main' });
    mount(h('div', { class: 'shell' },
      h('a', { href: '#main', class: 'skip' }, t('skipToContent')),
      h('header', { class: 'topbar' },
        h('span', { class: 'brand' }, t('brand')),
        h('span', { class: 'workspace' }, ctx.workspace?.name || ''),
        els.status,
        h('span', { class: 'spacer' }),
        h('span', { class: 'me' }, ctx.me?.name || ''),
        langButton(() => frame()),
        h('a', { href: '/app/settings', class: 'topbar-settings', onclick: (e) => { e.preventDefault(); nav('/app/settings'); } },
          h('span', { class: 'tab-icon icon-settings', 'aria-hidden': 'true' }), h('span', { class: 'topbar-label' }, t('settingsLink'))),
        h('button', { type: 'button', class: 'link', onclick: onLogout }, t('logout'))),
      els.approvals,
      h('div', { class: 'body' },
        h('nav', { class: 'tabbar', 'aria-label': t('tabsLabel') }, els.tabs),
        els.main)), false);
    asks.mount(els.approvals);
    renderStatus();
    renderTabs();
    // The view is drawn again in the new frame (a language switch): the
    // old one stops first, so its listeners go with it.
    if (view) { const { route: r, params } = view; leave(); show(r, params); }
  }

  function renderStatus() {
    els.status.textContent = status === 'live' ? t('live') : t('reconnecting');
    els.status.className = `live ${status}`;
  }

  // renderTabs draws the tabs once per frame and afterwards only updates
  // them (the current one, the badges): a tab redrawn under a click would
  // lose the click.
  function renderTabs() {
    if (!els.tabs) return;
    if (!els.tabs.childElementCount) {
      els.tabs.replaceChildren(...tabs.filter((tab) => !tab.when || tab.when()).map((tab) => h('li', {},
        h('a', { href: tab.path, class: 'tab', 'data-tab': tab.id, onclick: (e) => { e.preventDefault(); nav(tab.path); } },
          h('span', { class: `tab-icon icon-${tab.id}`, 'aria-hidden': 'true' }),
          h('span', { class: 'tab-label' }, t(tab.label)),
          h('span', { class: 'tab-count' })))));
    }
    const active = view?.route.tab;
    for (const tab of tabs) {
      const a = els.tabs.querySelector(`[data-tab="${tab.id}"]`);
      if (!a) continue;
      if (tab.id === active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
      const n = badges[tab.id] || 0;
      // The number is drawn for the eye; the words are for screen readers.
      a.querySelector('.tab-count').replaceChildren(...(n > 0 ? [
        h('span', { class: 'badge', 'aria-hidden': 'true' }, n > 99 ? '99+' : String(n)),
        h('span', { class: 'visually-hidden' }, t(tab.id === 'chats' ? 'unread' : 'newNotifications', { n })),
      ] : []));
    }
  }

  // ---- views

  // show renders the view of a route: the same view with new parameters
  // is updated in place (a room opened from the list keeps the list);
  // another view replaces it.
  function show(r, params) {
    if (view && view.route === r && view.instance.update) {
      view.params = params;
      view.instance.update(params);
      renderTabs();
      return;
    }
    leave();
    view = { route: r, params, instance: {}, unsubscribe: [] };
    els.main.replaceChildren();
    renderTabs();
    view.instance = r.view(ctx, els.main, params) || {};
  }

  // A view's module is loaded the first time it is shown; routing waits
  // for it, and a later address wins over one still loading.
  let routing = 0;

  // leave stops the shown view and drops its listeners.
  function leave() {
    if (!view) return;
    view.instance.stop?.();
    view.unsubscribe.forEach((u) => u());
    view = null;
  }

  /** route shows the view of the current address (an unknown one: chats). */
  async function route() {
    const turn = ++routing;
    for (const r of routes) {
      const m = location.pathname.match(r.path);
      if (!m) continue;
      if (!r.view) {
        try {
          r.view = await r.load();
        } catch {
          // A deploy replaced the files, or the network failed: a reload
          // fetches the app again.
          if (turn === routing) els.main.replaceChildren(h('p', { class: 'pick', role: 'alert' }, t('errNetwork')));
          return;
        }
      }
      if (turn === routing) show(r, m.slice(1).map(decodeURIComponent));
      return;
    }
    nav('/app/');
  }

  // ---- live events

  function dispatch(name, data) {
    if (name === 'notification') asks.onNotification(data);
    // A notification that comes while the member is elsewhere counts on the tab's badge (the tab clears it).
    if (name === 'notification' && view?.route.tab !== 'notifications') ctx.badge('notifications', badges.notifications + 1);
    if (name === 'reset') asks.load().catch(() => {});
    for (const l of [...listeners]) if (l.name === name || l.name === '*') l.fn(data, name);
  }

  let stopEvents = () => {};
  const ready = (async () => {
    const [{ data: me }, ws] = await Promise.all([
      authed('GET', '/v1/me'),
      authed('GET', `/v1/workspaces/${encodeURIComponent(ctx.session.workspaceId)}`).then((r) => r.data).catch(() => null),
    ]);
    ctx.me = me;
    ctx.workspace = ws;
    frame();
    stopEvents = connect({
      onEvent: dispatch,
      onStatus: (st) => {
        status = st;
        renderStatus();
        // (Re)connected: what happened while away is fetched again.
        if (st === 'live') { asks.load().catch(() => {}); dispatch('live', {}); }
      },
      onRevoked,
    });
  })();

  return {
    route: () => ready.then(route),
    stop: () => { stopEvents(); leave(); },
    ready,
  };
}
