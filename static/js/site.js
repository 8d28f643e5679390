/*
 * Healing Paws: small progressive enhancements. Every page works without this file.
 * Strings come from Django's JavaScript catalog (gettext, interpolate).
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Menus (<details data-menu>) open and close without this; it closes them
  // on a click elsewhere or Escape, as a dropdown does.
  var menus = document.querySelectorAll("details[data-menu]");
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });

  // Language switcher: change the language as soon as one is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // Live signup checks: ask the server, which answers with the form's own messages.
  // Messages go in as text, one line each: never as HTML.
  function fillFeedback(feedback, errors) {
    feedback.textContent = "";
    errors.forEach(function (message) {
      var line = document.createElement("div");
      line.textContent = message;
      feedback.appendChild(line);
    });
    feedback.classList.toggle("d-block", errors.length > 0);
  }

  function showFeedback(input, errors) {
    var feedback = document.querySelector('[data-feedback-for="' + input.name + '"]');
    if (!feedback) {
      return;
    }
    fillFeedback(feedback, errors);
    input.classList.toggle("is-invalid", errors.length > 0);
    input.classList.toggle("is-valid", errors.length === 0 && input.value !== "");
    input.setAttribute("aria-invalid", errors.length > 0 ? "true" : "false");
  }

  function liveCheck(input) {
    var url = input.form.getAttribute("data-live-check-url");
    var timer = null;
    var lastValue = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value.trim();
        if (value === lastValue) {
          return;
        }
        lastValue = value;
        if (value === "") {
          showFeedback(input, []);
          return;
        }
        var body = new URLSearchParams({ field: input.getAttribute("data-live-check"), value: value });
        fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken() },
        })
          .then(function (response) {
            return response.ok ? response.json() : null;
          })
          .then(function (result) {
            // A refused check (rate limit, network) says nothing: the server
            // checks again on submit.
            if (result && input.value.trim() === value) {
              showFeedback(input, result.errors);
            }
          })
          .catch(function () {});
      }, 400);
    });
  }

  // Shared with the page scripts (pet-photo.js).
  window.HealingPaws = {
    csrfToken: csrfToken,
    fillFeedback: fillFeedback,
    showFeedback: showFeedback,
  };

  document.querySelectorAll("[data-live-check]").forEach(function (input) {
    if (input.form && input.form.getAttribute("data-live-check-url")) {
      liveCheck(input);
    }
  });

  // Image inputs: say at once when a file is of the wrong type or too large.
  var imageTypes = ["image/jpeg", "image/png", "image/webp"];
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files[0];
      var errors = [];
      if (file) {
        var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
        if (imageTypes.indexOf(file.type) === -1) {
          errors.push(gettext("Upload a JPEG, PNG or WebP image."));
        } else if (file.size > maxBytes) {
          errors.push(
            interpolate(gettext("The image is %(size)s MB; the limit is %(limit)s MB."), {
              size: (file.size / 1048576).toFixed(1),
              limit: Math.round(maxBytes / 1048576),
            }, true)
          );
        }
      }
      showFeedback(input, errors);
      input.setCustomValidity(errors.join(" "));
    });
  });
})();
