"""The ``council-course`` command: Flask's run/shell/routes plus thin wrappers over the services."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from course import create_app
from course.config import SettingsError, settings_from_env
from course.content import InvalidContentError, course_as_dict, load_course
from course.media.commands import add_video_command, build_videos_command


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _create_app() -> object:
    try:
        return create_app()
    except SettingsError as error:
        _fail(str(error))
    except InvalidContentError as error:
        _fail(f"{error}\nRun `council-course check-content` for details.")
    return None


def _lacks_schema(error: Exception) -> bool:
    """Whether a database error says a table or column is missing: the database was never set up with
    `init-db`, or is older than the code (SQLite: "no such table"; PostgreSQL: "... does not exist")."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if not isinstance(error, (OperationalError, ProgrammingError)):
        return False
    message = str(error.orig).lower()
    return "no such table" in message or "no such column" in message or "does not exist" in message


def _remove_empty_database(ctx: click.Context) -> None:
    """Delete the SQLite file without any table that connecting to a database `init-db` never set up has
    created, so a command run too early leaves nothing behind."""
    app = ctx.ensure_object(ScriptInfo)._loaded_app
    if app is None:
        return
    from sqlalchemy.engine import make_url

    from course.extensions import db

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if not path.is_file():
        return
    with app.app_context():
        db.engine.dispose()
    # A file without a single table holds nothing (connecting wrote only its header and settings).
    with closing(sqlite3.connect(path)) as connection:
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if tables == 0:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)


class CourseGroup(FlaskGroup):
    """Flask's command group, with one line instead of a database traceback when a command runs on a
    database that `init-db` has not set up (or upgraded) yet."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command is the group's own (see :data:`DATABASE_COMMANDS`), so ``--help`` lists them
        without loading the application, which needs settings such as COURSE_SECRET_KEY."""
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as error:
            if not _lacks_schema(error):
                raise
            _remove_empty_database(ctx)
            _fail(
                "the database is not set up yet, or is older than this version of council-course: "
                "run `council-course init-db` first"
            )
            return None


@click.group(cls=CourseGroup, create_app=_create_app, add_version_option=False)
@click.version_option(package_name="council-course")
def main() -> None:
    """council-course: the course site for municipal councils.

    Settings come from COURSE_* environment variables (see README.md).
    """


# --- content -------------------------------------------------------------------------------------


def _content_dirs() -> tuple[Path, Path]:
    try:
        settings = settings_from_env(os.environ)
    except SettingsError as error:
        _fail(str(error))
    return settings["COURSE_CONTENT_DIR"], settings["COURSE_VIDEO_DIR"]


@main.command("check-content", with_appcontext=False)
@click.option("--no-videos", is_flag=True, help="Check the texts and quizzes only, not the video files.")
def check_content(no_videos: bool) -> None:
    """Validate the course content; list every problem and exit non-zero if there is one."""
    content_dir, video_dir = _content_dirs()
    try:
        course = load_course(content_dir, None if no_videos else video_dir)
    except InvalidContentError as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        count = len(invalid.errors)
        _fail(f"{count} problem{'s' if count != 1 else ''} in {content_dir}")
        return
    from course.plan.template import PlanTemplateError, load_templates

    try:
        templates = load_templates(content_dir, set(course.sources))
    except PlanTemplateError as invalid:
        for problem in invalid.problems:
            click.echo(str(problem), err=True)
        count = len(invalid.problems)
        _fail(f"{count} problem{'s' if count != 1 else ''} in the plan templates in {content_dir / 'plan'}")
        return
    quizzes = sum(len(module.quizzes) for module in course.modules)
    questions = sum(len(quiz.questions) for module in course.modules for quiz in module.quizzes)
    material = ""
    if course.conversation is not None:
        material = (
            f", {len(course.conversation.cards)} conversation cards, "
            f"{len(course.conversation.dos_and_donts.items)} do's and don'ts"
        )
    click.echo(
        f"OK: {len(course.modules)} modules, {quizzes} quizzes, {questions} questions{material} "
        f", plan templates in {', '.join(templates)} (content version {course.version})"
    )


@main.command("export-content", with_appcontext=False)
@click.option("--no-videos", is_flag=True, help="Leave out the video manifests.")
def export_content(no_videos: bool) -> None:
    """Print the whole course as JSON (modules, videos, quizzes, questions, options with `correct`,
    and the conversation material)."""
    content_dir, video_dir = _content_dirs()
    try:
        course = load_course(content_dir, None if no_videos else video_dir)
    except InvalidContentError as invalid:
        _fail(str(invalid))
        return
    click.echo(json.dumps(course_as_dict(course), ensure_ascii=False, indent=2))


# --- database ------------------------------------------------------------------------------------


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database or upgrade it to the current schema (Alembic migrations)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo(f"Database ready: {_safe_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("create-council")
@click.argument("slug")
@click.option("--name", required=True, help="The council's name as members see it.")
@click.option("--country", type=click.Choice(["dk", "se"]), required=True)
@click.option(
    "--locale",
    "locale",
    type=click.Choice(["da", "sv", "en"]),
    default=None,
    help="Default language (default: da for dk, sv for se).",
)
@with_appcontext
def create_council_command(slug: str, name: str, country: str, locale: str | None) -> None:
    """Create a council."""
    from course.extensions import db
    from course.people.services import COUNTRY_LOCALES, CouncilError, create_council

    try:
        council = create_council(slug, name, country, locale or COUNTRY_LOCALES[country])
    except CouncilError as error:
        _fail(str(error))
        return
    db.session.commit()
    click.echo(f"Created council {council.slug} ({council.name}, {council.country})")


@click.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["councillor", "substitute", "staff"]), default="councillor")
@click.option("--admin", "is_admin", is_flag=True, help="Administrator of the council.")
@click.option("--platform-admin", "is_platform_admin", is_flag=True, help="Administrator of the platform.")
@click.option("--locale", type=click.Choice(["da", "sv", "en"]), default=None, help="Preferred language.")
@click.option("--password-stdin", is_flag=True, help="Read a password from standard input.")
@with_appcontext
def add_member_command(
    slug: str,
    email: str,
    name: str,
    role: str,
    is_admin: bool,
    is_platform_admin: bool,
    locale: str | None,
    password_stdin: bool,
) -> None:
    """Add a member to a council."""
    from course.auth.services import WeakPasswordError, set_password
    from course.extensions import db
    from course.people.services import MemberError, add_member, get_council

    council = get_council(slug)
    if council is None:
        _fail(f"no council with the slug {slug!r}")
        return
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        member = add_member(
            council,
            email,
            name,
            role=role,
            is_admin=is_admin,
            is_platform_admin=is_platform_admin,
            locale=locale,
        )
        if password is not None:
            set_password(member, password)
    except MemberError as error:
        _fail(str(error))
        return
    except WeakPasswordError as error:
        _fail(f"the password must have at least {error.args[0]} characters")
        return
    db.session.commit()
    flags = [
        label
        for label, on in (("administrator", is_admin), ("platform administrator", is_platform_admin))
        if on
    ]
    click.echo(
        f"Added {member.email} to {council.slug} as {role}" + (f" ({', '.join(flags)})" if flags else "")
    )


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent backup of the database to TARGET (SQLite copy, or pg_dump for PostgreSQL)."""
    from course.backup import BackupError, backup_database

    try:
        written = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as error:
        _fail(str(error))
        return
    click.echo(f"Backup written to {written} ({written.stat().st_size} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore a backup into the configured database, which must be empty."""
    from course.backup import BackupError, restore_database
    from course.extensions import db

    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source, db.engine)
    except BackupError as error:
        _fail(str(error))
        return
    click.echo(f"Restored {source} into {_safe_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}")


# --- council administration ----------------------------------------------------------------------


def _import_line(row) -> str:
    from course.admin.importing import CHANGED, ERROR, NEW

    person = f"{row.raw.name or '(no name)'} <{row.raw.email or 'no e-mail'}>"
    if row.status == ERROR:
        detail = " ".join(str(reason) for reason in row.reasons)
    elif row.status == NEW:
        detail = f"{row.role or 'councillor'}, {row.locale or 'council language'}"
        detail += "" if row.takes_course else ", does not take the course"
        detail += ", returns to the roster" if row.is_returning else ""
    elif row.status == CHANGED:
        detail = "changes " + ", ".join(row.changes)
    else:
        detail = ""
    return f"row {row.number:>4}  {row.status:<9}  {person}" + (f"  {detail}" if detail else "")


@click.command("import-members")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print the preview only; write nothing.")
@with_appcontext
def import_members_command(slug: str, file: str, dry_run: bool) -> None:
    """Import a council's members from a CSV or XLSX file (name, email, role, language, takes the course).

    Prints a preview of every row; writes all rows in one transaction, or nothing when any row has an
    error (then it exits non-zero).
    """
    from flask_babel import force_locale

    from course.admin import importing
    from course.extensions import db
    from course.people.services import get_council

    council = get_council(slug)
    if council is None:
        _fail(f"no council with the slug {slug!r}")
        return
    path = Path(file)
    with force_locale("en"):
        if path.stat().st_size > importing.MAX_FILE_BYTES:
            _fail(f"{path.name} is larger than 1 MB; split it into smaller files")
        try:
            rows = importing.parse_roster_file(path.name, path.read_bytes())
        except importing.ImportFileError as error:
            _fail(f"{path.name}: {error.message}")
            return
        plan = importing.plan_import(council, rows)
        for row in plan.rows:
            click.echo(_import_line(row))
        counts = ", ".join(
            f"{plan.count(status)} {status}" for status in ("new", "changed", "unchanged", "error")
        )
        click.echo(f"{len(plan.rows)} rows: {counts}")
        if plan.has_errors:
            errors = plan.count("error")
            _fail(f"{errors} row{'s' if errors != 1 else ''} with errors; nothing was imported")
            return
        if dry_run or not plan.has_changes:
            click.echo("Nothing was written." if dry_run else "Nothing to import.")
            return
        pending = importing.create_pending_import(council, None, path.name, rows)
        try:
            result = importing.confirm_import(council, pending, plan, actor=None)
        except importing.RosterConflictError:
            db.session.rollback()
            _fail("the roster changed while importing; nothing was imported, run the command again")
            return
        db.session.commit()
    click.echo(f"Imported into {council.slug}: {result.added} added, {result.changed} changed")


@click.command("send-reminders")
@click.option("--council", "slug", default=None, help="Only this council (its slug).")
@click.option("--dry-run", is_flag=True, help="Print who would be reminded; send nothing.")
@with_appcontext
def send_reminders_command(slug: str | None, dry_run: bool) -> None:
    """Remind members who have not completed the course (run it daily from a scheduler).

    Each member gets at most one reminder every 7 days, a more urgent one in the week before their
    council's due date and one last reminder after it. Running it twice sends nothing the second time.
    """
    from course.admin.reminders import plan_scheduled_reminders, send_reminder
    from course.extensions import db
    from course.learning.rounds import start_due_rounds
    from course.mail.services import MailError
    from course.people.services import get_council
    from course.web.course import get_course

    council = get_council(slug) if slug is not None else None
    if slug is not None and council is None:
        _fail(f"no council with the slug {slug!r}")
        return
    # On the first day of a council's new term its new round starts, before anyone is reminded.
    if not dry_run:
        for started in start_due_rounds(council=council):
            click.echo(f"{started.council.slug}: a new round started for the term {started.round.term.label}")
        db.session.commit()
    planned = plan_scheduled_reminders(get_course(), council_slug=slug)
    sent = failed = 0
    for item in planned:
        left = len(item.row.modules) - item.row.completed_modules
        line = f"{item.council.slug}: {item.row.member.email} ({item.kind}, {left} module(s) left)"
        if dry_run:
            click.echo(f"would remind {line}")
            continue
        try:
            send_reminder(item.council, item.row, item.kind, actor=None)
        except MailError as error:
            db.session.rollback()
            failed += 1
            click.echo(f"FAILED {line}: {error}", err=True)
            continue
        # One commit per e-mail: a reminder that went out is logged even if a later one fails.
        db.session.commit()
        sent += 1
        click.echo(f"reminded {line}")
    if dry_run:
        click.echo(f"{len(planned)} reminder(s) would be sent")
        return
    click.echo(f"Sent {sent} reminder(s)" + (f", {failed} failed" if failed else ""))
    # The councils' plans against threats: their administrators are reminded a month before the review.
    from course.plan.reminders import send_review_reminders

    reviews = send_review_reminders(council=council)
    for due in reviews.reminded:
        click.echo(
            f"{due.council.slug}: plan review reminder sent to {len(due.administrators)} administrator(s)"
        )
    for due, error in reviews.failed:
        click.echo(f"FAILED {due.council.slug}: plan review reminder: {error}", err=True)
    if failed or reviews.failed:
        sys.exit(1)


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Deliver the sign-in links and password resets that are still waiting (run it every few minutes).

    The site sends them right after each request; this delivers what a stopped worker, or an SMTP server
    that was down, left behind. Requests older than a day are dropped.
    """
    from course.mail.outbox import count_pending, deliver_pending

    report = deliver_pending()
    click.echo(
        f"Sent {report.sent} e-mail(s); {report.nothing_to_send} request(s) for no member; "
        f"{report.not_delivered} not delivered, {report.dropped} dropped as too old; "
        f"{count_pending()} waiting"
    )
    if report.not_delivered:
        sys.exit(1)


@click.command("purge")
@click.option("--council", "slug", default=None, help="Only this council (its slug).")
@click.option("--dry-run", is_flag=True, help="Print who would be erased; change nothing.")
@with_appcontext
def purge_command(slug: str | None, dry_run: bool) -> None:
    """Erase the personal data of members who left their council's roster longer ago than the council
    keeps it, and delete expired roster previews (run it daily from a scheduler).

    Members are listed by id, not by name, so the output and the scheduler's logs hold no personal data.
    """
    from course.extensions import db
    from course.people.services import get_council
    from course.privacy.services import plan_purge, purge

    if slug is not None and get_council(slug) is None:
        _fail(f"no council with the slug {slug!r}")
        return
    plan = plan_purge(council_slug=slug)
    verb = "would erase" if dry_run else "erased"
    lines = [
        f"{verb} member {item.member.id} of {item.council.slug} "
        f"(left {item.left_on.isoformat()}, kept until {item.kept_until.isoformat()})"
        for item in plan.members
    ]
    if not dry_run:
        purge(plan)
        db.session.commit()
    for line in lines:
        click.echo(line)
    imports = len(plan.expired_imports)
    if dry_run:
        click.echo(
            f"{len(plan.members)} member(s) would be erased, {imports} expired import preview(s) deleted"
        )
        click.echo("Nothing was changed.")
    else:
        click.echo(f"Erased {len(plan.members)} member(s), deleted {imports} expired import preview(s)")


# --- translations and demo -----------------------------------------------------------------------


def compile_catalogues(translations_dir: Path) -> int:
    """Compile every .po catalogue whose .mo is missing or older; returns how many were compiled."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = 0
    for po_path in sorted(translations_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled += 1
    return compiled


@main.command("compile-translations", with_appcontext=False)
def compile_translations() -> None:
    """Compile the interface catalogues in translations/ (done on install; needed after editing a .po)."""
    directory = settings_from_env(os.environ)["COURSE_TRANSLATIONS_DIR"]
    click.echo(f"Compiled {compile_catalogues(directory)} catalogue(s) in {directory}")


@main.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-run", is_flag=True, help="Prepare the database and print the sign-ins, then stop.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, no_run: bool) -> None:
    """Run the site on the embedded SQLite database with a demo council, printing its sign-ins."""
    from flask_migrate import upgrade

    from course.demo import seed_demo
    from course.extensions import db

    os.environ["COURSE_DEMO"] = "1"
    os.environ.setdefault("COURSE_BASE_URL", f"http://{host}:{port}")
    compile_catalogues(settings_from_env(os.environ)["COURSE_TRANSLATIONS_DIR"])
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        upgrade()
        sign_ins = seed_demo(password_factory=lambda: secrets.token_urlsafe(9))
        db.session.commit()
    click.echo("")
    click.echo("Demo council ready. Sign in at " + os.environ["COURSE_BASE_URL"] + "/login with:")
    for role, email, password in sign_ins:
        click.echo(f"  {role:<34} {email:<34} {password}")
    click.echo("(The passwords are new each time the demo starts.)")
    if app.config.get("COURSE_SMTP_HOST"):
        click.echo(f"E-mails (invitations, sign-in links, reminders) go to {app.config['COURSE_SMTP_HOST']}.")
    else:
        outbox = Path(app.instance_path) / "outbox"
        click.echo(f"E-mails (invitations, sign-in links, reminders) are not sent: each is saved in {outbox}")
        click.echo("as an .eml file, which any mail program opens.")
    click.echo("")
    if not no_run:
        # app.run() refuses to start inside the Flask command line, so serve with Werkzeug directly.
        from werkzeug.serving import run_simple

        click.echo(f"Serving on {os.environ['COURSE_BASE_URL']}  (Ctrl+C stops it)")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


main.add_command(build_videos_command, "build-videos")
main.add_command(add_video_command, "add-video")


@click.command("start-round")
@click.argument("slug")
@click.option("--due", "due", default=None, help="The round's due date, YYYY-MM-DD (in the new term).")
@click.option("--carry-over", is_flag=True, help="Re-elected members who completed count as complete.")
@with_appcontext
def start_round_command(slug: str, due: str | None, carry_over: bool) -> None:
    """Start a council's next round now: everyone takes the course again (nothing is deleted).

    The next round is the current term's when the council's round is for an earlier one, else the next
    term's (started early, after an election). On the first day of a new term it starts by itself when
    `council-course send-reminders` runs.
    """
    from datetime import date

    from course.extensions import db
    from course.learning.rounds import RoundError, start_round
    from course.people.services import get_council

    council = get_council(slug)
    if council is None:
        _fail(f"no council with the slug {slug!r}")
        return
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        _fail(f"the due date must be YYYY-MM-DD, not {due!r}")
        return
    try:
        new_round = start_round(
            council, actor=None, due_date=due_date, carry_over=carry_over, source="command"
        )
    except RoundError as error:
        db.session.rollback()
        _fail(str(error))
        return
    db.session.commit()
    click.echo(f"{council.slug}: a new round started for the term {new_round.term.label}")


#: Commands that work on the database. They belong to the ``council-course`` group itself, so their
#: ``--help`` works without the application's settings, and they join the application's command group too.
DATABASE_COMMANDS = (
    init_db,
    create_council_command,
    add_member_command,
    import_members_command,
    send_reminders_command,
    start_round_command,
    send_mail_command,
    purge_command,
    backup_command,
    restore_command,
)
for _command in DATABASE_COMMANDS:
    main.add_command(_command)


def init_app(app: Flask) -> None:
    """Commands that work on the database join the application's command group."""
    for command in DATABASE_COMMANDS:
        app.cli.add_command(command)
