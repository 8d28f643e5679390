/*
 * The live chat of a consultation thread, on the site's thread page and the
 * admin's. Without this file both pages are complete: history, a plain form,
 * "load older" links. With it:
 *  - messages arrive over ws/consultation/<id>/ and are put in the page from
 *    the page's own <template data-message-template> / data-notice-template,
 *    with textContent only (never HTML from a message);
 *  - the form sends over the socket (Enter sends, Shift+Enter a new line); a
 *    photo, a text too long for one frame, or a closed socket uses the plain
 *    form, so nothing typed is lost;
 *  - older messages load when the top of the history scrolls into view;
 *  - what is shown is marked read, and "seen" follows the other side's reads;
 *  - after a lost connection the missed messages are fetched again.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-consultation]");
  if (!section) {
    return;
  }
  var list = section.querySelector("[data-messages]");
  var messageTemplate = document.querySelector("template[data-message-template]");
  var noticeTemplate = document.querySelector("template[data-notice-template]");
  var historyUrl = section.getAttribute("data-history-url");
  var socketPath = section.getAttribute("data-socket-url");
  var viewerId = Number(section.getAttribute("data-viewer-id"));
  var viewerIsHospital = section.getAttribute("data-viewer-hospital") === "true";

  var FRAME_MAX_BYTES = 4096; // consultation/consumers.py
  var socket = null; // healingPaws.liveSocket
  var pending = null; // the frame sent and not yet acknowledged

  // --- the history -----------------------------------------------------------

  function shownIds() {
    return Array.prototype.map.call(list.querySelectorAll("[data-message-id]"), function (item) {
      return Number(item.getAttribute("data-message-id"));
    });
  }

  function lastId() {
    var ids = shownIds();
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  // The first message shown with an id above `id` (null: none, append).
  function firstShownAfter(id) {
    var items = list.querySelectorAll("[data-message-id]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].getAttribute("data-message-id")) < id) {
        return items[i + 1] || null;
      }
    }
    return items[0] || null;
  }

  function firstId() {
    var ids = shownIds();
    return ids.length ? Math.min.apply(null, ids) : 0;
  }

  function fill(node, slot, value) {
    var target = node.querySelector('[data-slot="' + slot + '"]');
    if (target) {
      target.textContent = value; // text, never HTML
    }
    return target;
  }

  // Keeps a slot (unhidden) or removes it: display utilities would beat "hidden".
  function show(node, slot, visible) {
    var target = node.querySelector('[data-slot="' + slot + '"]');
    if (target && !visible) {
      target.remove();
      return null;
    }
    if (target) {
      target.hidden = false;
    }
    return target;
  }

  function render(message) {
    var system = message.kind === "system";
    var template = system ? noticeTemplate : messageTemplate;
    var item = template.content.firstElementChild.cloneNode(true);
    item.id = "message-" + message.id;
    item.setAttribute("data-message-id", message.id);
    item.setAttribute("data-from-hospital", message.sender_is_doctor ? "true" : "false");
    var time = item.querySelector("time");
    if (time) {
      time.setAttribute("datetime", message.created_at);
      time.textContent = message.created_at_display;
    }
    fill(item, "text", message.text);
    show(item, "text", Boolean(message.text));
    if (system) {
      return item;
    }
    fill(item, "sender", message.sender || "");
    show(item, "doctor", message.sender_is_doctor);
    show(item, "urgent", message.urgent);
    var photo = show(item, "photo", Boolean(message.photo_url));
    if (photo && message.photo_url) {
      photo.href = message.photo_url;
      photo.querySelector("img").src = message.thumbnail_url;
    }
    var avatar = item.querySelector('[data-slot="avatar"]');
    if (avatar && message.avatar) {
      if (message.avatar.url) {
        var image = document.createElement("img");
        image.className = avatar.className;
        image.src = message.avatar.url;
        image.alt = message.sender || "";
        image.width = image.height = 32;
        avatar.replaceWith(image);
      } else {
        avatar.textContent = message.avatar.initials;
        avatar.classList.add(message.avatar.color);
      }
    }
    Array.prototype.forEach.call(item.querySelectorAll("[data-hospital-class]"), function (node) {
      if (message.sender_is_doctor) {
        node.className = node.getAttribute("data-hospital-class");
      }
    });
    // The viewer's side on one side, the other on the other.
    if (message.sender_is_doctor === viewerIsHospital) {
      Array.prototype.forEach.call(item.querySelectorAll("[data-mine-class]"), function (node) {
        node.className += " " + node.getAttribute("data-mine-class");
      });
      if (item.hasAttribute("data-mine-class")) {
        item.className += " " + item.getAttribute("data-mine-class");
      }
    }
    return item;
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 120;
  }

  function append(message) {
    if (document.getElementById("message-" + message.id)) {
      return; // already shown (from the page, or a fetch after a reconnect)
    }
    var stick = nearBottom();
    var empty = list.querySelector("[data-empty]");
    if (empty) {
      empty.remove();
    }
    var item = render(message);
    // In id order: a live message may come before older ones being caught up.
    list.insertBefore(item, firstShownAfter(message.id));
    // Its author has read everything up to it.
    if (message.kind !== "system" && message.sender_is_doctor !== viewerIsHospital) {
      showSeen(message.id);
    }
    if (stick || message.sender_id === viewerId) {
      item.scrollIntoView({ block: "end" });
    }
    markRead();
    if (message.kind === "system" && (message.event === "closed" || (message.event === "muted" && !viewerIsHospital))) {
      refreshComposer();
    }
  }

  // Older messages: when the "load older" link scrolls into view (or is used).
  var older = section.querySelector("[data-load-older]");
  var loadingOlder = false;

  function loadOlder() {
    if (loadingOlder || !older) {
      return;
    }
    loadingOlder = true;
    fetch(historyUrl + "?before=" + firstId(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (page) {
        // Keep the reader's place while the page grows above it.
        var before = document.documentElement.scrollHeight;
        var anchor = list.firstElementChild;
        page.messages.forEach(function (message) {
          if (!document.getElementById("message-" + message.id)) {
            list.insertBefore(render(message), anchor);
          }
        });
        window.scrollBy(0, document.documentElement.scrollHeight - before);
        if (!page.has_more) {
          older.closest("[data-older]").remove();
          older = null;
        }
      })
      .catch(function () {
        // The link still works as a plain link.
      })
      .then(function () {
        loadingOlder = false;
      });
  }

  if (older) {
    older.addEventListener("click", function (event) {
      event.preventDefault();
      loadOlder();
    });
    if (window.IntersectionObserver) {
      new IntersectionObserver(function (entries) {
        if (entries[0].isIntersecting) {
          loadOlder();
        }
      }).observe(older);
    }
  }

  // Messages missed while the socket was down: everything after the last one
  // the page holds, page by page until the server has no more (however many
  // were missed). One catch-up at a time; a reconnect during one asks again.
  var catchingUp = false;
  var catchUpAgain = false;

  function catchUp() {
    if (catchingUp) {
      catchUpAgain = true;
      return;
    }
    catchingUp = true;
    catchUpAgain = false;
    catchUpAfter(lastId());
  }

  function catchUpAfter(after) {
    fetch(historyUrl + "?after=" + after, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (page) {
        page.messages.forEach(append);
        if (page.has_more && page.messages.length) {
          catchUpAfter(page.messages[page.messages.length - 1].id);
        } else {
          caughtUp();
        }
      })
      .catch(caughtUp); // the next reconnect tries again
  }

  function caughtUp() {
    catchingUp = false;
    if (catchUpAgain) {
      catchUp();
    } else {
      markRead();
    }
  }

  // --- read marks and receipts -------------------------------------------------

  var readSent = 0;

  function markRead() {
    var latest = lastId();
    // While catching up, once at the end: a read frame per message shown
    // would trip the socket's rate limit.
    if (document.visibilityState !== "visible" || latest <= readSent || !isOpen() || catchingUp) {
      return;
    }
    readSent = latest;
    socket.send(JSON.stringify({ type: "read", up_to: latest }));
  }

  document.addEventListener("visibilitychange", markRead);

  function showSeen(upTo) {
    var seen = list.querySelector("[data-seen]");
    var seenTemplate = document.querySelector("template[data-seen-template]");
    if (!seen && seenTemplate) {
      seen = seenTemplate.content.firstElementChild.cloneNode(true);
    }
    var ours = Array.prototype.filter.call(list.querySelectorAll('[data-kind="user"]'), function (item) {
      var fromHospital = item.getAttribute("data-from-hospital") === "true";
      return fromHospital === viewerIsHospital && Number(item.getAttribute("data-message-id")) <= upTo;
    });
    var target = ours[ours.length - 1];
    if (!seen || !target) {
      return;
    }
    var slot = target.querySelector("[data-seen-slot]") || target;
    slot.appendChild(seen);
    seen.hidden = false;
  }

  // --- the composer ------------------------------------------------------------

  var feedback = document.querySelector("[data-send-feedback]");

  function showFeedback(message) {
    if (feedback) {
      feedback.textContent = message || "";
      feedback.hidden = !message;
    }
  }

  function isOpen() {
    return socket !== null && socket.isOpen();
  }

  function byteLength(value) {
    return new TextEncoder().encode(value).length;
  }

  function newClientId() {
    return String(Date.now()) + Math.random().toString(16).slice(2, 8);
  }

  // Listened for on the document: the composer is replaced after a close or mute.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-message-form]");
    if (!form) {
      return;
    }
    var photo = form.querySelector("input[type=file]");
    var urgent = form.querySelector("input[name=urgent]");
    var frame = JSON.stringify({
      type: "message",
      text: form.querySelector("textarea[name=text]").value,
      urgent: Boolean(urgent && urgent.checked),
      client_id: newClientId(),
    });
    // A photo, a long text, or no socket: the plain form does it.
    if (!isOpen() || (photo && photo.files.length) || byteLength(frame) > FRAME_MAX_BYTES) {
      return;
    }
    event.preventDefault();
    if (pending) {
      return; // one at a time: the previous is not acknowledged yet
    }
    pending = JSON.parse(frame);
    setSending(true);
    showFeedback("");
    socket.send(frame);
  });

  function setSending(sending) {
    var button = document.querySelector("[data-message-form] [type=submit]");
    if (button) {
      button.disabled = sending;
    }
  }

  function settled(frame) {
    if (!pending || frame.client_id !== pending.client_id) {
      return;
    }
    pending = null;
    setSending(false);
    var form = document.querySelector("[data-message-form]");
    if (frame.type === "ack" && form) {
      var text = form.querySelector("textarea[name=text]");
      var urgent = form.querySelector("input[name=urgent]");
      text.value = "";
      if (urgent) {
        urgent.checked = false;
      }
      text.focus();
    } else {
      showFeedback(frame.message); // the text stays, to correct or resend
    }
  }

  // Enter sends, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var text = event.target;
    var form = text.closest && text.closest("[data-message-form]");
    if (!form || text.name !== "text" || event.key !== "Enter" || event.shiftKey || event.isComposing) {
      return;
    }
    event.preventDefault();
    var photo = form.querySelector("input[type=file]");
    if (text.value.trim() || (photo && photo.files.length)) {
      form.requestSubmit();
    }
  });

  // After a close or a mute the server's page says what can be done now
  // (the composer and its notices) and the thread's state badge.
  var REFRESHED = ["[data-composer]", "[data-thread-state]"];

  function refreshComposer() {
    var composer = document.querySelector("[data-composer]");
    if (!composer) {
      return;
    }
    fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html");
        REFRESHED.forEach(function (selector) {
          var current = document.querySelector(selector);
          var replacement = fresh && fresh.querySelector(selector);
          if (current && replacement) {
            current.replaceWith(document.importNode(replacement, true));
          }
        });
      })
      .catch(function () {});
  }

  // --- the socket --------------------------------------------------------------

  function connect() {
    socket = window.healingPaws.liveSocket(socketPath, {
      open: function (reconnected) {
        readSent = 0;
        markRead();
        if (reconnected) {
          catchUp();
        }
      },
      frame: function (frame) {
        if (frame.type === "message") {
          append(frame.message);
        } else if (frame.type === "presence") {
          window.healingPaws.showPresence(frame.counts);
        } else if (frame.type === "read") {
          if (frame.hospital !== viewerIsHospital) {
            showSeen(frame.up_to);
          }
        } else if (frame.type === "ack" || frame.type === "error") {
          if (frame.client_id && pending) {
            settled(frame);
          } else if (frame.type === "error") {
            showFeedback(frame.message);
          }
        }
      },
      close: function () {
        if (pending) {
          // Not acknowledged: it may not be stored. The text is still there.
          pending = null;
          setSending(false);
        }
      },
    });
  }

  // Open on the latest message, unless the address points at another one.
  if (!window.location.hash && !window.location.search && list.lastElementChild) {
    list.lastElementChild.scrollIntoView({ block: "end" });
  }
  if (window.WebSocket && socketPath && messageTemplate && !window.location.search) {
    connect();
  }
})();
