"""/register and the deep link visit_<id>: a conversation saved in the database after every step.

The step lives in the database (service.save_draft), not in one process, so a restart or a
second bot process carries on at the same question. An answer the database does not take
is kept in user_data and replayed by "Try again".
"""

from __future__ import annotations

import logging
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.constants import ChatType

from bot.db.models import Visit
from bot.handlers.context import IUCContext, identify, sender_translator
from bot.handlers.coordinators.access import is_coordinator
from bot.handlers.myvisits import change as myvisits_change
from bot.handlers.registration.flow import (
    answer,
    cancel_draft,
    choose_visit,
    confirm,
    open_visit,
    take_step,
)
from bot.handlers.registration.replies import (
    CACHED_STEP,
    KIND,
    PENDING,
    State,
    ask,
    gone,
    keep,
    list_visits,
    load,
    say,
    unavailable,
)
from bot.handlers.visit_views import refusal, visit_heading
from bot.i18n import Translator
from bot.visits import rules, service
from bot.visits.stepcommit import Decision, Needs, Read

log = logging.getLogger(__name__)

__all__ = [
    "button",
    "cancel_conversations",
    "continue_conversation",
    "continue_offline",
    "register",
    "start_from_link",
    "visit_chosen",
]


async def register(update: Update, context: IUCContext) -> None:
    """Continues the registration in progress, or lists the visits open for registration."""
    # Its language from the read every message makes; the user's row is written behind the
    # reply (the confirmation writes it too, before the registration that refers to it).
    t = await sender_translator(update, context)
    services = context.services
    assert services.steps is not None

    def decide(read: Read) -> Decision[tuple[str | None, State | None, list[Visit]]]:
        # One read: the draft, or else the visits to choose from (read with the batch's).
        draft = read.drafts.get(KIND)
        if draft is None or draft.step == "visit":
            return Decision((draft and draft.step, None, list(read.open_visits)))
        data = dict(draft.data)
        visit = read.visits.get(int(data["visit_id"])) if "visit_id" in data else None
        return Decision((draft.step, State(draft.step, data, visit), []))

    try:
        saved, state, visits = await services.steps(
            update.effective_user.id, decide, Needs(open_on=services.clock().date())
        )
    except SQLAlchemyError:
        log.warning("could not load the registration", exc_info=True)
        await say(update, escape(unavailable(t)))
        return
    if saved is None:
        context.user_data.pop(CACHED_STEP, None)
    else:
        context.user_data[CACHED_STEP] = saved
    if state is None:
        await list_visits(update, context, t, visits)
        return
    await say(update, escape(t.gettext("Let's continue where you left off.")))
    await ask(update, context, t, state)


async def start_from_link(
    update: Update, context: IUCContext, t: Translator, visit_id: int, *, greeting: str = ""
) -> bool:
    """Starts (or continues) registering for the visit of a deep link; False if it is unknown.

    `greeting` (HTML) goes first when the visit exists.
    """
    try:
        state = await load(context, update.effective_user.id)
        async with context.services.sessions.begin() as session:
            visit = await service.get_visit(session, visit_id)
    except SQLAlchemyError:
        log.warning("could not load the visit of a deep link", exc_info=True)
        await say(update, escape(unavailable(t)))
        return True
    if visit is None or (
        visit.status == rules.VisitStatus.DRAFT and not await is_coordinator(update, context)
    ):
        # Ids are sequential: an unpublished visit is "not there" for all but coordinators,
        # who try their link before sharing it.
        return False
    if greeting:
        await say(update, greeting)
    try:
        await open_visit(context, update.effective_user.id, visit_id)
    except rules.VisitError as exc:
        # A closed visit's link must not cost the person a registration they have open.
        await say(update, visit_heading(t, visit) + "\n" + escape(refusal(t, exc), quote=False))
        return True
    except SQLAlchemyError:
        await say(update, escape(unavailable(t)))
        return True
    if state is not None and state.data.get("visit_id") == visit_id and state.step != "visit":
        await say(update, escape(t.gettext("Let's continue where you left off.")))
        await ask(update, context, t, state)
        return True
    await answer(update, context, t, "visit", "button", str(visit_id), state=State())
    return True


async def visit_chosen(update: Update, context: IUCContext) -> None:
    """Starts registering for the visit whose button a live answer showed (like its link)."""
    query = update.callback_query
    visit_id = int((query.data or "").split(":")[1])
    t = await identify(update, context)
    await query.answer()
    if update.effective_chat.type != ChatType.PRIVATE:
        return  # the bot shows these buttons in private chats only: forged, or a stale copy
    if not await start_from_link(update, context, t, visit_id):
        await say(update, escape(refusal(t, rules.VisitNotFound()), quote=False))


async def button(update: Update, context: IUCContext) -> None:
    """Takes a pressed button of the registration as the answer to its step."""
    query = update.callback_query
    _, step, value = (query.data or "").split(":", 2)
    note: str | None = None
    if step == "retry":
        note = await _retry(update, context, await identify(update, context))
    elif step == "visit":
        note = await choose_visit(update, context, await sender_translator(update, context), value)
    elif (step, value) == ("confirm", "yes"):
        # The registration refers to the user's row: it is written in the same transaction.
        note = await confirm(update, context, await sender_translator(update, context))
    elif value == "cancel":
        note = await answer(
            update, context, await identify(update, context), step, "button", value
        )
    else:
        t = await sender_translator(update, context)
        taken = await take_step(update, context, t, "button", value, step)
        if taken is not None and taken.outcome == "stale":
            note = t.gettext("This button belongs to an earlier question.")
        elif taken is not None and taken.outcome == "gone":
            note = gone(t)
    await query.answer(note)


# The conversations whose steps are answered by typing, found by the question handler.
TYPED_KINDS = frozenset({KIND, myvisits_change.KIND})


async def continue_conversation(update: Update, context: IUCContext, t: Translator) -> bool:
    """Takes a typed message as the answer to an open step; False when no conversation is open.

    The question handler calls it when the read it makes for every message says a
    conversation is saved; `t` speaks the language that read found. A change in /myvisits
    waiting for its new value takes the text first.
    """
    text = update.effective_message.text or ""
    taken = await take_step(update, context, t, "text", text)
    if taken is not None and taken.outcome == "other":
        return await myvisits_change.take_new_value(update, context, text, taken.other)
    context.user_data.pop(myvisits_change.CACHED, None)
    return taken is None or taken.outcome != "no_draft"


async def continue_offline(update: Update, context: IUCContext) -> bool:
    """For a typed message when the database did not answer: only this process's memory
    says whether a conversation is open; its answer is kept for "Try again"."""
    text = update.effective_message.text or ""
    if await myvisits_change.take_new_value(update, context, text, None):
        return True
    step = context.user_data.get(CACHED_STEP)
    if step is None:
        return False
    t = await identify(update, context)
    await keep(update, context, t, step, "text", text)
    return True


async def _retry(update: Update, context: IUCContext, t: Translator) -> str | None:
    pending = context.user_data.get(PENDING)
    if pending is None:
        try:
            state = await load(context, update.effective_user.id)
        except SQLAlchemyError:
            return unavailable(t)
        if state is None:
            return gone(t)
        await ask(update, context, t, state)
        return None
    return await answer(update, context, t, pending["step"], pending["kind"], pending["value"])


async def cancel_conversations(update: Update, context: IUCContext) -> bool:
    """For /cancel: deletes a registration or a change in progress; True if there was one."""
    user = update.effective_user
    if user is None or context.services.sessions is None:
        return False
    registering = await cancel_draft(context, user.id)
    changing = await myvisits_change.cancel_change(context, user.id)
    return registering or changing
