// routes.js maps the app's addresses under /app/ to its views. A view is
// view(ctx, host, params) → { update?(params), stop?() }: it draws into
// host, and params are the path's captured parts. tab is the tab it
// belongs to. Views are loaded when first shown (import()), so the first
// load, which is the sign-in, fetches none of them.
const chats = () => import('./rooms.js').then((m) => m.chatsView);
const admin = () => import('./admin.js').then((m) => m.adminView);

export const routes = [
  { path: /^\/app\/$/, tab: 'chats', load: chats },
  { path: /^\/app\/rooms\/([^/]+)$/, tab: 'chats', load: chats },
  { path: /^\/app\/people$/, tab: 'people', load: () => import('./people.js').then((m) => m.peopleView) },
  { path: /^\/app\/people\/([^/]+)$/, tab: 'people', load: () => import('./people.js').then((m) => m.memberView) },
  { path: /^\/app\/links\/([^/]+)$/, tab: 'people', load: () => import('./links.js').then((m) => m.linkView) },
  { path: /^\/app\/me$/, tab: 'me', load: () => import('./me.js').then((m) => m.meView) },
  { path: /^\/app\/notifications$/, tab: 'notifications', load: () => import('./notifications.js').then((m) => m.notificationsView) },
  { path: /^\/app\/settings$/, tab: 'me', load: () => import('./settings.js').then((m) => m.settingsView) },
  { path: /^\/app\/admin\/?$/, tab: 'admin', load: admin },
  { path: /^\/app\/admin\/([^/]+)$/, tab: 'admin', load: admin },
];
