"""/mydata and /forget_me: everything stored, as messages and JSON; erasure that keeps counts."""

from __future__ import annotations

import json

import pytest

from bot.db.models import QuestionLog, Registration, User
from bot.handlers.privacy.handlers import pack
from bot.visits import service
from tests.bot.harness import Harness, rows
from tests.bot.visiting import answer_until, open_visit, register, start
from tests.visits.factory import TITLES

ERASED = {
    "en": "Your personal data is erased; 2 registrations were anonymised.\n"
    "2 registrations were withdrawn first; the places they held go to the next people on "
    "the waiting list.",
    "sk": "Vaše osobné údaje sú vymazané; 2 registrácie boli anonymizované.\n"
    "2 registrácie boli najprv zrušené; miesta, ktoré vám držali, dostanú ďalší ľudia z "
    "čakacej listiny.",
    "ja": "個人情報を消去しました。2件の登録を匿名化しました。\n"
    "先に2件のご登録を取り消しました。確保されていた席は、キャンセル待ちの次の方にご案内します。",
}


COUNTS = dict.fromkeys(
    ("confirmed", "waitlisted", "offered", "withdrawn", "declined", "expired"), 0
)


async def counts(bot: Harness, visit_id: int) -> tuple[object, ...]:
    """The coordinators' figures for a visit that erasure must not change."""
    async with bot.app.bot_data["services"].sessions() as session:
        stats = await service.registration_stats(session, visit_id)
    return stats.held, stats.total, dict(stats.by_status), dict(stats.by_role)


async def test_mydata_sends_everything_as_text_and_json(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "sk", visit)
    await bot.send(7, "kedy bola podpisana zmluva", lang="sk")
    *texts, document = await bot.send(7, "/mydata", lang="sk")
    shown = "\n".join(m.plain for m in texts)
    for expected in ("Ján Novák", "Stav: Potvrdená", TITLES["sk"], "kedy bola podpisana zmluva"):
        assert expected in shown
    assert document.filename == "my-data.json"
    assert "Ján Novák".encode() in document.content  # UTF-8, not \u escapes
    data = json.loads(document.content.decode("utf-8"))
    [registration] = data["registrations"]
    assert registration["full_name"] == "Ján Novák"
    assert registration["arrival"] == "2027-05-20"
    assert registration["status"] == "confirmed"
    assert data["user"]["telegram_language"] == "sk"
    assert [q["text"] for q in data["questions"]] == ["kedy bola podpisana zmluva"]


async def test_mydata_includes_a_registration_in_progress(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    await answer_until(bot, 7, "en", "city")
    *texts, document = await bot.send(7, "/mydata")
    assert "Organisation: City of Bratislava" in "\n".join(m.plain for m in texts)
    [draft] = json.loads(document.content)["drafts"]
    assert (draft["step"], draft["data"]["full_name"]) == ("city", "Jane Doe")
    # /mydata did not end the registration: the next message answers the city step.
    [question] = await bot.send(7, "Bratislava")
    assert question.plain.startswith("What is your role")


async def test_mydata_is_split_under_telegrams_limit(bot: Harness) -> None:
    asked = [f"{n} " + "<b>Tokorozawa</b> & Bratislava " * 100 for n in range(4)]
    for question in asked:
        await bot.send(7, question)
    *texts, document = await bot.send(7, "/mydata")
    assert len(texts) >= 2
    assert all(len(m.plain) <= 4096 for m in texts)
    # A question longer than a message once escaped is cut between words, never inside one.
    shown = " ".join(m.plain for m in texts)
    assert all(question.strip() in shown for question in asked)
    assert len(json.loads(document.content)["questions"]) == 4


KEPT = {
    "en": [
        "What I keep, why and for how long",
        "your personal data in them is erased 90 days after the visit ends.",
        "their text and the link to you are erased 365 days after you asked.",
        "erased when you have not written to me for 365 days.",
        "Who is responsible for your data: the City of Bratislava",
    ],
    "sk": [
        "Čo uchovávam, prečo a ako dlho",
        "osobné údaje v nich sa vymažú 90 dní po skončení návštevy.",
        "ich text a prepojenie s vami sa vymažú 365 dní po tom, čo ste sa opýtali.",
        "vymažú sa, ak mi 365 dní nenapíšete.",
        "Kto zodpovedá za vaše údaje: hlavné mesto SR Bratislava",
    ],
    "ja": [
        "保存する情報とその目的・期間",
        "ご登録内の個人情報は、訪問終了の90日後に消去します。",
        "ご質問の本文と、ご本人との紐づけは、ご質問の365日後に消去します。",
        "365日間メッセージがない場合に消去します。",
        "個人情報の管理責任者：ブラチスラバ市",
    ],
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_mydata_says_what_is_kept_why_and_for_how_long(bot: Harness, lang: str) -> None:
    *texts, _ = await bot.send(7, "/mydata", lang=lang)
    shown = "\n".join(m.plain for m in texts)
    for expected in KEPT[lang]:
        assert expected in shown


async def test_mydata_lists_the_visits_a_coordinator_created(bot: Harness) -> None:
    await open_visit(bot, created_by=7)
    *texts, document = await bot.send(7, "/mydata", lang="sk")
    shown = "\n".join(m.plain for m in texts)
    assert f"1 návšteva, ktorú ste vytvorili v úlohe koordinátora\n• {TITLES['sk']}" in shown
    assert [v["titles"]["sk"] for v in json.loads(document.content)["visits_created"]] == [
        TITLES["sk"]
    ]


def test_pack_keeps_blocks_whole_and_splits_only_the_oversized() -> None:
    blocks = ["<b>a</b>", "b" * 50, "c " * 60]
    pieces = pack(blocks, limit=64)
    assert pieces[0] == "<b>a</b>\n\n" + "b" * 50
    assert all(len(p) <= 64 for p in pieces)
    assert "".join(pieces[1:]).replace(" ", "") == "c" * 60


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_forget_me_withdraws_then_anonymises(bot: Harness, lang: str) -> None:
    first = await open_visit(bot, capacity=1)
    second = await open_visit(bot, titles={"en": "Second visit", "ja": "第2回訪問"})
    await register(bot, 8, "en", first)
    await register(bot, 7, lang, first)  # waitlisted
    await register(bot, 7, lang, second)
    await bot.send(7, "When was the partnership agreement signed?", lang=lang)
    [question] = await bot.send(7, "/forget_me", lang=lang)
    assert len(bot.api.buttons(question)) == 2
    await bot.press(7, question, {"en": "Yes", "sk": "Áno", "ja": "はい"}[lang], lang=lang)
    assert bot.api.last_message(7).plain == ERASED[lang]
    registrations = [r for r in await rows(bot, Registration) if r.telegram_id != 8]
    assert len(registrations) == 2
    for registration in registrations:
        assert registration.telegram_id is None
        assert registration.full_name is None
        assert registration.organisation is None
        assert registration.city is None
        assert registration.email is None
        assert registration.anonymised_at is not None
    assert [r.status for r in registrations] == ["withdrawn", "withdrawn"]
    # Neither a place nor a turn on the waiting list stays with the erased person.
    assert await counts(bot, first.id) == (
        1,
        2,
        COUNTS | {"confirmed": 1, "withdrawn": 1},
        {"delegate": 1},
    )
    assert await counts(bot, second.id) == (0, 1, COUNTS | {"withdrawn": 1}, {})
    assert [u.telegram_id for u in await rows(bot, User)] == [8]
    logged = await rows(bot, QuestionLog)
    assert logged
    assert all(
        (q.text, q.telegram_id, q.chat_id, q.message_id) == ("", None, None, None) for q in logged
    )


async def test_forget_me_can_be_declined(bot: Harness) -> None:
    visit = await open_visit(bot)
    await register(bot, 7, "sk", visit)
    [question] = await bot.send(7, "/forget_me", lang="sk")
    assert "Toto sa nedá vrátiť späť." in question.plain
    await bot.press(7, question, "Nie, ponechať", lang="sk")
    assert bot.api.last_message(7).plain == "Nič sa nevymazalo."
    [registration] = await rows(bot, Registration)
    assert registration.full_name == "Ján Novák"
