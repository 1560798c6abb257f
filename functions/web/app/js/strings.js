// strings.js holds every user-visible string of the app, in Korean (the
// default) and English, gathered from one file per part of the app under
// strings/. Words follow the seeds (워크스페이스, 인증번호, 나와의 채팅).
// {name} placeholders are filled by i18n.t.
import common from './strings/common.js';
import chats from './strings/chats.js';
import notifications from './strings/notifications.js';
import settings from './strings/settings.js';
import people from './strings/people.js';
import admin from './strings/admin.js';

const parts = { common, chats, notifications, settings, people, admin };

/** problems lists what is wrong with the strings: a key defined by two
 * parts, or a key missing in one language (a browser test asserts none). */
export const problems = [];

function gather(lang) {
  const out = {};
  for (const [part, s] of Object.entries(parts)) {
    for (const [key, value] of Object.entries(s[lang])) {
      if (key in out) problems.push(`${lang}.${key}: defined again in ${part}`);
      out[key] = value;
    }
  }
  return out;
}

export const strings = { ko: gather('ko'), en: gather('en') };

for (const [lang, other] of [['ko', 'en'], ['en', 'ko']]) {
  for (const key of Object.keys(strings[lang])) {
    if (!(key in strings[other])) problems.push(`${other}.${key}: missing`);
  }
}
