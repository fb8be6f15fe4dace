"""Follow-up questions are read with what the chat's previous answer was about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db.models import QuestionLog
from bot.i18n import Translator
from bot.kb.render import render_fact
from tests.bot.harness import NOW, Harness, rows

# (first question, its fact), (follow-up, the fact it asks for in that context)
DIALOGUES = {
    "en": (
        ("Who attended the meeting in Bratislava?", "meeting-2018-bratislava.who"),
        ("and when was that?", "meeting-2018-bratislava.when"),
    ),
    "sk": (
        ("Kedy bolo stretnutie v Tokorozawe?", "meeting-2019-tokorozawa.when"),
        ("a kto tam bol?", "meeting-2019-tokorozawa.who"),
    ),
    "ja": (
        ("ブラチスラバでの会議には誰が参加しましたか", "meeting-2018-bratislava.who"),
        ("それはいつ？", "meeting-2018-bratislava.when"),
    ),
}
# Questions that stand on their own, asked right after a meeting's answer.
UNRELATED = {
    "en": "how big must a city be",
    "sk": "kto platí cestovné",
    "ja": "旅費は誰が払いますか",
}


def rendered(bot: Harness, entry: str, lang: str) -> str:
    """The fact's answer as the bot renders it."""
    kb = bot.app.bot_data["services"].qa.kb
    return render_fact(kb, kb.facts[entry], Translator(lang), NOW.date())


async def logged(bot: Harness) -> list[str | None]:
    """The facts answered, one per question, in order."""
    return [log.entry_id for log in await rows(bot, QuestionLog)]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_follow_up_is_read_with_the_previous_answer(bot: Harness, lang: str) -> None:
    (first, first_fact), (follow_up, follow_up_fact) = DIALOGUES[lang]
    await bot.send(7, first, lang=lang)
    [reply] = await bot.send(7, follow_up, lang=lang)
    assert reply.plain == rendered(bot, follow_up_fact, lang)
    assert await logged(bot) == [first_fact, follow_up_fact]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_the_follow_up_alone_is_not_answered_so(bot: Harness, lang: str) -> None:
    # Without the first question (another chat asked it) the follow-up means nothing definite.
    (first, _), (follow_up, follow_up_fact) = DIALOGUES[lang]
    await bot.send(7, first, lang=lang)
    [reply] = await bot.send(8, follow_up, lang=lang)
    assert reply.plain != rendered(bot, follow_up_fact, lang)
    assert (await logged(bot))[1] != follow_up_fact


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_an_unrelated_question_is_not_bent_by_the_context(bot: Harness, lang: str) -> None:
    (first, _), _ = DIALOGUES[lang]
    question = UNRELATED[lang]
    [alone] = await bot.send(8, question, lang=lang)  # the answer in a chat with no context
    await bot.send(7, first, lang=lang)
    [reply] = await bot.send(7, question, lang=lang)
    assert reply.plain == alone.plain
    entries = await logged(bot)
    assert entries[0] is not None
    assert entries[2] == entries[0]


# Vague questions; the matcher is tuned over time, so the test asks which one it is unsure of.
VAGUE = ["who was there?", "meeting tokorozawa", "tokorozawa meeting", "meeting", "when"]


async def test_a_picked_suggestion_is_the_context(bot: Harness) -> None:
    qa = bot.app.bot_data["services"].qa
    offered = {
        q: s
        for q in VAGUE
        for s in qa.ask(q, "en").suggestions
        if s.entry.startswith("meeting-2019-tokorozawa.")
    }
    assert offered, f"none of {VAGUE} is offered the 2019 meeting any more: add one that is"
    question, suggestion = next(iter(offered.items()))
    [reply] = await bot.send(7, question)
    await bot.press(7, reply, suggestion.question[:60])
    [answer] = await bot.send(7, "and when was that?")
    assert answer.plain == rendered(bot, "meeting-2019-tokorozawa.when", "en")


async def test_the_context_is_forgotten_after_a_few_minutes(bot: Harness) -> None:
    services = bot.app.bot_data["services"]
    (first, _), (follow_up, follow_up_fact) = DIALOGUES["en"]
    await bot.send(7, first)
    services.clock = lambda: NOW + timedelta(minutes=6)
    [reply] = await bot.send(7, follow_up)
    assert reply.plain != rendered(bot, follow_up_fact, "en")
