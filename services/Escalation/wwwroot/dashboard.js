// The operators' dashboard. Every value from the API is rendered with textContent, never as HTML.
const tokenKey = 'escalation.token';
const cases = new Map();
let partners = [];
let source = null;

const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem(tokenKey);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { 'Authorization': `Bearer ${token()}`, 'Content-Type': 'application/json', ...(options.headers || {}) },
  });
  if (response.status === 401) { signOut('The token was refused; paste a fresh one.'); throw new Error('unauthorized'); }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail || body?.title || `HTTP ${response.status}`);
  return body;
}

function signOut(message = '') {
  sessionStorage.removeItem(tokenKey);
  if (source) source.close();
  $('board').hidden = true; $('sign-out').hidden = true; $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  setLive(false);
}

function setLive(on) {
  $('live').className = `live ${on ? 'on' : 'off'}`;
  $('live').textContent = on ? 'live' : 'offline';
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

function visible(c) {
  const partner = $('filter-partner').value;
  const level = $('filter-level').value;
  if (!$('filter-resolved').checked && c.status === 'resolved') return false;
  if (partner && !c.partners.includes(partner)) return false;
  if (level && String(c.level) !== level) return false;
  return true;
}

function caseCard(c, fresh) {
  const card = el('article', { class: `case${fresh ? ' fresh' : ''}`, 'data-case': c.caseId });
  const title = c.kind === 'breach' ? `Breach ${c.breachId.slice(0, 8)}` : `Handling delay ${(c.itemId || '').slice(0, 8)}`;
  card.append(
    el('div', { class: 'top' },
      el('span', { text: c.partners.length ? c.partners.join(', ') : 'internal' }),
      c.deadline ? el('span', { class: 'countdown', 'data-deadline': c.deadline, text: left(c.deadline), title: `deadline ${c.deadline}` }) : el('span', { text: c.status })),
    el('div', { class: 'meta', text: `${title} · ${c.severity || c.kind} · opened ${new Date(c.openedAt).toLocaleString()}` }),
    c.summary ? el('div', { text: c.summary }) : null,
    el('div', {},
      el('span', { class: `tag ${c.acknowledged ? '' : 'unack'}`, text: c.acknowledged ? 'acknowledged' : 'not acknowledged' }),
      el('span', { class: 'tag', text: c.assignee ? `assigned to ${c.assignee}` : 'unassigned' }),
      c.status === 'responded' ? el('span', { class: 'tag responded', text: 'responded' }) : null,
      c.assuranceBroken ? el('span', { class: 'tag broken', text: 'assurance broken' }) : null),
  );
  if (c.status !== 'resolved') {
    const actions = el('div', { class: 'actions' });
    if (!c.acknowledged) actions.append(actionButton(c, 'acknowledge', 'Acknowledge'));
    actions.append(actionButton(c, 'assign', 'Assign'), actionButton(c, 'note', 'Note'), actionButton(c, 'escalate', 'Escalate'), actionButton(c, 'resolve', 'Resolve'));
    card.append(actions);
  }
  return card;
}

function actionButton(c, action, label) {
  return el('button', { type: 'button', text: label, 'data-action': action, onclick: () => openAction(c, action, label) });
}

let pending = null;
function openAction(c, action, label) {
  pending = { c, action };
  $('action-title').textContent = `${label}: ${c.partners.join(', ') || 'internal'} (level ${c.level})`;
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

function render(freshId) {
  const queues = $('queues');
  const levels = new Map();
  for (const c of [...cases.values()].filter(visible)) {
    if (!levels.has(c.level)) levels.set(c.level, { name: c.levelName, items: [] });
    levels.get(c.level).items.push(c);
  }
  const sections = [...levels.entries()].sort((a, b) => b[0] - a[0]).map(([level, q]) => {
    q.items.sort((a, b) => (Date.parse(a.deadline || '9999-01-01') - Date.parse(b.deadline || '9999-01-01')));
    return el('section', { class: 'queue', 'data-level': String(level) },
      el('h2', {}, el('span', { text: `Level ${level} · ${q.name}` }), el('span', { text: String(q.items.length) })),
      ...q.items.map((c) => caseCard(c, c.caseId === freshId)));
  });
  queues.replaceChildren(...(sections.length ? sections : [el('p', { text: 'No cases in the queues.' })]));

  const levelFilter = $('filter-level');
  const knownLevels = new Set([...cases.values()].map((c) => String(c.level)));
  for (const level of [...knownLevels].sort()) {
    if (![...levelFilter.options].some((o) => o.value === level)) levelFilter.append(el('option', { value: level, text: level }));
  }
  const partnerFilter = $('filter-partner');
  const knownPartners = new Set([...cases.values()].flatMap((c) => c.partners).concat(partners.map((p) => p.id)));
  for (const code of [...knownPartners].sort()) {
    if (![...partnerFilter.options].some((o) => o.value === code)) partnerFilter.append(el('option', { value: code, text: code }));
  }
  $('partners').replaceChildren(...partners.map((p) => el('div', { class: `partner ${p.sharing}` },
    el('strong', { text: p.id }), document.createTextNode(' '),
    el('span', { text: p.sharing }),
    p.brokenAssurances.length ? el('span', { class: 'broken', text: ` · ${p.brokenAssurances.length} broken assurance${p.brokenAssurances.length > 1 ? 's' : ''}`, title: p.brokenAssurances.map((b) => `${b.responseId} broken ${b.brokenAt}`).join('\n') }) : null)));
}

function upsert(c, fresh) {
  cases.set(c.caseId, c);
  render(fresh ? c.caseId : null);
}

async function loadAll() {
  const [list, standing] = await Promise.all([api('/escalations'), api('/partners')]);
  cases.clear();
  for (const c of list) cases.set(c.caseId, c);
  partners = standing;
  render(null);
  $('status').textContent = `loaded ${list.length} cases`;
}

function connect() {
  if (source) source.close();
  source = new EventSource(`/escalations/stream?access_token=${encodeURIComponent(token())}`);
  source.addEventListener('open', () => { setLive(true); loadAll().catch((e) => { $('status').textContent = e.message; }); });
  source.addEventListener('error', () => setLive(false));
  source.addEventListener('case', (event) => {
    const c = JSON.parse(event.data);
    upsert(c, !cases.has(c.caseId));
    api('/partners').then((p) => { partners = p; render(null); }).catch(() => {});
  });
}

function start() {
  $('sign-in').hidden = true; $('board').hidden = false; $('sign-out').hidden = false;
  connect();
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, $('token').value.trim());
  $('token').value = '';
  start();
});
$('sign-out').addEventListener('click', () => signOut());
$('filters').addEventListener('change', () => render(null));
$('action-form').addEventListener('submit', confirmAction);
$('action-cancel').addEventListener('click', () => $('action-dialog').close());
setInterval(tickCountdowns, 1000);

if (token()) start(); else signOut();
