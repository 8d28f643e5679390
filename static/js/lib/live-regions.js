/*
 * The live layer: parts of a page re-read from the server and morphed in
 * place. Used by live.js (the site: a notification about a visit), by
 * admin-live.js (the dashboard: ws/dashboard/ says what changed) and by the
 * chat (after a close or a mute: the composer and the thread's state).
 *
 * refresh(selectors) asks for the part each selector names (one element of
 * the page, regionSelector(name) for a [data-live-region="name"]) to be
 * redrawn. A burst of asks (a bulk action, two doctors at once) makes one
 * fetch of the page; each part is then morphed into its fresh copy
 * (idiomorph, from npm) rather than replaced, so that what did not change
 * stays as it is: the keyboard focus stays on the same button of the same
 * visit's row (rows that may move carry an id), a list keeps its Sortable.
 * Without this, or while a socket is down, every page is still right as of
 * its last load.
 *
 * With other scripts: an element marked data-live-busy (a row being dragged,
 * an order being saved: admin-queue.js) holds the redraw back until a
 * "live:idle" event on the document; each redrawn part then fires
 * "live:refreshed" (it bubbles), so that its scripts can set up what is new.
 */
import { Idiomorph } from "../../vendor/idiomorph/idiomorph.esm.js";

const DEBOUNCE = 300;

const due = new Set(); // selectors of the parts to redraw at the next refresh
let timer = null;
let loading = false;
let again = false;

export function regionSelector(name) {
  return `[data-live-region="${CSS.escape(name)}"]`;
}

export function refresh(selectors) {
  selectors.forEach((selector) => due.add(selector));
  schedule();
}

function schedule() {
  if (timer === null && due.size) {
    timer = setTimeout(run, DEBOUNCE);
  }
}

function busy() {
  return document.querySelector("[data-live-busy]") !== null;
}

async function run() {
  timer = null;
  if (loading) {
    again = true; // this copy may predate the change: read once more after
    return;
  }
  if (busy()) {
    return; // "live:idle" asks again
  }
  const selectors = Array.from(due);
  due.clear();
  loading = true;
  try {
    const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html", "X-Live-Refresh": "1" } });
    const html = response.ok ? await response.text() : null;
    if (html !== null && !busy()) {
      morph(new DOMParser().parseFromString(html, "text/html"), selectors);
    } else {
      // A drag began meanwhile, or the read failed: keep them for the next go.
      selectors.forEach((selector) => due.add(selector));
    }
  } catch {
    // Network gone: the socket drops too, and its reconnect redraws.
  } finally {
    loading = false;
    if (again) {
      again = false;
      schedule();
    }
  }
}

function morph(fresh, selectors) {
  selectors.forEach((selector) => {
    const current = document.querySelector(selector);
    const copy = fresh.querySelector(selector);
    if (!current || !copy) {
      return; // not on this page, or gone (signed out: the login page came back)
    }
    Idiomorph.morph(current, copy);
    const morphed = document.querySelector(selector);
    if (morphed) {
      morphed.dispatchEvent(new CustomEvent("live:refreshed", { bubbles: true }));
    }
  });
}

document.addEventListener("live:idle", schedule);
