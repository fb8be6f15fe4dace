"""iuc-bot: the command line. Each subcommand imports only what it needs, so `ask` starts fast."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings, SettingsError
from bot.i18n import LANGUAGES
from bot.operator_errors import OperatorError

# `iuc-bot console`'s own database, in the working directory; DATABASE_URL is the bot's.
CONSOLE_DATABASE_URL = "sqlite:///iuc-bot-console.sqlite3"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `iuc-bot` console script and of `python -m bot`."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"iuc-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # An operator's failure (database away, folder missing, Bot API unreachable, port in
        # use, file not writable) is one line; --verbose adds the traceback, token redacted.
        from bot.operator_errors import describe

        line = describe(exc, getattr(args, "env", os.environ))
        if line is None:
            raise
        if args.verbose:
            _print_traceback(exc)
        print(f"iuc-bot: {line}", file=sys.stderr)
        return 1


def _print_traceback(exc: BaseException) -> None:
    import traceback

    from bot.logs import redact

    token = (os.environ.get("TELEGRAM_BOT_TOKEN") or "").strip()
    text = "".join(traceback.format_exception(exc))
    sys.stderr.write(redact(text, [token, *token.split(":")[1:]]))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iuc-bot")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iuc-bot", description="The IUC partnership assistant (Bratislava–Tokorozawa)."
    )
    parser.add_argument("--version", action="version", version=f"iuc-bot {_version()}")
    parser.add_argument(
        "--verbose", action="store_true", help="show the traceback behind an error's one line"
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer a question (or each line of standard input)")
    ask.add_argument("question", nargs="*", help="the question; none reads standard input")
    ask.add_argument("--lang", default=None, help="the asker's language: en, sk or ja")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(func=_ask)

    run = sub.add_parser("run", help="run the Telegram bot (long polling, or webhook)")
    run.set_defaults(func=_run)

    console = sub.add_parser("console", help="chat with the bot in the terminal, no token")
    console.add_argument("--user", type=int, default=1, help="the Telegram user id to play")
    console.add_argument("--lang", default="en", help="the language_code Telegram would send")
    console.add_argument(
        "--database",
        "--database-url",
        dest="database",
        default=None,
        metavar="URL",
        help=f"the database to use; default {CONSOLE_DATABASE_URL}, never DATABASE_URL",
    )
    console.set_defaults(func=_console)

    health = sub.add_parser(
        "health", help="ask the running bot's /health (OPS_PORT); exit status 0 when healthy"
    )
    health.set_defaults(func=_health)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply the migrations to DATABASE_URL")
    upgrade.set_defaults(func=_db_upgrade)
    copy = db_sub.add_parser(
        "copy", help="copy every table into a new, empty database (e.g. SQLite to PostgreSQL)"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="copy from")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="copy into")
    copy.set_defaults(func=_db_copy)

    export = sub.add_parser("export", help="export data for coordinators")
    export_sub = export.add_subparsers(required=True, metavar="WHAT")
    registrations = export_sub.add_parser(
        "registrations", help="a visit's registrations as CSV (UTF-8 with BOM, for Excel)"
    )
    registrations.add_argument("--visit", type=int, required=True, help="the visit id")
    registrations.add_argument(
        "--output", type=Path, default=None, help="the file to write; default standard output"
    )
    registrations.set_defaults(func=_export_registrations)

    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(required=True, metavar="ACTION")
    check = kb_sub.add_parser("check", help="validate knowledge/; exit status 1 on any problem")
    check.add_argument("--dir", type=Path, default=None, help="default: KNOWLEDGE_DIR")
    check.set_defaults(func=_kb_check)
    return parser


def _knowledge_dir(override: Path | None = None) -> Path:
    return override or Path(os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


def load_or_report(directory: Path):
    """Load the knowledge base, or print every problem and exit with status 1."""
    from bot.kb.loader import KnowledgeError, load_knowledge

    try:
        return load_knowledge(directory)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"The knowledge base in {directory} has {count} problem{'s' if count != 1 else ''}.",
            file=sys.stderr,
        )
        raise SystemExit(1) from None


def _kb_check(args: argparse.Namespace) -> int:
    directory = _knowledge_dir(args.dir)
    kb = load_or_report(directory)
    print(f"{directory}: OK — {len(kb.records)} records, {len(kb.facts)} facts.")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from bot.kb.answer import QuestionAnswerer

    if args.lang and args.lang.split("-")[0].lower() not in LANGUAGES:
        print(f"iuc-bot: --lang must be one of {', '.join(LANGUAGES)}.", file=sys.stderr)
        return 2
    settings_lang = Settings.from_env(os.environ, need_token=False).default_locale
    qa = QuestionAnswerer(load_or_report(_knowledge_dir()))
    lang = args.lang or settings_lang
    if args.question:
        questions: Sequence[str] = [" ".join(args.question)]
    else:
        questions = (line.rstrip("\n") for line in sys.stdin if line.strip())  # type: ignore[assignment]
    database_url = os.environ.get("DATABASE_URL")
    live = None  # opened at the first live answer: other questions need no database
    try:
        for question in questions:
            answer = qa.ask(question, lang)
            if answer.live and database_url:
                if live is None:
                    from bot.live import BlockingLiveAnswers

                    live = BlockingLiveAnswers(database_url, qa)
                answer = live.complete(answer)
            if args.json:
                print(json.dumps(_as_json(answer), ensure_ascii=False), flush=True)
            else:
                print(_as_text(answer), flush=True)
    finally:
        if live is not None:
            live.close()
    return 0


def _as_json(answer) -> dict:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "lang": answer.lang,
        "text": _as_text(answer),
        "source": answer.entry,
        "confidence": answer.confidence,
        "suggestions": [s.question for s in answer.suggestions],
    }


def _as_text(answer) -> str:
    lines = [answer.text]
    lines.extend(f"  {i}. {s.question}" for i, s in enumerate(answer.suggestions, 1))
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from telegram import Update
    from telegram.error import InvalidToken

    from bot import logs
    from bot.app import build_application
    from bot.kb.answer import QuestionAnswerer

    settings = Settings.from_env(os.environ)
    logs.configure(settings.token, settings.webhook_secret or "", fmt=settings.log_format)
    asyncio.run(_check_token(settings))
    app = build_application(
        settings,
        QuestionAnswerer(load_or_report(settings.knowledge_dir)),
        rate_limit=True,
        flood_control=True,
    )
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
    return 0


def _serve_health_and_metrics(app, settings: Settings) -> None:
    """Start /health and /metrics (bot/observe/server.py) once the database is open."""
    from sqlalchemy import text

    from bot.observe import server

    async def probe() -> None:
        async with app.bot_data["engine"].connect() as connection:
            await connection.execute(text("SELECT 1"))

    opened, closed = app.post_init, app.post_shutdown

    async def post_init(application) -> None:
        await opened(application)
        application.bot_data["ops server"] = server.start(
            settings.ops_port, settings.ops_listen, lambda: application.running, probe
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


def _console(args: argparse.Namespace) -> int:
    import asyncio

    from bot import logs
    from bot.app import build_application
    from bot.console import run_console
    from bot.db.url import mask_password
    from bot.kb.answer import QuestionAnswerer
    from bot.localapi import LocalBotApi, local_bot_request

    # Its own SQLite file unless told otherwise: trying the console beside a live bot must not
    # put test users, questions and registrations into the live database (DATABASE_URL).
    database = args.database or CONSOLE_DATABASE_URL
    args.env = {**os.environ, "DATABASE_URL": database}  # what an error's one line names
    settings = Settings.from_env(args.env, need_token=False)
    print(f"iuc-bot console: using the database {mask_password(database)}", file=sys.stderr)
    logs.configure(level=logging_level_for_console())
    api = LocalBotApi()
    app = build_application(
        settings,
        QuestionAnswerer(load_or_report(settings.knowledge_dir)),
        request=local_bot_request(api),
        updates_request=local_bot_request(api),
    )
    asyncio.run(
        run_console(
            app, api, stdin=sys.stdin, stdout=sys.stdout, user_id=args.user, lang=args.lang
        )
    )
    return 0


def logging_level_for_console() -> int:
    """Only warnings in the console: log lines would mix with the conversation."""
    import logging

    return logging.WARNING


def _health(args: argparse.Namespace) -> int:
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


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.db.url import mask_password

    settings = Settings.from_env(os.environ, need_token=False)
    migrate.upgrade(settings.database_url)
    print(
        f"{mask_password(settings.database_url)}: "
        f"at revision {migrate.current(settings.database_url)}."
    )
    return 0


def _db_copy(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from bot.db import migrate
    from bot.db.copy import CopyRefused, copy_database
    from bot.db.url import mask_password, sync_url

    source_file = (
        make_url(sync_url(args.source)).database if args.source.startswith("sqlite") else None
    )
    if source_file and not Path(source_file).is_file():
        raise OperatorError(f"--from names {source_file}, which is not a file.")
    for option, url in (("--from", args.source), ("--to", args.target)):
        try:
            Settings.from_env({"DATABASE_URL": url}, need_token=False)
        except SettingsError:
            raise OperatorError(
                f"{option} is malformed: use sqlite:///file.sqlite3 or "
                "postgresql://user:password@host/db."
            ) from None
        # Each reachable before anything is written; an error's one line names the right one.
        args.env = {**os.environ, "DATABASE_URL": url}
        migrate.current(url)
    try:
        counts = copy_database(args.source, args.target, report=lambda line: print(line))
    except CopyRefused as exc:
        raise OperatorError(str(exc)) from None
    print(
        f"{mask_password(args.target)}: {sum(counts.values())} rows in {len(counts)} tables "
        f"copied from {mask_password(args.source)}."
    )
    return 0


def _export_registrations(args: argparse.Namespace) -> int:
    import asyncio

    from bot.db import migrate
    from bot.db.models import MAX_ROW_ID
    from bot.db.url import mask_password
    from bot.visits.export import registrations_csv
    from bot.visits.rules import VisitNotFound

    settings = Settings.from_env(os.environ, need_token=False)
    shown = mask_password(settings.database_url)
    if args.output is not None:
        _check_writable(args.output)  # before the database work, not after it
    head = migrate.revisions()[-1]
    at = migrate.current(settings.database_url)
    if at != head:
        print(
            f"iuc-bot: the database {shown} is at revision {at or 'none'}, not {head}: "
            "run `iuc-bot db upgrade` first.",
            file=sys.stderr,
        )
        return 1
    try:
        if not 0 < args.visit <= MAX_ROW_ID:  # PostgreSQL would refuse the number itself
            raise VisitNotFound()
        rows = asyncio.run(_registration_rows(settings.database_url, args.visit))
    except VisitNotFound:
        print(f"iuc-bot: there is no visit with id {args.visit} in {shown}.", file=sys.stderr)
        return 1
    data = registrations_csv(rows)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            raise OperatorError(_unwritable(args.output, exc)) from exc
        print(f"{args.output}: {len(rows)} registrations of visit {args.visit}.", file=sys.stderr)
    return 0


def _check_writable(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise OperatorError(
            f"cannot write {path}: the folder {folder} does not exist. Create it, or choose "
            "another --output."
        )
    if path.is_dir():
        raise OperatorError(f"cannot write {path}: it is a folder. Give a file name as --output.")


def _unwritable(path: Path, exc: OSError) -> str:
    return (
        f"cannot write {path}: {exc.strerror or exc}. Choose another --output or fix its "
        "permissions."
    )


async def _registration_rows(database_url: str, visit_id: int) -> list[dict]:
    from bot.db.session import make_engine, make_sessionmaker
    from bot.visits.service import export_rows

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await export_rows(session, visit_id)
    finally:
        await engine.dispose()
