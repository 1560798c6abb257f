// ui.js builds DOM without innerHTML (text is always text, never markup)
// and holds the pieces every screen shares: the card, labelled fields, the
// error summary, the language switch and the message of a refused call.
import { t, toggleLang, formatTime } from './i18n.js';

/** h makes an element: h('p', {class: 'x', onclick: fn}, 'text', child…). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const root = () => document.getElementById('app');

/** mount replaces the page with node and moves focus to its heading (or
 * the first error), so keyboard and screen-reader users land on it. */
export function mount(node, focus = true) {
  root().replaceChildren(node);
  if (!focus) return;
  const target = node.querySelector('.error-summary') || node.querySelector('[autofocus]') || node.querySelector('h1');
  if (target) {
    if (!target.hasAttribute('tabindex') && !/^(INPUT|BUTTON|TEXTAREA|A)$/.test(target.tagName)) target.setAttribute('tabindex', '-1');
    target.focus();
  }
}

/** langButton switches the language and calls rerender. */
export function langButton(rerender) {
  // The button names the other language in that language (lang marks it
  // for screen readers); its label says what it does.
  const other = t('lang') === 'ko' ? 'en' : 'ko';
  return h('button', { type: 'button', class: 'link lang', lang: other, 'aria-label': t('switchLangLabel'),
    onclick: () => { toggleLang(); rerender(); } }, t('switchLang'));
}

/** card is the sign-in layout: the brand, a language switch, one card. */
export function card(rerender, ...children) {
  return h('div', { class: 'page' },
    h('header', { class: 'page-head' }, h('span', { class: 'brand' }, t('brand')), langButton(rerender)),
    h('main', { class: 'card' }, ...children));
}

/** field is a labelled input; error (text) marks it invalid and describes it. */
export function field({ id, label, error, hint, ...input }) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return h('div', { class: error ? 'field invalid' : 'field' },
    h('label', { for: id }, label),
    hint && h('p', { class: 'hint', id: `${id}-hint` }, hint),
    error && h('p', { class: 'field-error', id: `${id}-error` }, error),
    h('input', { id, name: id, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': described, ...input }));
}

/** errorSummary lists the problem at the top, linking to the field. */
export function errorSummary(error, fieldId) {
  if (!error) return null;
  return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
    h('h2', {}, t('errorSummary')),
    fieldId ? h('a', { href: `#${fieldId}`, onclick: (e) => { e.preventDefault(); document.getElementById(fieldId)?.focus(); } }, error) : h('p', {}, error));
}

/** notice is a polite status line. */
export function notice(text) {
  return text ? h('p', { class: 'notice', role: 'status' }, text) : null;
}

/** problemText is the message for a refused call. */
export function problemText(e, context = {}) {
  const p = e.problem || {};
  switch (e.code) {
    case 'network': return t('errNetwork');
    case 'invalid_code': return t('errInvalidCode', { n: p.remainingAttempts ?? 0 });
    case 'locked': return p.lockedUntil ? t('errLocked', { time: formatTime(p.lockedUntil, true) }) : t('errLockedNoTime');
    case 'rate_limited': return t('errRateLimited', { n: p.retryAfterSeconds ?? 60 });
    case 'invalid_credentials': return t('errCredentials');
    case 'forbidden': return t('errForbidden');
    case 'gone': return context.gone ? t(context.gone) : t('errTicketGone');
    case 'not_found': return context.notFound ? t(context.notFound) : t('errNotFound');
    case 'invalid_request': return t('errInvalid');
  }
  if (e.status === 429) return t('errRateLimited', { n: p.retryAfterSeconds ?? 60 });
  if (e.status >= 500) return t('errServer');
  return e.message || t('errServer');
}
