// The compliance page: sign in with a compliance or admin token, then ask the Audit API what the ledger knew and when.
import { Refused, getJson, stream } from "./compliance-api.js";
import { bytesText, describeToken, fields, plural, problemSentence, readUtc, refusal, tokenClaims, utcText } from "./compliance-format.js";

const $ = (id) => document.getElementById(id);
const storageKey = "auditToken";
let token = "";
let subject = null;
let latest = null;
const links = {};

// ---- signing in and out ------------------------------------------------------------------------------------------

async function signIn(candidate) {
  const message = $("sign-in-message");
  message.textContent = "";
  if (!candidate) { message.textContent = refusal(401, "", Date.now()); return; }
  let answer;
  try {
    answer = await getJson("/audit/witnesses", candidate);
  } catch (error) {
    sessionStorage.removeItem(storageKey);
    message.textContent = error instanceof Refused && error.status !== 401 && error.status !== 403 && error.status !== 0
      ? problemSentence(error.status, error.problem) : refusal(error instanceof Refused ? error.status : 0, candidate, Date.now());
    return;
  }
  token = candidate;
  sessionStorage.setItem(storageKey, candidate);
  $("token").value = "";
  const who = describeToken(tokenClaims(candidate));
  $("who-text").textContent = "Signed in as " + who.who + " (" + who.role + (who.partner ? ", partner " + who.partner : "") + ")" +
    (who.expires ? "; the token expires " + who.expires + "." : ".");
  $("who").hidden = false;
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("access").hidden = !who.role.split(", ").includes("admin");
  showWitnesses(answer);
  await showCheckpoint();
  if (!$("access").hidden) { await showAccessLog(); }
  await route();
}

function signOut() {
  sessionStorage.removeItem(storageKey);
  for (const url of Object.values(links)) { URL.revokeObjectURL(url); }
  window.location.replace(window.location.pathname);
}

/** The token stopped working mid-session (it expired): back to the sign-in form, saying why. */
function lostToken(error) {
  sessionStorage.removeItem(storageKey);
  $("app").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-message").textContent = refusal(error.status, token, Date.now());
  token = "";
}

/** Shows why a query failed in the section's message line; a token that stopped working signs out. */
function say(element, error) {
  if (error instanceof Refused && error.status === 401) { lostToken(error); return; }
  element.textContent = error instanceof Refused ? problemSentence(error.status, error.problem) : "This page failed: " + error.message;
}

const ask = (path) => getJson(path, token);

// ---- the ledger's integrity --------------------------------------------------------------------------------------

async function showCheckpoint() {
  try {
    latest = await ask("/audit/checkpoints/latest");
    $("checkpoint").textContent = "Latest signed checkpoint: " + (latest.size ?? "?") + " events up to sequence " + latest.sequence +
      ", root " + latest.root + ", signed " + utcText(latest.signedAt) + ".";
    if (latest.verifierKey) {
      $("log-key-value").textContent = latest.verifierKey;
      $("log-key").hidden = false;
      if (!$("pack-key").value) { $("pack-key").value = latest.verifierKey; }
    }
  } catch (error) {
    latest = null;
    if (error instanceof Refused && error.status === 404) { $("checkpoint").textContent = "No checkpoint has been signed yet."; return; }
    say($("verify-message"), error);
  }
}

// Whether the latest checkpoint has the quorum of partner witnesses' cosignatures, and any refusal that points at a fork.
function showWitnesses(w) {
  const line = $("witnesses");
  if (w.witnesses.length === 0) { line.textContent = "No witness is configured: nobody outside holds this log's checkpoints."; line.className = ""; return; }
  const forks = w.witnesses.filter((x) => x.lastAnswer && x.lastAnswer.fork);
  if (forks.length > 0) {
    line.textContent = "Fork suspected: " + forks.map((x) => "witness " + x.name + " refused the checkpoint of size " + x.lastAnswer.size + " (" + x.lastAnswer.detail + ")").join("; ");
    line.className = "bad";
    return;
  }
  const by = w.latestCosignedBy.length ? " (" + w.latestCosignedBy.join(", ") + ")" : "";
  line.textContent = (w.latestWitnessed ? "Witnessed: " : "Not witnessed yet: ") + "the latest checkpoint is cosigned by " + w.latestCosignedBy.length +
    " of " + w.witnesses.length + " witnesses" + by + "; " + w.quorum + " required.";
  line.className = w.latestWitnessed ? "ok" : "bad";
}

function eventLink(sequence) {
  const a = document.createElement("a");
  a.href = "#event=" + sequence;
  a.textContent = "event " + sequence;
  return a;
}

/**
 * The server recomputes the chain from the raw rows, a range of sequences at a time up to the latest checkpoint, so a large
 * ledger shows its progress; the last range runs open-ended to the ledger's end.
 */
async function verifyLedger() {
  const button = $("verify");
  const bar = $("verify-progress");
  const verdict = $("verdict");
  const chunk = Number(button.dataset.chunk) || 50000;
  $("verify-message").textContent = "";
  button.disabled = true;
  verdict.className = "";
  try {
    await showCheckpoint();
    const end = latest ? latest.sequence : 0;
    bar.max = Math.max(end, 1);
    bar.value = 0;
    bar.hidden = false;
    let checked = 0;
    let upTo = null;
    for (let from = 1; ; from += chunk) {
      const last = from + chunk - 1;
      const openEnded = last >= end;
      const v = await ask("/audit/verify?from=" + from + (openEnded ? "" : "&to=" + last));
      checked += v.checked;
      upTo = v.upTo ?? upTo;
      if (!v.verified) {
        verdict.className = "bad";
        verdict.replaceChildren("Tampered: ", eventLink(v.firstFailure.sequence), " is " + v.firstFailure.reason + "; " + plural(checked, "event") +
          " matched the chain before it" + (upTo ? ", up to sequence " + upTo : "") + ".");
        return;
      }
      if (openEnded) { break; }
      bar.value = last;
      verdict.textContent = "Verifying: " + plural(checked, "event") + " so far, up to sequence " + (upTo ?? last) + "…";
    }
    bar.value = bar.max;
    verdict.className = "ok";
    verdict.textContent = checked === 0 ? "Nothing to verify yet: the chain is empty." : "Verified " + plural(checked, "event") + " up to sequence " + upTo + ".";
  } catch (error) {
    verdict.textContent = "Not verified.";
    say($("verify-message"), error);
  } finally {
    button.disabled = false;
  }
}

// ---- events as readable cards ------------------------------------------------------------------------------------

function eventCard(e) {
  const li = document.createElement("li");
  li.className = "event";
  const head = document.createElement("p");
  head.className = "event-head";
  const seq = document.createElement("a");
  seq.href = "#event=" + e.sequence;
  seq.className = "seq";
  seq.textContent = "#" + e.sequence;
  const type = document.createElement("span");
  type.className = "type";
  type.textContent = e.type;
  const stream = document.createElement("span");
  stream.className = "stream";
  stream.textContent = e.streamKind + "/" + e.streamId + " v" + e.version;
  head.append(seq, " ", type, " ", stream);
  const times = document.createElement("p");
  times.className = "event-times";
  times.textContent = "Happened " + utcText(e.occurredAt) + " · recorded " + utcText(e.recordedAt);
  li.append(head, times, fields(e.data));
  return li;
}

function showEvents(list, events, empty) {
  list.replaceChildren(...events.map(eventCard));
  if (events.length === 0) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = empty;
    list.appendChild(li);
  }
}

// ---- search and timeline -----------------------------------------------------------------------------------------

async function find(event) {
  event.preventDefault();
  const message = $("search-message");
  message.textContent = "";
  const kind = $("kind").value;
  try {
    const found = await ask("/audit/streams?q=" + encodeURIComponent($("q").value.trim()) + (kind ? "&kind=" + encodeURIComponent(kind) : ""));
    const list = $("results");
    list.replaceChildren();
    if (found.streams.length === 0) { const li = document.createElement("li"); li.textContent = "Nothing found."; list.appendChild(li); }
    for (const s of found.streams) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "hit";
      button.textContent = s.kind + " " + s.id + (s.summary ? " — " + s.summary : "");
      button.addEventListener("click", () => open(s));
      li.appendChild(button);
      list.appendChild(li);
    }
    if (found.streams.length === 1) { await open(found.streams[0]); }
  } catch (error) { say(message, error); }
}

async function open(s) {
  subject = { kind: s.kind, id: s.id };
  $("timeline-transfer").replaceChildren();
  $("evidence-result").replaceChildren();
  if (s.kind === "disclosure") { $("exposure-id").value = s.id; }
  await showTimeline();
}

/** The timeline's window as query parameters, or null after saying which field is wrong. */
function timelineWindow() {
  const asOf = readUtc($("as-of").value, "As the ledger knew it at");
  const until = readUtc($("until").value, "What had happened by");
  const wrong = asOf.error || until.error;
  if (wrong) { $("view-message").textContent = wrong; return null; }
  return { asOf: asOf.iso, until: until.iso };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") { q.set(name, value); }
  }
  const text = q.toString();
  return text ? "?" + text : "";
}

const streamPath = (prefix) => prefix + encodeURIComponent(subject.kind) + "/" + encodeURIComponent(subject.id);

async function showTimeline(event) {
  if (event) { event.preventDefault(); }
  if (!subject) { return; }
  const message = $("view-message");
  message.textContent = "";
  const range = timelineWindow();
  if (!range) { return; }
  try {
    const t = await ask(streamPath("/audit/timeline/") + query(range));
    $("view").hidden = false;
    $("subject").textContent = t.kind + " " + t.id + ", as the ledger knew it at " + utcText(t.asOf) + (t.until ? ", what had happened by " + utcText(t.until) : "");
    $("state").replaceChildren(fields(t.state));
    showEvents($("events"), t.events, "Nothing recorded in this window.");
  } catch (error) { $("view").hidden = true; say(message, error); }
}

// ---- exports, the evidence pack and its verification -------------------------------------------------------------

/** A streamed answer with a progress line, then offered as a file (a Blob URL, so nothing is fetched twice). */
async function download(area, path, fileName, counting) {
  area.replaceChildren();
  const bar = document.createElement("progress");
  bar.setAttribute("aria-label", "Progress of " + fileName);
  const status = document.createElement("p");
  status.setAttribute("role", "status");
  status.textContent = "Starting " + fileName + "…";
  area.append(bar, status);
  let got;
  try {
    got = await stream(path, token, (bytes, lines) => { status.textContent = "Receiving " + fileName + ": " + counting(lines) + ", " + bytesText(bytes) + "…"; });
  } catch (error) {
    area.replaceChildren();
    throw error;
  }
  bar.max = 1;
  bar.value = 1;
  if (links[area.id]) { URL.revokeObjectURL(links[area.id]); }
  links[area.id] = URL.createObjectURL(got.blob);
  const link = document.createElement("a");
  link.href = links[area.id];
  link.download = fileName;
  link.className = "save";
  link.textContent = "Save " + fileName + " (" + counting(got.lines) + ", " + bytesText(got.bytes) + ")";
  status.replaceChildren(link);
  return got;
}

function rows(format) {
  return (lines) => {
    const n = Math.max(0, format === "csv" ? lines - 1 : lines);
    return plural(n, "event");
  };
}

async function exportTimeline(format) {
  const message = $("view-message");
  message.textContent = "";
  const range = timelineWindow();
  if (!subject || !range) { return; }
  const params = { streamKind: subject.kind, streamId: subject.id, asOf: range.asOf, to: range.until, format };
  try {
    await download($("timeline-transfer"), "/audit/export" + query(params), "ledger-" + subject.kind + "-" + subject.id + "." + format, rows(format));
  } catch (error) { say(message, error); }
}

function evidencePath() {
  const range = timelineWindow();
  return range ? streamPath("/audit/evidence/") + query(range) : null;
}

async function downloadEvidence() {
  const message = $("view-message");
  message.textContent = "";
  const path = subject && evidencePath();
  if (!path) { return null; }
  try {
    return await download($("timeline-transfer"), path, "evidence-" + subject.kind + "-" + subject.id + ".json", (lines) => (lines ? plural(lines, "line") : "one document"));
  } catch (error) { say(message, error); return null; }
}

/** The pack checked here, with WebCrypto, by verify-pack.js: the server is asked only for the pack and the keys to compare. */
async function verifyEvidence() {
  const area = $("evidence-result");
  area.replaceChildren();
  const message = $("view-message");
  let verifier;
  try {
    verifier = await import("./verify-pack.js");
  } catch {
    message.textContent = "The in-browser verifier (verify-pack.js) is not installed on this server; download the pack and run auditctl verify-pack.";
    return;
  }
  const got = await downloadEvidence();
  if (!got) { return; }
  const bar = document.createElement("progress");
  bar.setAttribute("aria-label", "Progress of the evidence pack's verification");
  const status = document.createElement("p");
  status.setAttribute("role", "status");
  status.textContent = "Verifying the evidence pack in this browser…";
  area.append(bar, status);
  try {
    const pack = JSON.parse(await got.blob.text());
    const w = await ask("/audit/witnesses");
    const key = $("pack-key").value.trim();
    const result = await verifier.verifyPack(pack, {
      checkpointKeys: key ? [key] : [],
      witnesses: w.witnesses.map((x) => x.verifierKey),
      threshold: w.quorum,
      onProgress: (done, total) => {
        if (typeof done === "number" && typeof total === "number" && total > 0) { bar.max = total; bar.value = done; }
      },
    });
    bar.max = 1;
    bar.value = 1;
    showPackVerdict(status, result);
  } catch (error) {
    bar.remove();
    status.textContent = "";
    say(message, error);
  }
}

function showPackVerdict(status, result) {
  if (result.ok && result.verified === 0) {
    // A signed checkpoint over none of the entity's events proves nothing about it.
    status.className = "bad";
    status.textContent = "Nothing verified: the pack holds no events under checkpoint size " + result.checkpoint.size +
      ". Ask for the pack again after the next checkpoint.";
    return;
  }
  if (result.ok) {
    const cp = result.checkpoint;
    status.className = "ok";
    status.textContent = "Verified " + plural(result.verified, "event") + " against checkpoint " + cp.origin + " size " + cp.size + "; " +
      (result.cosignedBy.length ? "cosigned by " + result.cosignedBy.join(", ") : "cosigned by no witness") + ".";
    return;
  }
  status.className = "bad";
  status.textContent = "Not verified" + (result.verified ? " (" + plural(result.verified, "event") + " verified)" : "") + ":";
  const list = document.createElement("ul");
  list.className = "failures";
  for (const f of result.failures) {
    const li = document.createElement("li");
    if (typeof f.sequence === "number") { li.append(eventLink(f.sequence), ": " + f.reason); } else { li.textContent = f.reason; }
    list.appendChild(li);
  }
  status.after(list);
}

// ---- all events, paged by the cursor ------------------------------------------------------------------------------

const browse = { filters: null, after: 0, earlier: [], page: 0 };

function browseFilters() {
  const message = $("browse-message");
  message.textContent = "";
  const from = readUtc($("browse-from").value, "Happened from");
  const to = readUtc($("browse-to").value, "Happened to");
  const asOf = readUtc($("browse-as-of").value, "As known at");
  const wrong = from.error || to.error || asOf.error;
  if (wrong) { message.textContent = wrong; return null; }
  return {
    streamKind: $("browse-kind").value, partner: $("browse-partner").value.trim(), type: $("browse-type").value.trim(),
    from: from.iso, to: to.iso, asOf: asOf.iso,
  };
}

async function browsePage(after) {
  const message = $("browse-message");
  try {
    const limit = $("browse-limit").value.trim();
    const page = await ask("/audit/events" + query({ ...browse.filters, after: after || null, limit }));
    browse.after = after;
    showEvents($("browse-events"), page.events, "No events match.");
    browse.next = page.next;
    $("browse-next").disabled = !page.next;
    $("browse-previous").disabled = browse.earlier.length === 0;
    const first = page.events[0];
    const last = page.events[page.events.length - 1];
    $("browse-range").textContent = "Page " + (browse.earlier.length + 1) + (first ? ": sequences " + first.sequence + " to " + last.sequence : "") +
      (page.next ? "" : " (the last page)");
  } catch (error) { say(message, error); }
}

async function browseFirst(event) {
  event.preventDefault();
  browse.filters = browseFilters();
  if (!browse.filters) { return; }
  browse.earlier = [];
  await browsePage(0);
}

/** The query shown (or, before any is shown, the one in the form), to its end. */
async function exportBrowse(format) {
  const filters = browse.filters ?? browseFilters();
  if (!filters) { return; }
  try {
    await download($("browse-transfer"), "/audit/export" + query({ ...filters, format }), "ledger-events." + format, rows(format));
  } catch (error) { say($("browse-message"), error); }
}

// ---- exposure, the access log, one event ---------------------------------------------------------------------------

function cellRow(values) {
  const row = document.createElement("tr");
  for (const value of values) {
    const td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }
  return row;
}

async function showExposure(event) {
  event.preventDefault();
  const message = $("exposure-message");
  message.textContent = "";
  // A refused or failed question leaves no earlier answer on the page to be read as its own.
  $("exposure-summary").textContent = "";
  $("holders").hidden = true;
  const id = $("exposure-id").value.trim();
  const at = readUtc($("exposure-at").value, "At");
  if (at.error) { message.textContent = at.error; return; }
  if (!id) { message.textContent = "Give the disclosure's id (search for it above, or paste it)."; return; }
  try {
    const x = await ask("/audit/exposure/" + encodeURIComponent(id) + query({ at: at.iso }));
    const n = x.holders.length;
    $("exposure-summary").textContent = "At " + utcText(x.at) + ", " + (n === 0 ? "no partner" : n === 1 ? "1 partner" : n + " partners") + " held disclosure " + x.disclosureId + ".";
    const table = $("holders");
    table.tBodies[0].replaceChildren(...x.holders.map((h) => cellRow([h.partner, utcText(h.sharedAt), h.acknowledgedAt ? utcText(h.acknowledgedAt) : "not acknowledged"])));
    table.hidden = n === 0;
  } catch (error) { say(message, error); }
}

async function showAccessLog(event) {
  if (event) { event.preventDefault(); }
  const message = $("access-message");
  message.textContent = "";
  try {
    const log = await ask("/audit/access-log" + query({ by: $("access-by").value.trim() }));
    $("access-log").tBodies[0].replaceChildren(...log.entries.map((e) => cellRow([utcText(e.at), e.by, e.path])));
  } catch (error) { say(message, error); }
}

/** `#event=<sequence>`: one event, as a link from a verification failure or a card points to it. */
async function route() {
  const match = /^#event=(\d+)$/.exec(window.location.hash);
  if (!match || !token) { return; }
  const sequence = Number(match[1]);
  const section = $("event-detail");
  section.hidden = false;
  $("event-title").textContent = "Event " + sequence;
  $("event-message").textContent = "";
  try {
    const page = await ask("/audit/events?after=" + (sequence - 1) + "&limit=1");
    const found = page.events.filter((e) => e.sequence === sequence);
    showEvents($("event-one"), found, "There is no event " + sequence + " in the ledger now: it was deleted, or never written.");
  } catch (error) { say($("event-message"), error); }
  section.scrollIntoView();
}

// ---- wiring --------------------------------------------------------------------------------------------------------

$("sign-in").addEventListener("submit", (event) => { event.preventDefault(); signIn($("token").value.trim()); });
$("sign-out").addEventListener("click", signOut);
$("verify").addEventListener("click", verifyLedger);
$("search-form").addEventListener("submit", find);
$("timeline-form").addEventListener("submit", showTimeline);
$("now").addEventListener("click", () => { $("as-of").value = ""; $("until").value = ""; showTimeline(); });
$("timeline-ndjson").addEventListener("click", () => exportTimeline("ndjson"));
$("timeline-csv").addEventListener("click", () => exportTimeline("csv"));
$("evidence-download").addEventListener("click", downloadEvidence);
$("evidence-verify").addEventListener("click", verifyEvidence);
$("browse-form").addEventListener("submit", browseFirst);
$("browse-next").addEventListener("click", () => { browse.earlier.push(browse.after); browsePage(browse.next); });
$("browse-previous").addEventListener("click", () => browsePage(browse.earlier.pop()));
$("browse-ndjson").addEventListener("click", () => exportBrowse("ndjson"));
$("browse-csv").addEventListener("click", () => exportBrowse("csv"));
$("exposure-form").addEventListener("submit", showExposure);
$("access-form").addEventListener("submit", showAccessLog);
window.addEventListener("hashchange", route);

const stored = sessionStorage.getItem(storageKey);
if (stored) { signIn(stored); }
