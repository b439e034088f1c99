"""Access: every route declares who may use it, and members only ever see their own learning."""

from __future__ import annotations

from course.auth.access import ADMIN, MEMBER, PLATFORM_ADMIN, PUBLIC

RULES = {PUBLIC, MEMBER, ADMIN, PLATFORM_ADMIN}


def test_every_route_has_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access_rule", None) not in RULES:
            missing.append(rule.rule)
    assert not missing, f"routes without an access rule: {missing}"


def test_member_pages_send_anonymous_visitors_to_sign_in(app, client, course):
    module, quiz = course.modules[0], course.modules[0].quizzes[0]
    for path in (
        "/",
        f"/modules/{module.id}",
        f"/modules/{module.id}/quizzes/{quiz.id}",
        f"/modules/{module.id}/quizzes/{quiz.id}/attempts/1",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/login"), path


def test_unknown_module_and_quiz_are_not_found(client, auth, make):
    member = make.member()
    auth.login(member.email)
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.get("/modules/how-social-media-work/quizzes/no-such-quiz").status_code == 404
    assert client.get("/modules/how-social-media-work/quizzes/democracy-mechanics").status_code == 404


def test_overview_shows_only_the_members_own_progress(client, auth, app, course, make):
    from tests.helpers import complete_module

    council = make.council("sharedby")
    busy, idle = make.member(council), make.member(council)
    auth.login(busy.email)
    complete_module(client, app, course, course.modules[0].id)
    auth.logout()
    auth.login(idle.email)
    page = client.get("/").get_data(as_text=True)
    assert "0 af 3 moduler gennemført" in page or "0 of 3 modules completed" in page
