"""Flood control (#14.5) through the real Application: one user sends 30 messages at once and
gets one slow-down message; another user is answered meanwhile; after the pause, served again."""

from __future__ import annotations

import asyncio

import pytest

from bot.flood import FloodGate, Verdict
from bot.handlers.general.flood import GATE_KEY
from bot.kb.answer import QuestionAnswerer
from bot.observe.metrics import UPDATES
from tests.bot.harness import Harness, run_bot

FLOODER, OTHER = 1001, 2002
QUESTION = "When was the agreement signed?"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def slow_downs(bot: Harness, chat: int) -> list[str]:
    return [m.text for m in bot.api.messages(chat) if "quickly" in m.text or "rýchlo" in m.text]


@pytest.fixture
async def flooded(database_url: str, qa: QuestionAnswerer):
    async with run_bot(database_url, qa, flood_control=True) as bot:
        clock = Clock()
        bot.app.bot_data[GATE_KEY].clock = clock
        yield bot, clock


async def test_a_flood_gets_one_slow_down_and_others_are_served(flooded) -> None:
    bot, clock = flooded
    limit = bot.app.bot_data[GATE_KEY].limit
    flooded_before = UPDATES.value("flood", "flood")
    flood = [bot.api.message_update(FLOODER, f"{QUESTION} {i}") for i in range(30)]
    other = [bot.api.message_update(OTHER, QUESTION) for _ in range(3)]
    await asyncio.gather(*(bot.feed(u) for u in [*flood[:15], *other, *flood[15:]]))

    answers = [m for m in bot.api.messages(FLOODER) if "2018" in m.text]
    assert len(answers) == limit  # the first `limit` were answered, the rest not
    assert len(slow_downs(bot, FLOODER)) == 1
    assert "Please wait a moment" in slow_downs(bot, FLOODER)[0]
    # The other user wrote in the middle of the flood and got every answer.
    assert len([m for m in bot.api.messages(OTHER) if "2018" in m.text]) == 3
    assert slow_downs(bot, OTHER) == []
    assert UPDATES.value("flood", "flood") - flooded_before == 30 - limit  # in /metrics

    # During the pause: still silence, no second slow-down.
    clock.now += 1
    assert await bot.send(FLOODER, QUESTION) == []
    # After the pause: served again.
    clock.now += bot.app.bot_data[GATE_KEY].pause
    [reply, *_] = await bot.send(FLOODER, QUESTION)
    assert "2018" in reply.text
    assert len(slow_downs(bot, FLOODER)) == 1


async def test_the_slow_down_is_in_the_users_language(flooded) -> None:
    bot, _ = flooded
    limit = bot.app.bot_data[GATE_KEY].limit
    for i in range(limit + 5):
        await bot.send(FLOODER, f"kedy bola podpísaná zmluva {i}", lang="sk")
    [text] = slow_downs(bot, FLOODER)
    assert "Píšete veľmi rýchlo" in text


async def test_buttons_count_too(flooded) -> None:
    bot, _ = flooded
    gate = bot.app.bot_data[GATE_KEY]
    [reply, *_] = await bot.send(FLOODER, QUESTION)
    data = bot.api.buttons(reply)[0][1]
    for _ in range(gate.limit + 3):
        await bot.feed(bot.api.callback_update(FLOODER, reply.message_id, data))
    assert len(slow_downs(bot, FLOODER)) == 1


def test_gate_window_slides() -> None:
    clock = Clock()
    gate = FloodGate(3, 10, 30, clock=clock)
    assert [gate.admit(1) for _ in range(3)] == [Verdict.SERVE] * 3
    clock.now += 10  # the first three have left the window
    assert [gate.admit(1) for _ in range(3)] == [Verdict.SERVE] * 3
    assert gate.admit(1) is Verdict.WARN
    assert gate.admit(1) is Verdict.DROP
    assert gate.admit(2) is Verdict.SERVE  # another user
    clock.now += 30
    assert gate.admit(1) is Verdict.SERVE


def test_gate_memory_is_bounded() -> None:
    gate = FloodGate(3, 10, 30, clock=Clock(), max_users=100)
    for user in range(1000):
        gate.admit(user)
    assert len(gate._users) == 100
