// The desk dashboard's script: live board (Server-Sent Events), countdowns, and actions on the desk API.
"use strict";
(function () {
  const body = document.body;
  const csrf = body.dataset.csrf || "";
  const status = document.getElementById("status");
  let leaving = false; // a split or a merge is under way: the page goes to another incident, not reloads

  function say(text, bad) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("bad", Boolean(bad));
  }

  // countdowns: every element with data-due shows the time left, or how long it is overdue
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      let s = Math.round((due - now) / 1000);
      const over = s < 0;
      s = Math.abs(s);
      const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      const text = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s % 60);
      el.textContent = over ? "−" + text + " " + body.dataset.overdue : text;
      el.classList.toggle("overdue", over);
    });
  }
  tick();
  setInterval(tick, 1000);

  // the live board: refresh the rows whenever the server says something changed
  const rows = document.getElementById("board-rows");
  const live = document.getElementById("live");
  if (rows && window.EventSource) {
    let refreshing = false;
    async function refresh() {
      if (refreshing) return;
      refreshing = true;
      try {
        const response = await fetch(rows.dataset.source, { credentials: "same-origin" });
        if (response.ok) { rows.innerHTML = await response.text(); tick(); }
      } finally { refreshing = false; }
    }
    const events = new EventSource("/desk/events");
    events.addEventListener("changed", refresh);
    events.addEventListener("signed-out", function () { events.close(); window.location.assign("/desk/login"); });
    events.onopen = function () { if (live) { live.textContent = live.dataset.live; live.classList.remove("off"); } };
    events.onerror = function () { if (live) { live.textContent = live.dataset.reconnecting; live.classList.add("off"); } };
  }

  // an incident page follows changes too, unless the person is in the middle of a form
  const incidentPage = document.querySelector("[data-live-page]");
  if (incidentPage && window.EventSource) {
    let editing = false;
    document.querySelectorAll("form input, form select, form textarea").forEach(function (field) {
      field.addEventListener("input", function () { editing = true; });
    });
    const pageEvents = new EventSource("/desk/events?incident=" + encodeURIComponent(incidentPage.dataset.livePage));
    pageEvents.addEventListener("signed-out", function () { pageEvents.close(); });
    pageEvents.addEventListener("changed", function () {
      const active = document.activeElement;
      const inForm = active && active.closest && active.closest("form, details[open]");
      if (!editing && !inForm && !leaving) window.location.reload();
    });
  }

  // actions: each goes to the desk API with the session's CSRF token
  async function call(method, url, payload, contentType) {
    const headers = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    let bodyText;
    if (payload !== undefined) {
      headers["Content-Type"] = contentType || "application/json";
      bodyText = contentType ? payload : JSON.stringify(payload);
    }
    const response = await fetch(url, { method: method, headers: headers, body: bodyText, credentials: "same-origin" });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const message = data && data.error ? data.error.message : response.statusText;
      throw new Error(message);
    }
    return data;
  }

  async function run(button, work) {
    button.disabled = true;
    try {
      await work();
      say(body.dataset.done);
      setTimeout(function () { window.location.reload(); }, 400);
    } catch (error) {
      say(body.dataset.failed + ": " + error.message, true);
      button.disabled = false;
    }
  }

  // a split or a merge answers with the incident to go on with (the new one, or the survivor)
  async function runThenOpen(button, work) {
    button.disabled = true;
    leaving = true;
    try {
      const data = await work();
      say(body.dataset.done);
      window.location.assign("/desk/incidents/" + encodeURIComponent(data.incident_id));
    } catch (error) {
      leaving = false;
      say(body.dataset.failed + ": " + error.message, true);
      button.disabled = false;
    }
  }

  const actions = document.querySelector(".actions[data-incident]");
  const incident = actions ? actions.dataset.incident : null;
  document.querySelectorAll("[data-action]").forEach(function (button) {
    const action = button.dataset.action;
    if (action === "facts" || action === "approve" || action === "edit") return;
    button.addEventListener("click", function () {
      const id = button.dataset.incident || incident || (document.querySelector("[data-incident]") || {}).dataset?.incident;
      const base = "/v1/incidents/" + id;
      if (action === "unsnooze") run(button, function () { return call("POST", base + "/unsnooze"); });
      if (action === "end-snooze") {
        run(button, function () { return call("POST", "/v1/snoozes/" + encodeURIComponent(button.dataset.snooze) + "/end"); });
      }
      if (action === "acknowledge") run(button, function () { return call("POST", base + "/acknowledge"); });
      if (action === "close") run(button, function () { return call("POST", base + "/close"); });
      if (action === "escalate") {
        const target = document.getElementById("escalate-target").value;
        run(button, function () { return call("POST", base + "/escalate", target ? { target: target } : {}); });
      }
      if (action === "split") {
        runThenOpen(button, function () { return call("POST", base + "/alerts/" + encodeURIComponent(button.dataset.alert) + "/split"); });
      }
      if (action === "obligation-done") {
        run(button, function () { return call("POST", base + "/obligations/" + encodeURIComponent(button.dataset.code) + "/done"); });
      }
    });
  });

  const facts = document.getElementById("facts-form");
  if (facts) {
    facts.addEventListener("submit", function (event) {
      event.preventDefault();
      const form = new FormData(facts);
      const changes = {};
      const count = form.get("affected_count");
      if (count !== "") changes.affected_count = Number(count);
      changes.encryption = form.get("encryption");
      const malicious = form.get("malicious");
      changes.malicious = malicious === "" ? null : malicious === "true";
      changes.publicly_viewable = form.get("publicly_viewable") === "true";
      changes.recovered_before_access = form.get("recovered_before_access") === "true";
      run(facts.querySelector("button"), function () { return call("POST", "/v1/incidents/" + incident + "/facts", changes); });
    });
  }

  // a snooze: the filter fields given, the reason, and either a duration or an end time (local time)
  const snoozeForm = document.getElementById("snooze-form");
  if (snoozeForm) {
    snoozeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const form = new FormData(snoozeForm);
      const snooze = { reason: form.get("reason") };
      ["source", "rule", "asset", "actor"].forEach(function (field) {
        const value = String(form.get(field) || "").trim();
        if (value) snooze[field] = value;
      });
      const until = form.get("until");
      if (until) snooze.until = new Date(until).toISOString();
      else snooze.minutes = Number(form.get("minutes"));
      run(snoozeForm.querySelector("button"), function () { return call("POST", "/v1/snoozes", snooze); });
    });
  }

  const merge = document.getElementById("merge-form");
  if (merge) {
    merge.addEventListener("submit", function (event) {
      event.preventDefault();
      const into = new FormData(merge).get("into");
      if (!into) return;
      runThenOpen(merge.querySelector("button"), function () {
        return call("POST", "/v1/incidents/" + incident + "/merge", { into: into });
      });
    });
  }

  document.querySelectorAll("form.edit-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const data = new FormData(form);
      const url = "/v1/incidents/" + form.dataset.incident + "/notices/" + form.dataset.notice;
      run(form.querySelector("button"), function () {
        return call("PUT", url, { subject: data.get("subject"), body: data.get("body") });
      });
    });
  });

  const approve = document.getElementById("approve-form");
  if (approve) {
    const file = document.getElementById("recipients-file");
    const area = document.getElementById("recipients");
    if (file && area) {
      file.addEventListener("change", async function () {
        if (file.files && file.files[0]) area.value = await file.files[0].text();
      });
    }
    approve.addEventListener("submit", function (event) {
      event.preventDefault();
      const url = "/v1/incidents/" + approve.dataset.incident + "/notices/" + approve.dataset.notice + "/approve";
      let text = area ? area.value.trim() : "";
      if (text && !/^\s*email\b/i.test(text)) text = "email,name,language\n" + text;
      const button = approve.querySelector("button");
      run(button, function () {
        return approve.dataset.kind === "data_subject" ? call("POST", url, text + "\n", "text/csv") : call("POST", url, {});
      });
    });
  }
})();
