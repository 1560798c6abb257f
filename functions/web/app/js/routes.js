// routes.js maps the app's addresses under /app/ to its views. Each view
// is view(ctx, host, params) → { update?(params), stop?() }: it draws into
// host, and params are the path's captured parts. tab is the tab it
// belongs to.
import { chatsView } from './rooms.js';
import { notificationsView } from './notifications.js';
import { settingsView } from './settings.js';

export const routes = [
  { path: /^\/app\/$/, tab: 'chats', view: chatsView },
  { path: /^\/app\/rooms\/([^/]+)$/, tab: 'chats', view: chatsView },
  { path: /^\/app\/notifications$/, tab: 'notifications', view: notificationsView },
  { path: /^\/app\/settings$/, tab: 'me', view: settingsView },
];
