"""A registration survives a restart, a second bot process and a failing database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.app import build_application
from bot.console import running
from bot.db.models import Draft, Registration
from bot.kb.answer import QuestionAnswerer
from bot.localapi import LocalBotApi, local_bot_request
from tests.bot.harness import NOW, Harness, make_settings, rows, run_bot, unreachable
from tests.bot.visiting import (
    ANSWERS,
    QUESTION,
    STEPS,
    answer_until,
    failing_writes,
    give,
    label,
    open_visit,
    start,
)

SORRY_STEP = {
    "en": "Sorry, I could not save your answer",
    "sk": "Prepáčte, vašu odpoveď sa nepodarilo uložiť",
    "ja": "申し訳ありません。データベースに接続できないため、回答を保存できませんでした。",
}
SORRY_CONFIRM = {
    "en": "Sorry, I could not save your registration",
    "sk": "Prepáčte, vašu registráciu sa nepodarilo uložiť",
    "ja": "申し訳ありません。データベースに接続できないため、登録を保存できませんでした。",
}


@asynccontextmanager
async def two_processes(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[list[Harness]]:
    """Two Applications on one database and one Telegram, as two bot processes behind a webhook."""
    api = LocalBotApi()
    apps = [
        build_application(
            make_settings(database_url),
            qa,
            request=local_bot_request(api),
            updates_request=local_bot_request(api),
        )
        for _ in range(2)
    ]
    for app in apps:
        app.bot_data["services"].clock = lambda: NOW
    async with running(apps[0]), running(apps[1]):
        yield [Harness(api, app) for app in apps]


async def test_a_restart_in_the_middle_continues_at_the_same_step(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa) as first:
        visit = await open_visit(first)
        await start(first, 7, "sk", visit)
        [question] = await answer_until(first, 7, "sk", "city")
        assert question.plain.startswith(QUESTION["city"]["sk"])
    # A new Application with nothing in memory: the next message answers the saved step.
    async with run_bot(database_url, qa) as second:
        [question] = await second.send(7, "Bratislava", lang="sk")
        assert question.plain.startswith(QUESTION["role"]["sk"])
        await answer_until(second, 7, "sk", "consent", begin="role")
        agree = label("sk", "I agree")
        [summary] = await second.press(7, second.api.last_message(7), agree, lang="sk")
        assert "Ján Novák" in summary.plain
        assert ANSWERS["sk"]["organisation"][1] in summary.plain
        done, calendar = await second.press(7, summary, label("sk", "Confirm"), lang="sk")
        assert "Vaše miesto je potvrdené." in done.plain
        assert calendar.filename == f"visit-{visit.id}.ics"
        [registration] = await rows(second, Registration)
        assert (registration.full_name, registration.city) == ("Ján Novák", "Bratislava")


async def test_register_after_a_restart_says_lets_continue(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa) as first:
        visit = await open_visit(first)
        await start(first, 7, "ja", visit)
        await answer_until(first, 7, "ja", "arrival")
    async with run_bot(database_url, qa) as second:
        hello, question = await second.send(7, "/register", lang="ja")
        assert hello.plain == "前回の続きから再開します。"
        assert question.plain.startswith(QUESTION["arrival"]["ja"])


async def test_two_processes_take_turns_with_one_registration(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with two_processes(database_url, qa) as bots:
        visit = await open_visit(bots[0])
        await start(bots[0], 7, "en", visit)
        for turn, step in enumerate(STEPS, start=1):
            # Each answer reaches the other process than the one that asked the question.
            await give(bots[turn % 2], 7, "en", ANSWERS["en"][step])
        [summary] = await bots[0].press(7, bots[0].api.last_message(7), "I agree")
        assert "Jane Doe" in summary.plain
        assert "22 May 2027" in summary.plain
        await bots[1].press(7, summary, "Confirm")
        [registration] = await rows(bots[0], Registration)
        assert registration.status == "confirmed"
        assert await rows(bots[1], Draft) == []


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_step_the_database_does_not_take_is_kept_and_tried_again(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, lang, visit)
    await answer_until(bot, 7, lang, "city")
    async with failing_writes(bot):
        [sorry] = await bot.send(7, "Bratislava", lang=lang)
        assert sorry.plain.startswith(SORRY_STEP[lang])
        # Trying again while the database still fails changes nothing, and loses nothing.
        [sorry] = await bot.press(7, sorry, label(lang, "Try again"), lang=lang)
        assert sorry.plain.startswith(SORRY_STEP[lang])
    [draft] = await rows(bot, Draft)
    assert draft.step == "city"
    [question] = await bot.press(7, sorry, label(lang, "Try again"), lang=lang)
    assert question.plain.startswith(QUESTION["role"][lang])
    [draft] = await rows(bot, Draft)
    assert (draft.step, draft.data["city"]) == ("role", "Bratislava")


async def test_an_unreachable_database_keeps_the_answer_too(bot: Harness) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "sk", visit)
    await answer_until(bot, 7, "sk", "organisation")
    async with unreachable(bot):
        [sorry] = await bot.send(7, "Bratislavský samosprávny kraj", lang="sk")
        assert sorry.plain.startswith(SORRY_STEP["sk"])
    [question] = await bot.press(7, sorry, "Skúsiť znova", lang="sk")
    assert question.plain.startswith(QUESTION["city"]["sk"])
    [draft] = await rows(bot, Draft)
    assert draft.data["organisation"] == "Bratislavský samosprávny kraj"


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_confirmation_the_database_does_not_take_is_tried_again(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, lang, visit)
    await answer_until(bot, 7, lang, "consent")
    [summary] = await bot.press(7, bot.api.last_message(7), label(lang, "I agree"), lang=lang)
    async with failing_writes(bot):
        [sorry] = await bot.press(7, summary, label(lang, "Confirm"), lang=lang)
    assert sorry.plain.startswith(SORRY_CONFIRM[lang])
    assert await rows(bot, Registration) == []
    [draft] = await rows(bot, Draft)
    assert draft.step == "confirm"
    done, calendar = await bot.press(7, sorry, label(lang, "Try again"), lang=lang)
    assert "/myvisits" in done.plain
    assert calendar.filename == f"visit-{visit.id}.ics"
    [registration] = await rows(bot, Registration)
    assert (registration.status, registration.lang) == ("confirmed", lang)
    assert await rows(bot, Draft) == []
