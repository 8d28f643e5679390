/*
 * Read marks and receipts: what the page shows is marked read over the
 * socket, and "seen" follows the other side's reads.
 */
import { chat } from "./state.js";

let readSent = 0;

// After each connect: the server has to hear the mark again.
export function forgetRead() {
  readSent = 0;
}

export function markRead(latest) {
  if (document.visibilityState !== "visible" || latest <= readSent || !chat.isOpen()) {
    return;
  }
  readSent = latest;
  chat.socket.send(JSON.stringify({ type: "read", up_to: latest }));
}

// "Seen" under the latest message of the viewer's side up to `upTo`.
export function showSeen(upTo) {
  let seen = chat.list.querySelector("[data-seen]");
  const seenTemplate = document.querySelector("template[data-seen-template]");
  if (!seen && seenTemplate) {
    seen = seenTemplate.content.firstElementChild.cloneNode(true);
  }
  const ours = Array.from(chat.list.querySelectorAll('[data-kind="user"]')).filter((item) => {
    const fromHospital = item.getAttribute("data-from-hospital") === "true";
    return fromHospital === chat.viewerIsHospital && Number(item.getAttribute("data-message-id")) <= upTo;
  });
  const target = ours[ours.length - 1];
  if (!seen || !target) {
    return;
  }
  const slot = target.querySelector("[data-seen-slot]") || target;
  slot.appendChild(seen);
  seen.hidden = false;
}
