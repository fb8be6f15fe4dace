"""The asker's side of the hand-off: "Ask a coordinator" under an "I don't know"."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.review.notify import notify_coordinators
from bot.handlers.replies import callback, try_edit
from bot.i18n import Translator
from bot.review import queue

log = logging.getLogger(__name__)


def handoff_keyboard(question_id: int, t: Translator) -> InlineKeyboardMarkup:
    """The one button that hands the question (the message question_id) to a person."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🙋 " + t.pgettext("button", "Ask a coordinator"),
                    callback_data=callback("ho", question_id),
                )
            ]
        ]
    )


async def ask_coordinator(update: Update, context: IUCContext) -> None:
    """Queues the question with the asker's language, tells the coordinators, and tells the
    asker that a person will answer here."""
    query = update.callback_query
    t = await identify(update, context)
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        # The answer comes back to the asker's chat: only private chats have the button.
        await query.answer(t.gettext("This button is no longer active."))
        return
    question_id = int((query.data or "").split(":")[1])
    services = context.services
    try:
        text, lang = await _question(context, message.chat.id, question_id)
        if not text:
            replied = message.reply_to_message
            text, lang = (replied.text if replied else None), t.lang
        if not text:
            await query.answer(t.gettext("That question is no longer available."))
            return
        async with services.sessions.begin() as session:
            handoff, new = await queue.hand_off(
                session,
                telegram_id=query.from_user.id,
                chat_id=message.chat.id,
                message_id=question_id,
                text=text,
                lang=lang or t.lang,
                now=services.clock(),
            )
    except SQLAlchemyError:
        log.warning("could not queue a question for the coordinators", exc_info=True)
        await query.answer(
            t.gettext("Sorry, I could not save that. Please try again."), show_alert=True
        )
        return
    await query.answer()
    await try_edit(query.edit_message_reply_markup(None))
    if not new:
        await message.reply_html(
            t.gettext("You have passed this question on already; a coordinator will answer here.")
        )
        return
    await message.reply_html(
        t.gettext(
            "Thank you. I have passed your question to the programme coordinators; "
            "a coordinator will answer you here, in this chat."
        )
    )
    await notify_coordinators(context, handoff)


async def _question(
    context: IUCContext, chat_id: int, message_id: int
) -> tuple[str | None, str | None]:
    """The question's text and language from the log (written a moment after the question:
    what is queued is written first, within the database's deadline)."""
    services = context.services
    try:
        async with asyncio.timeout(services.settings.db_timeout):
            await services.activity.flush()
    except TimeoutError:
        log.warning("the question log is not written yet")
    async with services.sessions() as session:
        return await queue.logged_question(session, chat_id, message_id)
