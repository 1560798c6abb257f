// i18n.js picks the language (the stored choice, else the browser's,
// Korean by default) and translates keys of strings.js.
import { strings } from './strings.js';
import { storage } from './storage.js';

let lang = pick();

function pick() {
  const chosen = storage.lang();
  if (strings[chosen]) return chosen;
  const browser = (navigator.language || '').toLowerCase();
  return browser.startsWith('en') ? 'en' : 'ko';
}

/** The current language code. */
export function currentLang() { return lang; }

/** Switches to the other language and remembers the choice. */
export function toggleLang() {
  lang = lang === 'ko' ? 'en' : 'ko';
  storage.setLang(lang);
  document.documentElement.lang = lang;
}

/** t translates key, filling {name} placeholders from vars. */
export function t(key, vars = {}) {
  const s = strings[lang][key] ?? strings.ko[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

/** formatTime shows a time in the current language. */
export function formatTime(iso, withDate = false) {
  const d = new Date(iso);
  const opts = withDate ? { dateStyle: 'medium', timeStyle: 'short' } : { timeStyle: 'short' };
  return new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', opts).format(d);
}

document.documentElement.lang = lang;
