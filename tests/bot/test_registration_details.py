"""Issue #13, points 3 and 4: what a delegate reads and types while registering, en/sk/ja."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.db.models import Draft
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows
from tests.bot.visiting import answer_until, open_visit, start

# Japanese writes a day month first ("5/21") or in kanji ("5月22日"); the visit gives the year.
TYPED_DATES = {
    "en": ("21 May", "22/5"),
    "sk": ("21. 5.", "22. mája"),
    "ja": ("5/21", "5月22日"),
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_dates_without_a_year_take_the_visits_year(bot: Harness, lang: str) -> None:
    visit = await open_visit(bot)
    await start(bot, 301, lang, visit)
    arrival, departure = TYPED_DATES[lang]
    await answer_until(
        bot,
        301,
        lang,
        "dietary",
        arrival=("text", arrival),
        departure=("text", departure),
    )
    [draft] = await rows(bot, Draft)
    assert draft.step == "dietary"
    assert (draft.data["arrival"], draft.data["departure"]) == (
        date(2027, 5, 21).isoformat(),
        date(2027, 5, 22).isoformat(),
    )


DEADLINE_PASSED = {
    "en": "The registration deadline for this visit (1 May 2027) has passed.",
    "sk": "Termín registrácie na túto návštevu (1. mája 2027) už uplynul.",
    "ja": "この訪問の登録締切（2027年5月1日）は過ぎました。",
}
CLOSED = {
    "en": "Registration for this visit is closed.",
    "sk": "Registrácia na túto návštevu je uzavretá.",
    "ja": "この訪問の登録受付は終了しました。",
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_registration_that_closes_midway_is_told_at_the_next_step(
    bot: Harness, lang: str
) -> None:
    services = bot.app.bot_data["services"]
    deadline_visit = await open_visit(bot)  # registration until 1 May 2027, host time
    closed_visit = await open_visit(bot)
    await start(bot, 302, lang, deadline_visit)
    await start(bot, 303, lang, closed_visit)
    await answer_until(bot, 302, lang, "organisation")
    await answer_until(bot, 303, lang, "organisation")
    # The deadline passes while 302 is typing; the coordinators close 303's visit.
    services.clock = lambda: datetime(2027, 5, 2, 0, 0, tzinfo=UTC)  # 2 May in Tokyo
    async with services.sessions.begin() as session:
        await service.set_visit_status(session, closed_visit.id, "closed", NOW)
    [told] = await answer_until(bot, 302, lang, "city", begin="organisation")
    assert told.plain == DEADLINE_PASSED[lang]
    [told] = await answer_until(bot, 303, lang, "city", begin="organisation")
    assert told.plain == CLOSED[lang]
    assert await rows(bot, Draft) == []  # nothing half-saved stays behind
