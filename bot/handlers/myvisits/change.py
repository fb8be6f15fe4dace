"""Changing one field of a registration: the field's question, the new value, saving it.

The field being changed is saved as a draft (kind "change"), so the new value typed reaches
any bot process; the registration router hands it to `take_new_value`.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.db.models import Registration
from bot.handlers.context import IUCContext, identify
from bot.handlers.registration.steps import Retry, read_date
from bot.handlers.replies import callback, try_edit
from bot.handlers.visit_views import (
    field_label,
    refusal,
    registration_card,
    send_calendar,
    value_text,
)
from bot.i18n import Translator
from bot.visits import rules, service
from bot.visits.stepcommit import SavedDraft

log = logging.getLogger(__name__)

KIND = "change"

CACHED = "change_step"  # user_data: a change is waiting for its value (database outage)

FIELDS = rules.ANSWER_FIELDS

OPTIONAL = ("dietary", "accessibility", "email")


def keyboard_button(
    label: str, action: str, registration_id: int, extra: str = ""
) -> InlineKeyboardButton:
    parts: list[object] = ["m", action, registration_id] + ([extra] if extra else [])
    return InlineKeyboardButton(label, callback_data=callback(*parts))


async def say(update: Update, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await update.effective_chat.send_message(html, parse_mode="HTML", reply_markup=markup)


async def ask_value(update: Update, t: Translator, registration: Registration, field: str) -> None:
    text = t.gettext("{field}: please type the new value.").format(field=field_label(t, field))
    now = value_text(t, field, getattr(registration, field))
    text += "\n" + t.gettext("Your answer so far: {answer}").format(answer=now)
    buttons = []
    if field in OPTIONAL:
        label = t.pgettext("button", "Skip") if field == "email" else t.pgettext("button", "None")
        buttons.append(keyboard_button(label, "n", registration.id, field))
    buttons.append(keyboard_button(t.pgettext("button", "Cancel"), "x", registration.id))
    await say(update, escape(text, quote=False), InlineKeyboardMarkup([buttons]))


async def take_new_value(
    update: Update, context: IUCContext, text: str, draft: SavedDraft | None
) -> bool:
    """Takes typed text as the new value of the field being changed; False if none is.

    `draft` is the change draft the router found; None when the database did not answer,
    and then only this process's memory knows whether a change is open.
    """
    user_id = update.effective_user.id
    if draft is None:
        if CACHED not in context.user_data:
            return False
        t = await identify(update, context)
        await say(update, escape(t.gettext("Sorry, I could not save that. Please try again.")))
        return True
    t = await identify(update, context)
    field = draft.step
    registration_id = int(draft.data["registration_id"])
    value: Any = text
    if field in ("arrival", "departure"):
        try:
            async with context.services.sessions.begin() as session:
                found = await service.get_registration(session, registration_id, user_id)
            if found is None:
                raise rules.RegistrationNotFound()
            value = read_date(t, text, found[1])
        except Retry as exc:
            await say(update, escape(str(exc), quote=False))
            return True
        except rules.VisitError as exc:
            await say(update, escape(refusal(t, exc), quote=False))
            return True
        except SQLAlchemyError:
            log.warning("could not read the registration being changed", exc_info=True)
            await say(update, escape(t.gettext("Sorry, I could not save that. Please try again.")))
            return True
    await change(update, context, t, registration_id, field, value)
    return True


async def change(
    update: Update,
    context: IUCContext,
    t: Translator,
    registration_id: int,
    field: str,
    value: Any,
) -> None:
    """Saves one field (checked as at registration) and shows the registration as it is now."""
    services = context.services
    user_id = update.effective_user.id
    try:
        async with services.sessions.begin() as session:
            registration = await service.update_registration(
                session,
                registration_id,
                user_id,
                now=services.clock(),
                stay_window=services.settings.stay_window_days,
                **{field: value},
            )
            await service.delete_draft(session, user_id, KIND)
            visit = await service.get_visit(session, registration.visit_id)
    except (rules.RegistrationNotFound, rules.RegistrationNotActive, rules.VisitNotOpen) as exc:
        await cancel_change(context, user_id)
        await say(update, escape(refusal(t, exc), quote=False))
        return
    except rules.VisitError as exc:
        # A value that breaks a rule: say why and wait for another (the draft stays).
        await say(update, escape(refusal(t, exc), quote=False))
        return
    except SQLAlchemyError:
        log.warning("could not save a registration change", exc_info=True)
        await say(update, escape(t.gettext("Sorry, I could not save that. Please try again.")))
        return
    context.user_data.pop(CACHED, None)
    if update.callback_query is not None:
        await try_edit(update.callback_query.edit_message_reply_markup(None))
    assert visit is not None
    shown = escape(value_text(t, field, getattr(registration, field)), quote=False)
    word = t.gettext("Saved.")
    saved = f"{escape(word)}\n{escape(field_label(t, field))}: {shown}"
    await say(update, saved + "\n\n" + registration_card(t, registration, visit))
    if (
        field in ("arrival", "departure")
        and registration.status == rules.RegistrationStatus.CONFIRMED
    ):
        await send_calendar(
            context.bot, update.effective_chat.id, services, t, visit, registration
        )


async def cancel_change(context: IUCContext, user_id: int) -> bool:
    """Forgets the change in progress (for /cancel); True if there was one."""
    context.user_data.pop(CACHED, None)
    async with context.services.sessions.begin() as session:
        return await service.delete_draft(session, user_id, KIND)
