"""Messages the bot cannot read (stickers, photos, voice…) and the error handler."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.handlers.context import IUCContext, identify
from bot.i18n import Translator, negotiate

log = logging.getLogger(__name__)


async def not_text(update: Update, context: IUCContext) -> None:
    """Politely says that only text messages are understood."""
    t = await identify(update, context)
    await update.effective_message.reply_html(
        t.gettext("I understand text messages only. Please type your question.")
    )


async def error_handler(update: object, context: IUCContext) -> None:
    """Logs the error with its traceback, then apologizes to the user in their language."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the user blocked the bot: nobody to apologize to
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
