"""/broadcast: the coordinator writes per language, picks the audience, previews, confirms.

The broadcast in the making is a draft of kind "broadcast", saved after every step, so a
restart loses nothing; /cancel ends it. What the coordinator types or sends while composing
reaches `taken` in an early handler group, before the question answering; with no broadcast
draft (or a newer conversation of another kind) the message goes on untouched.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.broadcast.draft import KIND, Composition, Media, Step
from bot.handlers.access import has_role, requires
from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.broadcasts import views
from bot.handlers.coordinators.broadcasts.choose import choose_audience
from bot.handlers.coordinators.broadcasts.fix import FIX, take_fix
from bot.handlers.coordinators.broadcasts.state import load, problem, save
from bot.handlers.replies import try_edit
from bot.i18n import Translator
from bot.roles import Role
from bot.visits import service

log = logging.getLogger(__name__)


async def show_composer(
    message: Message, context: IUCContext, t: Translator, draft: Composition, *, edit: bool = False
) -> None:
    """The composer: what is written, what is missing, and what to send next."""
    visit = None
    if draft.visit_id is not None:
        assert context.services.sessions is not None
        async with context.services.sessions() as session:
            visit = await service.get_visit(session, draft.visit_id)
    text = views.composer_html(t, draft, visit)
    warning = problem(t, draft, needs_text=False)
    if warning is not None:
        text += "\n\n⚠️ " + warning
    markup = views.composer_keyboard(t, draft)
    if edit:
        await try_edit(message.edit_text(text, parse_mode="HTML", reply_markup=markup))
    else:
        await message.reply_html(text, reply_markup=markup)


@requires(Role.COORDINATOR)
async def broadcast(update: Update, context: IUCContext, t: Translator) -> None:
    """/broadcast: starts a broadcast, or shows the one in the making."""
    user_id = update.effective_user.id
    found = await load(context, user_id)
    draft = found[1] if found is not None else Composition.new(t.lang)
    await save(context, user_id, Step.COMPOSE, draft)
    await show_composer(update.effective_message, context, t, draft)


async def taken(update: Update, context: IUCContext) -> None:
    """Takes a text, photo or document a coordinator sends while composing a broadcast."""
    services = context.services
    if services.sessions is None or services.user_states is None:
        return
    user_id = update.effective_user.id
    try:
        # The read every message makes anyway (batched, bot/db/userstate.py): most senders
        # have no conversation at all, and their message goes on at once.
        _, kinds = await context.sender_state(user_id)
        if not kinds & {KIND, FIX}:
            return
        async with services.sessions() as session:
            drafts = await service.open_drafts(session, user_id)
    except SQLAlchemyError:
        log.warning("could not look up a broadcast draft", exc_info=True)
        return  # the question answering still works; the other handlers take the text
    ours = {kind: drafts.pop(kind) for kind in (KIND, FIX) if kind in drafts}
    if not ours:
        return  # not composing: the text is for the other handlers
    kind, draft = max(ours.items(), key=lambda item: item[1].updated_at)
    if any(other.updated_at > draft.updated_at for other in drafts.values()):
        return  # a conversation started since then takes typed answers
    if not await has_role(update, context, Role.COORDINATOR):
        return  # no longer a coordinator: what they send is not a broadcast any more
    try:
        if kind == FIX:
            await take_fix(update, context, dict(draft.data))
        else:
            await _take(update, context, Composition.from_data(draft.data))
    except Exception as exc:
        # The message was meant for the broadcast whatever went wrong: the error handler logs
        # and apologizes, and no later group answers it as a question.
        await context.application.process_error(update, exc)
    raise ApplicationHandlerStop


async def _take(update: Update, context: IUCContext, draft: Composition) -> None:
    t = await identify(update, context)
    message = update.effective_message
    if message.photo:
        draft.attach(Media.PHOTO, message.photo[-1].file_id)
    elif message.document is not None:
        draft.attach(Media.DOCUMENT, message.document.file_id)
    text = message.text_html if message.text is not None else None
    if text is None and message.caption:
        text = message.caption_html
    if text is not None:
        draft.write(text)
    try:
        await save(context, update.effective_user.id, Step.COMPOSE, draft)
    except ValueError:  # more than a draft may hold: only formatting on every letter gets here
        await message.reply_html(t.gettext("This text is too long to keep. Please shorten it."))
        return
    await show_composer(message, context, t, draft)


async def cancel(update: Update, context: IUCContext) -> None:
    """/cancel while composing or correcting: forgets it, nothing is sent or changed."""
    services = context.services
    if services.sessions is None:
        return
    user_id = update.effective_user.id
    # Anyone's own drafts of these kinds may go: only a coordinator can have made them.
    async with services.sessions.begin() as session:
        composing = await service.delete_draft(session, user_id, KIND)
        correcting = await service.delete_draft(session, user_id, FIX)
    if not (composing or correcting):
        return  # nothing of ours to cancel: the other /cancel handlers answer
    t = await identify(update, context)
    if composing:
        await update.effective_message.reply_html(
            t.gettext("Cancelled: the broadcast was not sent.")
        )
    if correcting:
        await update.effective_message.reply_html(
            t.gettext("Cancelled: the broadcast was not changed.")
        )
    raise ApplicationHandlerStop


@requires(Role.COORDINATOR)
async def button(update: Update, context: IUCContext, t: Translator) -> None:
    """Every button of the broadcast conversation (bc:...)."""
    query = update.callback_query
    user_id = update.effective_user.id
    action, _, value = (query.data or "").removeprefix("bc:").partition(":")
    if action == "cancel":
        assert context.services.sessions is not None
        async with context.services.sessions.begin() as session:
            await service.delete_draft(session, user_id, KIND)
        await query.answer()
        await try_edit(query.edit_message_reply_markup(None))
        await query.message.reply_html(t.gettext("Cancelled: the broadcast was not sent."))
        return
    found = await load(context, user_id)
    if found is None:
        # A button of a broadcast sent or cancelled already.
        await query.answer(t.gettext("This button is no longer active."))
        return
    step, draft = found
    if action in ("w", "nobtn", "rm", "btn", "bv", "back"):
        await _compose_button(update, context, t, draft, action, value)
    else:
        await choose_audience(update, context, t, step, draft, action, value)


async def _compose_button(
    update: Update, context: IUCContext, t: Translator, draft: Composition, action: str, value: str
) -> None:
    query = update.callback_query
    user_id = update.effective_user.id
    if action == "btn":
        assert context.services.sessions is not None
        async with context.services.sessions() as session:
            visits = await service.list_visits(session, ["open"])
        if not visits:
            await query.answer(t.gettext("No visit is open for registration."), show_alert=True)
            return
        await query.answer()
        await query.message.reply_html(
            t.gettext("Which visit should the button open the registration for?"),
            reply_markup=views.visits_keyboard(t, visits, "bv"),
        )
        return
    if action == "bv":
        assert context.services.sessions is not None
        async with context.services.sessions() as session:
            visit = await service.get_visit(session, int(value))
        if visit is None or visit.status != "open":
            await query.answer(t.gettext("No visit is open for registration."), show_alert=True)
            return
        draft.visit_id = visit.id
    elif action == "w":
        draft.writing = value
    elif action == "nobtn":
        draft.visit_id = None
    elif action == "rm":
        draft.detach()
    await query.answer()
    await save(context, user_id, Step.COMPOSE, draft)
    # The language, button and attachment toggles change the composer in place.
    in_place = action in ("w", "nobtn", "rm")
    await show_composer(query.message, context, t, draft, edit=in_place)
