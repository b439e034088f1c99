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
