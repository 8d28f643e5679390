/*
 * The page that shows a new share link once: a button copies it. Without
 * JavaScript (or clipboard access) the link stays selectable in its field.
 * The button's words come from the page (data-copied), in its language.
 */

for (const button of document.querySelectorAll("[data-copy-target]")) {
  const field = document.getElementById(button.dataset.copyTarget);
  if (!field || !navigator.clipboard) {
    continue;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = button.dataset.copied;
    } catch {
      field.select();
    }
  });
}
