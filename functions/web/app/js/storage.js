// storage.js is the app's only access to localStorage. What survives a
// reload is the refresh token (to renew the session), the device token
// (which keeps this browser a trusted device) and the chosen language.
// The access token is never stored: it lives in api.js's memory only.

const prefix = 'workgate.';
const keys = { refreshToken: 'refreshToken', deviceToken: 'deviceToken', lang: 'lang' };

function get(key) {
  try { return localStorage.getItem(prefix + key) || ''; } catch { return ''; }
}

function set(key, value) {
  try {
    if (value) localStorage.setItem(prefix + key, value);
    else localStorage.removeItem(prefix + key);
  } catch { /* private mode or storage disabled: the session lasts this tab */ }
}

export const storage = {
  refreshToken: () => get(keys.refreshToken),
  setRefreshToken: (v) => set(keys.refreshToken, v),
  deviceToken: () => get(keys.deviceToken),
  setDeviceToken: (v) => set(keys.deviceToken, v),
  lang: () => get(keys.lang),
  setLang: (v) => set(keys.lang, v),
};
