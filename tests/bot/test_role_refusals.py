"""No privileged command or button works for someone without the role.

The commands and callback patterns are collected from the Application's registered handlers,
so one added later is covered without touching this test: every command not in PUBLIC_COMMANDS
and every callback pattern whose handler is not in PUBLIC_CALLBACKS is sent as a delegate
(and, when its handler needs a coordinator, as staff), in English, Slovak and Japanese in turn.
Each must be refused politely, in the sender's language, and leave every table as it was.
"""

from __future__ import annotations

import itertools
import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.db.models import Base
from bot.handlers.access import refusal
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.roles import Role
from bot.visits import service
from tests.bot.harness import NOW, Harness, run_bot
from tests.visits.factory import open_visit, register

COORDINATOR, STAFF = 42, 43
DELEGATES = {"en": 601, "sk": 602, "ja": 603}
# Everybody's commands; anything else registered is privileged.
PUBLIC_COMMANDS = {
    "start",
    "help",
    "language",
    "cancel",
    "register",
    "myvisits",
    "mydata",
    "forget_me",
    "subscribe",
    "unsubscribe",
    # Look-ups refuse nobody: a delegate gets the public view (README, "Look-ups for staff";
    # tests/bot/test_lookups.py checks what each role sees).
    "dates",
    "contacts",
}
# The prefixes of everybody's buttons (questions, registration, /myvisits, offers, privacy,
# languages, the contact book's overview); any other registered pattern is privileged.
PUBLIC_CALLBACKS = {"lang", "qp", "qn", "qf", "ho", "r", "rv", "m", "o", "pv", "ct"}


def examples(pattern: re.Pattern[str], limit: int = 16) -> list[str]:
    """Strings the pattern matches: every alternative (up to `limit`), shortest repeats, and
    row ids of 1 (so that they name rows that exist)."""
    found = _gen(sre_parse.parse(pattern.pattern))[:limit]
    assert found, pattern.pattern
    assert all(pattern.match(s) for s in found), (pattern.pattern, found)
    return found


def _gen(parsed: Any) -> list[str]:
    parts: list[list[str]] = []
    for op, av in parsed:
        if op is sre.LITERAL:
            parts.append([chr(av)])
        elif op is sre.IN:
            parts.append(_one_of(av))
        elif op is sre.BRANCH:
            parts.append([s for branch in av[1] for s in _gen(branch)])
        elif op is sre.SUBPATTERN:
            parts.append(_gen(av[-1]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _, sub = av
            parts.append(["".join(p) for p in itertools.product(*[_gen(sub)] * max(low, 1))])
        elif op is sre.ANY:
            parts.append(["x"])
        elif op is not sre.AT:
            raise NotImplementedError(f"{op} in a callback pattern")
    return ["".join(p) for p in itertools.islice(itertools.product(*parts), 64)]


def _one_of(items: Any) -> list[str]:
    """Each listed character of a set, and one of each range (1 when it holds digits)."""
    found = []
    for op, av in items:
        if op is sre.LITERAL:
            found.append(chr(av))
        elif op is sre.RANGE:
            low, high = av
            found.append("1" if low <= ord("1") <= high else chr(low))
        else:
            found.append("1")  # a category: \d (patterns use [0-9], but a digit either way)
    return found


def privileged(bot: Harness) -> tuple[dict[str, Role], dict[str, Role]]:
    """The registered privileged commands and callback data, each with the role it needs
    (a handler without `required_role` counts as the coordinators')."""
    commands: dict[str, Role] = {}
    callbacks: dict[str, Role] = {}
    for handlers in bot.app.handlers.values():
        for handler in handlers:
            needs = getattr(handler.callback, "required_role", Role.COORDINATOR)
            if isinstance(handler, CommandHandler):
                for command in handler.commands - PUBLIC_COMMANDS:
                    commands[command] = max(commands.get(command, Role.STAFF), needs)
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = handler.pattern
                assert isinstance(pattern, re.Pattern)
                prefix = pattern.pattern.removeprefix("^").split(":")[0]
                if prefix not in PUBLIC_CALLBACKS:
                    for data in examples(pattern):
                        callbacks[data] = needs
    return commands, callbacks


async def dump(bot: Harness) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table."""
    services = bot.app.bot_data["services"]
    await services.activity.flush()
    tables = {}
    async with services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).mappings()
            tables[table.name] = sorted((dict(r) for r in rows), key=repr)
    return tables


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    async with run_bot(
        database_url,
        qa,
        coordinator_ids=frozenset({COORDINATOR}),
        staff_ids=frozenset({STAFF}),
    ) as harness:
        sessions = harness.app.bot_data["services"].sessions
        # Rows with id 1 for the buttons to name: an open visit with a registration, a draft
        # visit, and every sender known already (their rows do not change when they write).
        visit = await open_visit(sessions, NOW)
        await register(sessions, visit.id, DELEGATES["en"], NOW)
        async with sessions.begin() as session:
            await service.save_draft(session, DELEGATES["sk"], "register", "name", {}, NOW)
        for lang, user in [*DELEGATES.items(), ("en", STAFF), ("en", COORDINATOR)]:
            await harness.send(user, "/language", lang=lang)
        yield harness


async def refused(bot: Harness, user: int, lang: str, what: str, needs: Role) -> None:
    expected = refusal(Translator(lang), needs)
    if what.startswith("/"):
        replies = await bot.send(user, what, lang=lang)
        assert [r.plain for r in replies] == [expected], what
        return
    menu = bot.api.last_message(user)
    answered = len(bot.api.callback_answers)
    before = len(bot.api.messages(user))
    await bot.feed(bot.api.callback_update(user, menu.message_id, what, language_code=lang))
    [answer] = bot.api.callback_answers[answered:]
    assert (answer.get("text"), answer.get("show_alert")) == (expected, True), what
    assert len(bot.api.messages(user)) == before, what
    assert not bot.api.find_message(user, menu.message_id).edited, what


async def test_every_privileged_command_and_button_refuses_the_unprivileged(
    bot: Harness,
) -> None:
    commands, callbacks = privileged(bot)
    # The collection sees the handlers (so this test can fail): today's at least.
    assert {"visits", "registrations", "export", "grant", "revoke", "review", "reload"} <= set(
        commands
    )
    assert {"broadcast", "stats"} <= set(commands)
    assert {"cv:show:1", "cv:close:1", "cv:new", "ce:create", "cr:1", "cx:1"} <= set(callbacks)
    assert {"rl:g:s:1", "rl:g:c:1", "rl:r:1", "rl:x", "hq:c:1", "hq:p:1:1"} <= set(callbacks)
    before = await dump(bot)
    senders = itertools.cycle(DELEGATES.items())
    for command, needs in sorted(commands.items()):
        for argument in ("", " 1"):
            lang, user = next(senders)
            await refused(bot, user, lang, f"/{command}{argument}", needs)
            if needs > Role.STAFF:
                await refused(bot, STAFF, "en", f"/{command}{argument}", needs)
    for data, needs in sorted(callbacks.items()):
        lang, user = next(senders)
        await refused(bot, user, lang, data, needs)
        if needs > Role.STAFF:
            await refused(bot, STAFF, "en", data, needs)
    assert await dump(bot) == before


async def test_the_coordinator_is_not_refused(bot: Harness) -> None:
    # Guards the test above: the same commands do work for the role that may use them.
    commands, _ = privileged(bot)
    for command in sorted(commands):
        replies = await bot.send(COORDINATOR, f"/{command}")
        assert replies, command
        assert all(r.plain != refusal(Translator("en"), Role.COORDINATOR) for r in replies)
