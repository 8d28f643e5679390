/*
 * Consultation thread page: small improvements; the page works without this file.
 * The live chat over ws/consultation/<id>/ will build on the same data attributes.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-consultation]");
  if (!section) {
    return;
  }

  // Open on the latest message, unless the address points at another one.
  var messages = section.querySelector("[data-messages]");
  if (!window.location.hash && !window.location.search && messages.lastElementChild) {
    messages.lastElementChild.scrollIntoView({ block: "end" });
  }

  // Enter sends, Shift+Enter starts a new line.
  var form = document.querySelector("[data-message-form]");
  var text = form && form.querySelector("textarea[name=text]");
  if (text) {
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (text.value.trim() || form.querySelector("input[type=file]").files.length) {
          form.requestSubmit();
        }
      }
    });
  }
})();
