// admin-settings.js is the console's 워크스페이스 환경 (seeds 002): 기본 정보
// (name, the ID that never changes, logo, colour and tone, external-member
// chat; F15) and 프로필 정보 (which profile fields colleagues see, and how
// names show; F11). Both read the workspace afresh (GET
// /v1/workspaces/{ws}) and save only through the API.
import { authed } from './api.js';
import { t } from './i18n.js';
import { h, field, errorSummary } from './ui.js';
import { isSuper, wsPath, adminProblem, checkbox, radios, statusLine, say, fill } from './admin-ui.js';

async function loadWorkspace(ctx) {
  const { data } = await authed('GET', wsPath(ctx));
  ctx.workspace = data;
  return data;
}

// showName puts a new workspace name in the top bar, which the shell drew
// from ctx.workspace when the app started.
function showName(name) {
  const el = document.querySelector('.topbar .workspace');
  if (el) el.textContent = name;
}

/** settingsSection draws 기본 정보 into host. */
export function settingsSection(ctx, host) {
  const s = { ws: null, draft: null, error: '', fieldId: '', colorTouched: false };
  const els = { status: statusLine() };

  function render() {
    // What the member typed stays after a refusal; the stored values show
    // otherwise.
    const ws = { ...s.ws, ...(s.draft || {}) };
    const plan = { free: 'Free', standard: 'Standard', enterprise: 'Enterprise' }[ws.plan] || ws.plan;
    const fieldError = (id) => (s.fieldId === id ? s.error : '');
    fill(host,
      els.status,
      h('form', { class: 'panel adm-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(new FormData(e.target)); } },
        h('h2', {}, t('admBasicInfo')),
        errorSummary(s.error, s.fieldId),
        field({ id: 'adm-ws-name', label: t('admWsName'), hint: t('admWsNameHint'), required: true, maxlength: '60', value: ws.name, autocomplete: 'organization', error: fieldError('adm-ws-name') }),
        field({ id: 'adm-ws-id', label: t('admWsId'), hint: t('admWsIdHint'), value: ws.workspaceId, readonly: true }),
        field({ id: 'adm-ws-logo', label: t('admWsLogo'), hint: t('admWsLogoHint'), type: 'url', inputmode: 'url', value: ws.logoUrl || '', placeholder: 'https://', autocomplete: 'off', error: fieldError('adm-ws-logo') }),
        h('div', { class: 'field adm-color' },
          h('label', { for: 'adm-ws-color' }, t('admWsColor')),
          h('p', { class: 'hint', id: 'adm-ws-color-hint' }, t('admWsColorHint')),
          h('span', { class: 'adm-inline' },
            h('input', { type: 'color', id: 'adm-ws-color', name: 'adm-ws-color', value: (ws.color || '#3A5BD9').toLowerCase(), 'aria-describedby': 'adm-ws-color-hint',
              oninput: (e) => { s.colorTouched = true; host.querySelector('#adm-ws-color-value').textContent = e.target.value.toUpperCase(); } }),
            h('span', { id: 'adm-ws-color-value', class: 'adm-mono' }, ws.color || t('admWsColorUnset')))),
        radios({
          name: 'adm-ws-tone', legend: t('admWsTone'), value: ws.colorTone || '',
          options: [{ value: 'light', label: t('admToneLight') }, { value: 'dark', label: t('admToneDark') }],
        }),
        checkbox({ id: 'adm-ws-external', label: t('admWsExternal'), hint: t('admWsExternalHint'), checked: ws.externalChatAllowed }),
        h('dl', { class: 'adm-facts' },
          h('div', {}, h('dt', {}, t('admPlan')), h('dd', {}, plan)),
          isSuper(ctx.me) && h('div', {}, h('dt', {}, t('admSuperAdmin')),
            h('dd', {}, h('span', { id: 'adm-ws-super' }, ctx.me.name), ' ',
              h('a', { href: '/app/admin/delegation', onclick: (e) => { e.preventDefault(); ctx.nav('/app/admin/delegation'); } }, t('admChangeSuper'))))),
        h('div', { class: 'actions adm-form-actions' },
          h('button', { type: 'submit', class: 'adm-primary' }, t('admSave')))),
      isSuper(ctx.me) && h('p', { class: 'adm-withdraw-link' },
        h('a', { href: '/app/admin/withdrawal', onclick: (e) => { e.preventDefault(); ctx.nav('/app/admin/withdrawal'); } }, t('admWithdrawalLink'))));
  }

  async function save(form) {
    const ws = s.ws;
    const name = String(form.get('adm-ws-name') || '').trim();
    const logo = String(form.get('adm-ws-logo') || '').trim();
    const color = String(form.get('adm-ws-color') || '').toUpperCase();
    const tone = String(form.get('adm-ws-tone') || '');
    const external = form.get('adm-ws-external') !== null;
    s.draft = { name, logoUrl: logo, colorTone: tone || ws.colorTone, externalChatAllowed: external };
    if (s.colorTouched) s.draft.color = color;
    const bad = (fieldId, key) => { s.error = t(key); s.fieldId = fieldId; render(); host.querySelector('.error-summary')?.focus(); };
    if (!name) return bad('adm-ws-name', 'admErrWsName');
    if (logo && !/^https?:\/\/\S+$/i.test(logo)) return bad('adm-ws-logo', 'admErrLogo');
    // Only what changed is sent: an untouched colour picker (which always
    // holds some colour) leaves an unset colour unset.
    const body = {};
    if (name !== ws.name) body.name = name;
    if (logo !== (ws.logoUrl || '')) body.logoUrl = logo;
    if (s.colorTouched && color !== (ws.color || '')) body.color = color;
    if (tone && tone !== (ws.colorTone || '')) body.colorTone = tone;
    if (external !== ws.externalChatAllowed) body.externalChatAllowed = external;
    try {
      if (Object.keys(body).length) {
        const { data } = await authed('PATCH', wsPath(ctx), body);
        s.ws = data;
        ctx.workspace = data;
        showName(data.name);
      }
      Object.assign(s, { draft: null, error: '', fieldId: '', colorTouched: false });
      render();
      say(els.status, t('admSaved'));
      els.status.setAttribute('tabindex', '-1');
      els.status.focus();
    } catch (e) {
      s.error = adminProblem(e);
      s.fieldId = '';
      render();
      host.querySelector('.error-summary')?.focus();
    }
    return undefined;
  }

  host.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  loadWorkspace(ctx).then((ws) => { s.ws = ws; render(); })
    .catch((e) => host.replaceChildren(h('p', { class: 'field-error' }, adminProblem(e))));
  return {};
}

// The fields each member may show or hide (PRODUCT.md F11), in the seeds'
// order; name, photo, department and status message always show.
const switches = ['nickname', 'title', 'position', 'mobile', 'landline', 'email', 'workLocation', 'birthday'];

/** profileFieldsSection draws 프로필 정보 into host. */
export function profileFieldsSection(ctx, host) {
  const els = { status: statusLine() };
  let fields = null;
  let error = '';

  function render() {
    fill(host,
      els.status,
      h('form', { class: 'panel adm-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); apply(new FormData(e.target)); } },
        h('h2', {}, t('admProfileShown')),
        errorSummary(error),
        h('p', { class: 'muted' }, t('admProfileAlways')),
        h('fieldset', { class: 'adm-fieldset adm-switches' },
          h('legend', {}, t('admProfileOptional')),
          switches.map((f) => checkbox({ id: `adm-pf-${f}`, label: t(`admPf_${f}`), checked: fields[f] }))),
        radios({
          name: 'adm-pf-display', legend: t('admNameDisplay'), value: fields.nameDisplay || 'name',
          options: [
            { value: 'name', label: t('admNameDisplay_name'), hint: t('admNameDisplayExample', { example: t('admExample_name') }) },
            { value: 'name_nickname', label: t('admNameDisplay_name_nickname'), hint: t('admNameDisplayExample', { example: t('admExample_name_nickname') }) },
            { value: 'nickname_name', label: t('admNameDisplay_nickname_name'), hint: t('admNameDisplayExample', { example: t('admExample_nickname_name') }) },
          ],
        }),
        h('div', { class: 'actions adm-form-actions' },
          h('button', { type: 'submit', class: 'adm-primary' }, t('admApply')))));
  }

  async function apply(form) {
    const body = { nameDisplay: String(form.get('adm-pf-display') || 'name') };
    for (const f of switches) body[f] = form.get(`adm-pf-${f}`) !== null;
    try {
      const { data } = await authed('PUT', wsPath(ctx, '/profile-fields'), body);
      fields = data;
      error = '';
      render();
      say(els.status, t('admApplied'));
      els.status.setAttribute('tabindex', '-1');
      els.status.focus();
    } catch (e) {
      error = adminProblem(e);
      render();
      host.querySelector('.error-summary')?.focus();
    }
  }

  host.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  loadWorkspace(ctx).then((ws) => { fields = ws.profileFields; render(); })
    .catch((e) => host.replaceChildren(h('p', { class: 'field-error' }, adminProblem(e))));
  return {};
}
