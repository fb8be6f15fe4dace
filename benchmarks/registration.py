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
waves of the same size. A third path, in the same run and on a fresh database of the same
backend, sends questions instead: the same users, concurrently, each asking 13 dev-set questions
one after the other (in their language) through the same kind of Application, so that the
registration conversation's updates/s stand beside questions' updates/s. Nothing is asserted;
the checks at the end say whether every registration was confirmed and every question answered.
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

from benchmarks.bot import _p99, _workload, temporary_postgres_database

POSTGRES_ENV = "TEST_POSTGRES_URL"
TOKEN = "123456:" + "A" * 30
FIRST_USER = 100_000
LANGS = ("en", "sk", "ja")
NAMES = {"en": "Ann Example", "sk": "Ľudmila Nováková", "ja": "山田 花子"}
CITIES = {"en": "Bratislava", "sk": "Bratislava", "ja": "所沢"}
STEPS = 13  # updates of one registration, and questions of one user's question run
clock = time.perf_counter


@dataclass
class Result:
    """One path's timings: seconds per registration, and the waves' wall time."""

    times: list[float] = field(default_factory=list)
    wall: float = 0.0
    confirmed: int = 0  # registrations confirmed, rows inserted, or questions answered
    problems: list[str] = field(default_factory=list)
    updates_each: int = 1  # updates per timed run (a registration or a question run: STEPS)

    @property
    def rate(self) -> float:
        """Registrations (or question runs) per second of wall time."""
        return len(self.times) / self.wall if self.wall else 0.0

    @property
    def update_rate(self) -> float:
        """Updates per second of wall time."""
        return self.rate * self.updates_each


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


def build(database_url: str) -> tuple[Any, Any]:
    """(in-process Bot API, our Application) on the database."""
    from bot.app import build_application
    from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings
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
    return api, app


async def through_the_application(database_url: str, users: int, waves: int) -> Result:
    """Each simulated user registers through the /register conversation."""
    from sqlalchemy import func, select
    from telegram import Update

    from bot.console import running
    from bot.db.models import Registration

    api, app = build(database_url)
    result = Result(updates_each=STEPS)
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


async def questions(database_url: str, users: int, waves: int) -> Result:
    """The same users ask STEPS dev-set questions each, one after the other (the baseline
    of updates/s: a question is the cheapest thing the bot answers from the database)."""
    from telegram import Update

    from bot.console import running

    api, app = build(database_url)
    result = Result(updates_each=STEPS)
    # users × (waves + 1) runs of STEPS questions: run i asks row i of the workload's columns.
    asked = _workload(users * (waves + 1), STEPS)
    async with running(app):
        for job in app.job_queue.jobs():
            job.schedule_removal()

        async def ask(index: int) -> None:
            for wave in asked:
                _, lang, text = wave[index]
                update = api.message_update(FIRST_USER + index, text, language_code=lang)
                await app.process_update(Update.de_json(update, app.bot))

        await timed_waves(users, waves, ask, result)
        t0 = clock()
        await app.bot_data["services"].activity.flush()  # the questions' log, behind replies
        result.wall += clock() - t0
    result.confirmed = sum(len(api.messages(FIRST_USER + i)) for i in range(users * (waves + 1)))
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


def measure(
    backend: str, postgres: str | None, users: int, waves: int
) -> tuple[Result, Result, Result]:
    """The three paths on fresh databases of one backend: registrations, inserts, questions."""
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
        plain.problems, problems[:] = list(problems), []
        with fresh_database(backend, postgres) as url:
            asked = asyncio.run(questions(url, users, waves))
        asked.problems = list(problems)
    finally:
        logging.getLogger().removeHandler(handler)
    return app, plain, asked


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
        f"Application: the whole /register conversation per user ({STEPS} updates through "
        "`Application.process_update` over the in-process Bot API, every step saved to the "
        "database before its reply, then the registration and its calendar file); users of a "
        "wave concurrently, each user's updates in turn. Plain: the same rows inserted with an "
        "async SQLAlchemy session, one transaction per row, waves of the same size. Questions: "
        f"the same users each ask {STEPS} dev-set questions in turn, waves of the same size, "
        "each backend on a fresh database. ms = one registration from its first update to the "
        f"confirmation (one insert; one user's {STEPS} questions); runs/s = registrations (rows, "
        "question runs) ÷ wall time of the waves; updates/s = the updates Telegram would send "
        "÷ the same wall time.\n"
    )
    print("| backend | path | runs/s | updates/s | median ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    notes = []
    bars = []
    expected = users * (waves + 1)
    for backend, (app, plain, asked) in results.items():
        paths = (
            ("Application, /register", app),
            ("plain SQLAlchemy inserts", plain),
            (f"Application, {STEPS} questions per user", asked),
        )
        for label, run in paths:
            updates = f"{run.update_rate:,.0f}" if run is not plain else "–"
            print(
                f"| {backend} | {label} | {run.rate:,.1f} | {updates} | "
                f"{statistics.median(run.times) * 1000:.1f} | {_p99(run.times) * 1000:.1f} |"
            )
            wanted = expected * STEPS if run is asked else expected
            if run.confirmed < wanted:
                notes.append(f"{backend}, {label}: {run.confirmed} of {wanted} done")
            if run.problems:
                notes.append(
                    f"{backend}, {label}: {len(run.problems)} warnings/errors logged, e.g. "
                    f"{run.problems[0]!r}"
                )
        inserts = app.rate / plain.rate
        updates = app.update_rate / asked.update_rate
        median = statistics.median(app.times)
        bars += [
            f"- {backend}: registrations/s ÷ plain inserts/s = {inserts:.3f}× "
            f"({'meets' if inserts >= 0.1 else 'misses'} ≥ 0.1×)",
            f"- {backend}: registration updates/s ÷ question updates/s = {updates:.2f} "
            f"({'meets' if updates >= 0.5 else 'misses'} ≥ 0.5)",
            f"- {backend}: median registration with {users} at once = {median:.2f} s "
            f"({'meets' if median < 1 else 'misses'} < 1 s)",
        ]
    print("\nThe bars of issue #13, point 6:\n" + "\n".join(bars))
    if not postgres:
        print(f"\nPostgreSQL skipped: set {POSTGRES_ENV} or pass --postgres URL.")
    print(
        "\nChecks: every registration was confirmed, every question answered, nothing logged "
        "a warning"
        if not notes
        else "\nProblems:\n" + "\n".join(f"- {n}" for n in notes)
    )
    print(f"\n(total {clock() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
