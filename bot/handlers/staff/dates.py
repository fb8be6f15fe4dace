"""/dates: upcoming and recent meetings, events and visits, in the reader's language."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.handlers.context import IUCContext, identify
from bot.handlers.replies import split_message
from bot.handlers.staff.access import staff_view
from bot.lookups.dates import DateEntry, arrange, knowledge_dates, visit_dates
from bot.lookups.render import dates_html

log = logging.getLogger(__name__)


async def all_dates(context: IUCContext, *, staff: bool) -> tuple[list[DateEntry], bool]:
    """The knowledge base's events and the visits the reader may see; False when the
    database could not be read (the events are still there)."""
    services = context.services
    entries = knowledge_dates(services.qa.kb)
    if services.sessions is None:
        return entries, False
    try:
        async with services.sessions.begin() as session:
            entries += await visit_dates(session, services.clock(), staff=staff)
    except SQLAlchemyError:
        log.warning("could not read the visits for the dates", exc_info=True)
        return entries, False
    return entries, True


async def dates(update: Update, context: IUCContext) -> None:
    """Lists the upcoming dates, then the earlier ones."""
    t = await identify(update, context)
    staff = await staff_view(update, context)
    entries, complete = await all_dates(context, staff=staff)
    upcoming, earlier = arrange(entries, context.services.clock())
    text = dates_html(t, context.services.qa.kb, upcoming, earlier, staff=staff)
    if not complete:
        text += "\n\n" + t.gettext(
            "The visits cannot be shown just now: the database is not available. "
            "Please try again in a moment."
        )
    for piece in split_message(text):
        await update.effective_message.reply_html(piece)
