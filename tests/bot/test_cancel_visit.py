"""A coordinator cancels a visit (#13 point 4): registrants told in their language, places
released, and a calendar file that cancels the event."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.db.models import Registration
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.visits.factory import open_visit, register
from tests.visits.test_ics import parse_ics

COORDINATOR = 42
EN, SK, JA = 501, 502, 503
BUTTONS = {  # "Cancel visit", then "Yes, cancel the visit"
    "en": ("Cancel visit", "Yes, cancel the visit"),
    "sk": ("Zrušiť návštevu", "Áno, zrušiť návštevu"),
    "ja": ("訪問を中止", "はい、中止します"),
}
TOLD = {
    EN: "We are sorry: “Study visit to Tokorozawa” in Tokorozawa (20–23 May 2027) has been",
    SK: "Je nám ľúto, návšteva „Študijná návšteva v Tokorozawe“ v meste Tokorozawa (20. – 23.",
    JA: "申し訳ございません。所沢で予定されていた「所沢市視察訪問」（2027年5月20日～23日）は中止",
}


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        yield harness


def sessions(bot: Harness):
    """The bot's own session factory."""
    return bot.app.bot_data["services"].sessions


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_cancelled_visit_tells_and_releases_everyone(bot: Harness, lang: str) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=2)
    await register(sessions(bot), visit.id, EN, NOW, lang="en")
    await register(sessions(bot), visit.id, SK, NOW, lang="sk")
    await register(sessions(bot), visit.id, JA, NOW, lang="ja")  # on the waiting list
    [listing] = await bot.send(COORDINATOR, "/visits", lang=lang)
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}", lang=lang)
    cancel, yes = BUTTONS[lang]
    [question] = await bot.press(COORDINATOR, card, cancel, lang=lang)
    done, new_card = await bot.press(COORDINATOR, question, yes, lang=lang)
    assert "3" in done.plain
    assert cancel not in [text for text, _ in bot.api.buttons(new_card)]

    for person in (EN, SK, JA):
        notice, *files = bot.api.messages(person)
        assert notice.plain.startswith(TOLD[person])
        if person == JA:
            assert files == []  # waiting, never held a place: no calendar entry to remove
            continue
        [calendar] = files
        [vcalendar] = parse_ics(calendar.content)["components"]
        [event] = vcalendar["components"]
        assert vcalendar["METHOD"][0] == "CANCEL"
        assert event["STATUS"][0] == "CANCELLED"
        # The event the confirmation's file added: its UID and days.
        [mine] = [r for r in await rows(bot, Registration) if r.telegram_id == person]
        assert event["UID"][0] == f"registration-{mine.id}@iuc-bot"
        assert event["DTSTART"][0] == "20270520"
    stored = {r.telegram_id: r.status for r in await rows(bot, Registration)}
    assert stored == {EN: "withdrawn", SK: "withdrawn", JA: "withdrawn"}
    async with sessions(bot)() as session:
        again = await service.get_visit(session, visit.id)
    assert (again.status, again.held) == ("cancelled", 0)

    # A second tap of the old button tells nobody twice; the link says it is cancelled.
    data = f"cv:dropyes:{visit.id}"
    await bot.feed(bot.api.callback_update(COORDINATOR, question.message_id, data))
    assert [len(bot.api.messages(p)) for p in (EN, SK, JA)] == [2, 2, 1]
    _hello, refusal = await bot.send(600, f"/start visit_{visit.id}", lang="en")
    assert "This visit has been cancelled." in refusal.plain


async def test_stale_buttons_of_a_cancelled_visit_change_nothing(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW)
    [listing] = await bot.send(COORDINATOR, "/visits")
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}")
    [question] = await bot.press(COORDINATOR, card, "Cancel visit")
    await bot.press(COORDINATOR, question, "Yes, cancel the visit")
    for action in ("open", "close", "dates", "title"):
        data = f"cv:{action}:{visit.id}"
        await bot.feed(bot.api.callback_update(COORDINATOR, card.message_id, data))
    async with sessions(bot)() as session:
        again = await service.get_visit(session, visit.id)
    assert again.status == "cancelled"
    # Not even the daily marking of past visits turns it into a past one.
    async with sessions(bot).begin() as session:
        await service.mark_past(session, again.end_date.replace(year=again.end_date.year + 1))
    async with sessions(bot)() as session:
        assert (await service.get_visit(session, visit.id)).status == "cancelled"
