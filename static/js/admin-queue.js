/*
 * Today's queue in the doctor dashboard: drag a visit within its band to
 * change its place. SortableJS (from npm) moves the rows; each drop posts the
 * band's new order as JSON, {"band": "...", "order": [ids]}, and the server
 * answers {"ok": true} or {"error": "..."}. A refused order is put back.
 * Without JavaScript the page still lists the queue.
 * Strings come from Django's JavaScript catalog (gettext).
 *
 * admin-live.js redraws the bands when another doctor changes the queue
 * (lib/live-regions.js): a band is marked data-live-busy from the moment a
 * row is picked up until its order is saved, so that no redraw pulls the rows
 * from under the pointer or puts back an order the server has not stored
 * yet; "live:idle" then lets the redraw through. The redraw morphs the bands
 * in place, so they keep their Sortable; a band that is new after a redraw
 * ("live:refreshed") gets its own.
 */
import { postForAnswer } from "./lib/post.js";

const page = document.querySelector("[data-queue-reorder-url]");

function say(message, failed) {
  const status = page.querySelector("[data-queue-status]");
  status.textContent = message;
  status.classList.toggle("queue-status-error", failed);
}

function rowsOf(band) {
  return Array.from(band.querySelectorAll("tr[data-id]"));
}

// Places run on across the bands, so a band keeps its own numbers: the
// first row takes the band's lowest, and so on.
function renumber(band) {
  const rows = rowsOf(band);
  const first = Math.min(...rows.map((row) => parseInt(row.getAttribute("data-place"), 10)));
  rows.forEach((row, index) => {
    row.setAttribute("data-place", String(first + index));
    row.querySelector("[data-place-cell]").textContent = String(first + index);
  });
}

async function save(band, before) {
  const order = rowsOf(band).map((row) => parseInt(row.getAttribute("data-id"), 10));
  renumber(band);
  say(gettext("Saving…"), false);
  const { ok, answer } = await postForAnswer(page.getAttribute("data-queue-reorder-url"), {
    headers: { "Content-Type": "application/json", "X-CSRFToken": page.getAttribute("data-csrf-token") },
    body: JSON.stringify({ band: band.getAttribute("data-queue-band"), order: order }),
  });
  if (ok) {
    say(gettext("Saved"), false);
  } else {
    before.forEach((row) => band.appendChild(row));
    renumber(band);
    say(answer.error || gettext("The new order could not be saved. Reload the page and try again."), true);
  }
}

function setUpBand(band) {
  let before = [];
  const held = { chosen: false, dragging: false, saving: false };

  function hold(what, on) {
    held[what] = on;
    if (held.chosen || held.dragging || held.saving) {
      band.setAttribute("data-live-busy", "");
    } else if (band.hasAttribute("data-live-busy")) {
      band.removeAttribute("data-live-busy");
      document.dispatchEvent(new CustomEvent("live:idle"));
    }
  }

  Sortable.create(band, {
    draggable: "tr[data-id]",
    animation: 150,
    // A row's buttons are clicked, never dragged (admin-live.js posts them).
    filter: ".queue-action",
    preventOnFilter: false,
    onChoose: () => hold("chosen", true),
    onUnchoose: () => hold("chosen", false),
    onStart() {
      before = rowsOf(band);
      hold("dragging", true);
    },
    onEnd(event) {
      if (event.oldIndex !== event.newIndex) {
        hold("saving", true);
        save(band, before).then(() => hold("saving", false));
      }
      hold("dragging", false);
    },
  });
}

function setUp(root) {
  root.querySelectorAll("tbody[data-queue-band]").forEach((band) => {
    if (!Sortable.get(band)) {
      setUpBand(band); // a band kept through a redraw keeps its Sortable
    }
  });
}

if (page && typeof Sortable !== "undefined") {
  setUp(page);
  document.addEventListener("live:refreshed", (event) => setUp(event.target));
  // The rows can be dragged from now on (the page is outside the live
  // region: a redraw keeps the mark). Browser tests wait for it.
  page.setAttribute("data-queue-ready", "");
}
