/*
 * The chat's history: messages as the server renders them (each frame and
 * each page of the history endpoint carries its HTML, from the one template
 * consultation/includes/message.html, text escaped there), put in id order;
 * older ones loaded when the top of the history scrolls into view; the ones
 * missed while the socket was down fetched again.
 */
import { refresh } from "../lib/live-regions.js";
import { markRead, showSeen } from "./receipts.js";
import { chat } from "./state.js";

// After a close or a mute the server's page says what can be done now (the
// composer and its notices) and the thread's state badge.
const AFTER_A_CHANGE = ["[data-composer]", "[data-thread-state]"];

function shownIds() {
  return Array.from(chat.list.querySelectorAll("[data-message-id]"), (item) =>
    Number(item.getAttribute("data-message-id"))
  );
}

export function lastId() {
  const ids = shownIds();
  return ids.length ? Math.max(...ids) : 0;
}

function firstId() {
  const ids = shownIds();
  return ids.length ? Math.min(...ids) : 0;
}

// The first message shown with an id above `id` (null: none, append).
function firstShownAfter(id) {
  const items = chat.list.querySelectorAll("[data-message-id]");
  for (let i = items.length - 1; i >= 0; i--) {
    if (Number(items[i].getAttribute("data-message-id")) < id) {
      return items[i + 1] || null;
    }
  }
  return items[0] || null;
}

function render(message) {
  const template = document.createElement("template");
  template.innerHTML = message.html[chat.layout];
  return template.content.firstElementChild;
}

function nearBottom() {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 120;
}

// The read mark, except while catching up: once at the end (a read frame
// per message shown would trip the socket's rate limit).
let catchingUp = false;
let catchUpAgain = false;

export function markShownRead() {
  if (!catchingUp) {
    markRead(lastId());
  }
}

export function append(message) {
  if (document.getElementById(`message-${message.id}`)) {
    return; // already shown (from the page, or a fetch after a reconnect)
  }
  const stick = nearBottom();
  const empty = chat.list.querySelector("[data-empty]");
  if (empty) {
    empty.remove();
  }
  const item = render(message);
  // In id order: a live message may come before older ones being caught up.
  chat.list.insertBefore(item, firstShownAfter(message.id));
  // Its author has read everything up to it.
  if (message.kind !== "system" && message.sender_is_doctor !== chat.viewerIsHospital) {
    showSeen(message.id);
  }
  if (stick || message.sender_id === chat.viewerId) {
    item.scrollIntoView({ block: "end" });
  }
  markShownRead();
  if (message.kind === "system" && (message.event === "closed" || (message.event === "muted" && !chat.viewerIsHospital))) {
    refresh(AFTER_A_CHANGE);
  }
}

async function historyPage(query) {
  const response = await fetch(`${chat.historyUrl}?${query}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    throw new Error(response.status);
  }
  return response.json();
}

// Older messages: when the "load older" link scrolls into view (or is used).
let older = chat && chat.section.querySelector("[data-load-older]");
let loadingOlder = false;

async function loadOlder() {
  if (loadingOlder || !older) {
    return;
  }
  loadingOlder = true;
  try {
    const page = await historyPage(`before=${firstId()}`);
    // Keep the reader's place while the page grows above it.
    const before = document.documentElement.scrollHeight;
    const anchor = chat.list.firstElementChild;
    page.messages.forEach((message) => {
      if (!document.getElementById(`message-${message.id}`)) {
        chat.list.insertBefore(render(message), anchor);
      }
    });
    window.scrollBy(0, document.documentElement.scrollHeight - before);
    if (!page.has_more) {
      older.closest("[data-older]").remove();
      older = null;
    }
  } catch {
    // The link still works as a plain link.
  } finally {
    loadingOlder = false;
  }
}

export function watchOlder() {
  if (!older) {
    return;
  }
  older.addEventListener("click", (event) => {
    event.preventDefault();
    loadOlder();
  });
  if (window.IntersectionObserver) {
    new IntersectionObserver((entries) => {
      if (entries[0].isIntersecting) {
        loadOlder();
      }
    }).observe(older);
  }
}

// Messages missed while the socket was down: everything after the last one
// the page holds, page by page until the server has no more (however many
// were missed). One catch-up at a time; a reconnect during one asks again.
export async function catchUp() {
  if (catchingUp) {
    catchUpAgain = true;
    return;
  }
  catchingUp = true;
  catchUpAgain = false;
  try {
    let after = lastId();
    for (;;) {
      const page = await historyPage(`after=${after}`);
      page.messages.forEach(append);
      if (!page.has_more || !page.messages.length) {
        break;
      }
      after = page.messages[page.messages.length - 1].id;
    }
  } catch {
    // The next reconnect tries again.
  }
  catchingUp = false;
  if (catchUpAgain) {
    catchUp();
  } else {
    markShownRead();
  }
}
