/*
 * The chat's form: it sends over the socket (Enter sends, Shift+Enter a new
 * line), one message at a time, and is cleared when the server acknowledges
 * it. A photo, a text too long for one frame, or a closed socket leaves it to
 * the plain form (upload-progress.js for a photo), so nothing typed is lost.
 * Listened for on the document: the composer is redrawn after a close or mute.
 */
import { chat } from "./state.js";

let pending = null; // the frame sent and not yet acknowledged

export function showFeedback(message) {
  const feedback = document.querySelector("[data-send-feedback]");
  if (feedback) {
    feedback.textContent = message || "";
    feedback.hidden = !message;
  }
}

function setSending(sending) {
  const button = document.querySelector("[data-message-form] [type=submit]");
  if (button) {
    button.disabled = sending;
  }
}

function byteLength(value) {
  return new TextEncoder().encode(value).length;
}

function newClientId() {
  return String(Date.now()) + Math.random().toString(16).slice(2, 8);
}

function send(event) {
  const form = event.target.closest("[data-message-form]");
  if (!form) {
    return;
  }
  const photo = form.querySelector("input[type=file]");
  const urgent = form.querySelector("input[name=urgent]");
  const frame = JSON.stringify({
    type: "message",
    text: form.querySelector("textarea[name=text]").value,
    urgent: Boolean(urgent && urgent.checked),
    client_id: newClientId(),
  });
  // A photo, a long text, or no socket: the plain form does it.
  if (!chat.isOpen() || (photo && photo.files.length) || byteLength(frame) > chat.frameMaxBytes) {
    return;
  }
  event.preventDefault();
  if (pending) {
    return; // one at a time: the previous is not acknowledged yet
  }
  pending = JSON.parse(frame);
  setSending(true);
  showFeedback("");
  chat.socket.send(frame);
}

// Enter sends, Shift+Enter starts a new line.
function enterSends(event) {
  const text = event.target;
  const form = text.closest && text.closest("[data-message-form]");
  if (!form || text.name !== "text" || event.key !== "Enter" || event.shiftKey || event.isComposing) {
    return;
  }
  event.preventDefault();
  const photo = form.querySelector("input[type=file]");
  if (text.value.trim() || (photo && photo.files.length)) {
    form.requestSubmit();
  }
}

// An "ack" or "error" frame: the answer to what was sent, if it is ours.
export function settled(frame) {
  if (!pending || frame.client_id !== pending.client_id) {
    return;
  }
  pending = null;
  setSending(false);
  const form = document.querySelector("[data-message-form]");
  if (frame.type === "ack" && form) {
    const text = form.querySelector("textarea[name=text]");
    const urgent = form.querySelector("input[name=urgent]");
    text.value = "";
    if (urgent) {
      urgent.checked = false;
    }
    text.focus();
  } else {
    showFeedback(frame.message); // the text stays, to correct or resend
  }
}

export function hasPending() {
  return pending !== null;
}

// The socket closed: what was sent may not be stored. The text is still there.
export function dropPending() {
  if (pending) {
    pending = null;
    setSending(false);
  }
}

export function listen() {
  document.addEventListener("submit", send);
  document.addEventListener("keydown", enterSends);
}
