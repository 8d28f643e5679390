/*
 * Today's queue in the doctor dashboard: drag a visit within its band to
 * change its place. SortableJS (from npm) moves the rows; each drop posts the
 * band's new order as JSON, {"band": "...", "order": [ids]}, and the server
 * answers {"ok": true} or {"error": "..."}. A refused order is put back.
 * Without JavaScript the page still lists the queue.
 * Strings come from Django's JavaScript catalog (gettext).
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

  function save(band, before) {
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
          return;
        }
        before.forEach(function (row) {
          band.appendChild(row);
        });
        renumber(band);
        say(result.error || gettext("The new order could not be saved. Reload the page and try again."), true);
      });
  }

  document.querySelectorAll("tbody[data-queue-band]").forEach(function (band) {
    var before = [];
    Sortable.create(band, {
      draggable: "tr[data-id]",
      animation: 150,
      onStart: function () {
        before = rowsOf(band);
      },
      onEnd: function (event) {
        if (event.oldIndex !== event.newIndex) {
          save(band, before);
        }
      },
    });
  });
})();
