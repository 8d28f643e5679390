/*
 * The doctor dashboard, live. ws/dashboard/ says that something the Today
 * panel or the queue shows has changed (reservations/live.py); this re-reads
 * the page and puts the fresh copy of each [data-live-region] in place, as
 * live.js does on the public site. Without it, or while the socket is down,
 * every page is still right as of its last load.
 *
 * With other scripts: an element inside a region marked data-live-busy (a
 * row being dragged, an order being saved: admin-queue.js) holds the redraw
 * back until a "live:idle" event on the document; each fresh region then
 * fires "live:replaced" (it bubbles), so that its scripts can set it up.
 */
(function () {
  "use strict";

  var status = document.querySelector("[data-live-dashboard]");
  if (!status || !window.WebSocket || !window.fetch) {
    return;
  }
  // Close codes of accounts/consumers.py.
  var NOT_SIGNED_IN = 4401;
  var SESSION_ENDED = 4000;
  // A burst of changes (a bulk action, two doctors at once) makes one fetch.
  var DEBOUNCE = 300;

  var due = {}; // names of the regions to redraw at the next refresh
  var timer = null;
  var loading = false;
  var again = false;

  function regions() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-live-region]"));
  }

  function busy() {
    return document.querySelector("[data-live-region] [data-live-busy]") !== null;
  }

  // A region about one day (the queue of ?date=) only cares for changes of
  // that day; a push without days concerns everything. A region may also
  // ignore reasons it does not show (data-live-ignore: the queue shows no
  // consultations).
  function concerns(region, days, reasons) {
    var day = region.getAttribute("data-live-day");
    var ignored = (region.getAttribute("data-live-ignore") || "").split(" ");
    var relevant = (reasons || []).filter(function (reason) {
      return ignored.indexOf(reason) === -1;
    });
    if (reasons && reasons.length && !relevant.length) {
      return false;
    }
    return !day || !days || !days.length || days.indexOf(day) !== -1;
  }

  function want(days, reasons) {
    regions().forEach(function (region) {
      if (concerns(region, days, reasons)) {
        due[region.getAttribute("data-live-region")] = true;
      }
    });
    schedule();
  }

  function schedule() {
    if (timer === null && Object.keys(due).length) {
      timer = setTimeout(refresh, DEBOUNCE);
    }
  }

  function refresh() {
    timer = null;
    if (loading) {
      again = true; // this copy may predate the change: read once more after
      return;
    }
    if (busy()) {
      return; // "live:idle" asks again
    }
    var names = due;
    due = {};
    loading = true;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && !busy()) {
          swap(html, names);
        } else {
          // A drag began meanwhile, or the read failed: keep them for the next go.
          Object.keys(names).forEach(function (name) {
            due[name] = true;
          });
        }
      })
      .catch(function () {
        // Network gone: the socket drops too, and its reconnect redraws.
      })
      .then(function () {
        loading = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  function swap(html, names) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    regions().forEach(function (region) {
      var name = region.getAttribute("data-live-region");
      var replacement = names[name] && fresh.querySelector('[data-live-region="' + CSS.escape(name) + '"]');
      if (!replacement) {
        return; // not asked for, or gone (signed out: the login page came back)
      }
      var focus = focused(region);
      var copy = document.importNode(replacement, true);
      region.replaceWith(copy);
      refocus(copy, focus);
      copy.dispatchEvent(new CustomEvent("live:replaced", { bubbles: true }));
    });
  }

  // Keyboard users keep their place: the same button of the same visit's row,
  // wherever that row now is. Anything else would risk acting on another visit.
  function focused(region) {
    var node = document.activeElement;
    var row = node && node !== region && region.contains(node) ? node.closest("[data-id]") : null;
    if (!row || !region.contains(row)) {
      return null;
    }
    var path = [];
    for (; node !== row; node = node.parentElement) {
      path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    }
    return { id: row.getAttribute("data-id"), path: path, tag: document.activeElement.tagName };
  }

  function refocus(region, focus) {
    if (!focus) {
      return;
    }
    var node = region.querySelector('[data-id="' + CSS.escape(focus.id) + '"]');
    for (var i = 0; node && i < focus.path.length; i++) {
      node = node.children[focus.path[i]];
    }
    if (node && node.tagName === focus.tag) {
      node.focus({ preventScroll: true });
    }
  }

  // One-click queue buttons (forms marked data-queue-action: next step,
  // triage) are posted without leaving the page: the answer's message goes to
  // [data-action-status], and the live regions are redrawn at once rather than
  // when the socket's push comes (it may be down). Without this script the
  // form posts and the server sends the browser back to the page.
  function say(text, failed) {
    var place = document.querySelector("[data-action-status]");
    if (place) {
      place.textContent = text;
      place.classList.toggle("queue-status-error", failed);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-live-region] form[data-queue-action]")) {
      return;
    }
    event.preventDefault();
    // One click, one step: a second click while this one is on its way is
    // dropped. (Not "disabled": that would take the keyboard focus away,
    // which the redraw puts back on the same visit's button.)
    if (form.hasAttribute("data-posting")) {
      return;
    }
    form.setAttribute("data-posting", "");
    var body = new FormData(form);
    var button = event.submitter;
    if (button && button.name) {
      body.append(button.name, button.value);
    }
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: body,
    })
      .then(function (response) {
        return response.json().then(
          function (answer) {
            return { ok: response.ok && answer.ok === true, text: answer.message || answer.error };
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
        say(result.text || gettext("That did not work. Reload the page and try again."), !result.ok);
        form.removeAttribute("data-posting");
        want(null);
      });
  });

  document.addEventListener("live:idle", schedule);
  window.healingPaws.liveSocket(status.getAttribute("data-live-dashboard"), {
    open: function (reconnected) {
      status.hidden = true;
      if (reconnected) {
        want(null); // changes made while it was down were not heard
      }
    },
    frame: function (message) {
      if (message.type === "changed") {
        want(message.days, message.reasons);
      } else if (message.type === "presence") {
        window.healingPaws.showPresence(message.counts);
      }
    },
    close: function (code) {
      // Signed out or not a doctor: nothing to say. A logout elsewhere: the
      // reconnect finds out.
      status.hidden = code === NOT_SIGNED_IN || code === SESSION_ENDED;
    },
  });
})();
