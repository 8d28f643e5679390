/*
 * The security key pages (add, sign in, confirm it is you): allauth's
 * WebAuthn script reports a key that was not used as an "allauth.error" event and
 * only logs it; the page said nothing and the button seemed dead. This shows
 * why above the form, as text.
 */

// WebAuthn accepts a domain name as the site's id, never an IP address.
const AT_AN_IP_ADDRESS = /^[\d.]+$|^\[/;

function reason(exception) {
  const name = exception && exception.name;
  if (name === "SecurityError" && AT_AN_IP_ADDRESS.test(window.location.hostname)) {
    return gettext("Security keys work only at the site's name (such as localhost), not at an IP address.");
  }
  if (name === "NotAllowedError") {
    return gettext("The security key was not used: the request was cancelled or timed out. Try again.");
  }
  if (name === "InvalidStateError") {
    return gettext("This security key is already registered to your account.");
  }
  return gettext("The security key could not be used. Try again, or use another way to sign in.");
}

function alertBox(form) {
  let box = document.querySelector("[data-security-key-error]");
  if (!box) {
    box = document.createElement("div");
    box.className = "alert alert-danger";
    box.setAttribute("role", "alert");
    box.setAttribute("data-security-key-error", "");
    form.parentNode.insertBefore(box, form);
  }
  return box;
}

document.addEventListener("allauth.error", (event) => {
  const tags = (event.detail && event.detail.tags) || [];
  const form = document.querySelector("form.account-form");
  if (!tags.includes("webauthn") || !form) {
    return;
  }
  event.preventDefault();
  alertBox(form).textContent = reason(event.detail.exception);
});
