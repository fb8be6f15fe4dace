"""Issue #13, points 3 and 4: what a delegate reads and types while registering, en/sk/ja."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.db.models import Draft, Registration
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.bot.visiting import ANSWERS, answer_until, label, open_visit, start

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


WINDOW = {  # the same sentence at registration and in /myvisits
    "en": "You can arrive and leave from 19 May 2027 to 24 May 2027; the visit itself lasts",
    "sk": "Prísť a odísť môžete od 19. mája 2027 do 24. mája 2027; samotná návšteva trvá",
    "ja": "到着日と出発日は2027年5月19日から2027年5月24日までの間でお選びいただけます",
}
OUTSIDE = {"en": ("18 May", "26 May"), "sk": ("18. mája", "26. mája"), "ja": ("5/18", "5月26日")}
AROUND = {"en": ("19 May", "24 May"), "sk": ("19. mája", "24. mája"), "ja": ("5/19", "5月24日")}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_day_either_side_of_the_visit_is_allowed_with_one_message_for_the_rest(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot)
    await start(bot, 304, lang, visit)
    await answer_until(bot, 304, lang, "arrival")
    early, late = OUTSIDE[lang]
    refused, _question = await bot.send(304, early, lang=lang)
    assert refused.plain.startswith(WINDOW[lang])
    arrival, departure = AROUND[lang]
    await bot.send(304, arrival, lang=lang)
    refused, _question = await bot.send(304, late, lang=lang)
    assert refused.plain.startswith(WINDOW[lang])
    await bot.send(304, departure, lang=lang)
    await answer_until(bot, 304, lang, "consent", begin="dietary")
    await bot.press(304, bot.api.last_message(304), label(lang, "I agree"), lang=lang)
    await bot.press(304, bot.api.last_message(304), label(lang, "Confirm"), lang=lang)
    [registration] = await rows(bot, Registration)
    assert (registration.arrival, registration.departure) == (date(2027, 5, 19), date(2027, 5, 24))

    # /myvisits: an arrival after the visit is "outside the dates", in the same words (it
    # used to say that the departure cannot be before the arrival).
    [card] = await bot.send(304, "/myvisits", lang=lang)
    [fields] = await bot.press(304, card, label(lang, "Change"), lang=lang)
    await bot.press(304, fields, label(lang, "Arrival", "field"), lang=lang)
    [refused] = await bot.send(304, late, lang=lang)
    assert refused.plain.startswith(WINDOW[lang])
    [registration] = await rows(bot, Registration)
    assert registration.arrival == date(2027, 5, 19)


async def test_the_window_follows_the_setting(database_url: str, qa: QuestionAnswerer) -> None:
    async with run_bot(database_url, qa, stay_window_days=0) as bot:
        visit = await open_visit(bot)
        await start(bot, 305, "en", visit)
        await answer_until(bot, 305, "en", "arrival")
        refused, _question = await bot.send(305, "19 May", lang="en")
        assert refused.plain.startswith(
            "You can arrive and leave from 20 May 2027 to 23 May 2027; the visit itself lasts"
        )


FIRST_QUESTION = {  # which visit, then the first question
    "en": "Visit: Study visit to Tokorozawa (20–23 May 2027), Tokorozawa\n\nWhat is your full",
    "sk": "Návšteva: Tokorozawa, Študijná návšteva v Tokorozawe (20. – 23. mája 2027)\n\nAko",
    "ja": "訪問：所沢市視察訪問（2027年5月20日～23日）、所沢\n\nお名前",
}
CHOSEN = {  # what a pressed button leaves under its question
    "en": ("Visit: Study visit to Tokorozawa · 20–23 May 2027", "Your choice: "),
    "sk": ("Návšteva: Študijná návšteva v Tokorozawe · 20. – 23. mája 2027", "Vaša voľba: "),
    "ja": ("訪問：所沢市視察訪問 · 2027年5月20日～23日", "選択："),
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_the_first_question_says_which_visit_and_choices_stay_visible(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot)
    [menu] = await bot.send(306, "/register", lang=lang)
    [question] = await start_from_menu(bot, 306, lang, menu, visit.id)
    assert question.plain.startswith(FIRST_QUESTION[lang])
    # The list of visits keeps the one chosen, without its buttons.
    edited = bot.api.find_message(306, menu.message_id)
    assert edited.plain.endswith(CHOSEN[lang][0])
    assert not bot.api.buttons(edited)
    [role] = await answer_until(bot, 306, lang, "role")
    await answer_until(bot, 306, lang, "arrival", begin="role")
    edited = bot.api.find_message(306, role.message_id)
    role_label = label(lang, ANSWERS[lang]["role"][1])
    assert edited.plain.endswith(CHOSEN[lang][1] + role_label)
    assert not bot.api.buttons(edited)

    # The link shows the same before its first question.
    _hello, question = await bot.send(307, f"/start visit_{visit.id}", lang=lang)
    assert question.plain.startswith(FIRST_QUESTION[lang])


async def start_from_menu(bot: Harness, user: int, lang: str, menu: Any, visit_id: int) -> Any:
    """Presses the visit's button in the /register menu; the bot's new messages."""
    before = len(bot.api.messages(user))
    data = f"r:visit:{visit_id}"
    await bot.feed(bot.api.callback_update(user, menu.message_id, data, language_code=lang))
    return bot.api.messages(user)[before:]
