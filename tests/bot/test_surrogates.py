"""Lone UTF-16 surrogates wherever text enters the bot (L-4).

Telegram sends valid UTF-8, but its JSON may carry a "\\ud800" escape, which Python decodes to a
string no database and no reply can encode. Names, language codes, questions and answers with
one must get the ordinary reply, never the apology, and nothing typed may be lost.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.db.models import QuestionLog, User
from tests.bot.harness import Harness, rows
from tests.bot.visiting import QUESTION, answer_until, open_visit, start

LONE = "\ud800"
SORRY = "Sorry, something went wrong"
SIGNED = ("When was the partnership agreement signed?", "15 October 2018")
# What each command answers when all is well (its first words).
COMMANDS = {
    "/start": "Hello",
    "/help": "I answer questions about",
    "/register": "No visit is open for registration right now.",
    "/mydata": "Everything I store about you",
    "/myvisits": "You have no registrations yet.",
    "/language": "Choose your language:",
    "/cancel": "Cancelled.",
}


def with_sender(update: dict[str, Any], **fields: str) -> dict[str, Any]:
    """A copy of the update whose sender (and private chat) has these fields."""
    update = copy.deepcopy(update)  # the fake API remembers its users: leave them alone
    message = update["message"]
    message["from"].update(fields)
    message["chat"].update({k: v for k, v in fields.items() if k != "language_code"})
    return update


SENDERS = {
    "first name": {"first_name": f"A{LONE}B"},
    "last name": {"last_name": f"C{LONE}"},
    "username": {"username": f"u{LONE}"},
    "language code": {"language_code": f"e{LONE}n"},
    "all of them": {
        "first_name": LONE,
        "last_name": LONE,
        "username": LONE,
        "language_code": LONE,
    },
}


@pytest.mark.parametrize("sender", list(SENDERS))
@pytest.mark.parametrize("command", list(COMMANDS))
async def test_a_sender_with_surrogates_gets_the_ordinary_reply(
    bot: Harness, sender: str, command: str
) -> None:
    await bot.feed(with_sender(bot.api.message_update(7, command), **SENDERS[sender]))
    replies = bot.api.messages(7)
    assert replies, "no reply"
    assert replies[0].plain.startswith(COMMANDS[command]), replies[0].plain
    assert not any(SORRY in r.plain for r in replies)


@pytest.mark.parametrize("sender", list(SENDERS))
async def test_a_sender_with_surrogates_is_answered_and_recorded(
    bot: Harness, sender: str
) -> None:
    await bot.feed(with_sender(bot.api.message_update(7, SIGNED[0]), **SENDERS[sender]))
    [answer] = bot.api.messages(7)
    assert SIGNED[1] in answer.plain
    [user] = await rows(bot, User)
    assert user.telegram_id == 7
    assert LONE not in (user.first_name or "") + (user.telegram_language or "")
    [logged] = await rows(bot, QuestionLog)
    assert logged.text == SIGNED[0]


async def test_a_question_with_a_surrogate_is_answered_and_logged(bot: Harness) -> None:
    [answer] = await bot.send(7, f"{SIGNED[0]}{LONE}")
    assert SIGNED[1] in answer.plain
    [logged] = await rows(bot, QuestionLog)
    assert logged.text.startswith(SIGNED[0])
    assert LONE not in logged.text


@pytest.mark.parametrize("typed", [f"jane{LONE}@example.com", f"jane@exa{LONE}mple.com", LONE])
async def test_an_email_with_a_surrogate_is_refused_and_asked_again(
    bot: Harness, typed: str
) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    await answer_until(bot, 7, "en", "email")
    refusal, again = await bot.send(7, typed)
    assert refusal.plain.startswith("This does not look like an e-mail address")
    assert again.plain.startswith(QUESTION["email"]["en"])
    [question] = await bot.send(7, "jane@example.com")
    assert question.plain.startswith(QUESTION["consent"]["en"])


@pytest.mark.parametrize("step", ["full_name", "organisation", "city"])
async def test_a_name_with_a_surrogate_is_refused_and_asked_again(bot: Harness, step: str) -> None:
    visit = await open_visit(bot)
    await start(bot, 7, "en", visit)
    await answer_until(bot, 7, "en", step)
    refusal, again = await bot.send(7, f"Jane{LONE}")
    assert SORRY not in refusal.plain
    assert QUESTION[step]["en"] in again.plain


@pytest.mark.parametrize(
    "data", [f"lang:{LONE}", f"qf:1:{LONE}", f"qp:1:{LONE}", f"r:visit:{LONE}", LONE]
)
async def test_button_data_with_a_surrogate_changes_nothing(bot: Harness, data: str) -> None:
    [answer] = await bot.send(7, SIGNED[0])
    await bot.feed(bot.api.callback_update(7, answer.message_id, data))
    assert bot.api.callback_answers, "the press was not answered"
    assert not any(SORRY in r.plain for r in bot.api.messages(7))


async def test_a_start_link_with_a_surrogate_is_an_unknown_link(bot: Harness) -> None:
    [reply] = await bot.send(7, f"/start visit_1{LONE}")
    assert "That link is not valid" in reply.plain
