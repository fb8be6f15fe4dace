"""A coordinator's change racing the delegates: a registration lands between read and write."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from bot.db.models import QuestionLog
from bot.db.url import sync_url
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.visits.factory import open_visit, register

COORDINATOR = 42
TAKEN_NOW = {
    "en": "3 places are taken now, so the capacity cannot be below 3.",
    "sk": "Teraz sú obsadené 3 miesta, kapacita preto nemôže byť nižšia ako 3.",
    "ja": "現在3名分の席が確保されているため、定員を3名未満にすることはできません。",
}
LABELS = {
    "en": ("Change capacity", "Saved: 3 places."),
    "sk": ("Zmeniť kapacitu", "Uložené: 3 miesta."),
    "ja": ("定員を変更", "保存しました：定員3名。"),
}


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        yield harness


@contextmanager
def place_taken_before_the_update(bot: Harness, visit_id: int) -> Iterator[list[str]]:
    """Just before the bot's UPDATE of the visit's capacity runs (after it read what is
    taken), another connection commits one more place taken: the review's reproduction of
    L-5. Yields the statements that were raced."""
    engine = bot.app.bot_data["engine"].sync_engine
    other = create_engine(sync_url(bot.app.bot_data["services"].settings.database_url))
    raced: list[str] = []

    def race(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if raced or not statement.startswith("UPDATE visits SET") or "capacity" not in statement:
            return
        raced.append(statement)
        with other.begin() as connection:
            connection.execute(
                text("UPDATE visits SET held = held + 1 WHERE id = :id"), {"id": visit_id}
            )

    event.listen(engine, "before_cursor_execute", race)
    try:
        yield raced
    finally:
        event.remove(engine, "before_cursor_execute", race)
        other.dispose()


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_registration_racing_a_capacity_change_gets_a_clear_answer(
    bot: Harness, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = bot.app.bot_data["services"].sessions
    visit = await open_visit(sessions, NOW, capacity=4)
    for person in (1, 2):
        await register(sessions, visit.id, person, NOW)
    [listing] = await bot.send(COORDINATOR, "/visits", lang=lang)
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}", lang=lang)
    change, saved = LABELS[lang]
    [question] = await bot.press(COORDINATOR, card, change, lang=lang)
    assert "2" in question.plain
    # The coordinator types 2 (what was taken when asked); a third place is taken meanwhile.
    with place_taken_before_the_update(bot, visit.id) as raced:
        replies = await bot.send(COORDINATOR, "2", lang=lang)
    assert raced
    assert [r.plain for r in replies[:1]] == [TAKEN_NOW[lang]]
    # Asked again, with the number taken now; the text was an answer, never a question.
    [again] = replies[1:]
    assert "3" in again.plain
    assert bot.api.buttons(again)
    assert [log.text for log in await rows(bot, QuestionLog)] == []
    [_, *rest] = await bot.send(COORDINATOR, "3", lang=lang)
    assert rest
    assert bot.api.messages(COORDINATOR)[-2].plain == saved
    async with sessions() as session:
        stats = await service.registration_stats(session, visit.id)
    assert (stats.capacity, stats.held) == (3, 3)
    assert [r for r in caplog.records if r.levelno >= 40] == []


async def test_a_failing_visit_step_is_not_also_answered_as_a_question(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # Whatever goes wrong while a typed answer of the visit form is taken, the text was meant
    # for the form: one apology, and no answer to it as a question as well.
    sessions = bot.app.bot_data["services"].sessions
    visit = await open_visit(sessions, NOW, capacity=4)
    [listing] = await bot.send(COORDINATOR, "/visits")
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}")
    await bot.press(COORDINATOR, card, "Change capacity")
    engine = bot.app.bot_data["engine"].sync_engine

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "capacity" in statement and statement.lstrip().upper().startswith("UPDATE"):
            raise RuntimeError("a bug met while saving (on purpose)")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        [apology] = await bot.send(COORDINATOR, "5")
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert apology.plain.startswith("Sorry, something went wrong on my side.")
    assert "a bug met while saving" in caplog.text
    assert await rows(bot, QuestionLog) == []
