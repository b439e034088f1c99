"""The council's plan against threats and harassment: templates, draft, adoption, versions, what members see,
the review reminder, the PDF, the audit log and the personal data in it."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.content import load_course
from course.extensions import db
from course.people.models import Council, Member
from course.plan import get_template
from course.plan import services as plan_services
from course.plan.forms import field_name
from course.plan.models import PlanDraft, PlanVersion
from course.plan.reminders import send_review_reminders
from course.plan.template import PlanTemplateError, load_template, load_templates
from course.privacy import services as privacy
from course.seminars import operations as seminars
from tests.plan_helpers import CONTACT, adopt, save_draft

CONTENT = Path(__file__).resolve().parent.parent / "modules"


@pytest.fixture
def council(make):
    return make.council("testby", name="Testby Kommune")


@pytest.fixture
def admin(make, council):
    return make.member(council, "admin@testby.example", name="Ada Admin", is_admin=True)


@pytest.fixture
def councillor(make, council):
    return make.member(council, "c@testby.example", name="Carl Councillor")


def text(response) -> str:
    return response.get_data(as_text=True)


def review_reminders(smtp_server) -> list:
    """The plan's review reminders among the e-mails sent (the daily job also reminds members)."""
    return [
        message
        for message in smtp_server.messages
        if "/admin/plan" in message.get_body(("plain",)).get_content()
    ]


# --- the templates --------------------------------------------------------------------------------------


def test_the_danish_template_follows_kl_with_danish_numbers_and_authorities():
    sources = set(load_course(CONTENT).sources)
    template = load_template(CONTENT / "plan" / "da.yaml", sources)
    assert (template.language, template.country) == ("da", "dk")
    assert (template.emergency_number, template.police_number) == ("112", "114")
    during = template.section("during")
    assert "114" in during.guidance
    assert "112" in during.guidance
    assert "114 14" not in json.dumps([s.guidance for s in template.sections], ensure_ascii=False)
    # KL's guidance with PET, and KL's fixed procedure up to a psychologist (Dragør as the example).
    assert {"s14", "s15", "s18"} <= set(template.all_sources)
    assert "PET" in template.intro
    assert "psykolog" in template.section("after").guidance
    assert "s18" in template.section("after").sources
    assert [section.id for section in template.sections] == [
        "responsibilities",
        "contacts",
        "before",
        "during",
        "after",
        "review",
    ]


def test_the_swedish_template_follows_skr_with_swedish_numbers():
    sources = set(load_course(CONTENT).sources)
    template = load_template(CONTENT / "plan" / "sv.yaml", sources)
    assert (template.language, template.country) == ("sv", "se")
    assert (template.emergency_number, template.police_number) == ("112", "114 14")
    assert "Trygg som förtroendevald" in template.intro
    during = template.section("during")
    assert "114 14" in during.guidance
    assert "demokratibrott" in during.guidance
    assert {"s44", "s45"} <= set(during.sources)
    assert "säkerhetsansvarig" in template.section("contacts").guidance
    # No Danish number in the Swedish plan.
    texts = [field.text for section in template.sections for field in section.fields]
    assert not any("114 " not in text and " 114" in text for text in texts)


def test_every_template_has_the_same_fields_and_shows_sources():
    templates = load_templates(CONTENT, set(load_course(CONTENT).sources))
    assert set(templates) == {"da", "sv", "en"}
    keys = {language: template.field_keys for language, template in templates.items()}
    assert keys["da"] == keys["sv"] == keys["en"]
    for template in templates.values():
        assert all(section.sources for section in template.sections)
        assert "112" in template.general_advice


def test_a_malformed_template_is_reported_with_file_field_and_reason(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "da.yaml").write_text(
        (CONTENT / "plan" / "da.yaml")
        .read_text(encoding="utf-8")
        .replace('police: "114"', 'polis: "114"')
        .replace("sources: [s18]", "sources: [s999]", 1),
        encoding="utf-8",
    )
    (folder / "sv.yaml").write_text("language: sv\nsections: [\n", encoding="utf-8")
    with pytest.raises(PlanTemplateError) as raised:
        load_templates(tmp_path, {"s14", "s15", "s16", "s18", "s48", "s50", "s53"})
    problems = {(problem.file, problem.field) for problem in raised.value.problems}
    assert ("plan/da.yaml", "numbers.police") in problems
    assert ("plan/da.yaml", "numbers.polis") in problems
    assert any(file == "plan/da.yaml" and "sources" in field for file, field in problems)
    assert ("plan/sv.yaml", "(file)") in problems
    assert ("plan/en.yaml", "(file)") in problems  # missing
    message = str(raised.value)
    assert "plan/sv.yaml: (file): is not valid YAML" in message
    assert "'s999' is not in modules/sources.yaml" in message


def test_check_content_lists_the_problems_of_a_malformed_plan_template(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from course.cli import main
    from tests.content_helpers import copy_content

    content = copy_content(tmp_path)
    assert "plan templates in da, sv, en" in CliRunner().invoke(main, ["check-content", "--no-videos"]).output
    (content / "plan" / "sv.yaml").write_text("language: sv\nsections: [\n", encoding="utf-8")
    monkeypatch.setenv("COURSE_CONTENT_DIR", str(content))
    result = CliRunner().invoke(main, ["check-content", "--no-videos"])
    assert result.exit_code == 1
    assert "plan/sv.yaml: (file): is not valid YAML" in result.output
    assert "1 problem in the plan templates" in result.output


# --- draft, adoption, versions ---------------------------------------------------------------------------


def test_the_editor_starts_from_the_template_in_the_councils_language(client, auth, admin, make):
    auth.login(admin.email)
    page = text(client.get("/admin/plan"))
    assert "Kommunens plan mod chikane" in page
    assert "Før – forebyggelse" in page
    assert "Sources:" in page or "Kilder:" in page
    client.post("/logout")
    swedish = make.council("sverby", country="se", locale="sv")
    auth.login(make.member(swedish, "a@sverby.example", is_admin=True).email)
    page = text(client.get("/admin/plan"))
    assert "Kommunens plan mot hot, hat och våld" in page
    assert "114 14" in page


def test_saving_the_draft_keeps_texts_contacts_and_review_date(app, client, auth, admin, council):
    auth.login(admin.email)
    assert save_draft(client).status_code == 303
    with app.app_context():
        draft = db.session.get(PlanDraft, council.id)
        assert draft.review_on == date(2031, 3, 1)
        assert draft.content["contacts"] == [{**CONTACT, "out_of_hours": True}]
        assert draft.content["party_contacts"][0]["group"] == "Borgerlisten"
        assert draft.content["texts"]["during.report"] == "Ring 114 og sig, at det gælder dit hverv."
        assert draft.updated_by_id == admin.id
    page = text(client.get("/admin/plan"))
    assert CONTACT["name"] in page
    assert "Ring 114 og sig" in page


def test_a_bad_draft_is_refused_with_an_error_summary(app, client, auth, admin, council):
    auth.login(admin.email)
    response = save_draft(
        client, **{"contacts-0-phone": "call me", "contacts-1-role": "Vagt", "review_on": "x"}
    )
    assert response.status_code == 422
    page = text(response)
    assert "error-summary" in page
    assert 'href="#contacts-0-phone"' in page
    assert 'href="#contacts-1-name"' in page
    assert 'href="#review_on"' in page
    with app.app_context():
        assert db.session.get(PlanDraft, council.id) is None


def test_adoption_needs_a_saved_draft_with_an_out_of_hours_contact(app, client, auth, admin, council):
    auth.login(admin.email)
    response = adopt(client)
    assert response.status_code == 422
    assert "error-summary" in text(response)
    save_draft(client, **{"contacts-0-out_of_hours": ""})
    assert adopt(client).status_code == 422
    assert adopt(client, reference="").status_code == 422
    save_draft(client)
    assert adopt(client, adopted_on="2031-03-01").status_code == 422  # the review is not after it
    with app.app_context():
        assert db.session.scalar(select(PlanVersion.id)) is None
    assert adopt(client).status_code == 303


def test_each_adoption_is_a_version_kept_with_who_adopted_it_and_audited(app, client, auth, admin, council):
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    save_draft(client, **{"contacts-0-name": "Ny Kontakt", "review_on": ""})
    adopt(client, adopted_on="2031-02-01", reference="Byrådet 1/2, punkt 3")
    with app.app_context():
        first, second = db.session.execute(select(PlanVersion).order_by(PlanVersion.number)).scalars()
        assert (first.number, second.number) == (1, 2)
        assert first.content["contacts"][0]["name"] == CONTACT["name"]
        assert second.content["contacts"][0]["name"] == "Ny Kontakt"
        assert (first.adopted_by_id, second.adopted_by_id) == (admin.id, admin.id)
        assert second.next_review_on == date(2032, 2, 1)  # a year after, without a date in the draft
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.adopted").order_by(AuditEvent.id)
        ).scalars()
        assert [(event.actor_id, event.council_id, event.details["number"]) for event in events] == [
            (admin.id, council.id, 1),
            (admin.id, council.id, 2),
        ]
    page = text(client.get("/admin/plan"))
    assert "Byrådet 1/2, punkt 3" in page
    assert "Byrådet 12/3, punkt 7" in page
    assert "Ada Admin" in page


def test_a_new_draft_never_changes_the_adopted_version_members_see(app, client, auth, admin, councillor):
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    save_draft(client, **{"contacts-0-name": "Udkast Person", field_name("during.report"): "Nyt udkast"})
    client.post("/logout")
    auth.login(councillor.email)
    page = text(client.get("/plan"))
    assert CONTACT["name"] in page
    assert "Ring 114 og sig" in page
    assert "Udkast Person" not in page
    assert "Nyt udkast" not in page


def test_seminar_agreements_can_be_added_to_the_draft(app, client, auth, admin, council):
    with app.app_context():
        actor = db.session.get(Member, admin.id)
        seminar = seminars.plan_seminar(
            db.session.get(Council, council.id), "Seminar om tonen", date(2030, 1, 15), "Salen", actor=actor
        )
        agreement = seminars.add_agreement(seminar, "Vi svarer aldrig igen i samme tone", actor=actor)
        db.session.commit()
        agreement_id = agreement.id
    auth.login(admin.email)
    assert "Vi svarer aldrig igen" in text(client.get("/admin/plan"))
    save_draft(client, agreements=str(agreement_id))
    adopt(client)
    page = text(client.get("/plan"))
    assert "Vi svarer aldrig igen i samme tone" in page
    assert "Seminar om tonen" in page


def test_another_councils_agreement_cannot_be_added(app, client, auth, admin, council, make):
    other = make.council("otherby")
    other_admin = make.member(other, "o@otherby.example", is_admin=True)
    with app.app_context():
        actor = db.session.get(Member, other_admin.id)
        seminar = seminars.plan_seminar(
            db.session.get(Council, other.id), "Fremmed seminar", date(2030, 1, 15), "Salen", actor=actor
        )
        agreement_id = seminars.add_agreement(seminar, "Otherbys hemmelige aftale", actor=actor).id
        db.session.commit()
    auth.login(admin.email)
    assert "Otherbys hemmelige aftale" not in text(client.get("/admin/plan"))
    assert save_draft(client, agreements=str(agreement_id)).status_code == 303
    with app.app_context():
        assert db.session.get(PlanDraft, council.id).content["agreements"] == []


def test_the_version_is_printable_and_a_pdf_in_the_councils_language(app, client, auth, admin, make):
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    with app.app_context():
        version_id = db.session.scalar(select(PlanVersion.id))
    page = text(client.get(f"/admin/plan/versions/{version_id}"))
    assert CONTACT["name"] in page
    assert "data-print" in page
    response = client.get(f"/admin/plan/versions/{version_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pypdf = pytest.importorskip("pypdf")
    pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert "Kommunens plan mod chikane" in pdf_text
    assert CONTACT["name"] in pdf_text
    assert "114" in pdf_text
    assert "112" in pdf_text
    assert "Testby Kommune" in pdf_text
    assert "Version 1, vedtaget" in pdf_text  # the council's language, Danish
    assert client.get("/plan/pdf").status_code == 200


def test_another_councils_version_is_not_found(app, client, auth, admin, make):
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    with app.app_context():
        version_id = db.session.scalar(select(PlanVersion.id))
    client.post("/logout")
    other = make.member(make.council("otherby"), "o@otherby.example", is_admin=True)
    auth.login(other.email)
    assert client.get(f"/admin/plan/versions/{version_id}").status_code == 404
    assert client.get(f"/admin/plan/versions/{version_id}/pdf").status_code == 404
    assert CONTACT["name"] not in text(client.get("/plan"))


# --- what members see ------------------------------------------------------------------------------------


def test_before_adoption_members_see_general_advice_and_administrators_a_prompt(
    client, auth, admin, councillor
):
    auth.login(councillor.email)
    for path in ("/", "/modules/tone-harassment-threats", "/plan"):
        page = text(client.get(path))
        assert "Er du i akut fare, så ring 112" in page, path
        assert "/admin/plan" not in page, path
    assert "akut fare" not in text(client.get("/modules/how-social-media-work"))
    client.post("/logout")
    auth.login(admin.email)
    for path in ("/", "/modules/tone-harassment-threats", "/plan"):
        assert 'href="/admin/plan"' in text(client.get(path)), path
    assert "Kommunen har endnu ikke vedtaget en plan" in text(client.get("/admin/"))


def test_after_adoption_members_see_their_contact_with_tappable_links(client, auth, admin, councillor):
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    dashboard = text(client.get("/admin/"))
    assert "12. marts 2030" in dashboard
    assert "1. marts 2031" in dashboard
    client.post("/logout")
    auth.login(councillor.email)
    for path in ("/", "/modules/tone-harassment-threats", "/plan"):
        page = text(client.get(path))
        assert CONTACT["name"] in page, path
        assert 'href="tel:+4512345678"' in page, path
        assert f'href="mailto:{CONTACT["email"]}"' in page, path
        assert 'href="/plan"' in page or path == "/plan", path
    page = text(client.get("/plan"))
    assert 'href="tel:112"' in page
    assert 'href="tel:114"' in page
    assert 'href="tel:22334455"' in page  # the party group's contact
    assert "Borgerlisten" in page
    assert "Straffeloven" not in page
    assert "Kommunalpolitikere skal ikke acceptere chikane" in page  # the sources are shown


def test_the_english_plan_names_both_police_numbers(make, client, auth):
    council = make.council("engby", locale="en")
    auth.login(make.member(council, "m@engby.example", locale="en").email)
    page = text(client.get("/plan"))
    assert "114 in Denmark, 114 14 in Sweden" in page


# --- the review reminder ---------------------------------------------------------------------------------


def test_administrators_are_reminded_a_month_before_the_review_once(
    app, client, auth, admin, councillor, make, council, smtp_server, runner
):
    second_admin = make.member(council, "admin2@testby.example", is_admin=True, locale="sv")
    auth.login(admin.email)
    save_draft(client)
    adopt(client)  # next review 1 March 2031
    with app.app_context():
        early = send_review_reminders(now=datetime(2031, 1, 29, 12, tzinfo=UTC))
        assert early.reminded == []
        assert smtp_server.messages == []
        result = send_review_reminders(now=datetime(2031, 1, 30, 12, tzinfo=UTC))
        assert [due.council.id for due in result.reminded] == [council.id]
    recipients = sorted(
        address for message in smtp_server.messages for address in message.envelope_recipients
    )
    assert recipients == sorted([admin.email, second_admin.email])
    [danish] = smtp_server.to(admin.email)
    assert "1. marts 2031" in danish.get_body(("plain",)).get_content()
    assert "http://localhost/admin/plan" in danish.get_body(("plain",)).get_content()
    [swedish] = smtp_server.to(second_admin.email)
    assert "1 mars 2031" in swedish.get_body(("plain",)).get_content()
    assert councillor.email not in recipients
    # Once: the daily job sends nothing more.
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert len(review_reminders(smtp_server)) == 2
    with app.app_context():
        [event] = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.review_reminder_sent")
        ).scalars()
        assert event.council_id == council.id


def test_the_daily_job_sends_the_review_reminder(app, client, auth, admin, smtp_server, runner):
    auth.login(admin.email)
    save_draft(client, review_on=date.today().replace(year=date.today().year + 1).isoformat())
    adopt(client, adopted_on=date.today().isoformat())
    assert runner.invoke(args=["send-reminders"]).exit_code == 0
    assert review_reminders(smtp_server) == []  # a year away
    save_draft(client, review_on=(date.today().fromordinal(date.today().toordinal() + 20)).isoformat())
    adopt(client, adopted_on=date.today().isoformat())
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "plan review reminder sent to 1 administrator(s)" in result.output
    assert [message["To"] for message in review_reminders(smtp_server)] == [admin.email]


# --- the platform overview --------------------------------------------------------------------------------


def test_the_platform_shows_which_councils_adopted_a_plan_never_its_content(app, client, auth, admin, make):
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    client.post("/logout")
    make.council("emptyby", name="Emptyby Kommune")
    platform = make.member(make.council("hostby"), "p@host.example", is_platform_admin=True, locale="en")
    auth.login(platform.email)
    page = text(client.get("/platform/"))
    assert "Mar 12, 2030" in page
    assert "No plan adopted" in page
    assert CONTACT["name"] not in page
    assert CONTACT["phone"] not in page


# --- personal data ---------------------------------------------------------------------------------------


def test_erasing_a_contact_removes_them_from_the_draft_and_every_version_only(app, make):
    with app.app_context():
        council = db.session.get(Council, make.council("planby").id)
        from course.people.services import add_member

        member = add_member(council, CONTACT["email"], CONTACT["name"])
        actor = add_member(council, "boss@planby.example", "Boss", is_admin=True)
        template = get_template("da")
        plan_services.save_draft(
            council,
            template,
            texts={},
            contacts=[{**CONTACT, "out_of_hours": True}, {"name": "Anden Vagt", "phone": "11111111"}],
            party_contacts=[],
            agreement_ids=[],
            review_on=None,
            actor=actor,
        )
        plan_services.adopt_plan(
            council, template, adopted_on=date(2030, 1, 1), decision_reference="KB", actor=actor
        )
        db.session.commit()
        exported = privacy.export_member(member, actor=None)
        assert exported["plan_version"][0]["named_as_contact"][0]["phone"] == CONTACT["phone"]
        assert exported["plan_version"][0]["adopted_by_member"] is False
        privacy.erase_member(member, actor=None)
        db.session.commit()
        db.session.expire_all()
        version = db.session.scalar(select(PlanVersion).where(PlanVersion.council_id == council.id))
        draft = db.session.get(PlanDraft, council.id)
        for content in (version.content, draft.content):
            assert [entry["name"] for entry in content["contacts"]] == ["Anden Vagt"]
        assert CONTACT["phone"] not in json.dumps(version.content)


# --- review date, adoption step and the plan box (a new user's findings) ---------------------------------


def test_a_review_date_in_the_past_is_refused_when_the_draft_is_saved(app, client, auth, admin, council):
    auth.login(admin.email)
    response = save_draft(client, **{"review_on": "2020-01-01", "contacts-0-name": "Ny Navn"})
    assert response.status_code == 422
    page = text(response)
    assert 'href="#review_on"' in page
    assert "Datoen for næste gennemgang skal ligge efter i dag." in page
    assert 'value="2020-01-01"' in page  # the input is kept
    assert 'value="Ny Navn"' in page
    assert "data-plan-changed" in page  # the page script warns before these unsaved values are left
    with app.app_context():
        assert db.session.get(PlanDraft, council.id) is None


def _plan_box(page: str) -> str:
    start = page.index('aria-labelledby="plan-line-heading"')
    return page[start : page.index("</aside>", start)]


def test_the_plan_box_comes_before_the_modules_and_112_is_tappable(client, auth, admin, councillor):
    auth.login(councillor.email)
    page = text(client.get("/"))
    assert page.index("plan-line-heading") < page.index('id="modules-heading"')
    assert page.index('id="progress-heading"') < page.index("plan-line-heading")
    assert 'href="tel:112"' in _plan_box(page)  # general advice: no plan adopted yet
    client.post("/logout")
    auth.login(admin.email)
    save_draft(client)
    adopt(client)
    client.post("/logout")
    auth.login(councillor.email)
    for path in ("/", "/modules/tone-harassment-threats"):
        box = _plan_box(text(client.get(path)))
        assert 'href="tel:112"' in box, path
        assert 'href="tel:+4512345678"' in box, path


def test_the_editor_has_no_adopt_form_that_could_drop_unsaved_changes(client, auth, admin):
    auth.login(admin.email)
    save_draft(client)
    page = text(client.get("/admin/plan"))
    assert 'action="/admin/plan/adopt"' not in page  # only the draft form: nothing typed is left behind
    assert 'href="/admin/plan/adopt"' in page
    assert "js/plan-editor.js" in page  # warns about unsaved changes before leaving the page


def test_the_adoption_page_shows_the_saved_draft_it_adopts(client, auth, admin):
    auth.login(admin.email)
    page = text(client.get("/admin/plan/adopt"))
    assert 'action="/admin/plan/adopt"' not in page  # nothing saved: nothing to adopt yet
    assert 'href="/admin/plan#draft-heading"' in page
    save_draft(client, **{"contacts-0-name": "Gemt Navn"})
    page = text(client.get("/admin/plan/adopt"))
    assert 'action="/admin/plan/adopt"' in page
    assert "Gemt Navn" in page
    assert "1. marts 2031" in page  # the saved review date
    assert "Ændringer, der ikke er gemt i redigeringen, bliver ikke vedtaget." in page
    assert 'href="/admin/plan"' in page


def test_adoption_errors_point_to_the_field_that_needs_fixing(client, auth, admin):
    auth.login(admin.email)
    response = adopt(client)
    assert response.status_code == 422
    assert 'href="/admin/plan#draft-heading"' in text(response)  # save the draft first, in the editor
    page = text(adopt(client, reference=""))
    assert 'href="/admin/plan#draft-heading"' in page
    assert 'href="#decision_reference"' not in page  # no form on the page until a draft is saved
    save_draft(client, **{"contacts-0-out_of_hours": ""})
    assert 'href="/admin/plan#contacts-0-out_of_hours"' in text(adopt(client))
    save_draft(client)
    response = adopt(client, adopted_on="2031-03-01")  # the draft's review date is not after it
    assert response.status_code == 422
    page = text(response)
    assert 'href="/admin/plan#review_on"' in page
    assert 'href="#adopted_on"' not in page
    assert 'value="2031-03-01"' in page  # the input is kept
    response = adopt(client, reference="")
    assert response.status_code == 422
    assert 'href="#decision_reference"' in text(response)
