"""/register and /start visit_<id> in three languages: every step, bad input, back and cancel."""

from __future__ import annotations

from datetime import date

import pytest

from bot.db.models import Draft, Registration
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.bot.visiting import (
    ANSWERS,
    QUESTION,
    STEPS,
    answer_until,
    give,
    label,
    open_visit,
    register,
    start,
)
from tests.visits.factory import TITLES
from tests.visits.test_ics import parse_ics

COORDINATOR = 42
CONFIRMED = {
    "en": "Your place is confirmed.",
    "sk": "Vaše miesto je potvrdené.",
    "ja": "参加が確定しました。",
}
VISIT_LINE = {  # before the first question: which visit it is for
    "en": "Visit: Study visit to Tokorozawa (20–23 May 2027), Tokorozawa\n\nWhat is your full",
    "sk": "Návšteva: Tokorozawa, Študijná návšteva v Tokorozawe (20. – 23. mája 2027)\n\nAko",
    "ja": "訪問：所沢市視察訪問（2027年5月20日～23日）、所沢\n\nお名前",
}
STORED = {
    "en": ("Jane Doe", "delegate", None, "Step-free access", "jane@example.com"),
    "sk": ("Ján Novák", "expert", "vegetariánska strava", None, None),
    "ja": ("山田 花子", "interpreter", None, "車椅子", "hanako@example.jp"),
}


CONTROLLER = {
    "en": "Who is responsible for your data: the City of Bratislava, through its Department "
    "of Strategy and Projects",
    "sk": "Kto zodpovedá za vaše údaje: hlavné mesto SR Bratislava prostredníctvom Oddelenia "
    "stratégie a projektov",
    "ja": "個人情報の管理責任者：ブラチスラバ市（IUCパートナーシップを調整する"
    "戦略・プロジェクト部）",
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_whole_registration_in_each_language(bot: Harness, lang: str) -> None:
    visit = await open_visit(bot)
    [menu] = await bot.send(7, "/register", lang=lang)
    assert next(t for t, _ in bot.api.buttons(menu)).startswith(TITLES[lang])
    [question] = await bot.press(7, menu, TITLES[lang][:12], lang=lang)
    assert question.plain.startswith(VISIT_LINE[lang])
    assert QUESTION["full_name"][lang] in question.plain
    for step, following in zip(STEPS, [*STEPS[1:], "consent"], strict=True):
        [question] = await give(bot, 7, lang, ANSWERS[lang][step])
        assert question.plain.startswith(QUESTION[following][lang]), step
        [draft] = await rows(bot, Draft)
        assert draft.step == following  # saved after every step
    assert "/mydata" in question.plain
    assert "/forget_me" in question.plain
    assert "90" in question.plain  # PURGE_AFTER_DAYS
    assert CONTROLLER[lang] in question.plain  # who is responsible for the data
    [summary] = await bot.press(7, question, label(lang, "I agree"), lang=lang)
    assert summary.plain.startswith(QUESTION["confirm"][lang])
    role = label(lang, ANSWERS[lang]["role"][1])
    for value in (ANSWERS[lang]["organisation"][1], TITLES[lang], role):
        assert value in summary.plain
    done, calendar = await bot.press(7, summary, label(lang, "Confirm"), lang=lang)
    assert CONFIRMED[lang] in done.plain
    assert calendar.filename == f"visit-{visit.id}.ics"
    event = parse_ics(calendar.content)["components"][0]["components"][0]
    assert event["DTSTART"] == ("20270520", ["VALUE=DATE"])
    assert event["DTEND"] == (
        "20270523",
        ["VALUE=DATE"],
    )  # exclusive: the departure on the 22nd is included
    [registration] = await rows(bot, Registration)
    stored = registration.full_name, registration.role, registration.dietary
    assert (*stored, registration.accessibility, registration.email) == STORED[lang]
    assert (registration.status, registration.lang) == ("confirmed", lang)
    assert (registration.arrival, registration.departure) == (date(2027, 5, 20), date(2027, 5, 22))
    assert await rows(bot, Draft) == []


BAD = [
    ("full_name", " \n ", "This answer is empty."),
    ("city", "\u200b\u200d\ufeff", "This answer is empty."),
    ("full_name", "Ján " * 125, "at most 200 characters"),
    ("organisation", "\u202eevil", "invisible control characters"),
    ("role", "delegate", "Please answer with the buttons below."),
    ("arrival", "yesterday", "I could not read this date. Please write it like 20 May 2027."),
    ("arrival", "31.2.2027", "I could not read this date."),
    ("arrival", "18.5.2027", "from 19 May 2027 to 24 May 2027; the visit itself lasts 20–23"),
    ("departure", "25 May 2027", "from 19 May 2027 to 24 May 2027; the visit itself lasts 20"),
    ("departure", "5/19/2027", "I could not read this date."),
    ("email", "jane@", "does not look like an e-mail address"),
    ("email", "x" * 250 + "@example.com", "too long"),
    ("accessibility", "x" * 501, "at most 500 characters"),
]


@pytest.mark.parametrize(
    ("step", "bad", "why"), BAD, ids=[f"{step}: {why[:24]}" for step, _, why in BAD]
)
async def test_bad_input_is_refused_and_the_step_asked_again(
    bot: Harness, step: str, bad: str, why: str
) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    await answer_until(bot, 7, "en", step)
    refusal, again = await bot.send(7, bad)
    assert why in refusal.plain
    assert QUESTION[step]["en"] in again.plain  # the first one under which visit it is for
    [draft] = await rows(bot, Draft)
    assert draft.step == step


async def test_departure_before_arrival_is_refused(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "sk", visit)
    await answer_until(bot, 7, "sk", "departure", arrival=("text", "22.5.2027"))
    refusal, again = await bot.send(7, "21. mája", lang="sk")
    assert refusal.plain == "Odchod nemôže byť skôr ako príchod. Napíšte, prosím, iný deň."
    assert "Prichádzate 22. mája 2027" in again.plain


@pytest.mark.parametrize(
    "typed",
    ["20.5.2027", "2027年5月20日", "20. mája", "20/05/27", "May 20", "２０２７年５月２０日"],
)
async def test_dates_are_read_in_the_forms_people_type(bot: Harness, typed: str) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    await answer_until(bot, 7, "en", "arrival")
    [question] = await bot.send(7, typed)
    assert question.plain.startswith(QUESTION["departure"]["en"])
    [draft] = await rows(bot, Draft)
    assert draft.data["arrival"] == "2027-05-20"


async def test_emoji_and_html_in_answers_are_shown_escaped(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    name = "🤝 <b>Jane</b> & Co. 🇸🇰"
    await answer_until(bot, 7, "en", "consent", full_name=("text", name))
    [summary] = await bot.press(7, bot.api.last_message(7), "I agree")
    assert name in summary.plain
    assert "&lt;b&gt;Jane&lt;/b&gt; &amp; Co." in summary.text
    await bot.press(7, summary, "Confirm")
    [registration] = await rows(bot, Registration)
    assert registration.full_name == name


async def test_back_returns_one_step_and_keeps_the_answer(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    await answer_until(bot, 7, "en", "city")
    [question] = await bot.press(7, bot.api.last_message(7), "Back")
    assert question.plain.startswith(QUESTION["organisation"]["en"])
    assert "Your answer so far: City of Bratislava" in question.plain
    [question] = await bot.send(7, "Bratislava Self-Governing Region")
    assert question.plain.startswith(QUESTION["city"]["en"])
    # The Back button of an earlier question does nothing any more.
    before = len(bot.api.messages(7))
    first = next(m for m in bot.api.messages(7) if m.plain.startswith("Which organisation"))
    await bot.press(7, first, "Back")
    assert len(bot.api.messages(7)) == before
    assert bot.api.callback_answers[-1]["text"] == "This button belongs to an earlier question."
    [question] = await bot.send(7, "Bratislava")
    assert question.plain.startswith(QUESTION["role"]["en"])
    [draft] = await rows(bot, Draft)
    assert draft.data["organisation"] == "Bratislava Self-Governing Region"


async def test_change_something_in_the_summary(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "ja", visit)
    await answer_until(bot, 7, "ja", "consent")
    [summary] = await bot.press(7, bot.api.last_message(7), label("ja", "I agree"), lang="ja")
    [fields] = await bot.press(7, summary, label("ja", "Change something"), lang="ja")
    [question] = await bot.press(7, fields, label("ja", "Dates", "field"), lang="ja")
    assert question.plain.startswith(QUESTION["arrival"]["ja"])
    await bot.send(7, "5月21日", lang="ja")
    [summary] = await bot.send(7, "5月23日", lang="ja")
    assert "2027年5月21日" in summary.plain
    assert "2027年5月23日" in summary.plain
    await bot.press(7, summary, label("ja", "Confirm"), lang="ja")
    [registration] = await rows(bot, Registration)
    assert (registration.arrival, registration.departure) == (date(2027, 5, 21), date(2027, 5, 23))


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Cancelled. Nothing"),
        ("sk", "Zrušené. Nič z toho"),
        ("ja", "キャンセルしました。途中"),
    ],
)
async def test_cancel_midway_deletes_the_draft(bot: Harness, lang: str, text: str) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, lang, visit)
    await answer_until(bot, 7, lang, "arrival")
    [reply] = await bot.send(7, "/cancel", lang=lang)
    assert reply.plain.startswith(text)
    assert await rows(bot, Draft) == []
    # What the user types next is a question again, not an arrival date.
    [answer] = await bot.send(7, "When was the partnership agreement signed?", lang=lang)
    assert "2018" in answer.plain


async def test_cancel_instead_of_consent_deletes_the_draft(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "sk", visit)
    [consent] = await answer_until(bot, 7, "sk", "consent")
    [reply] = await bot.press(7, consent, label("sk", "Cancel"), lang="sk")
    assert reply.plain == "Registrácia je zrušená. Nič sa neuložilo."
    assert bot.api.buttons(consent) == []
    assert await rows(bot, Draft) == []
    assert await rows(bot, Registration) == []


async def test_register_again_continues_where_the_user_left_off(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "sk", visit)
    await answer_until(bot, 7, "sk", "role")
    hello, question = await bot.send(7, "/register", lang="sk")
    assert hello.plain == "Pokračujme tam, kde ste prestali."
    assert question.plain.startswith(QUESTION["role"]["sk"])


async def test_deep_link_starts_the_registration_for_its_visit(bot: Harness) -> None:
    visit = await open_visit(bot)
    hello, question = await bot.send(7, f"/start visit_{visit.id}", lang="ja", first_name="Ann")
    assert hello.plain == "Annさん、こんにちは！"
    assert question.plain.startswith(VISIT_LINE["ja"])  # which visit the link was for
    [draft] = await rows(bot, Draft)
    assert draft.data == {"visit_id": visit.id}


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("closed", "Registrácia na túto návštevu je uzavretá."),
        ("past", "Táto návšteva sa už uskutočnila."),
    ],
)
async def test_deep_link_to_a_visit_not_open_says_so(bot: Harness, status: str, text: str) -> None:
    visit = await open_visit(bot)
    async with bot.app.bot_data["services"].sessions.begin() as session:
        await service.set_visit_status(session, visit.id, status, NOW)
    [_, reply] = await bot.send(7, f"/start visit_{visit.id}", lang="sk")
    assert reply.plain.endswith(text)
    assert TITLES["sk"] in reply.plain
    assert await rows(bot, Draft) == []


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_deep_link_to_a_draft_visit_is_answered_as_if_it_did_not_exist(
    database_url: str, qa: QuestionAnswerer, lang: str
) -> None:
    # Review L-2: visit ids are sequential, and the link showed an unpublished visit's title
    # and dates to anyone who tried the next number.
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as bot:
        visit = await open_visit(bot)
        async with bot.app.bot_data["services"].sessions.begin() as session:
            await service.set_visit_status(session, visit.id, "draft", NOW)
        [draft] = await bot.send(7, f"/start visit_{visit.id}", lang=lang, first_name="Ann")
        [missing] = await bot.send(8, "/start visit_999", lang=lang, first_name="Ann")
        assert (draft.plain, draft.entities) == (missing.plain, missing.entities)
        assert TITLES[lang] not in draft.plain
        assert "2027" not in draft.plain
        # Its coordinator can try the link before sharing it.
        [_, reply] = await bot.send(COORDINATOR, f"/start visit_{visit.id}", lang="sk")
        assert reply.plain.endswith("Registrácia na túto návštevu sa ešte nezačala.")
        assert TITLES["sk"] in reply.plain
        assert await rows(bot, Draft) == []


async def test_no_open_visit_is_said_plainly(bot: Harness) -> None:
    [reply] = await bot.send(7, "/register", lang="en")
    assert reply.plain.startswith("No visit is open for registration right now.")
    assert bot.api.buttons(reply) == []


async def test_a_full_visit_puts_the_person_on_the_waiting_list(bot: Harness) -> None:
    visit = await open_visit(bot, capacity=1)
    await register(bot, 7, "en", visit)
    [reply] = await register(bot, 8, "sk", visit)
    assert "na čakacej listine" in reply.plain
    assert [r.status for r in await rows(bot, Registration)] == ["confirmed", "waitlisted"]


async def test_registering_twice_for_a_visit_is_refused(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "en", visit)
    # A second tap on Confirm (or the same tap reaching a second process) registers nobody.
    summary = next(m for m in bot.api.messages(7) if m.plain.startswith("Please check"))
    await bot.feed(bot.api.callback_update(7, summary.message_id, "r:confirm:yes"))
    assert bot.api.callback_answers[-1]["text"].startswith("This registration is no longer")
    assert len(await rows(bot, Registration)) == 1
    [menu] = await bot.send(7, "/register")
    [reply] = await bot.press(7, menu, TITLES["en"][:12])
    assert reply.plain.startswith("You are already registered for this visit.")


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_text_or_forged_data_at_the_choice_of_visit_asks_for_a_button(
    bot: Harness, lang: str
) -> None:
    # Found by the random-updates test: after "Back" to the choice of visit, typed text was
    # taken for a visit id.
    first, second = await open_visit(bot), await open_visit(bot, capacity=1)
    [question] = await start(bot, 7, lang, first)
    [menu] = await bot.press(7, question, label(lang, "Back"), lang=lang)
    [draft] = await rows(bot, Draft)
    assert draft.step == "visit"
    for typed in ("協定はいつ署名されましたか", "12", "hello"):
        refusal, again = await bot.send(7, typed, lang=lang)
        assert refusal.plain == Translator(lang).gettext("Please answer with the buttons below.")
        assert bot.api.buttons(again) == bot.api.buttons(menu)
    for forged in ("r:visit:abc", "r:visit:99999999999999999999"):
        await bot.feed(bot.api.callback_update(7, menu.message_id, forged, language_code=lang))
    # Nothing was lost: the other visit's button starts the registration for it.
    [data] = [d for _, d in bot.api.buttons(menu) if d == f"r:visit:{second.id}"]
    await bot.feed(bot.api.callback_update(7, menu.message_id, data, language_code=lang))
    assert QUESTION["full_name"][lang] in bot.api.last_message(7).plain
    [draft] = await rows(bot, Draft)
    assert (draft.step, draft.data["visit_id"]) == ("full_name", second.id)
