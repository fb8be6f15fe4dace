"""Flood control at the door: the first handler every update meets (group FLOOD_GROUP)."""

from __future__ import annotations

import logging

from sqlalchemy.engine import make_url
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.config import Settings
from bot.db.flood import SharedFloodGate
from bot.db.url import async_url
from bot.flood import FloodGate, Verdict
from bot.handlers.context import IUCContext, Services
from bot.i18n import Translator, negotiate
from bot.observe.updates import mark

log = logging.getLogger(__name__)

FLOOD_GROUP = -100  # before every other group: a flood costs no matcher work
GATE_KEY = "flood gate"  # in bot_data


def gate_for(settings: Settings, services: Services) -> FloodGate | SharedFloodGate:
    """FLOOD_MESSAGES, FLOOD_WINDOW_SECONDS, FLOOD_PAUSE_SECONDS, counted where every process
    answering the bot sees them: in memory on SQLite (one process per file), in the database
    on PostgreSQL (several processes may share a webhook; a user's updates reach any of them).
    """
    limit, window, pause = settings.flood_messages, settings.flood_window, settings.flood_pause
    if make_url(async_url(settings.database_url)).get_backend_name() == "sqlite":
        return FloodGate(limit, window, pause)
    return SharedFloodGate(limit, window, pause, lambda: services.sessions)


async def door(update: Update, context: IUCContext) -> None:
    """Serves the update (returns), or says "slow down" once and stops it, or just stops it."""
    user = update.effective_user
    # Messages, buttons and inline queries are what a person sends; the bot's own membership
    # changes and channel posts are not counted.
    if user is None or not (update.message or update.callback_query or update.inline_query):
        return
    gate: FloodGate | SharedFloodGate = context.bot_data[GATE_KEY]
    verdict = await gate.check(user.id)
    if verdict is Verdict.SERVE:
        return
    mark("flood", "flood")
    if verdict is Verdict.WARN and update.effective_chat is not None:
        await _slow_down(update, context, round(gate.paused(user.id)))
    raise ApplicationHandlerStop


# Not wrapped by bot/observe: a served update's line names the handler after the door.
door._observed = True  # type: ignore[attr-defined]


async def _slow_down(update: Update, context: IUCContext, seconds: int) -> None:
    # The database is not asked for the /language choice: a flood must stay cheap. The
    # language this process last used with the user is in user_data.
    lang = negotiate(
        (context.user_data or {}).get("lang"),
        update.effective_user.language_code,
        context.services.settings.default_locale,
    )
    t = Translator(lang)
    text = t.ngettext(
        "You are sending messages very quickly. Please wait a moment: I will answer again in "
        "about {count} second.",
        "You are sending messages very quickly. Please wait a moment: I will answer again in "
        "about {count} seconds.",
        seconds,
    ).format(count=seconds)
    try:
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not send the slow-down message", exc_info=True)
