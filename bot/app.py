"""Build the python-telegram-bot Application: every handler is registered here, in order."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.db import migrate
from bot.db.session import make_engine, make_sessionmaker
from bot.handlers import other, questions, start
from bot.handlers.context import IUCContext, Services
from bot.kb.answer import QuestionAnswerer
from bot.menus import set_menus

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    qa: QuestionAnswerer,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    migrate_on_start: bool = True,
    rate_limit: bool = False,
) -> Application:
    """The bot with all handlers; the database opens in post_init and closes in post_shutdown."""
    services = Services(settings=settings, qa=qa)
    builder = (
        ApplicationBuilder()
        .token(settings.token or "0:LOCAL")
        .base_url(settings.base_url)
        .context_types(ContextTypes(context=IUCContext))
        .post_init(_post_init(services, migrate_on_start))
        .post_shutdown(_post_shutdown)
        # Updates of different users are independent; answering them concurrently keeps one
        # slow database write from holding up everybody else.
        .concurrent_updates(True)
    )
    if rate_limit:
        # Telegram's flood limits: retries a 429 once after the time it names.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=1))
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    app = builder.build()
    app.bot_data["services"] = services
    register_handlers(app)
    return app


def register_handlers(app: Application) -> None:
    """All handlers, in the order that matters: commands, buttons, text, then the rest."""
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE  # edited messages and channel posts are not questions
    app.add_handler(CommandHandler("start", start.start, filters=new))
    app.add_handler(CommandHandler("help", start.help_command, filters=new))
    app.add_handler(CommandHandler("language", start.language, filters=new))
    app.add_handler(CommandHandler("cancel", start.cancel, filters=new))
    # Callback data comes back from the client and can be stale or forged: the patterns admit
    # only what the handlers can parse (log ids fit a BIGINT), the last handler the rest.
    app.add_handler(CallbackQueryHandler(start.language_chosen, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(questions.suggestion_picked, pattern=r"^p:\d{1,18}:"))
    app.add_handler(CallbackQueryHandler(questions.none_of_these, pattern=r"^n:\d{1,18}\Z"))
    app.add_handler(CallbackQueryHandler(questions.feedback, pattern=r"^f:\d{1,18}:[yn]\Z"))
    app.add_handler(CallbackQueryHandler(other.stale_button))
    # In private chats every text is a question; in groups only what mentions the bot.
    app.add_handler(
        MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, questions.question)
    )
    app.add_handler(
        MessageHandler(
            new & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, _group_text
        )
    )
    app.add_handler(
        MessageHandler(new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, other.not_text)
    )
    # After the CommandHandlers: only commands none of them took (typos, other bots' commands).
    app.add_handler(MessageHandler(new & private & filters.COMMAND, other.unknown_command))
    app.add_error_handler(other.error_handler)


async def _group_text(update: Update, context: IUCContext) -> None:
    """Answers a group message that mentions the bot or replies to it; ignores the rest."""
    message = update.effective_message
    replied = message.reply_to_message
    to_bot = (
        replied is not None
        and replied.from_user is not None
        and (replied.from_user.id == context.bot.id)
    )
    if to_bot or f"@{context.bot.username}".lower() in (message.text or "").lower():
        await questions.question(update, context)


def _post_init(services: Services, migrate_on_start: bool):
    async def post_init(app: Application) -> None:
        url = services.settings.database_url
        if migrate_on_start:
            # Alembic is synchronous; a thread keeps the event loop free while it runs.
            await asyncio.to_thread(migrate.upgrade, url)
        engine = make_engine(url)
        app.bot_data["engine"] = engine
        services.sessions = make_sessionmaker(engine)
        await set_menus(app.bot)

    return post_init


async def _post_shutdown(app: Application) -> None:
    engine = app.bot_data.pop("engine", None)
    if engine is not None:
        await engine.dispose()
