// main.js starts the app: it resumes a stored session or shows sign-in,
// and routes the addresses under /app/ (/app/ the room list, /app/rooms/ID
// one room) with the History API.
import { resume, onSessionEnd, endSession, logout } from './api.js';
import { t } from './i18n.js';
import { signIn } from './signin.js';
import { startChat } from './rooms.js';
import { h, mount } from './ui.js';

let chat = null;

function roomFromPath() {
  const m = location.pathname.match(/^\/app\/rooms\/([^/]+)$/);
  return m ? decodeURIComponent(m[1]) : '';
}

function nav(path) {
  if (location.pathname !== path) history.pushState(null, '', path);
  chat?.open(roomFromPath());
}

// toSignIn leaves the app for the sign-in screens, saying why.
function toSignIn(messageKey) {
  chat?.stop();
  chat = null;
  endSession();
  if (location.pathname !== '/app/') history.replaceState(null, '', '/app/');
  signIn(signedIn, messageKey ? t(messageKey) : '');
}

function signedIn() {
  chat = startChat({
    nav,
    onLogout: async () => { chat?.stop(); await logout(); toSignIn('signedOut'); },
    onRevoked: () => toSignIn('sessionRevoked'),
  });
  chat.open(roomFromPath()).catch(() => {});
}

window.addEventListener('popstate', () => chat?.open(roomFromPath()));
onSessionEnd((why) => { if (chat) toSignIn(why); });

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
