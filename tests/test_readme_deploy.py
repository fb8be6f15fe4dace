"""The README's deployment part followed as a newcomer would (#14): the commands of "4. Running
it" (its first sh block: without containers, on PostgreSQL) and the PostgreSQL backup and restore
of "5. Backups and restoring", read from README.md and run in a shell as they are written.

Only what a newcomer's machine needs differently is substituted, each substitution listed in
the test: the checkout (this repository's committed state, cloned), a fresh role and database on
the TEST_POSTGRES_URL server (whose user, reached through libpq's PG* variables, is the
superuser the README asks for), a fake token, the Bot API (the in-process one served over HTTP:
TELEGRAM_BASE_URL), and `exec` before `iuc-bot run`, so that the shell becomes the bot and
SIGTERM reaches it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import PROJECT_DIR
from bot.db import migrate
from bot.db.url import sync_url
from tests.httpapi import http_bot_api
from tests.processes import until
from tests.test_observe import TOKEN

README = PROJECT_DIR / "README.md"
QUESTION = "When was the agreement signed?"
ANSWER = "15 October 2018"  # knowledge/agreements.yaml, as English renders it
SERVER = os.environ.get("TEST_POSTGRES_URL")


def section(title: str) -> str:
    """The README's "### <title>" section, up to the next heading of any level."""
    text = README.read_text()
    start = text.index(f"\n### {title}\n")
    end = re.compile(r"^#{1,3} ", re.MULTILINE).search(text, start + 2)
    return text[start : end.start() if end else len(text)]


def sh_blocks(title: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", section(title), re.MULTILINE | re.DOTALL)


def substitute(
    script: str, substitutions: list[tuple[str, str | Callable[[re.Match[str]], str]]]
) -> str:
    """Apply each (regex, replacement); each must match: the README no longer saying what a
    substitution expects is a failure, not a silently different script."""
    for pattern, replacement in substitutions:
        script, count = re.subn(pattern, replacement, script, flags=re.MULTILINE)
        assert count, f"the README's commands no longer contain {pattern!r}:\n{script}"
    return script


def newcomers_environment(server_url: str, bot_api: str) -> dict[str, str]:
    """This machine's environment (its pip configuration, HOME…) without this test's virtual
    environment or any bot setting, plus libpq's variables for the PostgreSQL server and the
    Bot API to talk to."""
    ours = str(Path(sys.executable).parent)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DATABASE_URL")
        and not key.startswith(("TELEGRAM_", "PG"))
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    server = make_url(server_url)
    env.update(
        PGHOST=server.host or "localhost",
        PGPORT=str(server.port or 5432),
        PGUSER=server.username or "postgres",
        TELEGRAM_BASE_URL=bot_api,
    )
    if server.password:
        env["PGPASSWORD"] = server.password
    return env


def run_sh(script: str, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The commands in a shell that stops at the first failing one, output to log (a pipe left
    unread would fill up with pip's output and stall it)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            ["bash", "-e", "-x", "-c", script],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def tail(log: Path, lines: int = 40) -> str:
    # pip's warnings about this machine's extra index folders say nothing about the README.
    said = [
        line for line in log.read_text(errors="replace").splitlines() if "Location" not in line
    ]
    return "\n".join(said[-lines:])


def sql(url: str, statement: str) -> int:
    """Run one statement on the database; the row count (SELECT count(*)) or rows changed."""
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement))
            return result.scalar_one() if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


@pytest.mark.skipif(not SERVER, reason="TEST_POSTGRES_URL is not set")
@pytest.mark.skipif(
    not all(shutil.which(t) for t in ("git", "psql", "createdb", "pg_dump", "pg_restore")),
    reason="the README's commands need git, psql, createdb, pg_dump and pg_restore",
)
@pytest.mark.skipif(not (PROJECT_DIR / ".git").exists(), reason="not a git checkout")
def test_the_readme_deployment_on_postgresql(tmp_path: Path) -> None:
    """Section 4's commands start a bot that answers a question, with the schema at the newest
    revision; section 5's pg_dump (bot running) and pg_restore (bot stopped) bring back rows
    deleted in between."""
    assert SERVER
    name = role = f"iuc_readme_{uuid.uuid4().hex[:12]}"
    database_url = ""

    def on_this_server(match: re.Match[str]) -> str:
        """The README's URL with its password, for the role and database made here."""
        nonlocal database_url
        server = make_url(SERVER)
        url = make_url(match.group(0)).set(
            username=role, host=server.host, port=server.port, database=name
        )
        database_url = url.render_as_string(hide_password=False)
        return database_url

    checkout = tmp_path / "iuc-bot"
    log = tmp_path / "commands.log"
    [running_it, *_] = sh_blocks("4. Running it")
    script = substitute(
        running_it,
        [
            (r"git clone … /opt/iuc-bot", f"git clone {PROJECT_DIR} {checkout}"),
            (r"/opt/iuc-bot", str(checkout)),
            (r"\bROLE iuc\b", f"ROLE {role}"),
            (r"\bcreatedb --owner=iuc iuc\b", f"createdb --owner={role} {name}"),
            (r"TELEGRAM_BOT_TOKEN=\S+", f"TELEGRAM_BOT_TOKEN={TOKEN}"),
            (r"(?<=DATABASE_URL=)postgresql://\S+", on_this_server),
            (r"^iuc-bot run\b", "exec iuc-bot run"),
        ],
    )
    admin = create_engine(sync_url(SERVER), isolation_level="AUTOCOMMIT")
    try:
        with http_bot_api() as telegram:
            env = newcomers_environment(SERVER, telegram.base_url)
            bot = run_sh(script, tmp_path, env, log)
            try:

                def replied() -> bool:
                    if bot.poll() is not None:
                        raise AssertionError(
                            f"the README's commands ended ({bot.returncode}):\n{tail(log)}"
                        )
                    return any(ANSWER in m.text for m in telegram.call(telegram.api.messages, 7))

                # Up to the bot: clone, a virtual environment, pip install, createdb, upgrade.
                telegram.call(
                    lambda: telegram.api.enqueue(telegram.api.message_update(7, QUESTION))
                )
                until(replied, "the answer to a question, from the bot the README started", 900)
                assert migrate.current(database_url) == migrate.revisions()[-1]
                count = "SELECT count(*) FROM question_log"
                questions = until(lambda: sql(database_url, count), "the question's log row")
                assert questions == 1

                backup, restore = backup_and_restore_lines()
                dump = run_sh(backup, tmp_path, {**env, "DATABASE_URL": database_url}, log)
                assert dump.wait(timeout=300) == 0, tail(log)

                bot.send_signal(signal.SIGTERM)
                assert bot.wait(timeout=120) == 0, tail(log)
            finally:
                if bot.poll() is None:
                    os.killpg(bot.pid, signal.SIGKILL)
                    bot.wait()
        assert sql(database_url, "DELETE FROM question_log") == questions
        [dump_file] = tmp_path.glob("iuc-*.dump")
        restore = substitute(restore, [(r"iuc-\d{4}-\d{2}-\d{2}\.dump", dump_file.name)])
        restoring = run_sh(restore, tmp_path, {**env, "DATABASE_URL": database_url}, log)
        assert restoring.wait(timeout=300) == 0, tail(log)
        assert sql(database_url, count) == questions
        assert migrate.current(database_url) == migrate.revisions()[-1]
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def backup_and_restore_lines() -> tuple[str, str]:
    """From "5. Backups and restoring", PostgreSQL: the pg_dump line and the pg_restore line."""
    [block] = [b for b in sh_blocks("5. Backups and restoring") if "pg_dump" in b]
    [backup] = [line for line in block.splitlines() if line.startswith("pg_dump ")]
    [restore] = [line for line in block.splitlines() if line.startswith("pg_restore ")]
    return backup, restore


@pytest.mark.skipif(not shutil.which("sqlite3"), reason="the README's command needs sqlite3")
def test_the_readme_sqlite_backup_keeps_what_is_still_in_the_wal(tmp_path: Path) -> None:
    """Section 5's `.backup` line, run while a writer holds its last commit in the -wal file
    (as the running bot does): the backup has it, the database file alone does not yet."""
    [block] = [b for b in sh_blocks("5. Backups and restoring") if "sqlite3 " in b]
    (tmp_path / "data").mkdir()
    (tmp_path / "backups").mkdir()
    database = tmp_path / "data" / "iuc-bot.sqlite3"
    script = substitute(
        block,
        [
            (r"/data/iuc-bot\.sqlite3", str(database)),
            (r"'/backups/", f"'{tmp_path / 'backups'}/"),
        ],
    )
    migrate.upgrade(f"sqlite:///{database}")
    writer = sqlite3.connect(database)
    try:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        writer.execute("PRAGMA wal_autocheckpoint=0")  # the commit stays in the -wal file
        with writer:
            writer.execute(
                "INSERT INTO users (telegram_id, first_seen, last_seen, subscribed) "
                "VALUES (7, '2026-12-06 10:00:00', '2026-12-06 10:00:00', 1)"
            )
        file_alone = tmp_path / "copied.sqlite3"
        shutil.copyfile(database, file_alone)  # what the README warns against
        done = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    finally:
        writer.close()
    [backup] = (tmp_path / "backups").glob("iuc-bot-*.sqlite3")
    with closing(sqlite3.connect(backup)) as restored:
        assert restored.execute("SELECT telegram_id FROM users").fetchall() == [(7,)]
        version = restored.execute("SELECT version_num FROM alembic_version").fetchall()
        assert version == [(migrate.revisions()[-1],)]
    with closing(sqlite3.connect(file_alone)) as copied:
        assert copied.execute("SELECT count(*) FROM users").fetchone() == (0,)
