"""`iuc-bot run` and `iuc-bot health`: start-up checks and waits, the bot, /health and /metrics,
and the end of the process when the token stops working."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from bot.config import Settings, SettingsError
from bot.operator_errors import OperatorError

log = logging.getLogger(__name__)

# How often a webhook bot asks getMe whether its token still works (polling notices at once:
# its next getUpdates is refused).
TOKEN_CHECK_S = 300
POLLING_TASK = "Updater:start_polling:polling_task"  # python-telegram-bot's name for it
REVOKED = "token rejected"  # in bot_data once the Bot API refuses the token


def run(args: argparse.Namespace) -> int:
    """The bot, until stopped; a token refused while running ends it with status 2."""
    from telegram import Update
    from telegram.error import InvalidToken

    from bot import logs
    from bot.app import build_application
    from bot.cli import load_or_report
    from bot.db import migrate
    from bot.db.url import mask_password
    from bot.kb.answer import QuestionAnswerer
    from bot.startup import bot_api_not_up_yet, database_not_up_yet, wait_for

    settings = Settings.from_env(os.environ)
    logs.configure(settings.token, settings.webhook_secret or "", fmt=settings.log_format)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ReportedHere())
    qa = QuestionAnswerer(load_or_report(settings.knowledge_dir))
    wait = settings.startup_wait
    wait_for(
        f"the Bot API at {settings.base_url}",
        lambda: asyncio.run(_check_token(settings)),
        bot_api_not_up_yet,
        wait,
    )
    url = settings.database_url
    wait_for(
        f"the database {mask_password(url)}",
        lambda: migrate.upgrade(url),
        database_not_up_yet,
        wait,
    )
    app = build_application(
        settings, qa, rate_limit=True, flood_control=True, migrate_on_start=False
    )
    _watch_token(app)
    if settings.ops_port:
        _serve_health_and_metrics(app, settings)
    try:
        if settings.webhook_url:
            app.run_webhook(
                listen="0.0.0.0",
                port=settings.port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:  # revoked in the moment since _check_token
        raise SettingsError(_rejected(app.bot.base_url, settings.token)) from None
    if app.bot_data.get(REVOKED):
        # A supervisor (systemd, Docker's restart policy) sees the failure and the one line.
        raise SettingsError(_rejected(app.bot.base_url, settings.token))
    return 0


class _ReportedHere(logging.Filter):
    """python-telegram-bot logs a refused token with a traceback; this module says it in one
    line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        from telegram.error import InvalidToken

        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InvalidToken)


def _watch_token(app) -> None:
    """Stop the bot when the Bot API refuses its token (revoked at @BotFather while running).

    Polling: the updater's polling task ends with InvalidToken at the next getUpdates. Webhook:
    Telegram just stops calling, so getMe is asked every TOKEN_CHECK_S; a reply refused with
    InvalidToken (the error handlers see it) stops the bot at once too.
    """
    from telegram.error import InvalidToken

    def revoked() -> None:
        if not app.bot_data.get(REVOKED):
            app.bot_data[REVOKED] = True
            app.stop_running()

    def polling_done(task: asyncio.Task) -> None:
        if not task.cancelled() and isinstance(task.exception(), InvalidToken):
            revoked()

    async def find_polling(_context) -> None:
        for task in asyncio.all_tasks():
            if task.get_name() == POLLING_TASK:
                task.add_done_callback(polling_done)

    async def ask_get_me(context) -> None:
        try:
            await context.bot.get_me()
        except InvalidToken:
            revoked()
        except Exception:  # the network: the next check, or the updater, will tell
            log.warning("could not check the token with getMe", exc_info=True)

    async def on_error(_update: object, context) -> None:
        if isinstance(context.error, InvalidToken):
            revoked()

    app.add_error_handler(on_error)
    # Runs once the updater has started, however long start-up took (APScheduler would skip a
    # job more than a second late).
    app.job_queue.run_once(find_polling, 0, job_kwargs={"misfire_grace_time": None})
    app.job_queue.run_repeating(ask_get_me, TOKEN_CHECK_S, first=TOKEN_CHECK_S)


def _serve_health_and_metrics(app, settings: Settings) -> None:
    """Start /health and /metrics (bot/observe/server.py) once the database is open."""
    from sqlalchemy import text

    from bot.observe import gauges, server

    async def probe() -> None:
        async with app.bot_data["engine"].connect() as connection:
            await connection.execute(text("SELECT 1"))

    opened, closed = app.post_init, app.post_shutdown

    async def post_init(application) -> None:
        await opened(application)
        services = application.bot_data["services"]
        application.bot_data["ops server"] = server.start(
            settings.ops_port,
            settings.ops_listen,
            lambda: application.running,
            probe,
            gauges.collector(lambda: services.sessions),
        )

    async def post_shutdown(application) -> None:
        ops = application.bot_data.pop("ops server", None)
        if ops is not None:
            ops.stop()
        await closed(application)

    app.post_init, app.post_shutdown = post_init, post_shutdown


async def _check_token(settings: Settings) -> None:
    """Ask the Bot API who the bot is; a rejected token is one line naming what to fix.

    python-telegram-bot would log a traceback and raise InvalidToken with the token in its
    message; a wrong TELEGRAM_BASE_URL (a 404) looks the same to it.
    """
    import logging

    from telegram import Bot
    from telegram.error import InvalidToken

    bot = Bot(settings.token, base_url=settings.base_url)
    # What goes wrong here is reported below, or raised: python-telegram-bot's own log lines
    # (a traceback for a web page that is not a Bot API) would only bury it.
    telegram_log = logging.getLogger("telegram")
    level, telegram_log.level = telegram_log.level, logging.CRITICAL
    try:
        async with bot:  # initialize() calls getMe
            pass
    except InvalidToken:
        raise SettingsError(_rejected(bot.base_url, settings.token)) from None
    finally:
        telegram_log.setLevel(level)


def _rejected(base_url: str, token: str) -> str:
    from bot.logs import redact

    url = redact(base_url, [token]).replace("\n", "").replace("\r", "")
    return (
        f"the Bot API at {url}/getMe rejected the token (HTTP 401 or 404). Check "
        "TELEGRAM_BOT_TOKEN (the token @BotFather gave you) and TELEGRAM_BASE_URL (a Bot API "
        "server's address ending in /bot, such as https://api.telegram.org/bot)."
    )


def health(args: argparse.Namespace) -> int:
    """The container's HEALTHCHECK: GET /health on this machine, one line, status 0 or 1."""
    import urllib.error
    import urllib.request

    settings = Settings.from_env(os.environ, need_token=False)
    if not settings.ops_port:
        raise OperatorError("OPS_PORT is 0: the bot serves no /health to ask.")
    host = "127.0.0.1" if settings.ops_listen in ("0.0.0.0", "::") else settings.ops_listen
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{settings.ops_port}/health"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            print(f"{url}: {response.read().decode()}")
            return 0
    except urllib.error.HTTPError as exc:
        print(f"iuc-bot: {url} says the bot is unhealthy: {exc.read().decode()}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OperatorError(
            f"{url} cannot be reached ({reason}): is `iuc-bot run` running here with this "
            "OPS_PORT and OPS_LISTEN?"
        ) from None
