"""The registration conversation's engine: take an answer, save the next step, ask it.

Every answer, typed or pressed, goes through `answer`; the database's draft says which
step is open. An answer the database does not take is kept for "Try again" (`keep`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.db import repo
from bot.db.models import Registration, Visit
from bot.db.records import Seen
from bot.handlers.context import IUCContext
from bot.handlers.myvisits import change as myvisits_change
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
    unavailable,
)
from bot.handlers.replies import ROW_ID
from bot.handlers.visit_views import refusal, send_calendar
from bot.i18n import Translator
from bot.visits import rules, service
from bot.visits.drafts import claim_drafts
from bot.visits.registry import Registering, clean_answers, register_many
from bot.visits.stepcommit import Decision, Needs, Read, SavedDraft

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
            return await confirm(update, context, t)
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


@dataclass
class Taken:
    """What became of an answer taken by `take_step` (decided inside the step's transaction)."""

    outcome: str  # asked, retry, stale, gone, finished, nothing, no_draft, other
    state: State | None = None  # asked: the new step; retry: the step asked again
    message: str = ""  # retry: why the answer was not taken
    error: rules.VisitError | None = None  # finished: why the registration ended
    other: SavedDraft | None = None  # other: the conversation of another kind that is open


async def take_step(
    update: Update,
    context: IUCContext,
    t: Translator,
    kind: str,
    value: str,
    step: str | None = None,
) -> Taken | None:
    """Takes an answer as one step in one transaction: draft and visit read, answer checked,
    next step saved (a group commit with other people's steps, bot/visits/stepcommit.py);
    then replies. None when the database failed (the answer is kept for "Try again").

    `step` is the question a pressed button belongs to; None for typed text, which answers
    whatever step is open, unless another conversation (a change in /myvisits) is open: then
    nothing is taken and the outcome is "other".
    """
    services = context.services
    assert services.steps is not None
    now = services.clock()
    window = services.settings.stay_window_days

    def decide(read: Read) -> Decision[Taken]:
        return _decide(t, now, window, step, kind, value, read.drafts, read.visits)

    try:
        taken: Taken = await services.steps(update.effective_user.id, decide)
    except SQLAlchemyError:
        log.warning("could not take a registration step", exc_info=True)
        cached = step or context.user_data.get(CACHED_STEP)
        if cached is None:
            await say(update, escape(unavailable(t)))
        else:
            await keep(update, context, t, cached, kind, value)
        return None
    if taken.outcome not in ("no_draft", "other", "nothing"):
        context.user_data.pop(PENDING, None)
    if taken.outcome == "asked":
        assert taken.state is not None
        context.user_data[CACHED_STEP] = taken.state.step
        await drop_buttons(update, t)
        await ask(update, context, t, taken.state)
    elif taken.outcome == "retry":
        assert taken.state is not None
        await say(update, escape(taken.message, quote=False))
        await ask(update, context, t, taken.state)
    elif taken.outcome == "finished":
        assert taken.error is not None
        context.user_data.pop(CACHED_STEP, None)
        await drop_buttons(update, t)
        await say(update, escape(refusal(t, taken.error), quote=False))
    elif taken.outcome == "no_draft":
        context.user_data.pop(CACHED_STEP, None)
    return taken


def _decide(
    t: Translator,
    now: datetime,
    window: int,
    pressed: str | None,
    kind: str,
    value: str,
    drafts: Mapping[str, SavedDraft],
    visits: Mapping[int, Visit],
) -> Decision[Taken]:
    # As `answer` decides, on the draft and visit read in the step's transaction.
    if pressed is None and myvisits_change.KIND in drafts:
        return Decision(Taken("other", other=drafts[myvisits_change.KIND]))
    draft = drafts.get(KIND)
    if draft is None:
        return Decision(Taken("no_draft" if pressed is None else "gone"))
    data = dict(draft.data)
    visit = visits.get(int(data["visit_id"])) if "visit_id" in data else None
    state = State(draft.step, data, visit)
    step = draft.step if pressed is None else pressed
    if step != state.step:
        return Decision(Taken("stale"))
    if step != "visit" and visit is None:
        return Decision(Taken("finished", error=rules.VisitNotFound()), delete=KIND)
    try:
        if visit is not None and step != "visit":
            # Closed meanwhile (deadline passed, closed or cancelled by the coordinators):
            # said at this step, not after the person has answered everything.
            service.check_open(visit, now)
        if kind == "button" and value == "back":
            back = steps.previous_step(step, data)
            if back is None:
                return Decision(Taken("nothing"))
            new = State(back, {} if back == "visit" else data, visit)
        elif step == "visit":  # chosen with a button only, and that is taken by `answer`
            raise steps.Retry(t.gettext("Please answer with the buttons below."))
        elif step == "confirm" and kind == "button" and value == "edit":
            new = State("field", data, visit)
        elif step == "consent" and kind == "button" and value == "yes":
            agreed, after = steps.agree(data, now)
            new = State(after, agreed, visit)
        else:
            assert visit is not None
            answered, after = steps.take(step, kind, value, data, visit, t, window)
            new = State(after, answered, visit)
    except steps.Retry as exc:
        return Decision(Taken("retry", state=state, message=str(exc)))
    except rules.VisitError as exc:
        return Decision(Taken("finished", error=exc), delete=KIND)
    return Decision(Taken("asked", state=new), save=(KIND, new.step, new.data))


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
    async with context.services.sessions.begin() as session:
        return await _open_visit_in(session, context, user_id, visit_id)


async def _open_visit_in(
    session: AsyncSession, context: IUCContext, user_id: int, visit_id: int
) -> Visit:
    visit = await service.get_visit(session, visit_id)
    if visit is None:
        raise rules.VisitNotFound()
    service.check_open(visit, context.services.clock())
    mine = await service.my_registrations(session, user_id, active_only=True)
    if any(r.visit_id == visit_id for r, _ in mine):
        raise rules.AlreadyRegistered()
    return visit


async def choose_visit(
    update: Update, context: IUCContext, t: Translator, value: str
) -> str | None:
    """The visit's button: the draft read, the visit checked, the first question saved, in
    one step of the group commit (bot/visits/stepcommit.py); then the question asked. A toast
    or None, as `answer`."""
    if re.fullmatch(ROW_ID, value) is None:  # forged: `answer` says to use the buttons
        return await answer(update, context, t, "visit", "button", value)
    services = context.services
    assert services.steps is not None
    user_id = update.effective_user.id
    visit_id = int(value)
    now = services.clock()

    def decide(read: Read) -> Decision[State | rules.VisitError | None]:
        draft = read.drafts.get(KIND)
        if draft is not None and draft.step != "visit":
            return Decision(None)  # the button belongs to an earlier question
        visit = read.visits.get(visit_id)
        try:
            if visit is None:
                raise rules.VisitNotFound()
            service.check_open(visit, now)
            if visit_id in read.registered:
                raise rules.AlreadyRegistered()
        except rules.VisitError as exc:  # the registration ends (its draft, if any, too)
            return Decision(exc, delete=KIND if draft is not None else None)
        data = {"visit_id": visit_id}
        return Decision(State("full_name", data, visit), save=(KIND, "full_name", data))

    try:
        chosen = await services.steps(user_id, decide, Needs(visits=(visit_id,), registered=True))
    except rules.VisitError as exc:  # decided (and its draft deleted) in the batch
        chosen = exc
    except SQLAlchemyError:
        log.warning("could not save a registration step", exc_info=True)
        await keep(update, context, t, "visit", "button", value)
        return None
    if chosen is None:
        context.user_data.pop(PENDING, None)
        return t.gettext("This button belongs to an earlier question.")
    if isinstance(chosen, rules.VisitError):
        context.user_data.pop(PENDING, None)
        context.user_data.pop(CACHED_STEP, None)
        await drop_buttons(update, t)
        await say(update, escape(refusal(t, chosen), quote=False))
        return None
    context.user_data.pop(PENDING, None)
    context.user_data[CACHED_STEP] = "full_name"
    await drop_buttons(update, t)
    await ask(update, context, t, chosen)
    return None


class _Stale(Exception):
    """The button pressed belongs to an earlier question than the draft's."""


class _AlreadyDone(Exception):
    """The draft was confirmed (or cancelled) by an earlier tap."""


@dataclass
class _Registered:
    """A confirmation's outcome: the registration taken, and its visit as read with it."""

    registration: Registration
    visit: Visit


_REASKED = (rules.DatesOutsideVisit, rules.DepartureBeforeArrival, rules.RoleNotAllowed)


async def confirm(update: Update, context: IUCContext, t: Translator) -> str | None:
    """Registers the person and deletes the draft in one step of the group commit
    (bot/visits/stepcommit.py); says how it went.

    The draft and its visit are read with the batch; the answers are checked against the visit
    there; then, in the batch's transaction, the user's row the registration refers to is
    written, the draft deleted (the claim) and the place taken.
    """
    services = context.services
    assert services.steps is not None
    user_id = update.effective_user.id
    now = services.clock()
    window = services.settings.stay_window_days

    def decide(read: Read) -> Decision[Any]:
        draft = read.drafts.get(KIND)
        if draft is None:
            return Decision(_AlreadyDone())
        if draft.step != "confirm":
            return Decision(_Stale())
        data = dict(draft.data)
        visit = read.visits.get(int(data["visit_id"])) if "visit_id" in data else None
        state = State("confirm", data, visit)
        try:
            if visit is None:
                raise rules.VisitNotFound()
            service.check_open(visit, now)
            cleaned = clean_answers(visit, _answers(data, t.lang), window)
        except _REASKED as exc:
            asked = _asked_again(exc, data, visit)
            return Decision((exc, asked), save=(KIND, asked.step, asked.data))
        except rules.VisitError as exc:
            return Decision(exc, delete=KIND)

        user = update.effective_user
        seen = Seen(user.id, user.language_code, user.first_name, now, user.username)
        consent = datetime.fromisoformat(data["consent_at"])
        person = Registering(visit, user_id, cleaned, consent)
        return Decision(state, bulk=(_take_places, (seen, person)))

    try:
        # A refusal decided in the batch comes back raised, as the then's refusals do.
        outcome = await services.steps(user_id, decide)
    except _AlreadyDone:
        context.user_data.pop(PENDING, None)
        return gone(t)
    except _Stale:
        context.user_data.pop(PENDING, None)
        return t.gettext("This button belongs to an earlier question.")
    except rules.VisitError as exc:
        await finish(update, context, t, exc)
        return None
    except SQLAlchemyError:
        log.warning("could not save a registration", exc_info=True)
        await keep(update, context, t, "confirm", "button", "yes")
        return None
    if isinstance(outcome, tuple):  # asked again: the refusal, then the question
        exc, asked = outcome
        context.user_data.pop(PENDING, None)
        context.user_data[CACHED_STEP] = asked.step
        await say(update, escape(refusal(t, exc), quote=False))
        await drop_buttons(update, t)
        await ask(update, context, t, asked)
        return None
    assert isinstance(outcome, _Registered)
    registration, visit = outcome.registration, outcome.visit
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


async def _take_places(session: AsyncSession, items: list[tuple[Seen, Registering]]) -> list[Any]:
    """The confirmations of a batch, in its transaction: the users' rows the registrations
    refer to, the drafts deleted (each deletion is its confirmation's claim: a double tap, or
    the same tap delivered to a second process, finds no draft and registers nobody twice),
    then the places taken (bot/visits/registry.py, register_many)."""
    await repo.touch_users(session, [seen for seen, _ in items])
    claimed = await claim_drafts(session, [person.telegram_id for _, person in items], KIND)
    people = [person for _, person in items if person.telegram_id in claimed]
    made = iter(await register_many(session, people, items[0][0].at))
    results: list[Any] = []
    for _, person in items:
        if person.telegram_id not in claimed:
            results.append(_AlreadyDone())
            continue
        claimed.discard(person.telegram_id)  # a second tap in the batch claims nothing
        taken = next(made)
        results.append(taken if isinstance(taken, Exception) else _Registered(taken, person.visit))
    return results


def _asked_again(exc: rules.VisitError, data: dict[str, Any], visit: Visit | None) -> State:
    # The coordinators changed the visit meanwhile: ask again what no longer fits.
    again = "role" if isinstance(exc, rules.RoleNotAllowed) else "arrival"
    return State(again, data | {"editing": True}, visit)


def _answers(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The draft's answers as register takes them."""
    return {
        "lang": lang,
        **{name: data.get(name) for name in ("full_name", "organisation", "city")},
        "role": data["role"],
        "arrival": date.fromisoformat(data["arrival"]),
        "departure": date.fromisoformat(data["departure"]),
        "dietary": data.get("dietary"),
        "accessibility": data.get("accessibility"),
        "email": data.get("email"),
    }


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
