// faxage-sim dashboard: live updates over one Server-Sent Events stream, and the actions.
// Hand-written, no build step. Data is only ever shown with textContent; the live region is
// re-rendered by the server (Jinja2, autoescaped) and its parsed nodes swapped in.
"use strict";

(function () {
  const live = document.getElementById("live");
  const liveState = document.getElementById("live-state");
  const flash = document.getElementById("flash");
  let refreshing = false;
  let again = false;
  let selectedSeq = null; // the journal row whose detail is open

  function say(text, bad) {
    flash.textContent = text;
    flash.classList.toggle("bad", Boolean(bad));
  }

  function partialUrl() {
    const url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    return url.toString();
  }

  // Fetch the live region again; changes arriving meanwhile cause one more fetch after it.
  async function refresh() {
    if (!live) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      do {
        again = false;
        const answer = await fetch(partialUrl(), { headers: { Accept: "text/html" } });
        if (!answer.ok) break;
        const parsed = new DOMParser().parseFromString(await answer.text(), "text/html");
        live.replaceChildren(...Array.from(parsed.body.childNodes, (n) => document.adoptNode(n)));
        live.dataset.version = String(Number(live.dataset.version || "0") + 1);
        markSelected();
      } while (again);
    } catch (err) {
      say("could not refresh: " + err, true);
    } finally {
      refreshing = false;
    }
  }

  function connect() {
    const stream = new EventSource("/_sim/ui/events");
    stream.addEventListener("hello", () => {
      liveState.textContent = "live";
      liveState.className = "live-state on";
      document.body.dataset.live = "on";
      refresh(); // anything that happened while the stream was not yet open
    });
    stream.addEventListener("change", () => refresh());
    stream.onerror = () => {
      liveState.textContent = "reconnecting…";
      liveState.className = "live-state off";
      document.body.dataset.live = "off";
    };
  }

  // Every state change: a same-origin fetch with a JSON body (never an HTML form post).
  async function send(method, path, body) {
    const answer = await fetch(path, {
      method: method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    let data = null;
    try { data = await answer.json(); } catch (err) { data = null; }
    if (!answer.ok) {
      const message = data && data.error ? data.error : "HTTP " + answer.status;
      say(message, true);
      throw new Error(message);
    }
    return data;
  }

  async function act(what, method, path, body) {
    say(what + "…");
    try {
      const data = await send(method, path, body);
      say(what + ": done");
      await refresh();
      return data;
    } catch (err) {
      return null;
    }
  }

  function text(form, name) {
    const field = form.elements.namedItem(name);
    return field && field.value ? field.value.trim() : "";
  }

  function faultFrom(form) {
    const kind = text(form, "kind");
    const fault = {};
    if (kind === "ERR01") fault.error = "ERR01";
    else if (kind === "status") fault.status = Number(text(form, "status"));
    else if (kind === "latency") fault.latency = Number(text(form, "seconds") || "1");
    else if (kind === "reset") fault.reset = true;
    else if (kind === "hang") fault.hang = (text(form, "hang_seconds") || "30") + "s";
    const operation = text(form, "operation");
    if (operation) fault.operation = operation;
    const span = text(form, "for");
    if (span) fault.for = span;
    const body = { fault: fault };
    const company = text(form, "company");
    if (company) body.company = company;
    return body;
  }

  function showFaultOptions() {
    const select = document.getElementById("fault-kind");
    if (!select) return;
    document.querySelectorAll("#fault-form .opt").forEach((label) => {
      label.hidden = label.dataset.for !== select.value;
    });
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.id === "fault-kind") showFaultOptions();
    if (target.id === "scenario-name") {
      const option = target.selectedOptions[0];
      document.getElementById("scenario-description").textContent =
        option ? option.dataset.description || "" : "";
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.id === "fault-form") {
      event.preventDefault();
      act("add fault", "POST", "/_sim/faults", faultFrom(form));
    } else if (form.id === "scenario-form") {
      event.preventDefault();
      act("load scenario " + text(form, "name"), "POST", "/_sim/scenario",
        { name: text(form, "name") });
    } else if (form.id === "inbound-form") {
      event.preventDefault();
      const call = { did: text(form, "did") };
      for (const name of ["cid", "tsid", "sender"]) {
        if (text(form, name)) call[name] = text(form, name);
      }
      if (text(form, "pages")) call.pages = Number(text(form, "pages"));
      if (text(form, "duration")) call.duration = Number(text(form, "duration"));
      act("fax call to " + call.did, "POST", "/_sim/inbound", call).then((data) => {
        if (data) say("fax call to " + call.did + ": " + data.outcome +
          (data.recvid ? " (fax " + data.recvid + ")" : ""));
      });
    }
  });

  function openViewer(img) {
    const viewer = document.getElementById("viewer");
    const full = document.getElementById("viewer-img");
    document.getElementById("viewer-title").textContent = img.dataset.title || "";
    full.src = img.dataset.full;
    viewer.showModal();
  }

  async function showRequest(seq) {
    const panel = document.getElementById("request-detail");
    if (!panel) return;
    const answer = await fetch("/_sim/ui/api/requests/" + encodeURIComponent(seq));
    if (!answer.ok) { say("request " + seq + " is no longer in the journal", true); return; }
    const entry = await answer.json();
    document.getElementById("detail-title").textContent =
      "Request " + entry.seq + ": " + (entry.operation || entry.path) + " → " + entry.outcome;
    document.getElementById("detail-fields").textContent = JSON.stringify(entry.fields, null, 2);
    document.getElementById("detail-answer").textContent =
      "HTTP " + entry.status + "\n" + entry.answer;
    const rest = Object.assign({}, entry);
    delete rest.fields; delete rest.row; delete rest.answer;
    document.getElementById("detail-entry").textContent = JSON.stringify(rest, null, 2);
    panel.hidden = false;
    selectedSeq = String(seq);
    markSelected();
  }

  function markSelected() {
    document.querySelectorAll("tr.selected").forEach((row) => row.classList.remove("selected"));
    if (selectedSeq === null) return;
    const row = document.querySelector('tr[data-seq="' + CSS.escape(selectedSeq) + '"]');
    if (row) row.classList.add("selected");
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    const button = target.closest("button[data-action]");
    if (button) {
      const action = button.dataset.action;
      if (action === "advance") {
        act("advance " + button.textContent, "POST", "/_sim/clock/advance",
          { seconds: Number(button.dataset.seconds) });
      } else if (action === "next") {
        act("next event", "POST", "/_sim/ui/api/clock/next", {});
      } else if (action === "idle") {
        act("run until idle", "POST", "/_sim/clock/run-until-idle", {});
      } else if (action === "reset") {
        act("reset", "POST", "/_sim/reset", {});
      } else if (action === "remove-fault") {
        act("remove fault " + button.dataset.fault, "DELETE",
          "/_sim/faults/" + encodeURIComponent(button.dataset.fault), {});
      }
      return;
    }
    const thumb = target.closest("img.thumb");
    if (thumb) { openViewer(thumb); return; }
    const row = target.closest("tr[data-seq]");
    if (row) showRequest(row.dataset.seq);
  });

  document.addEventListener("keydown", (event) => {
    const row = event.target.closest && event.target.closest("tr[data-seq]");
    if (row && event.key === "Enter") showRequest(row.dataset.seq);
  });

  showFaultOptions();
  connect();
})();
