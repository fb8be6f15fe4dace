"""/broadcast sent through the outbox: delivery in each language, stop, correct and delete
everywhere, through the real Application and its sender over the in-process Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.broadcast.models import Broadcast
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.localapi import SentMessage
from tests.bot.harness import Harness, rows, run_bot
from tests.bot.outboxing import FAST, until
from tests.bot.test_broadcast_compose import COORDINATOR, READERS, TEXTS, bold, choose, write


@asynccontextmanager
async def running(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot with a fast outbox, a coordinator and three delegates."""
    async with run_bot(
        database_url, qa, coordinator_ids=frozenset({COORDINATOR}), **FAST
    ) as harness:
        for lang, who in READERS.items():
            await harness.send(who, "/start", lang=lang)
        yield harness


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    async with running(database_url, qa) as harness:
        yield harness


def received(bot: Harness, who: int) -> list[SentMessage]:
    """What a delegate got after their /start greeting."""
    return bot.api.messages(who)[1:]


async def reported(bot: Harness, lang: str = "en") -> None:
    """Waits for the sender's final report to the coordinator."""
    [broadcast] = await rows(bot, Broadcast)
    done = Translator(lang).gettext("Broadcast #{id} is finished.").format(id=broadcast.id)
    await until(lambda: any(m.plain.startswith(done) for m in bot.api.messages(COORDINATOR)))


async def compose_and_send(bot: Harness, lang: str) -> SentMessage:
    """English and Slovak written, English for the rest, to every subscriber; Send."""
    [composer] = await bot.send(COORDINATOR, "/broadcast", lang=lang)
    await bot.press(COORDINATOR, composer, "English", lang=lang)  # write English first
    await write(bot, TEXTS["en"], lang)
    await write(bot, TEXTS["sk"], lang)
    t = Translator(lang)
    await choose(bot, lang, t.pgettext("broadcast button", "Next ▶"), "English")
    await choose(bot, lang, t.pgettext("audience", "All subscribers"))
    [sent] = await choose(bot, lang, t.pgettext("broadcast button", "Send"))
    return sent


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_broadcast_reaches_everyone_in_their_language(bot: Harness, lang: str) -> None:
    t = Translator(lang)
    sent = await compose_and_send(bot, lang)
    [broadcast] = await rows(bot, Broadcast)
    expected = t.ngettext(
        "Broadcast #{id} is on its way to {n} recipient. I will report here as it goes.",
        "Broadcast #{id} is on its way to {n} recipients. I will report here as it goes.",
        4,
    ).format(id=broadcast.id, n=4)
    assert sent.plain == expected
    for reader in READERS.values():
        await until(lambda reader=reader: received(bot, reader))
    # Japanese was not written: the fallback chosen, English.
    assert [m.text for m in received(bot, READERS["en"])] == [TEXTS["en"]]
    assert [m.text for m in received(bot, READERS["sk"])] == [TEXTS["sk"]]
    assert [m.text for m in received(bot, READERS["ja"])] == [TEXTS["en"]]
    await reported(bot, lang)
    # Stop on a finished broadcast says there is nothing left, not "Stopped: 0 messages".
    before = len(bot.api.messages(COORDINATOR))
    await bot.press(COORDINATOR, sent, t.pgettext("broadcast button", "Stop sending"), lang=lang)
    assert bot.api.callback_answers[-1]["text"] == t.gettext(
        "Broadcast #{id} has no messages left to send."
    ).format(id=broadcast.id)
    assert len(bot.api.messages(COORDINATOR)) == before
    # A recipient's /mydata counts what was sent to them.
    *texts, _ = await bot.send(READERS["sk"], "/mydata", lang="sk")
    assert "Poslal som vám 1 oznámenie." in "\n".join(m.plain for m in texts)
    # The draft is gone: a second press of Send sends nothing more.
    await bot.feed(
        bot.api.callback_update(COORDINATOR, sent.message_id, "bc:send", language_code=lang)
    )
    assert bot.api.callback_answers[-1]["text"] == t.gettext("This button is no longer active.")
    assert len(await rows(bot, Broadcast)) == 1


async def test_a_sent_broadcast_is_corrected_then_deleted_everywhere(bot: Harness) -> None:
    sent = await compose_and_send(bot, "en")
    await reported(bot)  # the coordinator, a subscriber too, has got it as well
    [prompt] = await bot.press(COORDINATOR, sent, "Correct")
    assert "Send the corrected text in English" in prompt.plain
    corrected = "Dear partners, the <b>next visit</b> is open until Friday."
    plain, entities = bold(corrected)
    _, shown, question = await bot.send(COORDINATOR, plain, entities=entities)
    assert shown.text == corrected  # the preview, as the recipients will see it
    await bot.press(COORDINATOR, question, "Apply the correction")
    # English readers (and Japanese ones, who got English) see the correction; Slovak not.
    for reader in (READERS["en"], READERS["ja"]):
        await until(lambda reader=reader: received(bot, reader)[0].text == corrected)
        assert received(bot, reader)[0].edited
    assert received(bot, READERS["sk"])[0].text == TEXTS["sk"]
    [sure] = await bot.press(COORDINATOR, sent, "Delete everywhere")
    await bot.press(COORDINATOR, sure, "Yes, delete everywhere")
    for reader in READERS.values():
        await until(lambda reader=reader: not received(bot, reader))
    # Its buttons now say so.
    await bot.press(COORDINATOR, sent, "Stop sending")
    assert bot.api.callback_answers[-1]["text"] == "This broadcast was deleted."


async def test_a_broadcast_in_progress_is_stopped(database_url: str, qa: QuestionAnswerer) -> None:
    slow = {**FAST, "broadcast_rate": 0.001}  # one message, then a long wait
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR}), **slow) as bot:
        for lang, who in READERS.items():
            await bot.send(who, "/start", lang=lang)
        sent = await compose_and_send(bot, "en")
        replies = await bot.press(COORDINATOR, sent, "Stop sending")
        # The sender's progress message may come in between.
        [stopped] = [m for m in replies if m.plain.startswith("Stopped: ")]
        assert "of broadcast #" in stopped.plain
        [broadcast] = await rows(bot, Broadcast)
        assert broadcast.status == "cancelled"
    got = [who for who in READERS.values() if received(bot, who)]
    assert len(got) <= 1  # what was handed to Telegram before the stop, at most


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_delegate_cannot_press_a_sent_broadcasts_buttons(bot: Harness, lang: str) -> None:
    await compose_and_send(bot, "en")
    await reported(bot)
    who = READERS[lang]
    refusal = Translator(lang).gettext("Sorry, only the programme coordinators can do this.")
    [menu] = await bot.send(who, "/language", lang=lang)
    for forged in ("bs:x:1", "bs:d:1", "bs:dy:1", "bs:e:1", "bf:apply", "bf:w:en", "bf:cancel"):
        await bot.feed(bot.api.callback_update(who, menu.message_id, forged, language_code=lang))
        assert bot.api.callback_answers[-1]["text"] == refusal
    assert all(received(bot, reader) for reader in READERS.values())  # nothing deleted
