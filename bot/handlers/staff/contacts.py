"""/contacts [name or department]: people and units of the knowledge base, and how to reach
them as far as it records it; without a name, the whole book as buttons."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.context import IUCContext, identify
from bot.handlers.replies import callback, split_message
from bot.i18n import Translator
from bot.lookups.contacts import ContactBook, card_html, contact_book

MAX_QUERY = 100  # characters: a name or a department, not a letter
BUTTON_TEXT = 60


def overview_keyboard(t: Translator, book: ContactBook) -> InlineKeyboardMarkup:
    """A button per person and unit, in the book's order (units first)."""
    rows = []
    for number, record in enumerate(book.records):
        name = record.name[t.lang]
        label = name if len(name) <= BUTTON_TEXT else name[: BUTTON_TEXT - 1] + "…"
        rows.append([InlineKeyboardButton(label, callback_data=callback("ct", number))])
    return InlineKeyboardMarkup(rows)


async def contacts(update: Update, context: IUCContext) -> None:
    """The cards of the contacts a name fits, or the overview when none is given or fits."""
    t = await identify(update, context)
    book = contact_book(context.services.qa.kb)
    message = update.effective_message
    query = " ".join(context.args or ()).strip()
    if len(query) > MAX_QUERY:
        await message.reply_html(
            # Translators: the example after /contacts is a word in your language
            # that finds the Office of the Chief Architect.
            t.gettext(
                "That is too long for a name. Please send /contacts with a name or a "
                "department, for example: /contacts architect"
            )
        )
        return
    if not query:
        await message.reply_html(
            t.gettext("Whom are you looking for? Choose below, or send /contacts with a name."),
            reply_markup=overview_keyboard(t, book),
        )
        return
    found = book.find(query)
    if not found:
        await message.reply_html(
            # Translators: sk impersonal on purpose (no gendered bot persona).
            t.gettext("I found no person or department for “{query}”. Choose below:").format(
                query=escape(query, quote=False)
            ),
            reply_markup=overview_keyboard(t, book),
        )
        return
    text = "\n\n".join(card_html(t, book.kb, record) for record in found)
    for piece in split_message(text):
        await message.reply_html(piece)


async def contact_chosen(update: Update, context: IUCContext) -> None:
    """A button of the overview: that contact's card."""
    query = update.callback_query
    t = await identify(update, context)
    book = contact_book(context.services.qa.kb)
    record = book.get(int(query.data.split(":")[1]))
    if record is None:  # a button of a book that has changed since (a reload)
        await query.answer(t.gettext("This list is out of date. Please send /contacts again."))
        return
    await query.answer()
    await query.message.reply_html(card_html(t, book.kb, record))
