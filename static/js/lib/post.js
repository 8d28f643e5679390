/*
 * A POST that the server answers with JSON, {"ok": true, ...} or
 * {"error": "..."} (the queue's buttons and its reordering). Resolves to
 * {ok, answer}: ok only for a 2xx answer saying so; a network failure or an
 * answer that is not JSON (a proxy's error page) gives {ok: false, answer: {}}.
 */
export async function postForAnswer(url, options) {
  try {
    const response = await fetch(url, { method: "POST", credentials: "same-origin", ...options });
    const answer = await response.json();
    return { ok: response.ok && answer.ok === true, answer: answer };
  } catch {
    return { ok: false, answer: {} };
  }
}
