"""Complete registrations per second through the real Application, against plain inserts.

    python benchmarks/registration.py                 # SQLite; PostgreSQL if TEST_POSTGRES_URL
    python benchmarks/registration.py --postgres URL  # PostgreSQL server for a temporary db
    python benchmarks/registration.py --quick         # a smoke run

Simulated users each go through the whole /register conversation over the in-process Bot API:
/register, the visit button, name, organisation and city typed, the role button, arrival and
departure typed, dietary needs typed, accessibility "None" button, e-mail typed, consent and
confirm buttons (13 updates, each saved to the database as the conversation's draft). A wave
of users runs concurrently, each user's updates one after the other, as a person would send
them. The baseline, in the same run and on a fresh database of the same backend, inserts the
same registration rows with plain SQLAlchemy (async session, one transaction per row) in
waves of the same size. Nothing is asserted; the checks at the end say whether every
registration was confirmed.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # `python benchmarks/registration.py` puts benchmarks/ first on sys.path, where bot.py
    # would shadow the `bot` package; the project root must come first.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
    sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from benchmarks.bot import _p99, temporary_postgres_database

POSTGRES_ENV = "TEST_POSTGRES_URL"
TOKEN = "123456:" + "A" * 30
FIRST_USER = 100_000
LANGS = ("en", "sk", "ja")
NAMES = {"en": "Ann Example", "sk": "Ľudmila Nováková", "ja": "山田 花子"}
CITIES = {"en": "Bratislava", "sk": "Bratislava", "ja": "所沢"}
clock = time.perf_counter


@dataclass
class Result:
    """One path's timings: seconds per registration, and the waves' wall time."""

    times: list[float] = field(default_factory=list)
    wall: float = 0.0
    confirmed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Registrations per second of wall time."""
        return len(self.times) / self.wall if self.wall else 0.0


@contextmanager
def fresh_database(backend: str, postgres: str | None) -> Iterator[str]:
    """An empty database: a SQLite file, or a temporary PostgreSQL database."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="iuc-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bot.sqlite3'}"
    else:
        assert postgres
        with temporary_postgres_database(postgres) as url:
            yield url


def visit_dates(now: datetime) -> tuple[date, date]:
    """A visit two months ahead, three days long."""
    start = now.date() + timedelta(days=60)
    return start, start + timedelta(days=2)


async def create_open_visit(sessions: Any, now: datetime, capacity: int) -> int:
    """An open visit with room for everybody; its id."""
    from bot.visits import service

    start, end = visit_dates(now)
    async with sessions.begin() as session:
        visit = await service.create_visit(
            session,
            titles={
                "en": "Benchmark visit",
                "sk": "Testovacia návšteva",
                "ja": "ベンチマーク訪問",
            },
            host_city="tokorozawa",
            venue="Tokorozawa City Hall",
            timezone="Asia/Tokyo",
            start_date=start,
            end_date=end,
            capacity=capacity,
            registration_deadline=None,
            roles=["delegate", "expert"],
            created_by=None,
            now=now,
        )
        await service.set_visit_status(session, visit.id, "open", now)
        return visit.id


async def timed_waves(
    users: int, waves: int, one: Callable[[int], Awaitable[None]], result: Result
) -> None:
    """An untimed warm-up wave, then `waves` timed waves of `users` concurrent runs of `one`."""

    async def measured(index: int) -> None:
        t0 = clock()
        await one(index)
        result.times.append(clock() - t0)

    await asyncio.gather(*(one(i) for i in range(users)))
    for wave in range(1, waves + 1):
        t0 = clock()
        await asyncio.gather(*(measured(wave * users + i) for i in range(users)))
        result.wall += clock() - t0


async def through_the_application(database_url: str, users: int, waves: int) -> Result:
    """Each simulated user registers through the /register conversation."""
    from sqlalchemy import func, select
    from telegram import Update

    from bot.app import build_application
    from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings
    from bot.console import running
    from bot.db.models import Registration
    from bot.kb.answer import QuestionAnswerer
    from bot.kb.loader import load_knowledge
    from bot.localapi import LocalBotApi, local_bot_request

    api = LocalBotApi()
    settings = Settings(token=TOKEN, database_url=database_url)
    app = build_application(
        settings,
        QuestionAnswerer(load_knowledge(DEFAULT_KNOWLEDGE_DIR)),
        request=local_bot_request(api),
        updates_request=local_bot_request(api),
    )
    result = Result()
    async with running(app):
        # The reminder job would write to the database mid-run; it is not what is measured.
        for job in app.job_queue.jobs():
            job.schedule_removal()
        services = app.bot_data["services"]
        now = services.clock()
        visit_id = await create_open_visit(services.sessions, now, users * (waves + 1))
        start, end = visit_dates(now)

        async def send(user: int, lang: str, text: str) -> None:
            update = api.message_update(user, text, language_code=lang)
            await app.process_update(Update.de_json(update, app.bot))

        async def press(user: int, lang: str, data: str) -> None:
            # The newest message of the user's chat that carries this button.
            message = next(
                m
                for m in reversed(api.messages(user))
                if (d := api.buttons(m)) and data in [b for _, b in d]
            )
            update = api.callback_update(user, message.message_id, data, language_code=lang)
            await app.process_update(Update.de_json(update, app.bot))

        async def register(index: int) -> None:
            user, lang = FIRST_USER + index, LANGS[index % 3]
            await send(user, lang, "/register")
            await press(user, lang, f"r:visit:{visit_id}")
            for text in (NAMES[lang], "City of Bratislava", CITIES[lang]):
                await send(user, lang, text)
            await press(user, lang, "r:role:delegate")
            await send(user, lang, start.isoformat())
            await send(user, lang, end.isoformat())
            await send(user, lang, "vegetarian")
            await press(user, lang, "r:accessibility:none")
            await send(user, lang, f"user{index}@example.com")
            await press(user, lang, "r:consent:yes")
            await press(user, lang, "r:confirm:yes")

        await timed_waves(users, waves, register, result)
        async with services.sessions() as session:
            result.confirmed = await session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.status == "confirmed")
            )
    return result


async def plain_inserts(database_url: str, users: int, waves: int) -> Result:
    """The same rows, inserted with plain SQLAlchemy: one transaction per row."""
    from sqlalchemy import func, select

    from bot.db import migrate
    from bot.db.models import Registration
    from bot.db.session import make_engine, make_sessionmaker

    await asyncio.to_thread(migrate.upgrade, database_url)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    result = Result()
    try:
        now = datetime.now(UTC)
        visit_id = await create_open_visit(sessions, now, users * (waves + 1))
        start, end = visit_dates(now)

        async def insert(index: int) -> None:
            lang, at = LANGS[index % 3], datetime.now(UTC)
            async with sessions.begin() as session:
                session.add(
                    Registration(
                        visit_id=visit_id,
                        telegram_id=FIRST_USER + index,
                        lang=lang,
                        full_name=NAMES[lang],
                        organisation="City of Bratislava",
                        city=CITIES[lang],
                        role="delegate",
                        arrival=start,
                        departure=end,
                        dietary="vegetarian",
                        accessibility=None,
                        email=f"user{index}@example.com",
                        consent_at=at,
                        status="confirmed",
                        created_at=at,
                        updated_at=at,
                    )
                )

        await timed_waves(users, waves, insert, result)
        async with sessions() as session:
            result.confirmed = await session.scalar(select(func.count()).select_from(Registration))
    finally:
        await engine.dispose()
    return result


def measure(backend: str, postgres: str | None, users: int, waves: int) -> tuple[Result, Result]:
    """Both paths on fresh databases of one backend."""
    problems: list[str] = []

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(record.getMessage())

    handler = Count(logging.WARNING)
    logging.getLogger().addHandler(handler)
    try:
        with fresh_database(backend, postgres) as url:
            app = asyncio.run(through_the_application(url, users, waves))
        app.problems, problems[:] = list(problems), []
        with fresh_database(backend, postgres) as url:
            plain = asyncio.run(plain_inserts(url, users, waves))
        plain.problems = list(problems)
    finally:
        logging.getLogger().removeHandler(handler)
    return app, plain


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--postgres", help=f"PostgreSQL server URL (default: ${POSTGRES_ENV})")
    parser.add_argument("--users", type=int, help="users per wave (default 50, quick 10)")
    parser.add_argument("--waves", type=int, help="timed waves (default 4, quick 2)")
    args = parser.parse_args(argv)
    users = args.users or (10 if args.quick else 50)
    waves = args.waves or (2 if args.quick else 4)
    postgres = args.postgres or os.environ.get(POSTGRES_ENV) or None
    backends = ["sqlite"] + (["postgresql"] if postgres else [])
    started = clock()
    results = {}
    for backend in backends:
        print(f"  {backend} …", file=sys.stderr, flush=True)
        results[backend] = measure(backend, postgres, users, waves)

    total = users * waves
    print(f"# Registration benchmark ({'quick' if args.quick else 'full'})\n")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs. {users} users per wave × "
        f"{waves} waves = {total:,} registrations per path (after one untimed warm-up wave). "
        "Application: the whole /register conversation per user (13 updates through "
        "`Application.process_update` over the in-process Bot API, the draft saved at every "
        "step, then the registration and its calendar file); users of a wave concurrently, "
        "each user's updates in turn. Plain: the same rows inserted with an async SQLAlchemy "
        "session, one transaction per row, waves of the same size. ms = one registration from "
        "its first update to the confirmation (or one insert); registrations/s = registrations "
        "÷ wall time of the waves; ratio = the Application's registrations/s ÷ plain inserts'.\n"
    )
    print("| backend | path | registrations/s | median ms | p99 ms | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    notes = []
    for backend, (app, plain) in results.items():
        for label, run in (("Application, /register", app), ("plain SQLAlchemy inserts", plain)):
            ratio = f"{app.rate / plain.rate:.3f}×" if run is app else "1× (baseline)"
            print(
                f"| {backend} | {label} | {run.rate:,.1f} | "
                f"{statistics.median(run.times) * 1000:.1f} | {_p99(run.times) * 1000:.1f} "
                f"| {ratio} |"
            )
            expected = users * (waves + 1)
            if run.confirmed != expected:
                notes.append(f"{backend}, {label}: {run.confirmed} of {expected} confirmed")
            if run.problems:
                notes.append(
                    f"{backend}, {label}: {len(run.problems)} warnings/errors logged, e.g. "
                    f"{run.problems[0]!r}"
                )
    if not postgres:
        print(f"\nPostgreSQL skipped: set {POSTGRES_ENV} or pass --postgres URL.")
    print(
        "\nChecks: every registration was confirmed, nothing logged a warning"
        if not notes
        else "\nProblems:\n" + "\n".join(f"- {n}" for n in notes)
    )
    print(f"\n(total {clock() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
