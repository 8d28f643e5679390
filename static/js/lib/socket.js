/*
 * The pages' WebSockets (live.js, admin-live.js, consultation.js), each one
 * reconnecting by itself: liveSocket(element, handlers). The element carries
 * what Python knows, as {% live_socket %} (core/templatetags/core_tags.py)
 * writes it: data-socket-url, and the close codes of core/sockets.py
 * (data-close-not-signed-in, data-close-session-ended, data-close-not-member,
 * and any others). Handlers:
 *   frame(data)            each JSON frame the server sends;
 *   open(reconnected)      after each connect, reconnected after a loss;
 *   close(code)            after each close;
 *   status                 an element shown while the socket is down (not
 *                          after a close that says the user is signed out:
 *                          a logout elsewhere, the reconnect finds out).
 * A close as not signed in or not a member is for good; after any other the
 * socket comes back with exponential backoff and jitter, so that a restarted
 * server is not stampeded. Returns {isOpen(), send(text)}.
 *
 * While the socket is open the element carries data-socket-open: the server
 * accepts a socket once it is in its groups, so from then on the page hears
 * every push (the browser journeys wait for it before another page acts).
 */

const FIRST_DELAY = 1000;
const MAX_DELAY = 30000;

// {notSignedIn: 4401, sessionEnded: 4000, ...} from data-close-* attributes.
export function closeCodes(element) {
  const codes = {};
  Object.keys(element.dataset).forEach((key) => {
    if (/^close[A-Z]/.test(key)) {
      codes[key.charAt(5).toLowerCase() + key.slice(6)] = Number(element.dataset[key]);
    }
  });
  return codes;
}

export function liveSocket(element, handlers) {
  const codes = closeCodes(element);
  const forGood = [codes.notSignedIn, codes.notMember];
  const signedOut = [codes.notSignedIn, codes.sessionEnded];
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + element.dataset.socketUrl;
  let socket = null;
  let delay = FIRST_DELAY;
  let lost = false;

  function showStatus(down) {
    if (handlers.status) {
      handlers.status.hidden = !down;
    }
  }

  function connect() {
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      const reconnected = lost;
      delay = FIRST_DELAY;
      lost = false;
      element.setAttribute("data-socket-open", "");
      showStatus(false);
      if (handlers.open) {
        handlers.open(reconnected);
      }
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handlers.frame(frame);
    });
    socket.addEventListener("close", (event) => {
      lost = true;
      element.removeAttribute("data-socket-open");
      showStatus(!signedOut.includes(event.code));
      if (handlers.close) {
        handlers.close(event.code);
      }
      if (!forGood.includes(event.code)) {
        setTimeout(connect, delay * (0.5 + Math.random() / 2));
        delay = Math.min(delay * 2, MAX_DELAY);
      }
    });
  }

  connect();
  return {
    isOpen: () => socket.readyState === WebSocket.OPEN,
    send: (text) => socket.send(text),
  };
}
