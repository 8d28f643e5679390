/*
 * Messages beside form fields, shared by the page scripts (site.js,
 * booking.js, pet-photo.js, upload-progress.js). Messages go in as text, one
 * line each: never as HTML.
 */

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// The messages as lines of text in `box`; returns whether there are any.
export function writeLines(box, messages) {
  box.textContent = "";
  messages.forEach((message) => {
    const line = document.createElement("div");
    line.textContent = message;
    box.appendChild(line);
  });
  return messages.length > 0;
}

export function fillFeedback(feedback, errors) {
  feedback.classList.toggle("d-block", writeLines(feedback, errors));
}

// The field's own feedback box ([data-feedback-for]), if the page has one.
export function feedbackFor(input) {
  return input && input.name ? document.querySelector(`[data-feedback-for="${CSS.escape(input.name)}"]`) : null;
}

export function showFeedback(input, errors) {
  const feedback = feedbackFor(input);
  if (!feedback) {
    return;
  }
  fillFeedback(feedback, errors);
  input.classList.toggle("is-invalid", errors.length > 0);
  input.classList.toggle("is-valid", errors.length === 0 && input.value !== "");
  input.setAttribute("aria-invalid", errors.length > 0 ? "true" : "false");
}

// A JSON answer's {"errors": {field: [message or {message}]}} as lists of text.
export function errorTexts(errors) {
  return Object.keys(errors).map((name) => [
    name,
    errors[name].map((error) => (typeof error === "string" ? error : error.message)),
  ]);
}
