"""Creating a visit step by step, and changing its dates or capacity, for coordinators.

Progress is a draft of kind "edit_visit", saved after every step. Typed text reaches
`text_step` before the question answering (an earlier handler group); when the coordinator
has no such draft, the text goes on to the other handlers untouched.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.access import coordinator_only, is_coordinator
from bot.handlers.coordinators.visits.changes import (
    apply_capacity,
    apply_dates,
    apply_text,
    ask_step,
    create,
    save_step,
)
from bot.handlers.coordinators.visits.steps import (
    ALL_ROLES,
    HOST_CITIES,
    KIND,
    NEW_STEPS,
    new_data,
    next_step,
    prompt,
    take_text,
)
from bot.handlers.replies import try_edit
from bot.i18n import Translator
from bot.visits import service
from bot.visits.rules import VisitStatus

log = logging.getLogger(__name__)

# The card's change buttons and the question each starts with.
FIRST_CHANGE_STEP = {
    "dates": "new_start",
    "cap": "new_capacity",
    "title": "new_title_en",
    "venue": "new_venue",
}


async def new_visit(update: Update, context: IUCContext) -> None:
    """Starts the creation of a visit: the first question."""
    t = await coordinator_only(update, context)
    if t is None:
        return
    await update.callback_query.answer()
    data = new_data()
    await save_step(context, update.effective_user.id, NEW_STEPS[0], data)
    await ask_step(update, context, t, NEW_STEPS[0], data)


async def change_visit(update: Update, context: IUCContext) -> None:
    """Asks for a visit's new dates, capacity, titles or venue (the card's buttons)."""
    query = update.callback_query
    t = await coordinator_only(update, context)
    if t is None:
        return
    _, action, raw_id = (query.data or "").split(":")
    services = context.services
    assert services.sessions is not None
    async with services.sessions() as session:
        visit = await service.get_visit(session, int(raw_id))
    if visit is None:
        await query.answer(t.gettext("There is no visit #{id}.").format(id=raw_id))
        return
    if visit.status == VisitStatus.PAST:
        await query.answer(t.gettext("This visit is over; it cannot be changed."))
        return
    if visit.status == VisitStatus.CANCELLED:  # a stale button of its card
        await query.answer(t.gettext("This visit has been cancelled."))
        return
    await query.answer()
    data = {"mode": action, "visit_id": visit.id, "title": visit.title(t.lang), "held": visit.held}
    # A title or venue typed wrong at creation is fixed here: the current one is shown.
    data |= {"titles": dict(visit.titles), "venue": visit.venue}
    step = FIRST_CHANGE_STEP[action]
    await save_step(context, update.effective_user.id, step, data)
    await ask_step(update, context, t, step, data)


async def text_step(update: Update, context: IUCContext) -> None:
    """Takes a coordinator's typed answer when they are creating or changing a visit."""
    services = context.services
    if services.sessions is None:
        return
    user_id = update.effective_user.id
    try:
        async with services.sessions() as session:
            draft = await service.load_draft(session, user_id, KIND)
    except SQLAlchemyError:
        # Without the database no visit can be saved anyway; the question answering still
        # works, so the text goes on to it.
        log.warning("could not look up a visit draft", exc_info=True)
        return
    if draft is None:
        return  # not in a visit conversation: the text is for the other handlers
    # The role is checked once there is a form to fill. Someone whose coordinator role was
    # taken back meanwhile is no longer filling it: their text goes on (as a question), and
    # the form stays as it was.
    if not await is_coordinator(update, context):
        return
    t = await identify(update, context)
    try:
        await _take_step(update, context, t, draft.data, draft.step)
    except Exception as exc:
        # The text was an answer to the visit form, whatever went wrong while taking it: the
        # error handlers log and apologize, and no later group answers it as a question.
        await context.application.process_error(update, exc)
    raise ApplicationHandlerStop


async def _take_step(
    update: Update, context: IUCContext, t: Translator, saved: dict[str, Any], step: str
) -> None:
    """Takes the typed answer to the draft's step: saves it and asks the next, or applies it."""
    services = context.services
    user_id = update.effective_user.id
    data = dict(saved)
    today = services.clock().date()
    error = take_text(t, step, update.effective_message.text or "", data, today)
    if error is not None:
        await update.effective_message.reply_html(error)
        await ask_step(update, context, t, step, data)
        return
    if step == "new_start":
        await save_step(context, user_id, "new_end", data)
        await ask_step(update, context, t, "new_end", data)
    elif step == "new_end":
        await apply_dates(update, context, t, data)
    elif step == "new_capacity":
        await apply_capacity(update, context, t, data)
    elif step in ("new_title_en", "new_title_sk"):
        following = "new_title_sk" if step == "new_title_en" else "new_title_ja"
        await save_step(context, user_id, following, data)
        await ask_step(update, context, t, following, data)
    elif step == "new_title_ja":
        await apply_text(update, context, t, data, "titles")
    elif step == "new_venue":
        await apply_text(update, context, t, data, "venue")
    else:
        following = next_step(step)
        await save_step(context, user_id, following, data)
        await ask_step(update, context, t, following, data)


async def cancel(update: Update, context: IUCContext) -> None:
    """/cancel while creating or changing a visit: forgets the draft, nothing is saved."""
    services = context.services
    if services.sessions is None or not await is_coordinator(update, context):
        return
    async with services.sessions.begin() as session:
        deleted = await service.delete_draft(session, update.effective_user.id, KIND)
    if not deleted:
        return  # nothing of ours to cancel: the general /cancel answers
    t = await identify(update, context)
    await update.effective_message.reply_html(t.gettext("Cancelled: the visit was not changed."))
    raise ApplicationHandlerStop


async def button(update: Update, context: IUCContext) -> None:
    """The buttons of the visit conversation: city, roles, Done, Skip, Create and Cancel."""
    query = update.callback_query
    t = await coordinator_only(update, context)
    if t is None:
        return
    services = context.services
    assert services.sessions is not None
    user_id = update.effective_user.id
    async with services.sessions() as session:
        draft = await service.load_draft(session, user_id, KIND)
    action, _, value = (query.data or "").removeprefix("ce:").partition(":")
    if action == "cancel":
        async with services.sessions.begin() as session:
            await service.delete_draft(session, user_id, KIND)
        await query.answer()
        await try_edit(query.edit_message_reply_markup(None))
        await query.message.reply_html(t.gettext("Cancelled: the visit was not changed."))
        return
    expected = {"city": "city", "skip": "deadline", "role": "roles", "done": "roles"}
    if draft is None or draft.step != expected.get(action, "confirm"):
        # An old button of a finished or restarted conversation.
        await query.answer(t.gettext("This button is no longer active."))
        return
    data = dict(draft.data)
    if action == "role" and value in ALL_ROLES:
        roles = set(data["roles"]) ^ {value}
        data["roles"] = [r for r in ALL_ROLES if r in roles]
        await save_step(context, user_id, "roles", data)
        await query.answer()
        _, markup = prompt(t, "roles", data, services.qa.kb)
        await try_edit(query.edit_message_reply_markup(markup))
        return
    if action == "done" and not data["roles"]:
        await query.answer(t.gettext("Please choose at least one role."), show_alert=True)
        return
    if action == "city":
        if value not in HOST_CITIES:
            await query.answer()
            return
        data["host_city"] = value
        data["timezone"] = services.qa.kb.records[value].fields["timezone"]
    if action == "skip":
        data["registration_deadline"] = None
    await query.answer()
    await try_edit(query.edit_message_reply_markup(None))
    if action == "create":
        await create(update, context, t, data)
        return
    following = next_step(draft.step)
    await save_step(context, user_id, following, data)
    await ask_step(update, context, t, following, data)
