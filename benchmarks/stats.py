"""What /stats and the outbox gauge of /metrics cost on a full database (issue #14.4).

    python benchmarks/stats.py                      # SQLite in a temporary folder
    python benchmarks/stats.py --postgres URL       # a new database on that server, dropped after
    python benchmarks/stats.py --quick              # a smoke run

The real Application over the in-process Bot API, on a database filled as a busy programme's
would be after a year: 10,000 users, 50,000 logged questions (a third of them misses, over 500
wordings), 100,000 outbox rows over 40 broadcasts, 20 coming visits with registrations.
Rows, taking turns round after round so that a noisy minute falls on all of them:
  question            a delegate's question through the Application (the baseline for /stats)
  /stats              the coordinator's /stats through the Application
  metrics, no outbox  GET /metrics without the database (the baseline for the next row)
  metrics             GET /metrics, the outbox counted in the database at the scrape
Printed: each row's median and 90th percentile, and the ratio of its median to its baseline's.
Nothing is asserted.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
    sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import contextlib
import logging
import socket
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

TOKEN = "123456:" + "A" * 30
COORDINATOR = 42
ROWS = ("question", "/stats", "metrics, no outbox", "metrics")
BASELINE = {"/stats": "question", "metrics": "metrics, no outbox"}
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
OUTBOX_STATES = ("sent",) * 90 + ("blocked",) * 5 + ("failed",) * 3 + ("queued",) * 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _fill(sessions: Any, scale: int) -> None:
    """A year of a busy programme, in bulk inserts."""
    from sqlalchemy import insert

    from bot.broadcast.models import Broadcast, OutboxRow
    from bot.db.models import QuestionLog, Registration, User, Visit

    users, questions, outbox = 10 * scale, 50 * scale, 100 * scale
    langs = ("en", "sk", "ja", None)
    async with sessions.begin() as session:
        await session.execute(
            insert(User),
            [
                {
                    "telegram_id": 10_000 + i,
                    "language": langs[i % 4],
                    "telegram_language": "sk-SK" if i % 5 else "en",
                    "first_seen": NOW,
                    "last_seen": NOW,
                }
                for i in range(users)
            ],
        )
        await session.execute(
            insert(QuestionLog),
            [
                {
                    "telegram_id": 10_000 + i % users,
                    "chat_id": 10_000 + i % users,
                    "message_id": i,
                    "text": f"Question number {i % 500}?" if i % 3 == 0 else f"Asked {i}",
                    "lang": "en",
                    "confidence": 0.5,
                    "outcome": ("unknown", "answered", "suggested")[i % 3],
                    "created_at": NOW - timedelta(minutes=10 * i),
                }
                for i in range(questions)
            ],
        )
        visits = [
            {
                "titles": {"en": f"Visit {v}", "sk": f"Návšteva {v}", "ja": f"訪問 {v}"},
                "host_city": "tokorozawa",
                "venue": "City Hall",
                "timezone": "Asia/Tokyo",
                "start_date": date(2027, 1, 1) + timedelta(days=10 * v),
                "end_date": date(2027, 1, 3) + timedelta(days=10 * v),
                "capacity": 50,
                "held": 40,
                "status": "open",
                "roles": ["delegate"],
                "created_at": NOW,
                "updated_at": NOW,
            }
            for v in range(20)
        ]
        await session.execute(insert(Visit), visits)
        await session.execute(
            insert(Registration),
            [
                {
                    "visit_id": 1 + v,
                    "telegram_id": 10_000 + r,
                    "lang": "en",
                    "full_name": f"Person {r}",
                    "role": "delegate",
                    "arrival": visits[v]["start_date"],
                    "departure": visits[v]["end_date"],
                    "consent_at": NOW,
                    "status": "confirmed" if r < 40 else "waitlisted",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for v in range(20)
                for r in range(50)
            ],
        )
        await session.execute(
            insert(Broadcast),
            [
                {
                    "author_lang": "en",
                    "texts": {"en": "News"},
                    "fallback_lang": "en",
                    "status": "done",
                    "created_at": NOW,
                    "started_at": NOW,
                }
                for _ in range(40)
            ],
        )
        await session.execute(
            insert(OutboxRow),
            [
                {
                    "broadcast_id": 1 + i % 40,
                    "user_id": 10_000 + i // 40,
                    "lang": "en",
                    "status": OUTBOX_STATES[i % len(OUTBOX_STATES)],
                    "next_attempt_at": NOW,
                }
                for i in range(outbox)
            ],
        )


async def _run(url: str, rounds: int, each: int, scale: int) -> dict[str, list[float]]:
    import httpx
    from telegram import Update

    from bot.app import build_application
    from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings
    from bot.console import running
    from bot.kb.answer import QuestionAnswerer
    from bot.kb.loader import load_knowledge
    from bot.localapi import LocalBotApi, local_bot_request
    from bot.observe import gauges, server

    logging.disable(logging.WARNING)  # one line per update would be timed too
    qa = QuestionAnswerer(load_knowledge(DEFAULT_KNOWLEDGE_DIR))
    api = LocalBotApi()
    settings = Settings(token=TOKEN, database_url=url, coordinator_ids=frozenset({COORDINATOR}))
    app = build_application(
        settings, qa, request=local_bot_request(api), updates_request=local_bot_request(api)
    )
    results: dict[str, list[float]] = {row: [] for row in ROWS}
    async with running(app):
        services = app.bot_data["services"]
        services.clock = lambda: NOW
        # Unbounded: the bulk fill takes longer than the deadline each unit of work gets.
        await _fill(services.sessions.factory, scale)

        async def probe() -> None:
            pass

        plain_port, counted_port = _free_port(), _free_port()
        plain = server.start(plain_port, "127.0.0.1", lambda: True, probe)
        counted = server.start(
            counted_port,
            "127.0.0.1",
            lambda: True,
            probe,
            gauges.collector(lambda: services.sessions),
        )

        async def update(user: int, text: str) -> None:
            data = api.message_update(user, text)
            await app.process_update(Update.de_json(data, app.bot))

        try:
            async with httpx.AsyncClient() as client:
                jobs = {
                    "question": lambda: update(7, "When was the partnership agreement signed?"),
                    "/stats": lambda: update(COORDINATOR, "/stats"),
                    "metrics, no outbox": lambda: client.get(
                        f"http://127.0.0.1:{plain_port}/metrics"
                    ),
                    "metrics": lambda: client.get(f"http://127.0.0.1:{counted_port}/metrics"),
                }
                for job in jobs.values():  # warm-up: first answers, connections
                    await job()
                for _ in range(rounds):
                    for row, job in jobs.items():
                        for _ in range(each):
                            start = time.perf_counter()
                            await job()
                            results[row].append(time.perf_counter() - start)
        finally:
            plain.stop()
            counted.stop()
    return results


@contextlib.contextmanager
def _database(postgres: str | None) -> Iterator[str]:
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bot.sqlite3'}"
        return
    from tests.db.conftest import temporary_postgres_database

    with temporary_postgres_database(postgres) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small database, one round")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to use")
    args = parser.parse_args()
    rounds, each, scale = (1, 3, 10) if args.quick else (5, 10, 1000)
    with _database(args.postgres) as url:
        results = asyncio.run(_run(url, rounds, each, scale))
    print(
        f"{10 * scale} users, {50 * scale} questions, {100 * scale} outbox rows; "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    print(f"{'row':<20} {'runs':>5} {'median ms':>10} {'p90 ms':>8} {'ratio':>6}  baseline")
    medians = {row: statistics.median(results[row]) for row in ROWS}
    for row in ROWS:
        times = sorted(results[row])
        p90 = times[int(0.9 * (len(times) - 1))]
        base = BASELINE.get(row, row)
        print(
            f"{row:<20} {len(times):>5} {medians[row] * 1000:>10.2f} {p90 * 1000:>8.2f} "
            f"{medians[row] / medians[base]:>6.2f}  {base}"
        )


if __name__ == "__main__":
    main()
