"""Coordinators' /visits, /registrations and /export through the real Application."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select

from bot.db.models import Draft, Visit
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.test_catalogs import TZ_ID
from tests.visits.factory import open_visit, register

COORDINATOR = 42
SK, JA = 501, 502
REFUSAL = {
    "en": "Sorry, only the programme coordinators can do this.",
    "sk": "Prepáčte, toto môžu robiť len koordinátori programu.",
    "ja": "申し訳ありませんが、この操作はプログラムのコーディネーターのみが行えます。",
}


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        yield harness


def sessions(bot: Harness):
    """The bot's own session factory."""
    return bot.app.bot_data["services"].sessions


async def visits_stored(bot: Harness) -> list[Visit]:
    """Every visit row."""
    async with sessions(bot)() as session:
        return list(await session.scalars(select(Visit).order_by(Visit.id)))


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_others_are_refused_politely(bot: Harness, lang: str) -> None:
    visit = await open_visit(sessions(bot), NOW)
    for command in ("/visits", f"/registrations {visit.id}", f"/export {visit.id}"):
        [reply] = await bot.send(7, command, lang=lang)
        assert reply.plain == REFUSAL[lang]
        assert not reply.is_document
    # A forged button press changes nothing either.
    [menu] = await bot.send(7, "/language", lang=lang)
    forged = f"cv:close:{visit.id}"
    await bot.feed(bot.api.callback_update(7, menu.message_id, forged, language_code=lang))
    assert bot.api.callback_answers[-1]["text"] == REFUSAL[lang]
    [stored] = await visits_stored(bot)
    assert stored.status == "open"


LABELS = {
    "en": {"city": "Tokorozawa", "press": "Press", "done": "Done", "create": "Create"},
    "sk": {"city": "Tokorozawa", "press": "Médiá", "done": "Hotovo", "create": "Vytvoriť"},
    "ja": {"city": "所沢", "press": "報道関係者", "done": "完了", "create": "作成"},
}
OPEN = {"en": "Open for registration", "sk": "Otvoriť registráciu", "ja": "受付を開始"}
BAD_DATE = {
    "en": "I could not read that date",
    "sk": "Tomuto dátumu nerozumiem",
    "ja": "その日付を読み取れませんでした",
}
BAD_NUMBER = {
    "en": "Please send a whole number from 1 to 10000.",
    "sk": "Pošlite, prosím, celé číslo od 1 do 10000.",
    "ja": "1から10000までの整数を入力してください。",
}
LATE_DEADLINE = {
    "en": "The last day to register must not be after 20 May 2027.",
    "sk": "Posledný deň registrácie nesmie byť neskôr ako 20. mája 2027.",
    "ja": "登録の締切日を2027年5月20日より後にすることはできません。",
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_visit_is_created_step_by_step_and_opened(bot: Harness, lang: str) -> None:
    label = LABELS[lang]
    [listing] = await bot.send(COORDINATOR, "/visits", lang=lang)
    [step] = await bot.press(COORDINATOR, listing, "➕", lang=lang)
    assert "1/10" in step.plain or "1 of 10" in step.plain or "1 z 10" in step.plain
    for answer in ("Study visit <b>Tokorozawa</b>", "Študijná návšteva", "所沢市視察訪問"):
        [step] = await bot.send(COORDINATOR, answer, lang=lang)
    # Typing where a button is wanted asks again with the buttons.
    error, step = await bot.send(COORDINATOR, "Tokyo", lang=lang)
    assert [t for t, _ in bot.api.buttons(step)][:2] == [
        "Bratislava" if lang != "ja" else "ブラチスラバ",
        label["city"],
    ]
    await bot.press(COORDINATOR, step, label["city"], lang=lang)
    await bot.send(COORDINATOR, "City Hall & Annex", lang=lang)
    for bad in ("31.2.2027", "1.1.2020"):
        error, _ = await bot.send(COORDINATOR, bad, lang=lang)
    assert error.plain  # the past date: its own message
    error, _ = await bot.send(COORDINATOR, "someday", lang=lang)
    assert BAD_DATE[lang] in error.plain
    await bot.send(
        COORDINATOR,
        {"en": "20 May 2027", "sk": "20. mája 2027", "ja": "2027年5月20日"}[lang],
        lang=lang,
    )
    error, _ = await bot.send(COORDINATOR, "19.5.2027", lang=lang)  # before the first day
    await bot.send(COORDINATOR, "23.5.", lang=lang)
    for bad in ("ten", "0", "-3", "10001"):
        error, _ = await bot.send(COORDINATOR, bad, lang=lang)
        assert error.plain == BAD_NUMBER[lang]
    await bot.send(
        COORDINATOR, "１０", lang=lang
    )  # full-width digits, as a Japanese keyboard types
    # The deadline may be the first day at the latest, not a day the visit is under way.
    error, _ = await bot.send(COORDINATOR, "21.5.2027", lang=lang)
    assert LATE_DEADLINE[lang] in error.plain
    [roles] = await bot.send(COORDINATOR, "1.5.2027", lang=lang)
    await bot.press(COORDINATOR, roles, label["press"], lang=lang)  # switched off
    [summary] = await bot.press(
        COORDINATOR, bot.api.messages(COORDINATOR)[-1], label["done"], lang=lang
    )
    assert "Study visit <b>Tokorozawa</b>" in summary.plain  # typed HTML shown as text
    assert "City Hall & Annex" in summary.plain
    created, card = await bot.press(COORDINATOR, summary, label["create"], lang=lang)
    assert "#1" in created.plain

    [visit] = await visits_stored(bot)
    assert visit.status == "draft"
    assert visit.titles == {
        "en": "Study visit <b>Tokorozawa</b>",
        "sk": "Študijná návšteva",
        "ja": "所沢市視察訪問",
    }
    assert (visit.host_city, visit.timezone, visit.venue) == (
        "tokorozawa",
        "Asia/Tokyo",
        "City Hall & Annex",
    )
    assert (visit.start_date, visit.end_date) == (date(2027, 5, 20), date(2027, 5, 23))
    assert (visit.capacity, visit.registration_deadline) == (10, date(2027, 5, 1))
    assert visit.roles == ["delegate", "expert", "interpreter", "other"]

    [opened] = await bot.press(COORDINATOR, card, OPEN[lang], lang=lang)
    assert "https://t.me/iuc_test_bot?start=visit_1" in opened.plain
    [visit] = await visits_stored(bot)
    assert visit.status == "open"
    async with sessions(bot)() as session:
        assert (await session.scalars(select(Draft))).all() == []


async def test_a_restart_mid_creation_continues_and_cancel_forgets(
    database_url: str, qa: QuestionAnswerer
) -> None:
    coordinators = frozenset({COORDINATOR})
    async with run_bot(database_url, qa, coordinator_ids=coordinators) as bot:
        [listing] = await bot.send(COORDINATOR, "/visits")
        await bot.press(COORDINATOR, listing, "➕")
        await bot.send(COORDINATOR, "Study visit")
    async with run_bot(database_url, qa, coordinator_ids=coordinators) as bot:
        [step] = await bot.send(COORDINATOR, "Študijná návšteva")
        assert "Japanese" in step.plain
        [cancelled] = await bot.send(COORDINATOR, "/cancel")
        assert cancelled.plain == "Cancelled: the visit was not changed."
        # The next text is a question again.
        [answer] = await bot.send(COORDINATOR, "When was the partnership agreement signed?")
        assert "15 October 2018" in answer.plain
    assert await visits_stored(bot) == []


SEED = {
    "en": ("business meeting in Bratislava", "15–17 October 2018", "past"),
    "sk": ("pracovné stretnutie v Bratislave", "15. – 17. októbra 2018", "ukončené"),
    "ja": ("ブラチスラバでの実務者会議", "2018年10月15日～17日", "終了"),
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_visits_lists_stored_ones_and_the_seed_meetings_as_past(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(sessions(bot), NOW)
    [listing] = await bot.send(COORDINATOR, "/visits", lang=lang)
    name, period, past = SEED[lang]
    assert f"{name} — {period}" in listing.plain
    assert f"— {past}" in listing.plain
    assert "2019" in listing.plain.split(name)[1]  # the Tokorozawa meeting follows
    assert f"#{visit.id}" in listing.plain
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}", lang=lang)
    assert f"start=visit_{visit.id}" in card.plain


CHANGED = {  # the new days only: a visit has no set hour, so no time and no zone
    "sk": "Nový termín: 10. – 12. júna 2027.",
    "ja": "2027年6月10日～12日",
}


async def test_changed_dates_reach_each_registrant_in_their_language(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW)
    await register(sessions(bot), visit.id, SK, NOW, lang="sk", arrival=date(2027, 5, 20))
    await register(sessions(bot), visit.id, JA, NOW, lang="ja")
    [listing] = await bot.send(COORDINATOR, "/visits")
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}")
    await bot.press(COORDINATOR, card, "Change dates")
    error, _ = await bot.send(COORDINATOR, "1.1.2020")
    assert "must not be before" in error.plain
    await bot.send(COORDINATOR, "10.6.2027")
    saved, _card = await bot.send(COORDINATOR, "12.6.2027")
    assert "2 registrants were told in their language." in saved.plain
    for person, lang in ((SK, "sk"), (JA, "ja")):
        [notice] = bot.api.messages(person)
        assert CHANGED[lang] in notice.plain
        assert not TZ_ID.search(notice.plain)
        assert ":00" not in notice.plain
        assert "/myvisits" in notice.plain  # their stay now lies outside the visit
    [stored] = await visits_stored(bot)
    assert (stored.start_date, stored.end_date, stored.date_revision) == (
        date(2027, 6, 10),
        date(2027, 6, 12),
        1,
    )


COUNTS = {
    "en": [
        "2 confirmed registrations",
        "1 person on the waiting list",
        "Bratislava: 1 person",
        "vegetarian: 2 people",
        "Delegates: 2 people",
    ],
    "sk": [
        "2 potvrdené registrácie",
        "1 osoba na čakacej listine",
        "Bratislava: 1 osoba",
        "vegetarian: 2 osoby",
        "Členovia delegácie: 2 osoby",
    ],
    "ja": [
        "確定済みの登録：2件",
        "キャンセル待ち：1名",
        "Bratislava：1名",
        "vegetarian：2名",
        "代表団員：2名",
    ],
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_registrations_are_counted(bot: Harness, lang: str) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=2)
    for person, city in ((1, "Bratislava"), (2, "所沢"), (3, "Wien")):
        await register(sessions(bot), visit.id, person, NOW, city=city, dietary="vegetarian")
    [stats] = await bot.send(COORDINATOR, f"/registrations {visit.id}", lang=lang)
    for part in COUNTS[lang]:
        assert part in stats.plain
    # Without a number: buttons, one per visit.
    [pick] = await bot.send(COORDINATOR, "/registrations", lang=lang)
    [again] = await bot.press(COORDINATOR, pick, f"#{visit.id}", lang=lang)
    assert again.plain == stats.plain
    [missing, _pick] = await bot.send(COORDINATOR, "/registrations 99", lang=lang)
    assert "#99" in missing.plain


PEOPLE = {
    "en": [
        "Registered people:",
        "• Ľudovít <Štúr> (City of Bratislava) – Confirmed",
        "• Person 3 (Wien & Co) – On the waiting list",
    ],
    "sk": [
        "Prihlásení ľudia:",
        "• Ľudovít <Štúr> (City of Bratislava) – Potvrdená",
        "• Person 3 (Wien & Co) – Na čakacej listine",
    ],
    "ja": [
        "登録者一覧：",
        "• Ľudovít <Štúr>（City of Bratislava） – 確定",
        "• Person 3（Wien & Co） – キャンセル待ち",
    ],
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_registrations_list_the_people(bot: Harness, lang: str) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=2)
    await register(sessions(bot), visit.id, 1, NOW, full_name="Ľudovít <Štúr>")
    await register(sessions(bot), visit.id, 2, NOW, organisation="所沢市役所")
    await register(sessions(bot), visit.id, 3, NOW, organisation="Wien & Co")
    [stats] = await bot.send(COORDINATOR, f"/registrations {visit.id}", lang=lang)
    for line in PEOPLE[lang]:
        assert line in stats.plain  # names typed as HTML shown as text
    assert stats.plain.index("Person 2") < stats.plain.index("Person 3")  # confirmed first


async def test_a_long_list_of_people_comes_in_pieces(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=200)
    for person in range(1, 121):
        await register(
            sessions(bot), visit.id, person, NOW, organisation=f"Organisation {person} " + "x" * 60
        )
    pieces = await bot.send(COORDINATOR, f"/registrations {visit.id}")
    assert len(pieces) > 1
    assert all(len(piece.text) <= 4096 for piece in pieces)
    text = "\n".join(piece.plain for piece in pieces)
    assert all(f"• Person {person} (Organisation {person} " in text for person in range(1, 121))


async def test_export_sends_a_csv_with_names_intact(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW)
    await register(sessions(bot), visit.id, SK, NOW, full_name="Ľudovít Štúr", lang="sk")
    await register(sessions(bot), visit.id, JA, NOW, full_name="山田 太郎", lang="ja")
    [document] = await bot.send(COORDINATOR, f"/export {visit.id}")
    assert document.filename == f"registrations-visit-{visit.id}.csv"
    assert document.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert [(r["full_name"], r["lang"], r["arrival"]) for r in rows] == [
        ("Ľudovít Štúr", "sk", "2027-05-20"),
        ("山田 太郎", "ja", "2027-05-20"),
    ]
    assert "2 registrations" in document.plain


@pytest.mark.parametrize("lang", [None, "en", "sk", "ja"])
async def test_coordinators_get_their_commands_in_their_chat_menu(
    bot: Harness, lang: str | None
) -> None:
    scope = {"type": "chat", "chat_id": COORDINATOR}
    mine = dict(bot.api.commands(scope, language_code=lang))
    assert {"visits", "registrations", "export", "help"} <= set(mine)
    everyone = dict(bot.api.commands(language_code=lang))
    assert not {"visits", "registrations", "export"} & set(everyone)


async def test_capacity_is_changed_and_a_number_below_the_taken_refused(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=2)
    for person in (1, 2):
        await register(sessions(bot), visit.id, person, NOW)
    [listing] = await bot.send(COORDINATOR, "/visits")
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}")
    [question] = await bot.press(COORDINATOR, card, "Change capacity")
    assert "2 are taken already" in question.plain
    error, _ = await bot.send(COORDINATOR, "1")
    assert error.plain == "Please send a whole number from 2 to 10000."
    saved, _card = await bot.send(COORDINATOR, "5")
    assert saved.plain == "Saved: 5 places."
    async with sessions(bot)() as session:
        stats = await service.registration_stats(session, visit.id)
    assert (stats.capacity, stats.held) == (5, 2)


async def test_ids_past_the_databases_integers_name_nothing(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # Found by the random-updates test on PostgreSQL, whose INTEGER keys end at 2**31 - 1: such
    # a number reached the database, which refused it, and the user got an apology.
    huge = str(2**31)
    await open_visit(sessions(bot), NOW)
    for command in (f"/registrations {huge}", f"/export {huge}"):
        reply, pick = await bot.send(COORDINATOR, command)
        assert reply.plain == f"There is no visit #{huge}."
        assert bot.api.buttons(pick)  # the visits there are, to choose from
    [menu] = await bot.send(COORDINATOR, "/visits")
    answered = len(bot.api.callback_answers)
    for data in (f"cv:show:{huge}", f"cr:{huge}", f"cx:{huge}", f"m:c:{huge}", f"o:a:{huge}"):
        await bot.feed(bot.api.callback_update(COORDINATOR, menu.message_id, data))
    assert len(bot.api.callback_answers) == answered + 5
    [greeting, *_] = await bot.send(7, f"/start visit_{huge}")
    assert greeting.plain.startswith("Hello")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


FIX = {  # the card's buttons and what the bot says when a correction is saved
    "en": ("Change title", "Change venue", "Saved."),
    "sk": ("Zmeniť názov", "Zmeniť miesto konania", "Uložené."),
    "ja": ("タイトルを変更", "会場を変更", "保存しました。"),
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_visits_title_and_venue_can_be_corrected(bot: Harness, lang: str) -> None:
    visit = await open_visit(sessions(bot), NOW)
    change_title, change_venue, saved = FIX[lang]
    [listing] = await bot.send(COORDINATOR, "/visits", lang=lang)
    [card] = await bot.press(COORDINATOR, listing, f"#{visit.id}", lang=lang)
    [question] = await bot.press(COORDINATOR, card, change_venue, lang=lang)
    assert "Tokorozawa City Hall" in question.plain  # what is stored now, to correct
    done, card = await bot.send(COORDINATOR, "Tokorozawa City Hall, <Room 3>", lang=lang)
    assert done.plain == saved
    assert "Tokorozawa City Hall, <Room 3>" in card.plain
    [question] = await bot.press(COORDINATOR, card, change_title, lang=lang)
    await bot.send(COORDINATOR, "Study visit to Tokorozawa City", lang=lang)
    await bot.send(COORDINATOR, "Študijná návšteva mesta Tokorozawa", lang=lang)
    done, card = await bot.send(COORDINATOR, "所沢市への視察訪問", lang=lang)
    assert done.plain == saved
    [stored] = await visits_stored(bot)
    assert stored.venue == "Tokorozawa City Hall, <Room 3>"
    assert stored.titles == {
        "en": "Study visit to Tokorozawa City",
        "sk": "Študijná návšteva mesta Tokorozawa",
        "ja": "所沢市への視察訪問",
    }
    assert await rows(bot, Draft) == []
    # Empty text is refused and asked again; nothing changes.
    [question] = await bot.press(COORDINATOR, card, change_venue, lang=lang)
    error, _again = await bot.send(COORDINATOR, " ", lang=lang)
    assert "200" in error.plain
    [stored] = await visits_stored(bot)
    assert stored.venue == "Tokorozawa City Hall, <Room 3>"
