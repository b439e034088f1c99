"""The live seminar in Chromium: the facilitator's screen and three members' phones. The facilitator moves on
with the button and with the arrow keys, and every phone shows the new card within a second without
reloading; the members answer with one tap; the totals stay hidden until the facilitator reveals them.
axe-core checks the presenter's and the phones' pages, at a phone's and a desktop's size, in every state."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date

import pytest

from course.extensions import db
from course.people.models import Council, Member
from course.seminars import operations
from course.seminars.material import list_material
from tests.browser.conftest import AuditedPage
from tests.browser.journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
#: Every phone shows the facilitator's change within this many milliseconds of the click or key press.
WITHIN_MS = 1000


@contextmanager
def phone(browser, base_url: str) -> Iterator[AuditedPage]:
    """A member's phone, audited like the ``site`` fixture's page."""
    context = browser.new_context(locale="da-DK", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    audited = AuditedPage(page, base_url)
    try:
        yield audited
    finally:
        context.close()
    unaudited = sorted(url for url in audited.visited - audited.audited if url.startswith(base_url))
    assert not unaudited, f"pages visited without an axe audit: {unaudited}"
    assert not audited.problems, audited.problems
    assert not audited.failed_responses, audited.failed_responses


#: 320 CSS pixels is a 1280-pixel window at 400 % zoom (WCAG 1.4.10), 640 the same window at 200 %.
NARROW = ({"width": 320, "height": 568}, {"width": 640, "height": 400})

OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 1 || box.left < -1) && !element.closest(".sr-only");
  });
  return {
    scroll: document.documentElement.scrollWidth - width,
    wide: wide.slice(0, 5).map((element) => element.tagName + "." + element.className),
  };
}"""


def audit_at_both_sizes(page: AuditedPage, size: dict) -> None:
    """axe at a phone's size and at a desktop's; at 320 and 640 pixels nothing needs scrolling sideways."""
    for viewport in (PHONE, DESKTOP):
        page.page.set_viewport_size(viewport)
        page.audit()
    for viewport in NARROW:
        page.page.set_viewport_size(viewport)
        overflow = page.page.evaluate(OVERFLOWING)
        assert overflow["scroll"] <= 0, f"{page.page.url} scrolls sideways at {viewport}: {overflow}"
        assert not overflow["wide"], f"{page.page.url} at {viewport}: {overflow}"
    page.page.set_viewport_size(size)


def every_phone_shows(phones: list[AuditedPage], pressed: float, text: str) -> None:
    """Each phone shows ``text`` in its card, at most WITHIN_MS after ``pressed`` (time.monotonic())."""
    from playwright.sync_api import expect

    for member in phones:
        left = max(1, int(WITHIN_MS - (time.monotonic() - pressed) * 1000))
        expect(member.page.locator(".phone")).to_contain_text(text, timeout=left)


def tab_to(page, target) -> None:
    """Press Tab until ``target`` has the focus, and check that the focus can be seen."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail(f"{target} could not be reached with Tab")
    assert target.evaluate("element => getComputedStyle(element).outlineStyle") != "none"
    assert float(target.evaluate("element => parseFloat(getComputedStyle(element).outlineWidth)")) >= 2


@pytest.fixture
def seminar(app, make, course):
    council = make.council("seminarrejse", name="Seminarrejse Kommune")
    admin = make.member(council, "sekretariat@seminarrejse.example", name="Sekretariatet", is_admin=True)
    members = [make.member(council, f"medlem{n}@seminarrejse.example", name=f"Medlem {n}") for n in range(3)]
    cards = list_material(course.conversation)
    chosen = [
        next(card for card in cards if card.proposed.kind.value == kind) for kind in ("scale", "choice")
    ]
    with app.app_context():
        actor = db.session.get(Member, admin.id)
        the_council = db.session.get(Council, council.id)
        operations.set_min_answers(the_council, 3, actor=actor)  # three phones are enough to show totals
        planned = operations.plan_seminar(
            the_council, "Temamøde om tonen", date.today(), "Byrådssalen", actor=actor
        )
        for card in chosen:
            operations.add_card(planned, card, "da", actor=actor)
        db.session.commit()
        return {
            "id": planned.id,
            "code": planned.join_code,
            "admin": admin,
            "members": members,
            "titles": [card.title.da for card in chosen],
        }


def test_the_facilitator_moves_on_and_every_phone_follows_answers_and_sees_the_revealed_totals(
    site, browser, live_app, seminar, monkeypatch
):
    # Streams end soon after a phone goes away, so the test's teardown does not wait for a heartbeat.
    monkeypatch.setitem(live_app.config, "SEMINAR_HEARTBEAT_SECONDS", 1.0)
    first, second = seminar["titles"]
    presenter = site
    screen = presenter.page
    screen.set_viewport_size(DESKTOP)
    sign_in(presenter, seminar["admin"].email)
    presenter.goto(f"/admin/seminars/{seminar['id']}/present")
    audit_at_both_sizes(presenter, DESKTOP)
    assert screen.locator(".presenter-code strong").inner_text() == seminar["code"]
    # Readable from the back of the room: large type, a QR code of at least 240 pixels.
    assert screen.locator(".presenter-qr").evaluate("e => e.getBoundingClientRect().width") >= 240
    for selector, smallest in ((".stage-title", 40), (".presenter-code", 40), (".stage-status", 20)):
        size = screen.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= smallest, f"{selector} is {size} px"
    # Before the seminar starts, only what is possible can be pressed.
    from playwright.sync_api import expect

    expect(screen.get_by_role("button", name="Tilbage")).to_be_disabled()
    expect(screen.get_by_role("button", name="Åbn spørgsmålet")).to_be_disabled()

    with ExitStack() as stack:
        phones = [stack.enter_context(phone(browser, site.base_url)) for _ in seminar["members"]]
        for member, person in zip(phones, seminar["members"], strict=True):
            sign_in(member, person.email)
            member.goto(f"/join/{seminar['code']}")
            member.page.get_by_role("button", name="Deltag i seminaret").click()
            member.page.wait_for_url(re.compile(f"/join/{seminar['code']}#current-card$"))
            member.page.locator(".phone").get_by_text("Venter på, at ordstyreren begynder.").wait_for()
            # Joining lands on the card, with the focus on it.
            assert member.page.evaluate("document.activeElement.id") == "current-card"
            audit_at_both_sizes(member, PHONE)
        from playwright.sync_api import expect

        expect(screen.locator(".stage-status")).to_contain_text("3 er med")

        # "Next" with the mouse starts the seminar: every phone shows the first card.
        screen.get_by_role("button", name="Næste").click()
        every_phone_shows(phones, time.monotonic(), first)
        # The buttons follow the state without a reload.
        expect(screen.get_by_role("button", name="Åbn spørgsmålet")).to_be_enabled()
        expect(screen.get_by_role("button", name="Luk spørgsmålet")).to_be_disabled()
        expect(screen.get_by_role("button", name="Vis resultaterne")).to_be_disabled()
        every_phone_shows(phones, time.monotonic(), "Kort 1 af 2")
        for member in phones:  # and a screen reader says so
            expect(member.page.locator("[data-announcer]")).to_have_text(f"Kort 1 af 2: {first}.")

        # With the keyboard: the arrow keys step forward and back, and the phones follow each time.
        tab_to(screen, screen.get_by_role("button", name="Næste"))
        screen.keyboard.press("ArrowRight")
        every_phone_shows(phones, time.monotonic(), second)
        screen.keyboard.press("ArrowLeft")
        every_phone_shows(phones, time.monotonic(), first)
        expect(screen.locator(".stage-title")).to_have_text(first)

        # The question opens on every phone; each member answers with one tap.
        screen.get_by_role("button", name="Åbn spørgsmålet").click()
        pressed = time.monotonic()
        for member in phones:
            left = max(1, int(WITHIN_MS - (time.monotonic() - pressed) * 1000))
            expect(member.page.get_by_role("button", name="Helt enig", exact=True)).to_be_visible(
                timeout=left
            )
        for member in phones:
            audit_at_both_sizes(member, PHONE)
        for number, (member, choice) in enumerate(
            zip(phones, ["Helt enig", "Enig", "Helt enig"], strict=True)
        ):
            button = member.page.get_by_role("button", name=choice, exact=True)
            if number == 0:  # one member answers with the keyboard
                tab_to(member.page, button)
                member.page.keyboard.press("Enter")
            else:
                button.click()
            expect(member.page.get_by_text("Tak. Dit svar er talt med.").first).to_be_visible()
            # The phone says what this member answered, and the focus is on that confirmation.
            confirmation = member.page.locator(".phone-answered")
            expect(confirmation).to_contain_text(f"Dit svar: {choice}")
            assert confirmation.evaluate("element => element === document.activeElement")
            for text in (".phone-answered", ".phone-own-answer", ".phone-note"):
                size = member.page.locator(text).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
                assert size >= 16, f"{text} is {size} px"
            # The thanks is announced to a screen reader.
            expect(member.page.locator("[data-announcer]")).to_have_text("Tak. Dit svar er talt med.")
        expect(screen.locator(".stage-question-state")).to_contain_text("3 svar indtil nu.")

        expect(screen.get_by_role("button", name="Åbn spørgsmålet")).to_be_disabled()
        # Closed but not revealed: no totals anywhere.
        screen.get_by_role("button", name="Luk spørgsmålet").click()
        expect(screen.locator(".stage-question-state")).to_contain_text("Spørgsmålet er lukket.")
        for member in phones:
            expect(member.page.locator(".phone")).to_contain_text("Spørgsmålet er lukket.")
            assert member.page.locator(".totals").count() == 0
        assert screen.locator(".totals").count() == 0
        audit_at_both_sizes(presenter, DESKTOP)

        # Revealed: the totals appear on the screen (and on the phones), as text as well as bars.
        screen.get_by_role("button", name="Vis resultaterne").click()
        totals = screen.locator(".stage .totals")
        expect(totals).to_be_visible()
        expect(totals.locator("dt")).to_have_text(
            ["Helt uenig", "Uenig", "Hverken enig eller uenig", "Enig", "Helt enig"]
        )
        expect(totals.locator("dd")).to_have_text(["0 (0 %)", "0 (0 %)", "0 (0 %)", "1 (33 %)", "2 (67 %)"])
        # The bars line up: each starts at the same place and is as long as the others.
        bars = totals.locator(".totals-bar").evaluate_all(
            "bars => bars.map((bar) => [bar.getBoundingClientRect().left, bar.getBoundingClientRect().width])"
        )
        assert len({round(left) for left, _ in bars}) == 1, bars
        assert len({round(width) for _, width in bars}) == 1, bars
        expect(screen.locator("[data-announcer]")).to_contain_text("Resultaterne vises.")
        for member in phones:
            expect(member.page.locator(".phone .totals")).to_be_visible()
            audit_at_both_sizes(member, PHONE)
        audit_at_both_sizes(presenter, DESKTOP)

        # The next card replaces the totals on every phone within a second.
        screen.keyboard.press("ArrowRight")
        every_phone_shows(phones, time.monotonic(), second)
        for member in phones:
            assert member.page.locator(".totals").count() == 0

        # An agreement is shown on the screen as it is added, and ending keeps the screen on the thank-you
        # and the agreements: nobody's name is projected, and every button is now disabled.
        screen.get_by_label("Tilføj en aftale").fill("Vi lytter, før vi svarer")
        screen.get_by_role("button", name="Tilføj aftalen").click()
        expect(screen.locator(".stage-agreements")).to_contain_text("Vi lytter, før vi svarer")
        screen.once("dialog", lambda dialog: dialog.accept())
        screen.get_by_role("button", name="Afslut seminaret").click()
        expect(screen.locator(".stage-title")).to_have_text("Tak, fordi I deltog")
        expect(screen.locator(".stage-agreements")).to_contain_text("Vi lytter, før vi svarer")
        assert screen.url.endswith(f"/admin/seminars/{seminar['id']}/present")
        assert "Medlem" not in screen.locator("body").inner_text()
        expect(screen.get_by_role("button", name="Næste")).to_be_disabled()
        for member in phones:
            expect(member.page.locator(".phone")).to_contain_text("Seminaret er slut")
        audit_at_both_sizes(presenter, DESKTOP)


def start(app, seminar, steps: int = 1, *, open_question: bool = False) -> None:
    with app.app_context():
        from course.seminars.models import Seminar

        planned = db.session.get(Seminar, seminar["id"])
        actor = db.session.get(Member, seminar["admin"].id)
        for _ in range(steps):
            operations.step(planned, 1, actor=actor)
        if open_question:
            operations.open_question(planned)
        db.session.commit()


def test_ending_asks_first_and_the_ended_screen_drops_the_code_and_links_the_seminars_page(
    app, site, seminar
):
    from playwright.sync_api import expect

    start(app, seminar)
    screen = site.page
    screen.set_viewport_size(DESKTOP)
    sign_in(site, seminar["admin"].email)
    site.goto(f"/admin/seminars/{seminar['id']}/present")
    site.audit()
    # Without the script (a form sent as such): a page asks, and "No" goes back with the seminar running.
    screen.locator('form[data-control="end"]').evaluate("form => form.submit()")
    expect(screen.get_by_role("heading", level=1)).to_have_text("Afslut seminaret?")
    site.audit()
    screen.get_by_role("link", name="Nej, gå tilbage til visningen til skærmen").click()
    expect(screen.locator(".stage-title")).to_have_text(seminar["titles"][0])
    site.audit()
    end = screen.get_by_role("button", name="Afslut seminaret")
    expect(screen.locator("[data-show-when-ended]")).to_be_hidden()
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    screen.once("dialog", dismiss)
    end.click()
    expect(end).to_be_enabled()
    assert asked == ["Vil du afslutte seminaret? Telefonerne viser så, at det er slut."]
    screen.reload()
    expect(screen.locator(".stage-title")).to_have_text(seminar["titles"][0])
    expect(screen.locator(".presenter-code")).to_be_visible()

    screen.once("dialog", lambda dialog: dialog.accept())
    end.click()
    expect(screen.locator(".stage-title")).to_have_text("Tak, fordi I deltog")
    # Nobody joins an ended seminar: the code is gone; the facilitator has a link to the seminar's page.
    expect(screen.locator(".presenter-code")).to_be_hidden()
    link = screen.locator(f'[data-show-when-ended] a[href="/admin/seminars/{seminar["id"]}"]')
    expect(link).to_be_visible()
    site.audit()


OVERLAPS = """(selectors) => {
  // Every pair of the boxes (and of the lines of text in each) that overlap by more than a pixel.
  const boxes = [];
  for (const selector of selectors) {
    for (const element of document.querySelectorAll(selector)) {
      const range = document.createRange();
      range.selectNodeContents(element);
      const lines = [...range.getClientRects()].filter((box) => box.width > 0 && box.height > 0);
      const merged = [];
      for (const line of lines) {  // one box per line of text
        const same = merged.find((box) => Math.abs(box.top - line.top) < 2);
        if (same) {
          same.left = Math.min(same.left, line.left);
          same.right = Math.max(same.right, line.right);
          same.bottom = Math.max(same.bottom, line.bottom);
        } else {
          const { top, bottom, left, right } = line;
          merged.push({ top, bottom, left, right, name: selector });
        }
      }
      boxes.push(...merged);
    }
  }
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (across > 1 && down > 1) {
        found.push(`${a.name} ${Math.round(a.top)} / ${b.name} ${Math.round(b.top)}: ${Math.round(down)} px`);
      }
    }
  }
  return found;
}"""


def test_the_presenter_screen_at_1280_by_800_has_nothing_on_top_of_anything_and_counts_answers_live(
    app, site, seminar, tmp_path
):
    from playwright.sync_api import expect

    with app.app_context():
        from course.seminars.models import Seminar

        item = db.session.get(Seminar, seminar["id"]).items[0]
        item.question_text = "Hvem i gruppen bliver stille, når tonen bliver skarp, og hvad gør vi ved det?"
        db.session.commit()
    start(app, seminar, open_question=True)
    screen = site.page
    screen.set_viewport_size(DESKTOP)
    sign_in(site, seminar["admin"].email)
    site.goto(f"/admin/seminars/{seminar['id']}/present")
    site.audit()
    screen.screenshot(path=str(tmp_path / "presenter.png"), full_page=True)
    assert screen.locator(".stage-question-text").evaluate("e => e.getClientRects().length") >= 1
    found = screen.evaluate(
        OVERLAPS,
        [
            ".stage-title",
            ".stage-question-text",
            ".presenter-code-label",
            ".presenter-code strong",
            ".presenter-join-url",
        ],
    )
    assert not found, found

    # "Reveal" is disabled while too few have answered, and says how many, as answers come in.
    hint = screen.locator("#reveal-hint")
    expect(screen.get_by_role("button", name="Vis resultaterne")).to_be_disabled()
    expect(hint).to_have_text("0 af mindst 3 svar")
    with app.app_context():
        from course.seminars.models import Seminar

        planned = db.session.get(Seminar, seminar["id"])
        operations.answer(planned, planned.items[0].id, db.session.get(Member, seminar["members"][0].id), "4")
        db.session.commit()
    expect(hint).to_have_text("1 af mindst 3 svar")
