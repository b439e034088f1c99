"""The council-course command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from course.cli import main
from tests.content_helpers import copy_content


def test_create_council_and_add_member_with_a_password_from_stdin(runner, client):
    result = runner.invoke(args=["create-council", "aarhus-test", "--name", "Aarhus Test", "--country", "dk"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "add-member",
            "aarhus-test",
            "Søren@Example.org",
            "--name",
            "Søren Ærø",
            "--role",
            "substitute",
            "--admin",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "soren" not in result.output
    assert "søren@example.org" in result.output
    response = client.post(
        "/login", data={"email": "søren@example.org", "password": "a long enough password"}
    )
    assert response.status_code == 302


def test_add_member_errors_exit_non_zero_with_one_line(runner):
    runner.invoke(args=["create-council", "odense-test", "--name", "Odense", "--country", "dk"])
    for args, message in [
        (["add-member", "no-such", "a@example.org", "--name", "A"], "no council"),
        (["add-member", "odense-test", "not-an-email", "--name", "A"], "@-sign"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert message in result.output.lower()
    runner.invoke(args=["add-member", "odense-test", "taken@example.org", "--name", "A"])
    result = runner.invoke(args=["add-member", "odense-test", "taken@example.org", "--name", "B"])
    assert result.exit_code == 1
    assert "already a member" in result.output
    result = runner.invoke(
        args=["add-member", "odense-test", "short@example.org", "--name", "C", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "at least" in result.output


def test_create_council_rejects_a_duplicate_slug(runner):
    assert (
        runner.invoke(args=["create-council", "lund-test", "--name", "Lund", "--country", "se"]).exit_code
        == 0
    )
    result = runner.invoke(args=["create-council", "lund-test", "--name", "Lund", "--country", "se"])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_check_content_passes_on_the_shipped_content():
    result = CliRunner().invoke(main, ["check-content"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 3 modules, 6 quizzes")


def test_check_content_lists_problems_and_exits_non_zero(tmp_path, monkeypatch):

    content = copy_content(tmp_path)
    (content / "sources.yaml").write_text("sources: {broken")
    monkeypatch.setenv("COURSE_CONTENT_DIR", str(content))
    result = CliRunner().invoke(main, ["check-content", "--no-videos"])
    assert result.exit_code == 1
    assert "sources.yaml: is not valid YAML" in result.output


def test_export_content_prints_the_course_as_json():
    result = CliRunner().invoke(main, ["export-content"])
    assert result.exit_code == 0
    exported = json.loads(result.output)
    assert len(exported["modules"]) == 3
    assert all(len(module["quizzes"]) == 2 for module in exported["modules"])
    assert all(set(module["title"]) == {"da", "sv", "en"} for module in exported["modules"])


def _fresh_environment(tmp_path, monkeypatch) -> None:
    """Settings for a site whose database `init-db` has not set up: an empty SQLite file."""
    monkeypatch.setenv("COURSE_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("COURSE_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("COURSE_SECRET_KEY", "a test key that is long enough to sign things")
    monkeypatch.delenv("COURSE_DEMO", raising=False)


def test_a_command_run_before_init_db_says_so_in_one_line(tmp_path, monkeypatch):
    _fresh_environment(tmp_path, monkeypatch)
    for args in (
        ["create-council", "aarhus", "--name", "Aarhus Kommune", "--country", "dk"],
        ["add-member", "aarhus", "a@example.org", "--name", "A"],
        ["purge", "--dry-run"],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            "Error: the database is not set up yet, or is older than this version of council-course: "
            "run `council-course init-db` first"
        ]
        assert "Traceback" not in result.output


def test_after_init_db_the_same_command_works(tmp_path, monkeypatch):
    _fresh_environment(tmp_path, monkeypatch)
    assert CliRunner().invoke(main, ["init-db"]).exit_code == 0
    result = CliRunner().invoke(
        main, ["create-council", "aarhus", "--name", "Aarhus Kommune", "--country", "dk"]
    )
    assert result.exit_code == 0, result.output
    assert "Created council aarhus" in result.output


def test_other_errors_are_not_taken_for_a_missing_database(tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from course.cli import _lacks_schema

    assert not _lacks_schema(OperationalError("SELECT 1", {}, Exception("database is locked")))
    assert not _lacks_schema(ValueError("no such table"))
    assert _lacks_schema(OperationalError("SELECT 1", {}, Exception("no such table: council")))
    assert _lacks_schema(OperationalError("SELECT 1", {}, Exception('relation "council" does not exist')))


def test_the_demo_prints_where_its_emails_go_and_gives_the_swedish_council_an_administrator(
    tmp_path, monkeypatch
):
    _fresh_environment(tmp_path, monkeypatch)
    monkeypatch.delenv("COURSE_DATABASE_URL")
    monkeypatch.delenv("COURSE_SMTP_HOST", raising=False)
    # The demo sets these two in the environment: set here, they are put back after the test.
    monkeypatch.setenv("COURSE_DEMO", "1")
    monkeypatch.setenv("COURSE_BASE_URL", "http://127.0.0.2:5055")
    result = CliRunner().invoke(main, ["demo", "--no-run", "--host", "127.0.0.2", "--port", "5055"])
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.2:5055/login with:" in result.output
    assert f"are not sent: each is saved in {tmp_path / 'instance' / 'outbox'}" in result.output
    [swedish_admin] = [
        line for line in result.output.splitlines() if "council administrator (Swedish)" in line
    ]
    assert "sven@demo.example" in swedish_admin
    # The demo council's four members can see the seminar's totals: it asks for no more answers than that.
    import sqlite3

    with sqlite3.connect(tmp_path / "instance" / "council-course.db") as database:
        [(minimum,)] = database.execute(
            "SELECT min_answers FROM seminar_settings"
            " JOIN council ON council.id = seminar_settings.council_id"
            " WHERE council.slug = 'demo-kommune'"
        ).fetchall()
    assert minimum == 3


def test_help_works_without_the_secret_key(tmp_path, monkeypatch):
    _fresh_environment(tmp_path, monkeypatch)
    monkeypatch.delenv("COURSE_SECRET_KEY")
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0, listed.output
    assert "create-council" in listed.output
    assert "init-db" in listed.output
    command = CliRunner().invoke(main, ["create-council", "--help"])
    assert command.exit_code == 0, command.output
    assert "--country" in command.output
    # A command that needs the key still asks for it.
    needs_key = CliRunner().invoke(main, ["create-council", "x", "--name", "X", "--country", "dk"])
    assert needs_key.exit_code == 1
    assert "COURSE_SECRET_KEY" in needs_key.output


def test_a_command_before_init_db_leaves_no_database_file_behind(tmp_path, monkeypatch):
    _fresh_environment(tmp_path, monkeypatch)
    result = CliRunner().invoke(
        main, ["create-council", "aarhus", "--name", "Aarhus Kommune", "--country", "dk"]
    )
    assert result.exit_code == 1
    assert not (tmp_path / "fresh.db").exists()
