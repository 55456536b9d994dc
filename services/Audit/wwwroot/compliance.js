"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem("auditToken") || "";
  let subject = null;

  async function get(path) {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
    if (!response.ok) { throw new Error(response.status + " " + (await response.text())); }
    return response.json();
  }

  function cell(row, text) { const td = document.createElement("td"); td.textContent = text === null || text === undefined ? "" : String(text); row.appendChild(td); }
  function utc(input) { return input.value ? new Date(input.value + "Z").toISOString() : null; }

  async function verify() {
    try {
      const v = await get("/audit/verify");
      $("verdict").textContent = v.verified ? "Verified: " + v.checked + " events match the chain." : "Tampered: event " + v.firstFailure.sequence + " is " + v.firstFailure.reason + ".";
      $("verdict").className = v.verified ? "ok" : "bad";
      $("checkpoint").textContent = v.checkpoint ? "Latest signed checkpoint: event " + v.checkpoint.sequence + ", root " + v.checkpoint.root + ", signed " + v.checkpoint.signedAt : "No checkpoint signed yet.";
      witnesses(await get("/audit/witnesses"));
    } catch (e) { $("error").textContent = e.message; }
  }

  // Whether the latest checkpoint has the quorum of partner witnesses' cosignatures, and any refusal that points at a fork.
  function witnesses(w) {
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

  async function find() {
    $("error").textContent = "";
    const kind = $("kind").value;
    try {
      const found = await get("/audit/streams?q=" + encodeURIComponent($("q").value.trim()) + (kind ? "&kind=" + encodeURIComponent(kind) : ""));
      const list = $("results");
      list.replaceChildren();
      if (found.streams.length === 0) { const li = document.createElement("li"); li.textContent = "Nothing found."; list.appendChild(li); }
      for (const s of found.streams) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "hit";
        button.textContent = s.kind + " " + s.id + (s.summary ? " — " + s.summary : "");
        button.addEventListener("click", () => { subject = s; show(); });
        li.appendChild(button);
        list.appendChild(li);
      }
      if (found.streams.length === 1) { subject = found.streams[0]; show(); }
    } catch (e) { $("error").textContent = e.message; }
  }

  async function show() {
    if (!subject) { return; }
    $("error").textContent = "";
    const query = [];
    if (utc($("as-of"))) { query.push("asOf=" + encodeURIComponent(utc($("as-of")))); }
    if (utc($("until"))) { query.push("until=" + encodeURIComponent(utc($("until")))); }
    try {
      const t = await get("/audit/timeline/" + encodeURIComponent(subject.kind) + "/" + encodeURIComponent(subject.id) + (query.length ? "?" + query.join("&") : ""));
      $("subject").textContent = t.kind + " " + t.id + " as known at " + t.asOf + (t.until ? ", world time up to " + t.until : "");
      $("state").textContent = JSON.stringify(t.state, null, 2);
      const body = $("events");
      body.replaceChildren();
      for (const e of t.events) {
        const row = document.createElement("tr");
        cell(row, e.sequence); cell(row, e.occurredAt); cell(row, e.recordedAt); cell(row, e.type); cell(row, JSON.stringify(e.data));
        body.appendChild(row);
      }
      if (t.events.length === 0) { const row = document.createElement("tr"); cell(row, ""); cell(row, "nothing recorded in this window"); body.appendChild(row); }
    } catch (e) { $("error").textContent = e.message; }
  }

  $("save-token").addEventListener("click", () => { sessionStorage.setItem("auditToken", $("token").value.trim()); $("token").value = ""; verify(); });
  $("find").addEventListener("click", find);
  $("q").addEventListener("keydown", (e) => { if (e.key === "Enter") { find(); } });
  $("as-of").addEventListener("change", show);
  $("until").addEventListener("change", show);
  $("now").addEventListener("click", () => { $("as-of").value = ""; $("until").value = ""; show(); });
  if (token()) { verify(); }
}());
