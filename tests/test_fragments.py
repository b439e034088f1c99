"""The ``{% cache %}`` tag: content parts rendered once per language, never carrying a member's own state."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from course.web.fragments import MAX_FRAGMENTS, fragment_store


def _section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


@pytest.fixture
def page(course):
    return f"/modules/{course.modules[0].id}"


def test_a_cached_part_is_rendered_once_per_key_and_language(app):
    rendered = []
    template = '{% cache "part", key %}{{ count(key) }}{% endcache %}'

    def count(key):
        rendered.append(key)
        return f"<b>{key}</b>"

    with app.test_request_context("/"):
        first = render_template_string(template, key="a", count=count, current_locale=lambda: "da")
        again = render_template_string(template, key="a", count=count, current_locale=lambda: "da")
        other = render_template_string(template, key="b", count=count, current_locale=lambda: "da")
        swedish = render_template_string(template, key="a", count=count, current_locale=lambda: "sv")
    assert rendered == ["a", "b", "a"]
    # What the block renders is escaped as usual, once, and then kept as it is.
    assert first == again == "&lt;b&gt;a&lt;/b&gt;"
    assert other == "&lt;b&gt;b&lt;/b&gt;"
    assert swedish == first


def test_the_store_cannot_grow_without_bound(app):
    with app.test_request_context("/"):
        for key in range(MAX_FRAGMENTS + 10):
            render_template_string('{% cache "part", key %}x{% endcache %}', key=key)
        assert len(fragment_store()) <= MAX_FRAGMENTS


def test_cached_parts_never_carry_one_members_progress_to_another(client, auth, make, course, page):
    council = make.council("fragments")
    done = make.member(council, "done@example.org", locale="en")
    fresh = make.member(council, "fresh@example.org", locale="en")

    auth.login(done.email)
    client.get(page)
    client.post(f"{page}/transcript", data={"read": "yes"})
    done_html = client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login(fresh.email)
    fresh_html = client.get(page).get_data(as_text=True)

    # The member's own state differs ...
    assert 'data-done="true"' in done_html
    assert 'data-done="false"' in fresh_html
    assert "Take the quiz" in done_html
    assert "data-opens-with-video" not in done_html
    # The fresh member's quiz buttons wait, hidden, for the video step (the page's script shows them).
    assert re.search(r'href="[^"]*/quizzes/[^"]*" hidden data-opens-with-video>\s*Take the quiz', fresh_html)
    assert "I have read the whole transcript" in fresh_html
    assert "I have read" not in done_html
    # ... around content that is the same for both.
    for start, end in (
        ('<p class="module-kicker">', '<section aria-labelledby="steps-heading"'),
        ('<div class="details-text transcript">', "</details>"),
        ('<section aria-labelledby="key-points-heading">', '<section id="quizzes"'),
        ('<section class="sources"', "</main>"),
    ):
        assert _section(done_html, start, end) == _section(fresh_html, start, end)
    # Each member still gets their own sign-out form and CSRF token outside the cached parts.
    assert "fresh@example.org" not in done_html


def test_each_language_gets_its_own_copy(client, auth, make, course, page):
    module = course.modules[0]
    council = make.council("fragments-languages")
    danish = make.member(council, "da@example.org", locale="da")
    english = make.member(council, "en@example.org", locale="en")
    auth.login(danish.email)
    danish_html = client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login(english.email)
    english_html = client.get(page).get_data(as_text=True)

    assert f"<h1>{module.title.da}</h1>" in danish_html
    assert f"<h1>{module.title.en}</h1>" in english_html
    assert module.scenes[0].title.da in danish_html
    assert module.scenes[0].title.en not in danish_html
    # The caption track marked default follows the page's language, inside the cached video sources.
    assert re.search(r'<track kind="captions"[^>]*srclang="da"[^>]*default>', danish_html)
    assert re.search(r'<track kind="captions"[^>]*srclang="en"[^>]*default>', english_html)


def test_the_query_string_still_opens_the_transcript(client, auth, make, page):
    member = make.member(make.council("fragments-query"), locale="en")
    auth.login(member.email)
    closed = client.get(page).get_data(as_text=True)
    opened = client.get(f"{page}?transcript=1").get_data(as_text=True)
    assert '<details class="details">' in closed
    assert '<details class="details" open>' in opened


def test_addresses_follow_the_mount_point_of_each_request(client, auth, make, page):
    member = make.member(make.council("fragments-root"), locale="en")
    auth.login(member.email)
    plain = client.get(page).get_data(as_text=True)
    mounted = client.get(page, base_url="http://localhost/course").get_data(as_text=True)
    plain_sources = re.findall(r'<source src="([^"]+)"', plain)
    mounted_sources = re.findall(r'<source src="([^"]+)"', mounted)
    assert plain_sources
    assert not plain_sources[0].startswith("/course/")
    assert mounted_sources == [f"/course{source}" for source in plain_sources]


PER_REQUEST = re.compile(r"\b(state|current_user|csrf_token|request|session|get_flashed_messages|rules|g)\b")


def test_no_cached_block_in_any_template_reads_per_request_or_per_member_data(app):
    """What a block may read is the content, its key and the language; the rest would leak between members."""
    blocks = []
    for name in app.jinja_env.list_templates(extensions=["html"]):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        # The key may name the member's role (a few values); the block's body may not read the member.
        for body in re.findall(r"{%-?\s*cache\b.*?%}(.*?){%-?\s*endcache\s*-?%}", source, flags=re.S):
            blocks.append(name)
            assert not PER_REQUEST.search(body), f"{name}: a cached block reads {PER_REQUEST.search(body)[0]}"
    assert len(blocks) >= 6  # the module page's content parts


def test_the_menu_shows_administration_links_to_administrators_only(client, auth, make):
    council = make.council("fragments-menu")
    admin = make.member(council, "admin@example.org", locale="en", is_admin=True)
    member = make.member(council, "member@example.org", locale="en")
    auth.login(admin.email)
    admin_html = client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(member.email)
    member_html = client.get("/").get_data(as_text=True)
    assert "Council administration" in admin_html
    assert "Council administration" not in member_html
    # The current page is marked in each copy of the menu.
    assert 'href="/"' in member_html
    assert re.search(r'<a href="/certificate[^"]*" aria-current="page">', client.get("/certificate").text)
