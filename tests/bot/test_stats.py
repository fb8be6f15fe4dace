"""Coordinators' /stats through the real Application, in English, Slovak and Japanese, on SQLite
and PostgreSQL: users by language, how questions fared, the questions the bot could not answer
(grouped, escaped, nothing erased shown), places of the coming visits, the latest broadcasts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.handlers.replies import MESSAGE_LIMIT
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.localapi import SentMessage
from bot.stats import normal_question
from tests.bot.harness import NOW, Harness, run_bot
from tests.bot.outboxing import FAST, broadcast, finished
from tests.visits.factory import open_visit, register

COORDINATOR = 42
EN, SK1, SK2, JA = 501, 502, 503, 504
DOG = ("Can I bring my dog?", "can i bring my  dog", "CAN I BRING MY DOG?!")
HTML_QUESTION = "<b>Is there a dress code?</b> & <i>tie</i>"
WEATHER = "what is the weather in Vienna tomorrow"


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot (fixed clock: NOW) with user 42 as its coordinator."""
    async with run_bot(
        database_url, qa, coordinator_ids=frozenset({COORDINATOR}), **FAST
    ) as harness:
        yield harness


async def stats(bot: Harness, lang: str = "en") -> str:
    """The coordinator's /stats, as one text (it fits one message)."""
    replies = await bot.send(COORDINATOR, "/stats", lang=lang)
    assert len(replies) == 1
    return replies[0].plain


def section(text: str, heading: str) -> list[str]:
    """The lines of the section under a heading (the heading itself left out)."""
    for part in text.split("\n\n"):
        lines = part.split("\n")
        if lines[0] == heading:
            return lines[1:]
    raise AssertionError(f"no section {heading!r} in:\n{text}")


def check_outcomes(bot: Harness) -> None:
    """The questions still fare as this test needs (the matcher is tuned over time)."""
    qa = bot.app.bot_data["services"].qa
    for question in (*DOG, HTML_QUESTION, WEATHER):
        assert qa.ask(question, "en").outcome == "unknown", question
    assert qa.ask("date", "en").outcome == "suggest"
    assert qa.ask("when", "en").outcome == "suggest"


@pytest.mark.parametrize(
    ("lang", "empty", "none", "no_visits", "no_broadcasts", "users"),
    [
        (
            "en",
            ("No questions were asked in this period.", "No questions have been asked yet."),
            "• none",
            "No current or coming visits.",
            "No broadcasts were sent yet.",
            "1 user in all",
        ),
        (
            "sk",
            ("Za toto obdobie nepadla žiadna otázka.", "Zatiaľ nepadla žiadna otázka."),
            "• žiadne",
            "Žiadne prebiehajúce ani nadchádzajúce návštevy.",
            "Zatiaľ neprebehlo žiadne rozosielanie.",
            "spolu 1 používateľ",
        ),
        (
            "ja",
            ("この期間の質問はありません。", "まだ質問はありません。"),
            "• なし",
            "開催中または今後予定されている訪問はありません。",
            "一斉送信はまだありません。",
            "合計1人",
        ),
    ],
    ids=["en", "sk", "ja"],
)
async def test_an_empty_database_gives_clear_lines_not_a_division_by_zero(
    bot: Harness,
    lang: str,
    empty: tuple[str, str],
    none: str,
    no_visits: str,
    no_broadcasts: str,
    users: str,
) -> None:
    text = await stats(bot, lang)
    t = Translator(lang)
    assert text.startswith(t.gettext("Statistics") + "\n\n")
    recent = t.ngettext("Questions, last {days} day", "Questions, last {days} days", 30)
    assert section(text, recent.format(days=30)) == [empty[0]]
    assert section(text, t.gettext("Questions since the start")) == [empty[1]]
    missed = t.ngettext(
        "Most asked questions I could not answer, last {days} day",
        "Most asked questions I could not answer, last {days} days",
        30,
    )
    assert section(text, missed.format(days=30)) == [none]
    visits = section(text, t.gettext("Registrations for current and coming visits"))
    assert visits == [no_visits]
    assert section(text, t.gettext("Latest broadcasts")) == [no_broadcasts]
    # Only the coordinator has written, in the language of their Telegram app.
    assert section(text, t.gettext("Users by language"))[-1] == users


async def test_everything_counted_in_english(bot: Harness) -> None:
    check_outcomes(bot)
    sessions = bot.app.bot_data["services"].sessions
    visit = await open_visit(sessions, NOW, capacity=2)
    later = await open_visit(
        sessions,
        NOW,
        titles={"en": "Return visit <to> Bratislava & more"},
        host_city="bratislava",
        timezone="Europe/Bratislava",
    )
    for person in (EN, SK1, SK2):  # two places: the third waits
        await register(sessions, visit.id, person, NOW)
    for who, lang in ((EN, "en"), (SK1, "sk"), (SK2, "sk"), (JA, "ja")):
        await bot.send(who, "/start", lang=lang)
    # "when" first: after another question it would be read as a follow-up to it.
    [offer] = await bot.send(EN, "when")
    await bot.press(EN, offer, "None of these")
    await bot.send(EN, "When was the partnership agreement signed?")
    await bot.send(EN, DOG[0])
    await bot.send(SK1, DOG[1], lang="sk")
    await bot.send(JA, "date", lang="ja")
    await bot.send(JA, DOG[2], lang="ja")
    await bot.send(SK2, HTML_QUESTION, lang="sk")
    await bot.send(SK2, WEATHER, lang="sk")
    bot.api.block(JA)
    sent = await broadcast(bot, [EN, SK1, SK2, JA])
    await finished(bot, sent)

    [reply] = await bot.send(COORDINATOR, "/stats")
    assert "&lt;b&gt;Is there a dress code?&lt;/b&gt; &amp; &lt;i&gt;tie&lt;/i&gt;" in reply.text
    assert "Return visit &lt;to&gt; Bratislava &amp; more" in reply.text
    assert reply.plain == "\n".join(
        [
            "Statistics",
            "",
            "Users by language",
            "• English: 2 people",
            "• Slovak: 2 people",
            "• Japanese: 1 person",
            "5 users in all",
            "",
            "Questions, last 30 days",
            "8 questions",
            "• answered: 1 (13%)",
            "• suggestions offered: 1 (13%)",
            "• not answered: 6 (75%)",
            "",
            "Questions since the start",
            "8 questions",
            "• answered: 1 (13%)",
            "• suggestions offered: 1 (13%)",
            "• not answered: 6 (75%)",
            "",
            "Most asked questions I could not answer, last 30 days",
            "1. “CAN I BRING MY DOG?!” – 3 times",
            f"2. “{WEATHER}” – 1 time",  # equally often: the newest first
            "3. “<b>Is there a dress code?</b> & <i>tie</i>” – 1 time",
            "4. “when” – 1 time",
            "",
            "Registrations for current and coming visits",
            f"• #{visit.id} Study visit to Tokorozawa (20–23 May 2027, open for registration)",
            "  2 confirmed registrations · 1 person on the waiting list · 2 of 2 places taken",
            f"• #{later.id} Return visit <to> Bratislava & more (20–23 May 2027, open for "
            "registration)",
            "  0 confirmed registrations · 0 people on the waiting list · 0 of 10 places taken",
            "",
            "Latest broadcasts",
            f"• #{sent}, 29 November 2026",
            "  Delivered: 3 · Blocked the bot: 1 · Failed: 0",
        ]
    )


async def test_in_slovak_and_japanese(bot: Harness) -> None:
    check_outcomes(bot)
    await bot.send(EN, "When was the partnership agreement signed?")
    await bot.send(EN, DOG[0])
    await bot.send(SK1, DOG[1])
    await bot.send(SK1, "date")
    sk = await stats(bot, "sk")
    assert section(sk, "Používatelia podľa jazyka") == [
        "• Angličtina: 2 osoby",  # the two askers' Telegram apps are in English
        "• Slovenčina: 1 osoba",  # the coordinator's, who asks in Slovak
        "• Japončina: 0 osôb",
        "spolu 3 používatelia",
    ]
    assert section(sk, "Otázky za posledných 30 dní") == [
        "4 otázky",
        "• zodpovedané: 1 (25\xa0%)",
        "• ponúknuté návrhy: 1 (25\xa0%)",
        "• nezodpovedané: 2 (50\xa0%)",
    ]
    assert section(sk, "Najčastejšie otázky bez odpovede za posledných 30 dní") == [
        "1. „can i bring my dog“ – 2-krát"
    ]
    ja = await stats(bot, "ja")
    assert section(ja, "過去30日間の質問") == [
        "質問4件",
        "• 回答済み：1件（25%）",
        "• 候補を提示：1件（25%）",
        "• 回答できず：2件（50%）",
    ]
    assert section(ja, "回答できなかった質問（多い順、過去30日間）") == [
        "1. 「can i bring my dog」 – 2回"
    ]
    assert section(ja, "言語別の利用者")[-1] == "合計3人"


async def test_slovak_plurals_one_few_many(bot: Harness) -> None:
    heading = "Otázky za posledných 30 dní"
    expected = {1: "1 otázka", 2: "2 otázky", 4: "4 otázky", 5: "5 otázok", 11: "11 otázok"}
    asked = 0
    for n, line in expected.items():
        while asked < n:
            asked += 1
            await bot.send(EN, f"Can I bring my dog number {asked}?")
        assert section(await stats(bot, "sk"), heading)[0] == line
    # 1 user: the empty database's test. Here the coordinator and EN, then three more.
    users = section(await stats(bot, "sk"), "Používatelia podľa jazyka")
    assert users[-1] == "spolu 2 používatelia"
    for who in (601, 602, 603):
        await bot.send(who, "/start", lang="sk")
    users = section(await stats(bot, "sk"), "Používatelia podľa jazyka")
    assert users == [
        "• Angličtina: 1 osoba",
        "• Slovenčina: 4 osoby",  # the coordinator asks in Slovak too
        "• Japončina: 0 osôb",
        "spolu 5 používateľov",
    ]
    times = section(
        await stats(bot, "sk"), "Najčastejšie otázky bez odpovede za posledných 30 dní"
    )
    assert times[0].endswith("– 1-krát")


async def test_nothing_erased_or_past_retention_is_shown(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(
        database_url, qa, coordinator_ids=frozenset({COORDINATOR}), retention_days=10
    ) as bot:
        check_outcomes(bot)
        services = bot.app.bot_data["services"]
        # Asked 20 days ago: inside the 30 days counted, but past the 10 days questions are
        # kept (the retention job may not have run yet): counted, never shown.
        services.clock = lambda: NOW - timedelta(days=20)
        await bot.send(SK1, DOG[0])
        services.clock = lambda: NOW
        await bot.send(SK2, WEATHER)
        await bot.send(EN, HTML_QUESTION)
        [question] = await bot.send(EN, "/forget_me")
        await bot.press(EN, question, "Yes")
        text = await stats(bot)
        assert section(text, "Most asked questions I could not answer, last 30 days") == [
            f"1. “{WEATHER}” – 1 time"
        ]
        assert section(text, "Questions, last 30 days")[0] == "3 questions"


async def test_long_output_is_split_within_telegrams_limit(bot: Harness) -> None:
    sessions = bot.app.bot_data["services"].sessions
    long_title = "Visit with a very long title " + "x" * 150
    visits = [
        await open_visit(sessions, NOW, titles={"en": f"{long_title} {i}"}) for i in range(13)
    ]
    for i in range(12):
        await bot.send(EN, f"<b>{i}</b> " + "Can I bring my dog & my cat <please>? " * 20)
    replies: list[SentMessage] = await bot.send(COORDINATOR, "/stats")
    assert all(len(r.text or "") <= MESSAGE_LIMIT for r in replies)
    assert len(replies) == 2  # cut between sections
    text = "\n\n".join(r.plain for r in replies)
    top = section(text, "Most asked questions I could not answer, last 30 days")
    assert len(top) == 10
    assert all(len(line) < 140 for line in top)
    assert top[0].startswith("1. “<b>11</b> Can I bring my dog & my cat <please>?")
    shown = section(text, "Registrations for current and coming visits")
    assert shown[-1] == "…and 3 more visits"
    assert f"• #{visits[0].id} {long_title} 0" in shown[0]


@pytest.mark.parametrize(
    ("asked", "normal"),
    [
        ("  Can I bring my DOG?! ", "can i bring my dog"),
        ("can i\n bring my dog", "can i bring my dog"),
        ("犬を連れて行けますか？", "犬を連れて行けますか"),  # full-width "？" folded too
        ("「ＡＢＣ」", "abc"),
        ("???", ""),
    ],
)
def test_questions_are_grouped_by_a_normal_form(asked: str, normal: str) -> None:
    assert normal_question(asked) == normal
