/*
 * Maximum waits on the dashboard (reservations/waits.py). A row of the Today
 * panel or the queue carries data-overdue-at, when its visit will have
 * waited past its band's maximum since check-in. When that time comes the
 * row turns red, and the doctor is alerted once per visit (per tab): a line
 * in [data-wait-alerts], a short tone unless muted (kept in localStorage),
 * and a browser notification if the doctor allowed them. Rows already over
 * their maximum are red from the server; without this script nothing else.
 *
 * A doctor on any other dashboard page hears of such a visit from the server
 * (the minute's job, services.overdue_visits_alert, over ws/dashboard/):
 * admin-live.js hands the frame to overdueHeard(), which alerts the same way,
 * once per visit with the rows' alerts.
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

// alert: { id, pet, band (its label), minutes }
function raise(alert) {
  const text = interpolate(
    ngettext(
      "%(pet)s has waited longer than the %(minutes)s minute allowed for %(band)s visits.",
      "%(pet)s has waited longer than the %(minutes)s minutes allowed for %(band)s visits.",
      alert.minutes
    ),
    alert,
    true
  );
  const line = document.createElement("p");
  line.className = "wait-alert";
  line.textContent = text;
  box.querySelector("[data-wait-alert-list]").prepend(line);
  box.hidden = false;
  tone();
  notify(text, alert.id);
}

function raiseOnce(alert) {
  const done = alerted();
  if (done.has(alert.id)) {
    return;
  }
  done.add(alert.id);
  store(sessionStorage, ALERTED_KEY, JSON.stringify(Array.from(done)));
  raise(alert);
}

function rowAlert(row) {
  return {
    id: row.getAttribute("data-id"),
    pet: row.getAttribute("data-wait-pet"),
    band: row.getAttribute("data-wait-band"),
    minutes: Number(row.getAttribute("data-wait-minutes")),
  };
}

// A frame of ws/dashboard/: { visit, pet, band (a code), minutes }.
export function overdueHeard(frame) {
  if (!box) {
    return;
  }
  raiseOnce({
    id: String(frame.visit),
    pet: frame.pet,
    band: box.getAttribute(`data-wait-band-${frame.band}`) || frame.band,
    minutes: Number(frame.minutes),
  });
}

function check() {
  const now = Date.now() + skew;
  document.querySelectorAll("tr[data-overdue-at]").forEach((row) => {
    if (Date.parse(row.getAttribute("data-overdue-at")) > now) {
      return;
    }
    row.classList.add("wait-overdue");
    const flag = row.querySelector("[data-wait-flag]");
    if (flag) {
      flag.hidden = false;
    }
    raiseOnce(rowAlert(row));
  });
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
  // Shown from the start where the rows are (the Today panel, the queue);
  // elsewhere when an alert comes.
  box.hidden = !document.querySelector("[data-live-region]");
  setUpControls();
  check();
  setInterval(check, CHECK_EVERY_MS);
  document.addEventListener("live:refreshed", check);
}
