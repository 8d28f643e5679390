/*
 * Today's queue in the doctor dashboard: drag a visit within its band to
 * change its place. SortableJS (from npm) moves the rows; each drop posts the
 * band's new order as JSON, {"band": "...", "order": [ids]}, and the server
 * answers {"ok": true} or {"error": "..."}. A refused order is put back.
 * Without JavaScript the page still lists the queue.
 * Strings come from Django's JavaScript catalog (gettext).
 *
 * admin-live.js redraws the bands when another doctor changes the queue: a
 * band is marked data-live-busy from the moment a row is picked up until its
 * order is saved, so that no redraw pulls the rows from under the pointer or
 * puts back an order the server has not stored yet; "live:idle" then lets the
 * redraw through, and the fresh bands ("live:replaced") get their own Sortable.
 */
(function () {
  "use strict";

  var page = document.querySelector("[data-queue-reorder-url]");
  if (!page || typeof Sortable === "undefined") {
    return;
  }
  var url = page.getAttribute("data-queue-reorder-url");
  var token = page.getAttribute("data-csrf-token");
  var status = page.querySelector("[data-queue-status]");

  function say(message, failed) {
    status.textContent = message;
    status.classList.toggle("queue-status-error", failed);
  }

  function rowsOf(band) {
    return Array.prototype.slice.call(band.querySelectorAll("tr[data-id]"));
  }

  // Places run on across the bands, so a band keeps its own numbers: the
  // first row takes the band's lowest, and so on.
  function renumber(band) {
    var rows = rowsOf(band);
    var first = Math.min.apply(null, rows.map(function (row) {
      return parseInt(row.getAttribute("data-place"), 10);
    }));
    rows.forEach(function (row, index) {
      row.setAttribute("data-place", String(first + index));
      row.querySelector("[data-place-cell]").textContent = String(first + index);
    });
  }

  function save(band, before, done) {
    var order = rowsOf(band).map(function (row) {
      return parseInt(row.getAttribute("data-id"), 10);
    });
    renumber(band);
    say(gettext("Saving…"), false);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ band: band.getAttribute("data-queue-band"), order: order }),
    })
      .then(function (response) {
        return response.json().then(
          function (answer) {
            return { ok: response.ok && answer.ok === true, error: answer.error };
          },
          function () {
            return { ok: false };
          }
        );
      })
      .catch(function () {
        return { ok: false };
      })
      .then(function (result) {
        if (result.ok) {
          say(gettext("Saved"), false);
        } else {
          before.forEach(function (row) {
            band.appendChild(row);
          });
          renumber(band);
          say(result.error || gettext("The new order could not be saved. Reload the page and try again."), true);
        }
        done();
      });
  }

  function setUp(root) {
    root.querySelectorAll("tbody[data-queue-band]").forEach(function (band) {
      var before = [];
      var held = { chosen: false, dragging: false, saving: false };

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
        onChoose: function () {
          hold("chosen", true);
        },
        onUnchoose: function () {
          hold("chosen", false);
        },
        onStart: function () {
          before = rowsOf(band);
          hold("dragging", true);
        },
        onEnd: function (event) {
          if (event.oldIndex !== event.newIndex) {
            hold("saving", true);
            save(band, before, function () {
              hold("saving", false);
            });
          }
          hold("dragging", false);
        },
      });
    });
  }

  setUp(page);
  document.addEventListener("live:replaced", function (event) {
    setUp(event.target);
  });
})();
