/*
 * "How many doctors are online" (consultation/includes/online_now.html), kept
 * up to date from the presence frames of the page's sockets (live.js,
 * admin-live.js, consultation.js): showPresence({doctor: 2, customer: 5}).
 */

function label(role, count) {
  if (role === "doctor") {
    return count
      ? interpolate(ngettext("%s doctor online now", "%s doctors online now", count), [count])
      : gettext("No doctor online now");
  }
  return interpolate(ngettext("%s customer online now", "%s customers online now", count), [count]);
}

export function showPresence(counts) {
  Object.keys(counts).forEach((role) => {
    const count = counts[role];
    if (typeof count !== "number") {
      return; // unknown (Redis away): the page keeps what it shows
    }
    document.querySelectorAll(`[data-presence="${CSS.escape(role)}"]`).forEach((node) => {
      node.querySelector("[data-presence-text]").textContent = label(role, count);
      const dot = node.querySelector("[data-presence-dot]");
      dot.classList.toggle("text-success", count > 0);
      dot.classList.toggle("text-secondary", count === 0);
    });
  });
}
