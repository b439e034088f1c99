// A link from an e-mail carries its token after "#", which the browser never sends to the server (so it
// never lands in an access log). This module posts it from the page the link opens. Without JavaScript
// the page asks the person to paste the link instead, and the server reads the token from that.

const form = document.querySelector("[data-open-link]");
let token = window.location.hash.slice(1);
try {
  token = decodeURIComponent(token);
} catch {
  // Not percent-encoded after all: the server says whether it is a token.
}
if (form && token) {
  // The token leaves the address bar and the history entry before anything else happens.
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  form.elements.token.value = token;
  const manual = form.querySelector("[data-link-manual]");
  if (manual) {
    manual.hidden = true;
  }
  const opening = document.querySelector("[data-link-opening]");
  if (opening) {
    opening.hidden = false;
  }
  form.requestSubmit();
}
