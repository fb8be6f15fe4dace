"""/myvisits: the person's registrations, with Change (one field at a time) and Withdraw.

Button data: "m:<action>:<registration id>[:<field or role>]". The field being changed is
saved as a draft (kind "change"), so the new value typed reaches any bot process.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.db.models import Registration, Visit
from bot.handlers.context import IUCContext, identify
from bot.handlers.myvisits.change import (
    CACHED,
    FIELDS,
    KIND,
    OPTIONAL,
    ask_value,
    change,
    keyboard_button,
    say,
)
from bot.handlers.myvisits.offers import offer_keyboard, pass_on
from bot.handlers.privacy.handlers import pack
from bot.handlers.registration.replies import unavailable
from bot.handlers.replies import try_edit
from bot.handlers.visit_views import (
    field_label,
    refusal,
    registration_card,
    role_name,
    visit_heading,
)
from bot.i18n import Translator
from bot.visits import rules, service

log = logging.getLogger(__name__)


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _changeable(registration: Registration, visit: Visit, today: Any) -> bool:
    return registration.active and visit.status != "past" and visit.end_date >= today


def _withdrawable(visit: Visit, now: datetime) -> bool:
    try:
        service.check_withdrawable(visit, now)
    except rules.VisitError:
        return False
    return True


async def myvisits(update: Update, context: IUCContext) -> None:
    """Lists the person's registrations: each active one with its buttons, then the rest."""
    t = await identify(update, context)
    services = context.services
    try:
        async with services.sessions.begin() as session:
            found = await service.my_registrations(session, update.effective_user.id)
    except SQLAlchemyError:
        log.warning("could not list registrations", exc_info=True)
        await update.effective_message.reply_html(escape(unavailable(t)))
        return
    if not found:
        await update.effective_message.reply_html(
            escape(
                t.gettext("You have no registrations yet. Send /register to register for a visit.")
            )
        )
        return
    today = services.clock().date()
    earlier = []
    for registration, visit in found:
        if not _changeable(registration, visit, today):
            earlier.append(registration_card(t, registration, visit))
            continue
        buttons = [keyboard_button("✏️ " + t.pgettext("button", "Change"), "c", registration.id)]
        if _withdrawable(visit, services.clock()):
            buttons.append(
                keyboard_button("✖ " + t.pgettext("button", "Withdraw"), "w", registration.id)
            )
        rows = [buttons]
        if registration.status == rules.RegistrationStatus.OFFERED:
            rows = [*offer_keyboard(t, registration.id).inline_keyboard, buttons]
        await update.effective_message.reply_html(
            registration_card(t, registration, visit), reply_markup=InlineKeyboardMarkup(rows)
        )
    if earlier:
        heading = t.gettext("Earlier registrations:")
        head = f"<b>{escape(heading)}</b>"
        for piece in pack([head, *earlier]):
            await update.effective_message.reply_html(piece)


async def button(update: Update, context: IUCContext) -> None:
    """Change, a field to change, a role, "none", cancel, Withdraw and its confirmation."""
    query = update.callback_query
    action, raw_id, *extra = (query.data or "").split(":")[1:]
    registration_id = int(raw_id)
    value = extra[0] if extra else ""
    t = await identify(update, context)
    await query.answer()
    user_id = query.from_user.id
    services = context.services
    try:
        async with services.sessions.begin() as session:
            found = await service.get_registration(session, registration_id, user_id)
            if found is None:
                raise rules.RegistrationNotFound()
            registration, visit = found
            if action not in ("x", "wn") and not registration.active:
                raise rules.RegistrationNotActive(registration.status)
            if action in ("w", "wy"):
                # A Withdraw button sent before the visit began may be pressed during it.
                service.check_withdrawable(visit, services.clock())
            if action == "f" and value in FIELDS and value != "role":
                data = {"registration_id": registration_id}
                await service.save_draft(session, user_id, KIND, value, data, services.clock())
            elif action == "x":
                await service.delete_draft(session, user_id, KIND)
    except rules.VisitError as exc:
        await try_edit(query.edit_message_reply_markup(None))
        await say(update, escape(refusal(t, exc), quote=False))
        return
    except SQLAlchemyError:
        log.warning("could not read or save a registration change", exc_info=True)
        await say(update, escape(t.gettext("Sorry, I could not save that. Please try again.")))
        return
    if action == "c":
        labels = [keyboard_button(field_label(t, f), "f", registration_id, f) for f in FIELDS]
        markup = InlineKeyboardMarkup(_pairs(labels))
        await say(
            update,
            visit_heading(t, visit) + "\n" + escape(t.gettext("What would you like to change?")),
            markup,
        )
    elif action == "f" and value == "role":
        roles = [keyboard_button(role_name(t, r), "r", registration_id, r) for r in visit.roles]
        await say(
            update,
            escape(t.gettext("What is your role on the visit?")),
            InlineKeyboardMarkup(_pairs(roles)),
        )
    elif action == "f" and value in FIELDS:
        context.user_data[CACHED] = value
        await try_edit(query.edit_message_reply_markup(None))
        await ask_value(update, t, registration, value)
    elif action == "r" and value in visit.roles:
        await change(update, context, t, registration_id, "role", value)
    elif action == "n" and value in OPTIONAL:
        await change(update, context, t, registration_id, value, None)
    elif action == "x":
        context.user_data.pop(CACHED, None)
        await try_edit(query.edit_message_reply_markup(None))
        await say(update, escape(t.gettext("Nothing was changed.")))
    elif action == "w":
        buttons = [
            keyboard_button(t.pgettext("button", "Yes, withdraw"), "wy", registration_id),
            keyboard_button(t.pgettext("button", "No, keep it"), "wn", registration_id),
        ]
        text = (
            visit_heading(t, visit)
            + "\n"
            + escape(
                t.gettext(
                    "Do you really want to withdraw your registration? "
                    "Your place will be offered to someone else."
                )
            )
        )
        await say(update, text, InlineKeyboardMarkup([buttons]))
    elif action == "wy":
        await _withdraw(update, context, t, registration_id, visit)
    elif action == "wn":
        await try_edit(query.edit_message_reply_markup(None))
        await say(update, escape(t.gettext("Your registration stays as it is.")))


async def _withdraw(
    update: Update, context: IUCContext, t: Translator, registration_id: int, visit: Visit
) -> None:
    services = context.services
    try:
        async with services.sessions.begin() as session:
            offer = await service.withdraw(
                session,
                registration_id,
                update.effective_user.id,
                services.clock(),
                services.settings.offer_hours,
            )
    except rules.VisitError as exc:
        await say(update, escape(refusal(t, exc), quote=False))
        return
    except SQLAlchemyError:
        log.warning("could not withdraw a registration", exc_info=True)
        await say(update, escape(t.gettext("Sorry, I could not save that. Please try again.")))
        return
    await try_edit(update.callback_query.edit_message_reply_markup(None))
    await say(
        update,
        visit_heading(t, visit) + "\n" + escape(t.gettext("Your registration is withdrawn.")),
    )
    await pass_on(context.bot, services, offer)
