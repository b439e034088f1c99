// The seminar, live: the presenter's screen and the members' phones follow the seminar through server-sent
// events, and their forms are sent without leaving the page. Without this script both pages still work:
// every control is a plain form, and a reload shows the current state.

const root = document.querySelector("[data-seminar-live]");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

if (root) {
  const region = root.querySelector("[data-live-region]");
  const announcer = root.querySelector("[data-announcer]");
  const feedback = document.querySelector("[data-feedback]");
  const answered = new Set((root.dataset.answered || "").split(" ").filter(Boolean));
  // What this member answered, said back on this phone only; kept in this page's memory, nowhere else.
  const ownAnswers = new Map();
  let lastAnnouncement = "";

  for (const hint of root.querySelectorAll("[data-no-script]")) {
    hint.hidden = true;
  }

  // A phone shows "answered" for the questions this member has answered (the stream is the same for all).
  const showAnswered = () => {
    for (const question of region.querySelectorAll("[data-item]")) {
      const done = answered.has(question.dataset.item);
      for (const part of question.querySelectorAll("[data-when]")) {
        part.hidden = (part.dataset.when === "answered") !== done;
      }
      const own = question.querySelector("[data-own-answer]");
      if (own && ownAnswers.has(question.dataset.item)) {
        own.textContent = ownAnswers.get(question.dataset.item);
      }
    }
  };

  // A new state is announced once (a burst of answers elsewhere changes the state, not what is said); the
  // reply to this person's own action is always said, and a later state that says nothing new keeps it.
  const say = (text) => {
    if (announcer && text && text !== lastAnnouncement) {
      lastAnnouncement = text;
      announcer.textContent = text;
    }
  };
  const reply = (text) => {
    if (announcer && text) {
      // Emptied first, so that the same reply twice (two questions answered) is read twice.
      announcer.textContent = "";
      window.setTimeout(() => {
        announcer.textContent = text;
      }, 50);
    }
  };

  // The presenter's buttons are enabled only for what the new state allows (the server refuses the rest).
  const enableControls = () => {
    const stage = region.querySelector("[data-controls]");
    if (!stage) {
      return;
    }
    const possible = new Set(stage.dataset.controls.split(" ").filter(Boolean));
    for (const form of document.querySelectorAll("form[data-control]")) {
      const button = form.querySelector('button[type="submit"]');
      const disable = !possible.has(form.dataset.control);
      if (disable && button === document.activeElement) {
        document.getElementById("controls")?.focus();
      }
      button.disabled = disable;
    }
    const hint = document.querySelector("[data-reveal-status]");
    if (hint && hint.textContent !== stage.dataset.revealHint) {
      hint.textContent = stage.dataset.revealHint;
    }
    // An ended seminar's screen no longer shows how to join; the facilitator gets the seminar's page.
    const ended = stage.dataset.status === "ended";
    for (const part of document.querySelectorAll("[data-hide-when-ended]")) {
      part.hidden = ended;
    }
    for (const part of document.querySelectorAll("[data-show-when-ended]")) {
      part.hidden = !ended;
    }
  };

  const show = (data) => {
    // Keep the focus where it was, when the element it was on comes back with the new state.
    const focused = document.activeElement && region.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? focused.name + "=" + (focused.value ?? "") : null;
    region.innerHTML = data.html;
    showAnswered();
    enableControls();
    if (focusKey) {
      for (const element of region.querySelectorAll("button, input")) {
        if (element.name + "=" + (element.value ?? "") === focusKey) {
          element.focus();
          break;
        }
      }
    }
    say(data.announce);
  };

  const events = new EventSource(root.dataset.events);
  events.addEventListener("state", (event) => show(JSON.parse(event.data)));
  showAnswered();

  // After joining (or answering without the script) the focus goes to the card, or to the confirmation.
  const landing = region.querySelector("[data-focus]") || (window.location.hash === "#current-card" ? region : null);
  if (landing) {
    landing.focus();
  }

  const send = async (form, submitter, confirmed) => {
    const body = new FormData(form);
    if (submitter && submitter.name) {
      body.set(submitter.name, submitter.value);
    }
    if (confirmed) {
      body.set("confirmed", "yes");
    }
    const response = await fetch(form.action, {
      method: "POST",
      body,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
      credentials: "same-origin",
    });
    let result = {};
    try {
      result = await response.json();
    } catch {
      result = { ok: false };
    }
    return { response, result };
  };

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !root.contains(form) && !form.closest(".presenter-controls")) {
      return;
    }
    event.preventDefault();
    // A destructive control asks first (without the script, the server asks on a page of its own).
    const question = event.submitter?.dataset.confirm || form.querySelector("[data-confirm]")?.dataset.confirm;
    if (question && !window.confirm(question)) {
      return;
    }
    const { response, result } = await send(form, event.submitter, Boolean(question));
    if (form.matches("[data-answer]")) {
      if (result.ok) {
        const item = form.querySelector('[name="item"]').value;
        answered.add(item);
        if (result.own) {
          ownAnswers.set(item, result.own);
        }
        showAnswered();
        region.querySelector(`[data-item="${item}"] [data-when="answered"]`)?.focus();
      }
      reply(result.message || "");
      return;
    }
    if (result.location) {
      window.location.assign(result.location);
      return;
    }
    if (feedback) {
      feedback.textContent = result.ok ? "" : result.message || "";
    }
    if (result.ok && form.matches('[data-control="agreement"]')) {
      form.reset();
    }
  });

  // Arrow keys step through the cards on the presenter's screen (not while typing).
  document.addEventListener("keydown", (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select")) {
      return;
    }
    const control = { ArrowRight: "next", ArrowLeft: "back" }[event.key];
    const form = control && document.querySelector(`form[data-control="${control}"]`);
    if (form && !form.querySelector('button[type="submit"]').disabled) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
