"""Coordinators' dates: two-digit years, the longest visit, the furthest start (review I-6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.db.models import Draft, Visit
from bot.kb.answer import QuestionAnswerer
from bot.visits.rules import latest_start
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.visits.factory import open_visit

COORDINATOR = 42
CHANGE_DATES = {"en": "Change dates", "sk": "Zmeniť termín", "ja": "日程を変更"}
NOT_BEFORE = {  # NOW is 29 November 2026
    "en": "The date must not be before 29 November 2026.",
    "sk": "Dátum nesmie byť skôr ako 29. novembra 2026.",
    "ja": "2026年11月29日より前の日付は指定できません。",
}
TOO_FAR = {
    "en": "A visit can start at most 5 years from today. Please check the year.",
    "sk": "Návšteva sa môže začať najneskôr o 5 rokov odo dneška. Skontrolujte, prosím, rok.",
    "ja": "訪問の開始日は本日から5年以内にしてください。年をご確認ください。",
}
TOO_LONG = {
    "en": "A visit can last at most 60 days. Please check the last day.",
    "sk": "Návšteva môže trvať najviac 60 dní. Skontrolujte, prosím, posledný deň.",
    "ja": "訪問の期間は最長60日です。最終日をご確認ください。",
}
NO_VISIT = {"en": "There is no visit #999.", "sk": "Návšteva #999 neexistuje."}


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        yield harness


async def refused(bot: Harness, text: str, lang: str) -> str:
    """Types text at a date step; returns the error, checking the question is asked again."""
    error, again = await bot.send(COORDINATOR, text, lang=lang)
    assert bot.api.buttons(again)  # the step's question with its Cancel button
    return error.plain


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_far_and_long_dates_are_refused_with_a_reason(bot: Harness, lang: str) -> None:
    visit = await open_visit(bot.app.bot_data["services"].sessions, NOW)
    [listing] = await bot.send(COORDINATOR, "/visits", lang=lang)
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}", lang=lang)
    await bot.press(COORDINATOR, card, CHANGE_DATES[lang], lang=lang)
    # "99" is 1999, the two-digit year nearest this one: in the past, never 2099.
    assert await refused(bot, "20.5.99", lang) == NOT_BEFORE[lang]
    assert await refused(bot, "20.5.2099", lang) == TOO_FAR[lang]
    assert await refused(bot, "30.11.2031", lang) == TOO_FAR[lang]
    [ask_end] = await bot.send(COORDINATOR, "20.5.27", lang=lang)  # 2027
    assert bot.api.buttons(ask_end)
    [draft] = await rows(bot, Draft)
    assert (draft.step, draft.data["start_date"]) == ("new_end", "2027-05-20")
    assert await refused(bot, "20.5.2200", lang) == TOO_LONG[lang]
    assert await refused(bot, "19.7.2027", lang) == TOO_LONG[lang]  # the 61st day
    await bot.send(COORDINATOR, "18.7.2027", lang=lang)  # the 60th
    [stored] = await rows(bot, Visit)
    assert (stored.start_date, stored.end_date) == (date(2027, 5, 20), date(2027, 7, 18))
    assert await rows(bot, Draft) == []


def test_five_years_ahead_to_the_day_is_the_last_start() -> None:
    assert latest_start(date(2026, 11, 29)) == date(2031, 11, 29)
    assert latest_start(date(2028, 2, 29)) == date(2033, 2, 28)


@pytest.mark.parametrize("lang", ["en", "sk"])
async def test_changing_a_visit_that_does_not_exist_says_so(bot: Harness, lang: str) -> None:
    # It said "This visit is over", which is not true of a visit that never was.
    [menu] = await bot.send(COORDINATOR, "/visits", lang=lang)
    for action in ("cap", "dates"):
        press = bot.api.callback_update(
            COORDINATOR, menu.message_id, f"cv:{action}:999", language_code=lang
        )
        await bot.feed(press)
        assert bot.api.callback_answers[-1]["text"] == NO_VISIT[lang]
    assert await rows(bot, Draft) == []
