"""The outbox sender's side that talks to Telegram: sending, editing and deleting a
broadcast's messages, the author's progress message and report, and the sender's start.

Bulk sends go through a Bot of their own with its own connection pool (`bulk_bot`), so a
broadcast never takes the connections interactive replies need (python-telegram-bot issue
3689), and not through the Application's rate limiter: bot/broadcast/limiter.py paces them.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import BaseRequest, HTTPXRequest

from bot.broadcast.claims import Job
from bot.broadcast.models import Broadcast, MediaKind
from bot.broadcast.results import Content, Outcome, Result
from bot.broadcast.seat import AdvisorySeat
from bot.broadcast.sender import Sender, SenderConfig
from bot.broadcast.store import Counts
from bot.config import Settings
from bot.db.session import make_engine, make_sessionmaker
from bot.handlers.coordinators.broadcasts.reports import progress_text, report_text
from bot.i18n import translator

log = logging.getLogger(__name__)

WORKERS = 16  # requests in flight at once; the bulk pool has a connection for each
# Answers lost after the request went out: Telegram may have carried it out.
_AMBIGUOUS = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)
_NOT_MODIFIED = "message is not modified"
_GONE = ("message to delete not found", "message to edit not found")


def bulk_bot(settings: Settings, request: BaseRequest | None) -> Bot:
    """The Bot broadcasts are sent with; `request` for tests (the in-process Bot API)."""
    if request is None:
        request = HTTPXRequest(connection_pool_size=WORKERS + 2, read_timeout=20.0)
    return Bot(settings.token or "0:LOCAL", base_url=settings.base_url, request=request)


def outcome_of(exc: Exception) -> Result:
    """What an exception of a Bot API call means for the outbox."""
    error = str(exc)[:500]
    if isinstance(exc, RetryAfter):
        return Result(Outcome.RETRY_AFTER, error=error, retry_after=_seconds(exc))
    if isinstance(exc, Forbidden):
        return Result(Outcome.BLOCKED, error=error)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest is one in PTB
        return Result(Outcome.FAILED, error=error)
    if isinstance(exc, NetworkError):  # TimedOut too
        if isinstance(exc.__cause__, _AMBIGUOUS):
            return Result(Outcome.UNKNOWN, error=error)
        return Result(Outcome.TRANSIENT, error=error)
    if isinstance(exc, TelegramError):
        return Result(Outcome.FAILED, error=error)
    return Result(Outcome.UNKNOWN, error=repr(exc)[:500])


def _seconds(exc: RetryAfter) -> float:
    # PTB 22 warns when retry_after is read as an int; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _markup(content: Content, lang: str) -> InlineKeyboardMarkup | None:
    if content.visit_id is None:
        return None
    label = translator(lang).pgettext("button", "Register: {title}")
    # The same button a live answer's visit has: it starts the registration for the visit.
    button = InlineKeyboardButton(
        label.format(title=content.visit_title(lang)), callback_data=f"rv:{content.visit_id}"
    )
    return InlineKeyboardMarkup([[button]])


class TelegramTransport:
    """The sender's Transport over a python-telegram-bot Bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, content: Content, job: Job) -> Result:
        """Send the broadcast to one recipient, in their language."""
        text, markup = content.text_for(job.lang), _markup(content, job.lang)
        try:
            message = await self._send(content, job.user_id, text, markup)
        except Exception as exc:
            return outcome_of(exc)
        return Result(Outcome.DONE, message_id=message.message_id)

    async def preview(self, content: Content, chat_id: int, lang: str) -> Message:
        """The message a recipient reading `lang` gets, sent to chat_id: the composer's
        preview, rendered by the very code that delivers the broadcast."""
        return await self._send(content, chat_id, content.text_for(lang), _markup(content, lang))

    async def _send(
        self, content: Content, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        html = ParseMode.HTML
        if content.media_kind == MediaKind.PHOTO:
            return await self.bot.send_photo(
                chat_id, content.media_file_id, caption=text, parse_mode=html, reply_markup=markup
            )
        if content.media_kind == MediaKind.DOCUMENT:
            return await self.bot.send_document(
                chat_id, content.media_file_id, caption=text, parse_mode=html, reply_markup=markup
            )
        return await self.bot.send_message(chat_id, text, parse_mode=html, reply_markup=markup)

    async def edit(self, content: Content, job: Job) -> Result:
        """Show the corrected text in a sent message."""
        text, markup = content.text_for(job.lang), _markup(content, job.lang)
        try:
            if content.media_kind:
                await self.bot.edit_message_caption(
                    job.user_id,
                    job.message_id,
                    caption=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            else:
                await self.bot.edit_message_text(
                    text,
                    job.user_id,
                    job.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
        except BadRequest as exc:
            if _NOT_MODIFIED in str(exc).lower():
                return Result(Outcome.DONE)
            return outcome_of(exc)
        except Exception as exc:
            return outcome_of(exc)
        return Result(Outcome.DONE)

    async def delete(self, job: Job) -> Result:
        """Delete a sent message (one the user deleted already counts as deleted)."""
        try:
            await self.bot.delete_message(job.user_id, job.message_id)
        except BadRequest as exc:
            if any(gone in str(exc).lower() for gone in _GONE):
                return Result(Outcome.DONE)
            return outcome_of(exc)
        except Exception as exc:
            return outcome_of(exc)
        return Result(Outcome.DONE)

    async def progress(self, broadcast: Broadcast, counts: Counts) -> int | None:
        """Edit the author's progress message, or send it the first time."""
        if broadcast.author_id is None:
            return None
        text = progress_text(translator(broadcast.author_lang), broadcast, counts)
        try:
            if broadcast.progress_message_id is not None:
                try:
                    await self.bot.edit_message_text(
                        text,
                        broadcast.author_id,
                        broadcast.progress_message_id,
                        parse_mode=ParseMode.HTML,
                    )
                    return broadcast.progress_message_id
                except BadRequest as exc:
                    if _NOT_MODIFIED in str(exc).lower():
                        return broadcast.progress_message_id
                    # Deleted by the author, or too old to edit: a new one is sent.
            sent = await self.bot.send_message(
                broadcast.author_id, text, parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.warning("outbox: progress of broadcast %s not shown: %s", broadcast.id, exc)
            return broadcast.progress_message_id
        return sent.message_id

    async def report(
        self, broadcast: Broadcast, counts: Counts, blocked: list[tuple[int, str | None]]
    ) -> None:
        """Replace the progress message by the report, sent as a new message (a notice)."""
        if broadcast.author_id is None:
            return
        t = translator(broadcast.author_lang)
        try:
            if broadcast.progress_message_id is not None:
                # Deleted by the author, or too old to delete: the report follows anyway.
                with contextlib.suppress(BadRequest):
                    await self.bot.delete_message(
                        broadcast.author_id, broadcast.progress_message_id
                    )
            await self.bot.send_message(
                broadcast.author_id,
                report_text(t, broadcast, counts, blocked),
                parse_mode=ParseMode.HTML,
            )
        except TelegramError:
            log.warning("outbox: report of broadcast %s not sent", broadcast.id, exc_info=True)


def sender_config(settings: Settings, engine: AsyncEngine) -> SenderConfig:
    """The sender's limits from the settings."""
    sqlite = engine.dialect.name == "sqlite"
    return SenderConfig(
        rate=settings.broadcast_rate,
        chat_interval=settings.broadcast_chat_interval,
        max_attempts=settings.broadcast_max_attempts,
        retry_after=settings.broadcast_retry_seconds,
        progress_every=settings.broadcast_progress_seconds,
        workers=WORKERS,
        # PostgreSQL may have several bot processes: another's claim counts as abandoned
        # when it is this old (a request never takes so long). SQLite has one process.
        lease=None if sqlite else timedelta(minutes=10),
    )


async def start_sender(
    settings: Settings, engine: AsyncEngine, bot: Bot
) -> tuple[Sender, AsyncEngine | None]:
    """Start the sender on the running loop; returns it and the engine it made, if any.

    SQLite: the bot's own engine (one connection, whose queue is fair to replies). PostgreSQL:
    an engine of its own with three connections (one holds the sender's seat), so the sender
    never holds the pool the replies draw from; and one process at a time sends, whichever
    holds the seat (bot/broadcast/seat.py): Telegram's limit is the bot's, not a process's.
    """
    own = None
    if engine.dialect.name != "sqlite":
        own = make_engine(settings.database_url, timeout=settings.db_timeout, pool_size=3)
    await bot.initialize()
    sender = Sender(
        make_sessionmaker(own or engine),
        TelegramTransport(bot),
        sender_config(settings, engine),
        seat=AdvisorySeat(own) if own is not None else None,
    )
    sender.start()
    return sender, own
