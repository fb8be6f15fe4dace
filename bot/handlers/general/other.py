"""What the bot cannot read (stickers, photos, unknown commands, stale buttons) and errors."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from bot.db import repo
from bot.db.activity import FLUSH_TIMEOUT_S
from bot.handlers.context import IUCContext, identify
from bot.i18n import Translator, negotiate

log = logging.getLogger(__name__)


async def not_text(update: Update, context: IUCContext) -> None:
    """Politely says that only text messages are understood."""
    t = await identify(update, context)
    await update.effective_message.reply_html(
        t.gettext("I understand text messages only. Please type your question.")
    )


async def unknown_command(update: Update, context: IUCContext) -> None:
    """Points to /help when a private chat sends a command the bot does not have."""
    t = await identify(update, context)
    await update.effective_message.reply_html(
        t.gettext("I do not know that command. Send /help to see what I can do.")
    )


async def stale_button(update: Update, context: IUCContext) -> None:
    """Answers a button whose data no handler accepts (old, foreign or forged) and does nothing."""
    await update.callback_query.answer()


async def error_handler(update: object, context: IUCContext) -> None:
    """Logs the error with its traceback, then apologizes to the user in their language."""
    if isinstance(context.error, Forbidden):
        # The user blocked the bot (or removed it from a group): nobody to apologize to.
        log.info("forbidden to write to a chat: %s", context.error)
        await _mark_blocked(update, context)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = negotiate(
        (context.user_data or {}).get("lang") if context.user_data is not None else None,
        user.language_code if user else None,
        context.services.settings.default_locale,
    )
    t = Translator(lang)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            t.gettext("Sorry, something went wrong on my side. Please try again in a moment."),
        )
    except TelegramError:
        log.warning("could not send the apology either", exc_info=True)


async def _mark_blocked(update: object, context: IUCContext) -> None:
    """Records a private chat's Forbidden, so that broadcasts skip the user until they write."""
    services = context.services
    if (
        not isinstance(update, Update)
        or update.effective_chat is None
        or update.effective_chat.type != ChatType.PRIVATE
        or services.sessions is None
    ):
        return
    try:
        # The user's row may still be queued (their first message was a question).
        async with asyncio.timeout(FLUSH_TIMEOUT_S):
            await services.activity.flush()
        async with services.sessions.begin() as session:
            await repo.mark_blocked(session, update.effective_chat.id, services.clock())
    except (SQLAlchemyError, TimeoutError):
        log.warning("could not record that the user blocked the bot", exc_info=True)
