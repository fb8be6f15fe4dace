"""Free-text questions, suggestion picks, "none of these" and feedback."""

from __future__ import annotations

import logging
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.constants import ChatType

from bot.db import repo
from bot.db.models import Feedback, Outcome
from bot.handlers import registration
from bot.handlers.context import IUCContext, identify, language_for, record_user_and_drafts
from bot.handlers.replies import (
    answer_html,
    answer_keyboard,
    feedback_keyboard,
    split_message,
    unless_unchanged,
)
from bot.i18n import Translator, negotiate
from bot.kb.render import render_fact
from bot.visits import service

log = logging.getLogger(__name__)

OUTCOMES = {"answer": Outcome.ANSWERED, "suggest": Outcome.SUGGESTED, "unknown": Outcome.UNKNOWN}


async def question(update: Update, context: IUCContext) -> None:
    """Sends the answer, or suggestion buttons, or an honest "I don't know"."""
    message = update.effective_message
    services = context.services
    text = _without_mention(message.text or message.caption or "", context.bot.username)
    private = update.effective_chat.type == ChatType.PRIVATE
    user_id = update.effective_user.id
    answer, log_id = None, None
    try:
        # One transaction records the user, finds an open conversation (the text is then its
        # answer, not a question) and logs the question: one commit per message.
        async with services.sessions.begin() as session:
            chosen, has_draft = await record_user_and_drafts(session, update, services)
            lang = language_for(update, context, chosen)
            drafts = await service.open_drafts(session, user_id) if private and has_draft else {}
            drafts = {k: v for k, v in drafts.items() if k in registration.TYPED_KINDS}
            if not drafts:
                answer = services.qa.ask(text, lang)
                log_id = await repo.log_question(
                    session,
                    telegram_id=user_id,
                    text=answer.question[:4096],
                    lang=answer.lang,
                    entry_id=answer.entry,
                    confidence=answer.confidence,
                    outcome=OUTCOMES[answer.outcome],
                    now=services.clock(),
                )
    except SQLAlchemyError:
        # The answer matters more than the log: reply without buttons that need a log id.
        log.warning("could not record the question; answering anyway", exc_info=True)
        if private and await registration.continue_conversation(update, context, None):
            return
        lang = language_for(update, context, context.user_data.get("lang"))
    else:
        if drafts and await registration.continue_conversation(update, context, drafts):
            return
    if answer is None:  # the database failed, or the conversation ended elsewhere meanwhile
        answer = services.qa.ask(text, lang)
    reply_t = Translator(answer.lang)
    pieces = split_message(answer_html(answer))
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await message.reply_html(
            piece, reply_markup=answer_keyboard(answer, log_id, reply_t) if last else None
        )


async def suggestion_picked(update: Update, context: IUCContext) -> None:
    """Answers the suggestion the user pressed and records it."""
    query = update.callback_query
    _, log_id, entry = (query.data or "").split(":", 2)
    kb = context.services.qa.kb
    fact = kb.facts.get(entry)
    t = await identify(update, context)
    await query.answer()
    if fact is None:  # the knowledge base changed since the buttons were sent
        await unless_unchanged(
            query.edit_message_text(t.gettext("That question is no longer available."))
        )
        return
    lang = negotiate(context.user_data.get("lang"), t.lang)
    t = Translator(lang)
    text = render_fact(kb, fact, t, context.services.clock().date())
    await _update_log(context, query.from_user.id, int(log_id), Outcome.ANSWERED, entry)
    await unless_unchanged(query.edit_message_reply_markup(None))
    for piece in split_message(escape(text, quote=False)):
        await query.message.reply_html(piece, reply_markup=feedback_keyboard(int(log_id), t))


async def none_of_these(update: Update, context: IUCContext) -> None:
    """Records that no suggestion fitted and says whom to ask."""
    query = update.callback_query
    log_id = int((query.data or "").split(":")[1])
    t = await identify(update, context)
    await query.answer()
    await _update_log(context, query.from_user.id, log_id, Outcome.NONE_OF_THESE, None)
    await unless_unchanged(
        query.edit_message_text(
            escape(context.services.qa.dont_know(t), quote=False)
            + "\n\n"
            + t.gettext("I have noted your question so that it can be answered in future."),
            parse_mode="HTML",
        )
    )


async def feedback(update: Update, context: IUCContext) -> None:
    """Stores "helpful" or "not helpful" and thanks the user."""
    query = update.callback_query
    _, log_id, value = (query.data or "").split(":")
    t = await identify(update, context)
    sessions = context.services.sessions
    try:
        if sessions is not None:
            async with sessions.begin() as session:
                await repo.set_feedback(
                    session,
                    int(log_id),
                    query.from_user.id,
                    Feedback.HELPFUL if value == "y" else Feedback.NOT_HELPFUL,
                )
    except SQLAlchemyError:
        log.warning("could not store feedback", exc_info=True)
        await query.answer(t.gettext("Sorry, I could not save that. Please try again."))
        return
    await query.answer(t.gettext("Thank you for your feedback!"))
    await unless_unchanged(query.edit_message_reply_markup(None))


async def _update_log(
    context: IUCContext, user_id: int, log_id: int, outcome: Outcome, entry: str | None
) -> None:
    sessions = context.services.sessions
    if sessions is None:
        return
    try:
        async with sessions.begin() as session:
            await repo.set_outcome(session, log_id, user_id, outcome, entry_id=entry)
    except SQLAlchemyError:
        log.warning("could not update question log", exc_info=True)


def _without_mention(text: str, username: str | None) -> str:
    """In groups people write "@bot when was…": the mention is not part of the question."""
    if username:
        text = text.replace(f"@{username}", " ")
    return text.strip()
