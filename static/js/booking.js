/*
 * Booking form: free times follow the chosen day without a reload, and a red
 * flag shows the "come in now" warning at once. Without this file the day
 * picker reloads the page and the server says the same.
 */
import { fillFeedback } from "./lib/feedback.js";

const form = document.querySelector("[data-booking-form]");
if (form) {
  setUp(form);
}

function setUp(form) {
  var dayInput = document.querySelector("[data-booking-day]");
  var dayButton = document.querySelector("[data-day-button]");
  var list = form.querySelector("[data-slot-list]");
  var caption = form.querySelector("[data-slot-caption]");
  var lengthCaption = form.querySelector("[data-length-caption]");
  var typeSelect = form.querySelector('select[name="visit_type"]');
  var feedback = form.querySelector('[data-feedback-for="starts_at"]');
  var request = 0;

  function message(text, className) {
    var line = document.createElement("p");
    line.className = "mb-0 " + className;
    line.textContent = text;
    return line;
  }

  // A new booking offers the waitlist for a day without free times.
  function waitlistLink() {
    var base = form.getAttribute("data-waitlist-url");
    var fragment = document.createDocumentFragment();
    if (!base) {
      return fragment;
    }
    var params = new URLSearchParams({ date: dayInput.value });
    if (typeSelect) {
      params.set("type", typeSelect.value);
    }
    var pet = form.querySelector('select[name="pet"]');
    if (pet && pet.value) {
      params.set("pet", pet.value);
    }
    var link = document.createElement("a");
    link.href = base + "?" + params.toString();
    link.textContent = gettext("Or join the waitlist");
    link.setAttribute("data-testid", "waitlist-link");
    fragment.append(" ", link);
    return fragment;
  }

  function showSlots(slots) {
    var chosen = form.querySelector('input[name="starts_at"]:checked');
    var chosenValue = chosen ? chosen.value : "";
    list.textContent = "";
    if (slots.length === 0) {
      var none = message(gettext("No free times on this day. Please pick another day."), "text-body-secondary");
      none.appendChild(waitlistLink());
      list.appendChild(none);
      return;
    }
    slots.forEach(function (slot, index) {
      var input = document.createElement("input");
      input.type = "radio";
      input.className = "btn-check";
      input.name = "starts_at";
      input.id = "slot-" + (index + 1);
      input.value = slot.start;
      input.required = true;
      input.checked = slot.start === chosenValue;
      var label = document.createElement("label");
      label.className = "btn btn-outline-primary";
      label.htmlFor = input.id;
      label.textContent = slot.label;
      list.appendChild(input);
      list.appendChild(label);
    });
  }

  // A visit of several slots says so: only starts with room for all are shown.
  function showLength(length, minutes) {
    if (!lengthCaption) {
      return;
    }
    var text = ngettext(
      "This visit takes %(slots)s consecutive slot (%(minutes)s minutes): only the times with room for all of it are shown.",
      "This visit takes %(slots)s consecutive slots (%(minutes)s minutes): only the times with room for all of it are shown.",
      length
    );
    lengthCaption.textContent = interpolate(text, { slots: length, minutes: minutes }, true);
    lengthCaption.hidden = length <= 1;
  }

  function loadSlots() {
    if (!dayInput.value) {
      return;
    }
    var mine = ++request;
    var params = new URLSearchParams({ date: dayInput.value });
    if (typeSelect) {
      params.set("type", typeSelect.value);
    } else if (form.hasAttribute("data-length")) {
      params.set("length", form.getAttribute("data-length"));
    }
    var url = form.getAttribute("data-slots-url") + "?" + params.toString();
    var day = new Date(dayInput.value + "T00:00:00").toLocaleDateString(document.documentElement.lang || undefined, { dateStyle: "long" });
    caption.textContent = interpolate(gettext("Free times on %s:"), [day]);
    list.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (mine !== request) {
          return; // a later day was picked meanwhile
        }
        if (!answer.ok) {
          list.textContent = "";
          list.appendChild(message((answer.body.errors || [""]).join(" "), "text-danger"));
          return;
        }
        showLength(answer.body.length, answer.body.minutes);
        showSlots(answer.body.slots);
      })
      .catch(function () {
        if (mine === request) {
          list.textContent = "";
          list.appendChild(message(gettext("The free times could not be loaded. Check your connection and pick the day again."), "text-danger"));
        }
      })
      .finally(function () {
        list.removeAttribute("aria-busy");
      });
  }

  if (dayInput && list) {
    dayButton.classList.add("d-none");
    dayInput.addEventListener("change", function () {
      fillFeedback(feedback, []);
      loadSlots();
    });
    if (typeSelect) {
      typeSelect.addEventListener("change", function () {
        fillFeedback(feedback, []);
        loadSlots();
      });
    }
  }

  var flags = form.querySelectorAll('input[name="breathing_trouble"], input[name="heavy_bleeding"], input[name="collapse_or_seizure"]');
  var warning = form.querySelector("[data-red-flag-warning]");
  function showWarning() {
    var any = Array.prototype.some.call(flags, function (flag) {
      return flag.checked;
    });
    warning.classList.toggle("d-none", !any);
  }
  flags.forEach(function (flag) {
    flag.addEventListener("change", showWarning);
  });
  showWarning();
}
