"""/myvisits: registrations with their status, changing a field, withdrawing, and offers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.db.models import Draft, Registration, Visit
from bot.jobs import run_due_work
from tests.bot.harness import Harness, rows
from tests.bot.visiting import label, open_visit, register
from tests.visits.test_ics import parse_ics

STATUS = {"en": "Status: Confirmed", "sk": "Stav: Potvrdená", "ja": "状態: 確定"}
OFFER = {
    "ja": ("空きが出たため", "2026年12月1日（東京 19:00、ブラチスラバ 11:00）"),
    "sk": ("uvoľnilo miesto", "1. decembra 2026 (19:00 v Tokiu, 11:00 v Bratislave)"),
    "en": ("a place has become free", "1 December 2026 (19:00 in Tokyo / 11:00 in Bratislava)"),
}


async def statuses(bot: Harness) -> dict[int | None, str]:
    """Each person's registration status."""
    return {r.telegram_id: r.status for r in await rows(bot, Registration)}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_myvisits_shows_status_dates_and_buttons(bot: Harness, lang: str) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, lang, visit)
    [card] = await bot.send(7, "/myvisits", lang=lang)
    assert STATUS[lang] in card.plain
    assert {"en": "20–23 May 2027", "sk": "20. – 23. mája 2027", "ja": "2027年5月20日～23日"}[
        lang
    ] in card.plain
    buttons = [text for text, _ in bot.api.buttons(card)]
    assert buttons == [f"✏️ {label(lang, 'Change')}", f"✖ {label(lang, 'Withdraw')}"]


async def test_myvisits_without_registrations(bot: Harness) -> None:
    [reply] = await bot.send(7, "/myvisits", lang="sk")
    assert reply.plain.startswith("Zatiaľ nemáte žiadne registrácie.")


async def test_change_a_field_validated_as_at_registration(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "en", visit)
    [card] = await bot.send(7, "/myvisits")
    [fields] = await bot.press(7, card, "Change")
    [question] = await bot.press(7, fields, "City")
    assert "Your answer so far: Bratislava" in question.plain
    [refusal] = await bot.send(7, "x" * 201)
    assert "at most 200 characters" in refusal.plain
    [done] = await bot.send(7, "Tokorozawa <i>City</i>")
    assert done.plain.startswith("Saved.\nCity: Tokorozawa <i>City</i>")
    assert "Tokorozawa &lt;i&gt;City&lt;/i&gt;" in done.text
    [registration] = await rows(bot, Registration)
    assert registration.city == "Tokorozawa <i>City</i>"
    assert await rows(bot, Draft) == []
    # What comes next is a question again.
    [answer] = await bot.send(7, "When was the partnership agreement signed?")
    assert "2018" in answer.plain


async def test_change_the_arrival_sends_a_new_calendar_file(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "sk", visit)
    [card] = await bot.send(7, "/myvisits", lang="sk")
    [fields] = await bot.press(7, card, "Zmeniť", lang="sk")
    await bot.press(7, fields, "Príchod", lang="sk")
    [refusal] = await bot.send(7, "18. mája", lang="sk")
    assert "od 19. mája 2027 do 24. mája 2027" in refusal.plain
    saved, calendar = await bot.send(7, "21. mája", lang="sk")
    assert saved.plain.startswith("Uložené.")
    event = parse_ics(calendar.content)["components"][0]["components"][0]
    assert event["DTSTART"][0] == "20270521"
    [registration] = await rows(bot, Registration)
    assert registration.arrival == date(2027, 5, 21)


async def test_change_role_and_needs_with_buttons(bot: Harness) -> None:
    visit = await open_visit(bot, roles=["interpreter", "press"])
    await register(bot, 7, "ja", visit)
    [card] = await bot.send(7, "/myvisits", lang="ja")
    [fields] = await bot.press(7, card, label("ja", "Change"), lang="ja")
    [roles] = await bot.press(7, fields, "役割", lang="ja")
    assert [text for text, _ in bot.api.buttons(roles)] == ["通訳者", "報道関係者"]
    await bot.press(7, roles, "報道関係者", lang="ja")
    [fields] = await bot.press(7, card, label("ja", "Change"), lang="ja")
    [question] = await bot.press(7, fields, "アクセシビリティ", lang="ja")
    await bot.press(7, question, "なし", lang="ja")
    [registration] = await rows(bot, Registration)
    assert (registration.role, registration.accessibility) == ("press", None)


async def test_cancel_during_a_change(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "en", visit)
    [card] = await bot.send(7, "/myvisits")
    [fields] = await bot.press(7, card, "Change")
    await bot.press(7, fields, "Organisation")
    [reply] = await bot.send(7, "/cancel")
    assert reply.plain.startswith("Cancelled. Nothing")
    assert await rows(bot, Draft) == []
    [registration] = await rows(bot, Registration)
    assert registration.organisation == "City of Bratislava"


async def test_withdraw_offers_the_place_in_the_next_persons_language(bot: Harness) -> None:
    visit = await open_visit(bot, capacity=1)
    await register(bot, 7, "en", visit)
    await register(bot, 8, "ja", visit)
    await register(bot, 9, "sk", visit)
    [card] = await bot.send(7, "/myvisits")
    [sure] = await bot.press(7, card, "Withdraw")
    assert "Do you really want to withdraw" in sure.plain
    before = len(bot.api.messages(8))
    [done] = await bot.press(7, sure, "Yes, withdraw")
    assert "Your registration is withdrawn." in done.plain
    [offer] = bot.api.messages(8)[before:]
    for text in OFFER["ja"]:
        assert text in offer.plain
    assert [t for t, _ in bot.api.buttons(offer)] == ["✅ 参加する", "✖ 辞退する"]
    assert await statuses(bot) == {7: "withdrawn", 8: "offered", 9: "waitlisted"}
    done, calendar = await bot.press(8, offer, "参加する", lang="ja")
    assert "参加が確定しました" in done.plain
    assert calendar.filename == f"visit-{visit.id}.ics"
    assert await statuses(bot) == {7: "withdrawn", 8: "confirmed", 9: "waitlisted"}


async def test_decline_offers_the_place_to_the_next_person(bot: Harness) -> None:
    visit = await open_visit(bot, capacity=1)
    await register(bot, 7, "en", visit)
    await register(bot, 8, "ja", visit)
    await register(bot, 9, "sk", visit)
    [card] = await bot.send(7, "/myvisits")
    [sure] = await bot.press(7, card, "Withdraw")
    await bot.press(7, sure, "Yes, withdraw")
    offer = bot.api.last_message(8)
    before = len(bot.api.messages(9))
    [done] = await bot.press(8, offer, "辞退する", lang="ja")
    assert "ご辞退を承りました" in done.plain
    [offer] = bot.api.messages(9)[before:]
    for text in OFFER["sk"]:
        assert text in offer.plain
    assert await statuses(bot) == {7: "withdrawn", 8: "declined", 9: "offered"}
    # The person offered sees the offer in /myvisits too, with its buttons.
    [card] = await bot.send(9, "/myvisits", lang="sk")
    assert "Ponúkame vám miesto" in card.plain
    await bot.press(9, card, "Prijať", lang="sk")
    assert await statuses(bot) == {7: "withdrawn", 8: "declined", 9: "confirmed"}
    # The declined offer's Accept, pressed late (a second device), only says it is over.
    declined = next(m for m in bot.api.messages(8) if "空きが出たため" in m.plain)
    registration_8 = next(r for r in await rows(bot, Registration) if r.telegram_id == 8)
    await bot.feed(
        bot.api.callback_update(
            8, declined.message_id, f"o:a:{registration_8.id}", language_code="ja"
        )
    )
    assert bot.api.last_message(8).plain == "このご案内はすでに終了しています。"
    assert await statuses(bot) == {7: "withdrawn", 8: "declined", 9: "confirmed"}


async def test_keep_it_leaves_the_registration(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "sk", visit)
    [card] = await bot.send(7, "/myvisits", lang="sk")
    [sure] = await bot.press(7, card, "Zrušiť registráciu", lang="sk")
    [reply] = await bot.press(7, sure, "Nie, ponechať", lang="sk")
    assert reply.plain == "Vaša registrácia zostáva bez zmeny."
    assert await statuses(bot) == {7: "confirmed"}
    [card] = await bot.send(7, "/myvisits", lang="sk")
    assert STATUS["sk"] in card.plain


STARTED = {
    "en": "This visit has already started, so the registration can no longer be withdrawn.",
    "sk": "Táto návšteva sa už začala, registráciu preto už nemožno zrušiť.",
    "ja": "この訪問はすでに始まっているため、登録を取り消すことはできません。",
}
TAKEN_PLACE = {
    "en": "This visit has already taken place.",
    "sk": "Táto návšteva sa už uskutočnila.",
    "ja": "この訪問はすでに終了しました。",
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_stale_withdraw_button_is_refused_once_the_visit_has_started(
    bot: Harness, lang: str
) -> None:
    # Review L-3: /myvisits before the visit, then the buttons pressed during it and after.
    visit = await open_visit(bot, capacity=1)
    await register(bot, 7, lang, visit)
    await register(bot, 8, lang, visit)
    [card] = await bot.send(7, "/myvisits", lang=lang)
    withdraw = label(lang, "Withdraw")
    [sure] = await bot.press(7, card, withdraw, lang=lang)
    services = bot.app.bot_data["services"]
    waiting = len(bot.api.messages(8))
    during = datetime(2027, 5, 20, 10, 0, tzinfo=UTC)
    # The buttons as sent: the first refusal takes them off their message, a stale copy of
    # the chat (another device) still has them.
    presses = [
        (message.message_id, data)
        for message, text in ((card, withdraw), (sure, label(lang, "Yes, withdraw")))
        for shown, data in bot.api.buttons(message)
        if text in shown
    ]
    assert len(presses) == 2
    for said, moment in [(STARTED, during), (TAKEN_PLACE, datetime(2027, 6, 10, tzinfo=UTC))]:
        services.clock = lambda moment=moment: moment
        await run_due_work(bot.app)  # marks the visit past on 10 June
        for message_id, data in presses:
            await bot.feed(bot.api.callback_update(7, message_id, data, language_code=lang))
            assert bot.api.last_message(7).plain == said[lang]
        assert await statuses(bot) == {7: "confirmed", 8: "waitlisted"}
        [stored] = await rows(bot, Visit)
        assert stored.held == 1
        assert len(bot.api.messages(8)) == waiting  # nobody was offered the place
        if said is STARTED:
            # During the visit /myvisits offers no Withdraw button any more (Change stays).
            [now_card] = await bot.send(7, "/myvisits", lang=lang)
            texts = [text for text, _ in bot.api.buttons(now_card)]
            assert not any(withdraw in text for text in texts)
            assert any(label(lang, "Change") in text for text in texts)
