"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem("auditToken") || "";

  async function get(path) {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
    if (!response.ok) { throw new Error(response.status + " " + (await response.text())); }
    return response.json();
  }

  function cell(row, text) { const td = document.createElement("td"); td.textContent = text === null || text === undefined ? "" : String(text); row.appendChild(td); }

  async function verify() {
    try {
      const v = await get("/audit/verify");
      $("verdict").textContent = v.verified ? "Verified: " + v.checked + " events match the chain." : "Tampered: event " + v.firstFailure.sequence + " is " + v.firstFailure.reason + ".";
      $("verdict").className = v.verified ? "ok" : "bad";
      $("checkpoint").textContent = v.checkpoint ? "Latest signed checkpoint: event " + v.checkpoint.sequence + ", root " + v.checkpoint.root + ", signed " + v.checkpoint.signedAt : "No checkpoint signed yet.";
    } catch (e) { $("error").textContent = e.message; }
  }

  async function show() {
    $("error").textContent = "";
    const asOf = $("as-of").value ? "?asOf=" + encodeURIComponent(new Date($("as-of").value + "Z").toISOString()) : "";
    try {
      const t = await get("/audit/timeline/" + encodeURIComponent($("kind").value) + "/" + encodeURIComponent($("id").value.trim()) + asOf);
      $("state").textContent = JSON.stringify(t.state, null, 2);
      const body = $("events");
      body.replaceChildren();
      for (const e of t.events) {
        const row = document.createElement("tr");
        cell(row, e.sequence); cell(row, e.occurredAt); cell(row, e.recordedAt); cell(row, e.type); cell(row, JSON.stringify(e.data));
        body.appendChild(row);
      }
    } catch (e) { $("error").textContent = e.message; }
  }

  $("save-token").addEventListener("click", () => { sessionStorage.setItem("auditToken", $("token").value.trim()); $("token").value = ""; verify(); });
  $("show").addEventListener("click", show);
  $("as-of").addEventListener("change", show);
  if (token()) { verify(); }
}());
