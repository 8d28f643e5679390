/*
 * The live chat of a consultation thread, on the site's thread page and the
 * dashboard's. Without this file both pages are complete: history, a plain
 * form, "load older" links. With it:
 *  - messages arrive over ws/consultation/<id>/ as the server rendered them
 *    (chat/messages.js), and the form sends over the socket (chat/composer.js);
 *  - older messages load when the top of the history scrolls into view;
 *  - what is shown is marked read, and "seen" follows the other side's reads
 *    (chat/receipts.js);
 *  - after a lost connection the missed messages are fetched again.
 */
import { showPresence } from "./lib/presence.js";
import { liveSocket } from "./lib/socket.js";
import { dropPending, hasPending, listen, settled, showFeedback } from "./chat/composer.js";
import { append, catchUp, markShownRead, watchOlder } from "./chat/messages.js";
import { forgetRead, showSeen } from "./chat/receipts.js";
import { chat } from "./chat/state.js";

function hear(frame) {
  if (frame.type === "message") {
    append(frame.message);
  } else if (frame.type === "presence") {
    showPresence(frame.counts);
  } else if (frame.type === "read") {
    if (frame.hospital !== chat.viewerIsHospital) {
      showSeen(frame.up_to);
    }
  } else if (frame.type === "ack" || frame.type === "error") {
    if (frame.client_id && hasPending()) {
      settled(frame);
    } else if (frame.type === "error") {
      showFeedback(frame.message);
    }
  }
}

function connect() {
  document.addEventListener("visibilitychange", markShownRead);
  chat.socket = liveSocket(chat.section, {
    open(reconnected) {
      forgetRead();
      markShownRead();
      if (reconnected) {
        catchUp();
      }
    },
    frame: hear,
    close: dropPending,
  });
}

if (chat) {
  listen();
  watchOlder();
  // Open on the latest message, unless the address points at another one.
  if (!location.hash && !location.search && chat.list.lastElementChild) {
    chat.list.lastElementChild.scrollIntoView({ block: "end" });
  }
  if (window.WebSocket && chat.section.dataset.socketUrl && !location.search) {
    connect();
  }
}
