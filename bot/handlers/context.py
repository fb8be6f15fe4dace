"""What every handler needs: the services, and who is asking in which language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.batch import Batcher
from bot.broadcast.sender import Sender
from bot.chat_topics import ChatTopics
from bot.config import Settings
from bot.db import repo
from bot.db.activity import ActivityRecorder
from bot.db.deadline import DeadlineSessions
from bot.db.records import Seen
from bot.db.userstate import State as UserState
from bot.db.userstate import UserStates
from bot.i18n import Translator, negotiate
from bot.kb.answer import Answer, QuestionAnswerer
from bot.review.knowledge import LiveKnowledge
from bot.visits.stepcommit import StepCommits

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


Asked = tuple[str, str | None, tuple[str, ...]]


@dataclass
class Services:
    """The domain objects the handlers call, created once per process."""

    settings: Settings
    qa: QuestionAnswerer
    # Set in post_init, when the database is open:
    sessions: DeadlineSessions | None = None  # each unit of work bounded (bot/db/deadline.py)
    user_states: UserStates | None = None  # read for every message (bot/db/userstate.py)
    activity: ActivityRecorder | None = None  # what messages record, written in batches
    outbox: Sender | None = None  # delivers broadcasts; wake() it after enqueueing one
    steps: StepCommits | None = None  # conversation steps, committed in batches
    clock: Callable[[], datetime] = utcnow
    topics: ChatTopics = field(default_factory=ChatTopics)  # for follow-up questions

    def __post_init__(self) -> None:
        # `qa` is replaced whole when coordinators add knowledge in any process, or /reload
        # re-reads the files (bot/review/knowledge.py); handlers read it afresh each time.
        self.knowledge = LiveKnowledge(self.qa, self._install)
        # The questions of messages that arrive together are matched back to back: see
        # bot/batch.py for why that is faster. An item: the text, the asker's language and
        # the records the chat's previous answer was about.
        self.ask: Batcher[Asked, Answer] = Batcher(self._ask_all)

    def _install(self, qa: QuestionAnswerer) -> None:
        self.qa = qa

    async def _ask_all(self, questions: list[Asked]) -> list[Answer | Exception]:
        answers: list[Answer | Exception] = []
        for text, lang, about in questions:
            try:
                answers.append(self.qa.ask(text, lang, about))
            except Exception as exc:  # a bug met by one question fails that message alone
                answers.append(exc)
        return answers


class IUCContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context, with typed access to the services."""

    @property
    def services(self) -> Services:
        """The services stored in bot_data at build time."""
        return self.application.bot_data["services"]

    async def sender_state(self, telegram_id: int) -> UserState:
        """The sender's (/language choice, kinds of saved conversations), read once per update.

        python-telegram-bot makes one context per update and hands it to every group, and three
        groups ask (the broadcast composer, the coordinators' steps, the questions): without
        this each message read the same row three times. A failed read is not kept, so a later
        group tries again; SQLAlchemyError reaches the caller as from `user_states`.
        """
        cached = self.__dict__.get("_sender_state")
        if cached is not None and cached[0] == telegram_id:
            return cached[1]
        assert self.services.user_states is not None
        state = await self.services.user_states(telegram_id)
        self.__dict__["_sender_state"] = (telegram_id, state)
        return state


IUCApplication = Application[ExtBot, IUCContext, dict, dict, dict, object]


async def identify(update: Update, context: IUCContext) -> Translator:
    """Record the user and return a translator for their language.

    The stored /language choice wins, then Telegram's language_code, then DEFAULT_LOCALE. When
    the database is down the user still gets an answer, in the language this process last
    used with them, else the one Telegram reports.
    """
    services = context.services
    if update.effective_user is None or services.sessions is None:
        return Translator(language_for(update, context, None))
    try:
        async with services.sessions.begin() as session:
            chosen = await record_user(session, update, services)
    except SQLAlchemyError:
        log.warning("could not record user; answering without the stored language", exc_info=True)
        chosen = (context.user_data or {}).get("lang")
    return Translator(language_for(update, context, chosen))


async def sender_translator(update: Update, context: IUCContext) -> Translator:
    """Like identify, without a transaction of its own: for the steps of a conversation.

    The language comes from the read every message makes (IUCContext.sender_state); the
    user's row is refreshed behind the reply by the activity recorder, as for a question.
    """
    services = context.services
    user = update.effective_user
    assert services.activity is not None
    services.activity.seen(
        Seen(user.id, user.language_code, user.first_name, services.clock(), user.username)
    )
    try:
        chosen, _ = await context.sender_state(user.id)
    except SQLAlchemyError:
        log.warning("could not read the user's state; answering without it", exc_info=True)
        chosen = (context.user_data or {}).get("lang")
    return Translator(language_for(update, context, chosen))


async def record_user(session: AsyncSession, update: Update, services: Services) -> str | None:
    """Insert or refresh the user in the session's transaction; returns their /language choice."""
    user = update.effective_user
    row = await repo.touch_user(
        session,
        user.id,
        telegram_language=user.language_code,
        first_name=user.first_name,
        now=services.clock(),
        username=user.username,
    )
    return row.language


def language_for(update: Update, context: IUCContext, chosen: str | None) -> str:
    """The stored choice, else Telegram's language_code, else DEFAULT_LOCALE; remembered."""
    user = update.effective_user
    lang = negotiate(
        chosen, user.language_code if user else None, context.services.settings.default_locale
    )
    if context.user_data is not None:
        context.user_data["lang"] = lang
    return lang
