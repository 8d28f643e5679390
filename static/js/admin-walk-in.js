/*
 * The walk-in form: the pets of existing customers are listed while the desk
 * types a name, a phone number or an e-mail address (the dashboard's search,
 * WalkInPagesMixin.walk_in_search_view). Without this script the "Find"
 * button posts the form back with the same list.
 */
const input = document.querySelector("[data-walk-in-search]");
const select = document.querySelector("[data-walk-in-pets]");
const found = document.querySelector("[data-walk-in-found]");
const MIN_LENGTH = 2;
const WAIT_MS = 250;

let timer = null;
let asked = 0; // only the answer to the latest question is shown

function show(results) {
  const chosen = select.value;
  const options = results.map(
    (pet) => new Option(pet.label, String(pet.id), false, String(pet.id) === chosen)
  );
  select.replaceChildren(select.options[0], ...options);
  if (results.length === 1 && !chosen) {
    select.value = String(results[0].id);
  }
  found.textContent = interpolate(
    ngettext("%s pet found", "%s pets found", results.length),
    [results.length]
  );
}

async function search() {
  const term = input.value.trim();
  if (term.length < MIN_LENGTH) {
    return;
  }
  asked += 1;
  const mine = asked;
  const url = input.getAttribute("data-walk-in-search") + "?q=" + encodeURIComponent(term);
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok || mine !== asked) {
      return;
    }
    show((await response.json()).results);
  } catch {
    // Offline for a moment: the "Find" button still works.
  }
}

if (input && select && found && window.fetch) {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, WAIT_MS);
  });
}
