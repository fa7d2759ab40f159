// The agents' inbox. Plain JS, no build step. Every piece of text is set with textContent: nothing from the
// server, the customer or another agent is ever parsed as HTML.
//
// The token is kept in sessionStorage (this tab only) and sent as `Authorization: Bearer …`; it never goes in a
// URL. EventSource cannot send that header, so live events are read with fetch() and a tiny SSE reader.
(function () {
  "use strict";
  const TOKEN_KEY = "frontdesk.agentToken";
  const POLL_MS = 3000;
  const RETRY_MS = 2000;

  const $ = function (id) { return document.getElementById(id); };
  const ui = {
    signin: $("signin"), token: $("token"), whoami: $("whoami"), agent: $("agent"), signout: $("signout"),
    error: $("error"), workspace: $("workspace"), queues: $("queues"), empty: $("empty"),
    conversation: $("conversation"), title: $("conversation-title"), status: $("status"),
    claim: $("claim"), handback: $("handback"), closeResolved: $("close-resolved"),
    closeNotResolved: $("close-not-resolved"), handoff: $("handoff"), summary: $("summary"),
    reasons: $("reasons"), fields: $("fields"), context: $("context"), transcript: $("transcript"),
    replyForm: $("reply-form"), reply: $("reply"), replyHint: $("reply-hint"),
    noteForm: $("note-form"), note: $("note"),
  };

  let token = null;
  let me = null;            // {name, teams}
  let pollTimer = null;
  let queuesShown = "";     // what the queue list was last built from (rebuilt only when it changes)
  let current = null;       // the open conversation: {id, record, seen: Set of seqs, streamSeq, abort, busy}

  // -- talking to the API -------------------------------------------------------------------------------------

  async function api(method, path, body, withToken) {
    const headers = { Authorization: "Bearer " + (withToken || token) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new Error("Can't reach the server. Check your connection and try again.");
    }
    let data = null;
    try { data = await response.json(); } catch (e) { /* a proxy's HTML error page, say */ }
    if (!response.ok || data === null) throw apiError(response.status, data);
    return data;
  }

  function apiError(status, data) {
    const message = data && data.error && data.error.message
      ? data.error.message : "Something went wrong (" + status + "). Please try again.";
    const error = new Error(message);
    error.status = status;
    return error;
  }

  function conversationPath(id, rest) {
    return "/api/agent/conversations/" + encodeURIComponent(id) + (rest || "");
  }

  function showError(message) {
    ui.error.textContent = message;
    ui.error.hidden = false;
  }

  function clearError() {
    ui.error.textContent = "";
    ui.error.hidden = true;
  }

  // A 401 anywhere means the token was revoked (or mistyped): back to the sign-in box.
  function failed(error) {
    if (error.status === 401) signOut();
    showError(error.message);
  }

  // -- signing in and out -------------------------------------------------------------------------------------

  async function signIn(candidate) {
    const who = await api("GET", "/api/agent/me", undefined, candidate);
    token = candidate;
    me = who;
    sessionStorage.setItem(TOKEN_KEY, candidate);
    const teams = who.teams.map(function (t) { return t === "*" ? "all teams" : t; }).join(", ");
    ui.agent.textContent = "Signed in as " + who.name + " (" + teams + ")";
    ui.signin.hidden = true;
    ui.whoami.hidden = false;
    ui.workspace.hidden = false;
    ui.token.value = "";
    clearError();
    await refreshQueues();
    clearInterval(pollTimer);
    pollTimer = setInterval(refreshQueues, POLL_MS);
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    me = null;
    clearInterval(pollTimer);
    pollTimer = null;
    closeConversation();
    queuesShown = "";
    ui.queues.replaceChildren();
    ui.workspace.hidden = true;
    ui.whoami.hidden = true;
    ui.signin.hidden = false;
    clearError();
    ui.token.focus();
  }

  ui.signin.addEventListener("submit", async function (event) {
    event.preventDefault();
    const candidate = ui.token.value.trim();
    if (!candidate) return;
    const button = ui.signin.querySelector("button");
    button.disabled = true;
    try {
      await signIn(candidate);
    } catch (error) {
      showError(error.message);
      ui.token.select();
    } finally {
      button.disabled = false;
    }
  });

  ui.signout.addEventListener("click", signOut);

  // -- queues -------------------------------------------------------------------------------------------------

  async function refreshQueues() {
    if (!token) return;
    let data;
    try {
      data = await api("GET", "/api/agent/queues");
    } catch (error) {
      failed(error);
      return;
    }
    if (!token) return;  // signed out while waiting
    const shown = JSON.stringify(data.teams);
    if (shown === queuesShown) {
      updateAges();
      return;
    }
    queuesShown = shown;
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.id : undefined;
    ui.queues.replaceChildren();
    const teams = Object.keys(data.teams).sort();
    if (!teams.length) ui.queues.appendChild(el("p", "hint", "You are in no team yet."));
    for (const team of teams) {
      const items = data.teams[team].slice().sort(function (a, b) {
        return (a.status === "queued" ? 0 : 1) - (b.status === "queued" ? 0 : 1);  // stable: keeps the API's order
      });
      const section = el("section", "team");
      const waiting = items.filter(function (c) { return c.status === "queued"; }).length;
      section.appendChild(el("h2", null, (team || "no team") + " · " + waiting + " waiting"));
      if (!items.length) section.appendChild(el("p", "hint", "Nothing here."));
      const list = el("ul", "queue");
      for (const item of items) list.appendChild(queueItem(item));
      section.appendChild(list);
      ui.queues.appendChild(section);
    }
    if (focused) {
      const again = ui.queues.querySelector('button[data-id="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  function queueItem(c) {
    const li = document.createElement("li");
    const button = el("button", "item " + c.status);
    button.type = "button";
    button.dataset.id = c.id;
    if (current && current.id === c.id) button.setAttribute("aria-current", "true");
    const top = el("span", "item-top");
    top.appendChild(el("span", "priority p" + Math.min(4, Math.max(0, c.priority)), "P" + c.priority));
    top.appendChild(el("span", "state", c.status === "assigned" ? "with " + (c.assignee || "someone") : "waiting"));
    const age = el("span", "age", ago(c.created_at));
    age.dataset.since = c.created_at;
    age.title = new Date(c.created_at).toLocaleString();
    top.appendChild(age);
    button.appendChild(top);
    button.appendChild(el("span", "item-summary", c.summary || "(no summary)"));
    if (c.reasons && c.reasons.length) {
      const names = c.reasons.map(function (r) { return r.reason; }).join(", ");
      button.appendChild(el("span", "item-reasons", names));
    }
    button.addEventListener("click", function () { openConversation(c.id); });
    li.appendChild(button);
    return li;
  }

  function updateAges() {
    for (const age of ui.queues.querySelectorAll(".age")) age.textContent = ago(age.dataset.since);
  }

  function ago(iso) {
    const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return Math.floor(seconds / 86400) + " d ago";
  }

  function markSelected() {
    for (const button of ui.queues.querySelectorAll("button.item")) {
      if (current && button.dataset.id === current.id) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  // -- one conversation ---------------------------------------------------------------------------------------

  function closeConversation() {
    if (current) current.abort.abort();
    current = null;
    ui.conversation.hidden = true;
    ui.empty.hidden = false;
    ui.transcript.replaceChildren();
    markSelected();
  }

  async function openConversation(id) {
    closeConversation();
    clearError();
    const mine = { id, record: null, seen: new Set(), streamSeq: 0, abort: new AbortController(), busy: false };
    current = mine;
    markSelected();
    let data;
    try {
      data = await api("GET", conversationPath(id));
    } catch (error) {
      if (current === mine) failed(error);
      return;
    }
    if (current !== mine) return;  // another conversation was picked meanwhile
    mine.record = data;
    ui.title.textContent = "Conversation " + id.slice(0, 8);
    ui.title.title = id;
    showHandoff(data.handoff, data.context);
    for (const event of data.events) addEvent(event);
    mine.streamSeq = data.events.length ? data.events[data.events.length - 1].seq : 0;
    showState();
    ui.empty.hidden = true;
    ui.conversation.hidden = false;
    follow(mine);
  }

  function showHandoff(packet, context) {
    ui.handoff.hidden = false;
    ui.summary.textContent = packet ? packet.summary || "" : "Not handed off: the bot holds this conversation.";
    ui.reasons.replaceChildren();
    for (const r of (packet && packet.reasons) || []) {
      const li = document.createElement("li");
      li.appendChild(el("strong", null, r.reason));
      if (typeof r.score === "number") li.appendChild(el("span", "score", " " + r.score.toFixed(2)));
      if (r.evidence) li.appendChild(el("q", "evidence", r.evidence));
      ui.reasons.appendChild(li);
    }
    if (!ui.reasons.children.length) ui.reasons.appendChild(el("li", "hint", "none recorded"));
    pairs(ui.fields, packet ? packet.fields : {});
    pairs(ui.context, (packet && packet.context) || context || {});
  }

  function pairs(list, values) {
    list.replaceChildren();
    const keys = Object.keys(values || {});
    if (!keys.length) list.appendChild(el("dd", "hint", "none"));
    for (const key of keys) {
      const value = values[key];
      list.appendChild(el("dt", null, key));
      list.appendChild(el("dd", null, typeof value === "string" ? value : JSON.stringify(value)));
    }
  }

  // What the agent may do now, from the conversation's status and who holds it.
  function showState() {
    const record = current && current.record;
    if (!record) return;
    const holding = record.status === "assigned" && me && record.assignee === me.name;
    const parts = [record.status === "assigned" ? "assigned to " + (record.assignee || "someone") : record.status];
    if (record.team) parts.push("team " + record.team);
    parts.push("priority " + record.priority);
    ui.status.textContent = parts.join(" · ");
    ui.status.dataset.status = record.status;
    const busy = current.busy;
    ui.claim.disabled = busy || record.status !== "queued";
    ui.handback.disabled = busy || !holding;
    const closable = holding || ["queued", "collecting", "open"].indexOf(record.status) >= 0;
    ui.closeResolved.disabled = busy || !closable;
    ui.closeNotResolved.disabled = busy || !closable;
    ui.reply.disabled = !holding;
    ui.replyForm.querySelector("button").disabled = busy || !holding;
    ui.replyHint.textContent = holding ? "The customer sees this with your name. Ctrl+Enter sends."
      : record.status === "assigned" ? (record.assignee || "Someone") + " holds this conversation."
      : record.status === "queued" ? "Claim the conversation to reply." : "Only the agent holding a conversation can reply.";
    ui.noteForm.querySelector("button").disabled = busy;
  }

  // The status follows the events as they arrive (another agent claiming, the bot queueing it again).
  function applyToRecord(event) {
    const record = current && current.record;
    if (!record) return;
    const p = event.payload || {};
    if (event.type === "agent_joined") { record.status = "assigned"; record.assignee = p.agent; }
    else if (event.type === "handed_back") { record.status = "open"; record.assignee = null; }
    else if (event.type === "conversation_closed") { record.status = "closed"; record.assignee = null; }
    else if (event.type === "handoff_queued") {
      record.status = "queued";
      if (p.packet) {
        record.team = p.packet.team || record.team;
        if (typeof p.packet.priority === "number") record.priority = p.packet.priority;
        showHandoff(p.packet, record.context);
      }
    } else return;
    showState();
  }

  function addEvent(event) {
    if (!current || current.seen.has(event.seq)) return;
    current.seen.add(event.seq);
    const node = eventNode(event);
    if (node) {
      node.dataset.seq = String(event.seq);
      node.dataset.type = event.type;
      // In order of seq: a reply's POST answer may arrive before an earlier event on the stream.
      let after = ui.transcript.lastElementChild;
      while (after && Number(after.dataset.seq) > event.seq) after = after.previousElementSibling;
      ui.transcript.insertBefore(node, after ? after.nextSibling : ui.transcript.firstChild);
      if (node === ui.transcript.lastElementChild) node.scrollIntoView({ block: "nearest" });
    }
  }

  function eventNode(event) {
    const p = event.payload || {};
    switch (event.type) {
      case "message_received": return message("customer", "Customer", p.text, event.created_at);
      case "reply_sent": return p.text ? message("bot", "Bot", p.text, event.created_at) : null;
      case "agent_message_sent": return message("agent", p.agent || "agent", p.text, event.created_at);
      case "note_added": return message("note", "Internal note · " + (p.agent || "agent"), p.text, event.created_at);
      case "agent_joined": return system((p.agent || "An agent") + " claimed the conversation");
      case "handed_back": return system((p.agent || "An agent") + " handed it back to the bot");
      case "conversation_closed":
        return system("Closed by " + (p.agent || "an agent") + ": " + String(p.outcome || "").replace("_", " "));
      case "escalation_triggered": {
        const why = (p.reasons || []).map(function (r) { return r.reason; }).join(", ");
        return system("Escalated to " + (p.team || "a team") + (why ? " (" + why + ")" : ""));
      }
      case "handoff_queued": return system("Queued for " + ((p.packet && p.packet.team) || "a team"));
      default: return null;  // understanding, retrieval evidence, details: in the handoff panel or the console
    }
  }

  function message(kind, who, text, at) {
    const li = el("li", "msg " + kind);
    const head = el("div", "who", who);
    if (at) {
      const time = el("time", null, new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      time.dateTime = at;
      head.appendChild(document.createTextNode(" "));
      head.appendChild(time);
    }
    li.appendChild(head);
    li.appendChild(el("div", "text", text || ""));
    return li;
  }

  function system(text) {
    return el("li", "msg system", text);
  }

  // -- live events: fetch + a tiny Server-Sent Events reader --------------------------------------------------

  async function follow(conv) {
    while (current === conv) {
      try {
        await readStream(conv);
      } catch (error) {
        if (conv.abort.signal.aborted || current !== conv) return;
        if (error.status === 401 || error.status === 403 || error.status === 404) {
          failed(error);
          return;
        }
      }
      if (current !== conv) return;
      await new Promise(function (resolve) { setTimeout(resolve, RETRY_MS); });  // dropped: resume after last seq
    }
  }

  async function readStream(conv) {
    const url = conversationPath(conv.id, "/stream?after=" + conv.streamSeq);
    const response = await fetch(url, {
      headers: { Authorization: "Bearer " + token, Accept: "text/event-stream" },
      signal: conv.abort.signal,
      cache: "no-store",
    });
    if (!response.ok) {
      let data = null;
      try { data = await response.json(); } catch (e) { /* not JSON */ }
      throw apiError(response.status, data);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer = (buffer + decoder.decode(chunk.value, { stream: true })).replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message = parseSse(block);
        if (message && message.event === "conversation_event" && current === conv) {
          let event;
          try { event = JSON.parse(message.data); } catch (e) { continue; }
          conv.streamSeq = Math.max(conv.streamSeq, event.seq);
          addEvent(event);
          applyToRecord(event);
        }
      }
    }
  }

  function parseSse(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line[0] === ":") continue;  // a keep-alive comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    return data.length ? { event, data: data.join("\n") } : null;
  }

  // -- actions ------------------------------------------------------------------------------------------------

  async function act(run) {
    const conv = current;
    if (!conv || conv.busy) return;
    conv.busy = true;
    showState();
    clearError();
    try {
      await run(conv);
    } catch (error) {
      if (current === conv) failed(error);
    } finally {
      conv.busy = false;
      if (current === conv) showState();
    }
  }

  function updateRecord(conv, record) {
    if (current !== conv) return;
    conv.record = Object.assign(conv.record, record);
    showState();
    refreshQueues();
  }

  ui.claim.addEventListener("click", function () {
    act(async function (conv) {
      try {
        updateRecord(conv, await api("POST", conversationPath(conv.id, "/claim")));
        ui.reply.focus();
      } catch (error) {
        if (error.status !== 409) throw error;
        // Someone else was first: say who, and show the conversation as it is now.
        let holder = null;
        try {
          const latest = await api("GET", conversationPath(conv.id));
          holder = latest.assignee;
          updateRecord(conv, { status: latest.status, assignee: latest.assignee });
        } catch (e) { /* keep the API's own message */ }
        showError(holder ? "Already claimed by " + holder + "." : error.message);
      }
    });
  });

  ui.handback.addEventListener("click", function () {
    act(async function (conv) { updateRecord(conv, await api("POST", conversationPath(conv.id, "/handback"))); });
  });

  function closeWith(outcome) {
    act(async function (conv) {
      updateRecord(conv, await api("POST", conversationPath(conv.id, "/close"), { outcome }));
    });
  }
  ui.closeResolved.addEventListener("click", function () { closeWith("resolved"); });
  ui.closeNotResolved.addEventListener("click", function () { closeWith("not_resolved"); });

  function composer(form, input, path) {
    input.addEventListener("keydown", function (event) {  // Enter is a new line; Ctrl+Enter (⌘+Enter) sends
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = input.value;
      if (!text.trim()) return;
      act(async function (conv) {
        const stored = await api("POST", conversationPath(conv.id, path), { text });
        if (current !== conv) return;
        addEvent(stored);
        if (input.value === text) input.value = "";
        input.focus();
      });
    });
  }
  composer(ui.replyForm, ui.reply, "/messages");
  composer(ui.noteForm, ui.note, "/notes");

  // -- helpers ------------------------------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // -- start --------------------------------------------------------------------------------------------------

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    signIn(saved).catch(function (error) {
      signOut();
      showError(error.message);
    });
  } else {
    ui.token.focus();
  }
})();
