/*
 * Live updates for signed-in users: the bell's count, a toast for each new
 * notification, page parts marked data-live-region that refresh when a
 * notification concerns them, and how many doctors (for doctors, customers
 * too) are online. Without this file every page is still right
 * when loaded; this only spares the reload.
 */
(function () {
  "use strict";

  var bell = document.querySelector("[data-notification-bell]");
  if (!bell || !window.WebSocket) {
    return;
  }
  var badge = bell.querySelector("[data-unread-count]");
  var status = document.querySelector("[data-live-status]");
  // Close codes of accounts/consumers.py.
  var NOT_SIGNED_IN = 4401;
  var SESSION_ENDED = 4000;

  var label = bell.querySelector("[data-unread-label]");

  function showUnread(count) {
    badge.textContent = count;
    badge.classList.toggle("d-none", !count);
    label.textContent = interpolate(ngettext("%s unread notification", "%s unread notifications", count), [count]);
  }

  function showStatus(lost) {
    if (status) {
      status.hidden = !lost;
    }
  }

  function toast(text, link) {
    var area = document.querySelector("[data-toast-area]");
    if (!area || !window.bootstrap) {
      return;
    }
    var box = document.createElement("div");
    box.className = "toast align-items-center border-0 text-bg-primary";
    box.setAttribute("role", "status");
    var body = document.createElement("a");
    body.className = "toast-body d-block text-white text-decoration-none";
    body.href = link;
    body.textContent = text; // text, never HTML
    box.appendChild(body);
    area.appendChild(box);
    new window.bootstrap.Toast(box, { delay: 6000 }).show();
    box.addEventListener("hidden.bs.toast", function () {
      box.remove();
    });
  }

  // Re-read the page and put the fresh copy of each matching region in place.
  function refresh(regions) {
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        regions.forEach(function (region) {
          var name = region.getAttribute("data-live-region");
          var replacement = fresh.querySelector('[data-live-region="' + name + '"]');
          if (replacement) {
            region.replaceWith(document.importNode(replacement, true));
          }
        });
      })
      .catch(function () {
        // The next notification or reload will bring the page up to date.
      });
  }

  function regionsFor(message) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-live-region]"), function (region) {
      var name = region.getAttribute("data-live-region");
      return name === "visits" ? message.reservation : name === "reservation-" + message.reservation;
    });
  }

  // A reply to the thread this page shows (with its live chat: no ?before=)
  // is already in the page, and the page's read mark reads its notification:
  // no toast, no +1 (the server sends the count again after the mark).
  var thread = document.querySelector("[data-consultation]");

  function shownHere(message) {
    return message.type === "notification" && thread !== null && !location.search && message.url === location.pathname;
  }

  window.healingPaws.liveSocket(bell.getAttribute("data-socket-url"), {
    open: function () {
      showStatus(false);
    },
    frame: function (message) {
      if (shownHere(message)) {
        return;
      }
      if (typeof message.unread === "number") {
        showUnread(message.unread);
      }
      if (message.type === "presence") {
        window.healingPaws.showPresence(message.counts);
      }
      if (message.type === "notification") {
        toast(message.text, message.url);
        var regions = regionsFor(message);
        if (regions.length) {
          refresh(regions);
        }
      }
    },
    close: function (code) {
      // Signed out: nothing to say. A logout elsewhere: the reconnect finds out.
      showStatus(code !== NOT_SIGNED_IN && code !== SESSION_ENDED);
    },
  });
})();
