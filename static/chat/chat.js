// The chat page: history over HTTP, live frames over the websocket, messages sent over the websocket
// (HTTP POST when the socket is down). Every message is rendered once, by id; a reconnect asks for
// what came after the last one seen, and a message whose socket died before it was echoed is
// looked up in the history and sent again over HTTP only if the server never stored it.
(function () {
  "use strict";

  const API = "/api/chat";
  const FATAL_CLOSE = { 4401: "Please log in again.", 4403: "This page may not open the chat socket.", 4404: "This conversation no longer exists." };
  const root = document.getElementById("chat");
  const els = {
    select: document.getElementById("conversation-select"),
    newChat: document.getElementById("new-chat"),
    connection: document.getElementById("connection"),
    messages: document.getElementById("messages"),
    empty: document.getElementById("empty"),
    thinking: document.getElementById("thinking"),
    error: document.getElementById("error"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("send"),
  };
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  let conversationId = root.dataset.current || "";
  let lastId = 0;
  let socket = null;
  let retryMs = 500;
  let retryTimer = null;
  const rendered = new Map(); // message id -> element
  const cards = new Map(); // proposal id -> card element
  const openTasks = new Set();
  const SOCKET_WAIT_MS = 3000;
  let outbox = null; // {content, after}: sent over the socket, not yet echoed back
  let socketOpened = null; // resolves when the current socket opens

  // --- HTTP ------------------------------------------------------------------------------------
  async function api(method, path, body) {
    const response = await fetch(API + path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail : "Request failed (HTTP " + response.status + ")";
      throw new Error(detail);
    }
    return data;
  }

  function showError(text) {
    els.error.textContent = text || "";
    els.error.hidden = !text;
  }

  // --- rendering ---------------------------------------------------------------------------------
  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function clearMessages() {
    for (const el of rendered.values()) el.remove();
    rendered.clear();
    cards.clear();
    els.empty.hidden = false;
  }

  function bubble(message) {
    const classes = ["message", message.role, message.type];
    const meta = message.metadata || {};
    if (meta.error || meta.status === "failed") classes.push("error");
    const el = element("div", classes.join(" "));
    if (meta.title && meta.action) el.appendChild(element("span", "title", meta.title));
    el.appendChild(document.createTextNode(message.content));
    return el;
  }

  function isExpired(meta) {
    return meta.status === "pending" && meta.expires_at && Date.parse(meta.expires_at) <= Date.now();
  }

  function setCardStatus(card, status) {
    const options = card.querySelector(".options");
    const label = card.querySelector(".status");
    if (status === "pending") {
      options.hidden = false;
      label.hidden = true;
      return;
    }
    options.hidden = true;
    label.hidden = false;
    label.className = "status " + status;
    label.textContent = status;
  }

  function confirmationCard(message) {
    const meta = message.metadata || {};
    const card = element("div", "card");
    card.dataset.proposalId = meta.proposal_id;
    card.appendChild(element("p", "description", message.content));
    card.appendChild(element("p", "action", meta.action));
    card.appendChild(element("pre", "", JSON.stringify(meta.parameters || {}, null, 2)));
    const options = element("div", "options");
    for (const option of meta.options || []) {
      const button = element("button", option.id === "approve" ? "" : "secondary", option.label);
      button.type = "button";
      button.dataset.option = option.id;
      button.addEventListener("click", () => answer(card, option.id));
      options.appendChild(button);
    }
    card.appendChild(options);
    card.appendChild(element("span", "status"));
    setCardStatus(card, isExpired(meta) ? "expired" : meta.status || "pending");
    cards.set(String(meta.proposal_id), card);
    return card;
  }

  // `streamed`: the message came in storage order (history, socket), so replays may start after it.
  function render(message, streamed = true) {
    if (streamed) lastId = Math.max(lastId, message.id);
    if (outbox && message.role === "user" && message.id > outbox.after && message.content === outbox.content) outbox = null;
    if (rendered.has(message.id)) return;
    const meta = message.metadata || {};
    if (message.type === "command" && meta.command === "/clear") clearMessages();
    const el = message.type === "confirmation" ? confirmationCard(message) : bubble(message);
    el.dataset.id = message.id;
    rendered.set(message.id, el);
    // Storage order: a reply returned by a POST can arrive before a lower id pushed by the socket.
    const later = [...els.messages.children].find((child) => Number(child.dataset.id) > message.id);
    els.messages.insertBefore(el, later || null);
    els.empty.hidden = true;
    // Answers and results change the status of their card.
    const card = meta.proposal_id !== undefined ? cards.get(String(meta.proposal_id)) : null;
    if (card && message.type === "response") setCardStatus(card, meta.option === "approve" ? "approved" : "rejected");
    if (card && message.type === "system" && meta.status === "failed") setCardStatus(card, "failed");
    els.messages.scrollTop = els.messages.scrollHeight;
  }

  function trackTask(taskId, status) {
    if (status === "pending" || status === "running") openTasks.add(taskId);
    else openTasks.delete(taskId);
    els.thinking.hidden = openTasks.size === 0;
    if (status === "done" || status === "failed") refreshSelector();
  }

  // --- conversations -----------------------------------------------------------------------------
  async function refreshSelector() {
    try {
      const data = await api("GET", "/conversations");
      const keep = els.select.value;
      els.select.replaceChildren(element("option", "", "New conversation"));
      els.select.options[0].value = "";
      for (const conversation of data.conversations) {
        const option = element("option", "", conversation.title);
        option.value = conversation.id;
        els.select.appendChild(option);
      }
      els.select.value = conversationId || keep;
    } catch (_) { /* the list refreshes next time */ }
  }

  async function openConversation(id) {
    disconnect();
    clearMessages();
    openTasks.clear();
    els.thinking.hidden = true;
    conversationId = id;
    lastId = 0;
    showError("");
    const url = new URL(window.location.href);
    if (id) url.searchParams.set("c", id); else url.searchParams.delete("c");
    window.history.replaceState(null, "", url);
    if (!id) return;
    try {
      const history = await api("GET", "/conversations/" + id + "/history");
      history.messages.forEach((message) => render(message));
    } catch (error) {
      showError(error.message);
    }
    connect();
  }

  async function ensureConversation() {
    if (conversationId) return;
    // Created only when the first message is sent: visiting the page never leaves an empty chat.
    const created = await api("POST", "/conversations");
    conversationId = created.conversation_id;
    await openConversation(conversationId);
  }

  // --- websocket -----------------------------------------------------------------------------------
  function connect() {
    if (!conversationId || socket) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const url = scheme + "://" + window.location.host + "/ws/chat/" + conversationId + "/?after=" + lastId;
    const ws = new WebSocket(url);
    socket = ws;
    let opened;
    socketOpened = new Promise((resolve) => { opened = resolve; });
    ws.onopen = () => {
      opened(true);
      retryMs = 500;
      els.connection.textContent = "";
      // The server reports every task still open when a socket connects: forget what ended meanwhile.
      openTasks.clear();
      els.thinking.hidden = true;
      if (outbox) window.setTimeout(settleOutbox, 300); // after the replay of what we missed
    };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "message") render(frame.message);
      else if (frame.type === "task") trackTask(frame.task_id, frame.status);
      else if (frame.type === "error") {
        showError(frame.detail);
        if (outbox && (frame.status === 413 || frame.status === 422)) {
          if (!els.input.value) els.input.value = outbox.content;
          outbox = null;
        }
      }
    };
    ws.onclose = (event) => {
      opened(false);
      if (socket !== ws) return; // closed on purpose (another conversation was opened)
      socket = null;
      if (FATAL_CLOSE[event.code]) {
        els.connection.textContent = "disconnected";
        showError(FATAL_CLOSE[event.code]);
        return;
      }
      els.connection.textContent = "reconnecting…";
      retryTimer = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }

  function disconnect() {
    window.clearTimeout(retryTimer);
    if (socket) {
      const ws = socket;
      socket = null;
      ws.close();
    }
    els.connection.textContent = "";
  }

  // --- actions -------------------------------------------------------------------------------------
  async function answer(card, option) {
    for (const button of card.querySelectorAll("button")) button.disabled = true;
    try {
      const result = await api("POST", "/conversations/" + conversationId + "/proposals/" + card.dataset.proposalId, { option });
      setCardStatus(card, option === "approve" ? "approved" : "rejected");
      render(result.message, false);
      if (result.task_id) trackTask(result.task_id, "pending");
    } catch (error) {
      showError(error.message);
      for (const button of card.querySelectorAll("button")) button.disabled = false;
    }
  }

  async function postMessage(text) {
    try {
      const result = await api("POST", "/conversations/" + conversationId + "/messages", { content: text });
      if (result.type === "command") render(result.message, false);
      else trackTask(result.task_id, "pending");
    } catch (error) {
      if (!els.input.value) els.input.value = text;
      throw error;
    }
  }

  async function socketReady() {
    if (socket && socket.readyState === WebSocket.OPEN) return true;
    if (!socket || !socketOpened) return false;
    const timeout = new Promise((resolve) => window.setTimeout(() => resolve(false), SOCKET_WAIT_MS));
    return (await Promise.race([socketOpened, timeout])) && socket && socket.readyState === WebSocket.OPEN;
  }

  // The socket closed before our message came back: did the server store it? Ask the history,
  // and send it again over HTTP only when it is not there — never twice.
  async function settleOutbox() {
    const pending = outbox;
    if (!pending || !conversationId) return;
    try {
      const history = await api("GET", "/conversations/" + conversationId + "/history");
      history.messages.forEach((message) => render(message));
      if (outbox !== pending) return; // found: rendering it cleared the outbox
      outbox = null;
      await postMessage(pending.content);
    } catch (error) {
      showError(error.message);
    }
  }

  async function submit(event) {
    event.preventDefault();
    const text = els.input.value;
    if (!text.trim()) return;
    els.send.disabled = true;
    showError("");
    try {
      await ensureConversation();
      els.input.value = "";
      if (await socketReady()) {
        outbox = { content: text.trim(), after: lastId };
        socket.send(JSON.stringify({ type: "message", content: text }));
      } else {
        await postMessage(text);
      }
    } catch (error) {
      showError(error.message);
    } finally {
      els.send.disabled = false;
      els.input.focus();
    }
  }

  els.form.addEventListener("submit", submit);
  els.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
  });
  els.select.addEventListener("change", () => openConversation(els.select.value));
  els.newChat.addEventListener("click", () => {
    els.select.value = "";
    openConversation("");
    els.input.focus();
  });
  window.addEventListener("online", () => { if (!socket) connect(); });

  openConversation(conversationId);
})();
