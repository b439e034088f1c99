"""Layout in Chromium, mostly on a 390 px phone: no page scrolls sideways, the law table shows a row at a
time, captions are large enough to read, breadcrumbs and step icons look like what they are, and a filter
button lines up with its selects."""

from __future__ import annotations

import pytest

from tests.browser.journeys import open_quizzes_through_the_transcript, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HARASSMENT = "tone-harassment-threats"

#: The caption rule in force at the current width, in pixels (None without one): browsers draw cues at
#: about 5 % of the video's height, some 10 px on a phone, unless the site sets a size.
CUE_FONT_SIZE = """() => {
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const found = [];
  const visit = (rules, active) => {
    for (const rule of rules) {
      if (rule instanceof CSSMediaRule) {
        visit(rule.cssRules, active && window.matchMedia(rule.conditionText).matches);
      } else if (active && rule.selectorText && rule.selectorText.includes("::cue") && rule.style.fontSize) {
        const size = rule.style.fontSize;
        found.push(size.endsWith("rem") ? parseFloat(size) * root : parseFloat(size));
      }
    }
  };
  for (const sheet of document.styleSheets) visit(sheet.cssRules, true);
  return found.length ? found[found.length - 1] : null;
}"""


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_member_and_administration_pages_fit_a_phone(site, make):
    council = make.council("smalby", name="Smalby Kommune")
    make.member(council, "ida@smalby.example", name="Ida Iversen", is_admin=True)
    page = site.page
    page.set_viewport_size(PHONE)
    sign_in(site, "ida@smalby.example")
    for path in ("/", f"/modules/{HARASSMENT}", "/account/sessions", "/admin/members", "/admin/audit/"):
        site.goto(path)
        assert fits_the_screen(page), f"{path} scrolls sideways on a phone"

    site.goto(f"/modules/{HARASSMENT}")
    table = page.locator("table.law-table").bounding_box()
    assert table["x"] + table["width"] <= PHONE["width"]
    first_cell = page.locator("table.law-table tbody tr").first.locator("td").first
    label = first_cell.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Hvilken forbrydelse det kan være"'


def test_captions_are_readable_on_a_phone_and_keep_their_size_on_a_laptop(site, make):
    make.member(make.council("tekstby"), "tove@tekstby.example")
    page = site.page
    sign_in(site, "tove@tekstby.example")
    page.set_viewport_size(PHONE)
    site.goto(f"/modules/{HARASSMENT}")
    assert page.evaluate(CUE_FONT_SIZE) >= 16
    page.set_viewport_size({"width": 1280, "height": 800})
    # The video is some 540 px high here, so the browser's own size (about 27 px) is the better one.
    assert page.evaluate(CUE_FONT_SIZE) is None


def test_breadcrumbs_are_separated_and_step_icons_keep_their_size_when_text_wraps(site, make, course):
    make.member(make.council("ikonby"), "ib@ikonby.example")
    page = site.page
    page.set_viewport_size(PHONE)
    sign_in(site, "ib@ikonby.example")

    widths = page.locator(".module-steps .icon-svg").evaluate_all(
        "icons => icons.map(icon => icon.getBoundingClientRect().width)"
    )
    heights = page.locator(".module-steps li").evaluate_all(
        "items => items.map(item => item.getBoundingClientRect().height)"
    )
    assert max(heights) > min(heights) * 1.5, "no step text wraps at this width: the check proves nothing"
    assert len(set(widths)) == 1, f"step icons of different widths: {widths}"

    site.goto(f"/modules/{course.modules[0].id}")
    separators = page.locator(".breadcrumbs__list-item").evaluate_all(
        "items => items.map(item => getComputedStyle(item, '::before').borderTopWidth)"
    )
    assert len(separators) == 2
    assert separators[0] == "0px"
    assert all(width != "0px" for width in separators[1:]), separators


def test_the_audit_log_filter_button_lines_up_with_its_selects(site, make):
    council = make.council("linjeby")
    make.member(council, "lis@linjeby.example", is_admin=True)
    page = site.page
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(site, "lis@linjeby.example")
    site.goto("/admin/audit/")
    bottoms = page.locator("form.filters").evaluate(
        """form => [...form.querySelectorAll("select, button")].map(e => e.getBoundingClientRect().bottom)"""
    )
    assert len(bottoms) == 3
    assert max(bottoms) - min(bottoms) < 1, bottoms


def test_an_error_summary_link_shows_the_question_with_its_situation(site, make, course):
    make.member(make.council("rettby"), "rie@rettby.example")
    module = course.modules[0]
    # Every question of this quiz opens with a situation above its fieldset.
    quiz = next(quiz for quiz in module.quizzes if all(q.scenario for q in quiz.questions))
    page = site.page
    page.set_viewport_size(PHONE)
    sign_in(site, "rie@rettby.example")
    site.goto(f"/modules/{module.id}")
    open_quizzes_through_the_transcript(site)
    site.goto(f"/modules/{module.id}/quizzes/{quiz.id}")
    page.get_by_role("button", name="Send svar").click()
    page.wait_for_load_state("load")
    # The incomplete answers are refused, as they should be.
    site.failed_responses.remove(next(r for r in site.failed_responses if r.startswith("422 POST")))
    site.audit()

    page.locator("[data-error-summary] a", has_text="spørgsmål 3").click()
    # The question's legend takes focus, with a ring round it: a focused fieldset's ring would run
    # through the legend, which sits on the fieldset's top edge.
    legend = page.locator("#question-3 legend")
    assert legend.evaluate("element => element === document.activeElement")
    assert legend.evaluate("element => getComputedStyle(element).outlineStyle") != "none"
    question_top = legend.evaluate("element => element.closest('.quiz-question').getBoundingClientRect().top")
    assert 0 <= question_top < 50, "the situation above the question is out of view"


def test_long_danish_headings_hyphenate_rather_than_break_anywhere(site):
    """ "Tilgængelighedserklæring" is wider than a 390 px phone at the heading's size: it is hyphenated
    by the page's language (or at worst wraps), and never makes the page scroll sideways."""
    page = site.page
    page.set_viewport_size(PHONE)
    site.goto("/accessibility")
    assert page.evaluate("document.documentElement.lang") == "da"
    heading = page.locator("h1")
    assert "Tilgængelighedserklæring" in heading.inner_text()
    assert heading.evaluate("h => getComputedStyle(h).hyphens") == "auto"
    assert heading.evaluate("h => h.scrollWidth <= h.clientWidth")
    assert fits_the_screen(page)
