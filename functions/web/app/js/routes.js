// routes.js maps the app's addresses under /app/ to its views. Each view
// is view(ctx, host, params) → { update?(params), stop?() }: it draws into
// host, and params are the path's captured parts. tab is the tab it
// belongs to.
import { chatsView } from './rooms.js';
import { peopleView, memberView } from './people.js';
import { meView } from './me.js';
import { linkView } from './links.js';
import { notificationsView } from './notifications.js';
import { settingsView } from './settings.js';

export const routes = [
  { path: /^\/app\/$/, tab: 'chats', view: chatsView },
  { path: /^\/app\/rooms\/([^/]+)$/, tab: 'chats', view: chatsView },
  { path: /^\/app\/people$/, tab: 'people', view: peopleView },
  { path: /^\/app\/people\/([^/]+)$/, tab: 'people', view: memberView },
  { path: /^\/app\/links\/([^/]+)$/, tab: 'people', view: linkView },
  { path: /^\/app\/me$/, tab: 'me', view: meView },
  { path: /^\/app\/notifications$/, tab: 'notifications', view: notificationsView },
  { path: /^\/app\/settings$/, tab: 'me', view: settingsView },
];
