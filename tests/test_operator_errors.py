"""Operator errors in one line (#14): the real `iuc-bot` in a subprocess, one line on standard
error naming what failed and what to check, a non-zero status, never the token or password."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.processes import free_port

TOKEN = "4839574812:SECRETsecretSECRETsecret_-42"
SECRETS = (TOKEN, TOKEN.split(":")[1], "SECRETsecret", "pa55word")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) ")
REFUSED_PG = "postgresql://iuc:pa55word@127.0.0.1:{port}/iuc"


def iuc_bot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed `iuc-bot` with only the given environment (and PATH)."""
    script = Path(sys.executable).with_name("iuc-bot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    return subprocess.run(
        [*command, *args],
        # No waiting for what is not there (bot/startup.py): these tests want the failure.
        env={"PATH": os.environ.get("PATH", ""), "STARTUP_WAIT_SECONDS": "0", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line of standard error, after checking status and secrets."""
    assert done.returncode != 0, done.stderr
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    # `run` logs its start (migrations applied) before failing: those lines are log records,
    # none of them an error; the failure itself is the one last line.
    *logged, line = done.stderr.splitlines()
    assert all(LOG_RECORD.match(record) for record in logged), logged
    assert not any(" ERROR " in record or " CRITICAL " in record for record in logged)
    assert line.startswith("iuc-bot: ")
    return line


@pytest.fixture
def bot_api() -> Iterator[str]:
    """A Bot API on 127.0.0.1 that knows the token: getMe answers, everything else is ok."""
    me = {"id": 4839574812, "is_bot": True, "first_name": "IUC", "username": "iuc_test_bot"}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            result = me if self.path.endswith("/getMe") else True
            body = json.dumps({"ok": True, "result": result}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


def test_db_upgrade_with_postgresql_unreachable() -> None:
    url = REFUSED_PG.format(port=free_port())
    line = one_line(iuc_bot("db", "upgrade", DATABASE_URL=url))
    assert url.replace("pa55word", "***") in line
    assert "Connection refused" in line
    assert "DATABASE_URL" in line


def test_db_upgrade_with_a_wrong_postgresql_user() -> None:
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = base.replace("postgres@", "nobody_here:pa55word@", 1)
    line = one_line(iuc_bot("db", "upgrade", DATABASE_URL=url))
    assert "nobody_here:***@" in line
    assert "DATABASE_URL" in line


def test_db_upgrade_by_a_user_who_does_not_own_the_postgresql_database() -> None:
    """PostgreSQL 15 and later: a database created by the superuser, not given to the bot's
    role, lets that role connect but not create the tables."""
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.db.url import sync_url
    from tests.db.conftest import temporary_postgres_database

    role = f"iuc_guest_{os.getpid()}"
    admin = create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'pa55word'"))
        with temporary_postgres_database(base) as owned_by_admin:
            url = make_url(owned_by_admin).set(username=role, password="pa55word")
            done = iuc_bot("db", "upgrade", DATABASE_URL=url.render_as_string(False))
        with admin.connect() as connection:
            major = connection.execute(text("SHOW server_version_num")).scalar_one()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
    if int(major) < 150000:
        pytest.skip("before PostgreSQL 15 every role may create tables in schema public")
    line = one_line(done)
    assert url.render_as_string(hide_password=True) in line
    assert "permission denied for schema public" in line
    assert "createdb --owner=" in line


def test_run_with_postgresql_unreachable(bot_api: str) -> None:
    url = REFUSED_PG.format(port=free_port())
    done = iuc_bot("run", DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=bot_api)
    line = one_line(done)
    assert url.replace("pa55word", "***") in line
    assert "PostgreSQL server is running" in line


def test_run_with_the_bot_api_unreachable(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}/bot"
    done = iuc_bot(
        "run",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=base,
    )
    line = one_line(done)
    assert f"{base}[REDACTED]/getMe" in line  # the URL tried, token hidden
    assert "TELEGRAM_BASE_URL" in line
    assert not (tmp_path / "bot.sqlite3").exists()


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run",)])
def test_a_sqlite_file_in_a_missing_folder(
    command: tuple[str, ...], tmp_path: Path, bot_api: str
) -> None:
    path = tmp_path / "no" / "such" / "bot.sqlite3"
    done = iuc_bot(
        *command,
        DATABASE_URL=f"sqlite:///{path}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=bot_api,
    )
    line = one_line(done)
    assert f"the folder {path.parent} does not exist" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_sqlite_file_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    line = one_line(iuc_bot("db", "upgrade", DATABASE_URL=f"sqlite:///{folder / 'x.sqlite3'}"))
    assert "not writable" in line


def test_export_to_a_missing_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    assert iuc_bot("db", "upgrade", DATABASE_URL=url).returncode == 0
    target = tmp_path / "missing" / "dir" / "x.csv"
    line = one_line(
        iuc_bot(
            "export", "registrations", "--visit", "1", "--output", str(target), DATABASE_URL=url
        )
    )
    assert f"cannot write {target}: the folder {target.parent} does not exist" in line


def test_export_onto_a_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    assert iuc_bot("db", "upgrade", DATABASE_URL=url).returncode == 0
    line = one_line(
        iuc_bot(
            "export", "registrations", "--visit", "1", "--output", str(tmp_path), DATABASE_URL=url
        )
    )
    assert "it is a folder" in line


def test_webhook_port_in_use(bot_api: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = iuc_bot(
            "run",
            DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=bot_api,
            WEBHOOK_URL="https://bot.example.org/hook",
            WEBHOOK_SECRET="webhook-secret-for-the-test",
            PORT=str(port),
        )
    line = one_line(done)
    assert f"port {port} is already in use" in line


def test_verbose_adds_the_traceback_still_without_secrets(tmp_path: Path) -> None:
    url = REFUSED_PG.format(port=free_port())
    done = iuc_bot("--verbose", "db", "upgrade", DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("iuc-bot: the database ")
    assert "pa55word" not in done.stderr.splitlines()[-1]


def test_version() -> None:
    done = iuc_bot("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("iuc-bot ")
    assert done.stdout.split()[1][0].isdigit()


@pytest.mark.parametrize("visit", ["99999999999", "0", "-5"])
def test_export_of_an_impossible_visit_id_on_postgresql(visit: str) -> None:
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL is not set")
    from tests.db.conftest import temporary_postgres_database

    with temporary_postgres_database(base) as url:
        assert iuc_bot("db", "upgrade", DATABASE_URL=url).returncode == 0
        line = one_line(iuc_bot("export", "registrations", "--visit", visit, DATABASE_URL=url))
    assert line == f"iuc-bot: there is no visit with id {visit} in {url}."


def test_replicas_migrating_one_postgresql_wait_for_each_other() -> None:
    """Two `iuc-bot db upgrade` at once: each waits for the migration lock (held here until both
    wait), then both succeed, the second finding nothing to do."""
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    from bot.db.migrate import MIGRATION_LOCK_KEY
    from bot.db.url import sync_url
    from tests.db.conftest import temporary_postgres_database

    script = Path(sys.executable).with_name("iuc-bot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with temporary_postgres_database(base) as url:
        engine = create_engine(sync_url(url))
        env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": url}
        with engine.connect() as holder, engine.connect() as watcher:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            upgrades = [
                subprocess.Popen(
                    [*command, "db", "upgrade"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            try:
                for _ in range(600):  # both blocked on the lock (a bound, not a timing)
                    if watcher.execute(waiting).scalar() == 2:
                        break
                    assert all(p.poll() is None for p in upgrades), "an upgrade did not wait"
                    time.sleep(0.2)
                else:
                    raise AssertionError("the upgrades never waited for the lock")
            finally:
                holder.execute(text("SELECT pg_advisory_unlock_all()"))
            results = [(p.wait(timeout=300), *p.communicate()) for p in upgrades]
        engine.dispose()
    assert [code for code, _, _ in results] == [0, 0], results
    [first, second] = [out for _, out, _ in results]
    assert first == second  # both: "<url>: at revision <the newest>."
