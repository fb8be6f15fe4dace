"""Exactly once across crashes: the sender cancelled at random points and the whole
Application restarted on the same database, then resumed; every recipient gets the broadcast
once, counted by what the in-process Bot API received per chat."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest

from bot.broadcast import store
from bot.broadcast.sender import Sender
from bot.db.session import make_engine, make_sessionmaker
from bot.kb.answer import QuestionAnswerer
from tests.bot.harness import run_bot
from tests.bot.outboxing import FAST, add_users, broadcast, counts, finished, until

RECIPIENTS = list(range(700_001, 700_121))
BROADCAST = "Programme update"


@pytest.mark.parametrize("seed", [1, 2])
async def test_killed_at_random_points_then_resumed_everyone_gets_it_once(
    database_url: str, qa: QuestionAnswerer, seed: int
) -> None:
    rng = random.Random(seed)
    got: Counter[int] = Counter()
    # Slow enough (300 a second) that the kills land in the middle of the broadcast.
    settings = {**FAST, "broadcast_rate": 300.0}

    def tally(api) -> None:
        for uid in RECIPIENTS:
            got[uid] += sum(1 for m in api.messages(uid) if m.plain == BROADCAST)

    async with run_bot(database_url, qa, **settings) as bot:
        services = bot.app.bot_data["services"]
        await add_users(bot, dict.fromkeys(RECIPIENTS, "en"))
        bid = await broadcast(bot, RECIPIENTS, {"en": BROADCAST})
        for _ in range(5):
            # The sender task is cancelled at a random moment (in the limiter, mid-request,
            # between batches) and a new one, as a new process would, takes over.
            await asyncio.sleep(rng.uniform(0.005, 0.06))
            old = services.outbox
            await old.stop()
            services.outbox = Sender(old.sessions, old.transport, old.config)
            services.outbox.start()
        await asyncio.sleep(rng.uniform(0.0, 0.05))
        first_api = bot.api
    # Counted after the stop: a request in flight at that moment is finished, not dropped.
    tally(first_api)
    before_restart = await stored_counts(database_url, bid)
    # Nothing lost in flight: handed over as sent or queued, never "sending".
    assert (before_restart.sending, before_restart.unknown) == (0, 0)
    # The whole Application stopped in the middle; a new one on the same database resumes.
    assert before_restart.remaining > 0, "the broadcast should have been cut short"
    assert before_restart.sent == sum(got.values())
    async with run_bot(database_url, qa, **settings) as bot:
        final = await finished(bot, bid)
        tally(bot.api)
    assert final == store.Counts(sent=len(RECIPIENTS))
    assert set(got.values()) == {1}, {uid: n for uid, n in got.items() if n != 1}
    assert sorted(got) == RECIPIENTS


async def stored_counts(database_url: str, bid: int) -> store.Counts:
    """The broadcast's counts, read while no bot runs."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await store.counts(session, bid)
    finally:
        await engine.dispose()


async def test_a_graceful_stop_finishes_the_request_in_flight(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa, **{**FAST, "broadcast_rate": 50.0}) as bot:
        services = bot.app.bot_data["services"]
        await add_users(bot, dict.fromkeys(RECIPIENTS[:20], "en"))
        bid = await broadcast(bot, RECIPIENTS[:20], {"en": BROADCAST})
        await until(lambda: any(bot.api.messages(uid) for uid in RECIPIENTS[:20]))
        await services.outbox.stop()
        stopped = await counts(bot, bid)
        sent = sum(len(bot.api.messages(uid)) for uid in RECIPIENTS[:20])
    # Nothing is left half-done: every request made is recorded, the rest is queued again.
    assert stopped.sending == stopped.unknown == 0
    assert stopped.sent == sent
    assert stopped.queued == 20 - sent
