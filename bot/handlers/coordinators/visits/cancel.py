"""A coordinator calls a visit off: asked once more, then every registrant told and released.

Each registrant hears it in their own language, once (the notice is claimed per
registration, as date-change notices are); those who held a place also get a calendar file
that removes the event they imported (METHOD:CANCEL, the same UID).
"""

from __future__ import annotations

from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.db.models import Registration
from bot.handlers.context import IUCContext, Services
from bot.handlers.coordinators.visits.handlers import visit_from_button
from bot.handlers.coordinators.visits.views import card_html, card_keyboard, share_link
from bot.handlers.replies import callback, try_edit
from bot.handlers.visit_notices import city_name, send_html, visit_title, when_text
from bot.handlers.visit_views import place_name
from bot.i18n import Translator
from bot.visits import rules, service
from bot.visits.ics import visit_ics

# A visit over or already called off cannot be called off.
_FINAL = (rules.VisitStatus.PAST, rules.VisitStatus.CANCELLED)


async def ask(update: Update, context: IUCContext) -> None:
    """The card's "Cancel visit": says what will happen and asks to confirm."""
    found = await visit_from_button(update, context)
    if found is None:
        return
    t, visit = found
    query = update.callback_query
    if visit.status in _FINAL:
        await query.message.reply_html(t.gettext("This visit is over; it cannot be changed."))
        return
    text = t.gettext(
        "Cancel “{title}”? Every registration is released and each registrant is told in "
        "their language, with a calendar file that removes the event. This cannot be undone."
    ).format(title=visit_title(visit, t.lang))
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.pgettext("visit button", "Yes, cancel the visit"),
                    callback_data=callback("cv", "dropyes", visit.id),
                ),
                InlineKeyboardButton(
                    t.pgettext("visit button", "No, keep it"),
                    callback_data=callback("cv", "show", visit.id),
                ),
            ]
        ]
    )
    await query.message.reply_html(text, reply_markup=buttons)


async def confirm(update: Update, context: IUCContext) -> None:
    """Cancels the visit, tells every registrant, and shows the card again."""
    found = await visit_from_button(update, context)
    if found is None:
        return
    t, visit = found
    query = update.callback_query
    services = context.services
    assert services.sessions is not None
    await try_edit(query.edit_message_reply_markup(None))  # one tap is enough
    try:
        async with services.sessions.begin() as session:
            cancellation = await service.cancel_visit(session, visit.id, services.clock())
    except rules.VisitNotOpen:
        await query.message.reply_html(t.gettext("This visit is over; it cannot be changed."))
        return
    told = await tell_registrants(context.bot, services, cancellation)
    lines = [t.gettext("“{title}” is cancelled.").format(title=visit_title(visit, t.lang))]
    lines.append(
        t.ngettext(
            "{count} registrant was told in their language.",
            "{count} registrants were told in their language.",
            told,
        ).format(count=told)
    )
    await query.message.reply_html("\n".join(lines))
    link = share_link(context, visit.id)
    await query.message.reply_html(
        card_html(t, cancellation.visit, services.qa.kb, link),
        reply_markup=card_keyboard(t, cancellation.visit),
    )


async def tell_registrants(
    bot: Bot, services: Services, cancellation: service.Cancellation
) -> int:
    """Each registrant once, in their language; returns how many heard."""
    assert services.sessions is not None
    visit = cancellation.visit
    told = 0
    for person in cancellation.notify:
        try:
            async with services.sessions.begin() as session:
                won = await service.claim_reminder(
                    session, person.registration_id, cancellation.notice_kind, services.clock()
                )
        except SQLAlchemyError:
            continue
        if not won:
            continue
        t = Translator(person.lang)
        text = t.gettext(
            "We are sorry: “{title}” in {city} ({when}) has been cancelled. Your registration "
            "is released; there is nothing more you need to do."
        ).format(
            title=visit_title(visit, t.lang),
            city=escape(city_name(services.qa.kb, visit.host_city, t.lang), quote=False),
            when=when_text(t, visit),
        )
        if not await send_html(bot, services, person.telegram_id, text):
            continue
        told += 1
        if person.had_place:
            # The same UID and days as the file sent at confirmation: calendars match them.
            stay = Registration(
                id=person.registration_id, arrival=person.arrival, departure=person.departure
            )
            content = visit_ics(
                visit,
                stay,
                lang=t.lang,
                now=services.clock(),
                place=place_name(services, visit, t.lang),
                cancelled=True,
            )
            await bot.send_document(
                person.telegram_id,
                document=content,
                filename=f"visit-{visit.id}.ics",
                caption=t.gettext("This file removes the visit from your calendar."),
            )
    return told
