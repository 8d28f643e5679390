/*
 * The pet form's photo: drop it or pick it, see it, watch the upload.
 *
 * Dropzone (from npm) posts the whole form with the photo and reports
 * progress; the server answers JSON: {"redirect": url} or {"errors": {...}}.
 * Without a photo, or without JavaScript, the form posts as usual.
 */
import { errorTexts, fillFeedback, showFeedback } from "./lib/feedback.js";

const form = document.querySelector("form[data-photo-upload]");
if (form && typeof Dropzone !== "undefined" && Dropzone.isBrowserSupported()) {
  setUp(form);
}

function setUp(form) {
  Dropzone.autoDiscover = false;

  var fallback = form.querySelector("[data-photo-fallback]");
  var plainInput = fallback.querySelector("input[type=file]");
  var drop = form.querySelector("[data-photo-drop]");
  var progress = form.querySelector("[data-photo-progress]");
  var bar = progress.querySelector(".progress-bar");
  var feedback = form.querySelector("[data-photo-feedback]");
  var submit = form.querySelector("[data-photo-submit]");
  var maxBytes = parseInt(plainInput.getAttribute("data-max-bytes"), 10);

  function showPhotoErrors(messages) {
    fillFeedback(feedback, messages);
    drop.classList.toggle("is-invalid", messages.length > 0);
  }

  function showProgress(percent) {
    var rounded = Math.round(percent);
    progress.classList.remove("d-none");
    // CSSOM, not a style attribute: allowed by the CSP.
    bar.style.width = rounded + "%";
    bar.textContent = rounded + "%";
    progress.setAttribute("aria-valuenow", String(rounded));
  }

  function showServerErrors(errors) {
    errorTexts(errors).forEach(function ([name, messages]) {
      var input = form.elements[name];
      if (name === "photo" || name === "__all__" || !input) {
        showPhotoErrors(messages);
      } else {
        showFeedback(input, messages);
      }
    });
    var first = form.querySelector(".is-invalid");
    if (first) {
      first.focus();
    }
  }

  // The plain input would be sent too, as text: Dropzone sends the file.
  plainInput.removeAttribute("name");
  fallback.classList.add("d-none");
  drop.classList.remove("d-none");

  var uploader = new Dropzone(form, {
    url: form.getAttribute("action") || window.location.href,
    paramName: "photo",
    autoProcessQueue: false,
    uploadMultiple: false,
    parallelUploads: 1,
    acceptedFiles: plainInput.getAttribute("accept"),
    filesizeBase: 1024,
    maxFilesize: maxBytes / 1048576,
    timeout: 120000,
    clickable: drop,
    previewsContainer: form.querySelector("[data-photo-previews]"),
    previewTemplate: document.getElementById("photo-preview-template").innerHTML,
    thumbnailWidth: 96,
    thumbnailHeight: 96,
    dictInvalidFileType: gettext("Upload a JPEG, PNG or WebP image."),
    dictFileTooBig: gettext("The image is {{filesize}} MB; the limit is {{maxFilesize}} MB."),
    dictResponseError: gettext("The upload failed (error {{statusCode}}). Please try again."),
    dictFileSizeUnits: { tb: "TB", gb: "GB", mb: "MB", kb: "KB", b: "B" },
    // Every other text Dropzone may show, so that none stays in English.
    dictThumbnailError: gettext("This file cannot be read as an image. It may be damaged: please choose another photo."),
    dictDefaultMessage: gettext("Drop a photo here or click to choose one."),
    dictFallbackMessage: gettext("Your browser cannot upload by drag and drop."),
    dictFallbackText: gettext("Please use the form below to upload the photo."),
    dictCancelUpload: gettext("Cancel upload"),
    dictUploadCanceled: gettext("Upload cancelled."),
    dictCancelUploadConfirmation: gettext("Cancel this upload?"),
    dictRemoveFile: gettext("Remove photo"),
    dictMaxFilesExceeded: gettext("Only one photo can be uploaded."),
  });

  uploader.on("addedfile", function (file) {
    // One photo per pet: a new choice replaces the last one.
    uploader.files.slice().forEach(function (other) {
      if (other !== file) {
        uploader.removeFile(other);
      }
    });
    showPhotoErrors([]);
    progress.classList.add("d-none");
  });

  uploader.on("uploadprogress", function (file, percent) {
    showProgress(percent);
  });

  uploader.on("sending", function () {
    submit.disabled = true;
    showProgress(0);
  });

  uploader.on("success", function (file, response) {
    showProgress(100);
    if (response && response.redirect) {
      window.location.assign(response.redirect);
    } else {
      // Not our answer (a login page after the session ended): show it.
      window.location.reload();
    }
  });

  uploader.on("error", function (file, message, xhr) {
    submit.disabled = false;
    progress.classList.add("d-none");
    if (!xhr) {
      // Refused here already (type or size): the file never leaves.
      uploader.removeFile(file);
      showPhotoErrors([message]);
      return;
    }
    // The server said no: keep the photo queued for the next try.
    file.status = Dropzone.QUEUED;
    if (message && message.errors) {
      showServerErrors(message.errors);
    } else {
      // Not our JSON (a proxy's 413 page, a server error, a lost connection):
      // Dropzone would show that page's HTML as the message.
      showPhotoErrors([
        xhr.status
          ? gettext("The upload failed (error {{statusCode}}). Please try again.").replace("{{statusCode}}", String(xhr.status))
          : gettext("The upload failed. Please try again."),
      ]);
    }
  });

  drop.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      uploader.hiddenFileInput.click();
    }
  });

  form.addEventListener("submit", function (event) {
    if (uploader.getQueuedFiles().length === 0) {
      return;
    }
    event.preventDefault();
    uploader.processQueue();
  });
}
