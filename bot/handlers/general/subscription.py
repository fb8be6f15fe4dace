"""/subscribe and /unsubscribe: whether a person receives the coordinators' announcements.

Messages about a visit the person registered for (a broadcast to its registrants or its
waiting list) still reach them: unsubscribing stops announcements, not their own visit's news.
"""

from __future__ import annotations

import logging
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.db import repo
from bot.handlers.context import IUCContext, identify

log = logging.getLogger(__name__)


async def subscribe(update: Update, context: IUCContext) -> None:
    """Turns announcements back on and says so."""
    await _set(update, context, subscribed=True)


async def unsubscribe(update: Update, context: IUCContext) -> None:
    """Turns announcements off and says what still arrives."""
    await _set(update, context, subscribed=False)


async def _set(update: Update, context: IUCContext, *, subscribed: bool) -> None:
    t = await identify(update, context)  # also writes the user's row the update below needs
    services = context.services
    try:
        assert services.sessions is not None
        async with services.sessions.begin() as session:
            known = await repo.set_subscribed(session, update.effective_user.id, subscribed)
    except (SQLAlchemyError, AssertionError):
        log.warning("could not store the subscription", exc_info=True)
        known = False
    if not known:
        text = t.gettext("Sorry, I could not save that. Please try again.")
    elif subscribed:
        text = t.gettext(
            "You will receive the programme's announcements. To stop them, send /unsubscribe."
        )
    else:
        text = t.gettext(
            "You will no longer receive the programme's announcements. Messages about the "
            "visits you registered for still reach you. To receive announcements again, "
            "send /subscribe."
        )
    await update.effective_message.reply_html(escape(text, quote=False))
