"""Messages the hand-off loop sends on its own: to the coordinators when a question comes in,
and to the asker when it is answered."""

from __future__ import annotations

import logging
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import ReplyParameters
from telegram.error import TelegramError

from bot import roles
from bot.db.models import Handoff
from bot.handlers.access import configured
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.review.views import card_html, card_keyboard, quoted
from bot.handlers.replies import split_message
from bot.i18n import Translator, negotiate
from bot.review import queue
from bot.roles import Role

log = logging.getLogger(__name__)


async def notify_coordinators(context: IUCContext, handoff: Handoff) -> int:
    """Each coordinator gets the question at once, in their own language, with its buttons;
    returns how many were reached (one who never wrote to the bot cannot be)."""
    services = context.services
    given = configured(context)
    try:
        async with services.sessions() as session:
            held = await roles.holders(session, given)
            ids = sorted(who for who, role in held.items() if role >= Role.COORDINATOR)
            languages = await queue.languages_of(session, ids)
    except SQLAlchemyError:
        log.warning("could not read the coordinators or their languages", exc_info=True)
        ids, languages = sorted(given.coordinator_ids), {}
    reached = 0
    for coordinator in ids:
        t = Translator(negotiate(languages.get(coordinator), services.settings.default_locale))
        try:
            await context.bot.send_message(
                coordinator,
                card_html(t, handoff, new=True),
                parse_mode="HTML",
                reply_markup=card_keyboard(t, handoff),
            )
        except TelegramError as exc:
            log.warning("could not tell coordinator %s of #%s: %s", coordinator, handoff.id, exc)
        else:
            reached += 1
    return reached


def answer_html(handoff: Handoff, answer: str, *, found: bool = False) -> str:
    """What the asker reads, in their language: the frame, their question, the answer as the
    coordinator typed it (or the fact the question was found to ask for)."""
    t = Translator(handoff.lang)
    head = (
        t.gettext("A coordinator found the answer to your question:")
        if found
        else t.gettext("A coordinator answered your question:")
    )
    return f"{head}\n{quoted(handoff.text)}\n{escape(answer, quote=False)}"


async def deliver(context: IUCContext, handoff: Handoff, html: str) -> bool:
    """Send the answer to the asker's chat, under their question; False when Telegram refused
    (the asker blocked the bot or deleted the chat)."""
    reply_to = None
    if handoff.message_id is not None:
        reply_to = ReplyParameters(handoff.message_id, allow_sending_without_reply=True)
    try:
        for piece in split_message(html):
            await context.bot.send_message(
                handoff.chat_id,
                piece,
                parse_mode="HTML",
                reply_parameters=reply_to,
            )
    except TelegramError as exc:
        log.warning("could not deliver the answer to #%s: %s", handoff.id, exc)
        return False
    return True
