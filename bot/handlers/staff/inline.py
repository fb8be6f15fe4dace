"""Inline mode: `@bot query` in any chat offers dates, contacts and facts to send there."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot.handlers.context import IUCContext, identify
from bot.handlers.replies import split_message
from bot.handlers.staff.access import staff_view
from bot.handlers.staff.dates import all_dates
from bot.lookups.contacts import contact_book
from bot.lookups.inline import lookup

# Seconds Telegram may reuse an answer: short, as visits open and fill during the day; per
# person (is_personal), since staff and delegates get different results.
CACHE_SECONDS = 30


async def inline_query(update: Update, context: IUCContext) -> None:
    """Answers an inline query with articles in the asker's language."""
    inline = update.inline_query
    t = await identify(update, context)
    staff = await staff_view(update, context)
    services = context.services
    entries, _ = await all_dates(context, staff=staff)  # without the database: the events
    results = lookup(
        t,
        services.qa,
        contact_book(services.qa.kb),
        entries,
        inline.query,
        staff=staff,
        now=services.clock(),
    )
    await inline.answer(
        [
            InlineQueryResultArticle(
                id=result.id,
                title=result.title,
                description=result.description,
                input_message_content=InputTextMessageContent(
                    split_message(result.html)[0], parse_mode=ParseMode.HTML
                ),
            )
            for result in results
        ],
        cache_time=CACHE_SECONDS,
        is_personal=True,
    )
