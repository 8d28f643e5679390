/*
 * Maximum waits on the dashboard (reservations/waits.py). A row of the Today
 * panel or the queue carries data-overdue-at, when its visit will have
 * waited past its band's maximum since check-in. When that time comes the
 * row turns red, and the doctor is alerted once per visit (per tab): a line
 * in [data-wait-alerts], a short tone unless muted (kept in localStorage),
 * and a browser notification if the doctor allowed them. Rows already over
 * their maximum are red from the server; without this script nothing else.
 */
const box = document.querySelector("[data-wait-alerts]");
const CHECK_EVERY_MS = 5000;
const MUTED_KEY = "healingpaws.waitAlerts.muted";
const ALERTED_KEY = "healingpaws.waitAlerts.alerted";

// The server's clock, not the browser's, says when a wait is over.
const skew = box ? Date.parse(box.getAttribute("data-wait-now")) - Date.now() : 0;

function stored(storage, key, fallback) {
  try {
    return storage.getItem(key) ?? fallback;
  } catch {
    return fallback; // storage refused (private mode): alert anyway
  }
}

function store(storage, key, value) {
  try {
    storage.setItem(key, value);
  } catch {
    // nothing to keep it in: the page still works
  }
}

function isMuted() {
  return stored(localStorage, MUTED_KEY, "0") === "1";
}

function alerted() {
  try {
    return new Set(JSON.parse(stored(sessionStorage, ALERTED_KEY, "[]")));
  } catch {
    return new Set();
  }
}

function tone() {
  if (isMuted() || !window.AudioContext) {
    return;
  }
  try {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 880;
    gain.gain.value = 0.15;
    oscillator.connect(gain).connect(context.destination);
    oscillator.onended = () => context.close();
    oscillator.start();
    oscillator.stop(context.currentTime + 0.5);
  } catch {
    // no sound allowed before the first click: the line and notification stay
  }
}

function notify(text, id) {
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification(gettext("Healing Paws"), { body: text, tag: `wait-${id}` });
  }
}

function raise(row) {
  const minutes = Number(row.getAttribute("data-wait-minutes"));
  const text = interpolate(
    ngettext(
      "%(pet)s has waited longer than the %(minutes)s minute allowed for %(band)s visits.",
      "%(pet)s has waited longer than the %(minutes)s minutes allowed for %(band)s visits.",
      minutes
    ),
    { pet: row.getAttribute("data-wait-pet"), band: row.getAttribute("data-wait-band"), minutes: minutes },
    true
  );
  const line = document.createElement("p");
  line.className = "wait-alert";
  line.textContent = text;
  box.querySelector("[data-wait-alert-list]").prepend(line);
  tone();
  notify(text, row.getAttribute("data-id"));
}

function check() {
  const now = Date.now() + skew;
  const done = alerted();
  const before = done.size;
  document.querySelectorAll("tr[data-overdue-at]").forEach((row) => {
    if (Date.parse(row.getAttribute("data-overdue-at")) > now) {
      return;
    }
    row.classList.add("wait-overdue");
    const flag = row.querySelector("[data-wait-flag]");
    if (flag) {
      flag.hidden = false;
    }
    const id = row.getAttribute("data-id");
    if (!done.has(id)) {
      done.add(id);
      raise(row);
    }
  });
  if (done.size !== before) {
    store(sessionStorage, ALERTED_KEY, JSON.stringify(Array.from(done)));
  }
}

function showMute(button) {
  const muted = isMuted();
  button.setAttribute("aria-pressed", String(muted));
  button.textContent = muted ? gettext("Turn the alert sound on") : gettext("Mute the alert sound");
}

function setUpControls() {
  const mute = box.querySelector("[data-wait-mute]");
  showMute(mute);
  mute.addEventListener("click", () => {
    store(localStorage, MUTED_KEY, isMuted() ? "0" : "1");
    showMute(mute);
  });
  const ask = box.querySelector("[data-wait-notify]");
  if ("Notification" in window && Notification.permission === "default") {
    ask.hidden = false;
    ask.addEventListener("click", async () => {
      await Notification.requestPermission();
      ask.hidden = Notification.permission !== "default";
    });
  }
}

if (box) {
  box.hidden = false;
  setUpControls();
  check();
  setInterval(check, CHECK_EVERY_MS);
  document.addEventListener("live:refreshed", check);
}
