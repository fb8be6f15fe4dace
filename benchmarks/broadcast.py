"""Broadcast delivery through the real Application and the in-process Bot API.

    python benchmarks/broadcast.py            # 10,000 recipients (about two minutes)
    python benchmarks/broadcast.py --rate 100 # another configured rate
    python benchmarks/broadcast.py --quick    # a smoke run (1,000 recipients)

Measured in one run, on a SQLite file:

1. **Rate at the limit**: a broadcast to N recipients with the limiter at its configured rate,
   scaled (`--rate`, default 200 a second instead of Telegram's 30, so that 10,000 take 50 s;
   the requests in flight scaled with it, see `scaled_workers`): the achieved rate (first to
   last message) as a fraction of the configured one.
2. **Ceiling**: the same broadcast again with the limit lifted: the sender's own rate.
3. **Interactive replies**: a question's time through `Application.process_update` (the
   answer sent) while the rate-limited broadcast runs, against the same questions without a
   broadcast just before it: median and p99, and their ratio.
4. **Memory**: the Python heap's peak (tracemalloc) while 10,000 and then 100,000 recipients
   are enqueued and the sender runs for a few seconds (limit lifted): flat means the outbox
   streams from the database instead of holding its recipients.

Nothing is asserted; the figures are printed as a table.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # benchmarks/bot.py would shadow the `bot` package: the project root comes first.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
    sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
import tracemalloc
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from telegram import Update

from bot.app import build_application
from bot.broadcast import store
from bot.broadcast.sender import Sender
from bot.config import Settings
from bot.console import running
from bot.db.models import User
from bot.kb.answer import QuestionAnswerer
from bot.kb.loader import load_knowledge
from bot.localapi import ChatEvent, LocalBotApi, SentMessage, local_bot_request

TOKEN = "123456:" + "A" * 30
FIRST = 1_000_000  # recipients' ids; the people asking questions are below
AUTHOR = 42
ASKERS = range(100, 120)
QUESTIONS = (
    "When was the partnership agreement signed?",
    "Kedy bola podpísaná dohoda o partnerstve?",
    "Who coordinates the IUC programme?",
)
LANGS = ("en", "sk", "ja")


class TimedApi(LocalBotApi):
    """The in-process Bot API, noting when each message to a recipient arrived and keeping
    nothing else of it: 100,000 stored messages would be the benchmark's memory, not the
    sender's."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []
        self.expected = 0  # how many arrivals set `reached`
        self.reached = asyncio.Event()
        self.calls = deque(maxlen=100)  # type: ignore[assignment]
        self.requests = deque(maxlen=100)  # type: ignore[assignment]

    def add_message(self, message: SentMessage) -> SentMessage:
        if message.chat_id >= FIRST:
            self.arrivals.append(time.perf_counter())
            if len(self.arrivals) >= self.expected:
                self.reached.set()
        return super().add_message(message)

    def add_event(self, event: ChatEvent) -> None:
        if event.chat_id < FIRST:
            super().add_event(event)

    def new_message_id(self, chat_id: int) -> int:
        return 1 if chat_id >= FIRST else super().new_message_id(chat_id)

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        if chat_id >= FIRST:
            return {"id": chat_id, "first_name": "Recipient", "type": "private"}
        return super().chat_json(chat_id)

    def message_json(self, chat_id: int, message_id: int) -> dict[str, Any]:
        found = super().message_json(chat_id, message_id)
        if chat_id >= FIRST:
            del self._messages[chat_id]  # answered: forgotten
        return found


@asynccontextmanager
async def bot(url: str, qa: QuestionAnswerer, rate: float) -> AsyncIterator[tuple[TimedApi, Any]]:
    """The real Application on the database, its sender at `rate`."""
    api = TimedApi()
    settings = Settings(
        token=TOKEN,
        database_url=url,
        broadcast_rate=rate,
        broadcast_chat_interval=1.0,
        broadcast_progress_seconds=2.0,
    )
    app = build_application(
        settings, qa, request=local_bot_request(api), updates_request=local_bot_request(api)
    )
    async with running(app):
        yield api, app


async def add_users(app: Any, count: int) -> None:
    """`count` recipients, in chunks (their rows are not what is measured)."""
    services = app.bot_data["services"]
    now = datetime.now(UTC)
    for start in range(0, count, 10_000):
        rows = [
            {
                "telegram_id": FIRST + i,
                "language": LANGS[i % 3],
                "first_seen": now,
                "last_seen": now,
                "subscribed": True,
            }
            for i in range(start, min(count, start + 10_000))
        ]
        async with services.sessions.begin() as session:
            await session.execute(insert(User), rows)


async def enqueue(app: Any) -> int:
    """A broadcast to every recipient, as /broadcast enqueues it."""
    services = app.bot_data["services"]
    now = datetime.now(UTC)
    async with services.sessions.begin() as session:
        made = await store.create(
            session,
            author_id=AUTHOR,
            author_lang="en",
            texts={"en": "<b>News</b> from the IUC programme", "sk": "<b>Novinky</b> z programu"},
            fallback_lang="en",
            now=now,
        )
        audience = select(User.telegram_id, User.language).where(User.telegram_id >= FIRST)
        await store.enqueue(session, made.id, audience, now)
    services.outbox.wake()
    return made.id


async def wait_done(api: TimedApi, n: int) -> None:
    """Until n recipients have their message (watched at the fake server, not by querying
    the database, which would compete with the sender for its connection)."""
    api.expected = n
    if len(api.arrivals) < n:
        api.reached.clear()
        await api.reached.wait()


async def ask(
    api: TimedApi, app: Any, samples: int, stop: asyncio.Event | None = None
) -> list[float]:
    """Questions one after another (20 people, a pause between): each one's time to its reply."""
    times = []
    for n in range(samples):
        if stop is not None and stop.is_set():
            break
        user = ASKERS[n % len(ASKERS)]
        update = api.message_update(user, QUESTIONS[n % len(QUESTIONS)])
        began = time.perf_counter()
        await app.process_update(Update.de_json(update, app.bot))
        times.append(time.perf_counter() - began)
        await asyncio.sleep(0.02)
    return times


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]


def rate_of(arrivals: list[float]) -> float:
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


async def replace_sender(app: Any, **config: Any) -> None:
    """Stop the sender and start one with these settings changed (the same everything else)."""
    services = app.bot_data["services"]
    old = services.outbox
    await old.stop()
    services.outbox = Sender(
        old.sessions, old.transport, dataclasses.replace(old.config, **config)
    )
    services.outbox.start()


def scaled_workers(rate: float) -> int:
    """Requests in flight for a rate: the bot's 16 at Telegram's 30 a second is about half a
    second's worth, which rides out a commit that stalls that long; scaled with the rate."""
    return max(16, int(rate / 2))


async def rate_and_latency(tmp: Path, qa: QuestionAnswerer, n: int, rate: float) -> dict:
    url = f"sqlite:///{tmp / 'rate.sqlite3'}"
    async with bot(url, qa, rate) as (api, app):
        await replace_sender(app, workers=scaled_workers(rate))
        await add_users(app, n)
        await ask(api, app, 20)  # warm-up: caches, first connections
        samples = max(60, min(300, int(n / rate * 4)))
        baseline = await ask(api, app, samples)
        await enqueue(app)
        done = asyncio.Event()

        async def finish() -> None:
            await wait_done(api, n)
            done.set()

        waiter = asyncio.create_task(finish())
        during = await ask(api, app, samples, done)
        await waiter
        limited = rate_of(api.arrivals)
        api.arrivals.clear()
        await replace_sender(app, rate=1e9, chat_interval=0.0)
        await enqueue(app)
        await wait_done(api, n)
        ceiling = rate_of(api.arrivals)
    return {
        "rate": rate,
        "achieved": limited,
        "ceiling": ceiling,
        "baseline": baseline,
        "during": during,
    }


async def memory(tmp: Path, qa: QuestionAnswerer, n: int, seconds: float) -> tuple[float, int]:
    """Peak traced heap (MiB) while n recipients are enqueued and sent for `seconds`."""
    url = f"sqlite:///{tmp / f'memory-{n}.sqlite3'}"
    async with bot(url, qa, 1e9) as (api, app):
        await add_users(app, n)
        await replace_sender(app, rate=1e9, chat_interval=0.0)
        await asyncio.sleep(0.5)
        tracemalloc.start()
        await enqueue(app)
        await asyncio.sleep(seconds)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sent = len(api.arrivals)
    return peak / 2**20, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 recipients, a smoke run")
    parser.add_argument("--rate", type=float, default=200.0, help="the configured rate (/s)")
    args = parser.parse_args()
    n = 1_000 if args.quick else 10_000
    qa = QuestionAnswerer(load_knowledge(ROOT / "knowledge"))
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(rate_and_latency(Path(tmp), qa, n, args.rate))
        small = asyncio.run(memory(Path(tmp), qa, n, 3.0))
        large = asyncio.run(memory(Path(tmp), qa, n * 10, 3.0))
    base, during = result["baseline"], result["during"]
    print(f"\nBroadcast to {n:,} recipients (SQLite, in-process Bot API)\n")
    print("| measure | value | baseline | ratio |")
    print("|---|---|---|---|")
    print(
        f"| rate with the limiter at {result['rate']:g}/s "
        f"({scaled_workers(result['rate'])} in flight) | {result['achieved']:.1f}/s | "
        f"{result['rate']:g}/s (configured) | {result['achieved'] / result['rate']:.1%} |"
    )
    print(f"| rate with the limit lifted (ceiling) | {result['ceiling']:.0f}/s | | |")
    med_b, med_d = statistics.median(base), statistics.median(during)
    print(
        f"| reply latency median, during / without a broadcast | {med_d * 1000:.1f} ms | "
        f"{med_b * 1000:.1f} ms | {med_d / med_b:.2f}× |"
    )
    print(
        f"| reply latency p99, during / without a broadcast | {p99(during) * 1000:.1f} ms | "
        f"{p99(base) * 1000:.1f} ms | {p99(during) / p99(base):.2f}× |"
    )
    print(
        f"| heap peak, {n * 10:,} / {n:,} queued (3 s of sending: {large[1]:,} / {small[1]:,} "
        f"sent) | {large[0]:.1f} MiB | {small[0]:.1f} MiB | {large[0] / small[0]:.2f}× |"
    )
    print(f"\n{len(during)} questions during the broadcast, {len(base)} without.")


if __name__ == "__main__":
    main()
