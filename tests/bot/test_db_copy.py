"""`iuc-bot db copy` (#14.2): a SQLite file with real data (the bot's own writes: users,
questions, visits, registrations, drafts, reminders) into a new PostgreSQL database, every row
equal, the id sequences moved on so the bot keeps writing there."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.pool import NullPool

from bot.db.models import Base, Draft, QuestionLog, ReminderSent
from bot.db.url import sync_url
from bot.kb.answer import QuestionAnswerer
from tests.bot.harness import NOW, rows, run_bot
from tests.db.conftest import POSTGRES_ENV, temporary_postgres_database
from tests.visits.factory import open_visit, register


@pytest.fixture
def postgres_url() -> Iterator[str]:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with temporary_postgres_database(server) as url:
        yield url


def iuc_bot(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("iuc-bot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    return subprocess.run(
        [*command, *args],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def everything(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order, as the models' types read them."""
    engine = create_engine(sync_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


async def filled_sqlite(path: Path, qa: QuestionAnswerer) -> str:
    """A SQLite database the bot itself wrote into."""
    url = f"sqlite:///{path}"
    async with run_bot(url, qa) as bot:
        await bot.send(11, "When was the partnership agreement signed?")
        await bot.send(12, "kedy bola podpísaná zmluva", lang="sk")
        await bot.send(13, "協定はいつ締結されましたか", lang="ja")
        await bot.send(12, "/language")
        sessions = bot.app.bot_data["services"].sessions.factory
        visit = await open_visit(sessions, NOW)
        first = await register(sessions, visit.id, 11, NOW)
        await register(
            sessions, visit.id, 12, NOW + timedelta(minutes=1), full_name="Šťastná 所沢"
        )
        async with sessions.begin() as session:
            await session.execute(
                insert(Draft).values(
                    telegram_id=13,
                    kind="register",
                    step="full_name",
                    data={"visit_id": 1},
                    updated_at=NOW,
                )
            )
            await session.execute(
                insert(ReminderSent).values(registration_id=first.id, kind="7d", sent_at=NOW)
            )
        assert len(await rows(bot, QuestionLog)) == 3
    return url


async def test_copy_sqlite_into_postgresql(
    tmp_path: Path, postgres_url: str, qa: QuestionAnswerer
) -> None:
    source = await filled_sqlite(tmp_path / "bot.sqlite3", qa)
    before = everything(source)
    assert all(before[name] for name in ("users", "question_log", "visits", "registrations"))

    done = iuc_bot("db", "copy", "--from", source, "--to", postgres_url)
    assert done.returncode == 0, done.stderr
    assert "question_log: 3 rows" in done.stdout
    assert everything(postgres_url) == before  # every table, every row, every value

    # The sequences moved past the copied ids: the bot goes on writing on PostgreSQL.
    async with run_bot(postgres_url, qa) as bot:
        await bot.send(14, "When was the partnership agreement signed?")
        logged = await rows(bot, QuestionLog)
    assert len(logged) == 4
    assert logged[-1].id == max(row[0] for row in before["question_log"]) + 1

    # A second copy into the same database is refused: it is not empty any more.
    again = iuc_bot("db", "copy", "--from", source, "--to", postgres_url)
    assert again.returncode == 1
    [line] = again.stderr.splitlines()
    assert "is not empty" in line


async def test_copy_between_sqlite_files(tmp_path: Path, qa: QuestionAnswerer) -> None:
    source = await filled_sqlite(tmp_path / "a.sqlite3", qa)
    target = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    done = iuc_bot("db", "copy", "--from", source, "--to", target)
    assert done.returncode == 0, done.stderr
    assert everything(target) == everything(source)


def test_copy_refuses_a_missing_source_and_a_bad_url(tmp_path: Path) -> None:
    missing = iuc_bot(
        "db",
        "copy",
        "--from",
        f"sqlite:///{tmp_path / 'none.sqlite3'}",
        "--to",
        f"sqlite:///{tmp_path / 'b.sqlite3'}",
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("iuc-bot: --from names ")
    bad = iuc_bot("db", "copy", "--from", "mysql://x/y", "--to", f"sqlite:///{tmp_path / 'b'}")
    assert bad.returncode == 1
    assert (
        bad.stderr
        == "iuc-bot: --from is malformed: use sqlite:///file.sqlite3 or postgresql://user:password@host/db.\n"
    )
