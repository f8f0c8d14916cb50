// The operator UI: buttons post without reloading the page, and live pages refresh their content
// when the server pushes a change over /ws/ui/ (a slow refresh takes over while the socket is down).
(function () {
  "use strict";

  const FALLBACK_REFRESH_MS = 30000;
  const REFRESH_DEBOUNCE_MS = 500; // a busy queue refreshes the page at most twice a second
  const FATAL_CLOSE = { 4401: "logged out", 4403: "live updates refused" };
  const live = document.body.dataset.live === "1";
  const status = document.getElementById("live-status");
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  let busy = false;
  let refreshTimer = null;
  let fallbackTimer = null;
  let lastPulse = null;
  let retryMs = 1000;

  function content() { return document.getElementById("content"); }

  function flash(text, kind) {
    let list = content().querySelector(".flash");
    if (!list) {
      list = document.createElement("ul");
      list.className = "flash";
      list.setAttribute("role", "status");
      content().prepend(list);
    }
    const li = document.createElement("li");
    li.className = kind || "error";
    li.textContent = text;
    list.appendChild(li);
  }

  // Fetch a page of this UI and put its content in place of ours (messages included).
  async function swap(url, init) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, init || {}));
    const target = new URL(response.url);
    if (!target.pathname.startsWith("/ui/")) { window.location.href = response.url; return; } // e.g. the login page
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("content");
    if (!fresh) {
      if (!response.ok) throw new Error("The server answered HTTP " + response.status);
      window.location.href = response.url;
      return;
    }
    content().replaceWith(fresh);
    if (target.href !== window.location.href) window.history.replaceState(null, "", target.href);
  }

  async function refresh() {
    if (busy) { schedule(); return; }
    busy = true;
    try { await swap(window.location.href); } catch (_) { /* the next push or fallback tries again */ }
    finally { busy = false; }
  }

  function schedule() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refresh, REFRESH_DEBOUNCE_MS);
  }

  // Buttons: POST with the form's CSRF token, follow the redirect back, show its messages.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-async")) return;
    event.preventDefault();
    if (form.dataset.sending === "1") return; // a double click posts once
    form.dataset.sending = "1";
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    busy = true;
    try {
      await swap(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: csrfMeta ? { "X-CSRFToken": csrfMeta.content } : {},
      });
    } catch (error) {
      flash("That did not go through (" + error.message + "); reload the page and try again.");
      delete form.dataset.sending;
      for (const button of form.querySelectorAll("button")) button.disabled = false;
    } finally {
      busy = false;
    }
  });

  function setBadges(pulse) {
    for (const el of document.querySelectorAll("[data-pulse]")) {
      const value = pulse[el.dataset.pulse];
      if (value !== undefined) el.textContent = String(value);
    }
  }

  function startFallback() {
    if (fallbackTimer || !live) return;
    fallbackTimer = window.setInterval(refresh, FALLBACK_REFRESH_MS);
  }

  function stopFallback() {
    window.clearInterval(fallbackTimer);
    fallbackTimer = null;
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    let ws;
    try { ws = new WebSocket(scheme + "://" + window.location.host + "/ws/ui/"); } catch (_) { startFallback(); return; }
    ws.onopen = () => { retryMs = 1000; status.textContent = ""; stopFallback(); };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "pulse") return;
      const text = JSON.stringify(frame.state);
      setBadges(frame.state);
      // The first pulse refreshes too: whatever changed between rendering the page and opening
      // the socket (an approval that just arrived) would otherwise wait for the next change.
      if (live && text !== lastPulse) schedule();
      lastPulse = text;
    };
    ws.onclose = (event) => {
      if (FATAL_CLOSE[event.code]) { status.textContent = FATAL_CLOSE[event.code]; startFallback(); return; }
      status.textContent = live ? "offline · refreshing every 30 s" : "offline";
      startFallback();
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    };
  }

  window.steward = { refresh: refresh };
  connect();
})();
