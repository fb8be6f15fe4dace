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
    except BrokenPipeError:
        # The reader went away (`iuc-bot ask … | head`): nothing is left to write to. Output
        # still buffered would fail again at exit, so stdout is pointed at nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a process ended by SIGPIPE
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
    pull = kb_sub.add_parser(
        "pull-reviewed",
        help="write the phrasings and facts coordinators added in the bot into knowledge/",
    )
    pull.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    pull.add_argument("--dir", type=Path, default=None, help="default: KNOWLEDGE_DIR")
    pull.set_defaults(func=_kb_pull_reviewed)
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


def _kb_pull_reviewed(args: argparse.Namespace) -> int:
    import asyncio

    from bot.review.pulling import pull_reviewed

    url = args.database_url or Settings.from_env(os.environ, need_token=False).database_url
    return asyncio.run(pull_reviewed(url, _knowledge_dir(args.dir)))


def _ask(args: argparse.Namespace) -> int:
    from bot.kb.answer import QuestionAnswerer, unrecorded

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
            elif answer.live:
                # Without the visits, the fact's pointer to /register answers nothing asked.
                answer = unrecorded(answer)
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
        # Null when not answered, also for a reply that the source does not record the thing.
        "source": answer.entry if answer.answered else None,
        "confidence": answer.confidence,
        "suggestions": [s.question for s in answer.suggestions],
    }


def _as_text(answer) -> str:
    lines = [answer.text]
    # Nothing here can be tapped: a suggestion about using the bot shows its command to send.
    lines.extend(
        f"  {i}. {s.question}" + (f" (/{s.command})" if s.command else "")
        for i, s in enumerate(answer.suggestions, 1)
    )
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from bot.runner import run

    return run(args)


def _health(args: argparse.Namespace) -> int:
    from bot.runner import health

    return health(args)


def _db_copy(args: argparse.Namespace) -> int:
    from bot.cli_data import db_copy

    return db_copy(args)


def _export_registrations(args: argparse.Namespace) -> int:
    from bot.cli_data import export_registrations

    return export_registrations(args)


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
