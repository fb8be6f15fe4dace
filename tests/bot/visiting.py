"""Helpers for the delegates' visit conversations: visits made in the database, answers typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.db.models import Visit
from bot.db.session import make_engine, make_sessionmaker
from bot.i18n import Translator
from bot.localapi import SentMessage
from bot.visits import service
from tests.bot.harness import NOW, Harness
from tests.visits.factory import visit_fields

# The steps in order, and a valid answer to each per language: ("text", what is typed) or
# ("button", the msgid of the button pressed) — every language's forms of dates included.
ANSWERS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "full_name": ("text", "Jane Doe"),
        "organisation": ("text", "City of Bratislava"),
        "city": ("text", "Bratislava"),
        "role": ("button", "Delegate"),
        "arrival": ("text", "20 May 2027"),
        "departure": ("text", "22.5.2027"),
        "dietary": ("button", "None"),
        "accessibility": ("text", "Step-free access"),
        "email": ("text", "jane@example.com"),
    },
    "sk": {
        "full_name": ("text", "Ján Novák"),
        "organisation": ("text", "Magistrát hlavného mesta SR Bratislavy"),
        "city": ("text", "Bratislava"),
        "role": ("button", "Expert"),
        "arrival": ("text", "20. mája"),
        "departure": ("text", "2027-05-22"),
        "dietary": ("text", "vegetariánska strava"),
        "accessibility": ("button", "None"),
        "email": ("button", "Skip"),
    },
    "ja": {
        "full_name": ("text", "山田 花子"),
        "organisation": ("text", "所沢市役所"),
        "city": ("text", "所沢"),
        "role": ("button", "Interpreter"),
        "arrival": ("text", "2027年5月20日"),
        "departure": ("text", "5月22日"),
        "dietary": ("text", "なし"),
        "accessibility": ("text", "車椅子"),
        "email": ("text", "ｈａｎａｋｏ＠example.jp"),
    },
}
STEPS = list(ANSWERS["en"])
QUESTION = {  # the start of each step's question, per language
    "full_name": {"en": "What is your full name?", "sk": "Ako sa voláte", "ja": "お名前"},
    "organisation": {"en": "Which organisation", "sk": "Ktorú organizáciu", "ja": "ご所属"},
    "city": {"en": "Which city", "sk": "Z ktorého mesta", "ja": "どちらの都市"},
    "role": {"en": "What is your role", "sk": "Akú úlohu", "ja": "訪問での役割"},
    "arrival": {"en": "On which day do you arr", "sk": "V ktorý deň prich", "ja": "到着日"},
    "departure": {"en": "On which day do you lea", "sk": "V ktorý deň odch", "ja": "出発日"},
    "dietary": {"en": "Do you have any dietary", "sk": "Máte nejaké stravovacie", "ja": "食事"},
    "accessibility": {"en": "Do you have any acc", "sk": "Máte nejaké potreby", "ja": "アクセシ"},
    "email": {"en": "Your e-mail", "sk": "Vaša e-mailová", "ja": "コーディネーター"},
    "consent": {"en": "Before I save", "sk": "Skôr než", "ja": "ご登録を保存する前に"},
    "confirm": {"en": "Please check", "sk": "Skontrolujte", "ja": "回答内容"},
}


def label(lang: str, msgid: str, context: str = "button") -> str:
    """A button's label in a language (roles have their own context)."""
    roles = ("Delegate", "Expert", "Interpreter", "Press", "Other")
    return Translator(lang).pgettext("role" if msgid in roles else context, msgid)


async def open_visit(bot: Harness, **overrides: Any) -> Visit:
    """An open visit (20–23 May 2027 in Tokorozawa) created as a coordinator would."""
    async with bot.app.bot_data["services"].sessions.begin() as session:
        visit = await service.create_visit(session, **visit_fields(**overrides), now=NOW)
        return await service.set_visit_status(session, visit.id, "open", NOW)


async def give(bot: Harness, user: int, lang: str, how: tuple[str, str]) -> list[SentMessage]:
    """Answers the current question: types the text or presses the button."""
    kind, value = how
    if kind == "text":
        return await bot.send(user, value, lang=lang)
    return await bot.press(user, bot.api.last_message(user), label(lang, value), lang=lang)


async def start(bot: Harness, user: int, lang: str, visit: Visit) -> list[SentMessage]:
    """/register, then the visit's button."""
    [menu] = await bot.send(user, "/register", lang=lang)
    [data] = [d for _, d in bot.api.buttons(menu) if d == f"r:visit:{visit.id}"]
    before = len(bot.api.messages(user))
    await bot.feed(bot.api.callback_update(user, menu.message_id, data, language_code=lang))
    return bot.api.messages(user)[before:]


async def answer_until(
    bot: Harness,
    user: int,
    lang: str,
    stop: str,
    *,
    begin: str = "full_name",
    **changed: tuple[str, str],
) -> list[SentMessage]:
    """Answers the steps from `begin` to before `stop` ("consent": to the last), in order."""
    replies: list[SentMessage] = []
    answers = ANSWERS[lang] | changed
    end = STEPS.index(stop) if stop in STEPS else len(STEPS)
    for step in STEPS[STEPS.index(begin) : end]:
        replies = await give(bot, user, lang, answers[step])
    return replies


async def register(bot: Harness, user: int, lang: str, visit: Visit) -> list[SentMessage]:
    """A whole registration through the bot; returns what the confirmation sent."""
    await start(bot, user, lang, visit)
    await answer_until(bot, user, lang, "consent")
    await bot.press(user, bot.api.last_message(user), label(lang, "I agree"), lang=lang)
    return await bot.press(user, bot.api.last_message(user), label(lang, "Confirm"), lang=lang)


@asynccontextmanager
async def failing_writes(bot: Harness) -> AsyncIterator[None]:
    """A database that reads but refuses every write, for as long as the block lasts."""
    services = bot.app.bot_data["services"]
    engine = make_engine(services.settings.database_url)

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise OperationalError(statement, None, RuntimeError("disk full (on purpose)"))

    event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    working, services.sessions = services.sessions, make_sessionmaker(engine)
    try:
        yield
    finally:
        services.sessions = working
        await engine.dispose()
