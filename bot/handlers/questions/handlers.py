"""Free-text questions, suggestion picks, "none of these" and feedback."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot.db.models import Feedback, Outcome
from bot.db.records import Question, Reaction, Seen
from bot.encodable import encodable
from bot.handlers.context import IUCContext, Services, identify, language_for
from bot.handlers.questions.handoff import handoff_keyboard
from bot.handlers.registration import handlers as registration
from bot.handlers.replies import (
    answer_html,
    answer_keyboard,
    feedback_keyboard,
    split_message,
    try_edit,
    visits_keyboard,
)
from bot.i18n import Translator, negotiate
from bot.kb.render import render_fact
from bot.live import live_text
from bot.visits.live import OpenVisit

log = logging.getLogger(__name__)

# A reply that the source does not record the thing asked is logged as not answered: /stats
# shows the coordinators what people miss.
OUTCOMES = {
    "answer": Outcome.ANSWERED,
    "suggest": Outcome.SUGGESTED,
    "unknown": Outcome.UNKNOWN,
    "unrecorded": Outcome.UNKNOWN,
}


async def question(update: Update, context: IUCContext) -> None:
    """Sends the answer, or suggestion buttons, or an honest "I don't know".

    The reply waits for one read (the user's language and whether a conversation is open) and
    for the matcher, which takes the questions of messages arriving together in one go
    (bot/batch.py). What the message leaves behind (the user's row, the question log) is queued
    for the activity recorder, which commits it a moment later in a batch with other messages'.
    """
    message = update.effective_message
    services = context.services
    text = _without_mention(encodable(message.text or message.caption or ""), context.bot.username)
    private = update.effective_chat.type == ChatType.PRIVATE
    user = update.effective_user
    now = services.clock()
    services.activity.seen(Seen(user.id, user.language_code, user.first_name, now, user.username))
    try:
        chosen, kinds = await context.sender_state(user.id)
    except SQLAlchemyError:
        log.warning("could not read the user's state; answering without it", exc_info=True)
        # Only this process's memory can say whether a conversation is open, and in which
        # language the user was last answered.
        if private and await registration.continue_offline(update, context):
            return
        chosen = context.user_data.get("lang")
    else:
        # The text answers an open conversation step rather than asking a question.
        if private and kinds & registration.TYPED_KINDS:
            t = Translator(language_for(update, context, chosen))
            if await registration.continue_conversation(update, context, t):
                return
    # A follow-up ("and when was that?") is read with what the chat's last answer was about.
    about = services.topics.get(message.chat_id, now)
    answer = await services.ask((text, language_for(update, context, chosen), about))
    services.topics.remember(message.chat_id, answer.about, now)
    services.activity.asked(
        Question(
            chat_id=message.chat_id,
            message_id=message.message_id,
            telegram_id=user.id,
            text=answer.question[:4096],
            lang=answer.lang,
            entry_id=answer.entry,
            confidence=answer.confidence,
            outcome=OUTCOMES[answer.outcome],
            asked_at=now,
        )
    )
    reply_t = Translator(answer.lang)
    markup = None
    if answer.live:
        # "When is the next visit?": the visits open now, each with a registration button.
        live = await _open_visits(answer.live, reply_t, services, now, private)
        if live is not None:
            text, visits = live
            answer = replace(answer, text=text)
            if visits and private:
                markup = visits_keyboard(visits, message.message_id, reply_t)
    if markup is None:
        markup = answer_keyboard(answer, message.message_id, reply_t)
    if answer.outcome in ("unknown", "unrecorded") and answer.question and private:
        # Not a dead end: a coordinator can answer it here (questions/handoff.py), also what
        # the source does not record (the names of a delegation).
        if answer.outcome == "unknown":
            text = services.qa.dont_know(reply_t, answer.entities, handoff=True)
            answer = replace(answer, text=text)
        markup = handoff_keyboard(message.message_id, reply_t)
    await _reply_in_pieces(message, answer_html(answer), markup)


async def _open_visits(
    live: str, t: Translator, services: Services, now: datetime, private: bool
) -> tuple[str, tuple[OpenVisit, ...]] | None:
    """A live fact's text and the visits it lists; None keeps the fact's own text."""
    try:
        return await live_text(live, t, services.qa, services.sessions, now, buttons=private)
    except SQLAlchemyError:
        log.warning("could not read the open visits; answering with the fact", exc_info=True)
        return None


async def _reply_in_pieces(
    message: Message, html: str, markup: InlineKeyboardMarkup | None
) -> None:
    """The reply split to Telegram's length, the buttons under its last piece."""
    pieces = split_message(html)
    for i, piece in enumerate(pieces):
        await message.reply_html(piece, reply_markup=markup if i == len(pieces) - 1 else None)


async def suggestion_picked(update: Update, context: IUCContext) -> None:
    """Answers the suggestion the user pressed and records it."""
    query = update.callback_query
    _, raw_id, entry = (query.data or "").split(":", 2)
    question_id = int(raw_id)
    kb = context.services.qa.kb
    fact = kb.facts.get(entry)
    t = await identify(update, context)
    await query.answer()
    if fact is None:  # the knowledge base changed since the buttons were sent
        await try_edit(query.edit_message_text(t.gettext("That question is no longer available.")))
        return
    lang = negotiate(context.user_data.get("lang"), t.lang)
    t = Translator(lang)
    services = context.services
    now = services.clock()
    text = render_fact(kb, fact, t, now.date())
    markup = feedback_keyboard(question_id, t)
    private = query.message.chat.type == ChatType.PRIVATE
    if fact.live:
        live = await _open_visits(fact.live, t, services, now, private)
        if live is not None:
            text, visits = live
            if visits and private:
                markup = visits_keyboard(visits, question_id, t)
    if fact.unrecorded:  # a coordinator may know what the source does not record
        markup = handoff_keyboard(question_id, t) if private else None
    services.topics.remember(query.message.chat.id, (fact.record,), now)
    outcome = Outcome.UNKNOWN if fact.unrecorded else Outcome.ANSWERED
    _react(update, context, question_id, outcome=outcome, entry_id=entry)
    await try_edit(query.edit_message_reply_markup(None))
    await _reply_in_pieces(query.message, escape(text, quote=False), markup)


async def none_of_these(update: Update, context: IUCContext) -> None:
    """Records that no suggestion fitted and offers a coordinator (in a private chat; in a group
    says which unit to ask)."""
    query = update.callback_query
    question_id = int((query.data or "").split(":")[1])
    t = await identify(update, context)
    await query.answer()
    _react(update, context, question_id, outcome=Outcome.NONE_OF_THESE)
    private = query.message.chat.type == ChatType.PRIVATE
    await try_edit(
        query.edit_message_text(
            escape(context.services.qa.dont_know(t, handoff=private), quote=False),
            parse_mode="HTML",
            reply_markup=handoff_keyboard(question_id, t) if private else None,
        )
    )


async def feedback(update: Update, context: IUCContext) -> None:
    """Stores "helpful" or "not helpful" and thanks the user."""
    query = update.callback_query
    _, question_id, value = (query.data or "").split(":")
    t = await identify(update, context)
    _react(
        update,
        context,
        int(question_id),
        feedback=Feedback.HELPFUL if value == "y" else Feedback.NOT_HELPFUL,
    )
    await query.answer(t.gettext("Thank you for your feedback!"))
    await try_edit(query.edit_message_reply_markup(None))


def _react(update: Update, context: IUCContext, question_id: int, **change: object) -> None:
    """Queue the asker's reaction; it is written after the question's own log row."""
    query = update.callback_query
    context.services.activity.reacted(
        Reaction(
            chat_id=query.message.chat.id,
            message_id=question_id,
            telegram_id=query.from_user.id,
            **change,  # type: ignore[arg-type]
        )
    )


def _without_mention(text: str, username: str | None) -> str:
    """In groups people write "@bot when was…": the mention is not part of the question."""
    if username:
        text = text.replace(f"@{username}", " ")
    return text.strip()
