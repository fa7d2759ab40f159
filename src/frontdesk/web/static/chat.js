// The demo chat page. Every piece of text is set with textContent: nothing from the server or the
// customer is ever parsed as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("text");
  const button = form.querySelector("button");
  let conversationId = null;
  let live = null;      // once a person is involved: the EventSource for their messages
  let liveSeq = 0;      // the last event seq taken from it (a reconnect replays from the start)

  function add(kind, text) {
    const item = document.createElement("li");
    item.className = "msg " + kind;
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function showReply(item, reply) {
    item.textContent = reply.answer;
    item.dataset.decision = reply.decision;
    if (reply.citations.length) {
      const list = document.createElement("ol");
      list.className = "sources";
      for (const c of reply.citations) {
        const li = document.createElement("li");
        const href = c.url && safeUrl(c.url);
        const label = document.createElement(href ? "a" : "span");
        label.textContent = c.title;
        if (href) { label.href = href; label.target = "_blank"; label.rel = "noopener noreferrer"; }
        li.appendChild(label);
        li.title = c.passage;
        list.appendChild(li);
      }
      item.appendChild(list);
    }
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = reply.decision + " · confidence " + reply.confidence.toFixed(2);
    item.appendChild(meta);
  }

  // What a person does arrives on the conversation's live stream. The customer's own messages and the bot's
  // replies are already on the page (from the POST answers), so only the agents' side is shown from it.
  function follow() {
    if (live || !conversationId) return;
    const source = new EventSource("/api/conversations/" + encodeURIComponent(conversationId) + "/stream?after=" + liveSeq);
    live = source;
    source.addEventListener("conversation_event", function (message) {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (live !== source || typeof event.seq !== "number" || event.seq <= liveSeq) return;
      liveSeq = event.seq;
      const who = event.agent || "Someone from our team";
      if (event.type === "agent_message") {
        const item = add("agent", "");
        const name = document.createElement("div");
        name.className = "who";
        name.textContent = who;
        item.appendChild(name);
        item.appendChild(document.createTextNode(event.text || ""));
      } else if (event.type === "agent_joined") {
        add("system", who + " joined the conversation");
      } else if (event.type === "handed_back") {
        add("system", who + " left the conversation; the assistant will answer again");
      } else if (event.type === "conversation_closed") {
        add("system", event.agent ? who + " closed the conversation" : "This conversation was closed");
      }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED && live === source) live = null;  // refused: e.g. gone
    });
  }

  function stopFollowing() {
    if (live) live.close();
    live = null;
    liveSeq = 0;
  }

  async function api(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
    } catch (e) {
      throw new Error("Can't reach the server. Check your connection and try again.");
    }
    let data = null;
    try { data = await response.json(); } catch (e) { /* a proxy's HTML error page, say */ }
    if (!response.ok || data === null) {
      const error = new Error(data && data.error ? data.error.message : "Something went wrong (" + response.status + "). Please try again.");
      error.status = response.status;
      throw error;
    }
    return data;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    add("customer", text);
    input.value = "";
    button.disabled = true;
    const item = add("bot", "…");
    try {
      if (!conversationId) conversationId = (await api("/api/conversations", { context: { channel: "web" } })).id;
      const reply = await api("/api/conversations/" + encodeURIComponent(conversationId) + "/messages", { text });
      if (reply.answer) showReply(item, reply);
      else item.remove();  // a person holds the conversation: the bot stays silent, their reply comes live
      if (reply.decision === "escalate") follow();
    } catch (error) {
      item.className = "msg error";
      item.textContent = error.message;
      if (error.status === 404) {  // the conversation is gone: start a new one next time
        conversationId = null;
        stopFollowing();
      }
      if (!input.value) input.value = text;  // keep what the customer typed so they can retry
    } finally {
      button.disabled = false;
      input.focus();
    }
  });
})();
