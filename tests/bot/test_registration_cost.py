"""A registration step is as cheap as a question: one transaction, few statements, shared commits.

The statements are counted on the bot's own engine with an SQLAlchemy event listener, grouped by
the transaction they ran in (per connection, until its commit or rollback).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.db.models import Draft, Registration
from bot.visits import service
from tests.bot.harness import Harness, rows
from tests.bot.visiting import (
    ANSWERS,
    NOW,
    QUESTION,
    answer_until,
    failing_writes,
    give,
    label,
    open_visit,
    register,
    start,
)


@dataclass
class Transactions:
    """The statements of every transaction that ended while counting, and how it ended."""

    committed: list[list[str]] = field(default_factory=list)
    rolled_back: list[list[str]] = field(default_factory=list)

    def touching(self, table: str) -> list[list[str]]:
        """The committed transactions with a statement on `table`."""
        return [t for t in self.committed if any(_on(s, table) for s in t)]

    def statements(self) -> list[str]:
        return [s for t in self.committed + self.rolled_back for s in t]


def _on(statement: str, table: str) -> bool:
    return f" {table}" in statement.replace('"', "").replace("\n", " ")


@contextmanager
def transactions(bot: Harness) -> Iterator[Transactions]:
    """Counts what the bot's engine runs while the block lasts."""
    engine = bot.app.bot_data["services"].sessions.kw["bind"].sync_engine
    seen = Transactions()
    open_: dict[int, list[str]] = {}

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        open_.setdefault(id(conn), []).append(" ".join(text.split()))

    def commit(conn: Any) -> None:
        seen.committed.append(open_.pop(id(conn), []))

    def rollback(conn: Any) -> None:
        seen.rolled_back.append(open_.pop(id(conn), []))

    listeners = (("before_cursor_execute", statement), ("commit", commit), ("rollback", rollback))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


async def _quiet(bot: Harness) -> None:
    # What earlier messages queued for the activity recorder is written first, so that its
    # batch does not count as this step's.
    await bot.app.bot_data["services"].activity.flush()


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_step_reads_and_writes_in_one_transaction(bot: Harness, lang: str) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, lang, visit)
    for step in ("full_name", "organisation", "city", "role"):  # typed, typed, typed, pressed
        await _quiet(bot)
        with transactions(bot) as seen:
            replies = await give(bot, 7, lang, ANSWERS[lang][step])
        assert replies[-1].plain.startswith(QUESTION[_after(step)][lang])
        # One transaction read the draft and its visit and wrote the next step.
        [step_transaction] = seen.touching("drafts")
        assert [s.split()[0] for s in step_transaction] == ["SELECT", "SELECT", "INSERT"]
        assert _on(step_transaction[0], "drafts")
        assert _on(step_transaction[1], "visits")
        assert _on(step_transaction[2], "drafts")
        # Nothing else but the read every message makes (its own connection on SQLite) and
        # the user's row behind the reply: no coordinator's conversation looked for a draft.
        others = [s for s in seen.statements() if s not in step_transaction]
        assert len(others) <= 3, others
        assert not [s for s in others if s.startswith(("UPDATE", "DELETE"))]


def _after(step: str) -> str:
    steps = list(ANSWERS["en"])
    return steps[steps.index(step) + 1]


async def test_steps_arriving_together_share_one_commit(bot: Harness) -> None:
    visit = await open_visit(bot)
    people = range(101, 111)
    for who in people:
        await start(bot, who, "en", visit)
    await _quiet(bot)
    with transactions(bot) as seen:
        await asyncio.gather(*(bot.send(who, f"Person {who}") for who in people))
    # Ten people's names, fewer commits: steps that arrive together are written together.
    assert 1 <= len(seen.touching("drafts")) < len(people)
    for who in people:
        assert bot.api.last_message(who).plain.startswith(QUESTION["organisation"]["en"])
    drafts = {d.telegram_id: d for d in await rows(bot, Draft)}
    assert {who: drafts[who].data["full_name"] for who in people} == {
        who: f"Person {who}" for who in people
    }
    assert {drafts[who].step for who in people} == {"organisation"}


async def test_a_commit_that_fails_answers_none_of_its_steps(bot: Harness) -> None:
    visit = await open_visit(bot)
    people = range(201, 206)
    for who in people:
        await start(bot, who, "en", visit)
    async with failing_writes(bot):
        await asyncio.gather(*(bot.send(who, f"Person {who}") for who in people))
    for who in people:
        # Nobody was asked the next question: each answer is kept for "Try again".
        assert bot.api.last_message(who).plain.startswith("Sorry, I could not save your answer")
    for who in people:
        await bot.press(who, bot.api.last_message(who), "Try again")
        assert bot.api.last_message(who).plain.startswith(QUESTION["organisation"]["en"])
    drafts = await rows(bot, Draft)
    assert sorted((d.telegram_id, d.step, d.data["full_name"]) for d in drafts) == [
        (who, "organisation", f"Person {who}") for who in people
    ]


async def test_register_and_the_visit_chosen_are_steps_of_the_group_commit(bot: Harness) -> None:
    visit = await open_visit(bot)
    people = range(301, 311)
    await _quiet(bot)
    with transactions(bot) as seen:
        menus = await asyncio.gather(*(bot.send(who, "/register") for who in people))
    # Ten people's /register: their drafts and the open visits read together, nothing written.
    reads = [t for t in seen.committed + seen.rolled_back if any(_on(s, "drafts") for s in t)]
    assert 1 <= len(reads) < len(people)
    writes = [s for s in seen.statements() if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not [s for s in writes if _on(s, "drafts") or _on(s, "registrations")]
    await _quiet(bot)
    with transactions(bot) as seen:
        await asyncio.gather(
            *(
                bot.feed(bot.api.callback_update(who, menu.message_id, f"r:visit:{visit.id}"))
                for who, [menu] in zip(people, menus, strict=True)
            )
        )
    # Their choices: drafts, registrations and the visit read, the first questions written,
    # fewer commits than people.
    chose = seen.touching("drafts")
    assert 1 <= len(chose) < len(people)
    for transaction in chose:
        assert [s.split()[0] for s in transaction] == ["SELECT", "SELECT", "SELECT", "INSERT"]
    for who in people:
        assert QUESTION["full_name"]["en"] in bot.api.last_message(who).plain
    assert {d.telegram_id for d in await rows(bot, Draft)} == set(people)


async def test_the_visit_chosen_is_refused_alone_when_already_registered(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 401, "en", visit)
    menus = [await bot.send(who, "/register") for who in (401, 402)]
    await asyncio.gather(
        *(
            bot.feed(bot.api.callback_update(who, menu.message_id, f"r:visit:{visit.id}"))
            for who, [menu] in zip((401, 402), menus, strict=True)
        )
    )
    assert "already registered" in bot.api.last_message(401).plain
    assert QUESTION["full_name"]["en"] in bot.api.last_message(402).plain
    assert [d.telegram_id for d in await rows(bot, Draft)] == [402]


async def test_confirmations_arriving_together_share_one_commit(bot: Harness) -> None:
    visit, closed = await open_visit(bot), await open_visit(bot)
    people = range(501, 509)
    for who in people:
        await start(bot, who, "en", closed if who == 501 else visit)
        await answer_until(bot, who, "en", "consent")
        await bot.press(who, bot.api.last_message(who), "I agree")
    async with bot.app.bot_data["services"].sessions.begin() as session:
        await service.set_visit_status(session, closed.id, "closed", NOW)
    await _quiet(bot)
    with transactions(bot) as seen:
        await asyncio.gather(
            *(bot.press(who, bot.api.last_message(who), "Confirm") for who in people)
        )
    assert 1 <= len(seen.touching("registrations")) < len(people) - 1
    # The closed visit's registration ends alone; the others are registered, each with the
    # calendar file of their stay.
    assert "closed" in bot.api.last_message(501).plain
    for who in people[1:]:
        assert bot.api.last_message(who).filename == f"visit-{visit.id}.ics"
    registered = await rows(bot, Registration)
    assert sorted(r.telegram_id for r in registered) == list(people[1:])
    assert {r.status for r in registered} == {"confirmed"}
    assert await rows(bot, Draft) == []


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_the_confirmation_is_one_transaction_and_one_calendar_file(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, lang, visit)
    await answer_until(bot, 7, lang, "consent")
    await bot.press(7, bot.api.last_message(7), label(lang, "I agree"), lang=lang)
    await _quiet(bot)
    with transactions(bot) as seen:
        replies = await bot.press(7, bot.api.last_message(7), label(lang, "Confirm"), lang=lang)
    # The draft read, the place taken, the draft deleted: one commit.
    [confirmation] = seen.touching("registrations")
    assert seen.touching("drafts") == [confirmation]
    assert any(s.startswith("DELETE FROM drafts") for s in confirmation)
    assert len(confirmation) <= 10, confirmation
    [calendar] = [m for m in replies if m.filename]
    assert calendar.filename == f"visit-{visit.id}.ics"
    assert calendar.content is not None
    assert calendar.content.count(b"BEGIN:VEVENT") == 1
    async with bot.app.bot_data["services"].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 1
