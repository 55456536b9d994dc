// Verifies an evidence pack (the JSON of GET /audit/evidence/{kind}/{id}) in the browser with WebCrypto alone: no
// request leaves the page. It gives the verdict of the service's offline check (OfflineCheck.Pack in
// services/Audit/Chain, which `auditctl verify-pack` runs), but goes on past the first failure so that every altered
// event is named. Each step below follows the C# code it names; docs/services/audit.md describes the formats.

const LEAF_ENCODING = "auditplatform-leaf/v1";
const SIGNATURE_PREFIX = "\u2014 "; // em dash and space: every signature line of a signed note (CheckpointNote)
const MAX_SIGNATURES = 32;
const NOTE_KEY_TYPE = 0x01; // Ed25519 signed-note key (CheckpointNote.Ed25519Type)
const COSIGNATURE_KEY_TYPE = 0x04; // Ed25519 tlog-cosignature key (Cosignature.Type)
const MAX_JSON_DEPTH = 64; // System.Text.Json's default: deeper bodies make the C# check throw
const INT64_MAX = 0x7fffffffffffffffn;

const encoder = new TextEncoder();

/**
 * Checks every event of the pack: its leaf hash recomputed from the raw row (auditplatform-leaf/v1), its inclusion
 * path folded to the checkpoint's root (RFC 6962), the checkpoint's signature (a C2SP signed note with Ed25519, or the
 * older ECDSA P-256 statement), and the witnesses' cosignatures (C2SP tlog-cosignature) on its note.
 *
 * checkpointKeys: the log's verifier key(s) (`name+keyhash+base64`) or, for a checkpoint from before notes, its base64
 * ECDSA public key; one that verifies is enough. Without any, the checkpoint's own key is used, which proves only that
 * the pack is self-consistent (as `auditctl verify-pack` without --public-key).
 * witnesses: cosignature verifier keys; `ok` needs valid cosignatures from at least `threshold` of them.
 * Failures that concern the checkpoint rather than one event have `sequence: null`.
 */
export async function verifyPack(pack, { checkpointKeys, witnesses = [], threshold = 0, onProgress } = {}) {
  const events = Array.isArray(pack?.events) ? pack.events : [];
  const progress = typeof onProgress === "function" ? onProgress : () => {};
  const failures = [];
  const verdict = (verified, checkpoint, cosignedBy) => ({ ok: failures.length === 0, verified, checkpoint, cosignedBy, failures });

  if (pack?.leafEncoding !== LEAF_ENCODING) {
    failures.push({ sequence: null, reason: `the pack's leaf encoding is ${JSON.stringify(pack?.leafEncoding ?? null)}, not ${LEAF_ENCODING}` });
    return verdict(0, { origin: null, size: null, root: null }, []);
  }

  let checkpoint;
  try {
    checkpoint = readCheckpoint(pack.checkpoint);
  } catch (e) {
    failures.push({ sequence: null, reason: `the checkpoint is malformed: ${e.message}` });
    return verdict(0, { origin: null, size: null, root: null }, []);
  }

  const stated = checkpoint.note === null ? null : parseCheckpointText(checkpoint.note);
  const summary = { origin: stated?.origin ?? null, size: stated ? Number(stated.size) : checkpoint.size, root: checkpoint.root };

  const keys = (typeof checkpointKeys === "string" ? [checkpointKeys] : [...(checkpointKeys ?? [])]).filter((k) => typeof k === "string" && k.length > 0);
  const signed = await checkpointSigned(checkpoint, keys.length > 0 ? keys : [null]);
  if (!signed) {
    failures.push({ sequence: null, reason: keys.length > 0 ? "checkpoint signature does not verify with the given key" : "checkpoint signature does not verify with its own key" });
  }

  const trusted = await Promise.all(witnesses.map(async (key) => ({ name: (await parseVerifierKey(key, COSIGNATURE_KEY_TYPE))?.name ?? String(key), key })));
  const cosignedBy = checkpoint.note === null ? [] : await cosigners(checkpoint.note, trusted);
  if (threshold > 0 && cosignedBy.length < threshold) {
    failures.push({ sequence: null, reason: unwitnessed(cosignedBy, trusted, threshold) });
  }

  const root = hexBytes(checkpoint.root);
  let passed = 0;
  let paused = performance.now();
  progress(0, events.length);
  for (const [index, row] of events.entries()) {
    const reason = await eventFailure(row, root);
    if (reason === null) {
      passed++;
    } else {
      failures.push({ sequence: Number.isSafeInteger(row?.sequence) ? row.sequence : null, reason });
    }

    progress(index + 1, events.length);
    if (performance.now() - paused > 50) {
      // Let the page paint its progress on a large pack.
      await new Promise((resolve) => setTimeout(resolve, 0));
      paused = performance.now();
    }
  }

  // An event only counts as verified against a root the log is known to have signed.
  return verdict(signed ? passed : 0, summary, cosignedBy);
}

// ---- One event (OfflineCheck.Pack's loop) ----

async function eventFailure(row, root) {
  let e;
  try {
    e = readEvent(row);
  } catch (error) {
    return `the event is malformed: ${error.message}`;
  }

  let body;
  try {
    body = JSON.parse(e.rawData);
  } catch {
    return "its raw body is not JSON";
  }

  if (deeperThan(body, MAX_JSON_DEPTH)) {
    return `its raw body nests deeper than ${MAX_JSON_DEPTH} levels, which the offline checker does not read`;
  }

  if (!sameJson(body, row.data)) {
    return "its shown body differs from the raw body that is hashed";
  }

  const leaf = await leafHash(e, body);
  if (leaf === null) {
    return "its recorded time is not a date-time";
  }

  if (hex(leaf) !== row.leafHash) {
    return "leaf hash does not match its body";
  }

  return (await leadsTo(leaf, row.path, root)) ? null : "inclusion proof does not lead to the checkpoint root";
}

function readEvent(row) {
  if (row === null || typeof row !== "object") {
    throw new Error("it is not an object");
  }

  for (const name of ["sequence", "version"]) {
    if (!Number.isSafeInteger(row[name])) {
      throw new Error(`its ${name} is not a whole number`);
    }
  }

  for (const name of ["streamKey", "type", "recordedAt", "rawData"]) {
    if (typeof row[name] !== "string") {
      throw new Error(`its ${name} is not a string`);
    }
  }

  if (!("data" in row)) {
    throw new Error("it has no data");
  }

  if (!Array.isArray(row.path) || row.path.some((s) => s === null || typeof s !== "object" || !("side" in s) || !("hash" in s))) {
    throw new Error("its path is not a list of { side, hash }");
  }

  return row;
}

// ---- The leaf encoding auditplatform-leaf/v1 (LeafEncoding.LeafHash) ----

/** SHA-256(0x00 ‖ seven fields, each a 4-byte big-endian length and its UTF-8 bytes); null when recordedAt is no date-time. */
async function leafHash(e, body) {
  const recorded = leafTime(e.recordedAt);
  if (recorded === null) {
    return null;
  }

  const fields = [String(e.sequence), e.streamKey, String(e.version), e.type, occurredAt(body) ?? "", recorded, e.rawData].map((f) => encoder.encode(f));
  const data = new Uint8Array(1 + fields.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(data.buffer);
  let at = 1;
  for (const field of fields) {
    view.setUint32(at, field.length);
    data.set(field, at + 4);
    at += 4 + field.length;
  }

  return sha256(data);
}

/**
 * The body's world time as the leaf states it: the first top-level property named OccurredAt in any ASCII case whose
 * value is a date-time string (LeafEncoding.OccurredAtOf); null when there is none.
 */
function occurredAt(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return null;
  }

  for (const [name, value] of Object.entries(body)) {
    if (name.length === 10 && name.replace(/[A-Z]/g, (c) => c.toLowerCase()) === "occurredat" && typeof value === "string") {
      const time = leafTime(value);
      if (time !== null) {
        return time;
      }
    }
  }

  return null;
}

// System.Text.Json's ISO 8601 profile: a date, optionally a time to the minute, seconds, up to 16 fraction digits
// (the first 7 count), and an offset of Z, ±hh or ±hh:mm.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{0,16}))?)?(Z|[+-]\d{2}(?::\d{2})?)?)?$/;

/**
 * A date-time as the leaf writes it: UTC, `yyyy-MM-ddTHH:mm:ss.ffffffZ` (LeafEncoding.Time); null when System.Text.Json
 * would not read it as one. A time without an offset is taken as UTC, as the service (which runs in UTC) reads it.
 */
function leafTime(text) {
  const m = ISO_TIME.exec(text);
  if (m === null || (m[7] === "" && m[8] === undefined)) {
    return null;
  }

  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((d) => (d === undefined ? undefined : Number(d)));
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return null;
  }

  let offset = 0;
  if (m[8] !== undefined && m[8] !== "Z") {
    const [hours, minutes = 0] = m[8].slice(1).split(":").map(Number);
    if (hours > 14 || minutes > 59 || (hours === 14 && minutes !== 0)) {
      return null;
    }

    offset = (m[8][0] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }

  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offset, second, 0);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) {
    return null;
  }

  const two = (n) => String(n).padStart(2, "0");
  const fraction = ((m[7] ?? "") + "000000").slice(0, 6);
  return `${String(utc.getUTCFullYear()).padStart(4, "0")}-${two(utc.getUTCMonth() + 1)}-${two(utc.getUTCDate())}T${two(utc.getUTCHours())}:${two(utc.getUTCMinutes())}:${two(utc.getUTCSeconds())}.${fraction}Z`;
}

function daysIn(year, month) {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

// ---- The Merkle tree (Merkle.VerifyInclusion, RFC 6962) ----

async function leadsTo(leaf, path, root) {
  if (root === null) {
    return false;
  }

  let hash = leaf;
  for (const step of path) {
    const sibling = hexBytes(step.hash);
    if (sibling === null || (step.side !== "left" && step.side !== "right")) {
      return false;
    }

    hash = step.side === "left" ? await nodeHash(sibling, hash) : await nodeHash(hash, sibling);
  }

  return equalBytes(hash, root);
}

function nodeHash(left, right) {
  const data = new Uint8Array(65);
  data[0] = 0x01;
  data.set(left, 1);
  data.set(right, 33);
  return sha256(data);
}

// ---- The checkpoint's signature (CheckpointSignature.Verify) ----

function readCheckpoint(c) {
  if (c === null || typeof c !== "object") {
    throw new Error("it is not an object");
  }

  if (!Number.isSafeInteger(c.sequence)) {
    throw new Error("its sequence is not a whole number");
  }

  for (const name of ["root", "signedAt", "signature", "publicKey"]) {
    if (typeof c[name] !== "string") {
      throw new Error(`its ${name} is not a string`);
    }
  }

  const signedAt = leafTime(c.signedAt);
  if (signedAt === null) {
    throw new Error("its signedAt is not a date-time");
  }

  if (typeof c.size === "number" && !Number.isSafeInteger(c.size)) {
    throw new Error("its size is not a whole number");
  }

  return {
    sequence: c.sequence, root: c.root, signedAt, signature: c.signature, publicKey: c.publicKey,
    size: typeof c.size === "number" ? c.size : null,
    note: typeof c.note === "string" ? c.note : null,
    verifierKey: typeof c.verifierKey === "string" ? c.verifierKey : null,
  };
}

async function checkpointSigned(checkpoint, keys) {
  for (const key of keys) {
    if (await signedBy(checkpoint, key)) {
      return true;
    }
  }

  return false;
}

/**
 * A note verifier key checks the note, which must state the checkpoint's root and size; an ECDSA key checks the older
 * statement (and a note, if any, must still agree). A null key means the checkpoint's own.
 */
async function signedBy(checkpoint, trustedKey) {
  const byNote = trustedKey !== null ? (await parseVerifierKey(trustedKey, NOTE_KEY_TYPE)) !== null : checkpoint.note !== null;
  if (byNote) {
    const verifierKey = trustedKey ?? checkpoint.verifierKey;
    const body = checkpoint.note === null || verifierKey === null ? null : await verifyNote(checkpoint.note, verifierKey);
    return body !== null && states(body, checkpoint);
  }

  if (checkpoint.note !== null) {
    const body = parseCheckpointText(checkpoint.note);
    if (body === null || !states(body, checkpoint)) {
      return false;
    }
  }

  return verifyStatement(checkpoint, trustedKey);
}

function states(body, checkpoint) {
  return hex(body.root) === checkpoint.root && (checkpoint.size === null || BigInt(checkpoint.size) === body.size);
}

/** The ECDSA P-256/SHA-256 signature (DER, base64) over `auditplatform-checkpoint/v1\n<sequence>\n<root>\n<signedAt>`. */
async function verifyStatement(checkpoint, expectedKey) {
  if (expectedKey !== null && expectedKey !== checkpoint.publicKey) {
    return false;
  }

  const spki = base64Bytes(checkpoint.publicKey);
  const der = base64Bytes(checkpoint.signature);
  const signature = der === null ? null : derToRaw(der);
  if (spki === null || signature === null) {
    return false;
  }

  const statement = `auditplatform-checkpoint/v1\n${checkpoint.sequence}\n${checkpoint.root}\n${checkpoint.signedAt}`;
  try {
    const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, encoder.encode(statement));
  } catch {
    return false;
  }
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` (strict, as .NET reads it) to the 64 bytes r ‖ s that WebCrypto verifies. */
function derToRaw(der) {
  if (der.length < 2 || der[0] !== 0x30 || der[1] >= 0x80 || der[1] !== der.length - 2) {
    return null;
  }

  const raw = new Uint8Array(64);
  let at = 2;
  for (const offset of [0, 32]) {
    if (at + 2 > der.length || der[at] !== 0x02 || der[at + 1] >= 0x80) {
      return null;
    }

    const length = der[at + 1];
    let integer = der.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    if (length === 0 || integer.length !== length || integer[0] & 0x80 || (length > 1 && integer[0] === 0 && !(integer[1] & 0x80))) {
      return null; // empty, negative or not minimal
    }

    integer = integer[0] === 0 && length > 1 ? integer.subarray(1) : integer;
    if (integer.length > 32) {
      return null;
    }

    raw.set(integer, offset + 32 - integer.length);
  }

  return at === der.length ? raw : null;
}

// ---- C2SP signed notes and checkpoints (CheckpointNote) ----

/** The checkpoint the note states when a signature line of the key's name and ID verifies and none of them fails; else null. */
async function verifyNote(note, verifierKey) {
  const key = await parseVerifierKey(verifierKey, NOTE_KEY_TYPE);
  const split = splitNote(note);
  if (key === null || split === null) {
    return null;
  }

  let verified = false;
  for (const line of split.signatures) {
    const space = line.indexOf(" ", SIGNATURE_PREFIX.length);
    if (space < 0 || line.slice(SIGNATURE_PREFIX.length, space) !== key.name) {
      continue;
    }

    const signature = base64Bytes(line.slice(space + 1));
    if (signature === null) {
      return null;
    }

    if (signature.length < 4 || !equalBytes(signature.subarray(0, 4), key.id)) {
      continue; // another key of the same name (a rotated key): ignored
    }

    if (signature.length !== 4 + 64 || !(await ed25519Verify(key.publicKey, signature.subarray(4), encoder.encode(split.text)))) {
      return null;
    }

    verified = true;
  }

  return verified ? parseCheckpointText(split.text) : null;
}

/** The note's text (up to its last blank line, with the final newline) and its signature lines; null when it is no signed note. */
function splitNote(note) {
  if (typeof note !== "string" || !note.endsWith("\n") || /[\u0000-\u0009\u000b-\u001f]/.test(note)) {
    return null;
  }

  const blank = note.lastIndexOf("\n\n");
  if (blank < 0) {
    return null;
  }

  const signatures = note.slice(blank + 2, -1).split("\n");
  if (signatures.length > MAX_SIGNATURES || signatures.some((line) => !line.startsWith(SIGNATURE_PREFIX))) {
    return null;
  }

  return { text: note.slice(0, blank + 1), signatures };
}

/** Origin, size (a BigInt) and root (32 bytes) of a tlog-checkpoint text or note; null when it states none. */
function parseCheckpointText(noteOrText) {
  const text = splitNote(noteOrText)?.text ?? noteOrText;
  const lines = text.split("\n");
  if (lines.length < 4 || lines.at(-1) !== "" || lines.slice(0, -1).some((l) => l === "") || !isKeyName(lines[0])) {
    return null;
  }

  if (!/^(0|[1-9][0-9]*)$/.test(lines[1]) || BigInt(lines[1]) > INT64_MAX) {
    return null;
  }

  const root = base64Bytes(lines[2]);
  return root !== null && root.length === 32 ? { origin: lines[0], size: BigInt(lines[1]), root } : null;
}

/** A key name holds no whitespace (as .NET's char.IsWhiteSpace counts it), no '+' and no control character. */
function isKeyName(name) {
  return name.length > 0 && !/[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000+\u0000-\u001f\u007f-\u009f]/.test(name);
}

/** `<name>+<8 hex digits of the key ID>+<base64(type ‖ 32-byte Ed25519 key)>`, the ID checked against the key; null when not one. */
async function parseVerifierKey(verifierKey, type) {
  if (typeof verifierKey !== "string") {
    return null;
  }

  // Split at the first two '+' only: a key name holds none, but the base64 key may.
  const first = verifierKey.indexOf("+");
  const second = first < 0 ? -1 : verifierKey.indexOf("+", first + 1);
  if (second < 0) {
    return null;
  }

  const [name, id, key] = [verifierKey.slice(0, first), verifierKey.slice(first + 1, second), base64Bytes(verifierKey.slice(second + 1))];
  if (!isKeyName(name) || !/^[0-9a-fA-F]{8}$/.test(id) || key === null || key.length !== 33 || key[0] !== type) {
    return null;
  }

  const keyId = hexBytes(id, 4);
  if (!equalBytes(await keyIdOf(name, type, key.subarray(1)), keyId)) {
    return null;
  }

  const publicKey = await importEd25519(key.subarray(1));
  return publicKey === null ? null : { name, id: keyId, publicKey };
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]. */
async function keyIdOf(name, type, publicKey) {
  const nameBytes = encoder.encode(name);
  const data = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  data.set(nameBytes);
  data[nameBytes.length] = 0x0a;
  data[nameBytes.length + 1] = type;
  data.set(publicKey, nameBytes.length + 2);
  return (await sha256(data)).subarray(0, 4);
}

// ---- Witness cosignatures (Cosignature, C2SP tlog-cosignature) ----

/** The names of the trusted witnesses whose cosignature on the note verifies, each once. */
async function cosigners(note, trusted) {
  const names = [];
  for (const witness of trusted) {
    if (!names.includes(witness.name) && (await cosigned(note, witness.key))) {
      names.push(witness.name);
    }
  }

  return names;
}

/** Whether the witness cosigned the note: a line of its name and key ID verifies, and no such line fails. */
async function cosigned(note, verifierKey) {
  const key = await parseVerifierKey(verifierKey, COSIGNATURE_KEY_TYPE);
  const split = splitNote(note);
  if (key === null || split === null) {
    return false;
  }

  let verified = false;
  for (const line of split.signatures) {
    const space = line.indexOf(" ", SIGNATURE_PREFIX.length);
    if (space < 0 || line.slice(SIGNATURE_PREFIX.length, space) !== key.name) {
      continue;
    }

    const bytes = base64Bytes(line.slice(space + 1));
    if (bytes === null || bytes.length < 4) {
      return false; // a line under the witness's name that is not base64 cannot be told from a forged one
    }

    if (!equalBytes(bytes.subarray(0, 4), key.id)) {
      continue;
    }

    const timestamp = bytes.length === 4 + 8 + 64 ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(4) : null;
    if (timestamp === null || timestamp > INT64_MAX) {
      return false;
    }

    const message = encoder.encode(`cosignature/v1\ntime ${timestamp}\n${split.text}`);
    if (!(await ed25519Verify(key.publicKey, bytes.subarray(12), message))) {
      return false;
    }

    verified = true;
  }

  return verified;
}

/** The reason OfflineCheck.Witnessed gives when too few trusted witnesses cosigned. */
function unwitnessed(cosignedBy, trusted, threshold) {
  const missing = [...new Set(trusted.map((w) => w.name))].filter((name) => !cosignedBy.includes(name));
  return `the checkpoint is cosigned by ${cosignedBy.length} of ${threshold} required witnesses` +
    (cosignedBy.length > 0 ? ` (${cosignedBy.join(", ")})` : "") + `; missing or invalid: ${missing.join(", ")}`;
}

// ---- WebCrypto and bytes ----

async function importEd25519(raw) {
  try {
    return await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    if (e?.name === "NotSupportedError") {
      throw new Error("This browser's WebCrypto cannot verify Ed25519 signatures, so it cannot check this checkpoint; use auditctl verify-pack.");
    }

    return null;
  }
}

function ed25519Verify(publicKey, signature, data) {
  return crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, data);
}

async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** Standard base64 as .NET's Convert reads it: spaces, tabs and line breaks ignored, padding required; null when invalid. */
function base64Bytes(text) {
  const compact = text.replace(/[ \t\r\n]/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    return null;
  }

  return Uint8Array.from(atob(compact), (c) => c.charCodeAt(0));
}

/** The bytes of a hex string of exactly `length` bytes (a 32-byte hash by default), either case; null otherwise. */
function hexBytes(text, length = 32) {
  if (typeof text !== "string" || text.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(text)) {
    return null;
  }

  return Uint8Array.from({ length }, (_, i) => parseInt(text.slice(i * 2, i * 2 + 2), 16));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** JSON values equal as System.Text.Json's JsonElement.DeepEquals compares them: objects by their set of properties. */
function sameJson(a, b) {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return a === b;
  }

  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }

  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((n) => Object.hasOwn(b, n) && sameJson(a[n], b[n]));
}

/** Whether objects and arrays nest more than `levels` deep in the value. */
function deeperThan(value, levels) {
  if (value === null || typeof value !== "object") {
    return false;
  }

  return levels === 0 || Object.values(value).some((v) => deeperThan(v, levels - 1));
}
