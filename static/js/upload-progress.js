/*
 * Upload progress for forms that send a file: the avatar, a photo in a chat
 * (the site's and the dashboard's).
 *
 * A <form data-upload-progress> holding includes/upload_progress.html is sent
 * with XMLHttpRequest when a file is chosen, so that the <progress> bar can
 * follow the upload; its submit buttons stay disabled until the answer. The
 * server answers these requests with JSON (accounts.images.upload_answer):
 * {"redirect": url} or {"errors": {field: [messages]}}. Anything else (a
 * proxy's 413, a server error, a lost connection) gets a message of its own.
 * After an error the buttons come back and the form keeps what was typed.
 * Without JavaScript, or without a file, the form posts as usual.
 */
import { errorTexts, feedbackFor, showFeedback, writeLines } from "./lib/feedback.js";

function chosenFile(form) {
  return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
    return input.files && input.files.length > 0;
  });
}

// On the document, as the chat's composer is redrawn after a close or mute.
// consultation.js leaves a message with a photo to the form, so to this.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-upload-progress]");
  if (!form || event.defaultPrevented || !chosenFile(form)) {
    return;
  }
  event.preventDefault();
  if (form.getAttribute("aria-busy") === "true") {
    return; // already on its way
  }
  send(form, event.submitter);
});

function send(form, submitter) {
  var box = form.querySelector("[data-upload-progress-box]");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-upload-progress-percent]");
  var errorBox = form.querySelector("[data-upload-progress-error]");
  var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");

  function setBusy(busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    Array.prototype.forEach.call(buttons, function (button) {
      button.disabled = busy;
    });
    box.hidden = !busy;
  }

  function showProgress(value) {
    var rounded = Math.round(value);
    bar.value = rounded;
    percent.textContent = rounded + "%";
  }

  function fail(messages) {
    setBusy(false);
    errorBox.hidden = !writeLines(errorBox, messages);
  }

  function showErrors(errors) {
    var general = [];
    errorTexts(errors).forEach(function ([name, messages]) {
      var input = form.elements[name];
      // A field with a box of its own beside it (the site's forms); the
      // dashboard's forms have none: there, above the button.
      if (feedbackFor(input)) {
        showFeedback(input, messages);
      } else {
        general = general.concat(messages);
      }
    });
    fail(general);
  }

  function go(url) {
    var target = new URL(url, window.location.href);
    var here = window.location;
    if (target.pathname === here.pathname && target.search === here.search) {
      // Only the #fragment differs: assigning it would not load the page.
      here.hash = target.hash;
      here.reload();
    } else {
      here.assign(target.href);
    }
  }

  var data = new FormData(form);
  if (submitter && submitter.name) {
    data.append(submitter.name, submitter.value);
  }
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
  request.upload.addEventListener("progress", function (event) {
    if (event.lengthComputable) {
      showProgress((event.loaded / event.total) * 100);
    }
  });
  request.addEventListener("load", function () {
    var answer;
    try {
      answer = JSON.parse(request.responseText);
    } catch {
      answer = null; // not ours: a proxy's or server's error page
    }
    if (request.status >= 200 && request.status < 300 && answer && answer.redirect) {
      showProgress(100);
      go(answer.redirect);
    } else if (answer && answer.errors) {
      showErrors(answer.errors);
    } else {
      fail([gettext("The upload failed (error {{statusCode}}). Please try again.").replace("{{statusCode}}", String(request.status))]);
    }
  });
  ["error", "abort", "timeout"].forEach(function (kind) {
    request.addEventListener(kind, function () {
      fail([gettext("The upload failed. Please try again.")]);
    });
  });
  fail([]);
  setBusy(true);
  showProgress(0);
  request.send(data);
}
