"""Issue #13, points 3 and 4: what a delegate reads and types while registering, en/sk/ja."""

from __future__ import annotations

from datetime import date

import pytest

from bot.db.models import Draft
from tests.bot.harness import Harness, rows
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
