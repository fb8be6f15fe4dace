"""A PostgreSQL that hangs (accepts, then never answers) must not hold up the replies.

The bot reaches the real server through a proxy on 127.0.0.1 that is then paused: every socket
stays open and nothing comes back, as with a frozen server or a network that silently drops
packets. A refused connection is tested in test_robustness.py; this is the harder case.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TypeVar

import pytest

from bot.db.models import QuestionLog, Registration
from bot.kb.answer import QuestionAnswerer
from tests.bot.harness import Harness, rows, run_bot
from tests.bot.visiting import answer_until, label, open_visit, register, start
from tests.db.conftest import POSTGRES_ENV, temporary_postgres_database
from tests.db.proxy import Proxy, proxy_to

pytestmark = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"
)

T = TypeVar("T")
DEADLINE_S = 1.0
# A correctness bound, not a timing test: the review measured 130 s for a question and no
# reply at all within 300 s for a command; within the deadline plus this margin is "at once".
BOUND_S = DEADLINE_S + 3.0
UNAVAILABLE = "Sorry, the database is not available right now."
SORRY_STEP = "Sorry, I could not save your answer"
HELP = "I answer questions about the International Urban Cooperation (IUC) programme"
NO_VISIT = "No visit is open for registration right now."
SIGNED = ("When was the partnership agreement signed?", "15 October 2018")


@dataclass
class Hung:
    """The bot, and the proxy between it and its database."""

    bot: Harness
    proxy: Proxy


@pytest.fixture
async def hung(qa: QuestionAnswerer) -> AsyncIterator[Hung]:
    """The bot on a fresh PostgreSQL database that it reaches through a proxy."""
    with temporary_postgres_database(os.environ[POSTGRES_ENV]) as url:
        async with (
            proxy_to(url) as proxy,
            run_bot(proxy.url(url), qa, db_timeout=DEADLINE_S) as bot,
        ):
            yield Hung(bot, proxy)
            proxy.resume()  # shutdown writes what is queued


async def within(bound: float, step: Awaitable[T]) -> tuple[T, float]:
    """What the step returned and how long it took; fails when it takes longer than `bound`."""
    began = time.monotonic()
    result = await asyncio.wait_for(step, bound)
    return result, time.monotonic() - began


async def test_a_hung_database_holds_up_no_reply(hung: Hung) -> None:
    bot = hung.bot
    visit = await open_visit(bot)
    await register(bot, 8, "en", visit)  # someone with a registration, for /myvisits
    await start(bot, 9, "en", visit)  # someone half-way through registering
    await answer_until(bot, 9, "en", "organisation")
    hung.proxy.pause()

    [answer], _ = await within(BOUND_S, bot.send(7, SIGNED[0]))
    assert SIGNED[1] in answer.plain
    [help_], _ = await within(BOUND_S, bot.send(7, "/help"))
    assert help_.plain.startswith(HELP)
    [sorry], _ = await within(BOUND_S, bot.send(7, "/register"))
    assert sorry.plain.startswith(UNAVAILABLE)
    [sorry], _ = await within(BOUND_S, bot.send(8, "/myvisits"))
    assert sorry.plain.startswith(UNAVAILABLE)
    # A typed answer is kept (not lost, not answered as a question) for "Try again".
    [kept], _ = await within(BOUND_S, bot.send(9, "City of Bratislava"))
    assert kept.plain.startswith(SORRY_STEP)

    hung.proxy.resume()
    await asyncio.sleep(DEADLINE_S)  # the moment the database counts as away after a timeout
    [menu] = await bot.send(7, "/register")
    assert f"r:visit:{visit.id}" in [data for _, data in bot.api.buttons(menu)]
    [mine, *_] = await bot.send(8, "/myvisits")
    assert visit.titles["en"] in mine.plain
    [question] = await bot.press(9, kept, label("en", "Try again"))
    assert question.plain.startswith("Which city")
    # Every connection left in the pool works: as many commands at once as it holds.
    replies = await asyncio.gather(*(bot.send(100 + i, "/myvisits") for i in range(8)))
    assert all(r and not r[0].plain.startswith(UNAVAILABLE) for r in replies)
    # What the messages left behind during the outage is written now.
    logged = [row.text for row in await rows(bot, QuestionLog)]
    assert SIGNED[0] in logged
    assert len(await rows(bot, Registration)) == 1
