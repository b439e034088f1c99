// Small enhancements for every page. The site works without them.

// Move focus to an error summary so keyboard and screen-reader users hear what went wrong.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
  // A link in the summary brings the whole field into view, its label and a quiz question's situation
  // above it, not just the control the browser would scroll to the top edge; then focus moves there.
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) {
      return;
    }
    event.preventDefault();
    (target.closest(".form-group") || target).scrollIntoView();
    target.focus({ preventScroll: true });
  });
}

// A submit button pressed twice sends the form once (the server also records only one attempt).
for (const form of document.querySelectorAll("form")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("[data-submit-once]");
    if (button) {
      window.setTimeout(() => button.setAttribute("disabled", ""), 0);
    }
  });
}

// Confirmation before a destructive action: <button data-confirm="Are you sure?">.
for (const button of document.querySelectorAll("[data-confirm]")) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

// A print button on print-friendly pages; hidden without JavaScript, where the browser's own print works.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
