// The plan's draft editor: only the saved draft can be adopted, so once something is changed the page says
// so next to the adoption link, and the browser asks before the page is left with the change unsaved.
// Without JavaScript the adoption page itself says that the last saved draft is adopted.
const form = document.querySelector("[data-plan-draft]");
if (form) {
  const note = document.querySelector("[data-plan-unsaved]");
  let changed = false;
  let saving = false;
  const markChanged = () => {
    if (changed) return;
    changed = true;
    if (note) note.textContent = note.dataset.message;
  };
  // A draft sent back with errors (422) holds what was typed, not what is saved.
  if (form.hasAttribute("data-plan-changed")) markChanged();
  form.addEventListener("input", markChanged);
  form.addEventListener("change", markChanged);
  form.addEventListener("submit", () => {
    saving = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (changed && !saving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
