// Print views: show a print button that opens the browser's print dialogue. Without JavaScript the page
// tells the reader to use the browser's own print command, so nothing is lost.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
