"""The registration conversation's engine: take an answer, save the next step, ask it.

Every answer, typed or pressed, goes through `answer`; the database's draft says which
step is open. An answer the database does not take is kept for "Try again" (`keep`).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.db.models import Visit
from bot.handlers.context import IUCContext
from bot.handlers.registration import steps
from bot.handlers.registration.replies import (
    CACHED_STEP,
    KIND,
    PENDING,
    State,
    ask,
    drop_buttons,
    gone,
    keep,
    load,
    say,
)
from bot.handlers.replies import ROW_ID
from bot.handlers.visit_views import refusal, send_calendar
from bot.i18n import Translator
from bot.visits import rules, service

log = logging.getLogger(__name__)


_UNLOADED = State(step="")


async def answer(
    update: Update,
    context: IUCContext,
    t: Translator,
    step: str,
    kind: str,
    value: str,
    *,
    state: State | None = _UNLOADED,
) -> str | None:
    """Take one answer to `step`: check it, save the next step, ask it; a toast or None."""
    user_id = update.effective_user.id
    services = context.services
    if state is _UNLOADED:
        try:
            state = await load(context, user_id)
        except SQLAlchemyError:
            log.warning("could not load the registration draft", exc_info=True)
            await keep(update, context, t, step, kind, value)
            return None
    if state is None:
        if step != "visit":
            context.user_data.pop(PENDING, None)
            return gone(t)
        state = State()
    if step != state.step:
        context.user_data.pop(PENDING, None)
        return t.gettext("This button belongs to an earlier question.")
    if step != "visit" and state.visit is None:
        await finish(update, context, t, rules.VisitNotFound())
        return None
    data, visit = state.data, state.visit
    try:
        if kind == "button" and value == "cancel":
            await delete(update, context, t)
            await say(update, escape(t.gettext("Registration cancelled. Nothing was saved.")))
            return None
        if visit is not None and step != "visit":
            # Closed meanwhile (deadline passed, closed or cancelled by the coordinators):
            # said at this step, not after the person has answered everything.
            service.check_open(visit, services.clock())
        if kind == "button" and value == "back":
            back = steps.previous_step(step, data)
            if back is None:
                return None
            data, new_step = data, back
        elif step == "visit":
            # Chosen with a button only: typed text, or forged data, is no visit id.
            if kind != "button" or re.fullmatch(ROW_ID, value) is None:
                raise steps.Retry(t.gettext("Please answer with the buttons below."))
            data, new_step = {"visit_id": int(value)}, "full_name"
            visit = await open_visit(context, user_id, int(value))
        elif step == "confirm" and kind == "button" and value == "yes":
            assert visit is not None
            return await confirm(update, context, t, data, visit)
        elif step == "confirm" and kind == "button" and value == "edit":
            data, new_step = data, "field"
        elif step == "consent" and kind == "button" and value == "yes":
            data, new_step = steps.agree(data, services.clock())
        else:
            assert visit is not None
            window = services.settings.stay_window_days
            data, new_step = steps.take(step, kind, value, data, visit, t, window)
    except steps.Retry as exc:
        context.user_data.pop(PENDING, None)
        await say(update, escape(str(exc), quote=False))
        await ask(update, context, t, state)
        return None
    except rules.VisitError as exc:
        await finish(update, context, t, exc)
        return None
    except SQLAlchemyError:
        log.warning("could not check the visit", exc_info=True)
        await keep(update, context, t, step, kind, value)
        return None
    await advance(update, context, t, (step, kind, value), State(new_step, data, visit))
    return None


async def advance(
    update: Update,
    context: IUCContext,
    t: Translator,
    answer: tuple[str, str, str],
    state: State,
) -> None:
    """Saves the new step with the answers so far, then asks it; keeps the answer on failure."""
    services = context.services
    if state.step == "visit":
        state.data = {}
    try:
        async with services.sessions.begin() as session:
            await service.save_draft(
                session,
                update.effective_user.id,
                KIND,
                state.step,
                state.data,
                services.clock(),
            )
    except SQLAlchemyError:
        log.warning("could not save a registration step", exc_info=True)
        await keep(update, context, t, *answer)
        return
    context.user_data.pop(PENDING, None)
    context.user_data[CACHED_STEP] = state.step
    await drop_buttons(update, t)
    await ask(update, context, t, state)


async def open_visit(context: IUCContext, user_id: int, visit_id: int) -> Visit:
    """The visit chosen, if it takes registrations and the person is not registered yet."""
    services = context.services
    async with services.sessions.begin() as session:
        visit = await service.get_visit(session, visit_id)
        if visit is None:
            raise rules.VisitNotFound()
        service.check_open(visit, services.clock())
        mine = await service.my_registrations(session, user_id, active_only=True)
    if any(r.visit_id == visit_id for r, _ in mine):
        raise rules.AlreadyRegistered()
    return visit


class _AlreadyDone(Exception):
    """The draft was confirmed (or cancelled) by an earlier tap."""


async def confirm(
    update: Update, context: IUCContext, t: Translator, data: dict[str, Any], visit: Visit
) -> str | None:
    """Registers the person and deletes the draft in one transaction; says how it went."""
    services = context.services
    user_id = update.effective_user.id
    now = services.clock()
    try:
        async with services.sessions.begin() as session:
            # The draft's deletion is the claim: a double tap, or the same tap delivered to a
            # second process, finds no draft and registers nobody twice.
            if not await service.delete_draft(session, user_id, KIND):
                raise _AlreadyDone()
            registration = await service.register(
                session,
                visit_id=int(data["visit_id"]),
                telegram_id=user_id,
                lang=t.lang,
                **{name: data.get(name) for name in ("full_name", "organisation", "city")},
                role=data["role"],
                arrival=date.fromisoformat(data["arrival"]),
                departure=date.fromisoformat(data["departure"]),
                dietary=data.get("dietary"),
                accessibility=data.get("accessibility"),
                email=data.get("email"),
                now=now,
                consent_at=datetime.fromisoformat(data["consent_at"]),
                stay_window=services.settings.stay_window_days,
            )
            visit = await service.get_visit(session, registration.visit_id) or visit
    except (rules.DatesOutsideVisit, rules.DepartureBeforeArrival, rules.RoleNotAllowed) as exc:
        # The coordinators changed the visit meanwhile: ask again what no longer fits.
        again = "role" if isinstance(exc, rules.RoleNotAllowed) else "arrival"
        await say(update, escape(refusal(t, exc), quote=False))
        state = State(again, data | {"editing": True}, visit)
        await advance(update, context, t, ("confirm", "button", "yes"), state)
        return None
    except _AlreadyDone:
        return gone(t)
    except rules.VisitError as exc:
        await finish(update, context, t, exc)
        return None
    except SQLAlchemyError:
        log.warning("could not save a registration", exc_info=True)
        await keep(update, context, t, "confirm", "button", "yes")
        return None
    context.user_data.pop(PENDING, None)
    context.user_data.pop(CACHED_STEP, None)
    await drop_buttons(update, t)
    title = escape(visit.title(t.lang), quote=False)
    if registration.status == rules.RegistrationStatus.CONFIRMED:
        text = t.gettext("You are registered for {title}. Your place is confirmed.")
    else:
        text = t.gettext(
            "{title} is full, so you are on the waiting list. If a place becomes free, I will "
            "offer it to you here, with a deadline to accept."
        )
    more = t.gettext("You can see, change or withdraw your registration with /myvisits.")
    await say(update, escape(text).format(title=f"<b>{title}</b>") + "\n\n" + escape(more))
    if registration.status == rules.RegistrationStatus.CONFIRMED:
        await send_calendar(
            context.bot, update.effective_chat.id, services, t, visit, registration
        )
    return None


async def finish(
    update: Update, context: IUCContext, t: Translator, exc: rules.VisitError
) -> None:
    """The registration cannot go on (visit closed, gone, already registered): end it."""
    try:
        await delete(update, context, t)
    except SQLAlchemyError:
        log.warning("could not delete a registration draft", exc_info=True)
    await say(update, escape(refusal(t, exc), quote=False))


async def delete(update: Update, context: IUCContext, t: Translator) -> None:
    await cancel_draft(context, update.effective_user.id)
    await drop_buttons(update, t)


async def cancel_draft(context: IUCContext, user_id: int) -> bool:
    """Deletes the registration in progress (for /cancel); True if there was one."""
    context.user_data.pop(PENDING, None)
    context.user_data.pop(CACHED_STEP, None)
    async with context.services.sessions.begin() as session:
        return await service.delete_draft(session, user_id, KIND)
