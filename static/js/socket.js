/*
 * The pages' WebSockets (live.js, admin-live.js, consultation.js), each one
 * reconnecting by itself: healingPaws.liveSocket(path, handlers) with
 *   frame(data)            each JSON frame the server sends;
 *   open(reconnected)      after each connect, reconnected after a loss;
 *   close(code, retrying)  after each close.
 * A close with 4401 (signed out) or 4404 (not yours) is for good; after any
 * other the socket comes back with exponential backoff and jitter, so that a
 * restarted server is not stampeded. Returns {isOpen(), send(text)}.
 */
(function () {
  "use strict";

  // Close codes of accounts/consumers.py and consultation/consumers.py.
  var FOR_GOOD = [4401, 4404];
  var FIRST_DELAY = 1000;
  var MAX_DELAY = 30000;

  function liveSocket(path, handlers) {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    var socket = null;
    var delay = FIRST_DELAY;
    var lost = false;

    function connect() {
      socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        var reconnected = lost;
        delay = FIRST_DELAY;
        lost = false;
        if (handlers.open) {
          handlers.open(reconnected);
        }
      });
      socket.addEventListener("message", function (event) {
        var frame;
        try {
          frame = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        handlers.frame(frame);
      });
      socket.addEventListener("close", function (event) {
        var retrying = FOR_GOOD.indexOf(event.code) === -1;
        lost = true;
        if (handlers.close) {
          handlers.close(event.code, retrying);
        }
        if (retrying) {
          setTimeout(connect, delay * (0.5 + Math.random() / 2));
          delay = Math.min(delay * 2, MAX_DELAY);
        }
      });
    }

    connect();
    return {
      isOpen: function () {
        return socket.readyState === WebSocket.OPEN;
      },
      send: function (text) {
        socket.send(text);
      },
    };
  }

  window.healingPaws = window.healingPaws || {};
  window.healingPaws.liveSocket = liveSocket;
})();
