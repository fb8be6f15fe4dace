"""/forget_me gives back what the person held: places go to the waiting list, never to ghosts."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.db.models import Registration, Visit
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, run_bot
from tests.bot.visiting import open_visit, register
from tests.visits.factory import TITLES

ERASE = {"en": "Yes", "sk": "Áno", "ja": "はい"}


async def forget(bot: Harness, user: int, lang: str = "en") -> str:
    """/forget_me, then "Yes": returns what the bot says afterwards."""
    [question] = await bot.send(user, "/forget_me", lang=lang)
    await bot.press(user, question, ERASE[lang], lang=lang)
    return bot.api.last_message(user).plain


async def held_and_holding(bot: Harness, visit_id: int) -> tuple[int, int]:
    """visits.held, and the registrations that hold a place (confirmed or offered)."""
    async with bot.app.bot_data["services"].sessions() as session:
        held = await session.scalar(select(Visit.held).where(Visit.id == visit_id))
        holding = await session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.visit_id == visit_id,
                Registration.status.in_(["confirmed", "offered"]),
            )
        )
    return int(held or 0), int(holding or 0)


async def holders(bot: Harness, visit_id: int) -> set[int | None]:
    """Who holds a place (confirmed or offered) on the visit."""
    async with bot.app.bot_data["services"].sessions() as session:
        found = await session.scalars(
            select(Registration.telegram_id).where(
                Registration.visit_id == visit_id,
                Registration.status.in_(["confirmed", "offered"]),
            )
        )
        return set(found)


async def test_register_then_forget_repeated_leaves_no_ghost_places(bot: Harness) -> None:
    # The review's repro (H-1): one account, five cycles, capacity five.
    visit = await open_visit(bot, capacity=5)
    for _ in range(5):
        [confirmation, *_] = await register(bot, 666, "en", visit)
        assert "You are registered" in confirmation.plain
        assert await held_and_holding(bot, visit.id) == (1, 1)
        said = await forget(bot, 666)
        assert said.startswith("Your personal data is erased")
        assert await held_and_holding(bot, visit.id) == (0, 0)
    [confirmation, *_] = await register(bot, 7, "en", visit)
    assert "You are registered" in confirmation.plain
    assert "waiting list" not in confirmation.plain
    assert await held_and_holding(bot, visit.id) == (1, 1)
    # The coordinators' view: one place taken, nobody waiting; the CSV has no confirmed ghost.
    async with bot.app.bot_data["services"].sessions() as session:
        stats = await service.registration_stats(session, visit.id)
        exported = await service.export_rows(session, visit.id)
    assert (stats.held, stats.by_status["confirmed"], stats.by_status["waitlisted"]) == (1, 1, 0)
    assert stats.by_status["withdrawn"] == 5
    confirmed = [row for row in exported if row["status"] == "confirmed"]
    assert [row["full_name"] for row in confirmed] == ["Jane Doe"]


async def test_the_next_person_waiting_is_offered_the_place(bot: Harness) -> None:
    visit = await open_visit(bot, capacity=1)
    await register(bot, 8, "en", visit)
    [waiting, *_] = await register(bot, 9, "ja", visit)
    assert "キャンセル待ち" in waiting.plain
    before = len(bot.api.messages(9))
    said = await forget(bot, 8)
    assert "1 registration was withdrawn" in said
    [offer] = bot.api.messages(9)[before:]
    assert TITLES["ja"] in offer.plain
    assert "空きが出た" in offer.plain
    assert [label for label, _ in bot.api.buttons(offer)] == ["✅ 参加する", "✖ 辞退する"]
    assert await held_and_holding(bot, visit.id) == (1, 1)
    await bot.press(9, offer, "参加する", lang="ja")
    async with bot.app.bot_data["services"].sessions() as session:
        [mine] = await service.my_registrations(session, 9)
    assert mine[0].status == "confirmed"


async def test_a_waitlisted_person_who_leaves_stops_counting_as_waiting(bot: Harness) -> None:
    visit = await open_visit(bot, capacity=1)
    await register(bot, 8, "en", visit)
    await register(bot, 9, "sk", visit)
    said = await forget(bot, 9, "sk")
    assert said.startswith("Vaše osobné údaje sú vymazané")
    async with bot.app.bot_data["services"].sessions() as session:
        stats = await service.registration_stats(session, visit.id)
        exported = await service.export_rows(session, visit.id)
    assert (stats.held, stats.by_status["confirmed"], stats.by_status["waitlisted"]) == (1, 1, 0)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([r["status"], r["full_name"]] for r in exported)
    assert buffer.getvalue().splitlines() == ["confirmed,Jane Doe", "withdrawn,"]


@pytest.fixture
async def erasing_bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """One bot for all the examples: visits, registrations and erased rows pile up."""
    async with run_bot(database_url, qa) as harness:
        yield harness


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    capacity=st.integers(1, 3),
    people=st.integers(1, 5),
    leaving=st.lists(st.integers(0, 4), max_size=5, unique=True),
    accepting=st.booleans(),
)
async def test_held_always_equals_the_registrations_holding_a_place(
    erasing_bot: Harness, capacity: int, people: int, leaving: list[int], accepting: bool
) -> None:
    """Whoever leaves, in whatever order: held counts exactly the registrations holding a
    place, and the places go to the first people still there, in the order they registered."""
    bot = erasing_bot
    visit = await open_visit(bot, capacity=capacity)
    base = 1000 + 10 * visit.id  # fresh people for each example
    for n in range(people):
        await register(bot, base + n, "en", visit)
    staying = [base + n for n in range(people)]
    for n in [n for n in leaving if n < people]:
        await forget(bot, base + n)
        staying.remove(base + n)
        held, holding = await held_and_holding(bot, visit.id)
        assert held == holding == min(capacity, len(staying))
        assert await holders(bot, visit.id) == set(staying[:capacity])
        if accepting:  # the person offered the place takes it
            for other in range(people):
                offer = bot.api.last_message(base + other)
                if any("Accept" in label for label, _ in bot.api.buttons(offer)):
                    await bot.press(base + other, offer, "Accept")
    async with bot.app.bot_data["services"].sessions() as session:
        stats = await service.registration_stats(session, visit.id)
        await service.set_visit_status(session, visit.id, "closed", NOW)
        await session.commit()
    assert stats.by_status["waitlisted"] == max(0, len(staying) - capacity)
    assert stats.by_status["withdrawn"] == people - len(staying)
