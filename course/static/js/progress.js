// Reports which parts of the video were actually played to POST /api/progress.
//
// Only played stretches are reported, so seeking ahead counts nothing. Reports go every few seconds
// while playing, and on pause, end and page hide (with navigator.sendBeacon, which survives unload).
//
// Only playback up to the fastest rate that counts (data-max-rate) is counted: the page says so in its own
// live region as soon as the video plays faster, and shows the server's message when it refuses a report.

const REPORT_EVERY_MS = 5000;
const FIRST_REPORT_MS = 2000;

const video = document.querySelector("video[data-progress-url]");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

if (video) {
  const url = video.dataset.progressUrl;
  const module = video.dataset.module;
  const language = video.dataset.language;
  // The page's signed note of when it opened the video (absent once a report noted it): the server
  // judges what was watched against the time since then.
  const opened = video.dataset.opened ?? "";
  const bar = document.getElementById("video-progress-bar");
  const barText = document.querySelector("[data-progress-text]");
  const status = document.querySelector("[data-video-status]");
  const doneTemplate = document.querySelector("template[data-video-done-message]");
  const rateStatus = document.querySelector("[data-video-rate-status]");
  const rateNote = document.querySelector("template[data-video-rate-note]");
  const maxRate = Number(video.dataset.maxRate) || Infinity;
  let done = video.dataset.done === "true";
  // What the rate status says now: "rate" (the note), "refused" (a server's message), or null (nothing).
  let saying = null;

  let pending = [];          // closed segments not yet sent
  let segmentStart = null;   // start of the stretch being played now
  let lastTime = 0;          // the last position seen while playing
  let timer = null;

  const closeSegment = () => {
    if (segmentStart !== null && lastTime > segmentStart) {
      pending.push([round(segmentStart), round(lastTime)]);
    }
    segmentStart = null;
  };
  const round = (seconds) => Math.round(seconds * 100) / 100;

  // Collect everything played so far; a stretch still playing continues from where it was cut.
  const takeSegments = () => {
    const playing = segmentStart !== null;
    closeSegment();
    if (playing) {
      segmentStart = lastTime;
    }
    const segments = pending;
    pending = [];
    return segments;
  };

  const showProgress = (result) => {
    const percent = Math.round(result.coverage * 100);
    if (bar) bar.value = percent;
    if (barText) barText.textContent = `${percent} %`;
    if (result.video_done && !done) {
      done = true;
      openQuizzes();
      if (status && doneTemplate) {
        status.replaceChildren(doneTemplate.content.cloneNode(true));
      }
    }
  };

  // The video step is done: the page shows what a reload would, without one. The step list marks the
  // video done and names each quiz with a link, and the quiz cards show their buttons. The status under
  // the video (role="status") says so once; the list itself changes silently.
  const openQuizzes = () => {
    const doneTag = document.querySelector("template[data-video-done-tag]");
    const openTag = document.querySelector("template[data-quiz-open-tag]");
    const videoStep = document.querySelector("[data-video-step]");
    if (doneTag && videoStep) videoStep.replaceChildren(doneTag.content.cloneNode(true));
    for (const name of document.querySelectorAll("[data-quiz-link]")) {
      const link = document.createElement("a");
      link.href = name.dataset.quizLink;
      link.textContent = name.textContent;
      name.replaceWith(link);
    }
    if (openTag) {
      for (const step of document.querySelectorAll("[data-quiz-step]")) {
        if (step.querySelector(".status-locked")) step.replaceChildren(openTag.content.cloneNode(true));
      }
    }
    for (const button of document.querySelectorAll("[data-opens-with-video]")) {
      button.hidden = false;
    }
  };

  // The rate status changes only when what it says changes: a live region announces every change, and
  // reports go every few seconds.
  const say = (kind, content) => {
    if (!rateStatus) return;
    if (kind === null) {
      rateStatus.replaceChildren();
    } else if (typeof content === "string") {
      if (rateStatus.textContent === content) return;
      rateStatus.textContent = content;
    } else {
      rateStatus.replaceChildren(content);
    }
    saying = kind;
  };

  const showRate = () => {
    if (video.playbackRate > maxRate) {
      if (saying !== "rate" && rateNote) say("rate", rateNote.content.cloneNode(true));
    } else if (saying === "rate") {
      say(null);
    }
  };

  // A refused report is dropped, not sent again. Its message is shown unless the note already says why.
  const showRefusal = async (response) => {
    let body = {};
    try {
      body = await response.json();
    } catch {
      return;
    }
    if (typeof body.message !== "string" || !body.message) return;
    if (body.reason === "too_fast" && saying === "rate") return;
    say("refused", body.message);
  };

  const send = async () => {
    const segments = takeSegments();
    if (segments.length === 0) return;
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify({ module, language, segments, opened }),
      });
    } catch {
      pending = segments.concat(pending); // offline for a moment: keep the segments
      return;
    }
    if (response.ok) {
      if (saying === "refused") say(null); // counted again: the refusal is over
      try {
        showProgress(await response.json());
      } catch {
        pending = segments.concat(pending); // cut off mid-answer: send again (merging is idempotent)
      }
    } else if (response.status >= 500) {
      pending = segments.concat(pending); // try again with the next report
    } else if (response.status === 422) {
      await showRefusal(response);
    }
  };

  const beacon = () => {
    const segments = takeSegments();
    if (segments.length === 0) return;
    const body = new URLSearchParams({ module, language, segments: JSON.stringify(segments), opened,
                                       csrf_token: csrfToken });
    if (!navigator.sendBeacon(url, body)) {
      pending = segments.concat(pending);
    }
  };

  const startTimer = () => {
    if (timer === null) {
      timer = window.setTimeout(function tick() {
        send();
        timer = window.setTimeout(tick, REPORT_EVERY_MS);
      }, FIRST_REPORT_MS);
    }
  };
  const stopTimer = () => {
    window.clearTimeout(timer);
    timer = null;
  };

  // "playing" also follows a stall ("waiting"): keep what was played before it.
  video.addEventListener("playing", () => {
    closeSegment();
    segmentStart = video.currentTime;
    lastTime = video.currentTime;
    startTimer();
  });
  video.addEventListener("timeupdate", () => {
    if (!video.paused && !video.seeking) {
      lastTime = video.currentTime;
    }
  });
  video.addEventListener("ratechange", showRate);
  showRate();
  video.addEventListener("seeking", closeSegment);
  video.addEventListener("waiting", closeSegment);
  video.addEventListener("seeked", () => {
    lastTime = video.currentTime;
    if (!video.paused) segmentStart = video.currentTime;
  });
  video.addEventListener("pause", () => { stopTimer(); closeSegment(); send(); });
  video.addEventListener("ended", () => { lastTime = video.duration; stopTimer(); closeSegment(); send(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") beacon();
  });
  window.addEventListener("pagehide", beacon);

  // Chapters: jump in the video as well as to the transcript.
  for (const link of document.querySelectorAll("[data-seek]")) {
    link.addEventListener("click", () => {
      video.currentTime = Number(link.dataset.seek);
    });
  }
}
