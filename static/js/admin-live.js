/*
 * The doctor dashboard, live. ws/dashboard/ says that something the Today
 * panel or the queue shows has changed (reservations/realtime.py); the
 * regions it concerns are redrawn (lib/live-regions.js, as on the site).
 * Without it, or while the socket is down, every page is still right as of
 * its last load.
 *
 * One-click queue buttons (forms marked data-queue-action: next step,
 * triage) are posted without leaving the page: the answer's message goes to
 * [data-action-status], and the live regions are redrawn at once rather than
 * when the socket's push comes (it may be down). Without this script the
 * form posts and the server sends the browser back to the page.
 *
 * A doctor's socket also hears of visits past their maximum wait, on every
 * dashboard page (admin-waits.js shows the alert).
 */
import { refresh, regionSelector } from "./lib/live-regions.js";
import { postForAnswer } from "./lib/post.js";
import { showPresence } from "./lib/presence.js";
import { liveSocket } from "./lib/socket.js";
import { overdueHeard } from "./admin-waits.js"; // maximum waits: red rows and alerts

const status = document.querySelector("[data-live-dashboard]");

// A region about one day (the queue of ?date=) only cares for changes of
// that day; a push without days concerns everything. A region may also
// ignore reasons it does not show (data-live-ignore: the queue shows no
// consultations).
function concerns(region, days, reasons) {
  const day = region.getAttribute("data-live-day");
  const ignored = (region.getAttribute("data-live-ignore") || "").split(" ");
  const relevant = (reasons || []).filter((reason) => !ignored.includes(reason));
  if (reasons && reasons.length && !relevant.length) {
    return false;
  }
  return !day || !days || !days.length || days.includes(day);
}

function want(days, reasons) {
  const regions = Array.from(document.querySelectorAll("[data-live-region]"));
  refresh(
    regions
      .filter((region) => concerns(region, days, reasons))
      .map((region) => regionSelector(region.getAttribute("data-live-region")))
  );
}

function say(text, failed) {
  const place = document.querySelector("[data-action-status]");
  if (place) {
    place.textContent = text;
    place.classList.toggle("queue-status-error", failed);
  }
}

function post(form, button) {
  const body = new FormData(form);
  if (button && button.name) {
    body.append(button.name, button.value);
  }
  return postForAnswer(form.action, { headers: { Accept: "application/json" }, body: body });
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!status || !window.fetch || !form.matches("[data-live-region] form[data-queue-action]")) {
    return;
  }
  event.preventDefault();
  // One click, one step: a second click while this one is on its way is
  // dropped. (Not "disabled": that would take the keyboard focus away,
  // which stays on the same visit's button through the redraw.)
  if (form.hasAttribute("data-posting")) {
    return;
  }
  form.setAttribute("data-posting", "");
  const { ok, answer } = await post(form, event.submitter);
  say(answer.message || answer.error || gettext("That did not work. Reload the page and try again."), !ok);
  form.removeAttribute("data-posting");
  want(null);
});

if (status && window.WebSocket && window.fetch) {
  liveSocket(status, {
    status: status,
    open(reconnected) {
      if (reconnected) {
        want(null); // changes made while it was down were not heard
      }
    },
    frame(message) {
      if (message.type === "changed") {
        want(message.days, message.reasons);
      } else if (message.type === "overdue") {
        overdueHeard(message); // doctors only: a visit past its maximum wait
      } else if (message.type === "presence") {
        showPresence(message.counts);
      }
    },
  });
}
