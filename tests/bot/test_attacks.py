"""A delegate attacks: forged buttons and odd commands change nothing of anyone else's.

The review's privilege sweep (reviews/security-review.md, "What I tried that held up"), kept
in the suite: every callback the bot registers, with other people's registration and visit
ids, out-of-range ids and malformed data, and every command with odd arguments, each sent
by a delegate. After each one: no row of anyone else changed (every table compared whole),
nothing went to another chat, and nobody was apologized to.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.db.models import Base, Handoff, QuestionLog
from bot.i18n import LANGUAGES, Translator
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.visits.factory import open_visit, register, visit_fields

ATTACKER = 666
COORDINATOR = 42
VICTIM, WAITING, OTHER = 501, 502, 503
APOLOGIES = [
    Translator(lang)
    .gettext("Sorry, something went wrong on my side. Please try again in a moment.")
    .split(".")[0]
    for lang in LANGUAGES
]

# Every callback the bot's buttons carry, with {v} a visit id, {r} a registration id and
# {q} a question's message id. test_every_registered_button_is_swept fails when a handler
# is registered that none of these reaches: add its data here.
TEMPLATES = [
    *(
        f"cv:{action}:{{v}}"
        for action in ("show", "open", "close", "link", "dates", "cap", "title", "venue")
    ),
    *(f"cv:{action}:{{v}}" for action in ("drop", "dropyes")),
    "cv:new",
    *("ce:city:tokorozawa", "ce:role:press", "ce:skip", "ce:done", "ce:create", "ce:cancel"),
    "cr:{v}",
    "cx:{v}",
    *("rl:g:s:{r}", "rl:g:c:{r}", "rl:r:{r}", "rl:x"),  # /grant and /revoke (user ids)
    "r:visit:{v}",
    "rv:{v}",  # a live answer's visit button
    *("r:role:delegate", "r:dietary:none", "r:email:skip", "r:consent:yes", "r:confirm:yes"),
    *("r:confirm:edit", "r:full_name:back", "r:retry:go"),
    *(f"m:{action}:{{r}}" for action in ("c", "x", "w", "wy", "wn")),
    *("m:f:{r}:city", "m:f:{r}:role", "m:r:{r}:press", "m:n:{r}:dietary"),
    "o:a:{r}",
    "o:d:{r}",
    "pv:keep",
    "pv:forget",  # the attacker's own data: theirs to erase
    "lang:sk",
    "qp:{q}:imura.who",
    "qn:{q}",
    "qf:{q}:y",
    "ho:{q}",  # hand a question to the coordinators: only the asker's own, in their own chat
    *(f"hq:{action}:{{h}}" for action in ("c", "a", "l", "f", "s")),  # coordinators' review
    "hq:p:{h}:0",
    "ct:{v}",  # a contact of /contacts' overview (a number in the contact book)
    # /broadcast (the attacker is no coordinator: every press is refused)
    *(f"bc:{action}" for action in ("w:sk", "btn", "nobtn", "rm", "back", "next", "fb:en")),
    *("bc:cancel", "bc:send", "bc:a:all", "bc:a:visit", "bc:a:lang", "bc:al:ja", "bc:ar:staff"),
    *("bc:bv:{v}", "bc:av:{v}", "bc:aw:{v}", "bc:as:{v}:confirmed"),
    *(f"bs:{action}:{{v}}" for action in ("x", "d", "dy", "e")),  # a sent broadcast's
    *("bf:w:en", "bf:apply", "bf:cancel"),
]
# Numbers no row has: zero, negative, past PostgreSQL's INTEGER and BIGINT, and huge.
SPECIAL_IDS = ["0", "-1", str(2**31), str(2**63), str(10**30)]
# Ids as a forger might write them: empty, Arabic-Indic and full-width digits (which \d and
# int() both accept), a sign.
ODD_IDS = ["", "١", "１２", "+1"]
# Data that is malformed as a whole.
MALFORMED = ["", "::::", "x" * 64, "\x00", "\n", " ", "cv", "m:", "o::", "r:::", "qf:1:"]
SUFFIXES = [" ", "\n", "\x00", ":x"]  # after otherwise valid data

COMMANDS = [
    "start",
    "help",
    "language",
    "cancel",
    "register",
    "myvisits",
    "mydata",
    "forget_me",
    "visits",
    "registrations",
    "export",
    "subscribe",
    "unsubscribe",
    "review",
    "reload",
    "grant",
    "revoke",
    "dates",
    "contacts",
    "broadcast",
    "stats",
]


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        yield harness


async def scene(bot: Harness) -> dict[str, list[int]]:
    """Other people's things to aim at: a confirmed, a waitlisted and an offered registration,
    a registration in progress, an unpublished visit, a coordinator's form, logged questions.

    Returns their ids: visits "v", registrations "r", question message ids "q", hand-offs "h".
    """
    sessions = bot.app.bot_data["services"].sessions
    full = await open_visit(sessions, NOW, capacity=1)
    await register(sessions, full.id, VICTIM, NOW)  # confirmed
    await register(sessions, full.id, WAITING, NOW)  # waitlisted
    offering = await open_visit(sessions, NOW, capacity=1)
    mine = await register(sessions, offering.id, OTHER, NOW)
    await register(sessions, offering.id, VICTIM, NOW)
    async with sessions.begin() as session:
        await service.withdraw(session, mine.id, OTHER, NOW, 48)  # VICTIM is offered
        draft = await service.create_visit(session, **visit_fields(), now=NOW)
        await service.save_draft(
            session, WAITING, "register", "city", {"visit_id": offering.id}, NOW
        )
        await service.save_draft(
            session, COORDINATOR, "edit_visit", "capacity", {"mode": "new", "titles": {}}, NOW
        )
    for user in (VICTIM, WAITING):
        await bot.send(user, "When was the agreement signed?")
    # A question the victim handed to the coordinators.
    [unknown] = await bot.send(VICTIM, "what is the weather in Vienna tomorrow")
    await bot.press(VICTIM, unknown, "Ask a coordinator")
    questions = [log.message_id for log in await rows(bot, QuestionLog)]
    handoffs = [h.id for h in await rows(bot, Handoff)]
    async with sessions() as session:
        registrations = [
            r.id
            for person in (VICTIM, WAITING, OTHER)
            for r, _ in await service.my_registrations(session, person)
        ]
    return {
        "v": [full.id, offering.id, draft.id],
        "r": registrations,
        "q": questions,
        "h": handoffs,
    }


def owned_by_attacker(row: dict[str, Any]) -> bool:
    """Whether a row is the acting user's own (theirs to change)."""
    return any(row.get(column) == ATTACKER for column in ("telegram_id", "chat_id"))


async def others_rows(bot: Harness) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every table, by primary key, except the attacker's own rows."""
    services = bot.app.bot_data["services"]
    await services.activity.flush()
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    async with services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            rows = (await session.execute(select(table))).mappings().all()
            tables[table.name] = {
                tuple(row[k] for k in keys): dict(row)
                for row in rows
                if not owned_by_attacker(dict(row))
            }
    return tables


def diff(before: dict, after: dict) -> list[str]:
    """What changed between two snapshots, table by table."""
    changes = []
    for table, was in before.items():
        for key in was.keys() | after[table].keys():
            if was.get(key) != after[table].get(key):
                changes.append(f"{table}{key}: {was.get(key)} -> {after[table].get(key)}")
    return changes


class Watch:
    """Sends the attacker's updates one by one and checks what each did."""

    def __init__(self, bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self.bot = bot
        self.caplog = caplog
        self.sent = 0

    async def __call__(self, update: dict[str, Any], what: str) -> None:
        api = self.bot.api
        before = await others_rows(self.bot)
        events, messages = len(api.events), len(api.messages(ATTACKER))
        self.caplog.clear()
        await self.bot.feed(update)
        self.sent += 1
        new = api.events[events:]
        elsewhere = [e for e in new if e.chat_id != ATTACKER]
        assert elsewhere == [], f"{what!r} reached another chat: {elsewhere}"
        said = [m.plain for m in api.messages(ATTACKER)[messages:]]
        said += [e.text or "" for e in new if e.kind == "answer"]
        assert not [s for s in said if s.startswith(tuple(APOLOGIES))], f"{what!r}: {said}"
        errors = [r.getMessage() for r in self.caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], f"{what!r}: {errors}"
        changed = diff(before, await others_rows(self.bot))
        assert changed == [], f"{what!r} changed: {changed}"


def forged(templates: list[str], ids: dict[str, list[int]]) -> list[str]:
    """The callback data to send: each template with every id, odd ids, suffixes."""
    out: list[str] = []
    for template in templates:
        kind = next((k for k in "vrqh" if "{" + k + "}" in template), None)
        if kind is None:
            out += [template + suffix for suffix in ["", *SUFFIXES]]
            continue
        values = [str(i) for i in ids[kind]] + SPECIAL_IDS + ODD_IDS
        out += [template.replace("{" + kind + "}", value) for value in values]
        first = template.replace("{" + kind + "}", str(ids[kind][0]))
        out += [first + suffix for suffix in SUFFIXES]
    return out + MALFORMED


def registered(bot: Harness) -> tuple[list[re.Pattern[str]], set[str]]:
    """The callback patterns and the commands the Application has handlers for."""
    patterns, commands = [], set()
    for handlers in bot.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = handler.pattern
                patterns.append(re.compile(pattern) if isinstance(pattern, str) else pattern)
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
    return patterns, commands


async def test_every_registered_button_and_command_is_swept(bot: Harness) -> None:
    # A new button or command must join the sweeps below: this fails until it does.
    patterns, commands = registered(bot)
    examples = forged(TEMPLATES, {"v": [1], "r": [1], "q": [1], "h": [1]})
    unswept = [p.pattern for p in patterns if not any(p.match(data) for data in examples)]
    assert unswept == []
    assert commands == set(COMMANDS)


async def test_buttons_take_ascii_digits_only(bot: Harness) -> None:
    # `\\d` also matches ١ and １, and int() reads them: "m:c:١" would address registration 1.
    patterns, _ = registered(bot)
    examples = forged(TEMPLATES, {"v": [1], "r": [1], "q": [1], "h": [1]})
    for data in examples:
        other_digits = data.replace("1", "١")
        if other_digits != data:
            assert not [p.pattern for p in patterns if p.match(other_digits)], other_digits


async def test_forged_buttons_change_nothing_of_anyone_else(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await scene(bot)
    [menu] = await bot.send(ATTACKER, "/start")
    watch = Watch(bot, caplog)
    for data in forged(TEMPLATES, ids):
        press = bot.api.callback_update(ATTACKER, menu.message_id, data)
        await watch(press, data)
    assert watch.sent > 400


ARGUMENTS = [
    "",
    "0",
    "-1",
    str(2**31),
    str(2**63),
    str(10**30),
    "١",
    "１２",
    "x" * 64,
    "#1",
    "1 2",
    "<b>1</b>",
    "\u202e1",
]


async def test_commands_with_odd_arguments_change_nothing_of_anyone_else(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await scene(bot)
    watch = Watch(bot, caplog)
    arguments = [
        *ARGUMENTS,
        *(str(i) for i in ids["v"] + ids["r"]),
        *(f"visit_{i}" for i in ids["v"]),
    ]
    for command in COMMANDS:
        for argument in arguments:
            text = f"/{command} {argument}".rstrip()
            await watch(bot.api.message_update(ATTACKER, text), text)
    # The forms that are not commands of ours, and the bot's name.
    for text in ("/start@iuc_test_bot visit_1", "/visits@other_bot", "/VISITS", "/export_1"):
        await watch(bot.api.message_update(ATTACKER, text), text)
