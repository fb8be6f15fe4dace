"""/review, a question's card, answering it in chat, /cancel of that, and /reload.

Every handler re-checks the role itself (`require_role`, read from the database): command
menus only hide commands, and callback data can be forged. What a coordinator is typing is a
draft of kind "review", saved before the prompt, so a restart loses nothing.
"""

from __future__ import annotations

import logging
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.db.models import Draft
from bot.handlers.access import has_role, require_role
from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.review import facts
from bot.handlers.coordinators.review.facts import save
from bot.handlers.coordinators.review.notify import answer_html, deliver
from bot.handlers.coordinators.review.views import (
    KIND,
    card_html,
    card_keyboard,
    knowledge_keyboard,
    language_name,
    review_html,
    review_keyboard,
)
from bot.handlers.replies import split_message
from bot.i18n import Translator
from bot.review import queue
from bot.roles import Role
from bot.visits import service

log = logging.getLogger(__name__)

MAX_PROBLEMS = 20  # of a broken knowledge/ shown in the chat; `iuc-bot kb check` lists all


async def review(update: Update, context: IUCContext) -> None:
    """/review: the open questions, similar ones together, oldest first, a button each."""
    t = await require_role(update, context, Role.COORDINATOR)
    if t is None:
        return
    async with context.services.sessions() as session:
        groups = queue.group_similar(await queue.open_handoffs(session))
    pieces = split_message(review_html(t, groups))
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await update.effective_message.reply_html(
            piece, reply_markup=review_keyboard(groups) if last else None
        )


async def button(update: Update, context: IUCContext) -> None:
    """The buttons hq:<action>:<id>[:<n>] of cards, /review and the knowledge steps."""
    query = update.callback_query
    t = await require_role(update, context, Role.COORDINATOR)
    if t is None:
        return
    action, raw_id, *rest = (query.data or "").split(":")[1:]
    async with context.services.sessions() as session:
        handoff = await queue.get(session, int(raw_id))
    if handoff is None:  # its asker erased their data meanwhile
        await query.answer(t.gettext("That question is no longer available."), show_alert=True)
        return
    if action == "c":
        await query.answer()
        await query.message.reply_html(
            card_html(t, handoff), reply_markup=card_keyboard(t, handoff)
        )
    elif action == "a":
        await _start_answer(update, context, t, handoff)
    elif action == "l":
        await facts.offer_candidates(update, context, t, handoff)
    elif action == "p":
        await facts.picked(update, context, t, handoff, int(rest[0]))
    elif action == "f":
        await facts.start_fact(update, context, t, handoff)
    elif action == "s":
        await facts.skip_language(update, context, t, handoff)


async def _start_answer(update: Update, context: IUCContext, t: Translator, handoff) -> None:
    query = update.callback_query
    if handoff.status != "open":
        await query.answer(t.gettext("This question has been answered already."), show_alert=True)
        await query.message.reply_html(
            card_html(t, handoff), reply_markup=card_keyboard(t, handoff)
        )
        return
    await query.answer()
    await save(context, update.effective_user.id, "answer", {"id": handoff.id})
    await query.message.reply_html(
        t.gettext(
            "Please type your answer to question #{id}. The asker gets it as you type it, "
            "with their question quoted and a line in their language ({language}) above it. "
            "/cancel stops without sending anything."
        ).format(id=handoff.id, language=language_name(t, handoff.lang))
    )


TYPED_STEPS = ("answer", "fact")  # steps that take a typed text (the others, buttons)


async def text_step(update: Update, context: IUCContext) -> None:
    """Takes a coordinator's typed answer or fact text (coordinators/texts.py calls it for
    anyone with a saved conversation); passes any other text on."""
    services = context.services
    if services.sessions is None:
        return
    try:
        async with services.sessions() as session:
            draft = await service.load_draft(session, update.effective_user.id, KIND)
    except SQLAlchemyError:
        log.warning("could not look up a review draft", exc_info=True)
        return
    if draft is not None and await take_typed(update, context, draft):
        raise ApplicationHandlerStop


async def take_typed(update: Update, context: IUCContext, draft: Draft) -> bool:
    """Takes the text for a review draft; False (nothing done) when it is not one that takes
    text or the sender is no longer a coordinator."""
    if draft.kind != KIND or draft.step not in TYPED_STEPS:
        return False
    if not await has_role(update, context, Role.COORDINATOR):
        return False
    try:
        t = await require_role(update, context, Role.COORDINATOR)
        assert t is not None
        text = (update.effective_message.text or "").strip()
        if draft.step == "answer":
            await _take_answer(update, context, t, dict(draft.data), text)
        else:
            await facts.take_text(update, context, t, dict(draft.data), text)
    except Exception as exc:
        # The text was meant for the review, whatever went wrong: the error handler logs and
        # apologizes, and no later handler answers it as a question.
        await context.application.process_error(update, exc)
    return True


async def _take_answer(
    update: Update, context: IUCContext, t: Translator, data: dict, text: str
) -> None:
    services = context.services
    message = update.effective_message
    user_id = update.effective_user.id
    if not text or len(text) > queue.MAX_ANSWER:
        await message.reply_html(
            t.gettext(
                "Please type an answer of at most {limit} characters; nothing was sent."
            ).format(limit=queue.MAX_ANSWER)
        )
        return
    async with services.sessions.begin() as session:
        handoff = await queue.get(session, int(data["id"]))
        answered = handoff is not None and await queue.mark_answered(
            session, handoff.id, user_id, text, services.clock()
        )
        await service.delete_draft(session, user_id, KIND)
    if handoff is None:
        await message.reply_html(t.gettext("That question is no longer available."))
        return
    if not answered:
        await message.reply_html(
            t.gettext(
                "Another coordinator has answered question #{id} meanwhile; nothing was sent."
            ).format(id=handoff.id)
        )
        return
    if not await deliver(context, handoff, answer_html(handoff, text)):
        async with services.sessions.begin() as session:
            await queue.reopen(session, handoff.id)
        await message.reply_html(
            t.gettext(
                "Telegram did not deliver the answer to #{id} (the asker may have blocked the "
                "bot); the question stays open."
            ).format(id=handoff.id)
        )
        return
    await message.reply_html(
        t.gettext(
            "Your answer to #{id} was sent. Should the bot answer this question itself from now "
            "on?"
        ).format(id=handoff.id),
        reply_markup=knowledge_keyboard(t, handoff.id),
    )


async def cancel(update: Update, context: IUCContext) -> None:
    """/cancel while typing for the review: forgets the step, nothing is sent or saved. Only
    the sender's own review draft is deleted (a delegate has none), so no role check."""
    services = context.services
    if services.sessions is None:
        return
    try:
        async with services.sessions.begin() as session:
            deleted = await service.delete_draft(session, update.effective_user.id, KIND)
    except SQLAlchemyError:
        log.warning("could not delete a review draft", exc_info=True)
        return
    if not deleted:
        return  # nothing of ours to cancel: the general /cancel answers
    t = await identify(update, context)
    await update.effective_message.reply_html(t.gettext("Cancelled: nothing was sent or saved."))
    raise ApplicationHandlerStop


async def reload(update: Update, context: IUCContext) -> None:
    """/reload: re-reads knowledge/; a broken file keeps the old knowledge answering."""
    t = await require_role(update, context, Role.COORDINATOR)
    if t is None:
        return
    services = context.services
    problems = await services.knowledge.reload(services.settings.knowledge_dir, services.sessions)
    if problems:
        listed = "\n".join(escape(str(p), quote=False) for p in problems[:MAX_PROBLEMS])
        more = len(problems) - MAX_PROBLEMS
        text = (
            t.ngettext(
                "The knowledge files have {count} problem; the bot keeps answering with the "
                "knowledge it had:",
                "The knowledge files have {count} problems; the bot keeps answering with the "
                "knowledge it had:",
                len(problems),
            ).format(count=len(problems))
            + f"\n<pre>{listed}</pre>"
        )
        if more > 0:
            text += "\n" + t.gettext("…and {count} more: run {command}.").format(
                count=more, command="iuc-bot kb check"
            )
        for piece in split_message(text):
            await update.effective_message.reply_html(piece)
        return
    kb = services.qa.kb
    await update.effective_message.reply_html(
        t.gettext("Knowledge reloaded: {records} records, {facts} facts.").format(
            records=len(kb.records), facts=len(kb.facts)
        )
    )
