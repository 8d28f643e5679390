/*
 * Healing Paws: small progressive enhancements. Every page works without this file.
 * Strings come from Django's JavaScript catalog (gettext, interpolate).
 */
import { csrfToken, showFeedback } from "./lib/feedback.js";

document.documentElement.classList.add("js");

// Menus (<details data-menu>) open and close without this; it closes them
// on a click elsewhere or Escape, as a dropdown does.
const menus = document.querySelectorAll("details[data-menu]");
document.addEventListener("click", (event) => {
  menus.forEach((menu) => {
    if (menu.open && !menu.contains(event.target)) {
      menu.open = false;
    }
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  menus.forEach((menu) => {
    if (menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
});

// Language switcher: change the language as soon as one is picked.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});

// Live signup checks: ask the server, which answers with the form's own messages.
function liveCheck(input) {
  const url = input.form.getAttribute("data-live-check-url");
  let timer = null;
  let lastValue = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const value = input.value.trim();
      if (value === lastValue) {
        return;
      }
      lastValue = value;
      if (value === "") {
        showFeedback(input, []);
        return;
      }
      const body = new URLSearchParams({ field: input.getAttribute("data-live-check"), value: value });
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      })
        .then((response) => (response.ok ? response.json() : null))
        .then((result) => {
          // A refused check (rate limit, network) says nothing: the server
          // checks again on submit.
          if (result && input.value.trim() === value) {
            showFeedback(input, result.errors);
          }
        })
        .catch(() => {});
    }, 400);
  });
}

document.querySelectorAll("[data-live-check]").forEach((input) => {
  if (input.form && input.form.getAttribute("data-live-check-url")) {
    liveCheck(input);
  }
});

// Image inputs: say at once when a file is of the wrong type or too large.
const imageTypes = ["image/jpeg", "image/png", "image/webp"];
document.querySelectorAll("input[type=file][data-max-bytes]").forEach((input) => {
  input.addEventListener("change", () => {
    const file = input.files[0];
    const errors = [];
    if (file) {
      const maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
      if (!imageTypes.includes(file.type)) {
        errors.push(gettext("Upload a JPEG, PNG or WebP image."));
      } else if (file.size > maxBytes) {
        errors.push(
          interpolate(
            gettext("The image is %(size)s MB; the limit is %(limit)s MB."),
            { size: (file.size / 1048576).toFixed(1), limit: Math.round(maxBytes / 1048576) },
            true
          )
        );
      }
    }
    showFeedback(input, errors);
    input.setCustomValidity(errors.join(" "));
  });
});
