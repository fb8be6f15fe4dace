"""Staff look-ups through the real Application: /dates, /contacts and inline mode, in en, sk
and ja; what staff and coordinators see against what a delegate (or a group) sees."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import roles
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.kb.answer import QuestionAnswerer
from bot.kb.loader import load_knowledge
from bot.localapi.updates import DEFAULT_GROUP_ID
from bot.roles import Role
from bot.visits import service
from tests.bot.harness import NOW, Harness, run_bot, unreachable
from tests.test_catalogs import TZ_ID
from tests.visits.factory import open_visit, visit_fields

STAFF, COORDINATOR, DELEGATE = 61, 62, 63
DRAFT_TITLES = {
    "en": "Draft <b>return</b> visit",
    "sk": "Návrh spätnej návštevy",
    "ja": "返礼訪問案",
}
OPEN_TITLES = {
    "en": "Study visit to Tokorozawa",
    "sk": "Študijná návšteva v Tokorozawe",
    "ja": "所沢市視察訪問",
}
HEADINGS = {
    "en": ("Upcoming", "Earlier"),
    "sk": ("Nadchádzajúce", "Predchádzajúce"),
    "ja": ("今後の予定", "これまでの予定"),
}
MEETING_2019 = {
    "en": "business meeting in Tokorozawa\n20–22 May 2019, Tokorozawa",
    "sk": "pracovné stretnutie v Tokorozawe\nTokorozawa, 20. – 22. mája 2019",
    "ja": "所沢での実務者会議\n2019年5月20日～22日、所沢",
}
PLACES_LEFT = {
    "en": "10 places left of 10.",
    "sk": "Zostáva 10 voľných miest z 10.",
    "ja": "残りの枠は10名分です（定員10名）。",
}
TAKEN = {
    "en": "0 of 10 places taken",
    "sk": "Obsadené: 0 z 10 miest",
    "ja": "定員10名中0名が確保済み",
}
DRAFT_STATUS = {"en": "Status: draft", "sk": "Stav: koncept", "ja": "状態：下書き"}


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The bot with one staff member and one coordinator, an open visit and a draft."""
    async with run_bot(
        database_url,
        qa,
        staff_ids=frozenset({STAFF}),
        coordinator_ids=frozenset({COORDINATOR}),
    ) as harness:
        sessions = harness.app.bot_data["services"].sessions
        await open_visit(sessions, NOW)
        async with sessions.begin() as session:
            await service.create_visit(
                session,
                **visit_fields(
                    titles=DRAFT_TITLES, host_city="bratislava", timezone="Europe/Bratislava"
                ),
                now=NOW,
            )
        yield harness


async def dates_text(bot: Harness, user: int, lang: str, **kwargs) -> str:
    replies = await bot.send(user, "/dates", lang=lang, **kwargs)
    assert replies
    return "\n\n".join(r.plain for r in replies)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_staff_and_coordinators_see_every_visit_with_its_places(
    bot: Harness, lang: str
) -> None:
    for user in (STAFF, COORDINATOR):
        text = await dates_text(bot, user, lang)
        upcoming, earlier = HEADINGS[lang]
        assert text.startswith(upcoming + "\n\n" + OPEN_TITLES[lang])
        before, after = text.split("\n\n" + earlier + "\n\n")
        assert DRAFT_TITLES[lang] in before
        assert TAKEN[lang] in before
        assert DRAFT_STATUS[lang] in before
        # The knowledge base's meetings follow, the most recent first.
        assert after.startswith(MEETING_2019[lang])
        assert not TZ_ID.search(text)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_delegate_sees_what_is_public(bot: Harness, lang: str) -> None:
    text = await dates_text(bot, DELEGATE, lang)
    assert OPEN_TITLES[lang] in text
    assert PLACES_LEFT[lang] in text
    assert DRAFT_TITLES[lang] not in text
    assert TAKEN[lang] not in text
    assert DRAFT_STATUS[lang] not in text
    assert MEETING_2019[lang] in text
    assert "/register" in text


async def test_the_draft_title_is_escaped(bot: Harness) -> None:
    [reply] = await bot.send(STAFF, "/dates")
    assert "Draft &lt;b&gt;return&lt;/b&gt; visit" in reply.text
    assert "Draft <b>return</b> visit" in reply.plain


async def test_in_a_group_staff_get_the_public_view(bot: Harness) -> None:
    replies = await bot.send(STAFF, "/dates", chat_id=DEFAULT_GROUP_ID, chat_type="supergroup")
    text = "\n".join(r.plain for r in replies)
    assert OPEN_TITLES["en"] in text
    assert DRAFT_TITLES["en"] not in text
    assert TAKEN["en"] not in text


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_without_the_database_the_meetings_are_still_listed(bot: Harness, lang: str) -> None:
    note = {
        "en": "The visits cannot be shown just now",
        "sk": "Návštevy teraz nemožno zobraziť",
        "ja": "現在訪問を表示できません",
    }[lang]
    async with unreachable(bot):
        text = await dates_text(bot, STAFF, lang)
    assert MEETING_2019[lang] in text
    assert note in text
    assert OPEN_TITLES[lang] not in text


@pytest.fixture(scope="module")
def timed_qa(tmp_path_factory: pytest.TempPathFactory) -> QuestionAnswerer:
    """The shipped knowledge base with a start time set on the 2019 meeting in Tokorozawa."""
    directory = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, directory)
    events = Path(directory / "events.yaml")
    text = events.read_text(encoding="utf-8")
    marker = "    start: 2019-05-20\n"
    assert text.count(marker) == 1
    events.write_text(text.replace(marker, marker + "    time: '10:00'\n"), encoding="utf-8")
    return QuestionAnswerer(load_knowledge(directory))


@pytest.mark.parametrize(
    ("lang", "timed"),
    [
        (
            "en",
            "20–22 May 2019; starts 20 May 2019 (10:00 in Tokyo / 3:00 in Bratislava), Tokorozawa",
        ),
        (
            "sk",
            "Tokorozawa, 20. – 22. mája 2019; "
            "začiatok 20. mája 2019 (10:00 v Tokiu, 3:00 v Bratislave)",
        ),
        ("ja", "2019年5月20日～22日、開始は2019年5月20日（東京 10:00、ブラチスラバ 3:00）、所沢"),
    ],
)
async def test_a_time_is_shown_with_city_names_only_where_it_was_set(
    database_url: str, timed_qa: QuestionAnswerer, lang: str, timed: str
) -> None:
    async with run_bot(database_url, timed_qa) as bot:
        text = await dates_text(bot, DELEGATE, lang)
    lines = text.split("\n")
    assert timed in lines
    # The other meetings have no time: their dates only.
    assert MEETING_2019[lang].split("\n")[1] not in lines
    meeting_2018 = {
        "en": "15–17 October 2018, Bratislava",
        "sk": "Bratislava, 15. – 17. októbra 2018",
        "ja": "2018年10月15日～17日、ブラチスラバ",
    }
    assert meeting_2018[lang] in lines
    assert not TZ_ID.search(text)


CONTACT_QUERIES = {
    "en": ("/contacts chief architect", "Office of the Chief Architect", "No e-mail, phone"),
    "sk": ("/contacts hlavneho architekta", "Kancelária hlavného architekta", "E-mail, telef"),
    "ja": ("/contacts 建築家", "首席建築家室", "メールアドレス、電話番号"),
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_contacts_by_name_in_the_users_language(bot: Harness, lang: str) -> None:
    command, name, nothing = CONTACT_QUERIES[lang]
    [card] = await bot.send(DELEGATE, command, lang=lang)
    assert card.plain.split("\n")[0] == name
    assert card.plain.split("\n")[-1].startswith(nothing)
    assert card.text.startswith("<b>")


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Schreursovej", "prof. Miranda Schreurs"),
        ("シュラーズ", "prof. Miranda Schreurs"),
        ("しゅらーず", "prof. Miranda Schreurs"),
        ("oddelenie strategii", "Department of Strategy and Projects"),
        ("戦略", "Department of Strategy and Projects"),
        ("ところざわ", "City of Tokorozawa"),
    ],
)
async def test_contacts_in_three_scripts(bot: Harness, query: str, name: str) -> None:
    [card] = await bot.send(STAFF, f"/contacts {query}")
    assert card.plain.split("\n")[0] == name


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_the_overview_has_a_button_per_contact(bot: Harness, lang: str) -> None:
    [overview] = await bot.send(DELEGATE, "/contacts", lang=lang)
    buttons = bot.api.buttons(overview)
    kb = bot.app.bot_data["services"].qa.kb
    people = [r for r in kb.records.values() if r.collection in ("organisations", "people")]
    assert len(buttons) == len(people)
    assert all(data is not None and data.startswith("ct:") for _, data in buttons)
    label = {
        "en": "Office of the Chief Architect",
        "sk": "Kancelária hlavného",
        "ja": "首席建築家室",
    }
    [pressed] = [text for text, _ in buttons if label[lang] in text]
    [card] = await bot.press(DELEGATE, overview, label[lang], lang=lang)
    assert card.plain.split("\n")[0] == pressed


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_no_match_says_so_with_the_overview(bot: Harness, lang: str) -> None:
    expected = {
        "en": "I found no person or department for “<xyz>”.",
        "sk": "Pre „<xyz>“ sa nenašla žiadna osoba ani oddelenie.",
        "ja": "「<xyz>」に該当する人物や部署は見つかりませんでした。",
    }[lang]
    [reply] = await bot.send(DELEGATE, "/contacts <xyz>", lang=lang)
    assert reply.plain.startswith(expected)
    assert bot.api.buttons(reply)


async def test_too_long_a_name_is_refused_politely(bot: Harness) -> None:
    [reply] = await bot.send(DELEGATE, "/contacts " + "architekt " * 20, lang="sk")
    assert reply.plain.startswith("Na meno je to príliš dlhé.")


async def test_an_old_or_forged_contact_button_changes_nothing(bot: Harness) -> None:
    [overview] = await bot.send(DELEGATE, "/contacts")
    before = len(bot.api.messages(DELEGATE))
    await bot.feed(bot.api.callback_update(DELEGATE, overview.message_id, "ct:999"))
    assert bot.api.callback_answers[-1]["text"].startswith("This list is out of date.")
    # Digits that are not ASCII are not the handler's: the stale-button handler answers.
    await bot.feed(bot.api.callback_update(DELEGATE, overview.message_id, "ct:１"))
    assert not bot.api.callback_answers[-1].get("text")
    assert len(bot.api.messages(DELEGATE)) == before


async def inline(bot: Harness, user: int, query: str, lang: str = "en") -> dict:
    before = len(bot.api.inline_answers)
    await bot.feed(bot.api.inline_query_update(user, query, language_code=lang))
    [answer] = bot.api.inline_answers[before:]
    assert answer["is_personal"] is True
    assert 0 < answer["cache_time"] <= 60
    return answer


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_an_empty_inline_query_offers_the_upcoming_dates(bot: Harness, lang: str) -> None:
    staff = [r["title"] for r in (await inline(bot, STAFF, "", lang))["results"]]
    public = [r["title"] for r in (await inline(bot, DELEGATE, "", lang))["results"]]
    assert staff == [OPEN_TITLES[lang], DRAFT_TITLES[lang]]
    assert public == [OPEN_TITLES[lang]]


@pytest.mark.parametrize(
    ("lang", "query", "contact", "fact_words"),
    [
        ("en", "chief architect", "Office of the Chief Architect", "specialised guarantor"),
        ("sk", "hlavný architekt", "Kancelária hlavného architekta", "odborným garantom"),
        ("ja", "首席建築家室", "首席建築家室", "専門監修"),
    ],
)
async def test_inline_finds_contacts_and_facts_in_the_users_language(
    bot: Harness, lang: str, query: str, contact: str, fact_words: str
) -> None:
    results = (await inline(bot, DELEGATE, query, lang))["results"]
    kinds = {r["id"][0] for r in results}
    assert {"c", "f"} <= kinds
    cards = [r for r in results if r["id"].startswith("c")]
    assert cards[0]["title"] == contact
    facts = [r["input_message_content"]["message_text"] for r in results if r["id"][0] == "f"]
    assert any(fact_words in text for text in facts)
    assert all(r["input_message_content"]["parse_mode"] == "HTML" for r in results)


async def test_inline_dates_by_name_and_what_a_delegate_may_not_see(bot: Harness) -> None:
    staff = await inline(bot, STAFF, "return visit")
    assert [r["title"] for r in staff["results"] if r["id"][0] == "d"] == [DRAFT_TITLES["en"]]
    sent = staff["results"][0]["input_message_content"]["message_text"]
    assert sent.startswith("<b>Draft &lt;b&gt;return&lt;/b&gt; visit</b>")
    public = await inline(bot, DELEGATE, "return visit")
    assert not [r for r in public["results"] if r["id"][0] == "d"]
    meeting = await inline(bot, DELEGATE, "stretnutie v Bratislave", "sk")
    assert "pracovné stretnutie v Bratislave" in [r["title"] for r in meeting["results"]]


async def test_inline_query_with_nonsense_or_markup_answers_nothing_wrong(bot: Harness) -> None:
    for query in ("<b>&", "🙂" * 30, "x" * 256):
        answer = await inline(bot, DELEGATE, query)
        for result in answer["results"]:
            assert "<b>&" not in result["input_message_content"]["message_text"]


MENU = {
    "en": ("Dates of meetings and visits", "People and departments"),
    "sk": ("Termíny stretnutí a návštev", "Osoby a oddelenia"),
    "ja": ("会議と訪問の日程", "担当者と部署"),
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_staff_and_coordinator_menus_offer_the_look_ups(bot: Harness, lang: str) -> None:
    for user in (STAFF, COORDINATOR):
        menu = dict(bot.api.commands({"type": "chat", "chat_id": user}, lang))
        assert (menu["dates"], menu["contacts"]) == MENU[lang]
    everyone = dict(bot.api.commands("default", lang))
    assert "dates" not in everyone
    assert "contacts" not in everyone


async def test_a_role_granted_in_the_bot_gives_the_staff_view_at_once(bot: Harness) -> None:
    assert DRAFT_TITLES["en"] not in await dates_text(bot, DELEGATE, "en")
    services = bot.app.bot_data["services"]
    configured = roles.Configured(services.settings.coordinator_ids, services.settings.staff_ids)
    async with services.sessions.begin() as session:
        await roles.grant(
            session, DELEGATE, Role.STAFF, by=COORDINATOR, now=NOW, configured=configured
        )
    assert DRAFT_TITLES["en"] in await dates_text(bot, DELEGATE, "en")
    async with services.sessions.begin() as session:
        await roles.revoke(session, DELEGATE, by=COORDINATOR, configured=configured)
    assert DRAFT_TITLES["en"] not in await dates_text(bot, DELEGATE, "en")
