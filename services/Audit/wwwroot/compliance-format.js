// What the compliance page says: times, event bodies as fields, and the sentences for refusals. No I/O here.

const pad = (n) => String(n).padStart(2, "0");

/** An instant as `2017-05-24 21:00 UTC` (seconds only when there are any), never in a locale's format. */
export function utcText(value) {
  if (value === null || value === undefined || value === "") { return "—"; }
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) { return String(value); }
  const seconds = date.getUTCSeconds() ? ":" + pad(date.getUTCSeconds()) : "";
  return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate()) + " " +
    pad(date.getUTCHours()) + ":" + pad(date.getUTCMinutes()) + seconds + " UTC";
}

const instantPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(?:Z|UTC)?$/i;

/**
 * A time typed into the page, read as UTC: `2017-05-24 18:00`, `2017-05-24T18:00:30Z` or a date alone (midnight).
 * Answers { iso } (null when empty) or { error } with the sentence to show.
 */
export function readUtc(text, label) {
  const value = text.trim();
  if (value === "") { return { iso: null }; }
  const m = instantPattern.exec(value);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60) {
      return { iso: date.toISOString().replace(".000Z", "Z") };
    }
  }

  return { error: "“" + label + "” needs a UTC time written as YYYY-MM-DD HH:MM, such as 2017-05-24 18:00." };
}

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A readable value: an object as a definition list, a list of scalars as one line, instants in UTC. */
export function fields(value) {
  if (value === null || value === undefined) { return text("—"); }
  if (Array.isArray(value)) {
    if (value.length === 0) { return text("none"); }
    if (value.every((v) => v === null || typeof v !== "object")) { return text(value.map(scalar).join(", ")); }
    const list = document.createElement("ol");
    list.className = "nested";
    for (const item of value) {
      const li = document.createElement("li");
      li.appendChild(fields(item));
      list.appendChild(li);
    }
    return list;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) { return text("—"); }
    const dl = document.createElement("dl");
    dl.className = "fields-list";
    for (const [name, inner] of entries) {
      const group = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.appendChild(fields(inner));
      group.append(dt, dd);
      dl.appendChild(group);
    }
    return dl;
  }
  return text(scalar(value));
}

function scalar(value) {
  if (value === null || value === undefined) { return "—"; }
  if (typeof value === "string" && isoInstant.test(value)) { return utcText(value); }
  return String(value);
}

function text(value) {
  const span = document.createElement("span");
  span.textContent = value;
  return span;
}

/** The payload of a JWT, decoded only to word messages and show who is signed in (the server decides); null if it is none. */
export function tokenClaims(token) {
  const parts = token.split(".");
  if (parts.length !== 3) { return null; }
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(parts[1].length / 4) * 4, "=");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json);
    return claims && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

export const pageRoles = ["compliance", "admin"];

function withArticle(role) { return (/^[aeiou]/i.test(role) ? "an " : "a ") + role; }

function rolesOf(claims) {
  const role = claims && claims.role;
  return Array.isArray(role) ? role : role ? [String(role)] : [];
}

/** Who a token names, for the signed-in line. */
export function describeToken(claims) {
  const roles = rolesOf(claims);
  return {
    who: (claims && claims.sub) || "unknown",
    role: roles.join(", ") || "no role",
    partner: claims && claims.partner ? String(claims.partner) : null,
    expires: claims && typeof claims.exp === "number" ? utcText(new Date(claims.exp * 1000)) : null,
  };
}

/** One plain sentence for a token the service refused (401 or 403), or that could not be sent. */
export function refusal(status, token, now) {
  const claims = tokenClaims(token);
  if (status === 0) { return "The Audit service could not be reached; check that it is running and try again."; }
  if (!token) { return "Paste a token first."; }
  if (!claims) { return "That is not a token: paste the whole token, three parts separated by dots."; }
  if (status === 401) {
    if (typeof claims.exp === "number" && claims.exp * 1000 <= now) {
      return "This token expired at " + utcText(new Date(claims.exp * 1000)) + "; ask for a new one.";
    }
    return "The Audit service does not accept this token: it was not issued for this deployment, or is not valid yet.";
  }
  if (status === 403) {
    const roles = rolesOf(claims);
    const held = roles.length ? "This token is for " + roles.map(withArticle).join(" and ") : "This token carries no role";
    return held + "; the compliance page needs a compliance or admin token.";
  }
  return "The Audit service answered " + status + "; try again.";
}

/** One plain sentence for a refused query: the problem's field errors, or its title. */
export function problemSentence(status, problem) {
  if (status === 0) { return "The Audit service could not be reached; check that it is running and try again."; }
  if (problem && problem.errors && typeof problem.errors === "object") {
    const parts = Object.entries(problem.errors).map(([name, messages]) => "“" + name + "” " + [].concat(messages).join(" and ").replace(/\.$/, ""));
    if (parts.length) { return "The query was refused: " + parts.join("; ") + "."; }
  }
  if (status === 404) { return "Nothing found: " + ((problem && (problem.detail || problem.title)) || "the service has no such record").replace(/\.$/, "") + "."; }
  if (status === 403) { return "Your token does not allow this; it needs an admin token."; }
  const title = problem && problem.title ? ": " + problem.title.replace(/\.$/, "") : "";
  return "The Audit service answered " + status + title + ".";
}

/** `1 event`, `2 events`. */
export function plural(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

/** A size in bytes as `3.4 KiB`. */
export function bytesText(bytes) {
  if (bytes < 1024) { return bytes + " B"; }
  if (bytes < 1024 * 1024) { return (bytes / 1024).toFixed(1) + " KiB"; }
  return (bytes / 1024 / 1024).toFixed(1) + " MiB";
}
