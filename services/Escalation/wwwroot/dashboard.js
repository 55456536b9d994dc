// The operators' dashboard. Every value from the API is rendered with textContent, never as HTML.
const tokenKey = 'escalation.token';
// The first level that wakes someone up: ministerial and above in the shipped policy.
const alertLevel = 3;
const cases = new Map();
let partners = [];
let source = null;
let openCaseId = null;
let audio = null;

const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem(tokenKey);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

// One way to write an instant everywhere on the page: `2017-05-24 21:00 UTC`, never the browser's locale.
function utc(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function timeEl(value) {
  return el('time', { dateTime: new Date(value).toISOString(), text: utc(value) });
}

// The token's claims, read only to word messages and to say who is signed in; the API alone decides what the token may do.
function claims(raw) {
  try {
    const part = raw.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (ch) => ch.charCodeAt(0)));
    const payload = JSON.parse(json);
    return payload && typeof payload === 'object' ? payload : null;
  } catch {
    return null;
  }
}

const roleNames = { integrator: 'an integrator', compliance: 'a compliance officer', operator: 'an operator', admin: 'an administrator' };

// One plain sentence for a refused token: the status is the server's verdict, the claims only choose the words.
function refusal(response, raw) {
  if (response.status === 401) {
    const challenge = response.headers.get('WWW-Authenticate') || '';
    return /expired/i.test(challenge) ? 'This token has expired.' : 'This is not a token the platform issued.';
  }
  if (response.status === 403) {
    const role = claims(raw)?.role;
    return roleNames[role]
      ? `This token is for ${roleNames[role]}; the dashboard needs an operator token.`
      : 'This token carries no role the dashboard accepts; it needs an operator token.';
  }
  return `The service did not answer as expected (HTTP ${response.status}); try again in a moment.`;
}

async function api(path, options = {}) {
  const raw = token();
  const response = await fetch(path, {
    ...options,
    headers: { 'Authorization': `Bearer ${raw}`, 'Content-Type': 'application/json', ...(options.headers || {}) },
  });
  if (response.status === 401) { signOut(refusal(response, raw)); throw new Error('unauthorized'); }
  if (response.status === 403) throw new Error(`Your token (${claims(raw)?.role || 'no role'}) may not do this; it needs an operator token.`);
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail || body?.title || `HTTP ${response.status}`);
  return body;
}

function signOut(message = '') {
  sessionStorage.removeItem(tokenKey);
  if (source) source.close();
  source = null;
  cases.clear();
  if ($('case-dialog').open) $('case-dialog').close();
  if ($('action-dialog').open) $('action-dialog').close();
  $('board').hidden = true; $('who').hidden = true; $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  setLive(false);
}

function setLive(on) {
  $('live').className = `live ${on ? 'on' : 'off'}`;
  $('live').textContent = on ? 'live' : 'offline';
}

function showWho(raw) {
  const c = claims(raw) || {};
  $('who-name').textContent = c.sub || 'unknown';
  $('who-role').textContent = c.role || 'no role';
  const expires = typeof c.exp === 'number' ? new Date(c.exp * 1000) : null;
  $('who-expires').replaceWith(expires ? Object.assign(timeEl(expires), { id: 'who-expires' }) : el('time', { id: 'who-expires', text: 'never' }));
}

function left(deadline) {
  const ms = Date.parse(deadline) - Date.now();
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s %= 86400;
  const h = Math.floor(s / 3600); s %= 3600;
  const m = Math.floor(s / 60); s %= 60;
  const pad = (n) => String(n).padStart(2, '0');
  return `${sign}${d > 0 ? `${d}d ` : ''}${pad(h)}:${pad(m)}:${pad(s)}`;
}

function tickCountdowns() {
  for (const node of document.querySelectorAll('.countdown[data-deadline]')) {
    const deadline = node.getAttribute('data-deadline');
    node.textContent = left(deadline);
    node.classList.toggle('overdue', Date.parse(deadline) < Date.now());
  }
}

function partnerName(code) {
  return partners.find((p) => p.id === code)?.name || null;
}

function partnerLabel(code) {
  const name = partnerName(code);
  return name && name !== code ? `${code} (${name})` : code;
}

function partnersText(c) {
  return c.partners.length ? c.partners.map(partnerLabel).join(', ') : 'internal';
}

// The partner filter matches a code or a name, in part and in any case.
function partnerMatches(code, wanted) {
  if (!wanted) return true;
  const name = partnerName(code) || '';
  return code.toLowerCase().includes(wanted) || name.toLowerCase().includes(wanted);
}

function visible(c) {
  const wanted = $('filter-partner').value.trim().toLowerCase();
  const level = $('filter-level').value;
  if (!$('filter-resolved').checked && c.status === 'resolved') return false;
  if (wanted && !c.partners.some((p) => partnerMatches(p, wanted))) return false;
  if (level && String(c.level) !== level) return false;
  return true;
}

// Ids are time-ordered (their first digits are the same for a whole day), so a card names one by its last digits.
function caseTitle(c) {
  return c.kind === 'breach' ? `Breach …${(c.breachId || '').slice(-8)}` : `Handling delay …${(c.itemId || '').slice(-8)}`;
}

function caseCard(c, fresh) {
  const card = el('article', { class: `case${fresh ? ' fresh' : ''}`, 'data-case': c.caseId, 'data-level': String(c.level), 'aria-label': `${caseTitle(c)}, ${partnersText(c)}, level ${c.level}` });
  card.append(
    el('div', { class: 'top' },
      el('span', { text: partnersText(c) }),
      c.deadline ? el('span', { class: 'countdown', 'data-deadline': c.deadline, text: left(c.deadline), title: `deadline ${utc(c.deadline)}` }) : el('span', { text: c.status })),
    el('div', { class: 'meta' },
      `${caseTitle(c)} · ${c.severity || c.kind} · level ${c.level} ${c.levelName} · opened `, timeEl(c.openedAt),
      c.deadline ? ' · deadline ' : null, c.deadline ? timeEl(c.deadline) : null),
    c.summary ? el('div', { text: c.summary }) : null,
    el('div', {},
      el('span', { class: `tag ${c.acknowledged ? '' : 'unack'}`, text: c.acknowledged ? 'acknowledged' : 'not acknowledged' }),
      el('span', { class: 'tag', text: c.assignee ? `assigned to ${c.assignee}` : 'unassigned' }),
      c.status === 'responded' ? el('span', { class: 'tag responded', text: 'responded' }) : null,
      c.status === 'resolved' ? el('span', { class: 'tag', text: 'resolved' }) : null,
      c.assuranceBroken ? el('span', { class: 'tag broken', text: 'assurance broken' }) : null),
  );
  const actions = el('div', { class: 'actions' });
  actions.append(el('button', { type: 'button', class: 'open-case', text: 'History', 'aria-label': `History of ${caseTitle(c)}`, onclick: () => openCase(c.caseId) }));
  if (c.status !== 'resolved') {
    if (!c.acknowledged) actions.append(actionButton(c, 'acknowledge', 'Acknowledge'));
    actions.append(actionButton(c, 'assign', 'Assign'), actionButton(c, 'note', 'Note'), actionButton(c, 'escalate', 'Escalate'), actionButton(c, 'resolve', 'Resolve'));
  }
  card.append(actions);
  // A click anywhere on the card but its buttons opens the case, as the History button does from the keyboard.
  card.addEventListener('click', (event) => { if (!event.target.closest('button')) openCase(c.caseId); });
  return card;
}

function actionButton(c, action, label) {
  return el('button', { type: 'button', text: label, 'data-action': action, onclick: () => openAction(c, action, label) });
}

let pending = null;
function openAction(c, action, label) {
  pending = { c, action };
  $('action-title').textContent = `${label}: ${partnersText(c)} (level ${c.level})`;
  $('action-text-label').firstChild.textContent = action === 'assign' ? 'Assign to ' : action === 'note' ? 'Note ' : action === 'acknowledge' ? 'Remark (optional) ' : 'Reason ';
  $('action-text').value = '';
  $('action-text').required = action !== 'acknowledge';
  $('action-restore-label').hidden = action !== 'resolve';
  $('action-restore').checked = false;
  $('action-error').textContent = '';
  $('action-dialog').showModal();
}

async function confirmAction(event) {
  event.preventDefault();
  const { c, action } = pending;
  const text = $('action-text').value.trim();
  const body = action === 'assign' ? { to: text }
    : action === 'note' ? { text }
    : action === 'resolve' ? { reason: text, restoreSharing: $('action-restore').checked }
    : action === 'escalate' ? { reason: text } : {};
  try {
    const updated = await api(`/escalations/${c.caseId}/${action}`, { method: 'POST', body: JSON.stringify(body) });
    if (action === 'acknowledge' && text) await api(`/escalations/${c.caseId}/note`, { method: 'POST', body: JSON.stringify({ text }) });
    upsert(updated, false);
    $('action-dialog').close();
  } catch (e) {
    $('action-error').textContent = e.message;
  }
}

const byDeadline = (a, b) => (Date.parse(a.deadline || '9999-01-01') - Date.parse(b.deadline || '9999-01-01')) || (Date.parse(a.openedAt) - Date.parse(b.openedAt));

function render(freshId) {
  const shown = [...cases.values()].filter(visible);
  let sections;
  if ($('sort').value === 'deadline') {
    shown.sort(byDeadline);
    sections = shown.length ? [el('section', { class: 'queue', 'aria-label': 'Cases by deadline' },
      el('h2', {}, el('span', { text: 'By deadline, soonest first' }), el('span', { text: String(shown.length) })),
      ...shown.map((c) => caseCard(c, c.caseId === freshId)))] : [];
  } else {
    const levels = new Map();
    for (const c of shown) {
      if (!levels.has(c.level)) levels.set(c.level, { name: c.levelName, items: [] });
      levels.get(c.level).items.push(c);
    }
    sections = [...levels.entries()].sort((a, b) => b[0] - a[0]).map(([level, q]) => {
      q.items.sort(byDeadline);
      return el('section', { class: 'queue', 'data-level': String(level), 'aria-label': `Level ${level}` },
        el('h2', {}, el('span', { text: `Level ${level} · ${q.name}` }), el('span', { text: String(q.items.length) })),
        ...q.items.map((c) => caseCard(c, c.caseId === freshId)));
    });
  }
  $('queues').replaceChildren(...(sections.length ? sections : [el('p', { text: 'No cases match.' })]));
  renderCounts();
  renderFilters();
  renderPartners();
}

// Open cases per level, over everything loaded: the filters narrow the cards, never these numbers.
function renderCounts() {
  const levels = new Map();
  for (const c of cases.values()) {
    if (c.status === 'resolved') continue;
    const entry = levels.get(c.level) || { name: c.levelName, count: 0 };
    entry.count += 1;
    levels.set(c.level, entry);
  }
  const items = [...levels.entries()].sort((a, b) => b[0] - a[0])
    .map(([level, e]) => el('li', { 'data-level': String(level), text: `Level ${level} ${e.name}: ${e.count} open` }));
  $('counts').replaceChildren(...(items.length ? items : [el('li', { text: 'No open cases' })]));
}

function renderFilters() {
  const levelFilter = $('filter-level');
  const known = new Map([...cases.values()].map((c) => [String(c.level), c.levelName]));
  for (const [level, name] of [...known.entries()].sort()) {
    if (![...levelFilter.options].some((o) => o.value === level)) levelFilter.append(el('option', { value: level, text: `${level} ${name}` }));
  }
  const codes = new Set([...cases.values()].flatMap((c) => c.partners).concat(partners.map((p) => p.id)));
  $('partner-list').replaceChildren(...[...codes].sort().map((code) => el('option', { value: code, label: partnerName(code) || code })));
}

function renderPartners() {
  const wanted = $('filter-partner').value.trim().toLowerCase();
  const suspended = partners.filter((p) => p.sharing === 'suspended').length;
  const broken = partners.filter((p) => p.brokenAssurances.length).length;
  $('partners-summary').textContent = `Partners: ${partners.length}` + (suspended ? ` · ${suspended} suspended` : '') + (broken ? ` · ${broken} with broken assurances` : '');
  $('partners').replaceChildren(...partners.filter((p) => partnerMatches(p.id, wanted)).map((p) => el('li', { class: `partner ${p.sharing}` },
    el('strong', { text: p.id }), p.name ? ` ${p.name}` : null, ` · ${p.sharing}`,
    p.sharing === 'suspended' && p.suspendedAt ? ` since ${utc(p.suspendedAt)}` : null,
    p.brokenAssurances.length ? el('span', { class: 'broken', text: ` · ${p.brokenAssurances.length} broken assurance${p.brokenAssurances.length > 1 ? 's' : ''}`, title: p.brokenAssurances.map((b) => `${b.responseId} broken ${utc(b.brokenAt)}`).join('\n') }) : null)));
}

function upsert(c, fresh) {
  const previous = cases.get(c.caseId);
  cases.set(c.caseId, c);
  render(fresh ? c.caseId : null);
  if (openCaseId === c.caseId) openCase(c.caseId);
  return previous;
}

// ----- the case panel: its whole history, read from the case's stream -----

function fact(name, ...value) {
  return [el('dt', { text: name }), el('dd', {}, ...value)];
}

function entry(at, what, ...detail) {
  return el('li', {}, Object.assign(timeEl(at), { className: 'at' }), el('strong', { text: what }), ...detail);
}

function describe(e) {
  const by = e.by ? ` by ${e.by}` : '';
  switch (e.type) {
    case 'opened':
      return entry(e.at, `Opened at level ${e.level} (${e.levelName})${by}`,
        e.summary ? el('div', { text: e.summary }) : null,
        e.assuranceBroken ? el('div', { text: `Breaks assurance ${e.brokenAssuranceId}` }) : null,
        el('div', {}, 'Deadline ', timeEl(e.deadline)));
    case 'raised':
      return entry(e.at, `Raised from level ${e.fromLevel} to level ${e.level} (${e.levelName})${by}`,
        el('div', { text: e.reason }), el('div', {}, 'New deadline ', timeEl(e.deadline)));
    case 'acknowledged':
      return entry(e.at, `Acknowledged${by}`);
    case 'assigned':
      return entry(e.at, `Assigned to ${e.to}${by}`);
    case 'noted':
      return entry(e.at, `Note${by}`, el('div', { text: e.text }));
    case 'response':
      return entry(e.at, `Response from ${partnerLabel(e.partner)}: ${e.responseKind}${e.adequate ? ', stops the clock' : ', the clock runs on'}`,
        el('div', { text: `Respondent: ${e.respondent}` }),
        el('blockquote', { text: e.statement }),
        e.responseKind === 'assurance' ? el('div', { text: `Scope: ${e.scope?.length ? e.scope.join(', ') : 'everything'}` }) : null,
        e.responseKind === 'assurance' ? el('div', {}, 'Valid until ', e.validUntil ? timeEl(e.validUntil) : 'no end') : null);
    case 'resolved':
      return entry(e.at, `Resolved${by}${e.restoreSharing ? ', sharing to be restored' : ''}`, el('div', { text: e.reason }));
    case 'suspensionRequested':
      return entry(e.at, `Suspension of sharing with ${partnerLabel(e.partner)} requested${by}`, el('div', { text: e.reason }));
    case 'restorationRequested':
      return entry(e.at, `Restoration of sharing with ${partnerLabel(e.partner)} requested${by}`, el('div', { text: e.reason }));
    default:
      return entry(e.at, e.type);
  }
}

async function openCase(caseId) {
  openCaseId = caseId;
  const dialog = $('case-dialog');
  $('case-error').textContent = '';
  if (!dialog.open) dialog.showModal();
  try {
    const c = await api(`/escalations/${caseId}`);
    if (openCaseId !== caseId) return;
    $('case-title').textContent = `${caseTitle(c)} · ${partnersText(c)}`;
    const standing = c.partners.map((code) => partners.find((p) => p.id === code)).filter(Boolean)
      .map((p) => `${p.id} ${p.sharing}${p.sharing === 'suspended' && p.suspendedAt ? ` since ${utc(p.suspendedAt)}` : ''}`);
    $('case-facts').replaceChildren(
      ...fact('Case', c.caseId),
      ...(c.breachId ? fact('Breach', c.breachId) : []),
      ...(c.itemId ? fact('Item', c.itemId) : []),
      ...fact('Status', c.status),
      ...fact('Level', `${c.level} ${c.levelName}`),
      ...(c.deadline ? fact('Deadline', timeEl(c.deadline)) : []),
      ...fact('Opened', timeEl(c.openedAt)),
      ...fact('Last change', timeEl(c.updatedAt)),
      ...(c.severity ? fact('Severity', c.severity) : []),
      ...(c.summary ? fact('Summary', c.summary) : []),
      ...fact('Assignee', c.assignee || 'unassigned'),
      ...(standing.length ? fact('Sharing now', standing.join('; ')) : []));
    const items = c.events
      ? c.events.map(describe)
      : (c.history || []).map((h) => entry(h.at, `${h.what} by ${h.by}`, h.detail ? el('div', { text: h.detail }) : null));
    $('case-history').replaceChildren(...items);
  } catch (e) {
    $('case-error').textContent = e.message;
  }
}

// ----- opt-in alerts when a case reaches the alert level -----

async function toggleAlerts() {
  $('notify-note').hidden = true;
  if (!$('notify').checked) return;
  // The sound needs an audio context made during the click; the permission is asked only now, when ticked.
  audio = audio || (window.AudioContext ? new AudioContext() : null);
  if ('Notification' in window && Notification.permission !== 'granted') {
    const answer = await Notification.requestPermission();
    if (answer !== 'granted') {
      $('notify-note').textContent = 'Desktop notifications are not allowed in this browser; a sound plays instead.';
      $('notify-note').hidden = false;
    }
  }
}

function beep() {
  if (!audio) return;
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.6);
}

function alertIfReached(previous, c) {
  if (!$('notify').checked || c.status === 'resolved' || c.level < alertLevel) return;
  if (previous && previous.level >= alertLevel) return;
  const body = `${caseTitle(c)} · ${partnersText(c)}${c.deadline ? ` · deadline ${utc(c.deadline)}` : ''}`;
  if ('Notification' in window && Notification.permission === 'granted') {
    const shown = new Notification(`Case at level ${c.level} (${c.levelName})`, { body, tag: c.caseId });
    shown.onclick = () => { window.focus(); openCase(c.caseId); };
  } else {
    beep();
  }
}

// ----- loading, the live stream and signing in -----

async function loadAll() {
  const [list, standing] = await Promise.all([api('/escalations'), api('/partners')]);
  cases.clear();
  for (const c of list) cases.set(c.caseId, c);
  partners = standing;
  render(null);
  $('status').textContent = `loaded ${list.length} case${list.length === 1 ? '' : 's'}`;
}

function connect() {
  if (source) source.close();
  source = new EventSource(`/escalations/stream?access_token=${encodeURIComponent(token())}`);
  source.addEventListener('open', () => { setLive(true); loadAll().catch((e) => { $('status').textContent = e.message; }); });
  source.addEventListener('error', () => {
    setLive(false);
    // A refused token closes the stream for good; asking the API says why (and signs out if it must).
    if (source && source.readyState === EventSource.CLOSED) {
      api('/partners').then(() => setTimeout(() => { if (token()) connect(); }, 3000)).catch(() => {});
    }
  });
  source.addEventListener('case', (event) => {
    const c = JSON.parse(event.data);
    const previous = upsert(c, !cases.has(c.caseId));
    alertIfReached(previous, c);
    api('/partners').then((p) => { partners = p; render(null); }).catch(() => {});
  });
}

// The server decides whether the token will do: one read before the board is shown.
async function signIn(raw) {
  const response = await fetch('/partners', { headers: { 'Authorization': `Bearer ${raw}` } }).catch(() => null);
  if (!response) return 'The service could not be reached; try again in a moment.';
  if (!response.ok) return refusal(response, raw);
  sessionStorage.setItem(tokenKey, raw);
  start();
  return '';
}

function start() {
  $('sign-in').hidden = true; $('board').hidden = false; $('who').hidden = false;
  $('sign-in-error').textContent = '';
  showWho(token());
  connect();
}

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const raw = $('token').value.trim();
  const submit = event.submitter || $('token-form').querySelector('button[type=submit]');
  submit.disabled = true;
  $('sign-in-error').textContent = '';
  const message = await signIn(raw);
  submit.disabled = false;
  if (message) $('sign-in-error').textContent = message;
  else $('token').value = '';
});
$('sign-out').addEventListener('click', () => signOut());
$('filters').addEventListener('change', () => render(null));
$('filter-partner').addEventListener('input', () => render(null));
$('filters').addEventListener('submit', (event) => event.preventDefault());
$('notify').addEventListener('change', toggleAlerts);
$('action-form').addEventListener('submit', confirmAction);
$('action-cancel').addEventListener('click', () => $('action-dialog').close());
$('case-close').addEventListener('click', () => $('case-dialog').close());
$('case-dialog').addEventListener('close', () => { openCaseId = null; });
setInterval(tickCountdowns, 1000);

if (token()) signIn(token()).then((message) => { if (message) signOut(message); }); else signOut();
