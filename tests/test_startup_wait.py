"""`iuc-bot run` waits for PostgreSQL that is not up yet (STARTUP_WAIT_SECONDS), and ends with
one line and status 2 when its token is revoked while it runs (#14.6)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.db.url import mask_password
from tests.db.conftest import POSTGRES_ENV, temporary_postgres_database
from tests.db.proxy import Proxy
from tests.httpapi import http_bot_api
from tests.processes import free_port, until
from tests.test_observe import TOKEN, RunningBot


class StderrLines:
    """The lines a process writes to standard error, collected as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        for line in process.stderr:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)


async def test_run_waits_for_postgresql_to_come_up(tmp_path: Path) -> None:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    port = free_port()  # PostgreSQL will be reachable here, later
    with temporary_postgres_database(server) as real, http_bot_api() as telegram:
        parsed = make_url(real)
        late = Proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        url = parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        bot = RunningBot(telegram, tmp_path, DATABASE_URL=url, STARTUP_WAIT_SECONDS="120")
        errors = StderrLines(bot.process)
        try:
            await asyncio.to_thread(
                until, lambda: "is not reachable yet" in errors.text(), "the first retry"
            )
            assert bot.process.poll() is None  # still waiting, not failed
            late._server = await asyncio.start_server(late._connected, "127.0.0.1", port)
            await asyncio.to_thread(until, lambda: bot.health().returncode == 0, "/health")
            bot.process.terminate()
            assert await asyncio.to_thread(bot.process.wait, 60) == 0
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
                bot.process.wait()
            await late.close()
    warning = next(line for line in errors.lines if "is not reachable yet" in line)
    assert f"the database {mask_password(url)} is not reachable yet" in warning
    assert "Traceback" not in errors.text()
    assert TOKEN.split(":")[1] not in errors.text()


def test_a_token_revoked_while_running_ends_the_process(tmp_path: Path) -> None:
    with http_bot_api() as telegram:
        bot = RunningBot(telegram, tmp_path)
        errors = StderrLines(bot.process)
        try:
            until(lambda: bot.health().returncode == 0, "/health")
            telegram.revoke()
            try:
                code = bot.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                raise AssertionError(errors.text()) from None
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
                bot.process.wait()
    assert code == 2
    text = errors.text()
    assert "Traceback" not in text
    for secret in (TOKEN, TOKEN.split(":")[1]):
        assert secret not in text
    last = errors.lines[-1]
    assert last.startswith(f"iuc-bot: the Bot API at {telegram.base_url}[REDACTED]/getMe rejected")


def test_a_wrong_user_is_not_waited_for(tmp_path: Path) -> None:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    url = make_url(server).set(username="nobody_here", password="pa55word")
    with http_bot_api() as telegram:
        bot = RunningBot(
            telegram,
            tmp_path,
            DATABASE_URL=url.render_as_string(hide_password=False),
            STARTUP_WAIT_SECONDS="3600",
        )
        _, err = bot.process.communicate(timeout=120)  # long before the hour is up
    assert bot.process.returncode == 1
    assert "is not reachable yet" not in err
    assert err.splitlines()[-1].startswith("iuc-bot: the database postgresql://nobody_here:***@")
