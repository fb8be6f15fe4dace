"""Waiting-list offers: the message with Accept and Decline, and what the buttons do.

`send_offer(bot, services, offer)` is for every place that frees one: a withdrawal here, a
decline, an expired offer or a larger capacity (the job queue and the coordinators).
"""

from __future__ import annotations

import logging
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.handlers.context import IUCContext, Services, identify
from bot.handlers.replies import callback, try_edit
from bot.handlers.visit_views import moment_text, refusal, send_calendar, visit_heading
from bot.i18n import Translator, negotiate
from bot.visits import rules, service
from bot.visits.results import Offer

log = logging.getLogger(__name__)


def offer_keyboard(t: Translator, registration_id: int) -> InlineKeyboardMarkup:
    """Accept and Decline buttons for an offered place."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + t.pgettext("button", "Accept"),
                    callback_data=callback("o", "a", registration_id),
                ),
                InlineKeyboardButton(
                    "✖ " + t.pgettext("button", "Decline"),
                    callback_data=callback("o", "d", registration_id),
                ),
            ]
        ]
    )


async def send_offer(bot: Bot, services: Services, offer: Offer) -> None:
    """Sends the offer to the person in their own language, with its deadline and buttons.

    Telegram errors (Forbidden when the person blocked the bot) reach the caller; an offer
    nobody answers expires and passes on by itself.
    """
    if offer.telegram_id is None or services.sessions is None:
        return
    async with services.sessions.begin() as session:
        visit = await service.get_visit(session, offer.visit_id)
    if visit is None:
        return
    t = Translator(negotiate(offer.lang))
    text = "\n\n".join(
        [
            visit_heading(t, visit),
            escape(
                t.gettext(
                    "Good news: a place has become free on this visit, and it is offered to "
                    "you. Would you like to take it? Please answer by {deadline}."
                )
            ).format(deadline=escape(moment_text(t, offer.expires_at, visit))),
        ]
    )
    await bot.send_message(
        offer.telegram_id,
        text,
        parse_mode="HTML",
        reply_markup=offer_keyboard(t, offer.registration_id),
    )


async def pass_on(bot: Bot, services: Services, offer: Offer | None) -> None:
    """Sends the next offer, if a freed place made one; a failure to send is only logged."""
    if offer is None:
        return
    try:
        await send_offer(bot, services, offer)
    except (TelegramError, SQLAlchemyError):
        # The offer stays; when it expires the job queue offers the place to the next.
        log.warning("could not send offer %s", offer.registration_id, exc_info=True)


async def answered(update: Update, context: IUCContext) -> None:
    """Accepts (confirmed, with a calendar file) or declines (next person offered) a place."""
    query = update.callback_query
    _, action, raw_id = (query.data or "").split(":")
    registration_id = int(raw_id)
    t = await identify(update, context)
    services = context.services
    now = services.clock()
    offer: Offer | None = None
    try:
        async with services.sessions.begin() as session:
            if action == "a":
                await service.accept_offer(session, registration_id, query.from_user.id, now)
            else:
                offer = await service.decline_offer(
                    session,
                    registration_id,
                    query.from_user.id,
                    now,
                    services.settings.offer_hours,
                )
            found = await service.get_registration(session, registration_id, query.from_user.id)
    except rules.VisitError as exc:
        await query.answer()
        await try_edit(query.edit_message_reply_markup(None))
        await update.effective_chat.send_message(
            escape(refusal(t, exc), quote=False), parse_mode="HTML"
        )
        return
    except SQLAlchemyError:
        log.warning("could not answer an offer", exc_info=True)
        await query.answer(t.gettext("Sorry, I could not save that. Please try again."))
        return
    await query.answer()
    await try_edit(query.edit_message_reply_markup(None))
    assert found is not None
    registration, visit = found
    if action == "a":
        text = t.gettext("Your place is confirmed. See you on the visit!")
    else:
        text = t.gettext("You have declined the place. Thank you for letting us know.")
    chat = update.effective_chat
    await chat.send_message(visit_heading(t, visit) + "\n" + escape(text), parse_mode="HTML")
    if action == "a":
        await send_calendar(context.bot, chat.id, services, t, visit, registration)
    await pass_on(context.bot, services, offer)
