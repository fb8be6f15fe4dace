"""/start, /help, /language and /cancel."""

from __future__ import annotations

import logging
import re
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.db import repo
from bot.encodable import encodable
from bot.handlers.access import current_role
from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.role_views import role_help
from bot.handlers.registration import handlers as registration
from bot.handlers.replies import ROW_ID, callback, try_edit
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.roles import Role

log = logging.getLogger(__name__)


def help_text(t: Translator, context: IUCContext) -> str:
    """What the bot can do, with example questions, as HTML."""
    examples = "\n".join(f"• {escape(q)}" for q in context.services.qa.examples(t.lang))
    return "\n\n".join(
        [
            t.gettext(
                "I answer questions about the International Urban Cooperation (IUC) "
                "programme and the partnership of Bratislava and Tokorozawa: agreements, "
                "dates, meetings, people and departments. Ask in English, Slovak or Japanese."
            ),
            t.gettext("For example:") + "\n" + examples,
            t.gettext(
                "Commands:\n/help – this message\n/language – choose your language\n"
                "/cancel – stop what you are doing"
            ),
            t.gettext(
                "Visits:\n/register – register for a visit\n"
                "/myvisits – see, change or withdraw your registrations\n"
                "/mydata – everything I store about you\n/forget_me – erase your data"
            ),
            t.gettext(
                "Announcements:\n/unsubscribe – stop the programme's announcements\n"
                "/subscribe – receive them again"
            ),
        ]
    )


async def start(update: Update, context: IUCContext) -> None:
    """Greets the user in their language; routes a deep-link payload."""
    t = await identify(update, context)
    user = update.effective_user
    name = escape(encodable(user.first_name or "")) if user else ""
    greeting = t.gettext("Hello, {name}!").format(name=name) if name else t.gettext("Hello!")
    payload = context.args[0] if context.args else ""
    # Coordinators share t.me/<bot>?start=visit_<id>: straight into the registration.
    link = re.fullmatch(rf"visit_({ROW_ID})", payload)
    private = update.effective_chat.type == ChatType.PRIVATE
    if (
        link
        and private
        and await registration.start_from_link(
            update, context, t, int(link[1]), greeting=f"<b>{greeting}</b>"
        )
    ):
        return
    parts = [f"<b>{greeting}</b>", help_text(t, context)]
    if payload:
        # Deep links are the only way outsiders put text into /start; unknown ones are
        # harmless, so say so instead of failing.
        log.info("unknown /start payload %r", payload[:64])
        parts.insert(
            1, t.gettext("That link is not valid (any more). Here is what I can do instead.")
        )
    await update.effective_message.reply_html("\n\n".join(parts))


async def help_command(update: Update, context: IUCContext) -> None:
    """Says what the bot can do, with example questions; staff and coordinators also get
    their own commands."""
    t = await identify(update, context)
    text = help_text(t, context)
    role = await current_role(update, context)
    if role > Role.DELEGATE:
        text += "\n\n" + role_help(t, role)
    await update.effective_message.reply_html(text)


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per supported language, each named in its own language."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LANGUAGE_NAMES[lang], callback_data=callback("lang", lang))
                for lang in LANGUAGES
            ]
        ]
    )


async def language(update: Update, context: IUCContext) -> None:
    """Offers the languages as buttons."""
    t = await identify(update, context)
    await update.effective_message.reply_html(
        t.gettext("Choose your language:"), reply_markup=language_keyboard()
    )


async def language_chosen(update: Update, context: IUCContext) -> None:
    """Stores the chosen language and confirms in it."""
    query = update.callback_query
    lang = (query.data or "").split(":", 1)[-1]
    if lang not in LANGUAGES:
        await query.answer()
        return
    t = Translator(lang)
    try:
        await identify(update, context)
        sessions = context.services.sessions
        if sessions is not None:
            async with sessions.begin() as session:
                await repo.set_language(session, query.from_user.id, lang)
    except SQLAlchemyError:
        log.warning("could not store language choice", exc_info=True)
        await query.answer(t.gettext("Sorry, I could not save that. Please try again."))
        return
    context.user_data["lang"] = lang
    await query.answer()
    # Translators: not literal on purpose: name this catalog's language,
    # not English ("Odteraz vám budem odpovedať po slovensky.").
    await try_edit(query.edit_message_text(t.gettext("From now on I will answer in English.")))


async def cancel(update: Update, context: IUCContext) -> None:
    """Ends whatever the user was doing: a registration or a change in progress is deleted."""
    t = await identify(update, context)
    try:
        ended = await registration.cancel_conversations(update, context)
    except SQLAlchemyError:
        log.warning("could not delete a conversation draft", exc_info=True)
        await update.effective_message.reply_html(
            t.gettext("Sorry, I could not save that. Please try again.")
        )
        return
    if ended:
        text = t.gettext("Cancelled. Nothing of what you started was saved.")
    else:
        text = t.gettext("Cancelled. Ask me anything about the IUC programme.")
    await update.effective_message.reply_html(text)
