/*
 * Live updates for signed-in users: the bell's count, a toast for each new
 * notification, page parts marked data-live-region that are redrawn when a
 * notification concerns them (lib/live-regions.js), and how many doctors
 * (for doctors, customers too) are online. Without this file every page is
 * still right when loaded; this only spares the reload.
 */
import { refresh, regionSelector } from "./lib/live-regions.js";
import { showPresence } from "./lib/presence.js";
import { liveSocket } from "./lib/socket.js";

const bell = document.querySelector("[data-notification-bell]");

function showUnread(count) {
  const badge = bell.querySelector("[data-unread-count]");
  badge.textContent = count;
  badge.classList.toggle("d-none", !count);
  bell.querySelector("[data-unread-label]").textContent = interpolate(
    ngettext("%s unread notification", "%s unread notifications", count),
    [count]
  );
}

function toast(text, link) {
  const area = document.querySelector("[data-toast-area]");
  if (!area || !window.bootstrap) {
    return;
  }
  const box = document.createElement("div");
  box.className = "toast align-items-center border-0 text-bg-primary";
  box.setAttribute("role", "status");
  const body = document.createElement("a");
  body.className = "toast-body d-block text-white text-decoration-none";
  body.href = link;
  body.textContent = text; // text, never HTML
  box.appendChild(body);
  area.appendChild(box);
  new window.bootstrap.Toast(box, { delay: 6000 }).show();
  box.addEventListener("hidden.bs.toast", () => box.remove());
}

// The regions of this page that show the notification's visit.
function regionsFor(message) {
  const names = Array.from(document.querySelectorAll("[data-live-region]"), (region) =>
    region.getAttribute("data-live-region")
  );
  return names.filter((name) => showsChangeOf(name, message)).map(regionSelector);
}

// A visit's notification redraws the visit lists and that visit's page; a
// pet's (a dose, a prescription, a refill answered) that pet's record.
function showsChangeOf(name, message) {
  if (name === "visits") {
    return Boolean(message.reservation);
  }
  if (message.reservation && name === `reservation-${message.reservation}`) {
    return true;
  }
  return message.pet != null && name === `pet-${message.pet}-record`;
}

// A reply to the thread this page shows (with its live chat: no ?before=)
// is already in the page, and the page's read mark reads its notification:
// no toast, no +1 (the server sends the count again after the mark).
function shownHere(message) {
  const thread = document.querySelector("[data-consultation]");
  return message.type === "notification" && thread !== null && !location.search && message.url === location.pathname;
}

if (bell && window.WebSocket) {
  liveSocket(bell, {
    status: document.querySelector("[data-live-status]"),
    frame(message) {
      if (shownHere(message)) {
        return;
      }
      if (typeof message.unread === "number") {
        showUnread(message.unread);
      }
      if (message.type === "presence") {
        showPresence(message.counts);
      }
      if (message.type === "notification") {
        toast(message.text, message.url);
        refresh(regionsFor(message));
      }
    },
  });
}
