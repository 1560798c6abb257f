// main.js starts the app: it resumes a stored session or shows sign-in,
// and routes the addresses under /app/ (routes.js) with the History API.
// An address opened before signing in (a room, a profile link) is shown
// once the member has signed in.
import { resume, onSessionEnd, endSession, logout } from './api.js';
import { t } from './i18n.js';
import { signIn } from './signin.js';
import { startApp } from './shell.js';
import { h, mount } from './ui.js';

let app = null;

function nav(path) {
  if (location.pathname + location.search !== path) history.pushState(null, '', path);
  app?.route();
}

// toSignIn leaves the app for the sign-in screens, saying why.
function toSignIn(messageKey) {
  app?.stop();
  app = null;
  endSession();
  if (location.pathname !== '/app/') history.replaceState(null, '', '/app/');
  signIn(signedIn, messageKey ? t(messageKey) : '');
}

function signedIn() {
  app = startApp({
    nav,
    onLogout: async () => { app?.stop(); await logout(); toSignIn('signedOut'); },
    onRevoked: () => toSignIn('sessionRevoked'),
  });
  app.route().catch(() => {});
}

window.addEventListener('popstate', () => app?.route());
onSessionEnd((why) => { if (app) toSignIn(why); });

(async () => {
  mount(h('p', { class: 'loading' }, t('loading')), false);
  // A refused refresh token is forgotten (api.js); a network failure keeps
  // it, so a reload while offline does not log the member out.
  try {
    if (await resume()) { signedIn(); return; }
    signIn(signedIn, '');
  } catch {
    signIn(signedIn, t('errNetwork'));
  }
})();
